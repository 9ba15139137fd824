import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { endianness } from 'node:os';
import { ensurePrivateDir, fsyncDir, O_NOFOLLOW, PRIVATE_FILE_MODE } from './atomicWrite';
import { syncFile, writeStep } from './writeSteps';

/**
 * Vectors in fixed-size slots, keyed by a content key (a content hash), so that an erasure
 * overwrites the erased content's slot with zeros in place and fsyncs it — the bytes are
 * physically gone and nothing else is rewritten — and a freed slot is reused by the next vector.
 * Identical contents share one slot; each slot carries a reference count (how many example ids
 * use the content), set to absolute values by retain(), so applying it twice is harmless.
 *
 * Two files, both with a 4096-byte header (magic | u32 version | u32 dimension | u32 slot bytes |
 * u32 descriptor length | descriptor UTF-8 | zeros | u32 CRC-32 of the header's other bytes):
 *   <name>.slots   slot i at 4096 + i × (68 + 4·D): key (64 bytes, UTF-8, zero-padded) |
 *                  D × i32 LE | u32 CRC-32 of the key and the vector
 *   <name>.index   entry i at 4096 + i × 68: key (64 bytes, zero-padded) | u32 reference count
 * An all-zero entry is a free slot. The index is read whole at open (68 bytes per content), the
 * vectors only where needed (by slot).
 *
 * Crash safety rests on one invariant: a slot holds a vector only while its index entry names the
 * same key. Adding writes (and fsyncs) the index entry before the vector; erasing zeroes (and
 * fsyncs) the vector before the index entry. A reader accepts a slot only when its own key and
 * CRC match, so a crash between the two writes leaves a named slot without a vector (read as
 * missing: computed again, and freed by the next retain), never an unnamed slot with one.
 */
const DATA_MAGIC = 'ERASESL1';
const INDEX_MAGIC = 'ERASEIX1';
const VERSION = 1;
export const SLOT_HEADER_BYTES = 4096;
export const SLOT_KEY_BYTES = 64;
const ENTRY_BYTES = SLOT_KEY_BYTES + 4;
const LITTLE_ENDIAN = endianness() === 'LE';
/** Above this share of the slots, readMany reads the slots file in one go rather than slot by slot. */
const BULK_READ_SHARE = 0.125;

export type SlotFileStatus = 'new' | 'loaded' | 'rebuilt';

interface Entry {
  slot: number;
  refs: number;
}

class BadHeader extends Error {}

/** The index file beside a `.slots` file. */
export function indexPathOf(slotsPath: string): string {
  return slotsPath.replace(/\.slots$/, '') + '.index';
}

function slotBytesOf(dimension: number): number {
  return SLOT_KEY_BYTES + 4 * dimension + 4;
}

function header(magic: string, dimension: number, slotBytes: number, descriptor: string): Buffer {
  const desc = Buffer.from(descriptor, 'utf8');
  if (desc.length > SLOT_HEADER_BYTES - 32) throw new RangeError('slot file descriptor too long');
  const b = Buffer.alloc(SLOT_HEADER_BYTES);
  let o = b.write(magic, 0, 'latin1');
  o = b.writeUInt32LE(VERSION, o);
  o = b.writeUInt32LE(dimension, o);
  o = b.writeUInt32LE(slotBytes, o);
  o = b.writeUInt32LE(desc.length, o);
  desc.copy(b, o);
  b.writeUInt32LE(crc32(b.subarray(0, SLOT_HEADER_BYTES - 4)), SLOT_HEADER_BYTES - 4);
  return b;
}

