import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makePointSet, type PointInput, type PointSet } from '../../src/core/qkmeans/points';
import { train } from '../../src/core/qkmeans/train';
import { DeletionEngine } from '../../src/core/qkmeans/deletion';
import { stateHash, type QkmParams, type QkmState } from '../../src/core/qkmeans/state';
import { FIXED_ONE } from '../../src/core/fixedpoint';
import { UserError } from '../../src/core/errors';

/**
 * The reference for the certificate, written the slow, obvious way (ALGORITHMS.md §3): a deletion
 * is certified unless it lowers k_eff, touches a seed, or changes some iteration's quantized
 * centroids — which is found by recomputing every iteration from scratch over all remaining
 * points (assignment to the stored centroids of t − 1, sums, counts, quantized means). Returns
 * the first iteration that would change (0: k_eff or an initial seed), or null when certified.
 */
function referenceFailedAt(state: QkmState, rest: readonly PointInput[], removal: ReadonlyMap<string, number>): number | null {
  const { eps } = state.params;
  const D = state.params.dims;
  const k = state.k;
  let failedAt = Infinity;
  if (Math.min(state.params.k, rest.length) !== k) failedAt = 0;
  for (const id of removal.keys()) {
    if (state.initSeeds.includes(id)) failedAt = 0;
    state.iterations.forEach((it, t) => {
      if (it.reseeds.some((r) => r.id === id)) failedAt = Math.min(failedAt, t + 1);
    });
  }
  for (let t = 1; t <= state.iterations.length && t < failedAt; t++) {
    const prev = t === 1 ? state.initGrid : state.iterations[t - 2].grid;
    const centre = (j: number, c: number) => (prev[j * D + c] - state.phase[c] + 0.5) * eps;
    const sums = new Array<number>(k * D).fill(0);
    const counts = new Array<number>(k).fill(0);
    for (const p of rest) {
      let best = 0;
      let bestDist = Infinity;
      for (let j = 0; j < k; j++) {
        let d = 0;
        for (let c = 0; c < D; c++) {
          const diff = p.vector[c] / FIXED_ONE - centre(j, c);
          d += diff * diff;
        }
        if (d < bestDist) [best, bestDist] = [j, d];
      }
      counts[best] += p.weight;
      for (let c = 0; c < D; c++) sums[best * D + c] += p.weight * p.vector[c];
    }
    const it = state.iterations[t - 1];
    const changed = Array.from({ length: k }, (_, j) => {
      if (it.counts[j] === 0) return counts[j] !== 0; // a reseeded cluster stays empty of assignments
      if (counts[j] === 0) return true;
      return Array.from({ length: D }, (_, c) => Math.floor(sums[j * D + c] / counts[j] / FIXED_ONE / eps + state.phase[c] - 0.5 + 0.5)).some((g, c) => g !== it.grid[j * D + c]);
    }).some((x) => x);
    if (changed) failedAt = t;
  }
  return failedAt === Infinity ? null : failedAt;
}

/** Points scattered around a few centres, fixed-point, with small multiplicities (as in qkmeans.exactness). */
const dataSet = (D: number) =>
  fc
    .record({
      centres: fc.array(fc.array(fc.integer({ min: -FIXED_ONE, max: FIXED_ONE }), { minLength: D, maxLength: D }), { minLength: 2, maxLength: 5 }),
      points: fc.array(
        fc.record({
          centre: fc.nat(),
          offset: fc.array(fc.integer({ min: -FIXED_ONE / 4, max: FIXED_ONE / 4 }), { minLength: D, maxLength: D }),
          weight: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) }),
        }),
        { minLength: 12, maxLength: 90 },
      ),
    })
    .map(({ centres, points }) =>
      points.map(
        (p, i): PointInput => ({
          id: `ex-${i.toString(36).padStart(3, '0')}`,
          weight: p.weight,
          vector: centres[p.centre % centres.length].map((x, d) => x + p.offset[d]),
          content: `c${i}`,
        }),
      ),
    );

