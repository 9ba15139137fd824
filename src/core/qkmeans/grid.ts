import { FIXED_ONE, roundHalfUp } from '../fixedpoint';

/**
 * The quantization grid. A quantized centroid coordinate is stored as its integer grid index
 * g = round(mean/ε + φ − ½); its position is (g − φ + ½)·ε. Storing integers makes "did the
 * quantized centroid change?" an exact integer comparison. Training and the deletion check
 * both call these two functions, so they compute the same bits.
 */
/**
 * Grid indices are stored as Int32. A fixed-point coordinate is an Int32 too, so |mean| < 2^11 and
 * |index| ≤ 2^11/ε + 1: any ε ≥ 2^-19 keeps every index of every possible data set in range. A
 * smaller ε would wrap silently in the Int32Array, so it is rejected (config and training time).
 */
export const MIN_EPS = 2 ** -19;
/** MIN_EPS as people read it, for messages. */
export const MIN_EPS_TEXT = '2^-19 (about 1.9e-6)';
const INDEX_LIMIT = 2 ** 31 - 1;

/** Throws a RangeError unless every grid index of a mean of coordinates within ±maxAbsFixed (fixed point) fits Int32. */
export function checkGridRange(maxAbsFixed: number, eps: number): void {
  const worst = maxAbsFixed / FIXED_ONE / eps + 2; // + |phase − ½| + rounding
  if (!(worst < INDEX_LIMIT)) throw new RangeError(`grid indices would leave the 32-bit range: eps ${eps} is too small for coordinates up to ${maxAbsFixed / FIXED_ONE}`);
}

export function gridIndex(fixedSum: number, count: number, phase: number, eps: number): number {
  const mean = fixedSum / count / FIXED_ONE;
  return roundHalfUp(mean / eps + phase - 0.5);
}

export function gridPosition(index: number, phase: number, eps: number): number {
  return (index - phase + 0.5) * eps;
}

/** Real positions (k × D) of quantized centroids given by grid indices. */
export function gridPositions(grid: Int32Array, phase: Float64Array, eps: number): Float64Array {
  return gridPositionsInto(grid, phase, eps, new Float64Array(grid.length));
}

/** gridPositions into a caller's buffer (length ≥ grid.length): the hot loops reuse one buffer. */
export function gridPositionsInto(grid: Int32Array, phase: Float64Array, eps: number, out: Float64Array): Float64Array {
  const D = phase.length;
  for (let j = 0, i = 0; i < grid.length; j++) for (let c = 0; c < D; c++, i++) out[i] = (grid[i] - phase[c] + 0.5) * eps;
  return out;
}

/** Index of the nearest centroid to point i (ties: lowest cluster index). */
export function nearestCentroid(real: Float64Array, i: number, centroids: Float64Array, k: number, D: number): number {
  let best = 0;
  let bestDist = Infinity;
  const base = i * D;
  for (let j = 0; j < k; j++) {
    let d = 0;
    const cb = j * D;
    for (let c = 0; c < D; c++) {
      const diff = real[base + c] - centroids[cb + c];
      d += diff * diff;
    }
    if (d < bestDist) {
      bestDist = d;
      best = j;
    }
  }
  return best;
}
