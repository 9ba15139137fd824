/**
 * Byte-level handling of the append-only JSONL files: splitting into lines (with a torn-tail
 * report instead of silent acceptance), durable appends, and a cross-process append lock.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendLineDurably } from '../storage/appendLine';
import { FileLock } from '../storage/lock';

export interface TornTail {
  /** Byte offset where the incomplete last line starts. */
  offset: number;
  length: number;
}

export interface SplitLines {
  /** Each complete line's bytes, without its '\n'. */
  lines: Buffer[];
  /** Byte offset of each line. */
  offsets: number[];
  /** Bytes after the last '\n': a line whose write did not finish. */
  torn: TornTail | null;
}

/** Every complete line ends with '\n'; anything after the last '\n' is a torn tail. */
export function splitLines(bytes: Buffer): SplitLines {
  const lines: Buffer[] = [];
  const offsets: number[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) break;
    lines.push(bytes.subarray(start, nl));
    offsets.push(start);
    start = nl + 1;
  }
  const torn = start < bytes.length ? { offset: start, length: bytes.length - start } : null;
  return { lines, offsets, torn };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding; null for invalid bytes (Buffer.toString would substitute U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

export function readIfExists(path: string): Buffer | null {
  return existsSync(path) ? readFileSync(path) : null;
}

/**
 * Appends one line in a single write loop and fsyncs it, so a crash leaves at most a torn
 * tail (detected by splitLines), never a silently shortened line that looks complete.
 * Never through a symlink (O_NOFOLLOW): a planted link must not redirect the log elsewhere.
 */
export function appendLine(path: string, line: string): void {
  appendLineDurably(path, line, 'the audit log');
}

const queues = new Map<string, Promise<unknown>>();
const LOCK_FILE = 'audit.lock';
const LOCK_RETRIES = 40;
const LOCK_WAIT_MS = 50;

/**
 * Runs `fn` holding the log folder's lock: a promise queue inside this process, and an
 * exclusive lock file across processes (the extension and the CLI may both append).
 */
export async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(dir) ?? Promise.resolve();
  const run = prev.catch(() => undefined).then(() => withFileLock(dir, fn));
  queues.set(dir, run);
  try {
    return await run;
  } finally {
    if (queues.get(dir) === run) queues.delete(dir);
  }
}

async function withFileLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  // The shared lock takes over a lock file whose holder died (a SIGKILL mid-append), instead
  // of blocking every later append.
  const lock = new FileLock(join(dir, LOCK_FILE));
  await lock.acquire(LOCK_RETRIES * LOCK_WAIT_MS);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
