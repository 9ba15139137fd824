/**
 * VS Code's Local History: every save of a file leaves a copy under
 * `<user data dir>/User/History/<folder>/`, named by `entries.json` (`{ resource, entries: [{ id,
 * source?, timestamp? }] }`, each entry a file `<folder>/<id>`). After an erasure those copies of
 * the data file still hold the erased lines. This finds them (only in folders whose resource is
 * the data file), reports folder, entry and needle index — never the text — and removes them.
 */
import { readdir, readFile, rm, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { throwIfAborted } from '../errors';
import { writeFileAtomic } from '../storage/atomicWrite';
import { prepareNeedles } from './needles';
import type { ResidualSkip } from './types';
import { scanFiles } from './worktree';

export const LOCAL_HISTORY_INDEX = 'entries.json';

export interface LocalHistoryEntry {
  readonly id: string;
  readonly source?: string;
  readonly timestamp?: number;
}

export interface LocalHistoryIndex {
  /** The resource URI as VS Code wrote it (file:, vscode-remote:, …). */
  readonly resource: string;
  readonly entries: readonly LocalHistoryEntry[];
}

/** One saved copy of the data file that still holds erased text. */
export interface LocalHistoryCopy {
  /** The history folder of the resource (absolute). */
  readonly folder: string;
  /** The entry id, which is also its file name in `folder`. */
  readonly entryId: string;
  /** When VS Code saved it (ms since the epoch), if entries.json says. */
  readonly timestamp?: number;
  /** Which needles (indices into the scan's needles) it holds, ascending; never the text. */
  readonly needleIndices: readonly number[];
}

export interface LocalHistoryScan {
  readonly copies: LocalHistoryCopy[];
  /** Saved copies of the data file that were searched. */
  readonly entriesScanned: number;
  /** Places not searched, paths relative to the History folder. */
  readonly skipped: ResidualSkip[];
}

/** An entry id is a plain file name; anything else (a path, `..`) is not VS Code's and is ignored. */
const ENTRY_ID = /^[A-Za-z0-9._-]+$/;

/** Parses an entries.json; undefined when it is not VS Code's layout (such a folder is left alone). */
export function parseLocalHistoryIndex(json: string): LocalHistoryIndex | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { resource?: unknown; entries?: unknown };
  if (typeof o.resource !== 'string' || !Array.isArray(o.entries)) return undefined;
  const entries: LocalHistoryEntry[] = [];
  for (const e of o.entries as unknown[]) {
    if (!e || typeof e !== 'object') continue;
    const { id, source, timestamp } = e as { id?: unknown; source?: unknown; timestamp?: unknown };
    if (typeof id !== 'string' || !ENTRY_ID.test(id) || id === '.' || id === '..' || id === LOCAL_HISTORY_INDEX) continue;
    entries.push({ id, ...(typeof source === 'string' ? { source } : {}), ...(typeof timestamp === 'number' ? { timestamp } : {}) });
  }
  return { resource: o.resource, entries };
}

/**
 * The file path a resource URI names, whatever the scheme that carries a file path (`file:` on
 * the desktop, `vscode-remote:` when the history lives on a remote or code-server host). Windows
 * drive paths (`/c:/x`) lose the leading slash. Undefined for other schemes and bad URIs.
 */
export function resourcePath(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'file:' && u.protocol !== 'vscode-remote:') return undefined;
  let p: string;
  try {
    p = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  return /^\/[A-Za-z]:/.test(p) ? p.slice(1) : p;
}

/** Same file? Windows drive letters compare case-insensitively (VS Code writes `c:`). */
function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    const r = resolve(p);
    return /^[A-Za-z]:/.test(r) ? r[0].toLowerCase() + r.slice(1).replace(/\\/g, '/') : r;
  };
  return norm(a) === norm(b);
}

/**
 * The forms a text takes in a JSONL copy: as is, JSON-escaped (quotes, backslashes, newlines) and
 * with non-ASCII written as \uXXXX, as serializers differ. Searching only the raw text would miss
 * every input holding a quote or a line break.
 */
function jsonForms(text: string): string[] {
  const escaped = JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
  const ascii = escaped.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [...new Set([text, escaped, ascii])];
}

