/**
 * Fixed-point vectors: a real coordinate v is stored as the integer round(v · 2^20). Sums of such
 * integers are exact in float64 up to 2^53, so a sum updated by subtracting one vector equals the
 * sum computed from scratch, bit for bit (ALGORITHMS.md §2).
 */
export const FIXED_SHIFT = 20;
export const FIXED_ONE = 1 << FIXED_SHIFT; // 2^20

/** The one rounding rule used everywhere that shapes state: floor(x + 0.5). */
export function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}

/** Converts a float vector to fixed point (Int32: |v| ≤ 2^11 is far beyond any normalised vector). */
export function toFixed(v: ArrayLike<number>): Int32Array {
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) throw new RangeError(`non-finite embedding coordinate at ${i}`);
    out[i] = roundHalfUp(x * FIXED_ONE);
  }
  return out;
}

export function fromFixed(v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / FIXED_ONE;
  return out;
}
