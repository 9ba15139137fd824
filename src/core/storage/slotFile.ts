import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { endianness } from 'node:os';
import { ensurePrivateDir, fsyncDir, O_NOFOLLOW, PRIVATE_FILE_MODE, writeFileAtomic } from './atomicWrite';
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
 *   <name>.slots   (version 1) slot i at 4096 + i × (68 + 4·D): key (64 bytes, UTF-8,
 *                  zero-padded) | D × i32 LE | u32 CRC-32 of the key and the vector
 *   <name>.index   (version 2) an open-addressing hash table of C entries (C from the file size),
 *                  entry p at 4096 + p × 72: key (64 bytes, zero-padded) | u32 reference count |
 *                  u32 slot number. A key's entry is at or after p = CRC-32(key) mod C, probing
 *                  forward (wrapping) until an empty entry (all zeros). A freed entry becomes a
 *                  tombstone: zeros with slot number 0xFFFFFFFF — it keeps no key, and probing
 *                  goes on past it. A slot no live entry names is free.
 * So a few keys are found by reading a page or two of the index each (openKeys), while a bulk open
 * (clustering, embedding) reads it whole. The table is rebuilt (written beside and renamed over
 * the old one) when more than 80% of it is used or a batch touches a large part of it; it then
 * gets 1.6 entries per key.
 *
 * Crash safety rests on one invariant: a slot holds a vector only while its index entry names the
 * same key. Adding writes (and fsyncs) the index entry before the vector; erasing zeroes (and
 * fsyncs) the vector before the index entry. A reader accepts a slot only when its own key and
 * CRC match, so a crash between the two writes leaves a named slot without a vector (read as
 * missing: computed again, and freed by the next retain), never an unnamed slot with one. A
 * rebuild of the table names the same slots as the table it replaces (the rename is atomic).
 *
 * Migration: version 1 of the index (entry i at 4096 + i × 68 naming slot i: key | u32 reference
 * count; an all-zero entry a free slot) is read as before, and rebuilt as version 2 at the first
 * write — only then, as writes happen under the workspace lock, so a reader never replaces a
 * table that a writer is changing. The `.slots` file is unchanged.
 */
const DATA_MAGIC = 'ERASESL1';
const INDEX_MAGIC = 'ERASEIX1';
const DATA_VERSION = 1;
const INDEX_VERSION = 2;
const V1_INDEX_VERSION = 1;
export const SLOT_HEADER_BYTES = 4096;
export const SLOT_KEY_BYTES = 64;
/** Version 2 index entry: key | u32 refs | u32 slot. */
export const INDEX_ENTRY_BYTES = SLOT_KEY_BYTES + 8;
const V1_ENTRY_BYTES = SLOT_KEY_BYTES + 4;
/** The slot number of a tombstone (a freed entry, no key). */
export const TOMBSTONE_SLOT = 0xffffffff;
const MIN_CAPACITY = 64;
/** Above this share of used entries (live and tombstones), the table is rebuilt larger. */
const MAX_LOAD = 0.8;
/** Entries per live key after a rebuild. */
const GROWTH = 1.6;
/** A batch that writes more than this share of the table's entries rewrites it whole instead. */
const REBUILD_SHARE = 0.125;
/** Entries read per probe step of a lookup on disk (one 4 KiB page's worth). */
const PROBE_WINDOW = Math.floor(4096 / INDEX_ENTRY_BYTES);
const LITTLE_ENDIAN = endianness() === 'LE';
/** Above this share of the slots, readMany reads the slots file in one go rather than slot by slot. */
const BULK_READ_SHARE = 0.125;

export type SlotFileStatus = 'new' | 'loaded' | 'rebuilt';

interface Entry {
  slot: number;
  refs: number;
  /** Its position in the version 2 table (−1: not placed yet, or a version 1 index). */
  pos: number;
}

/** An index entry to clear: a duplicate or unreadable one (slot −1: none to zero). */
interface Stray {
  pos: number;
  slot: number;
}

class BadHeader extends Error {}

/** The index file beside a `.slots` file. */
export function indexPathOf(slotsPath: string): string {
  return slotsPath.replace(/\.slots$/, '') + '.index';
}

function slotBytesOf(dimension: number): number {
  return SLOT_KEY_BYTES + 4 * dimension + 4;
}

