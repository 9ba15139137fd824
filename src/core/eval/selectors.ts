/**
 * Few-shot selectors other than ERASE, the baselines it is compared with. All are deterministic:
 * randomness is keyed by (seed, query index, example id), never an unseeded generator.
 */
import { compareIds } from '../hash';
import { keyedUniform } from '../qkmeans/keyedRandom';

export type SelectorName = 'erase' | 'random' | 'balanced' | 'knn' | 'zeroShot';
export const SELECTORS: readonly SelectorName[] = ['erase', 'random', 'balanced', 'knn', 'zeroShot'];

export interface PoolExample {
  readonly id: string;
  readonly label: string;
}

function keyedOrder<T extends { id: string }>(items: readonly T[], seed: string, tag: string): T[] {
  const u = new Map(items.map((e) => [e.id, keyedUniform(seed, tag, e.id)] as const));
  return [...items].sort((a, b) => u.get(a.id)! - u.get(b.id)! || compareIds(a.id, b.id));
}

/** k examples drawn uniformly without replacement, keyed by (seed, query index). */
export function randomSelect(pool: readonly PoolExample[], k: number, seed: string, queryIndex: number): string[] {
  return keyedOrder(pool, seed, `eval-random:${queryIndex}`)
    .slice(0, k)
    .map((e) => e.id);
}

/** Every pool id in a keyed-random order (seed alone): the order `erase eval --after-erasures` erases them in. */
export function erasureOrder(ids: readonly string[], seed: string): string[] {
  return keyedOrder(
    ids.map((id) => ({ id })),
    seed,
    'eval-erasure-order',
  ).map((e) => e.id);
}

/**
 * k random examples with every label represented when k allows: labels take turns (in a keyed
 * order), each giving its next keyed-random example; the result is shown in a keyed order.
 */
export function balancedSelect(pool: readonly PoolExample[], k: number, seed: string, queryIndex: number): string[] {
  const tag = `eval-balanced:${queryIndex}`;
  const byLabel = new Map<string, PoolExample[]>();
  for (const e of keyedOrder(pool, seed, tag)) {
    const list = byLabel.get(e.label) ?? [];
    list.push(e);
    byLabel.set(e.label, list);
  }
  const labels = keyedOrder(
    [...byLabel.keys()].map((id) => ({ id })),
    seed,
    `${tag}:labels`,
  ).map((l) => l.id);
  const chosen: PoolExample[] = [];
  for (let round = 0; chosen.length < k; round++) {
    let any = false;
    for (const l of labels) {
      const e = byLabel.get(l)![round];
      if (!e || chosen.length >= k) continue;
      chosen.push(e);
      any = true;
    }
    if (!any) break;
  }
  return keyedOrder(chosen, seed, `${tag}:order`).map((e) => e.id);
}

/**
 * The k points nearest the query (squared Euclidean distance of the projected fixed-point vectors,
 * ties broken by id), nearest first. `fixed` is n × dims, row i belonging to ids[i].
 */
export function knnSelect(ids: readonly string[], fixed: Int32Array, dims: number, query: Int32Array, k: number, allowed?: ReadonlySet<string>): string[] {
  const scored: { id: string; d: number }[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (allowed && !allowed.has(ids[i])) continue;
    let d = 0;
    for (let j = 0; j < dims; j++) {
      const x = (fixed[i * dims + j] - query[j]) / 1048576;
      d += x * x;
    }
    scored.push({ id: ids[i], d });
  }
  scored.sort((a, b) => a.d - b.d || compareIds(a.id, b.id));
  return scored.slice(0, k).map((s) => s.id);
}
