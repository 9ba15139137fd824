// After a certified erasure the host sends the erased ids (mapDelta), not the whole map: the webview
// drops those points from the map it holds, and what it draws then is a well-formed map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMapDeltaView, isMapView, NO_CLUSTER, NO_LABEL_INDEX, type MapView } from '../../src/shared/protocol';
import { applyMapDelta } from '../../webview/mapDelta';

const view = (): MapView => ({
  ids: ['a', 'b', 'c', 'd', 'e'],
  xy: new Float32Array([0, 0, 1, 1, 2, 0.5, 3, 3, 4, -1]),
  cluster: new Uint16Array([0, 1, NO_CLUSTER, 1, 0]),
  representatives: ['a', 'd'],
  labelNames: ['mixed', 'neg', 'pos'],
  label: new Uint32Array([1, 0, NO_LABEL_INDEX, 2, 1]),
});

test('a delta removes exactly the erased points; the others keep their position, cluster and label', () => {
  const after = applyMapDelta(view(), { removedIds: ['b', 'e'], representatives: ['a', 'd'] });
  assert.deepEqual(after.ids, ['a', 'c', 'd']);
  assert.deepEqual([...after.xy], [0, 0, 2, 0.5, 3, 3]);
  assert.deepEqual([...after.cluster], [0, NO_CLUSTER, 1]);
  // 'mixed' was only b's label: dropped, and the indexes after it move down
  assert.deepEqual(after.labelNames, ['neg', 'pos']);
  assert.deepEqual([...after.label], [0, NO_LABEL_INDEX, 1]);
  assert.deepEqual(
    after.ids.map((_, i) => (after.label[i] === NO_LABEL_INDEX ? null : after.labelNames[after.label[i]])),
    ['neg', null, 'pos'],
    'every kept point shows the label it had',
  );
  assert.deepEqual(after.representatives, ['a', 'd']);
  assert.equal(isMapView(after), true, 'the result is a map the webview accepts');
});

test('new representatives are taken, ids the map does not hold are ignored, and the map given is left as it was', () => {
  const before = view();
  const after = applyMapDelta(before, { removedIds: ['a', 'zz'], representatives: ['e', 'd', 'gone'] });
  assert.deepEqual(after.ids, ['b', 'c', 'd', 'e']);
  assert.deepEqual(after.representatives, ['e', 'd']);
  assert.equal(isMapView(after), true);
  assert.deepEqual(before.ids, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(before.xy.length, 10);
  const all = applyMapDelta(before, { removedIds: before.ids, representatives: [] });
  assert.equal(all.ids.length, 0);
  assert.equal(all.labelNames.length, 0);
  assert.equal(isMapView(all), true);
});

test('a mapDelta message is checked before it is applied', () => {
  assert.equal(isMapDeltaView({ removedIds: ['a'], representatives: ['b'] }), true);
  const bad: unknown[] = [
    null,
    { removedIds: 'a', representatives: [] },
    { removedIds: [''], representatives: [] },
    { removedIds: [1], representatives: [] },
    { removedIds: [], representatives: [null] },
    { removedIds: [], representatives: [], extra: 1 },
    { removedIds: [] },
  ];
  for (const b of bad) assert.equal(isMapDeltaView(b), false, JSON.stringify(b));
});