test('one engine over a sequence of deletions decides like the from-scratch reference and stays equal to a retrain', () => {
  const counts = { deletions: 0, certified: 0, failedAtSeed: 0, failedInWalk: 0, batches: 0, partial: 0, refusedTwice: 0 };
  const D = 3;
  fc.assert(
    fc.property(
      dataSet(D),
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom(0.02, 0.1, 0.3),
      fc.string({ minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 12 }),
      (input, k, eps, seed, ops) => {
        const params: QkmParams = { k, eps, dims: D, maxIter: 10, seed, embedderId: 'test' };
        // The reference's own record of what remains: id → input with its live weight.
        const live = new Map(input.map((p) => [p.id, { ...p }] as [string, { -readonly [K in keyof PointInput]: PointInput[K] }]));
        const engine = new DeletionEngine(train(makePointSet(D, input), params), makePointSet(D, input));
        for (const [pick, batchSize, wholeWeight] of ops) {
          const ids = [...live.keys()].sort();
          if (ids.length === 0) break;
          const removal = new Map<string, number>();
          for (let b = 0; b < batchSize; b++) {
            const id = ids[(pick + b * 7919) % ids.length];
            removal.set(id, wholeWeight ? live.get(id)!.weight : 1);
          }
          const rest: PointInput[] = [];
          for (const p of live.values()) {
            const w = p.weight - (removal.get(p.id) ?? 0);
            if (w > 0) rest.push({ ...p, weight: w });
          }
          const expected = referenceFailedAt(engine.state, rest, removal);
          const outcome = engine.delete(removal);
          assert.equal(outcome.certified, expected === null, `certified (${outcome.reason})`);
          assert.equal(outcome.failedAt, expected);
          for (const [id, w] of removal) {
            const p = live.get(id)!;
            p.weight -= w;
            if (p.weight <= 0) live.delete(id);
            else counts.partial++;
          }
          const scratch = train(makePointSet(D, rest), params);
          assert.equal(stateHash(engine.state), stateHash(scratch), `state after the deletion differs from a retrain (certified=${outcome.certified})`);
          counts.deletions++;
          if (removal.size > 1) counts.batches++;
          if (outcome.certified) counts.certified++;
          else if (outcome.reason?.startsWith('iteration ')) counts.failedInWalk++;
          else counts.failedAtSeed++;
          // An example erased whole is gone for the engine too (its tombstone is not a live point).
          const erased = [...removal.keys()].find((id) => !live.has(id));
          if (erased !== undefined && outcome.certified) {
            const before = stateHash(engine.state);
            assert.throws(() => engine.delete(new Map([[erased, 1]])), UserError);
            assert.equal(stateHash(engine.state), before);
            counts.refusedTwice++;
          }
        }
        // The point set the engine hands out is the remaining data, weights included.
        assertSamePoints(engine.points, makePointSet(D, [...live.values()]));
      },
    ),
    { numRuns: 120, seed: 20261130 },
  );
  console.log(`certificate: ${JSON.stringify(counts)}`);
  assert.ok(counts.certified > 100, 'the certified path must be exercised');
  assert.ok(counts.failedInWalk > 30, 'failures found by the walk (a quantized centroid moves, a cluster empties) must be exercised');
  assert.ok(counts.failedAtSeed > 30, 'failures before the walk (seed, k_eff) must be exercised');
  assert.ok(counts.batches > 50 && counts.partial > 20 && counts.refusedTwice > 20);
});

function assertSamePoints(a: PointSet, b: PointSet): void {
  assert.deepEqual(a.ids, b.ids);
  assert.deepEqual([...a.weight], [...b.weight]);
  assert.deepEqual([...a.fixed], [...b.fixed]);
  assert.deepEqual([...a.real], [...b.real]);
  assert.deepEqual(a.contents, b.contents);
}
