/**
 * The stored form of a Q-k-means state and its hash (format `erase-qkm-state/3`, docs/STATE-FORMAT.md).
 *
 * A state is three kinds of canonical bytes, each file named by the SHA-256 of its bytes:
 *
 *   head-<sha256>.json   params, effective k, n, phase, seeds, every iteration's grid/sums/counts/
 *                        reseeds, converged, representatives: O(T·k·D), no assignment rows
 *   page-<sha256>.json   a run of assignment rows, sorted by id: `[[id,cluster,weight,content],…]`
 *   manifest.json        `{"format":"erase-qkm-state/3","head":H,"pages":[[P,rows,lastId],…]}`
 *
 * The state hash is the SHA-256 of the manifest's bytes. Its pages are content-defined: walking
 * the rows in id order, a row ends its page when the keyed 32-bit hash of its id (pageHash:
 * FNV-1a over the id's UTF-8 bytes, started from a key drawn from the seed, then murmur3's fmix32)
 * is below 2^32/1024, or when the page reached PAGE_MAX_ROWS rows; the last row ends the last
 * page. So the pages are a function of the set of rows alone (history-independent: a state
 * reached by erasures has exactly the pages, manifest and hash of a retrain on the remaining
 * data), and erasing a row rewrites only its page — merged with the next one when the row was
 * the page's last — plus the head and the manifest: O(changed), not O(n).
 */
import { createHash } from 'node:crypto';
import { compareIds, fmix32, sha256Hex } from '../hash';
import { rowsOf, stateHeadOf, type QkmState, type SerializedState } from './state';

export const STATE_FORMAT = 'erase-qkm-state/3';
/** On average one row in PAGE_TARGET_ROWS ends a page (a power of two: the test is one shift). */
export const PAGE_TARGET_ROWS = 1024;
const PAGE_END_SHIFT = 32 - Math.log2(PAGE_TARGET_ROWS);
/** A page never holds more rows (a run without a natural end is cut here; e^-8 of runs reach it). */
export const PAGE_MAX_ROWS = 8 * PAGE_TARGET_ROWS;

/** A state in a format this version does not load (older: rebuild it; unknown: newer tool or damage). */
export class StateFormatError extends Error {
  constructor(
    readonly format: string,
    readonly older: boolean,
  ) {
    super(older ? `the cluster state has the older format ${format}` : `unknown cluster state format ${JSON.stringify(format)}`);
    this.name = 'StateFormatError';
  }
}

/** One assignment row as stored: id, final cluster, weight (multiplicity), content hash. */
export type StateRow = readonly [id: string, cluster: number, weight: number, content: string];

/** A page as the manifest lists it. */
export interface PageRef {
  readonly hash: string;
  readonly rows: number;
  /** The id of the page's last row: where a lookup by id binary-searches. */
  readonly lastId: string;
}

export interface Manifest {
  readonly head: string;
  readonly pages: readonly PageRef[];
}

/** A state ready to store: its manifest (whose SHA-256 is the state hash) and the files it names that the caller may not have yet. */
export interface EncodedState {
  readonly hash: string;
  readonly manifestBytes: Buffer;
  readonly manifest: Manifest;
  /** File name → bytes: the head and the pages this encoding produced (all of them, or only the changed ones). */
  readonly files: ReadonlyMap<string, Buffer>;
}

export const headFileName = (hash: string): string => `head-${hash}.json`;
export const pageFileName = (hash: string): string => `page-${hash}.json`;
/** Files of the state folder that a manifest may name. */
export const STATE_FILE_NAME = /^(head|page)-[0-9a-f]{64}\.json$/;

/** The page-boundary key of a seed: the first 4 bytes (big-endian) of SHA-256("erase-qkm-state/3 pages\0" + seed). */
export function pageKey(seed: string): number {
  return createHash('sha256').update(`${STATE_FORMAT} pages\0${seed}`, 'utf8').digest().readUInt32BE(0);
}

/** The keyed 32-bit hash of an id that decides page ends. */
export function pageHash(key: number, id: string): number {
  let h = (0x811c9dc5 ^ key) >>> 0;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 0x80) return pageHashBytes(h, Buffer.from(id.slice(i), 'utf8'));
    h = Math.imul(h ^ c, 0x01000193);
  }
  return fmix32(h);
}

function pageHashBytes(h: number, rest: Buffer): number {
  for (const b of rest) h = Math.imul(h ^ b, 0x01000193);
  return fmix32(h);
}

/** Whether the row of `id` ends its page by its hash (a page also ends at PAGE_MAX_ROWS rows and at the last row). */
export function endsPage(key: number, id: string): boolean {
  return pageHash(key, id) >>> PAGE_END_SHIFT === 0;
}

/** Printable ASCII without '"' or '\\': JSON.stringify would add nothing but the quotes (ids and content hashes usually are). */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, byte for byte, without its cost for the common plain case. */
function quote(s: string): string {
  return PLAIN_JSON_STRING.test(s) ? `"${s}"` : JSON.stringify(s);
}

const ints = (a: ArrayLike<number>) => Array.from(a, (x) => String(x)).join(',');

