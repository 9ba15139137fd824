import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makePointSet, type PointInput } from '../../src/core/qkmeans/points';
import { train } from '../../src/core/qkmeans/train';
import { deleteFromState } from '../../src/core/qkmeans/deletion';
import { stateHash, serializeState, deserializeState, type QkmParams } from '../../src/core/qkmeans/state';
import { FIXED_ONE } from '../../src/core/fixedpoint';

/** Points scattered around a few centres, fixed-point, with small multiplicities. */
const dataSet = (D: number) =>
  fc
    .record({
      centres: fc.array(fc.array(fc.integer({ min: -FIXED_ONE, max: FIXED_ONE }), { minLength: D, maxLength: D }), { minLength: 2, maxLength: 5 }),
      points: fc.array(
        fc.record({
          centre: fc.nat(),
          offset: fc.array(fc.integer({ min: -FIXED_ONE / 4, max: FIXED_ONE / 4 }), { minLength: D, maxLength: D }),
          weight: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) }),
        }),
        { minLength: 12, maxLength: 120 },
      ),
    })
    .map(({ centres, points }) => {
      const seen = new Set<string>();
      const out: PointInput[] = [];
      points.forEach((p, i) => {
        const c = centres[p.centre % centres.length];
        const id = `ex-${i.toString(36)}`;
        if (seen.has(id)) return;
        seen.add(id);
        out.push({ id, weight: p.weight, vector: c.map((x, d) => x + p.offset[d]) });
      });
      return out;
    });

test('every deletion in random sequences equals a retrain from scratch, bit for bit', () => {
  const counts = { certified: 0, retrained: 0, fromIteration: 0, deletions: 0, batches: 0 };
  const D = 4;
  fc.assert(
    fc.property(
      dataSet(D),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(0.05, 0.2, 0.5),
      fc.string({ minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 8 }),
      (input, k, eps, seed, ops) => {
        const params: QkmParams = { k, eps, dims: D, maxIter: 10, seed, embedderId: 'test' };
        let points = makePointSet(D, input);
        fc.pre(points.ids.length >= k + 4);
        let state = train(points, params);
        for (const [pick, batchSize, wholeWeight] of ops) {
          if (points.ids.length - batchSize < k) break;
          const removal = new Map<string, number>();
          for (let b = 0; b < batchSize; b++) {
            const i = (pick + b * 7919) % points.ids.length;
            removal.set(points.ids[i], wholeWeight ? points.weight[i] : 1);
          }
          const res = deleteFromState(state, points, removal);
          const scratch = train(res.points, params);
          assert.equal(stateHash(res.state), stateHash(scratch), `deletion differs from retrain (certified=${res.certified}, failedAt=${res.failedAt})`);
          counts.deletions++;
          if (removal.size > 1) counts.batches++;
          if (res.certified) counts.certified++;
          else counts.retrained++;
          if (res.failedAt !== null && res.failedAt > 0) counts.fromIteration++;
          state = res.state;
          points = res.points;
        }
      },
    ),
    { numRuns: 150, seed: 20261122 },
  );
  console.log(
    `exactness: ${counts.deletions} deletions (${counts.batches} batches), ${counts.certified} certified, ${counts.retrained} retrained (${counts.fromIteration} from a later iteration); all equal to a retrain`,
  );
  assert.ok(counts.certified > 20, 'the certified path must be exercised');
  assert.ok(counts.retrained > 20, 'the retrain path must be exercised');
  assert.ok(counts.fromIteration > 5, 'retraining from a later iteration must be exercised');
});

test('the state survives serialisation exactly', () => {
  const pts = makePointSet(
    3,
    Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, weight: 1 + (i % 2), vector: [i * 1000, (i * i) % 5000, -i * 333] })),
  );
  const s = train(pts, { k: 3, eps: 0.001, dims: 3, maxIter: 10, seed: 's', embedderId: 'e' });
  const text = serializeState(s);
  assert.equal(serializeState(deserializeState(text)), text);
});

test('a different seed or a moved point changes the state hash', () => {
  const base = Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, weight: 1, vector: [i * 20000, (i % 7) * 90000] }));
  const params: QkmParams = { k: 3, eps: 0.01, dims: 2, maxIter: 10, seed: 'a', embedderId: 'e' };
  const h = stateHash(train(makePointSet(2, base), params));
  assert.notEqual(stateHash(train(makePointSet(2, base), { ...params, seed: 'b' })), h);
  const moved = base.map((p, i) => (i === 5 ? { ...p, vector: [p.vector[0] + 1, p.vector[1]] } : p));
  assert.notEqual(stateHash(train(makePointSet(2, moved), params)), h);
  // Input order does not matter: the point set is sorted by id.
  assert.equal(stateHash(train(makePointSet(2, [...base].reverse()), params)), h);
});
