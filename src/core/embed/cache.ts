import { existsSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { sha256, sha256Hex } from '../hash';
import { writeFileAtomic } from '../storage/atomicWrite';

/**
 * The embedding cache: one binary file per embedder under the caller's state folder (`.erase/`),
 * holding fixed-point vectors (toFixed) keyed by the content hash of the embedded text
 * (contentHash: SHA-256 hex), never by example id and never by the text itself. A vector belongs
 * to a content, not to an id (ALGORITHMS.md §3 "Vector identity"): an explicit-id example whose
 * text was edited gets a new row, and two ids with the same text share one. Erasing removes a row
 * from memory and, at the next flush, from the file: the file is rewritten whole (temp + fsync +
 * rename), so the old bytes are not kept by this program anywhere.
 *
 * Layout, little endian:
 *   "ERASEEMB" | u32 version (2) | u32 dimension | u32 idLen | embedder id UTF-8 | u32 count |
 *   count × (u32 keyLen | content hash UTF-8 | dimension × i32) | SHA-256 of all preceding bytes.
 * Rows are sorted by key, so equal contents give equal files. Version 1 files (keyed by example
 * id) are discarded like any foreign file: the vectors are computed again.
 *
 * The cache is derived data: a missing, truncated, corrupt or foreign file is never fatal. It is
 * treated as empty (`loadStatus: 'rebuilt'`, with `warning` saying why) and replaced at the next
 * flush; the vectors are simply computed again.
 */
const MAGIC = 'ERASEEMB';
const VERSION = 2;
const LITTLE_ENDIAN = endianness() === 'LE';

export type CacheLoadStatus = 'new' | 'loaded' | 'rebuilt';

/** `embeddings-<first 16 hex of SHA-256(embedder id)>.bin`: ids may hold ':' '/' '@', file names may not. */
export function cacheFileName(embedderId: string): string {
  return `embeddings-${sha256Hex(embedderId).slice(0, 16)}.bin`;
}

class CorruptCache extends Error {}

function parse(buf: Buffer, embedderId: string, dimension: number): Map<string, Int32Array> {
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

function serialise(embedderId: string, dimension: number, rows: ReadonlyMap<string, Int32Array>): Buffer {
  const idBytes = Buffer.from(embedderId, 'utf8');
  const ids = [...rows.keys()].sort();
  const keys = ids.map((id) => Buffer.from(id, 'utf8'));
  const rowBytes = 4 * dimension;
  let size = 8 + 12 + idBytes.length + 4;
  for (const k of keys) size += 4 + k.length + rowBytes;
  const buf = Buffer.alloc(size + 32);
  let o = buf.write(MAGIC, 0, 'latin1');
  o = buf.writeUInt32LE(VERSION, o);
  o = buf.writeUInt32LE(dimension, o);
  o = buf.writeUInt32LE(idBytes.length, o);
  o += idBytes.copy(buf, o);
  o = buf.writeUInt32LE(ids.length, o);
  ids.forEach((id, n) => {
    const v = rows.get(id)!;
    o = buf.writeUInt32LE(keys[n].length, o);
    o += keys[n].copy(buf, o);
    if (LITTLE_ENDIAN) buf.set(new Uint8Array(v.buffer, v.byteOffset, rowBytes), o);
    else for (let c = 0; c < dimension; c++) buf.writeInt32LE(v[c], o + 4 * c);
    o += rowBytes;
  });
  sha256(buf.subarray(0, size)).copy(buf, size);
  return buf;
}

export class EmbeddingCache {
  private dirty = false;

  private constructor(
    readonly path: string,
    readonly embedderId: string,
    readonly dimension: number,
    private readonly rows: Map<string, Int32Array>,
    readonly loadStatus: CacheLoadStatus,
    /** Why an existing file was discarded (one line, no data-set text). */
    readonly warning?: string,
  ) {}

  /** Opens (or starts) the cache of `embedderId` in `dir`. Never throws on a bad file: see the module comment. */
  static open(dir: string, embedderId: string, dimension: number): EmbeddingCache {
    if (!Number.isInteger(dimension) || dimension <= 0) throw new RangeError(`bad embedding dimension ${dimension}`);
    const path = join(dir, cacheFileName(embedderId));
    if (!existsSync(path)) return new EmbeddingCache(path, embedderId, dimension, new Map(), 'new');
    try {
      const rows = parse(readFileSync(path), embedderId, dimension);
      return new EmbeddingCache(path, embedderId, dimension, rows, 'loaded');
    } catch (e) {
      const why = e instanceof CorruptCache ? e.message : `it could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
      const cache = new EmbeddingCache(
        path,
        embedderId,
        dimension,
        new Map(),
        'rebuilt',
        `The embedding cache ${path} was discarded because ${why}; embeddings will be computed again.`,
      );
      cache.dirty = true; // replace the bad file at the next flush even if nothing is added
      return cache;
    }
  }

  get size(): number {
    return this.rows.size;
  }

  /** `key` is a content hash (contentHash of the embedded text). */
  has(key: string): boolean {
    return this.rows.has(key);
  }

  get(key: string): Int32Array | undefined {
    return this.rows.get(key);
  }

  keys(): IterableIterator<string> {
    return this.rows.keys();
  }

  /** Stores copies of the vectors (so later changes by the caller cannot leak in). */
  setMany(entries: Iterable<readonly [string, Int32Array]>): void {
    for (const [key, v] of entries) {
      if (!(v instanceof Int32Array) || v.length !== this.dimension) {
        throw new RangeError(`embedding for a cached content has length ${v?.length}, expected ${this.dimension}`);
      }
      this.rows.set(key, Int32Array.from(v));
      this.dirty = true;
    }
  }

  /** Forgets these contents; returns how many were present. Call flush() to remove them from disk. */
  deleteMany(keys: Iterable<string>): number {
    let n = 0;
    for (const key of keys) if (this.rows.delete(key)) n++;
    if (n > 0) this.dirty = true;
    return n;
  }

  /** Atomically rewrites the file if anything changed; returns whether it wrote. */
  flush(): boolean {
    if (!this.dirty) return false;
    writeFileAtomic(this.path, serialise(this.embedderId, this.dimension, this.rows));
    this.dirty = false;
    return true;
  }
}
