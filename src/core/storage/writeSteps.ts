/**
 * Named write steps, for tests that crash the process deterministically at each one and check the
 * order of file-system calls. Inert unless the environment asks:
 *   ERASE_FAULT_AT=N      SIGKILL this process at the N-th step (1-based)
 *   ERASE_FAULT_TRACE=F   append "N step detail" to file F for every step
 * An in-process listener (tests) sees every step as well.
 */
import { appendFileSync, fsyncSync } from 'node:fs';
import { basename } from 'node:path';

let count = 0;
const killAt = Number(process.env.ERASE_FAULT_AT ?? 0) || 0;
const traceFile = process.env.ERASE_FAULT_TRACE;
let listener: ((step: string, path: string) => void) | null = null;

export type WriteStep = 'copy-temp' | 'write-temp' | 'fsync-file' | 'rename' | 'fsync-dir' | 'append' | 'fsync-append' | 'unlink' | 'write-in-place';

export function writeStep(step: WriteStep, path: string): void {
  listener?.(step, path);
  if (!killAt && !traceFile) return;
  count++;
  if (traceFile) appendFileSync(traceFile, `${count} ${step} ${basename(path)}\n`);
  if (count === killAt) process.kill(process.pid, 'SIGKILL');
}

/** Tests: observe every step in this process (null to stop). */
export function onWriteStep(fn: ((step: string, path: string) => void) | null): void {
  listener = fn;
}

/** fsync, recorded as a step only once it returned: a trace shows the syncs that really happened. */
export function syncFile(fd: number, path: string, step: 'fsync-file' | 'fsync-append' = 'fsync-file'): void {
  fsyncSync(fd);
  writeStep(step, path);
}
