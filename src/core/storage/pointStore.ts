import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';

/**
 * The projected fixed-point vectors (D per content) that the clustering runs on, kept in a small
 * binary file so a retrain does not re-read the full embeddings. Keyed in its header by what
 * produced the vectors (embedder id, seed, D), and per row by the content hash of the embedded
 * text (contentHash), never by example id: a row is only ever used for the very text it came
 * from. A header that does not match means the store is stale and is rebuilt by the caller.
 * Erased contents' rows are removed on save.
 *
 * Layout (little endian): "ERASEPT2" | u32 headerLen | header JSON | u32 count |
 * count × (u16 keyLen | content hash UTF-8 | D × i32). ("ERASEPT1" files, keyed by id, are stale.)
 */
const MAGIC = 'ERASEPT2';

export interface PointStoreKey {
  readonly embedderId: string;
  readonly seed: string;
  readonly dims: number;
}

export function keyString(k: PointStoreKey): string {
  return JSON.stringify([k.embedderId, k.seed, k.dims]);
}

export function savePoints(path: string, key: PointStoreKey, vectors: ReadonlyMap<string, Int32Array>): void {
  const header = Buffer.from(keyString(key), 'utf8');
  const ids = [...vectors.keys()].sort(); // content hashes
  let size = 8 + 4 + header.length + 4;
  const idBufs = ids.map((id) => Buffer.from(id, 'utf8'));
  for (const b of idBufs) size += 2 + b.length + 4 * key.dims;
  const buf = Buffer.alloc(size);
  let o = buf.write(MAGIC, 0, 'latin1');
  o = buf.writeUInt32LE(header.length, o);
  o += header.copy(buf, o);
  o = buf.writeUInt32LE(ids.length, o);
  ids.forEach((id, n) => {
    const v = vectors.get(id)!;
    if (v.length !== key.dims) throw new Error('vector of wrong dimension in point store');
    if (idBufs[n].length > 0xffff) throw new Error('point store key too long');
    o = buf.writeUInt16LE(idBufs[n].length, o);
    o += idBufs[n].copy(buf, o);
    for (let c = 0; c < key.dims; c++) o = buf.writeInt32LE(v[c], o);
  });
  writeFileAtomic(path, buf);
}

/** The stored vectors by content hash, or null when the file is missing, unreadable or was made for another key. */
export function loadPoints(path: string, key: PointStoreKey): Map<string, Int32Array> | null {
  if (!existsSync(path)) return null;
  try {
    const buf = readFileSync(path);
    if (buf.toString('latin1', 0, 8) !== MAGIC) return null;
    let o = 8;
    const hl = buf.readUInt32LE(o);
    o += 4;
    if (buf.toString('utf8', o, o + hl) !== keyString(key)) return null;
    o += hl;
    const count = buf.readUInt32LE(o);
    o += 4;
    const out = new Map<string, Int32Array>();
    for (let n = 0; n < count; n++) {
      const l = buf.readUInt16LE(o);
      o += 2;
      const id = buf.toString('utf8', o, o + l);
      o += l;
      const v = new Int32Array(key.dims);
      for (let c = 0; c < key.dims; c++, o += 4) v[c] = buf.readInt32LE(o);
      out.set(id, v);
    }
    if (o !== buf.length) return null;
    return out;
  } catch {
    return null; // truncated or corrupt: the caller rebuilds it from the embedding cache
  }
}
