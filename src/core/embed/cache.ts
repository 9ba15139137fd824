import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { sha256, sha256Hex } from '../hash';
import { fsyncDir } from '../storage/atomicWrite';
import { SlotFile } from '../storage/slotFile';
import { writeStep } from '../storage/writeSteps';

/**
 * The embedding cache: one slot file per embedder under the caller's state folder (`.erase/cache/`,
 * see storage/slotFile.ts), holding fixed-point vectors (toFixed) keyed by the content hash of the
 * embedded text (contentHash: SHA-256 hex), never by example id and never by the text itself. A
 * vector belongs to a content, not to an id (ALGORITHMS.md §3 "Vector identity"): an explicit-id
 * example whose text was edited gets a new slot, and two ids with the same text share one.
 * Erasing a content zeroes its slot in place at the next flush (or retain): nothing else is
 * rewritten, and the bytes are physically gone.
 *
 * The cache is derived data: a missing, damaged or foreign file is never fatal. It is treated as
 * empty (`loadStatus: 'rebuilt'`, with `warning` saying why) and replaced at the next flush; a
 * single damaged slot reads as missing. The vectors are simply computed again.
 *
 * Migration: a cache of the previous format (one `.bin` file rewritten whole at every change,
 * layout below) is read once, its rows are written into the slot file at the next flush, and the
 * `.bin` file is then deleted.
 *   "ERASEEMB" | u32 version (2) | u32 dimension | u32 idLen | embedder id UTF-8 | u32 count |
 *   count × (u32 keyLen | content hash UTF-8 | dimension × i32) | SHA-256 of all preceding bytes.
 */
const MAGIC = 'ERASEEMB';
const VERSION = 2;
const LITTLE_ENDIAN = endianness() === 'LE';

export type CacheLoadStatus = 'new' | 'loaded' | 'rebuilt';

/** `embeddings-<first 16 hex of SHA-256(embedder id)>.slots` (+ `.index`): ids may hold ':' '/' '@', file names may not. */
export function cacheFileName(embedderId: string): string {
  return `embeddings-${sha256Hex(embedderId).slice(0, 16)}.slots`;
}

/** The previous format's file name (migrated, then deleted). */
export function legacyCacheFileName(embedderId: string): string {
  return `embeddings-${sha256Hex(embedderId).slice(0, 16)}.bin`;
}

class CorruptCache extends Error {}

function parseLegacy(buf: Buffer, embedderId: string, dimension: number): Map<string, Int32Array> {
  const need = (o: number, n: number) => {
    if (o + n > buf.length - 32) throw new CorruptCache('the file is truncated');
  };
  if (buf.length < 8 + 32 || buf.toString('latin1', 0, 8) !== MAGIC) throw new CorruptCache('it is not an embedding cache file');
  const body = buf.subarray(0, buf.length - 32);
  if (!sha256(body).equals(buf.subarray(buf.length - 32))) throw new CorruptCache('its checksum does not match (truncated or damaged)');
  let o = 8;
  need(o, 12);
  const version = buf.readUInt32LE(o);
  const dim = buf.readUInt32LE(o + 4);
  const idLen = buf.readUInt32LE(o + 8);
  o += 12;
  if (version !== VERSION) throw new CorruptCache(`it has format version ${version}, expected ${VERSION}`);
  need(o, idLen + 4);
  const fileEmbedder = buf.toString('utf8', o, o + idLen);
  o += idLen;
  if (fileEmbedder !== embedderId || dim !== dimension) throw new CorruptCache('it was written for another embedder');
  const count = buf.readUInt32LE(o);
  o += 4;
  const rows = new Map<string, Int32Array>();
  const rowBytes = 4 * dimension;
  for (let r = 0; r < count; r++) {
    need(o, 4);
    const len = buf.readUInt32LE(o);
    o += 4;
    need(o, len + rowBytes);
    const id = buf.toString('utf8', o, o + len);
    o += len;
    const v = new Int32Array(dimension);
    if (LITTLE_ENDIAN) new Uint8Array(v.buffer).set(buf.subarray(o, o + rowBytes));
    else for (let c = 0; c < dimension; c++) v[c] = buf.readInt32LE(o + 4 * c);
    o += rowBytes;
    rows.set(id, v);
  }
  if (o !== body.length) throw new CorruptCache('it has trailing bytes');
  return rows;
}

export class EmbeddingCache {
  /** Vectors added since the last flush (copies). */
  private readonly pending = new Map<string, Int32Array>();
  /** Stored contents forgotten since the last flush. */
  private readonly forgotten = new Set<string>();
  /** A damaged or foreign file is replaced at the next flush, even with nothing added. */
  private replace: boolean;

  private constructor(
    private readonly store: SlotFile,
    readonly embedderId: string,
    readonly dimension: number,
    readonly loadStatus: CacheLoadStatus,
    /** Why an existing file was discarded (one line, no data-set text). */
    readonly warning?: string,
    /** A previous-format file whose rows are in `pending`: deleted once they are flushed. */
    private legacyPath?: string,
  ) {
    this.replace = loadStatus === 'rebuilt';
  }

  /** The slot file (its index is beside it, `.index`). */
  get path(): string {
    return this.store.path;
  }

  get indexPath(): string {
    return this.store.indexPath;
  }

