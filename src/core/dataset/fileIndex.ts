/**
 * A persistent index of the data file, so that a command does not parse the whole data set again:
 * per line its byte range, kind (blank, malformed, record) and, for a record, the example id and
 * the content hash of its input (contentHash). It is trusted while the data file's size, mtime,
 * ctime and inode equal the ones recorded (as git's index is) and the SHA-256 of every block it
 * reads matches; otherwise it is rebuilt from a full parse. Examples loaded through it read their
 * fields lazily, by byte range, only when asked. A look-up by id reads only the blocks whose id
 * filter (dataset/idFilter.ts, a Bloom filter kept in the table) may hold the id.
 *
 * Layout, under `.erase/dataset-index/`:
 *   table.bin    "ERASEDT6" | SHA-256 of every byte after it | the data file's stat (size, mtimeMs,
 *                ctimeMs, ino: 4 × f64) | u32 BOM length | u32 block count | the file's figures
 *                (3 × f64: record lines, distinct ids, ids on two lines or more) | the stats of
 *                up to 4 earlier versions of the file with the same lines, newest first (4 × 4 ×
 *                f64, size −1 for an empty slot: see buildIndex) | per block (64 bytes):
 *                u32 file number N (b<N>.bin) | u32 lines | f64 first line | f64 base | 32-byte
 *                SHA-256 of the block file | u32 id filter length | u32 malformed lines in it | then
 *                the id filters, in block order. Binary, read once per command as one buffer (the
 *                filters are views into it): at 1M lines the JSON table of format 3 (1.7 MB, its
 *                filters in base64) cost more to read and decode than the rest of an erasure's index
 *                work. The figures and the per-block malformed counts let `erase status` report the
 *                file (n, distinct, duplicates, every malformed line) without reading the other blocks.
 *   b<N>.bin     one block of up to BLOCK_LINES lines: "ERASEDX1" | u32 count | count × line,
 *                line = u32 start − base | u32 content length | u8 terminator length | u8 kind
 *                | kind 2 (record): u16 id length | id UTF-8 | 32-byte content hash | 2 × u32 id key
 *                  (the id's two filter hashes, idFilter.ts idKey: a rewritten block's filter is
 *                  rebuilt from them without hashing 4096 ids again)
 *                | kind 1 (malformed): u32 column | u16 message length | message UTF-8
 * Offsets inside a block are relative to its base, so erasing lines rewrites only the blocks that
 * held them (byte by byte, nothing decoded); every later block only gets a new base and first line
 * number, in the table.
 *
 * Writes: new block files under fresh names, the replaced blocks deleted (a rebuild also deletes
 * every file the new table does not name), then the table (each written beside and renamed), and
 * one sync of the folder makes all of it durable at once. The
 * files themselves are not synced: the index is derived data, a block is verified by its SHA-256
 * whenever it is read and a table must parse and match the data file's stat, so a file a power
 * loss cut costs a rebuild, never a wrong answer. A crash leaves either the old table (whose stat
 * no longer matches the rewritten data file: rebuilt at the next use) or the new one;
 * a block file no table names is deleted at the next rebuild (only a stale table leaves one).
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { UserError } from '../errors';
import { join } from 'node:path';
import { sha256Hex } from '../hash';
import { ensurePrivateDir, fsyncDir, O_NOFOLLOW, replaceFile, writeDerivedFile } from '../storage/atomicWrite';
import { writeStep } from '../storage/writeSteps';
import { contentHash } from '../embed/contentHash';
import { buildIdFilter, idKey, mayHold, type IdKey } from './idFilter';
import { analyzeBytes, type Analysis } from './jsonl';
import type { LineSpan } from './lines';
import { readRecord, type RecordFields } from './record';
import type { Example, MalformedLine, ParsedDataset } from './types';
import { decodeLine } from './utf8';

// Formats: 2, each block's id filter in the table; 3, each record's id key in its block; 4, the
// table in binary (table.bin); 5, the file's figures and each block's malformed count in the table;
// 6, the stats of earlier versions of the file with the same lines.
// An index of an earlier format is not read: it is rebuilt once, and the rebuild deletes the
// earlier table (format 4's table.bin is replaced under the same name).
const TABLE_MAGIC = 'ERASEDT6';
const BLOCK_MAGIC_V3 = 'ERASEDX3';
export const BLOCK_LINES = 4096;
const TABLE = 'table.bin';
const EARLIER_TABLES = ['table.json'];
/** How many earlier stats with the same lines a table keeps (a copy of a copy of a touched file…). */
const EARLIER_STATS = 4;
const TABLE_HEADER = 8 + 32 + 4 * 8 + 4 + 4 + 3 * 8 + EARLIER_STATS * 4 * 8;
const TABLE_ENTRY = 4 + 4 + 8 + 8 + 32 + 4 + 4;

const KIND_BLANK = 0;
const KIND_MALFORMED = 1;
const KIND_RECORD = 2;

export interface IndexedLine {
  readonly start: number;
  readonly end: number;
  readonly next: number;
  readonly kind: 0 | 1 | 2;
  readonly id?: string;
  /** contentHash of the record's input (hex). */
  readonly content?: string;
  readonly column?: number;
  readonly message?: string;
}

interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

