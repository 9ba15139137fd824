/**
 * An error the user can act on: bad input, a missing file, an unreachable server.
 * `message` is one line that says what happened and what to do; it must never quote
 * data-set text (an erased example's text must not survive in an error message).
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: 'usage' | 'input' | 'unavailable' | 'check' = 'input',
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