/** The head's canonical JSON: every field of the state but the assignment rows. */
export function encodeHead(state: QkmState): Buffer {
  const p = state.params;
  const iters = state.iterations.map(
    (it) => `{"grid":[${ints(it.grid)}],"sums":[${ints(it.sums)}],"counts":[${ints(it.counts)}],"reseeds":[${it.reseeds.map((r) => `[${r.cluster},${quote(r.id)}]`).join(',')}]}`,
  );
  return Buffer.from(
    `{"format":"${STATE_FORMAT}",` +
      `"params":{"k":${p.k},"eps":${JSON.stringify(p.eps)},"dims":${p.dims},"maxIter":${p.maxIter},"seed":${JSON.stringify(p.seed)},"embedderId":${JSON.stringify(p.embedderId)}},` +
      `"k":${state.k},"n":${state.n},"phase":[${Array.from(state.phase, (x) => JSON.stringify(x)).join(',')}],` +
      `"initSeeds":[${state.initSeeds.map((s) => JSON.stringify(s)).join(',')}],"initGrid":[${ints(state.initGrid)}],` +
      `"iterations":[${iters.join(',')}],"converged":${state.converged},` +
      `"representatives":[${state.representatives.map((r) => JSON.stringify(r)).join(',')}]}`,
    'utf8',
  );
}

/** One assignment row: [id, cluster, weight, content hash]. */
export function encodeRow(id: string, cluster: number, weight: number, content: string): string {
  return `[${quote(id)},${cluster},${weight},${quote(content)}]`;
}

function encodePage(rows: readonly string[]): Buffer {
  return Buffer.from(`[${rows.join(',')}]`, 'utf8');
}

export function encodeManifest(m: Manifest): Buffer {
  const pages = m.pages.map((p) => `["${p.hash}",${p.rows},${quote(p.lastId)}]`).join(',');
  return Buffer.from(`{"format":"${STATE_FORMAT}","head":"${m.head}","pages":[${pages}]}`, 'utf8');
}

const COMMA = Buffer.from(',');
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

/** Cuts rows (sorted by id) into pages: row texts (a full encoding) or stored row bytes (a re-encoding, copied as they are). */
class Pager {
  private rows: (string | Buffer)[] = [];
  private lastId = '';
  readonly pages: PageRef[] = [];
  readonly files = new Map<string, Buffer>();

  constructor(private readonly key: number) {}

  add(id: string, row: string | Buffer): void {
    this.rows.push(row);
    this.lastId = id;
    if (endsPage(this.key, id) || this.rows.length >= PAGE_MAX_ROWS) this.flush();
  }

  get open(): boolean {
    return this.rows.length > 0;
  }

  flush(): void {
    if (this.rows.length === 0) return;
    const bytes = this.rows.every((r) => typeof r === 'string') ? encodePage(this.rows as string[]) : concatRows(this.rows);
    const hash = sha256Hex(bytes);
    this.pages.push({ hash, rows: this.rows.length, lastId: this.lastId });
    this.files.set(pageFileName(hash), bytes);
    this.rows = [];
  }
}

/**
 * `[` + rows joined by `,` + `]`, from byte ranges: rows that were neighbours in the same stored
 * page are copied as one range (comma included), so a page that lost one row is two copies.
 */