/** Checks a header; throws BadHeader with a one-line reason (no data-set text). */
function checkHeader(b: Buffer, magic: string, dimension: number, slotBytes: number, descriptor: string): void {
  if (b.length < SLOT_HEADER_BYTES || b.toString('latin1', 0, 8) !== magic) throw new BadHeader('it is not a slot file of this kind');
  if (crc32(b.subarray(0, SLOT_HEADER_BYTES - 4)) !== b.readUInt32LE(SLOT_HEADER_BYTES - 4)) throw new BadHeader('its header checksum does not match (damaged)');
  const version = b.readUInt32LE(8);
  if (version !== VERSION) throw new BadHeader(`it has format version ${version}, expected ${VERSION}`);
  const len = b.readUInt32LE(20);
  const desc = b.toString('utf8', 24, 24 + Math.min(len, SLOT_HEADER_BYTES - 28));
  if (desc !== descriptor || b.readUInt32LE(12) !== dimension || b.readUInt32LE(16) !== slotBytes) throw new BadHeader('it was written for another embedder or settings');
}

function readAt(fd: number, length: number, position: number): Buffer {
  const b = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? b : b.subarray(0, got);
}

function writeAt(fd: number, b: Uint8Array, position: number): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off, position + off);
}

/** Writes `rows` (slot number → bytes, all of one size) coalescing consecutive slots into one write. */
function writeSlots(fd: number, rows: readonly (readonly [number, Uint8Array])[], size: number): void {
  const sorted = [...rows].sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j][0] === sorted[j - 1][0] + 1 && j - i < 4096) j++;
    const run = Buffer.alloc((j - i) * size);
    for (let k = i; k < j; k++) run.set(sorted[k][1], (k - i) * size);
    writeAt(fd, run, SLOT_HEADER_BYTES + sorted[i][0] * size);
    i = j;
  }
}

function encodeKey(key: string): Buffer {
  const b = Buffer.from(key, 'utf8');
  if (b.length === 0 || b.length > SLOT_KEY_BYTES || b.includes(0)) throw new RangeError('a slot key must be 1..64 UTF-8 bytes without NUL');
  return b;
}

/** The first slot whose index entry names `key` exactly (as open() keeps the first of duplicates), or −1. */
function findEntry(index: Buffer, key: Buffer, count: number): number {
  for (let p = index.indexOf(key, SLOT_HEADER_BYTES); p >= 0; p = index.indexOf(key, p + 1)) {
    const rel = p - SLOT_HEADER_BYTES;
    if (rel % ENTRY_BYTES !== 0) continue;
    const slot = rel / ENTRY_BYTES;
    if (slot >= count) return -1;
    if (key.length === SLOT_KEY_BYTES || index[p + key.length] === 0) return slot;
  }
  return -1;
}

function decodeKey(b: Buffer, o: number): string {
  // Native search for the padding (a byte loop here was the index read's hot spot at 60k keys).
  const zero = b.indexOf(0, o);
  return b.toString('utf8', o, zero < 0 || zero > o + SLOT_KEY_BYTES ? o + SLOT_KEY_BYTES : zero);
}

function openFile(path: string, create: boolean): number {
  const flags = constants.O_RDWR | O_NOFOLLOW | (create ? constants.O_CREAT : 0);
  return openSync(path, flags, PRIVATE_FILE_MODE);
}

/** The index file's bytes, after checking both files' headers (throws BadHeader or an I/O error). */
function readCheckedIndex(path: string, indexPath: string, descriptor: string, dimension: number, slotBytes: number): Buffer {
  const index = readFileWhole(indexPath);
  checkHeader(index, INDEX_MAGIC, dimension, slotBytes, descriptor);
  const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  try {
    checkHeader(readAt(fd, SLOT_HEADER_BYTES, 0), DATA_MAGIC, dimension, slotBytes, descriptor);
  } finally {
    closeSync(fd);
  }
  return index;
}

export class SlotFile {
  /** Slots whose index entry is a duplicate or unreadable: zeroed (both files) at the next write. */
  private stray: number[] = [];

  private constructor(
    readonly path: string,
    readonly indexPath: string,
    readonly descriptor: string,
    readonly dimension: number,
    private readonly entries: Map<string, Entry>,
    /** Free slot numbers, highest first (pop() gives the lowest). */
    private readonly free: number[],
    private slotCount: number,
    /** The files must be (re)created with fresh headers before the first write. */
    private needsInit: boolean,
    readonly status: SlotFileStatus,
    /** Why existing files were set aside (one line, no data-set text). */
    readonly warning?: string,
  ) {}

