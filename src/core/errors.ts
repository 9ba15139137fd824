/**
 * The step that resolves an error: `cluster` (train again from the data file), `reconcile` (bring
 * the state in line with hand edits), `verify` (retrain and compare), `audit-verify` (check the
 * audit log), `init` (create a workspace).
 */
export type Remedy = 'cluster' | 'reconcile' | 'verify' | 'audit-verify' | 'init';

/**
 * An error the user can act on: bad input, a missing file, an unreachable server.
 * `message` is one line that says what happened and what to do; it must never quote
 * data-set text (an erased example's text must not survive in an error message).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: 'usage' | 'input' | 'unavailable' | 'check' = 'input',
    /** What the user can do about it; each front end words it in its own terms (a CLI command, a VS Code command). */
    readonly remedy?: Remedy,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Thrown when an AbortSignal fires during long work. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
