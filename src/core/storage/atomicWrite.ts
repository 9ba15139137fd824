import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { lstat, readdir, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isAlive } from './lock';
import { syncFile, writeStep } from './writeSteps';

/** Modes of everything under `.erase/`, set explicitly so that no umask (not even 000) widens them. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** O_NOFOLLOW where the platform has it (not on Windows, which has no such symlink attack). */
export const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;

/**
 * `mkdir -p` that gives every folder it creates mode 0700 whatever the umask; folders that
 * already exist are left as they are.
 */
export function ensurePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  // mkdir's mode is masked by the umask: set it on each created folder, from `first` down to `dir`.
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, PRIVATE_DIR_MODE);
    if (d === first || dirname(d) === d) break;
  }
}

/** `.<base>.<pid>.<16 hex>.tmp`; older releases wrote `.<base>.<pid>.tmp` and `<name>.<pid>.tmp`. */
const TEMP_NAME = /\.(\d+)(?:\.[0-9a-f]{16})?\.tmp$/;

/** A fresh temporary name beside `forPath` (create it exclusively: O_EXCL, or COPYFILE_EXCL). */
export function tempPathFor(forPath: string): string {
  return join(dirname(forPath), `.${basename(forPath)}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
}

/**
 * Creates a new temporary file beside `forPath`, exclusively (O_CREAT|O_EXCL|O_NOFOLLOW): an
 * unpredictable name, never an existing file or a planted symlink. Its mode is `mode` exactly.
 * The pid in the name lets removeStaleTemps tell a dead writer's leftovers from a live one's.
 */
export function openTempFile(forPath: string, mode = PRIVATE_FILE_MODE): { path: string; fd: number } {
  const path = tempPathFor(forPath);
  const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | O_NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    if (process.platform !== 'win32') fchmodSync(fd, mode);
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw e;
  }
  return { path, fd };
}

/**
 * Writes a file so that a crash at any instant leaves either the old or the new content:
 * write a temporary file beside it (openTempFile), fsync it, rename it over the target, fsync
 * the folder. The file gets `mode` exactly (default 0600); folders created for it get 0700.
 * `data` may be a list of parts: the file is their concatenation.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[], mode = PRIVATE_FILE_MODE): Stats {
  const dir = dirname(path);
  ensurePrivateDir(dir);
  const written = replaceFile(path, data, { sync: true, mode });
  fsyncDir(dir);
  return written;
}

/**
 * Writes `data` to a new temporary file beside `path` and renames it over `path` (the steps every
 * replacing write here shares); with `sync`, the temporary file is fsynced before the rename. The
 * folder is left to the caller: writeFileAtomic syncs it at once, a writer of many files once.
 * `data` may be a list of parts: the file is their concatenation, never joined in memory. Returns
 * the new file's stat as written (before the rename, which changes only its ctime).
 */
export function replaceFile(path: string, data: string | Uint8Array | readonly Uint8Array[], opts: { sync: boolean; mode?: number }): Stats {
  const { path: tmp, fd } = openTempFile(path, opts.mode);
  let written: Stats;
  try {
    const parts = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
    for (const buf of parts) {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    }
    writeStep('write-temp', path);
    if (opts.sync) syncFile(fd, path);
    written = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  writeStep('rename', path);
  return written;
}

/**
 * Replaces a file of derived data (a cache that its reader checks and can rebuild: the data-file
 * index, the audit append frontier) by a temporary file renamed over it, without syncing: a crash
 * leaves the old file, the new one, or one a power loss cut short, which the reader rejects and
 * rebuilds. Erased content must not depend on it being durable: the caller syncs the folder when
 * a deletion must last. Costs no fsync (two per writeFileAtomic).
 */
export function writeDerivedFile(path: string, data: string | Uint8Array): void {
  replaceFile(path, data, { sync: false });
}

/**
 * Deletes the temporary files a killed writer left under `dir` (recursively, never following
 * a symlink): they may hold content erased since, e.g. the vectors of a later erased example.
 * Only files of a process that is gone, or of this one (writes here are synchronous, so none
 * of ours is in flight), are removed; a live writer's file is left alone. Returns the paths.
 */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return removed; // no folder, nothing left behind
  }
  for (const e of entries) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) {
      removed.push(...removeStaleTemps(abs));
      continue;
    }
    const m = TEMP_NAME.exec(e.name);
    if (!m || !(e.isFile() || e.isSymbolicLink())) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    try {
      unlinkSync(abs); // a symlink is removed itself, not its target
      removed.push(abs);
    } catch {
      /* removed by someone else meanwhile */
    }
  }
  return removed;
}

/**
 * Deletes the temporary siblings (`.<name>.<pid>.<16 hex>.tmp`, as tempPathFor names them) that a killed writer left beside
 * `path`, of a process that is gone or of this one; the folder is the user's, so nothing else in it
 * is touched. The data file's rewrite starts from a whole copy of the file (rangeCopy.ts): one cut
 * short holds the very lines it was removing. `anyWriter`: whatever the pid in the name says — for
 * a caller that holds the lock every writer of the file holds, so that no write can be in flight
 * (the pid may be reused, or another pid namespace's, as in a container). Returns the paths.
 */
export function removeStaleTempsOf(path: string, opts: { anyWriter?: boolean } = {}): string[] {
  const base = basename(path);
  // Only the name tempPathFor gives (a user's `.data.jsonl.20250101.tmp` is left alone), and only our own files.
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const ours = new RegExp(`^\\.${escaped}\\.(\\d{1,10})\\.[0-9a-f]{16}\\.tmp$`);
  const uid = process.getuid?.();
  const removed: string[] = [];
  let entries;
  try {
    entries = readdirSync(dirname(path), { withFileTypes: true });
  } catch {
    return removed; // no folder: nothing left behind
  }
  for (const e of entries) {
    const m = ours.exec(e.name);
    if (!m || !(e.isFile() || e.isSymbolicLink())) continue;
    const pid = Number(m[1]);
    if (!opts.anyWriter && pid !== process.pid && isAlive(pid)) continue;
    const abs = join(dirname(path), e.name);
    try {
      if (uid !== undefined && lstatSync(abs).uid !== uid) continue; // another user's, in a shared folder
      unlinkSync(abs);
      removed.push(abs);
    } catch {
      /* removed by someone else meanwhile */
    }
  }
  return removed;
}

/**
 * Deletes the temporaries a killed rewrite of the data file left (removeStaleTempsOf), beside the
 * file and, for a symlink, beside its target (where the rewrite writes). `anyWriter`: under the
 * workspace lock, which every rewrite of the data file holds, whatever pid a name holds.
 */
export function removeDataFileTemps(dataFile: string, anyWriter = false): void {
  removeStaleTempsOf(dataFile, { anyWriter });
  const target = realTarget(dataFile);
  if (target !== dataFile) removeStaleTempsOf(target, { anyWriter });
}

/** The file a symlinked path leads to (the path itself when it is no link or leads nowhere). */
function realTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Search-pattern files (erased texts) that releases before this one put in the OS temp folder. */
const LEGACY_PATTERN_FILE = /^erase-residual-(\d+)-[0-9a-f]{24}\.pat$/;

/** `erase eval`'s scratch workspace (a copy of the data set's pool and its .erase/): `erase-eval-<pid>-<6 chars>`. */
export const EVAL_SCRATCH_PREFIX = 'erase-eval-';
const EVAL_SCRATCH = /^erase-eval-(\d{1,10})-[A-Za-z0-9]{6}$/;

/**
 * Deletes such files of ours whose process is gone (a scan killed mid-way), and the scratch folders
 * of evaluations killed mid-way (they hold copies of examples that may be erased since; a live
 * process's, this one's included, may be in use). Asynchronous: a crowded temp folder takes tens of
 * milliseconds to list, which the scan spends on other work.
 */
export async function removeStaleTmpLeftovers(tmp: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(tmp);
  } catch {
    return removed;
  }
  for (const name of names) {
    const scratch = EVAL_SCRATCH.exec(name);
    if (scratch) {
      const pid = Number(scratch[1]);
      if (pid === process.pid || isAlive(pid)) continue;
      const abs = join(tmp, name);
      try {
        const st = await lstat(abs);
        if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid())) continue;
        await rm(abs, { recursive: true, force: true }); // symlinks inside are removed, not followed
        removed.push(abs);
      } catch {
        /* gone meanwhile */
      }
      continue;
    }
    const m = LEGACY_PATTERN_FILE.exec(name);
    if (!m || (Number(m[1]) !== process.pid && isAlive(Number(m[1])))) continue;
    const abs = join(tmp, name);
    try {
      const st = await lstat(abs);
      if (!st.isFile() || (process.getuid && st.uid !== process.getuid())) continue;
      await unlink(abs);
      removed.push(abs);
    } catch {
      /* gone meanwhile */
    }
  }
  return removed;
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
    writeStep('fsync-dir', dir);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
