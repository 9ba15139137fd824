import { keyedUniform } from '../qkmeans/keyedRandom';

/**
 * A seeded split: an example is held out when its keyed uniform (seed, id) is below `fraction`,
 * so whether one example is held out depends on no other example.
 */
export function splitIds(ids: readonly string[], fraction: number, seed: string): { heldOut: string[]; pool: string[] } {
  const heldOut: string[] = [];
  const pool: string[] = [];
  for (const id of ids) (keyedUniform(seed, 'eval-split', id) < fraction ? heldOut : pool).push(id);
  return { heldOut, pool };
}