interface BlockRef {
  /** The block's file is b<number>.bin. */
  readonly number: number;
  readonly file: string;
  readonly base: number;
  readonly firstLine: number;
  readonly lines: number;
  readonly sha256: string;
  /** The block's id filter (a view into the table's bytes). */
  readonly filter: Uint8Array;
  /** How many of its lines are malformed. */
  readonly malformed: number;
}

/** What the whole file holds, kept in the table so that it is known without reading the blocks. */
export interface FileFigures {
  /** Lines holding a record (n: duplicates counted). */
  readonly records: number;
  /** Distinct example ids. */
  readonly distinct: number;
  /** Ids on two lines or more (the data set's `duplicates`). */
  readonly duplicated: number;
}

interface Table {
  readonly stat: FileStamp;
  /**
   * The stats of earlier versions of the data file whose lines were these, byte range for byte
   * range (a copied, restored or touched file), newest first: found by the rebuilds that compared them.
   */
  readonly sameLinesAs: readonly FileStamp[];
  readonly bomLength: number;
  readonly figures: FileFigures;
  readonly blocks: readonly BlockRef[];
}

/** The data file as the index sees it: every line, in order (line number = position + 1). */
export interface FileIndex {
  readonly bomLength: number;
  readonly lines: readonly IndexedLine[];
}

