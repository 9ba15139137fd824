import * as crypto from 'node:crypto';
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

type OneShotHash = (algorithm: string, data: string, outputEncoding: 'buffer') => Buffer;
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** SHA-512 of a string: node's one-shot `crypto.hash` where present (20.12+), about twice as fast per call. */
export function sha512Of(text: string): Buffer {
  return oneShot ? oneShot('sha512', text, 'buffer') : createHash('sha512').update(text).digest();
}

/** The 52-bit uniform in (0,1) held in bytes [off, off+8) of a digest. */
export function uniformAt(digest: Buffer, off: number): number {
  const hi = digest.readUInt32BE(off) >>> 12; // 20 bits
  const lo = digest.readUInt32BE(off + 4); // 32 bits
  return (hi * 4294967296 + lo + 0.5) / TWO_POW_52;
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

/** 1/(2i+1), computed once by correctly rounded division, so the products below are the same everywhere. */
const ODD_RECIPROCALS = Float64Array.from({ length: 14 }, (_, i) => 1 / (2 * i + 1));

/**
 * −ln(u) for u in (0, 1), with + − × ÷ only: Math.log is not exactly specified by ECMAScript and
 * may differ between engines, which would make seeds machine-dependent. Range reduction
 * u = m·2^e with m in [1/√2, √2), then ln m = 2·atanh(z), z = (m−1)/(m+1), |z| < 0.172, by a
 * fixed 14-term series (z^29/29 < 1e-24: below one ulp of the result).
 */
export function negLn(u: number): number {
  if (!(u > 0 && u < 1)) throw new RangeError('negLn needs 0 < u < 1');
  let m = u;
  let e = 0;
  // Exact scaling by powers of two (16 at a time first, for tiny u).
  while (m < 1.52587890625e-5) {
    m *= 65536;
    e -= 16;
  }
  while (m < 1 / SQRT2) {
    m *= 2;
    e -= 1;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let term = z;
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    sum += term * ODD_RECIPROCALS[i];
    term *= z2;
  }
  return -(e * LN2 + 2 * sum);
}
