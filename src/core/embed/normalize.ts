import { UserError } from '../errors';

/**
 * Copies a model's output row into float64 and divides it by its L2 norm (squares summed in index
 * order, then √), so every embedder hands out unit vectors. A zero row stays zero, as in hashing.
 */
export function l2NormalizedCopy(row: ArrayLike<number>, source: string): Float64Array {
  const v = new Float64Array(row.length);
  let sq = 0;
  for (let i = 0; i < row.length; i++) {
    const x = row[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new UserError(`${source} returned a non-finite embedding coordinate`, 'unavailable');
    v[i] = x;
    sq += x * x;
  }
  if (sq > 0) {
    const norm = Math.sqrt(sq);
    for (let i = 0; i < v.length; i++) v[i] /= norm;
  }
  return v;
}