export interface LocalHistoryScanOptions {
  /** `<user data dir>/User/History`. */
  readonly historyDir: string;
  /** The data file: only history folders whose resource is this file are searched. */
  readonly file: string;
  /** Erased texts, memory only. */
  readonly needles: readonly string[];
  readonly minLength: number;
  readonly maxFileBytes: number;
  readonly signal?: AbortSignal;
}

/** The history folders of `file`, with their parsed indexes. */
export async function localHistoryFolders(historyDir: string, file: string): Promise<{ folder: string; index: LocalHistoryIndex }[]> {
  let names: string[];
  try {
    names = (await readdir(historyDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []; // local history off, or nothing saved yet
    throw e;
  }
  const out: { folder: string; index: LocalHistoryIndex }[] = [];
  for (const name of names.sort()) {
    const folder = join(historyDir, name);
    let json: string;
    try {
      json = await readFile(join(folder, LOCAL_HISTORY_INDEX), 'utf8');
    } catch {
      continue; // not a history folder, or being written
    }
    const index = parseLocalHistoryIndex(json);
    const p = index && resourcePath(index.resource);
    if (index && p !== undefined && samePath(p, file)) out.push({ folder, index });
  }
  return out;
}

/** Searches the saved copies of `file` byte-wise for the needles (raw and JSON-escaped). */
export async function scanLocalHistory(o: LocalHistoryScanOptions): Promise<LocalHistoryScan> {
  const forms: string[] = [];
  const origin: number[] = [];
  o.needles.forEach((n, i) => {
    for (const f of jsonForms(n)) {
      forms.push(f);
      origin.push(i);
    }
  });
  // Short needles are reported by the main scan already; here they are simply not searched.
  const needles = prepareNeedles(forms, o.minLength).searched;
  const copies: LocalHistoryCopy[] = [];
  const skipped: ResidualSkip[] = [];
  let entriesScanned = 0;
  for (const { folder, index } of await localHistoryFolders(o.historyDir, o.file)) {
    throwIfAborted(o.signal);
    const name = folder.slice(o.historyDir.length + 1);
    const r = await scanFiles(
      folder,
      index.entries.map((e) => ({ path: e.id, extra: true })),
      needles,
      o.maxFileBytes,
      o.signal,
    );
    entriesScanned += r.filesScanned;
    for (const s of r.skipped) skipped.push({ path: `${name}/${s.path}`, reason: s.reason });
    for (const e of index.entries) {
      const found = [...new Set(r.hits.filter((h) => h.path === e.id).map((h) => origin[h.needleIndex]))].sort((a, b) => a - b);
      if (found.length > 0) copies.push({ folder, entryId: e.id, ...(e.timestamp !== undefined ? { timestamp: e.timestamp } : {}), needleIndices: found });
    }
  }
  return { copies, entriesScanned, skipped };
}

/**
 * Deletes these saved copies and drops them from entries.json, keeping the resource's other
 * history (older saves that hold no erased text are the user's, not ours to delete). When no
 * entry is left the folder goes, as VS Code itself does. The copies are deleted before the index
 * is rewritten: a crash in between leaves entries naming missing files, which VS Code ignores,
 * never a copy that the index no longer names.
 */
export async function removeLocalHistoryCopies(folder: string, entryIds: readonly string[]): Promise<{ removed: number; folderRemoved: boolean }> {
  const indexPath = join(folder, LOCAL_HISTORY_INDEX);
  const index = parseLocalHistoryIndex(await readFile(indexPath, 'utf8'));
  if (!index) throw new Error(`${indexPath} is not a VS Code Local History index; nothing was removed`);
  const drop = new Set(entryIds.filter((id) => ENTRY_ID.test(id) && id !== LOCAL_HISTORY_INDEX && id !== '.' && id !== '..'));
  let removed = 0;
  for (const id of drop) {
    try {
      await unlink(join(folder, id));
      removed++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const kept = index.entries.filter((e) => !drop.has(e.id));
  if (kept.length === 0) {
    await rm(folder, { recursive: true, force: true });
    return { removed, folderRemoved: true };
  }
  // Rewrite from the raw JSON so fields this parser does not know are kept.
  const raw = JSON.parse(await readFile(indexPath, 'utf8')) as { entries: { id?: unknown }[] };
  raw.entries = raw.entries.filter((e) => !(e && typeof e.id === 'string' && drop.has(e.id)));
  writeFileAtomic(indexPath, JSON.stringify(raw), 0o644);
  return { removed, folderRemoved: false };
}