function header(magic: string, version: number, dimension: number, slotBytes: number, descriptor: string): Buffer {
  const desc = Buffer.from(descriptor, 'utf8');
  if (desc.length > SLOT_HEADER_BYTES - 32) throw new RangeError('slot file descriptor too long');
  const b = Buffer.alloc(SLOT_HEADER_BYTES);
  let o = b.write(magic, 0, 'latin1');
  o = b.writeUInt32LE(version, o);
  o = b.writeUInt32LE(dimension, o);
  o = b.writeUInt32LE(slotBytes, o);
  o = b.writeUInt32LE(desc.length, o);
  desc.copy(b, o);
  b.writeUInt32LE(crc32(b.subarray(0, SLOT_HEADER_BYTES - 4)), SLOT_HEADER_BYTES - 4);
  return b;
}

/** Checks a header and returns its version (one of `versions`); throws BadHeader with a one-line reason (no data-set text). */
function checkHeader(b: Buffer, magic: string, versions: readonly number[], dimension: number, slotBytes: number, descriptor: string): number {
  if (b.length < SLOT_HEADER_BYTES || b.toString('latin1', 0, 8) !== magic) throw new BadHeader('it is not a slot file of this kind');
  if (crc32(b.subarray(0, SLOT_HEADER_BYTES - 4)) !== b.readUInt32LE(SLOT_HEADER_BYTES - 4)) throw new BadHeader('its header checksum does not match (damaged)');
  const version = b.readUInt32LE(8);
  if (!versions.includes(version)) throw new BadHeader(`it has format version ${version}, expected ${versions.at(-1)}`);
  const len = b.readUInt32LE(20);
  const desc = b.toString('utf8', 24, 24 + Math.min(len, SLOT_HEADER_BYTES - 28));
  if (desc !== descriptor || b.readUInt32LE(12) !== dimension || b.readUInt32LE(16) !== slotBytes) throw new BadHeader('it was written for another embedder or settings');
  return version;
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

/** Writes `rows` (row number → bytes, all of one size) coalescing consecutive rows into one write. */
function writeRows(fd: number, rows: readonly (readonly [number, Uint8Array])[], size: number): void {
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

function decodeKey(b: Buffer, o: number): string {
  // Native search for the padding (a byte loop here was the index read's hot spot at 60k keys).
  const zero = b.indexOf(0, o);
  return b.toString('utf8', o, zero < 0 || zero > o + SLOT_KEY_BYTES ? o + SLOT_KEY_BYTES : zero);
}

/** Whether the entry at `o` names exactly `key`. */
function namesKey(b: Buffer, o: number, key: Buffer): boolean {
  return b.compare(key, 0, key.length, o, o + key.length) === 0 && (key.length === SLOT_KEY_BYTES || b[o + key.length] === 0);
}

/** A key's home position in a table of `capacity` entries. */
function homeOf(key: Buffer, capacity: number): number {
  return crc32(key) % capacity;
}

function isTombstone(b: Buffer, o: number): boolean {
  return b[o] === 0 && b.readUInt32LE(o + SLOT_KEY_BYTES + 4) === TOMBSTONE_SLOT;
}

function entryBytes(key: Buffer, refs: number, slot: number): Buffer {
  const e = Buffer.alloc(INDEX_ENTRY_BYTES);
  key.copy(e, 0);
  e.writeUInt32LE(refs, SLOT_KEY_BYTES);
  e.writeUInt32LE(slot, SLOT_KEY_BYTES + 4);
  return e;
}

function tombstoneBytes(): Buffer {
  const e = Buffer.alloc(INDEX_ENTRY_BYTES);
  e.writeUInt32LE(TOMBSTONE_SLOT, SLOT_KEY_BYTES + 4);
  return e;
}

/**
 * Probes the table for `key` from its home position: calls `found` with the position of every
 * live entry naming it (the first is the key's entry, any later one a duplicate) and returns the
 * first free position (tombstone or empty) met, or −1. `read(pos, n)` gives entries pos..pos+n−1.
 */
function probe(read: (pos: number, n: number) => Buffer, capacity: number, key: Buffer, found: (pos: number, b: Buffer, o: number) => void): number {
  let pos = homeOf(key, capacity);
  let firstFree = -1;
  for (let scanned = 0; scanned < capacity; ) {
    const n = Math.min(PROBE_WINDOW, capacity - pos, capacity - scanned);
    const b = read(pos, n);
    for (let i = 0; i < n; i++) {
      const o = i * INDEX_ENTRY_BYTES;
      if (b[o] !== 0) {
        if (namesKey(b, o, key)) found(pos + i, b, o);
      } else if (isTombstone(b, o)) {
        if (firstFree < 0) firstFree = pos + i;
      } else return firstFree < 0 ? pos + i : firstFree;
    }
    scanned += n;
    pos = (pos + n) % capacity;
  }
  return firstFree;
}

function openFile(path: string, create: boolean): number {
  const flags = constants.O_RDWR | O_NOFOLLOW | (create ? constants.O_CREAT : 0);
  return openSync(path, flags, PRIVATE_FILE_MODE);
}

/** Checks the slots file's header; returns how many whole slots it holds. */
function checkDataFile(path: string, descriptor: string, dimension: number, slotBytes: number): number {
  const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  try {
    checkHeader(readAt(fd, SLOT_HEADER_BYTES, 0), DATA_MAGIC, [DATA_VERSION], dimension, slotBytes, descriptor);
    return Math.max(0, Math.floor((fstatSync(fd).size - SLOT_HEADER_BYTES) / slotBytes));
  } finally {
    closeSync(fd);
  }
}

/** The number of entries of a version 2 index of `size` bytes (throws BadHeader when it is not whole). */
function capacityOf(size: number): number {
  const capacity = (size - SLOT_HEADER_BYTES) / INDEX_ENTRY_BYTES;
  if (!Number.isInteger(capacity) || capacity < 1) throw new BadHeader('its index is truncated (damaged)');
  return capacity;
}

export class SlotFile {
  /** Index entries that are duplicates or unreadable: cleared (their slots zeroed) at the next write. */
  private stray: Stray[] = [];
  /** The whole index file (header included) of a full open, kept in step with every write; null for a view of a few keys. */
  private table: Buffer | null = null;
  /** Entries of the table that are live or tombstones. */
  private used = 0;
  /** The index is version 1: rebuilt as version 2 at the first write. */
  private v1 = false;
  /** A view from openKeys: it knows only some entries and no free slots. */
  private partial = false;

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
    /** Entries in the version 2 table. */
    private capacity = 0,
  ) {}

  get slotBytes(): number {
    return slotBytesOf(this.dimension);
  }

  /** Opens the slot file at `path` (+ its index). Reads the whole index; never writes, never throws on a bad file. */
  static open(path: string, descriptor: string, dimension: number): SlotFile {
    if (!Number.isInteger(dimension) || dimension <= 0) throw new RangeError(`bad vector dimension ${dimension}`);
    const indexPath = indexPathOf(path);
    const slotBytes = slotBytesOf(dimension);
    const fresh = (status: SlotFileStatus, warning?: string) => new SlotFile(path, indexPath, descriptor, dimension, new Map(), [], 0, true, status, warning);
    if (!existsSync(path) && !existsSync(indexPath)) return fresh('new');
    try {
      const index = readFileWhole(indexPath);
      const version = checkHeader(index, INDEX_MAGIC, [V1_INDEX_VERSION, INDEX_VERSION], dimension, slotBytes, descriptor);
      const dataSlots = checkDataFile(path, descriptor, dimension, slotBytes);
      return version === V1_INDEX_VERSION
        ? SlotFile.fromV1(path, indexPath, descriptor, dimension, index)
        : SlotFile.fromTable(path, indexPath, descriptor, dimension, index, dataSlots);
    } catch (e) {
      const why = e instanceof BadHeader ? e.message : `it could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
      return fresh('rebuilt', `${path} was set aside because ${why}`);
    }
  }

  private static fromV1(path: string, indexPath: string, descriptor: string, dimension: number, index: Buffer): SlotFile {
    const count = Math.floor((index.length - SLOT_HEADER_BYTES) / V1_ENTRY_BYTES);
    const entries = new Map<string, Entry>();
    const free: number[] = [];
    const stray: Stray[] = [];
    for (let i = 0; i < count; i++) {
      const o = SLOT_HEADER_BYTES + i * V1_ENTRY_BYTES;
      if (index[o] === 0) {
        free.push(i);
        continue;
      }
      const key = decodeKey(index, o);
      if (entries.has(key)) stray.push({ pos: -1, slot: i });
      else entries.set(key, { slot: i, refs: index.readUInt32LE(o + SLOT_KEY_BYTES), pos: -1 });
    }
    free.reverse();
    const f = new SlotFile(path, indexPath, descriptor, dimension, entries, free, count, false, 'loaded');
    f.stray = stray;
    f.v1 = true;
    return f;
  }

  private static fromTable(path: string, indexPath: string, descriptor: string, dimension: number, index: Buffer, dataSlots: number): SlotFile {
    const capacity = capacityOf(index.length);
    const entries = new Map<string, Entry>();
    const stray: Stray[] = [];
    let used = 0;
    let slotCount = dataSlots;
    // An entry naming a slot beyond what any write could have reached is damage: cleared, nothing to zero.
    const maxSlot = dataSlots + capacity;
    for (let p = 0; p < capacity; p++) {
      const o = SLOT_HEADER_BYTES + p * INDEX_ENTRY_BYTES;
      if (index[o] === 0) {
        if (isTombstone(index, o)) used++;
        continue;
      }
      used++;
      const key = decodeKey(index, o);
      const slot = index.readUInt32LE(o + SLOT_KEY_BYTES + 4);
      if (slot >= maxSlot) {
        stray.push({ pos: p, slot: -1 });
        continue;
      }
      const e: Entry = { slot, refs: index.readUInt32LE(o + SLOT_KEY_BYTES), pos: p };
      const seen = entries.get(key);
      if (seen) {
        // Keep the entry a lookup finds first: the one fewer steps from the key's home.
        const home = homeOf(encodeKey(key), capacity);
        const dist = (q: number) => (q - home + capacity) % capacity;
        const [keep, drop] = dist(seen.pos) <= dist(p) ? [seen, e] : [e, seen];
        entries.set(key, keep);
        stray.push({ pos: drop.pos, slot: drop.slot });
      } else entries.set(key, e);
      if (slot >= slotCount) slotCount = slot + 1;
    }
    const named = new Uint8Array(slotCount);
    for (const e of entries.values()) named[e.slot] = 1;
    const free: number[] = [];
    for (let s = slotCount - 1; s >= 0; s--) if (!named[s]) free.push(s);
    const f = new SlotFile(path, indexPath, descriptor, dimension, entries, free, slotCount, false, 'loaded', undefined, capacity);
    f.stray = stray; // clearStray leaves a slot that a live entry names
    f.table = index;
    f.used = used;
    return f;
  }

  /**
   * Opens the slot file knowing only the entries of `keys`, found by probing the index from each
   * key's home position (a page or two per key): for reading or releasing a few contents of a
   * large file. Such a view cannot add vectors (it does not know the free slots); it falls back to
   * a full open when the files are not both readable with matching headers, or the index is of
   * version 1.
   */
  static openKeys(path: string, descriptor: string, dimension: number, keys: Iterable<string>): SlotFile {
    const slotBytes = slotBytesOf(dimension);
    const indexPath = indexPathOf(path);
    const entries = new Map<string, Entry>();
    const stray: Stray[] = [];
    let capacity: number;
    let dataSlots: number;
    try {
      const fd = openSync(indexPath, constants.O_RDONLY | O_NOFOLLOW);
      try {
        checkHeader(readAt(fd, SLOT_HEADER_BYTES, 0), INDEX_MAGIC, [INDEX_VERSION], dimension, slotBytes, descriptor);
        capacity = capacityOf(fstatSync(fd).size);
        dataSlots = checkDataFile(path, descriptor, dimension, slotBytes);
        const read = (pos: number, n: number) => readAt(fd, n * INDEX_ENTRY_BYTES, SLOT_HEADER_BYTES + pos * INDEX_ENTRY_BYTES);
        for (const key of keys) {
          probe(read, capacity, encodeKey(key), (pos, b, o) => {
            const slot = b.readUInt32LE(o + SLOT_KEY_BYTES + 4);
            const e = entries.get(key);
            if (e) stray.push({ pos, slot: slot === e.slot ? -1 : slot });
            else entries.set(key, { slot, refs: b.readUInt32LE(o + SLOT_KEY_BYTES), pos });
          });
        }
      } finally {
        closeSync(fd);
      }
    } catch {
      return SlotFile.open(path, descriptor, dimension);
    }
    const f = new SlotFile(path, indexPath, descriptor, dimension, entries, [], dataSlots, false, 'loaded', undefined, capacity);
    f.partial = true;
    f.stray = stray;
    return f;
  }

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

  /** Creates (or replaces, when they were unusable) both files with fresh headers, an empty table and no slots. */
  initialise(): void {
    if (!this.needsInit) return;
    ensurePrivateDir(dirname(this.path));
    const table = Buffer.alloc(SLOT_HEADER_BYTES + MIN_CAPACITY * INDEX_ENTRY_BYTES);
    header(INDEX_MAGIC, INDEX_VERSION, this.dimension, this.slotBytes, this.descriptor).copy(table);
    for (const [p, bytes] of [
      [this.indexPath, table],
      [this.path, header(DATA_MAGIC, DATA_VERSION, this.dimension, this.slotBytes, this.descriptor)],
    ] as const) {
      const fd = openFile(p, true);
      try {
        ftruncateSync(fd, 0);
        writeAt(fd, bytes, 0);
        writeStep('write-in-place', p);
        syncFile(fd, p);
      } finally {
        closeSync(fd);
      }
    }
    fsyncDir(dirname(this.path));
    this.needsInit = false;
    this.table = table;
    this.capacity = MIN_CAPACITY;
    this.used = 0;
    this.v1 = false;
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
    if (list.length === 0 && this.stray.length === 0 && !this.v1) return;
    if (this.partial) throw new Error('internal: a partial slot file view cannot add vectors');
    this.initialise();
    this.clearStray();
    this.migrate();
    if (list.length === 0) return;
    const size = this.slotBytes;
    const added: string[] = [];
    for (const [key] of list) {
      if (this.entries.has(key)) continue;
      this.entries.set(key, { slot: this.free.length > 0 ? this.free.pop()! : this.slotCount++, refs, pos: -1 });
      added.push(key);
    }
    if (added.length > 0) {
      if (this.used + added.length > MAX_LOAD * this.capacity || added.length > REBUILD_SHARE * this.capacity) this.rebuildIndex();
      else this.writeIndexRows(added.map((key) => this.place(key)));
    }
    // Encoded run by run (consecutive slots, one write each): a million vectors never sit in memory twice.
    const targets = list.map(([key, v]) => ({ slot: this.entries.get(key)!.slot, key, v })).sort((a, b) => a.slot - b.slot);
    const fd = openFile(this.path, false);
    try {
      for (let i = 0; i < targets.length; ) {
        let j = i + 1;
        while (j < targets.length && targets[j].slot === targets[j - 1].slot + 1 && j - i < 4096) j++;
        const run = Buffer.alloc((j - i) * size);
        for (let t = i; t < j; t++) this.encodeSlot(run, (t - i) * size, targets[t].key, targets[t].v);
        writeAt(fd, run, SLOT_HEADER_BYTES + targets[i].slot * size);
        i = j;
      }
      writeStep('write-in-place', this.path);
      syncFile(fd, this.path);
    } finally {
      closeSync(fd);
    }
  }

  /** Writes key | vector | CRC into `b` at `o`. */
  private encodeSlot(b: Buffer, o: number, key: string, v: Int32Array): void {
    const size = this.slotBytes;
    encodeKey(key).copy(b, o);
    if (LITTLE_ENDIAN) b.set(new Uint8Array(v.buffer, v.byteOffset, 4 * this.dimension), o + SLOT_KEY_BYTES);
    else for (let c = 0; c < this.dimension; c++) b.writeInt32LE(v[c], o + SLOT_KEY_BYTES + 4 * c);
    b.writeUInt32LE(crc32(b.subarray(o, o + size - 4)), o + size - 4);
  }

  /** Puts a new key's entry in the in-memory table (first tombstone or empty position of its probe) and returns its row. */
  private place(key: string): [number, Uint8Array] {
    const table = this.table!;
    const k = encodeKey(key);
    const pos = probe(
      (p, n) => table.subarray(SLOT_HEADER_BYTES + p * INDEX_ENTRY_BYTES, SLOT_HEADER_BYTES + (p + n) * INDEX_ENTRY_BYTES),
      this.capacity,
      k,
      () => {
        throw new Error('internal: a new slot key is already in the index');
      },
    );
    if (pos < 0) throw new Error('internal: slot index full');
    const o = SLOT_HEADER_BYTES + pos * INDEX_ENTRY_BYTES;
    if (!isTombstone(table, o)) this.used++;
    const e = this.entries.get(key)!;
    e.pos = pos;
    const bytes = entryBytes(k, e.refs, e.slot);
    bytes.copy(table, o);
    return [pos, bytes];
  }

  /** Writes the table anew from the entries (1.6 entries per key, no tombstones) beside the old one, and renames it over. */
  private rebuildIndex(): void {
    const capacity = Math.max(MIN_CAPACITY, Math.ceil(GROWTH * this.entries.size));
    const table = Buffer.alloc(SLOT_HEADER_BYTES + capacity * INDEX_ENTRY_BYTES);
    header(INDEX_MAGIC, INDEX_VERSION, this.dimension, this.slotBytes, this.descriptor).copy(table);
    // Sorted keys: equal entries give equal files.
    for (const key of [...this.entries.keys()].sort()) {
      const k = encodeKey(key);
      let pos = homeOf(k, capacity);
      while (table[SLOT_HEADER_BYTES + pos * INDEX_ENTRY_BYTES] !== 0) pos = (pos + 1) % capacity;
      const e = this.entries.get(key)!;
      e.pos = pos;
      entryBytes(k, e.refs, e.slot).copy(table, SLOT_HEADER_BYTES + pos * INDEX_ENTRY_BYTES);
    }
    writeFileAtomic(this.indexPath, table);
    this.table = table;
    this.capacity = capacity;
    this.used = this.entries.size;
    this.v1 = false;
  }

  /** A version 1 index becomes a version 2 table (its duplicate entries' slots are zeroed first, by clearStray). */
  private migrate(): void {
    if (this.v1) this.rebuildIndex();
  }

  /** Writes index rows in place (a full open's table is already updated), or the whole table when they are many. */
  private writeIndexRows(rows: readonly (readonly [number, Uint8Array])[], sync = true): void {
    if (rows.length === 0) return;
    if (this.table && rows.length > REBUILD_SHARE * this.capacity) {
      this.rebuildIndex();
      return;
    }
    if (this.table) for (const [pos, bytes] of rows) this.table.set(bytes, SLOT_HEADER_BYTES + pos * INDEX_ENTRY_BYTES);
    this.writeFile(this.indexPath, rows, INDEX_ENTRY_BYTES, sync);
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
    if (gone.length === 0 && recount.length === 0 && this.stray.length === 0 && !this.v1) return 0;
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
    // The vectors are gone: now the entries (a version 1 index is rebuilt without them).
    const indexRows: [number, Uint8Array][] = [];
    for (const k of gone) {
      const e = this.entries.get(k)!;
      if (e.pos >= 0) indexRows.push([e.pos, tombstoneBytes()]);
      this.entries.delete(k);
    }
    for (const [key, refs] of recount) {
      const e = this.entries.get(key);
      if (!e) continue;
      e.refs = refs;
      if (e.pos >= 0) indexRows.push([e.pos, entryBytes(encodeKey(key), refs, e.slot)]);
    }
    if (this.v1) this.migrate();
    // Tombstones alone need no fsync: the vectors are already zeroed and synced, so a tombstone a
    // power loss undid names a zeroed slot, which readers reject (key and CRC) and the next retain
    // frees; and any later write to this index (a put reusing the slot) is synced, tombstone with
    // it. A changed reference count is synced: release() lowers it, so a stale count would keep a
    // vector whose content no example uses any more.
    else this.writeIndexRows(indexRows, recount.length > 0);
    this.freeSlots(slots);
    return gone.length;
  }

  /** Zeroes the slots of stray entries (unless a live entry names the slot), then clears the entries. */
  private clearStray(): void {
    if (this.stray.length === 0) return;
    const stray = this.stray;
    this.stray = [];
    const live = new Set<number>();
    for (const e of this.entries.values()) live.add(e.slot);
    const slots = [...new Set(stray.map((s) => s.slot).filter((s) => s >= 0 && !live.has(s)))];
    if (slots.length > 0)
      this.writeFile(
        this.path,
        slots.map((s) => [s, Buffer.alloc(this.slotBytes)] as const),
        this.slotBytes,
      );
    if (this.v1) {
      // Version 1: entry i is slot i; the index is rebuilt next (migrate), these entries left out.
      this.freeSlots(slots);
      return;
    }
    this.writeIndexRows(stray.filter((s) => s.pos >= 0).map((s) => [s.pos, tombstoneBytes()] as const));
    if (!this.partial) this.freeSlots(slots);
  }

  private freeSlots(slots: readonly number[]): void {
    if (this.partial) return;
    this.free.push(...slots);
    this.free.sort((a, b) => b - a);
  }

  private writeFile(path: string, rows: readonly (readonly [number, Uint8Array])[], size: number, sync = true): void {
    const fd = openFile(path, false);
    try {
      writeRows(fd, rows, size);
      writeStep('write-in-place', path);
      if (sync) syncFile(fd, path);
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
