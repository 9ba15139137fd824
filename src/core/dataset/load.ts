/** The data set on disk: read and parse, or erase examples by rewriting the file atomically. */
import { chmodSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { UserError } from '../errors';
import { ioUserError, isIoError, namingFile } from '../ioErrors';
import { writeFileAtomic } from '../storage/atomicWrite';
import { rewriteWithoutRanges } from '../storage/rangeCopy';
import { parseJsonlBytes, removeExampleLines } from './jsonl';
import { analyzeBytes, buildIndex, datasetFromIndex, linesOfIds, readIndex, removeIndex, sameFile, updateIndexAfterRemoval } from './fileIndex';
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
 * the file's permission bits. `readFrom`: the stat of the file version whose lines were kept (the
 * one at the call), or null when the file changed while it was read (someone edited it meanwhile:
 * the lines kept are theirs, which a state planned on the version before does not cover).
 * `writtenAs`: the file's stat as this call left it, or null when someone replaced or edited it
 * right after (the index is then left for a rebuild, never paired with their file).
 */
export function eraseFromDatasetFile(path: string, ids: ReadonlySet<string>, indexDir?: string): { removedLines: number[]; readFrom: Stats | null; writtenAs: Stats | null } {
  checkDataFile(path);
  const st = readErrors(path, () => statSync(path));
  // Through the index, the erased ids' lines are found without decoding the other blocks, and the
  // rewrite copies the byte ranges between them without reading the file into memory.
  const found = indexDir === undefined ? null : linesOfIds(indexDir, st, [...ids]);
  if (found !== null && indexDir !== undefined) {
    const gone = [...found.lines.values()].flat().sort((a, b) => a.number - b.number);
    if (gone.length === 0) return { removedLines: [], readFrom: st, writtenAs: st };
    const target = realpathSync(path);
    const mode = statSync(target).mode & 0o7777;
    const ranges = gone.map((g) => [g.line.start, g.line.next] as const);
    const unchanged = () => sameFile(statSync(path), st);
    const written = namingFile(target, () => rewriteWithoutRanges(target, ranges, mode, unchanged));
    if (written) {
      const removedLines = gone.map((g) => g.number);
      const writtenAs = stillOurs(path, written);
      // Leave an index that names no erased line and matches the file; if someone changed the file
      // since, the index gets the stat the file had as written, which never matches: rebuilt at its next use.
      const byId = new Map([...found.lines].map(([id, lines]) => [id, lines.map((l) => l.number)] as const));
      updateIndexAfterRemoval(indexDir, writtenAs ?? written, found.bomLength, byId);
      return { removedLines, readFrom: st, writtenAs };
    }
    // The file changed while it was copied: nothing was replaced; parse it as it is now.
  }
  const bytes = readBytes(path);
  const afterRead = readErrors(path, () => statSync(path));
  const readFrom = sameFile(afterRead, st) ? st : null;
  const r = removeExampleLines(bytes, path, ids);
  let writtenAs = readFrom;
  if (r.removedLines.length > 0) {
    const target = realpathSync(path);
    const mode = statSync(target).mode & 0o7777;
    const written = namingFile(target, () => writeFileAtomic(target, r.bytes, mode));
    // The temporary file was created under the umask; restore the exact bits.
    if ((statSync(target).mode & 0o7777) !== mode) chmodSync(target, mode);
    writtenAs = stillOurs(path, written);
  }
  // Leave an index that matches the file and names no erased line (a stale one may: rebuild it, or drop it).
  if (indexDir !== undefined) {
    if (writtenAs) buildIndex(indexDir, path, writtenAs, analyzeBytes(r.bytes, path));
    else removeIndex(indexDir);
  }
  return { removedLines: r.removedLines, readFrom, writtenAs };
}

/**
 * The data file's stat now, if it is still the file this process wrote (same inode, size and
 * mtime: the rename changed only its ctime); null if someone replaced or edited it since.
 */
function stillOurs(path: string, written: Stats): Stats | null {
  const now = statSync(path);
  return now.ino === written.ino && now.size === written.size && now.mtimeMs === written.mtimeMs ? now : null;
}