function concatRows(rows: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [OPEN];
  let run: Buffer | null = null;
  for (const r of rows) {
    const b = typeof r === 'string' ? Buffer.from(r, 'utf8') : r;
    if (run && b.buffer === run.buffer && b.byteOffset === run.byteOffset + run.length + 1) {
      run = Buffer.from(run.buffer, run.byteOffset, run.length + 1 + b.length);
      continue;
    }
    if (run) parts.push(run, COMMA);
    run = b;
  }
  if (run) parts.push(run);
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

function encoded(head: Buffer, pages: readonly PageRef[], files: Map<string, Buffer>): EncodedState {
  const headHash = sha256Hex(head);
  files.set(headFileName(headHash), head);
  const manifest: Manifest = { head: headHash, pages };
  const manifestBytes = encodeManifest(manifest);
  return { hash: sha256Hex(manifestBytes), manifestBytes, manifest, files };
}

/** The whole state's files (O(n): a retrain or a migration). */
export function encodeState(state: QkmState): EncodedState {
  const pager = new Pager(pageKey(state.params.seed));
  for (const id of sortedIds(state.assignments)) {
    const [c, w] = state.assignments.get(id)!;
    pager.add(id, encodeRow(id, c, w, state.contents.get(id) ?? ''));
  }
  pager.flush();
  return encoded(encodeHead(state), pager.pages, pager.files);
}

/**
 * The encoding of `after` — `before` (stored as `manifest`) with some rows removed or rewritten —
 * reading only the pages that change. `changed`: the indexes of the pages holding a removed or
 * rewritten row; `rowsOf(i)`: page i's rows as `after` has them (a removed row left out, a
 * rewritten one as encodeRow's text, the others as the stored bytes splitPage gives). A page that lost its
 * last row is merged with the next one until the cut lines up with an old page's end again, so the
 * result is exactly encodeState(after)'s. `files` holds only the new head and pages.
 */
export function encodeChangedState(after: QkmState, manifest: Manifest, changed: ReadonlySet<number>, rowsOf: (page: number) => readonly (string | Buffer)[]): EncodedState {
  const pager = new Pager(pageKey(after.params.seed));
  const old = manifest.pages;
  let i = 0;
  while (i < old.length) {
    if (!changed.has(i)) {
      pager.pages.push(old[i++]);
      continue;
    }
    // From the start of page i (its start depends only on rows before it), until a cut meets an old page end.
    do {
      for (const row of rowsOf(i)) pager.add(typeof row === 'string' ? (JSON.parse(row) as StateRow)[0] : rowId(row), row);
      i++;
    } while (pager.open && i < old.length);
  }
  pager.flush();
  return encoded(encodeHead(after), pager.pages, pager.files);
}

/** Between two rows of a page: `"],["` occurs nowhere else, since every quote inside a JSON string is escaped. */
const ROW_SEPARATOR = Buffer.from('"],["', 'latin1');

/** A page's rows as byte ranges of it (`[…]` each), without decoding or parsing them. */
export function splitPage(bytes: Buffer): Buffer[] {
  const rows: Buffer[] = [];
  if (bytes.length <= 2) return rows; // `[]`
  let start = 1;
  for (let q = bytes.indexOf(ROW_SEPARATOR, start); q >= 0; q = bytes.indexOf(ROW_SEPARATOR, start)) {
    rows.push(bytes.subarray(start, q + 2));
    start = q + 3;
  }
  rows.push(bytes.subarray(start, bytes.length - 1));
  return rows;
}

/** The id of a stored row (the row is parsed only when its id holds an escape). */
export function rowId(row: Buffer): string {
  const q = row.indexOf(0x22, 2);
  const raw = row.toString('utf8', 2, q);
  return raw.includes('\\') ? (JSON.parse(row.toString('utf8')) as StateRow)[0] : raw;
}

/** A stored row, parsed. */
export function parseRow(row: Buffer): StateRow {
  return JSON.parse(row.toString('utf8')) as StateRow;
}

/** The state hash: SHA-256 of the manifest's canonical bytes. */
export function stateHash(state: QkmState): string {
  return encodeState(state).hash;
}

/** The ids in compareIds order; the maps are kept sorted, so this is usually one check, not a sort. */
function sortedIds(assignments: ReadonlyMap<string, unknown>): string[] {
  const ids = [...assignments.keys()];
  for (let i = 1; i < ids.length; i++) if (compareIds(ids[i - 1], ids[i]) > 0) return ids.sort(compareIds);
  return ids;
}

/** Thrown for bytes that are not a well-formed part of this format (the caller reports damage). */
export class DamagedStateError extends Error {
  constructor(what: string) {
    super(`damaged cluster state: ${what}`);
    this.name = 'DamagedStateError';
  }
}

export function parseManifest(bytes: Buffer): Manifest {
  let raw: { format?: unknown; head?: unknown; pages?: unknown };
  try {
    raw = JSON.parse(bytes.toString('utf8')) as typeof raw;
  } catch {
    throw new DamagedStateError('the manifest is not JSON');
  }
  if (raw.format !== STATE_FORMAT) throw new StateFormatError(String(raw.format), false);
  if (typeof raw.head !== 'string' || !Array.isArray(raw.pages)) throw new DamagedStateError('the manifest lacks its head or pages');
  const pages = (raw.pages as unknown[]).map((p) => {
    if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number' || typeof p[2] !== 'string') throw new DamagedStateError('a manifest page entry is malformed');
    return { hash: p[0], rows: p[1], lastId: p[2] };
  });
  const m: Manifest = { head: raw.head, pages };
  if (!encodeManifest(m).equals(bytes)) throw new DamagedStateError('the manifest is not canonical');
  return m;
}

/** The index of the page that would hold `id` (the first whose last id is ≥ id), or -1. */
export function pageOf(m: Manifest, id: string): number {
  let lo = 0;
  let hi = m.pages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(m.pages[mid].lastId, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo < m.pages.length ? lo : -1;
}

export function parsePage(bytes: Buffer): StateRow[] {
  return JSON.parse(bytes.toString('utf8')) as StateRow[];
}

/** The head as stored: the previous format's text without its rows (those are in the pages now). */
type RawHead = Omit<SerializedState, 'assignments'>;

/** The head as stored; its `format` must be this version's. */
export type StateHead = Omit<QkmState, 'assignments' | 'contents'>;

export function parseHead(bytes: Buffer): StateHead {
  let raw: RawHead;
  try {
    raw = JSON.parse(bytes.toString('utf8')) as RawHead;
  } catch {
    throw new DamagedStateError('the head is not JSON');
  }
  if (raw.format !== STATE_FORMAT) throw new DamagedStateError(`the head names format ${JSON.stringify(raw.format)}`);
  return stateHeadOf(raw);
}

/** A state of a head and rows (all of them, or a subset for a deletion's check), rows sorted by id. */
export function stateOfParts(head: StateHead, rows: Iterable<StateRow>): QkmState {
  return { ...head, ...rowsOf(rows) };
}
