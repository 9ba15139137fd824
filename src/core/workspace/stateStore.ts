/**
 * The cluster state on disk: `.erase/state/` holds the manifest and the content-addressed head and
 * page files it names (qkmeans/stateEncoding.ts). Writing a state:
 *
 *   new head/pages (temp file, fsync, rename; files already present are kept) → fsync the folder →
 *   manifest (atomic rename: the switch, folder synced) → every head/page the manifest does not
 *   name is deleted, and the previous version's `.erase/state.json` with them → fsync the folder.
 *
 * A crash before the manifest's rename leaves the old state whole (plus unnamed new files); after
 * it, the new state (plus unnamed old files). Unnamed files are deleted by the next write and by
 * the transaction's apply step, which recovery runs again: an old page holds an erased id and its
 * cluster, so it does not outlive the transaction that erased it.
 *
 * Readers do not take the lock: a page deleted under a reader (a writer switched the manifest
 * meanwhile) makes the reader start again from the new manifest.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../hash';
import { removeStaleMapFiles } from './mapFile';
import {
  DamagedStateError,
  headFileName,
  pageFileName,
  parseHead,
  parseManifest,
  parsePage,
  rowId,
  splitPage,
  stateOfParts,
  STATE_FILE_NAME,
  type EncodedState,
  type Manifest,
  type StateHead,
  type StateRow,
} from '../qkmeans/stateEncoding';
import type { QkmState } from '../qkmeans/state';
import { ensurePrivateDir, fsyncDir, replaceFile, writeFileAtomic } from '../storage/atomicWrite';
import { writeStep } from '../storage/writeSteps';
import type { WorkspacePaths } from './config';

/** Files changed under a reader this many times in a row: give up (a writer that never stops is a bug). */
const READ_ATTEMPTS = 5;

export interface StoredManifest {
  readonly bytes: Buffer;
  /** The state hash. */
  readonly hash: string;
  readonly manifest: Manifest;
}

/** The current manifest, or null when there is none (not clustered, or a state of the previous format). */
export function readManifest(paths: WorkspacePaths): StoredManifest | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(paths.state);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return { bytes, hash: sha256Hex(bytes), manifest: parseManifest(bytes) };
}

/** A file the manifest names, checked against its hash (ENOENT propagates: the caller may start again). */
function readNamed(paths: WorkspacePaths, name: string, hash: string): Buffer {
  const bytes = readFileSync(join(paths.stateDir, name));
  if (sha256Hex(bytes) !== hash) throw new DamagedStateError(`${name} does not match its hash`);
  return bytes;
}

export function readHead(paths: WorkspacePaths, m: Manifest): StateHead {
  return parseHead(readNamed(paths, headFileName(m.head), m.head));
}

export function readPage(paths: WorkspacePaths, m: Manifest, index: number): StateRow[] {
  const ref = m.pages[index];
  const rows = parsePage(readNamed(paths, pageFileName(ref.hash), ref.hash));
  if (rows.length !== ref.rows || rows[rows.length - 1]?.[0] !== ref.lastId) throw new DamagedStateError(`page ${index} does not match the manifest`);
  return rows;
}

/** A page's rows as stored byte ranges (splitPage: not parsed), checked against the manifest's count and last id. */
export function readPageRows(paths: WorkspacePaths, m: Manifest, index: number): Buffer[] {
  const ref = m.pages[index];
  const rows = splitPage(readNamed(paths, pageFileName(ref.hash), ref.hash));
  if (rows.length !== ref.rows || (rows.length > 0 && rowId(rows[rows.length - 1]) !== ref.lastId)) throw new DamagedStateError(`page ${index} does not match the manifest`);
  return rows;
}

/** Runs `read` again from a fresh manifest while a file it needs vanished under it (a writer's switch). */
export function retryingRead<T>(read: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return read();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= READ_ATTEMPTS) throw e;
    }
  }
}

/** The whole stored state (every page read and checked), or null when there is no manifest. */
export function readStoredState(paths: WorkspacePaths): { state: QkmState; hash: string } | null {
  return retryingRead(() => {
    const stored = readManifest(paths);
    if (!stored) return null;
    const { manifest } = stored;
    const head = readHead(paths, manifest);
    const rows: StateRow[] = [];
    for (let i = 0; i < manifest.pages.length; i++) for (const r of readPage(paths, manifest, i)) rows.push(r);
    return { state: stateOfParts(head, rows), hash: stored.hash };
  });
}

/** Writes a state (see the top of this file) and returns its hash. */
export function writeState(paths: WorkspacePaths, enc: EncodedState): string {
  const dir = paths.stateDir;
  ensurePrivateDir(dir);
  const present = new Set(readdirSync(dir));
  let wrote = false;
  for (const [name, bytes] of enc.files) {
    if (present.has(name)) continue; // content-addressed: same name, same bytes
    writeNamedFile(join(dir, name), bytes);
    wrote = true;
  }
  if (wrote) fsyncDir(dir);
  writeFileAtomic(paths.state, enc.manifestBytes);
  collectStateGarbage(paths, enc.manifest, enc.hash);
  return enc.hash;
}

/** temp file, fsync, rename; the folder is synced once for all of them by the caller. */
function writeNamedFile(path: string, bytes: Buffer): void {
  replaceFile(path, bytes, { sync: true });
}

/**
 * Deletes every head and page file the current manifest does not name, every map picture of
 * another state (mapFile.ts: it holds ids), and the previous format's state.json once a manifest
 * exists. `manifest` and `hash`: the current ones, when the caller just wrote them.
 */
export function collectStateGarbage(paths: WorkspacePaths, manifest?: Manifest, hash?: string): void {
  const stored = manifest && hash ? null : readManifest(paths);
  const current = manifest ?? stored?.manifest;
  if (!current) {
    removeStaleMapFiles(paths.stateDir, null); // no manifest, no picture of it
    return; // no manifest: nothing here is garbage yet (a first write was interrupted, or a legacy state)
  }
  const keep = new Set([headFileName(current.head), ...current.pages.map((p) => pageFileName(p.hash))]);
  let names: string[];
  try {
    names = readdirSync(paths.stateDir);
  } catch {
    names = [];
  }
  removeStaleMapFiles(paths.stateDir, hash ?? stored?.hash ?? null, names); // one listing for both
  let removed = false;
  for (const name of names) {
    if (!STATE_FILE_NAME.test(name) || keep.has(name)) continue;
    const p = join(paths.stateDir, name);
    writeStep('unlink', p);
    unlinkSync(p);
    removed = true;
  }
  // Synced: an old page holds an erased id, and one folder sync costs less than looking for such
  // pages at the start of every command (a manifest read and a listing: ~25 ms at 1M rows).
  if (removed) fsyncDir(paths.stateDir);
  if (existsSync(paths.legacyState)) {
    writeStep('unlink', paths.legacyState);
    unlinkSync(paths.legacyState);
    fsyncDir(paths.dir);
  }
}
