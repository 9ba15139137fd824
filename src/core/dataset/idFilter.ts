/**
 * A Bloom filter of the example ids in one block of the data-file index (dataset/fileIndex.ts), so
 * that a look-up by id reads and verifies only the blocks that may hold the id instead of every
 * block. A false positive costs one block read; there is no false negative. Rebuilt with its block,
 * so an erased id leaves no bit of its own behind in a rewritten block's filter.
 *
 * 10 bits per id and 7 probes: about 1% false positives per block. The probes are double hashing
 * (Kirsch–Mitzenmacher) of two 32-bit FNV-1a hashes of the id's UTF-16 code units: deterministic,
 * no dependency, and cheap next to a block read.
 */
const BITS_PER_ID = 10;
const PROBES = 7;

/** The two hashes of an id, computed once per look-up and reused for every block. */
export type IdKey = readonly [number, number];

export function idKey(id: string): IdKey {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return [a >>> 0, (b | 1) >>> 0];
}

/** A filter holding the ids of these keys (its size follows their count). */
export function buildIdFilter(keys: readonly IdKey[]): Buffer {
  const bytes = Math.max(8, Math.ceil((keys.length * BITS_PER_ID) / 8));
  const f = Buffer.alloc(bytes);
  const m = bytes * 8;
  for (const [h1, h2] of keys) {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const at = bit % m;
      f[at >>> 3] |= 1 << (at & 7);
    }
  }
  return f;
}

/** Whether the filter may hold the id (false: it certainly does not). */
export function mayHold(filter: Uint8Array, key: IdKey): boolean {
  const m = filter.length * 8;
  if (m === 0) return true;
  const [h1, h2] = key;
  for (let i = 0; i < PROBES; i++) {
    const at = ((h1 + Math.imul(i, h2)) >>> 0) % m;
    if ((filter[at >>> 3] & (1 << (at & 7))) === 0) return false;
  }
  return true;
}
