import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makePointSet, type PointInput } from '../../src/core/qkmeans/points';
import { train } from '../../src/core/qkmeans/train';
import { deleteFromState } from '../../src/core/qkmeans/deletion';
import { stateHash, type QkmParams } from '../../src/core/qkmeans/state';
import { encodeState } from '../../src/core/qkmeans/stateEncoding';
import { decodeEncoded } from './stateEncoding.helpers';
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
  const counts = { certified: 0, retrained: 0, fromIteration: 0, deletions: 0, batches: 0, lostRepresentative: 0, belowK: 0, toEmpty: 0 };
  const D = 4;
  fc.assert(
    fc.property(
      dataSet(D),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(0.05, 0.2, 0.5),
      fc.string({ minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(), fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 8, max: 60 }) }), fc.boolean()), {
        minLength: 1,
        maxLength: 8,
      }),
      (input, k, eps, seed, ops) => {
        const params: QkmParams = { k, eps, dims: D, maxIter: 10, seed, embedderId: 'test' };
        let points = makePointSet(D, input);
        fc.pre(points.ids.length >= k + 4);
        let state = train(points, params);
        for (const [pick, batchSize, wholeWeight] of ops) {
          if (points.ids.length === 0) break;
          const removal = new Map<string, number>();
          for (let b = 0; b < batchSize; b++) {
            const i = (pick + b * 7919) % points.ids.length;
            removal.set(points.ids[i], wholeWeight ? points.weight[i] : 1);
          }
          const lostRep = [...removal].some(([id, w]) => w === points.weight[points.ids.indexOf(id)] && state.representatives.includes(id));
          const res = deleteFromState(state, points, removal);
          const scratch = train(res.points, params);
          assert.equal(stateHash(res.state), stateHash(scratch), `deletion differs from retrain (certified=${res.certified}, failedAt=${res.failedAt})`);
          counts.deletions++;
          if (removal.size > 1) counts.batches++;
          if (res.certified && lostRep) counts.lostRepresentative++;
          if (res.state.k < k) counts.belowK++;
          if (res.points.ids.length === 0) counts.toEmpty++;
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
    `exactness: ${counts.deletions} deletions (${counts.batches} batches), ${counts.certified} certified (${counts.lostRepresentative} of them removed a representative), ${counts.retrained} retrained (${counts.fromIteration} from a later iteration), ${counts.belowK} left fewer than k distinct examples, ${counts.toEmpty} emptied the data set; all equal to a retrain`,
  );
  assert.ok(counts.lostRepresentative > 5, 'certified deletions of a representative must be exercised');
  assert.ok(counts.belowK > 5, 'deletions below k distinct examples must be exercised');
  assert.ok(counts.toEmpty > 2, 'erasing down to an empty data set must be exercised');
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
  const enc = encodeState(s);
  assert.deepEqual(encodeState(decodeEncoded(enc)), enc);
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

test('k_eff = min(k, distinct examples): fewer examples than k, a single example and the empty data set all train', () => {
  const params: QkmParams = { k: 5, eps: 0.1, dims: 2, maxIter: 10, seed: 's', embedderId: 'e' };
  const three = makePointSet(2, [
    { id: 'a', weight: 1, vector: [0, 0] },
    { id: 'b', weight: 2, vector: [FIXED_ONE, 0] },
    { id: 'c', weight: 1, vector: [0, FIXED_ONE] },
  ]);
  const s3 = train(three, params);
  assert.equal(s3.k, 3);
  assert.equal(s3.representatives.length, 3);
  let state = s3;
  let points = three;
  for (const id of ['b', 'a', 'c']) {
    const r = deleteFromState(state, points, new Map([[id, points.weight[points.ids.indexOf(id)]]]));
    assert.equal(r.certified, false, 'a deletion that lowers k_eff is not certifiable');
    assert.equal(stateHash(r.state), stateHash(train(r.points, params)));
    state = r.state;
    points = r.points;
  }
  assert.equal(state.k, 0);
  assert.equal(state.n, 0);
  assert.deepEqual(state.representatives, []);
  const empty = train(makePointSet(2, []), params);
  assert.equal(stateHash(state), stateHash(empty));
  assert.deepEqual(encodeState(decodeEncoded(encodeState(empty))), encodeState(empty));
});

test('the representatives and content hashes are inside the hashed state', () => {
  const pts = Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, weight: 1, vector: [i * 20000, (i % 7) * 90000], content: `c${i}` }));
  const params: QkmParams = { k: 3, eps: 0.01, dims: 2, maxIter: 10, seed: 'a', embedderId: 'e' };
  const s = train(makePointSet(2, pts), params);
  const h = stateHash(s);
  const stale = { ...s, representatives: s.representatives.map((r, j) => (j === 0 ? 'p29' : r)) };
  assert.notEqual(s.representatives[0], 'p29');
  assert.notEqual(stateHash(stale), h, 'a stale prompt changes the hash');
  const edited = pts.map((p, i) => (i === 3 ? { ...p, content: 'edited' } : p));
  assert.notEqual(stateHash(train(makePointSet(2, edited), params)), h, 'an edited text with the same vector still changes the hash');
  assert.match(encodeState(s).manifestBytes.toString(), /^\{"format":"erase-qkm-state\/3",/);
});

test('an eps whose grid indices would overflow 32 bits is refused', () => {
  const pts = makePointSet(1, [
    { id: 'a', weight: 1, vector: [2 ** 30] },
    { id: 'b', weight: 1, vector: [-(2 ** 30)] },
  ]);
  assert.throws(() => train(pts, { k: 1, eps: 1e-12, dims: 1, maxIter: 3, seed: 's', embedderId: 'e' }), /eps must be at least/);
  const s = train(pts, { k: 2, eps: 2 ** -19, dims: 1, maxIter: 3, seed: 's', embedderId: 'e' });
  const g = s.iterations[s.iterations.length - 1].grid;
  assert.ok(g[0] !== g[1] && Math.sign(g[0]) !== Math.sign(g[1]), 'far-out points keep indices of the right sign (no wrap)');
});
