// Durable one-line appends to a JSONL file (the audit log, the provenance store).
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors';
import { fsyncDir, O_NOFOLLOW, PRIVATE_FILE_MODE } from './atomicWrite';
import { syncFile, writeStep } from './writeSteps';

/**
 * Appends one line and fsyncs it, so a crash leaves at most a torn tail (which the readers detect),
 * never a silently shortened line that looks complete. Never through a symlink (O_NOFOLLOW): a
 * planted link must not redirect the file elsewhere. `beforeWrite` runs on the open file first
 * (e.g. to cut a torn tail a crash left).
 */
export function appendLineDurably(path: string, line: string, what: string, beforeWrite?: (fd: number) => void): void {
  if (line.includes('\n')) throw new Error('a JSONL line must not contain a newline');
  const fresh = !existsSync(path);
  let fd: number;
  try {
    fd = openSync(path, (beforeWrite ? constants.O_RDWR : constants.O_WRONLY) | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW, PRIVATE_FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP')
      throw new UserError(`${path} is a symbolic link; ${what} is never written through a link: replace it with the real file`, 'check');
    throw e;
  }
  try {
    beforeWrite?.(fd);
    const buf = Buffer.from(line + '\n', 'utf8');
    // Two writes with a named step between them, so a crash test can leave a torn tail on purpose.
    const half = buf.length >> 1;
    let off = 0;
    while (off < half) off += writeSync(fd, buf, off, half - off);
    writeStep('append', path);
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    syncFile(fd, path, 'fsync-append');
  } finally {
    closeSync(fd);
  }
  if (fresh) fsyncDir(dirname(path));
}
