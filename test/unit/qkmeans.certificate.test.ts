import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makePointSet, type PointInput, type PointSet } from '../../src/core/qkmeans/points';
import { train } from '../../src/core/qkmeans/train';
import { DeletionEngine } from '../../src/core/qkmeans/deletion';
import { stateHash, type QkmParams, type QkmState } from '../../src/core/qkmeans/state';
import { FIXED_ONE } from '../../src/core/fixedpoint';
import { gridIndex } from '../../src/core/qkmeans/grid';
import { UserError } from '../../src/core/errors';

/**
 * The reference for the certificate, written the slow, obvious way (ALGORITHMS.md §3): a deletion
 * is certified unless it lowers k_eff, touches a seed, or changes some iteration's quantized
 * centroids — which is found by recomputing every iteration from scratch over all remaining
 * points (assignment to the stored centroids of t − 1, sums, counts, quantized means). Returns
 * the first iteration that would change (0: k_eff or an initial seed), or null when certified.
 */
function referenceCheck(state: QkmState, rest: readonly PointInput[], removal: ReadonlyMap<string, number>): { failedAt: number | null; walkReason: string | null } {
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
    const change = Array.from({ length: k }, (_, j) => {
      if (it.counts[j] === 0) return counts[j] !== 0 ? 'moved' : null; // a reseeded cluster stays empty of assignments
      if (counts[j] === 0) return 'empty';
      const grid = Array.from({ length: D }, (_, c) => Math.floor(sums[j * D + c] / counts[j] / FIXED_ONE / eps + state.phase[c] - 0.5 + 0.5));
      return grid.some((g, c) => g !== it.grid[j * D + c]) ? 'moved' : null;
    });
    const j = change.findIndex((x) => x !== null);
    if (j >= 0) {
      const what = change[j] === 'empty' ? `cluster ${j} would become empty` : `the quantized centroid of cluster ${j} would move`;
      return { failedAt: t, walkReason: `iteration ${t}: ${what}` };
    }
  }
  return { failedAt: failedAt === Infinity ? null : failedAt, walkReason: null };
}

/** Ids of the points assigned to cluster j at iteration t (nearest stored centroid of t − 1, ties: lowest index). */
function membersAt(state: QkmState, points: readonly PointInput[], t: number, j: number): string[] {
  const D = state.params.dims;
  const prev = t === 1 ? state.initGrid : state.iterations[t - 2].grid;
  const centre = (jj: number, c: number) => (prev[jj * D + c] - state.phase[c] + 0.5) * state.params.eps;
  return points
    .filter((p) => {
      let best = 0;
      let bestDist = Infinity;
      for (let jj = 0; jj < state.k; jj++) {
        let d = 0;
        for (let c = 0; c < D; c++) {
          const diff = p.vector[c] / FIXED_ONE - centre(jj, c);
          d += diff * diff;
        }
        if (d < bestDist) [best, bestDist] = [jj, d];
      }
      return best === j;
    })
    .map((p) => p.id);
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
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.nat({ max: 7 })), { minLength: 1, maxLength: 12 }),
      (input, k, eps, seed, ops) => {
        const params: QkmParams = { k, eps, dims: D, maxIter: 10, seed, embedderId: 'test' };
        // The reference's own record of what remains: id → input with its live weight.
        const live = new Map(input.map((p) => [p.id, { ...p }] as [string, { -readonly [K in keyof PointInput]: PointInput[K] }]));
        const engine = new DeletionEngine(train(makePointSet(D, input), params), makePointSet(D, input));
        for (const [pick, batchSize, wholeWeight, wholeCluster] of ops) {
          const ids = [...live.keys()].sort();
          if (ids.length === 0) break;
          const removal = new Map<string, number>();
          if (wholeCluster === 0 && engine.state.iterations.length > 0) {
            // Every member of one cluster at one iteration: empties it unless a seed is among them.
            const t = 1 + (pick % engine.state.iterations.length);
            const members = membersAt(engine.state, [...live.values()], t, batchSize % engine.state.k);
            for (const id of members) removal.set(id, live.get(id)!.weight);
          }
          if (removal.size === 0)
            for (let b = 0; b < batchSize; b++) {
              const id = ids[(pick + b * 7919) % ids.length];
              removal.set(id, wholeWeight ? live.get(id)!.weight : 1);
            }
          const rest: PointInput[] = [];
          for (const p of live.values()) {
            const w = p.weight - (removal.get(p.id) ?? 0);
            if (w > 0) rest.push({ ...p, weight: w });
          }
          const expected = referenceCheck(engine.state, rest, removal);
          const outcome = engine.delete(removal);
          assert.equal(outcome.certified, expected.failedAt === null, `certified (${outcome.reason})`);
          assert.equal(outcome.failedAt, expected.failedAt);
          if (expected.walkReason !== null) assert.equal(outcome.reason, expected.walkReason);
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

test('a deletion that would empty a cluster is refused with that reason, as the reference says', () => {
  // A hand-built state (the check reads only the stored iterations): seeds a and b sit in
  // cluster 0, x alone in cluster 1 at iteration 1, so deleting x touches no seed but empties it.
  const D = 2;
  const params: QkmParams = { k: 2, eps: 0.5, dims: D, maxIter: 10, seed: 's', embedderId: 'e' };
  const input: PointInput[] = [
    { id: 'a', weight: 1, vector: [0, 0], content: 'a' },
    { id: 'b', weight: 2, vector: [FIXED_ONE / 10, 0], content: 'b' },
    { id: 'x', weight: 1, vector: [FIXED_ONE, FIXED_ONE], content: 'x' },
  ];
  const phase = new Float64Array([0.25, 0.75]);
  const q = (v: readonly number[], count: number) => Int32Array.from(v, (s, c) => gridIndex(s, count, phase[c], params.eps));
  const initGrid = Int32Array.from([...q([0, 0], 1), ...q([FIXED_ONE, FIXED_ONE], 1)]);
  const sums = new Float64Array([(2 * FIXED_ONE) / 10, 0, FIXED_ONE, FIXED_ONE]);
  const counts = new Float64Array([3, 1]);
  const grid = Int32Array.from([...q([sums[0], sums[1]], 3), ...q([sums[2], sums[3]], 1)]);
  const state: QkmState = {
    params,
    k: 2,
    phase,
    initSeeds: ['a', 'b'],
    initGrid,
    iterations: [{ grid, sums, counts, reseeds: [] }],
    converged: true,
    n: 4,
    assignments: new Map<string, readonly [number, number]>([
      ['a', [0, 1]],
      ['b', [0, 2]],
      ['x', [1, 1]],
    ]),
    contents: new Map([
      ['a', 'a'],
      ['b', 'b'],
      ['x', 'x'],
    ]),
    representatives: ['a', 'x'],
  };
  const removal = new Map([['x', 1]]);
  const expected = referenceCheck(state, input.slice(0, 2), removal);
  assert.deepEqual(expected, { failedAt: 1, walkReason: 'iteration 1: cluster 1 would become empty' });
  const outcome = new DeletionEngine(state, makePointSet(D, input)).delete(removal);
  assert.equal(outcome.certified, false);
  assert.equal(outcome.failedAt, 1);
  assert.equal(outcome.reason, expected.walkReason);
});

function assertSamePoints(a: PointSet, b: PointSet): void {
  assert.deepEqual(a.ids, b.ids);
  assert.deepEqual([...a.weight], [...b.weight]);
  assert.deepEqual([...a.fixed], [...b.fixed]);
  assert.deepEqual([...a.real], [...b.real]);
  assert.deepEqual(a.contents, b.contents);
}
