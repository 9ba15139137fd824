/** The data set on disk: read and parse, or erase examples by rewriting the file atomically. */
import { chmodSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { UserError } from '../errors';
import { ioUserError, isIoError, namingFile } from '../ioErrors';
import { writeFileAtomic } from '../storage/atomicWrite';
import { parseJsonlBytes, removeExampleLines } from './jsonl';
import type { ParsedDataset } from './types';

/** Throws the UserError that reading `path` as the data file would give, without reading it. */
export function checkDataFile(path: string): void {
  readErrors(path, () => {
    // A device or a pipe (/dev/zero, a FIFO) could be read forever: only a regular file is a data set.
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`data file is a folder: ${path}`, 'input');
    if (!st.isFile()) throw new UserError(`data file ${path} is not a regular file (a device or a pipe?): give a .jsonl file`, 'input');
  });
}

function readBytes(path: string): Uint8Array {
  checkDataFile(path);
  return readErrors(path, () => readFileSync(path));
}

function readErrors<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`data file not found: ${path}`, 'input');
    if (code === 'EISDIR') throw new UserError(`data file is a folder: ${path}`, 'input');
    if (isIoError(e)) e.path ??= path;
    throw ioUserError(e) ?? new UserError(`cannot read the data file ${path} (${code ?? 'error'})`, 'unavailable');
  }
}

export function loadDataset(path: string): ParsedDataset {
  return parseJsonlBytes(readBytes(path), path);
}

/**
 * Removes every line holding an example in `ids` and keeps all other bytes. Idempotent: ids that
 * are no longer in the file are ignored and, if nothing matches, the file is not written at all.
 * Writes through a symlink to its target (a rename would otherwise replace the link) and keeps
 * the file's permission bits.
 */
export function eraseFromDatasetFile(path: string, ids: ReadonlySet<string>): { removedLines: number[] } {
  const bytes = readBytes(path);
  const { bytes: out, removedLines } = removeExampleLines(bytes, path, ids);
  if (removedLines.length === 0) return { removedLines };
  const target = realpathSync(path);
  const mode = statSync(target).mode & 0o7777;
  namingFile(target, () => writeFileAtomic(target, out, mode));
  // The temporary file was created under the umask; restore the exact bits.
  if ((statSync(target).mode & 0o7777) !== mode) chmodSync(target, mode);
  return { removedLines };
}
