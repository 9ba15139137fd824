import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectRetainSet } from '../../src/core/workspace/forgetSet';
import { keyedUniform } from '../../src/core/qkmeans/keyedRandom';

const candidates = [
  { id: 'a', cluster: 0 },
  { id: 'b', cluster: 0 },
  { id: 'c', cluster: 0 },
  { id: 'd', cluster: 1 },
  { id: 'e', cluster: 1 },
  { id: 'f', cluster: 2 },
];
const keyed = (ids: string[], key: string) => [...ids].sort((x, y) => keyedUniform(key, 'retain', x) - keyedUniform(key, 'retain', y));

test('selectRetainSet: shares in proportion to the forget set per cluster, in keyed order, never from other clusters', () => {
  const forget = new Map([
    [0, 2],
    [1, 1],
  ]);
  const three = selectRetainSet(candidates, forget, 3, 'k1');
  // 3 × 2/3 = 2 from cluster 0, 3 × 1/3 = 1 from cluster 1: the first in keyed order of each.
  assert.deepEqual(three, [...keyed(['a', 'b', 'c'], 'k1').slice(0, 2), keyed(['d', 'e'], 'k1')[0]]);
  assert.deepEqual(selectRetainSet(candidates, forget, 3, 'k1'), three, 'the same key gives the same set');
  // 2 → 1.33 + 0.67: the larger remainder (cluster 1) gets the second place.
  assert.deepEqual(selectRetainSet(candidates, forget, 2, 'k1'), [keyed(['a', 'b', 'c'], 'k1')[0], keyed(['d', 'e'], 'k1')[0]]);
  // 6 asks 4 + 2, but cluster 0 has only 3: all five candidates of the two clusters, none of cluster 2.
  assert.deepEqual(new Set(selectRetainSet(candidates, forget, 6, 'k1')), new Set(['a', 'b', 'c', 'd', 'e']));
  assert.deepEqual(selectRetainSet(candidates, forget, 0, 'k1'), []);
  // A cluster short of candidates leaves its place to the other clusters' next ones.
  const short = selectRetainSet(
    candidates,
    new Map([
      [1, 3],
      [0, 1],
    ]),
    4,
    'k1',
  );
  assert.equal(short.length, 4);
  assert.ok(['d', 'e'].every((id) => short.includes(id)));
  const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'].map((k) => selectRetainSet(candidates, forget, 3, k).join());
  assert.ok(new Set(keys).size > 1, 'another key draws another set');
  // Largest remainder: 2 × 1/3 = 0.67 and 2 × 2/3 = 1.33 → one from each cluster, whatever the key.
  // (Cluster 0 is small, so a fill in plain keyed order would mostly draw from cluster 1.)
  const wide = Array.from({ length: 102 }, (_, i) => ({ id: `w${i}`, cluster: i < 2 ? 0 : 1 }));
  for (const k of ['k1', 'k2', 'k3', 'k4', 'k5', 'k6']) {
    const two = selectRetainSet(
      wide,
      new Map([
        [0, 1],
        [1, 2],
      ]),
      2,
      k,
    );
    assert.deepEqual(two.map((id) => (Number(id.slice(1)) < 2 ? 0 : 1)).sort(), [0, 1], k);
  }
});
