/** The data set on disk: read and parse, or erase examples by rewriting the file atomically. */
import { chmodSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { UserError } from '../errors';
import { ioUserError, isIoError, namingFile } from '../ioErrors';
import { writeFileAtomic } from '../storage/atomicWrite';
import { parseJsonlBytes, removeExampleLines } from './jsonl';
import { analyzeBytes, buildIndex, datasetFromIndex, linesOfIds, readIndex, sameFile, updateIndexAfterRemoval } from './fileIndex';
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
 * The data set through its persistent index in `indexDir` (dataset/fileIndex.ts): no parse while
 * the index matches the file's stat; otherwise a full parse, and the index is written afresh.
 * `contents` is each example's content hash (from the index, or computed by the parse).
 */
export function loadIndexedDataset(path: string, indexDir: string): { dataset: ParsedDataset; contents: Map<string, string> | null } {
  checkDataFile(path);
  const st = readErrors(path, () => statSync(path));
  const index = readIndex(indexDir, st);
  if (index) return datasetFromIndex(path, path, index, st);
  const analysis = analyzeBytes(readBytes(path), path);
  try {
    buildIndex(indexDir, path, st, analysis);
  } catch {
    // The index is derived data: if it cannot be written (read-only folder, disk full) the parse still serves.
  }
  return { dataset: analysis.dataset, contents: null };
}

/**
 * Removes every line holding an example in `ids` and keeps all other bytes. Idempotent: ids that
 * are no longer in the file are ignored and, if nothing matches, the file is not written at all.
 * Writes through a symlink to its target (a rename would otherwise replace the link) and keeps
 * the file's permission bits.
 */
export function eraseFromDatasetFile(path: string, ids: ReadonlySet<string>, indexDir?: string): { removedLines: number[] } {
  checkDataFile(path);
  const st = readErrors(path, () => statSync(path));
  // Through the index, the erased ids' lines are found without decoding the other blocks.
  const found = indexDir === undefined ? null : linesOfIds(indexDir, st, [...ids]);
  const bytes = readBytes(path);
  let out: Uint8Array | readonly Uint8Array[];
  let parsedOut: Uint8Array | null = null; // the new bytes, when the index was not trusted (it is rebuilt from them)
  let removedLines: number[] = [];
  const trusted =
    found !== null &&
    sameFile(
      readErrors(path, () => statSync(path)),
      st,
    );
  if (trusted) {
    // Which lines go is known without parsing; the rewrite copies the byte ranges between them.
    const gone = [...found.lines.values()].flat().sort((a, b) => a.number - b.number);
    removedLines = gone.map((g) => g.number);
    out =
      removedLines.length === 0
        ? bytes
        : withoutRanges(
            bytes,
            gone.map((g) => [g.line.start, g.line.next] as const),
          );
  } else {
    const r = removeExampleLines(bytes, path, ids);
    out = parsedOut = r.bytes;
    removedLines = r.removedLines;
  }
  if (removedLines.length > 0) {
    const target = realpathSync(path);
    const mode = statSync(target).mode & 0o7777;
    namingFile(target, () => writeFileAtomic(target, out, mode));
    // The temporary file was created under the umask; restore the exact bits.
    if ((statSync(target).mode & 0o7777) !== mode) chmodSync(target, mode);
  }
  if (indexDir !== undefined) {
    // Leave an index that matches the file and names no erased line (a stale one may: rebuild it).
    const now = statSync(path);
    if (trusted && removedLines.length > 0) updateIndexAfterRemoval(indexDir, now, found.bomLength, new Set(removedLines));
    else if (parsedOut) buildIndex(indexDir, path, now, analyzeBytes(parsedOut, path));
  }
  return { removedLines };
}

/**
 * The bytes without the given [start, end) ranges (ascending, disjoint), as views of `bytes`
 * between them: the rewrite writes them in order (joining 5 MB at 60k cost two copies, ~80 ms).
 */
function withoutRanges(bytes: Uint8Array, ranges: readonly (readonly [number, number])[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) parts.push(bytes.subarray(at, start));
    at = Math.max(at, end);
  }
  parts.push(bytes.subarray(at));
  return parts;
}