  /** Opens (or starts) the cache of `embedderId` in `dir`. Reads only the slot index; never throws on a bad file. */
  static open(dir: string, embedderId: string, dimension: number): EmbeddingCache {
    if (!Number.isInteger(dimension) || dimension <= 0) throw new RangeError(`bad embedding dimension ${dimension}`);
    const store = SlotFile.open(join(dir, cacheFileName(embedderId)), `embedder:${embedderId}`, dimension);
    const legacy = join(dir, legacyCacheFileName(embedderId));
    if (store.status === 'rebuilt') {
      const cache = new EmbeddingCache(store, embedderId, dimension, 'rebuilt', `The embedding cache ${store.warning}; embeddings will be computed again.`);
      cache.legacyPath = existsSync(legacy) ? legacy : undefined;
      return cache;
    }
    if (store.status === 'loaded' || !existsSync(legacy)) {
      const cache = new EmbeddingCache(store, embedderId, dimension, store.status);
      if (existsSync(legacy)) cache.legacyPath = legacy; // left by a crash after its migration: delete it
      return cache;
    }
    try {
      const rows = parseLegacy(readFileSync(legacy), embedderId, dimension);
      const cache = new EmbeddingCache(store, embedderId, dimension, 'loaded', undefined, legacy);
      for (const [k, v] of rows) cache.pending.set(k, v);
      return cache;
    } catch (e) {
      const why = e instanceof CorruptCache ? e.message : `it could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
      return new EmbeddingCache(store, embedderId, dimension, 'rebuilt', `The embedding cache ${legacy} was discarded because ${why}; embeddings will be computed again.`, legacy);
    }
  }

  get size(): number {
    let n = this.store.size - this.forgotten.size;
    for (const k of this.pending.keys()) if (!this.store.has(k) || this.forgotten.has(k)) n++;
    return n;
  }

  /** `key` is a content hash (contentHash of the embedded text). True when the index names it (its slot is checked on read). */
  has(key: string): boolean {
    return this.pending.has(key) || (this.store.has(key) && !this.forgotten.has(key));
  }

  get(key: string): Int32Array | undefined {
    return this.getMany([key])[0];
  }

  /** Vectors in the order of `keys`; undefined where not cached (or its slot is not intact). */
  getMany(keys: readonly string[]): (Int32Array | undefined)[] {
    const out: (Int32Array | undefined)[] = keys.map((k) => this.pending.get(k));
    const stored = keys.map((k, i) => (out[i] === undefined && !this.forgotten.has(k) ? k : ''));
    const read = this.store.readMany(stored.filter((k) => k !== ''));
    let r = 0;
    stored.forEach((k, i) => {
      if (k !== '') out[i] = read[r++];
    });
    return out;
  }

  keys(): IterableIterator<string> {
    const all = new Set<string>(this.pending.keys());
    for (const k of this.store.keys()) if (!this.forgotten.has(k)) all.add(k);
    return all.values();
  }

  /** Stores copies of the vectors (so later changes by the caller cannot leak in). */
  setMany(entries: Iterable<readonly [string, Int32Array]>): void {
    this.store_(entries, true);
  }

  /**
   * Stores the vectors themselves, not copies: for a caller that never changes them afterwards
   * (embedAll's fresh vectors; at 1M texts of 512 dimensions a copy is 2 GB until the flush).
   */
  adoptMany(entries: Iterable<readonly [string, Int32Array]>): void {
    this.store_(entries, false);
  }

  private store_(entries: Iterable<readonly [string, Int32Array]>, copy: boolean): void {
    for (const [key, v] of entries) {
      if (!(v instanceof Int32Array) || v.length !== this.dimension) {
        throw new RangeError(`embedding for a cached content has length ${v?.length}, expected ${this.dimension}`);
      }
      this.pending.set(key, copy ? Int32Array.from(v) : v);
      this.forgotten.delete(key);
    }
  }

  /** Forgets these contents; returns how many were present. Call flush() to zero their slots on disk. */
  deleteMany(keys: Iterable<string>): number {
    let n = 0;
    for (const key of keys) {
      const present = this.has(key);
      this.pending.delete(key);
      if (this.store.has(key)) this.forgotten.add(key);
      if (present) n++;
    }
    return n;
  }

  /** Writes what changed in place (new slots, zeroed slots); returns whether it wrote. */
  flush(): boolean {
    const wrote = this.pending.size > 0 || this.forgotten.size > 0 || this.replace || this.legacyPath !== undefined;
    if (!wrote) return false;
    this.store.initialise();
    this.store.erase(this.forgotten);
    this.store.put(this.pending);
    this.pending.clear();
    this.forgotten.clear();
    this.replace = false;
    this.dropLegacy();
    return true;
  }

  /**
   * Keeps exactly the contents `counts` names (with their reference counts) and zeroes every other
   * slot in place: the prune of a transaction. Idempotent. Returns how many contents were dropped.
   */
  retain(counts: ReadonlyMap<string, number>): number {
    for (const k of [...this.pending.keys()]) if (!counts.has(k)) this.pending.delete(k);
    this.flush();
    return this.store.retain(counts);
  }

  /** Lowers reference counts (SlotFile.release): a content left with none is zeroed in place. */
  release(released: ReadonlyMap<string, number>): number {
    this.flush();
    return this.store.release(released);
  }

  /** release() on the cache of `embedderId` in `dir`, reading only the released contents' index entries when the slot file is all there is. */
  static releaseIn(dir: string, embedderId: string, dimension: number, released: ReadonlyMap<string, number>): number {
    const path = join(dir, cacheFileName(embedderId));
    if (existsSync(join(dir, legacyCacheFileName(embedderId))) || !existsSync(path)) return EmbeddingCache.open(dir, embedderId, dimension).release(released);
    return SlotFile.openKeys(path, `embedder:${embedderId}`, dimension, released.keys()).release(released);
  }

  private dropLegacy(): void {
    if (this.legacyPath === undefined || !existsSync(this.legacyPath)) return;
    writeStep('unlink', this.legacyPath);
    unlinkSync(this.legacyPath);
    fsyncDir(dirname(this.legacyPath));
    this.legacyPath = undefined;
  }
}
