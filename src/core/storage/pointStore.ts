import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncDir } from './atomicWrite';
import { SlotFile } from './slotFile';
import { writeStep } from './writeSteps';

/**
 * The projected fixed-point vectors (D per content) that the clustering runs on, in a slot file
 * (storage/slotFile.ts: `.erase/points.slots` + `points.index`) so a retrain does not re-read the
 * full embeddings and an erasure zeroes one slot in place. Keyed in its header by what produced
 * the vectors (embedder id, seed, D), and per slot by the content hash of the embedded text
 * (contentHash), never by example id: a slot is only ever used for the very text it came from. A
 * header that does not match means the store is stale: it reads as empty and is replaced at the
 * next write.
 *
 * Migration: the previous format, `points.bin` (rewritten whole at every change: "ERASEPT2" |
 * u32 headerLen | header JSON | u32 count | count × (u16 keyLen | content hash UTF-8 | D × i32)),
 * is read while no slot file exists; the next write moves its rows into the slot file and deletes it.
 */
const LEGACY_MAGIC = 'ERASEPT2';

export interface PointStoreKey {
  readonly embedderId: string;
  readonly seed: string;
  readonly dims: number;
}

export function keyString(k: PointStoreKey): string {
  return JSON.stringify([k.embedderId, k.seed, k.dims]);
}

/** `points.bin` beside the slot file: the previous format. */
export function legacyPointsPath(path: string): string {
  return join(dirname(path), 'points.bin');
}

function openStore(path: string, key: PointStoreKey): SlotFile {
  return SlotFile.open(path, `points:${keyString(key)}`, key.dims);
}

/** The rows of a previous-format file for this key (null: none, stale or unreadable). */
function loadLegacy(path: string, key: PointStoreKey): Map<string, Int32Array> | null {
  const legacy = legacyPointsPath(path);
  if (!existsSync(legacy)) return null;
  try {
    const buf = readFileSync(legacy);
    if (buf.toString('latin1', 0, 8) !== LEGACY_MAGIC) return null;
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
    return o === buf.length ? out : null;
  } catch {
    return null;
  }
}

/** Before a write: the legacy rows move into the slot file (only those `keep` accepts), then the old file goes. */
function migrate(path: string, key: PointStoreKey, store: SlotFile, keep: (content: string) => boolean): void {
  const legacy = legacyPointsPath(path);
  if (!existsSync(legacy)) return;
  if (store.status !== 'loaded') {
    const rows = loadLegacy(path, key);
    store.initialise();
    if (rows) store.put([...rows].filter(([c]) => keep(c)));
  }
  writeStep('unlink', legacy);
  unlinkSync(legacy);
  fsyncDir(dirname(legacy));
}

/** The stored vectors by content hash (only intact slots), or null when there is no store for this key. */
export function loadPoints(path: string, key: PointStoreKey): Map<string, Int32Array> | null {
  const store = openStore(path, key);
  if (store.status !== 'loaded') return loadLegacy(path, key);
  const keys = [...store.keys()];
  const out = new Map<string, Int32Array>();
  store.readMany(keys).forEach((v, i) => v && out.set(keys[i], v));
  return out;
}

/** The stored vectors of these contents, in order (undefined where absent or not intact); reads only their slots. */
export function readPoints(path: string, key: PointStoreKey, contents: readonly string[]): (Int32Array | undefined)[] {
  const store = SlotFile.openKeys(path, `points:${keyString(key)}`, key.dims, contents);
  if (store.status !== 'loaded') return contents.map(() => undefined);
  return store.readMany(contents);
}

/**
 * Drops references: each content's reference count goes down by the given number, and a slot
 * left with none is zeroed in place. For a transaction that knows exactly which references it
 * removed (a certified erasure); not idempotent, so recovery uses retainPoints instead.
 */
export function releasePoints(path: string, key: PointStoreKey, released: ReadonlyMap<string, number>): void {
  const store = SlotFile.openKeys(path, `points:${keyString(key)}`, key.dims, released.keys());
  if (store.status !== 'loaded') return;
  store.release(released);
}

/** Adds (or overwrites) these contents' vectors in place. */
export function putPoints(path: string, key: PointStoreKey, vectors: ReadonlyMap<string, Int32Array>): void {
  const store = openStore(path, key);
  migrate(path, key, store, () => true);
  for (const v of vectors.values()) if (v.length !== key.dims) throw new Error('vector of wrong dimension in point store');
  store.put(vectors);
}

/**
 * Keeps exactly the contents `counts` names (as their reference counts); every other slot is
 * zeroed in place. A store of another key (stale) is replaced by an empty one. Idempotent.
 */
export function retainPoints(path: string, key: PointStoreKey, counts: ReadonlyMap<string, number>): number {
  const store = openStore(path, key);
  migrate(path, key, store, (c) => (counts.get(c) ?? 0) > 0);
  store.initialise();
  return store.retain(counts);
}