  get slotBytes(): number {
    return slotBytesOf(this.dimension);
  }

  /** Opens the slot file at `path` (+ its index). Reads only the index; never writes, never throws on a bad file. */
  static open(path: string, descriptor: string, dimension: number): SlotFile {
    if (!Number.isInteger(dimension) || dimension <= 0) throw new RangeError(`bad vector dimension ${dimension}`);
    const indexPath = indexPathOf(path);
    const slotBytes = slotBytesOf(dimension);
    const fresh = (status: SlotFileStatus, warning?: string) => new SlotFile(path, indexPath, descriptor, dimension, new Map(), [], 0, true, status, warning);
    if (!existsSync(path) && !existsSync(indexPath)) return fresh('new');
    let index: Buffer;
    try {
      index = readCheckedIndex(path, indexPath, descriptor, dimension, slotBytes);
    } catch (e) {
      const why = e instanceof BadHeader ? e.message : `it could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
      return fresh('rebuilt', `${path} was set aside because ${why}`);
    }
    const count = Math.floor((index.length - SLOT_HEADER_BYTES) / ENTRY_BYTES);
    const entries = new Map<string, Entry>();
    const free: number[] = [];
    const stray: number[] = [];
    for (let i = 0; i < count; i++) {
      const o = SLOT_HEADER_BYTES + i * ENTRY_BYTES;
      if (index[o] === 0) {
        free.push(i);
        continue;
      }
      const key = decodeKey(index, o);
      if (entries.has(key)) stray.push(i);
      else entries.set(key, { slot: i, refs: index.readUInt32LE(o + SLOT_KEY_BYTES) });
    }
    free.reverse();
    const f = new SlotFile(path, indexPath, descriptor, dimension, entries, free, count, false, 'loaded');
    f.stray = stray;
    return f;
  }

  /**
   * Opens the slot file knowing only the entries of `keys` (found in the index by a byte search,
   * not by decoding every key): for reading or releasing a few contents of a large file. Such a
   * view cannot add vectors (it does not know the free slots); it falls back to a full open when
   * the files are not both readable with matching headers.
   */
  static openKeys(path: string, descriptor: string, dimension: number, keys: Iterable<string>): SlotFile {
    const slotBytes = slotBytesOf(dimension);
    const indexPath = indexPathOf(path);
    let index: Buffer;
    try {
      index = readCheckedIndex(path, indexPath, descriptor, dimension, slotBytes);
    } catch {
      return SlotFile.open(path, descriptor, dimension);
    }
    const count = Math.floor((index.length - SLOT_HEADER_BYTES) / ENTRY_BYTES);
    const entries = new Map<string, Entry>();
    for (const key of keys) {
      const slot = findEntry(index, encodeKey(key), count);
      if (slot >= 0) entries.set(key, { slot, refs: index.readUInt32LE(SLOT_HEADER_BYTES + slot * ENTRY_BYTES + SLOT_KEY_BYTES) });
    }
    const f = new SlotFile(path, indexPath, descriptor, dimension, entries, [], count, false, 'loaded');
    f.partial = true;
    return f;
  }

  /** A view from openKeys: it knows only some entries and no free slots. */
  private partial = false;

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  refs(key: string): number | undefined {
    return this.entries.get(key)?.refs;
  }

  /** The vector of `key`, or undefined when absent or its slot does not hold it intact (then it is computed again). */
  read(key: string): Int32Array | undefined {
    return this.readMany([key])[0];
  }

  /** Vectors in the order of `keys` (undefined where absent or not intact). */
  readMany(keys: readonly string[]): (Int32Array | undefined)[] {
    const out: (Int32Array | undefined)[] = new Array(keys.length).fill(undefined);
    const wanted = keys.map((k) => this.entries.get(k));
    const n = wanted.filter((e) => e !== undefined).length;
    if (n === 0) return out;
    const size = this.slotBytes;
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDONLY | O_NOFOLLOW);
    } catch {
      return out; // the slots file is gone: everything is computed again
    }
    try {
      const bulk = n > this.slotCount * BULK_READ_SHARE ? readAt(fd, SLOT_HEADER_BYTES + this.slotCount * size, 0) : null;
      keys.forEach((key, i) => {
        const e = wanted[i];
        if (!e) return;
        const o = SLOT_HEADER_BYTES + e.slot * size;
        const slot = bulk ? bulk.subarray(o, o + size) : readAt(fd, size, o);
        out[i] = this.decodeSlot(slot, key);
      });
    } finally {
      closeSync(fd);
    }
    return out;
  }

  private decodeSlot(slot: Buffer, key: string): Int32Array | undefined {
    const size = this.slotBytes;
    if (slot.length !== size) return undefined;
    if (crc32(slot.subarray(0, size - 4)) !== slot.readUInt32LE(size - 4) || decodeKey(slot, 0) !== key) return undefined;
    const v = new Int32Array(this.dimension);
    if (LITTLE_ENDIAN) new Uint8Array(v.buffer).set(slot.subarray(SLOT_KEY_BYTES, SLOT_KEY_BYTES + 4 * this.dimension));
    else for (let c = 0; c < this.dimension; c++) v[c] = slot.readInt32LE(SLOT_KEY_BYTES + 4 * c);
    return v;
  }

  /** Creates (or replaces, when they were unusable) both files with fresh headers and no slots. */
  initialise(): void {
    if (!this.needsInit) return;
    ensurePrivateDir(dirname(this.path));
    for (const [p, magic] of [
      [this.indexPath, INDEX_MAGIC],
      [this.path, DATA_MAGIC],
    ] as const) {
      const fd = openFile(p, true);
      try {
        ftruncateSync(fd, 0);
        writeAt(fd, header(magic, this.dimension, this.slotBytes, this.descriptor), 0);
        writeStep('write-in-place', p);
        syncFile(fd, p);
      } finally {
        closeSync(fd);
      }
    }
    fsyncDir(dirname(this.path));
    this.needsInit = false;
  }

  /**
   * Stores vectors (adding, or overwriting a key's own slot): index entries first (fsync), then the
   * vectors (fsync). New keys get `refs` (retain() sets the true counts). Keys are placed in sorted
   * order, so equal inputs give equal files.
   */
  put(rows: Iterable<readonly [string, Int32Array]>, refs = 1): void {
    const list = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    // Refused before anything is allocated or written.
    for (const [key, v] of list) {
      encodeKey(key);
      if (!(v instanceof Int32Array) || v.length !== this.dimension) throw new RangeError(`vector has length ${v?.length}, expected ${this.dimension}`);
    }
    if (list.length === 0 && this.stray.length === 0) return;
    if (this.partial) throw new Error('internal: a partial slot file view cannot add vectors');
    this.initialise();
    this.clearStray();
    if (list.length === 0) return;
    const size = this.slotBytes;
    const indexRows: [number, Uint8Array][] = [];
    const slotRows: [number, Uint8Array][] = [];
    for (const [key, v] of list) {
      const k = encodeKey(key);
      let e = this.entries.get(key);
      if (!e) {
        e = { slot: this.free.length > 0 ? this.free.pop()! : this.slotCount++, refs };
        this.entries.set(key, e);
      }
      const entry = Buffer.alloc(ENTRY_BYTES);
      k.copy(entry, 0);
      entry.writeUInt32LE(e.refs, SLOT_KEY_BYTES);
      indexRows.push([e.slot, entry]);
      const slot = Buffer.alloc(size);
      k.copy(slot, 0);
      if (LITTLE_ENDIAN) slot.set(new Uint8Array(v.buffer, v.byteOffset, 4 * this.dimension), SLOT_KEY_BYTES);
      else for (let c = 0; c < this.dimension; c++) slot.writeInt32LE(v[c], SLOT_KEY_BYTES + 4 * c);
      slot.writeUInt32LE(crc32(slot.subarray(0, size - 4)), size - 4);
      slotRows.push([e.slot, slot]);
    }
    this.writeFile(this.indexPath, indexRows, ENTRY_BYTES);
    this.writeFile(this.path, slotRows, size);
  }

  /**
   * Keeps the keys that `counts` gives a positive count, with that count as their reference count;
   * every other key's slot is zeroed in place (vector first, then its index entry) and freed.
   * Idempotent. Returns how many slots were freed.
   */
  retain(counts: ReadonlyMap<string, number>): number {
    if (this.partial) throw new Error('internal: a partial slot file view cannot retain');
    const drop: string[] = [];
    const recount: string[] = [];
    for (const [key, e] of this.entries) {
      const want = counts.get(key) ?? 0;
      if (want <= 0) drop.push(key);
      else if (want !== e.refs) recount.push(key);
    }
    this.erase(
      drop,
      recount.map((k) => [k, counts.get(k)!] as const),
    );
    return drop.length;
  }

  /** Lowers the reference counts of these keys by the given numbers; a key left with none is zeroed and freed. Returns how many were freed. */
  release(released: ReadonlyMap<string, number>): number {
    const drop: string[] = [];
    const recount: [string, number][] = [];
    for (const [key, n] of released) {
      const e = this.entries.get(key);
      if (!e || n <= 0) continue;
      if (e.refs <= n) drop.push(key);
      else recount.push([key, e.refs - n]);
    }
    return this.erase(drop, recount);
  }

  /** Zeroes the slots of `keys` and frees them (and sets new reference counts for `recount`). */
  erase(keys: Iterable<string>, recount: readonly (readonly [string, number])[] = []): number {
    const gone = [...keys].filter((k) => this.entries.has(k));
    if (gone.length === 0 && recount.length === 0 && this.stray.length === 0) return 0;
    if (this.needsInit) {
      this.initialise();
      return 0;
    }
    this.clearStray();
    const slots = gone.map((k) => this.entries.get(k)!.slot);
    if (slots.length > 0)
      this.writeFile(
        this.path,
        slots.map((s) => [s, Buffer.alloc(this.slotBytes)] as const),
        this.slotBytes,
      );
    const indexRows: [number, Uint8Array][] = slots.map((s) => [s, Buffer.alloc(ENTRY_BYTES)]);
    for (const [key, refs] of recount) {
      const e = this.entries.get(key);
      if (!e) continue;
      e.refs = refs;
      const entry = Buffer.alloc(ENTRY_BYTES);
      encodeKey(key).copy(entry, 0);
      entry.writeUInt32LE(refs, SLOT_KEY_BYTES);
      indexRows.push([e.slot, entry]);
    }
    if (indexRows.length > 0) this.writeFile(this.indexPath, indexRows, ENTRY_BYTES);
    for (const k of gone) this.entries.delete(k);
    this.freeSlots(slots);
    return gone.length;
  }

  private clearStray(): void {
    if (this.stray.length === 0) return;
    const slots = this.stray;
    this.stray = [];
    this.writeFile(
      this.path,
      slots.map((s) => [s, Buffer.alloc(this.slotBytes)] as const),
      this.slotBytes,
    );
    this.writeFile(
      this.indexPath,
      slots.map((s) => [s, Buffer.alloc(ENTRY_BYTES)] as const),
      ENTRY_BYTES,
    );
    this.freeSlots(slots);
  }

  private freeSlots(slots: readonly number[]): void {
    this.free.push(...slots);
    this.free.sort((a, b) => b - a);
  }

  private writeFile(path: string, rows: readonly (readonly [number, Uint8Array])[], size: number): void {
    const fd = openFile(path, false);
    try {
      writeSlots(fd, rows, size);
      writeStep('write-in-place', path);
      syncFile(fd, path);
    } finally {
      closeSync(fd);
    }
  }

  /** Bytes of both files on disk. */
  static sizeOnDisk(path: string): number {
    let n = 0;
    for (const p of [path, indexPathOf(path)]) if (existsSync(p)) n += statSync(p).size;
    return n;
  }
}

function readFileWhole(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  try {
    return readAt(fd, fstatSync(fd).size, 0);
  } finally {
    closeSync(fd);
  }
}
