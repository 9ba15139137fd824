import { CancelledError, UserError, ioUserError } from '../core';
import { CLI_REMEDY } from './remedies';

/** Exit codes: 0 ok, 1 a check failed (or a service was unavailable), 2 bad input or usage. */
export const EXIT_OK = 0;
export const EXIT_CHECK = 1;
export const EXIT_USAGE = 2;

export interface Output {
  readonly json: boolean;
  /** The command's result: JSON on stdout with --json, else the human text. */
  result(value: unknown, human: string): void;
  /** Progress and notes for people, on stderr (never with --json on stdout). */
  note(line: string): void;
}

export function makeOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      process.stdout.write(json ? JSON.stringify(value, jsonReplacer, 2) + '\n' : human.endsWith('\n') ? human : human + '\n');
    },
    note(line) {
      process.stderr.write(line + '\n');
    },
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

/** A progress line on stderr that rewrites itself on a terminal and stays quiet otherwise. */
export function progressPrinter(enabled: boolean): (phase: string, done: number, total: number) => void {
  let last = 0;
  return (phase, done, total) => {
    if (!enabled || !process.stderr.isTTY) return;
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    process.stderr.write(`\r${phase}: ${done}/${total}${done >= total ? '\n' : ''}`);
  };
}

let stateDir: string | undefined;

/** The workspace's state folder, named by I/O errors whose call did not say which file it was writing. */
export function setStateDir(dir: string): void {
  stateDir = dir;
}

/** Maps an error to an exit code and one line on stderr that says what to do. */
export function reportError(error: unknown, json: boolean): number {
  // A full disk, a read-only mount, a permission: one line naming the file, not a stack.
  const e = ioUserError(error, stateDir) ?? error;
  let code = EXIT_CHECK;
  let message: string;
  if (e instanceof UserError) {
    message = e.remedy ? `${e.message}: ${CLI_REMEDY[e.remedy]}` : e.message;
    code = e.code === 'usage' || e.code === 'input' ? EXIT_USAGE : EXIT_CHECK;
  } else if (e instanceof CancelledError) {
    message = 'cancelled';
  } else {
    message = `internal error: ${(e as Error)?.stack ?? String(e)}`;
  }
  if (json) process.stdout.write(JSON.stringify({ error: message, exitCode: code }) + '\n');
  process.stderr.write(`erase: ${message}\n`);
  return code;
}