function stampOf(st: Stats): FileStamp {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

/** Whether two stats describe the same file version (size, mtime, ctime, inode). */
export function sameFile(a: Stats, b: Stats): boolean {
  return sameStamp(stampOf(a), stampOf(b));
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

// ---- blocks

function encodeBlock(lines: readonly IndexedLine[], base: number): Buffer {
  // Sized first, written into one buffer: byte lengths only, no Buffer per line (a buffer per line
  // made this the erasure's hot spot; an erasure re-encodes the 4096-line block that held the line).
  const texts = lines.map((l) => (l.kind === KIND_RECORD ? l.id! : l.kind === KIND_MALFORMED ? l.message! : ''));
  const lengths = texts.map((t) => Buffer.byteLength(t, 'utf8'));
  let size = 12;
  lines.forEach((l, i) => (size += 10 + (l.kind === KIND_RECORD ? 2 + lengths[i] + 40 : l.kind === KIND_MALFORMED ? 6 + lengths[i] : 0)));
  const b = Buffer.alloc(size);
  b.write(BLOCK_MAGIC_V3, 0, 'latin1');
  b.writeUInt32LE(lines.length, 8);
  let o = 12;
  lines.forEach((l, i) => {
    b.writeUInt32LE(l.start - base, o);
    b.writeUInt32LE(l.end - l.start, o + 4);
    b[o + 8] = l.next - l.end;
    b[o + 9] = l.kind;
    o += 10;
    if (l.kind === KIND_RECORD) {
      b.writeUInt16LE(lengths[i], o);
      b.write(texts[i], o + 2, 'utf8');
      o += 2 + lengths[i];
      o += b.write(l.content!, o, 'hex');
      const [k1, k2] = idKey(texts[i]);
      b.writeUInt32LE(k1, o);
      b.writeUInt32LE(k2, o + 4);
      o += 8;
    } else if (l.kind === KIND_MALFORMED) {
      b.writeUInt32LE(l.column!, o);
      b.writeUInt16LE(lengths[i], o + 4);
      b.write(texts[i], o + 6, 'utf8');
      o += 6 + lengths[i];
    }
  });
  return b;
}

function decodeBlock(b: Buffer, base: number, out: IndexedLine[]): void {
  if (b.toString('latin1', 0, 8) !== BLOCK_MAGIC_V3) throw new Error('not an index block');
  const count = b.readUInt32LE(8);
  let o = 12;
  for (let i = 0; i < count; i++) {
    const start = base + b.readUInt32LE(o);
    const end = start + b.readUInt32LE(o + 4);
    const next = end + b[o + 8];
    const kind = b[o + 9] as 0 | 1 | 2;
    o += 10;
    if (kind === KIND_RECORD) {
      const n = b.readUInt16LE(o);
      const id = b.toString('utf8', o + 2, o + 2 + n);
      o += 2 + n;
      const content = b.toString('hex', o, o + 32);
      o += 40;
      out.push({ start, end, next, kind, id, content });
    } else if (kind === KIND_MALFORMED) {
      const column = b.readUInt32LE(o);
      const n = b.readUInt16LE(o + 4);
      const message = b.toString('utf8', o + 6, o + 6 + n);
      o += 6 + n;
      out.push({ start, end, next, kind, column, message });
    } else out.push({ start, end, next, kind });
  }
  if (o !== b.length) throw new Error('index block has trailing bytes');
}

/**
 * Walks a block without building its lines, decoding only the records whose id field starts at
 * one of `offsets` (a block holds 4096 lines; a look-up wants one or two). Null if malformed.
 */
function decodeLinesAt(b: Buffer, base: number, offsets: ReadonlySet<number>): { count: number; found: [number, IndexedLine][] } | null {
  if (b.toString('latin1', 0, 8) !== BLOCK_MAGIC_V3) return null;
  const count = b.readUInt32LE(8);
  const found: [number, IndexedLine][] = [];
  let o = 12;
  for (let i = 0; i < count; i++) {
    const kind = b[o + 9];
    if (kind === KIND_RECORD) {
      const n = b.readUInt16LE(o + 10);
      if (offsets.has(o + 10)) {
        const start = base + b.readUInt32LE(o);
        const end = start + b.readUInt32LE(o + 4);
        const id = b.toString('utf8', o + 12, o + 12 + n);
        found.push([i, { start, end, next: end + b[o + 8], kind, id, content: b.toString('hex', o + 12 + n, o + 44 + n) }]);
      }
      o += 52 + n;
    } else if (kind === KIND_MALFORMED) o += 16 + b.readUInt16LE(o + 14);
    else if (kind === KIND_BLANK) o += 10;
    else return null;
  }
  return o === b.length ? { count, found } : null;
}

// ---- reading and writing the index

const blockFile = (n: number) => `b${n}.bin`;

/** The table's bytes, as parts (the filters are written from wherever they are, not copied into one buffer first). */
function encodeTable(t: Table): Uint8Array[] {
  const head = Buffer.alloc(TABLE_HEADER + t.blocks.length * TABLE_ENTRY);
  head.write(TABLE_MAGIC, 0, 'latin1');
  let o = 40;
  for (const x of [t.stat.size, t.stat.mtimeMs, t.stat.ctimeMs, t.stat.ino]) o = head.writeDoubleLE(x, o);
  o = head.writeUInt32LE(t.bomLength, o);
  o = head.writeUInt32LE(t.blocks.length, o);
  for (const x of [t.figures.records, t.figures.distinct, t.figures.duplicated]) o = head.writeDoubleLE(x, o);
  for (let i = 0; i < EARLIER_STATS; i++) {
    const earlier = t.sameLinesAs[i] ?? { size: -1, mtimeMs: 0, ctimeMs: 0, ino: 0 };
    for (const x of [earlier.size, earlier.mtimeMs, earlier.ctimeMs, earlier.ino]) o = head.writeDoubleLE(x, o);
  }
  for (const b of t.blocks) {
    o = head.writeUInt32LE(b.number, o);
    o = head.writeUInt32LE(b.lines, o);
    o = head.writeDoubleLE(b.firstLine, o);
    o = head.writeDoubleLE(b.base, o);
    o += head.write(b.sha256, o, 'hex');
    o = head.writeUInt32LE(b.filter.length, o);
    o = head.writeUInt32LE(b.malformed, o);
  }
  const parts = [head, ...t.blocks.map((b) => b.filter)];
  const hash = createHash('sha256');
  hash.update(head.subarray(40));
  for (const f of parts.slice(1)) hash.update(f);
  hash.digest().copy(head, 8);
  return parts;
}

/** The table in these bytes, or null when they are not a whole table of this format (torn, damaged, earlier format). */
function decodeTable(b: Buffer): Table | null {
  if (b.length < TABLE_HEADER || b.toString('latin1', 0, 8) !== TABLE_MAGIC) return null;
  if (!createHash('sha256').update(b.subarray(40)).digest().equals(b.subarray(8, 40))) return null;
  const stat = { size: b.readDoubleLE(40), mtimeMs: b.readDoubleLE(48), ctimeMs: b.readDoubleLE(56), ino: b.readDoubleLE(64) };
  const bomLength = b.readUInt32LE(72);
  const count = b.readUInt32LE(76);
  const figures = { records: b.readDoubleLE(80), distinct: b.readDoubleLE(88), duplicated: b.readDoubleLE(96) };
  const sameLinesAs: FileStamp[] = [];
  for (let i = 0, o = 104; i < EARLIER_STATS; i++, o += 32) {
    const earlier = { size: b.readDoubleLE(o), mtimeMs: b.readDoubleLE(o + 8), ctimeMs: b.readDoubleLE(o + 16), ino: b.readDoubleLE(o + 24) };
    if (earlier.size >= 0) sameLinesAs.push(earlier);
  }
  let filterAt = TABLE_HEADER + count * TABLE_ENTRY;
  if (filterAt > b.length) return null;
  const blocks: BlockRef[] = [];
  for (let i = 0, o = TABLE_HEADER; i < count; i++, o += TABLE_ENTRY) {
    const number = b.readUInt32LE(o);
    const length = b.readUInt32LE(o + 56);
    if (filterAt + length > b.length) return null;
    blocks.push({
      number,
      file: blockFile(number),
      lines: b.readUInt32LE(o + 4),
      firstLine: b.readDoubleLE(o + 8),
      base: b.readDoubleLE(o + 16),
      sha256: b.toString('hex', o + 24, o + 56),
      filter: b.subarray(filterAt, filterAt + length),
      malformed: b.readUInt32LE(o + 60),
    });
    filterAt += length;
  }
  return filterAt === b.length ? { stat, sameLinesAs, bomLength, figures, blocks } : null;
}

/**
 * The table read last in this process, by the table file's own stamp: a command asks for it up to
 * three times (the preview's look-up, the erasure's look-up, the update after the rewrite), and at
 * 1M lines reading it is the part of the index that grows with the data set. A rewritten table is
 * a new file (written beside and renamed), so its stamp differs.
 */
let tableCache: { path: string; stamp: FileStamp; table: Table | null } | null = null;

function readTable(dir: string): Table | null {
  const path = join(dir, TABLE);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    // The stamp and the bytes of one open file: a rename meanwhile cannot pair another file's bytes with this stamp.
    const stamp = stampOf(fstatSync(fd));
    if (tableCache?.path === path && sameStamp(tableCache.stamp, stamp)) return tableCache.table;
    const table = decodeTable(readFileSync(fd));
    tableCache = { path, stamp, table };
    return table;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The blocks the index's table names, with their id filters (for inspection and tests); null without a readable table. */
export function indexTableBlocks(dir: string): { file: string; firstLine: number; lines: number; filter: Uint8Array }[] | null {
  return readTable(dir)?.blocks.map((b) => ({ file: b.file, firstLine: b.firstLine, lines: b.lines, filter: b.filter })) ?? null;
}

/**
 * The file's figures and its malformed lines (line, column, message), read from the table and
 * only the blocks that hold a malformed line; null when the index does not match `st` or such a
 * block is damaged or missing.
 */
export function indexedFileFigures(dir: string, st: Stats): { figures: FileFigures; malformed: MalformedLine[] } | null {
  const t = readTable(dir);
  if (!t || !sameStamp(t.stat, stampOf(st))) return null;
  const malformed: MalformedLine[] = [];
  try {
    let expectedFirst = 1;
    for (const b of t.blocks) {
      if (b.firstLine !== expectedFirst) return null;
      expectedFirst += b.lines;
      if (b.malformed === 0) continue;
      const bytes = readFileSync(join(dir, b.file));
      if (sha256Hex(bytes) !== b.sha256) return null;
      const lines: IndexedLine[] = [];
      decodeBlock(bytes, b.base, lines);
      if (lines.length !== b.lines) return null;
      const before = malformed.length;
      lines.forEach((l, i) => l.kind === KIND_MALFORMED && malformed.push({ line: b.firstLine + i, column: l.column!, message: l.message! }));
      if (malformed.length - before !== b.malformed) return null;
    }
  } catch {
    return null;
  }
  return { figures: t.figures, malformed };
}

/**
 * Every example id in file order (first lines first, each once), read from the blocks without
 * building their lines: `erase status --ids` at 1M lines. Null when the index does not match `st`
 * or a block is damaged or missing.
 */
export function indexedIds(dir: string, st: Stats): string[] | null {
  const t = readTable(dir);
  if (!t || !sameStamp(t.stat, stampOf(st))) return null;
  const ids = new Set<string>();
  try {
    let expectedFirst = 1;
    for (const b of t.blocks) {
      if (b.firstLine !== expectedFirst) return null;
      expectedFirst += b.lines;
      const bytes = readFileSync(join(dir, b.file));
      if (sha256Hex(bytes) !== b.sha256 || bytes.toString('latin1', 0, 8) !== BLOCK_MAGIC_V3 || bytes.readUInt32LE(8) !== b.lines) return null;
      let o = 12;
      for (let i = 0; i < b.lines; i++) {
        const kind = bytes[o + 9];
        if (kind === KIND_RECORD) {
          const n = bytes.readUInt16LE(o + 10);
          ids.add(bytes.toString('utf8', o + 12, o + 12 + n));
          o += 52 + n;
        } else if (kind === KIND_MALFORMED) o += 16 + bytes.readUInt16LE(o + 14);
        else if (kind === KIND_BLANK) o += 10;
        else return null;
      }
      if (o !== bytes.length) return null;
    }
  } catch {
    return null;
  }
  return ids.size === t.figures.distinct ? [...ids] : null;
}

/** The last index read in this process, with the table it came from (a command reads it twice: load, then erase). */
let recent: { table: Table; index: FileIndex } | null = null;

/** The index when it is present and matches the data file's current stat; null otherwise (stale, missing or damaged). */
export function readIndex(dir: string, st: Stats): FileIndex | null {
  const t = readTable(dir);
  if (!t || !sameStamp(t.stat, stampOf(st))) return null;
  if (recent?.table === t) return recent.index;
  const index = readBlocks(dir, t);
  if (index) recent = { table: t, index };
  return index;
}

function readBlocks(dir: string, t: Table): FileIndex | null {
  const lines: IndexedLine[] = [];
  try {
    for (const b of t.blocks) {
      const bytes = readFileSync(join(dir, b.file));
      if (sha256Hex(bytes) !== b.sha256) return null;
      const before = lines.length;
      decodeBlock(bytes, b.base, lines);
      if (lines.length - before !== b.lines || before + 1 !== b.firstLine) return null;
    }
  } catch {
    return null;
  }
  return { bomLength: t.bomLength, lines };
}

/** The blocks of the last table linesOfIds read, verified (a command looks ids up several times: preview, plan, erase). */
let verifiedBlocks: { dir: string; blocks: Map<string, Buffer> } = { dir: '', blocks: new Map() };

/** A line of the data file found by id through the index: its number (1-based) and byte range. */
export interface FoundLine {
  readonly number: number;
  readonly line: IndexedLine;
}

/**
 * The lines of these ids, through the index: only the blocks whose id filter may hold one of the
 * ids are read (and their SHA-256 checked), and only those whose bytes hold an id's record pattern
 * (u16 length | UTF-8 id) are decoded. Null when the index does not match `st` or a block read is
 * damaged or missing.
 */
export function linesOfIds(dir: string, st: Stats, ids: readonly string[]): { bomLength: number; lines: Map<string, FoundLine[]> } | null {
  const t = readTable(dir);
  if (!t || !sameStamp(t.stat, stampOf(st))) return null;
  const patterns = ids.map((id) => {
    const b = Buffer.from(id, 'utf8');
    const p = Buffer.alloc(2 + b.length);
    p.writeUInt16LE(b.length, 0);
    b.copy(p, 2);
    return p;
  });
  const keys = ids.map(idKey);
  const want = new Set(ids);
  const found = new Map<string, FoundLine[]>(ids.map((id) => [id, []] as const));
  try {
    let expectedFirst = 1;
    const cache = verifiedBlocks.dir === dir ? verifiedBlocks.blocks : new Map<string, Buffer>();
    for (const b of t.blocks) {
      if (b.firstLine !== expectedFirst) return null;
      expectedFirst += b.lines;
      if (!keys.some((k) => mayHold(b.filter, k))) continue;
      // Block files are never rewritten under the same name: bytes verified against this SHA-256 once need not be read again.
      const cacheKey = `${b.file}:${b.sha256}`;
      let bytes = cache.get(cacheKey);
      if (!bytes) {
        bytes = readFileSync(join(dir, b.file));
        if (sha256Hex(bytes) !== b.sha256) return null;
        cache.set(cacheKey, bytes);
      }
      // Where an id's record pattern occurs; an occurrence may also be inside another field, so the walk below decides.
      const at = new Set<number>();
      for (const p of patterns) for (let i = bytes.indexOf(p, 12); i >= 0; i = bytes.indexOf(p, i + 1)) at.add(i);
      if (at.size === 0) continue;
      const lines = decodeLinesAt(bytes, b.base, at);
      if (lines === null || lines.count !== b.lines) return null;
      for (const [i, l] of lines.found) if (want.has(l.id!)) found.get(l.id!)!.push({ number: b.firstLine + i, line: l });
    }
    // Keep only this table's blocks (a long-lived process erases many times).
    const current = new Set(t.blocks.map((b) => `${b.file}:${b.sha256}`));
    for (const k of cache.keys()) if (!current.has(k)) cache.delete(k);
    verifiedBlocks = { dir, blocks: cache };
  } catch {
    return null;
  }
  return { bomLength: t.bomLength, lines: found };
}

/**
 * The examples of these ids (those in the file; duplicates grouped as a full load groups them),
 * read through the index without building the other 60k; null when the index does not match `st`.
 */
export function examplesOfIds(path: string, dir: string, st: Stats, ids: readonly string[]): Example[] | null {
  const found = linesOfIds(dir, st, ids);
  if (!found) return null;
  const source = rangeSource(path, stampOf(st));
  const out: Example[] = [];
  for (const [id, lines] of [...found.lines].sort((a, b) => (a[1][0]?.number ?? 0) - (b[1][0]?.number ?? 0))) {
    if (lines.length > 0)
      out.push(
        lazyExample(
          source,
          id,
          lines[0].line,
          lines.map((l) => l.number),
        ),
      );
  }
  return out;
}

/** The bytes [start, end) of a data file, read while its stat still equals the stamp the index was checked against. */
type ByteSource = (start: number, end: number) => Buffer;

function readWhileUnchanged<T>(path: string, stamp: FileStamp, read: () => T): T {
  const changed = () => !sameStamp(stampOf(statSync(path)), stamp);
  if (changed()) throw new UserError('the data file changed while it was being read; run the command again', 'unavailable');
  const r = read();
  if (changed()) throw new UserError('the data file changed while it was being read; run the command again', 'unavailable');
  return r;
}

/** The whole data file, read on first use (for many examples). */
function lazySource(path: string, stamp: FileStamp): ByteSource {
  let bytes: Buffer | null = null;
  return (start, end) => (bytes ??= readWhileUnchanged(path, stamp, () => readWhole(path))).subarray(start, end);
}

/** Only the asked lines' bytes (for a few examples: an erasure need not read 5 MB to show one line). */
function rangeSource(path: string, stamp: FileStamp): ByteSource {
  return (start, end) => readWhileUnchanged(path, stamp, () => readRange(path, start, end));
}

/** A block to write: its lines, or its encoded bytes with their line count and id keys (an erasure's byte-level edit). */
type NewBlock =
  | { lines: readonly IndexedLine[]; base: number; firstLine: number }
  | { bytes: Buffer; count: number; keys: IdKey[]; malformed: number; base: number; firstLine: number };

/**
 * Writes the index of a data file whose stat is `st`: blocks given as table entries are kept as
 * they are (the entries may carry a new base and first line), the others written afresh under
 * numbers past `firstFree`; then the files of `cleanup` are deleted (a rebuild: every file the new
 * table does not name); then the table. The old table is stale by then (the data file it describes
 * was rewritten), so a crash after a deletion only costs a rebuild; the folder's sync makes the new
 * blocks, the deletions and the table durable.
 */
function writeIndex(
  dir: string,
  st: Stats,
  bomLength: number,
  figures: FileFigures,
  blocks: readonly (BlockRef | NewBlock)[],
  firstFree: number,
  cleanup: { sweep: true } | { unlink: readonly string[] },
  sameLinesAs: readonly FileStamp[] = [],
): void {
  ensurePrivateDir(dir);
  let next = firstFree;
  const refs: BlockRef[] = blocks.map((b) => {
    if ('file' in b) return b;
    const encoded =
      'bytes' in b
        ? b
        : {
            bytes: encodeBlock(b.lines, b.base),
            count: b.lines.length,
            keys: b.lines.filter((l) => l.kind === KIND_RECORD).map((l) => idKey(l.id!)),
            malformed: b.lines.filter((l) => l.kind === KIND_MALFORMED).length,
          };
    const number = next++;
    const file = blockFile(number);
    writeDerivedFile(join(dir, file), encoded.bytes);
    return {
      number,
      file,
      base: b.base,
      firstLine: b.firstLine,
      lines: encoded.count,
      sha256: sha256Hex(encoded.bytes),
      filter: buildIdFilter(encoded.keys),
      malformed: encoded.malformed,
    };
  });
  if ('sweep' in cleanup) removeUnreferenced(dir, new Set(refs.map((r) => r.file)));
  else
    for (const f of cleanup.unlink) {
      writeStep('unlink', join(dir, f));
      unlinkSync(join(dir, f));
    }
  replaceFile(join(dir, TABLE), encodeTable({ stat: stampOf(st), sameLinesAs, bomLength, figures, blocks: refs }), { sync: false });
  fsyncDir(dir);
}

/** Deletes every block file not in `keep`, and a table of an earlier format. */
function removeUnreferenced(dir: string, keep: ReadonlySet<string>): void {
  for (const f of readdirSync(dir)) {
    if (!(/^b\d+\.bin$/.test(f) && !keep.has(f)) && !EARLIER_TABLES.includes(f)) continue;
    writeStep('unlink', join(dir, f));
    unlinkSync(join(dir, f));
  }
}

/** A block number past every block file in the folder (a rebuild never writes over a file an older table may name). */
function firstFreeInFolder(dir: string): number {
  let next = 0;
  try {
    for (const f of readdirSync(dir)) {
      const m = /^b(\d+)\.bin$/.exec(f);
      if (m) next = Math.max(next, Number(m[1]) + 1);
    }
  } catch {
    /* no folder yet */
  }
  return next;
}

/** Index lines from a full parse. */
export function linesOfAnalysis(a: Analysis): IndexedLine[] {
  const malformed = new Map(a.dataset.malformed.map((m) => [m.line, m] as const));
  const contents = new Map(a.dataset.examples.map((e) => [e.id, contentHash(e.input)] as const));
  return a.spans.map((s) => {
    const id = a.lineIds[s.number];
    if (id !== undefined) return { start: s.start, end: s.end, next: s.next, kind: KIND_RECORD, id, content: contents.get(id)! };
    const m = malformed.get(s.number);
    if (m) return { start: s.start, end: s.end, next: s.next, kind: KIND_MALFORMED, column: m.column, message: m.message };
    return { start: s.start, end: s.end, next: s.next, kind: KIND_BLANK };
  });
}

function chunk(lines: readonly IndexedLine[], firstLine = 1): { lines: IndexedLine[]; base: number; firstLine: number }[] {
  const out = [];
  for (let i = 0; i < lines.length; i += BLOCK_LINES) {
    const part = lines.slice(i, i + BLOCK_LINES);
    out.push({ lines: part, base: part[0].start, firstLine: firstLine + i });
  }
  return out;
}

/** The figures of a file from all its lines. */
function figuresOf(lines: readonly IndexedLine[]): FileFigures {
  const seen = new Map<string, number>();
  let records = 0;
  for (const l of lines)
    if (l.kind === KIND_RECORD) {
      records++;
      seen.set(l.id!, (seen.get(l.id!) ?? 0) + 1);
    }
  let duplicated = 0;
  for (const m of seen.values()) if (m > 1) duplicated++;
  return { records, distinct: seen.size, duplicated };
}

/**
 * Writes a fresh index for the data file (`st`: its stat before it was read; nothing is written if
 * it changed meanwhile). When the index it replaces held exactly these lines (a copied, restored or
 * touched file: new stat, same bytes where it matters), the new table names the stat that index
 * vouched for, and those it carried (sameStampsOfLines): a state in sync with the file then still is.
 */
export function buildIndex(dir: string, path: string, st: Stats, analysis: Analysis): FileIndex {
  const lines = linesOfAnalysis(analysis);
  const now = statSync(path);
  if (sameStamp(stampOf(now), stampOf(st))) {
    const earlier = earlierStampsOfLines(dir, analysis.bomLength, lines).filter((e, i, all) => !sameStamp(e, stampOf(st)) && all.findIndex((x) => sameStamp(x, e)) === i);
    // the newest, and the oldest: the file as the last erasure left it, which its meta most often names
    const sameLinesAs = earlier.length > EARLIER_STATS ? [...earlier.slice(0, EARLIER_STATS - 1), earlier[earlier.length - 1]] : earlier;
    writeIndex(dir, st, analysis.bomLength, figuresOf(lines), chunk(lines), firstFreeInFolder(dir), { sweep: true }, sameLinesAs);
  }
  return { bomLength: analysis.bomLength, lines };
}

/**
 * The stat the present index (stale or not) describes and the earlier ones it carries, newest first,
 * when its lines are exactly `lines` (byte ranges, kinds, ids, content hashes, errors); none otherwise. Each of its
 * blocks is compared by the SHA-256 of `lines` encoded as that block (same base, same count): the
 * encoding is deterministic, and a block an erasure edited in place holds the bytes a fresh encoding
 * of its lines would, so nothing of the old index is read but its table.
 */
function earlierStampsOfLines(dir: string, bomLength: number, lines: readonly IndexedLine[]): FileStamp[] {
  const t = readTable(dir);
  if (!t || t.bomLength !== bomLength || t.blocks.reduce((n, b) => n + b.lines, 0) !== lines.length) return [];
  let i = 0;
  for (const b of t.blocks) {
    if (b.firstLine !== i + 1 || lines[i]?.start !== b.base) return [];
    if (sha256Hex(encodeBlock(lines.slice(i, i + b.lines), b.base)) !== b.sha256) return [];
    i += b.lines;
  }
  return [t.stat, ...t.sameLinesAs];
}

/** A file's identity as text — size:mtime:ctime:inode — as the workspace's meta records it and caches key on. */
export function fileStampText(s: FileStamp): string {
  return `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
}

/**
 * The stamps (size:mtime:ctime:inode) of earlier versions of the data file that had the same lines
 * as the file has at `stamp`, when the index is the one of the file at `stamp` and its rebuilds
 * found them equal; none otherwise.
 */
export function sameStampsOfLines(dir: string, stamp: string): string[] {
  const t = readTable(dir);
  if (!t || fileStampText(t.stat) !== stamp) return [];
  return t.sameLinesAs.map(fileStampText);
}

/**
 * A block without the lines `gone`, edited byte by byte: the runs of kept entries are copied whole,
 * and only the entries after a removed line get their offset moved (relative to the block's new
 * base, its first kept line; `shiftBefore`: bytes removed before this block); their id keys are
 * collected for the new filter. Nothing is decoded into objects or hashed again, and the walk reads
 * bytes directly (in a fresh CLI process this code runs cold: a call per field cost more than the rest).
 */
function withoutLines(
  b: Buffer,
  base: number,
  firstLine: number,
  gone: ReadonlySet<number>,
  shiftBefore: number,
): { bytes: Buffer; count: number; keys: IdKey[]; malformed: number; base: number; removedBytes: number; removedLines: number; removedRecords: number } {
  if (b.toString('latin1', 0, 8) !== BLOCK_MAGIC_V3) throw new Error('not an index block');
  const u32 = (o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  const count = u32(8);
  const out = Buffer.alloc(b.length);
  b.copy(out, 0, 0, 12);
  const keys: IdKey[] = [];
  let o = 12;
  let w = 12;
  let runStart = 12; // the current run of kept entries in `b`, copied when it ends
  let removed = 0; // bytes of the data file removed in this block so far
  let newBase = -1;
  let kept = 0;
  let malformed = 0;
  let removedLines = 0;
  let removedRecords = 0;
  const patches: [number, number][] = []; // [offset in out, new relative start]
  for (let i = 0; i < count; i++) {
    const kind = b[o + 9];
    const size = kind === KIND_RECORD ? 52 + (b[o + 10] | (b[o + 11] << 8)) : kind === KIND_MALFORMED ? 16 + (b[o + 14] | (b[o + 15] << 8)) : 10;
    if (gone.has(firstLine + i)) {
      if (o > runStart) {
        b.copy(out, w, runStart, o);
        w += o - runStart;
      }
      runStart = o + size;
      removed += u32(o + 4) + b[o + 8];
      removedLines++;
      if (kind === KIND_RECORD) removedRecords++;
    } else {
      const moved = base + u32(o) - shiftBefore - removed;
      if (newBase < 0) newBase = moved;
      const rel = moved - newBase;
      if (rel !== u32(o)) patches.push([w + (o - runStart), rel]);
      if (kind === KIND_RECORD) keys.push([u32(o + size - 8), u32(o + size - 4)]);
      else if (kind === KIND_MALFORMED) malformed++;
      kept++;
    }
    o += size;
  }
  if (o !== b.length) throw new Error('index block has trailing bytes');
  if (o > runStart) {
    b.copy(out, w, runStart, o);
    w += o - runStart;
  }
  for (const [at, rel] of patches) out.writeUInt32LE(rel, at);
  out.writeUInt32LE(kept, 8);
  return { bytes: out.subarray(0, w), count: kept, keys, malformed, base: newBase, removedBytes: removed, removedLines, removedRecords };
}

/**
 * After the data file was rewritten without every line of the ids in `removed` (id → its line
 * numbers, 1-based, as linesOfIds found them), with `st` its new stat: rewrites only the blocks
 * that held them; later blocks get a new base and first line in the table. The file's figures
 * follow: each id loses all its lines, so it leaves `distinct`, and `duplicated` when it had two.
 */
export function updateIndexAfterRemoval(dir: string, st: Stats, bomLength: number, removed: ReadonlyMap<string, readonly number[]>): void {
  const t = readTable(dir);
  if (!t) return;
  const gone = new Set([...removed.values()].flat());
  let removedRecords = 0;
  let shiftBytes = 0;
  let shiftLines = 0;
  const blocks: (BlockRef | NewBlock)[] = [];
  const replaced: string[] = [];
  const lines = [...gone];
  for (const b of t.blocks) {
    const hit = lines.some((n) => n >= b.firstLine && n < b.firstLine + b.lines);
    if (!hit) {
      blocks.push(shiftBytes === 0 && shiftLines === 0 ? b : { ...b, base: b.base - shiftBytes, firstLine: b.firstLine - shiftLines });
      continue;
    }
    const firstLine = b.firstLine - shiftLines;
    const edited = withoutLines(readFileSync(join(dir, b.file)), b.base, b.firstLine, gone, shiftBytes);
    shiftBytes += edited.removedBytes;
    shiftLines += edited.removedLines;
    removedRecords += edited.removedRecords;
    replaced.push(b.file);
    if (edited.count > 0) blocks.push({ bytes: edited.bytes, count: edited.count, keys: edited.keys, malformed: edited.malformed, base: edited.base, firstLine });
  }
  const ids = [...removed.values()];
  const figures = {
    records: t.figures.records - removedRecords,
    distinct: t.figures.distinct - ids.filter((lines) => lines.length > 0).length,
    duplicated: t.figures.duplicated - ids.filter((lines) => lines.length > 1).length,
  };
  // Only the replaced blocks are deleted: listing a folder of 245 blocks (at 1M lines) is not needed to find them.
  writeIndex(
    dir,
    st,
    bomLength,
    figures,
    blocks,
    t.blocks.reduce((n, b) => Math.max(n, b.number + 1), 0),
    { unlink: replaced },
  );
}

// ---- the data set through the index

/**
 * The parsed data set built from the index: ids, multiplicities, line numbers and content hashes
 * without parsing; an example's fields are parsed from its first line's bytes when first asked
 * (the file is read once, on the first such access). `st` is the stat the index was checked
 * against: a field asked for after the file changed fails loudly rather than return another
 * line's text.
 */
export function datasetFromIndex(path: string, file: string, index: FileIndex, st: Stats): { dataset: ParsedDataset; contents: Map<string, string> } {
  const groups = new Map<string, { first: IndexedLine; lines: number[] }>();
  const malformed: MalformedLine[] = [];
  index.lines.forEach((l, i) => {
    if (l.kind === KIND_RECORD) {
      const g = groups.get(l.id!);
      if (g) g.lines.push(i + 1);
      else groups.set(l.id!, { first: l, lines: [i + 1] });
    } else if (l.kind === KIND_MALFORMED) malformed.push({ line: i + 1, column: l.column!, message: l.message! });
  });
  const source = lazySource(path, stampOf(st));
  const examples: Example[] = [];
  const contents = new Map<string, string>();
  const duplicates: { id: string; lines: number[] }[] = [];
  for (const [id, g] of groups) {
    contents.set(id, g.first.content!);
    examples.push(lazyExample(source, id, g.first, g.lines));
    if (g.lines.length > 1) duplicates.push({ id, lines: g.lines });
  }
  return { dataset: { file, examples, malformed, duplicates }, contents };
}

function readRange(path: string, start: number, end: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  try {
    const b = Buffer.alloc(end - start);
    let got = 0;
    while (got < b.length) {
      const n = readSync(fd, b, got, b.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function readWhole(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  try {
    const b = Buffer.alloc(fstatSync(fd).size);
    let got = 0;
    while (got < b.length) {
      const n = readSync(fd, b, got, b.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * An example whose fields are parsed from its line on first access. Prototype getters, not
 * per-object ones (defining four accessors on each of 60k objects cost more than the parse it
 * saves); toJSON gives the plain example, so JSON.stringify still sees every field.
 */
class LazyExample implements Example {
  private fields: RecordFields | null = null;

  constructor(
    readonly id: string,
    readonly multiplicity: number,
    readonly lines: readonly number[],
    private readonly source: ByteSource,
    private readonly start: number,
    private readonly end: number,
  ) {}

  private read(): RecordFields {
    if (this.fields) return this.fields;
    const decoded = decodeLine(this.source(this.start, this.end));
    const rec = decoded.ok ? readRecord(JSON.parse(decoded.text)) : null;
    if (!rec?.ok) throw new UserError('the data file changed while it was being read; run the command again', 'unavailable');
    this.fields = rec.fields;
    return this.fields;
  }

  get input(): string {
    return this.read().input;
  }

  get output(): string {
    return this.read().output;
  }

  get label(): string | undefined {
    return this.read().label;
  }

  get meta(): unknown {
    return this.read().meta;
  }

  toJSON(): Example {
    const f = this.read();
    return {
      id: this.id,
      input: f.input,
      output: f.output,
      ...(f.label !== undefined ? { label: f.label } : {}),
      ...('meta' in f ? { meta: f.meta } : {}),
      multiplicity: this.multiplicity,
      lines: this.lines,
    };
  }
}

function lazyExample(source: ByteSource, id: string, line: IndexedLine, lines: number[]): Example {
  return new LazyExample(id, lines.length, lines, source, line.start, line.end);
}

/** The spans of the index, for the byte-range rewrite. */
export function spansOf(index: FileIndex): LineSpan[] {
  return index.lines.map((l, i) => ({ number: i + 1, start: l.start, end: l.end, next: l.next }));
}

/** Deletes the index (its table first: blocks without a table are never read), e.g. when it would name erased lines of a file it no longer describes. */
export function removeIndex(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no index
  }
  for (const f of [TABLE, ...names.filter((n) => /^b\d+\.bin$/.test(n))]) {
    if (!names.includes(f)) continue;
    writeStep('unlink', join(dir, f));
    unlinkSync(join(dir, f));
  }
  fsyncDir(dir);
}

export function indexExists(dir: string): boolean {
  return existsSync(join(dir, TABLE));
}

export { analyzeBytes };
