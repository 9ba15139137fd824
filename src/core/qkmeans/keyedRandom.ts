import { createHash } from 'node:crypto';

/**
 * Randomness keyed by (seed, tag, id): every random choice that shapes the cluster state is a
 * pure function of the seed and of one example's id, so it depends on no other example and a
 * retrain without some examples draws the very same numbers for the rest (ALGORITHMS.md §3).
 */

const TWO_POW_52 = 4503599627370496;

/** A uniform number in the open interval (0, 1), 52 bits, from SHA-256(seed ‖ tag ‖ id). */
export function keyedUniform(seed: string, tag: string, id: string): number {
  const h = createHash('sha256').update(`erase-u\0${seed}\0${tag}\0${id}`).digest();
  // 52 bits: 4 bytes high (20 bits used) + 4 bytes low.
  const hi = h.readUInt32BE(0) >>> 12; // 20 bits
  const lo = h.readUInt32BE(4); // 32 bits
  const int = hi * 4294967296 + lo; // < 2^52, exact
  return (int + 0.5) / TWO_POW_52;
}

/** One uniformly random sign per (seed, tag, index), for the ±1 projection. */
export function keyedSignBits(seed: string, tag: string, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let block = 0;
  for (let i = 0; i < count; i += 256) {
    const h = createHash('sha256').update(`erase-sign\0${seed}\0${tag}\0${block++}`).digest();
    for (let b = 0; b < 256 && i + b < count; b++) out[i + b] = (h[b >> 3] >> (b & 7)) & 1;
  }
  return out;
}

const LN2 = 0.6931471805599453; // the double nearest ln 2
const SQRT2 = 1.4142135623730951;

/**
 * −ln(u) for u in (0, 1), with + − × ÷ only: Math.log is not exactly specified by ECMAScript and
 * may differ between engines, which would make seeds machine-dependent. Range reduction
 * u = m·2^e with m in [1/√2, √2), then ln m = 2·atanh(z), z = (m−1)/(m+1), |z| < 0.172, by a
 * fixed 24-term series (error far below one ulp of the result's scale).
 */
export function negLn(u: number): number {
  if (!(u > 0 && u < 1)) throw new RangeError('negLn needs 0 < u < 1');
  let m = u;
  let e = 0;
  // Exact scaling by powers of two.
  while (m < 1 / SQRT2) {
    m *= 2;
    e -= 1;
  }
  while (m >= SQRT2) {
    m /= 2;
    e += 1;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let term = z;
  let sum = 0;
  for (let i = 0; i < 24; i++) {
    sum += term / (2 * i + 1);
    term *= z2;
  }
  return -(e * LN2 + 2 * sum);
}
