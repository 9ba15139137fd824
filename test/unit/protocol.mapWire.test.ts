// The map travels in two messages (points, then ids) and the webview puts it back together
// (webview/mapReceiver.ts). What must never happen: ids put on the points of another map (a click
// would select, and could erase, the wrong example), or an erasure's delta lost while the ids travel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMapPointsView, joinMapView, NO_CLUSTER, NO_LABEL_INDEX, splitMapView, type MapView } from '../../src/shared/protocol';
import { MapReceiver } from '../../webview/mapReceiver';

const view = (ids = ['a', 'b', 'c']): MapView => ({
  ids,
  xy: new Float32Array([0, 0, 1, 1, 2, 0.5]),
  cluster: new Uint16Array([0, 1, NO_CLUSTER]),
  representatives: [ids[0]],
  labelNames: ['neg', 'pos'],
  label: new Uint32Array([0, NO_LABEL_INDEX, 1]),
});

test('a map split into points and ids joins back into the same map', () => {
  const { points, ids } = splitMapView(view(), 7);
  assert.equal(isMapPointsView(points), true);
  assert.equal('ids' in points, false, 'the points message carries no ids');
  assert.deepEqual(joinMapView(points, ids), view());
});

test('ids of another map, of another length or of the wrong shape do not join', () => {
  const { points } = splitMapView(view(), 1);
  assert.equal(joinMapView(points, splitMapView(view(), 2).ids), null, 'another seq');
  assert.equal(joinMapView(points, { seq: 1, ids: ['a', 'b'], representatives: [] }), null, 'one id short');
  assert.equal(joinMapView(points, { seq: 1, ids: ['a', 'b', ''], representatives: [] }), null, 'an empty id');
  assert.equal(joinMapView(points, { seq: 1, ids: ['a', 'b', 'c'] }), null, 'no representatives');
  assert.equal(joinMapView(points, null), null);
});

test('points of the wrong shape are refused', () => {
  const { points } = splitMapView(view(), 1);
  assert.equal(isMapPointsView({ ...points, seq: 'x' }), false, 'seq not an integer');
  assert.equal(isMapPointsView({ ...points, xy: new Float32Array(4) }), false, 'xy one point short');
  assert.equal(isMapPointsView({ ...points, label: new Uint32Array([0, 5, 1]) }), false, 'label past the table');
  const nan = { ...points, xy: new Float32Array([0, 0, NaN, 1, 2, 0.5]) };
  assert.equal(isMapPointsView(nan), false, 'NaN');
  assert.equal(isMapPointsView(null), false);
});

test('the receiver joins a map from its points and ids; ids of a map replaced on the way are dropped', () => {
  const r = new MapReceiver();
  const first = splitMapView(view(['a', 'b', 'c']), 1);
  const second = splitMapView(view(['x', 'y', 'z']), 2);
  assert.ok(r.points(first.points));
  assert.ok(r.points(second.points), 'a second map before the first one’s ids');
  assert.deepEqual(r.ids(first.ids), { kind: 'stale' }, 'the first map’s ids must not land on the second’s points');
  const got = r.ids(second.ids);
  assert.equal(got.kind, 'map');
  assert.deepEqual(got.kind === 'map' && got.map.ids, ['x', 'y', 'z']);
  assert.deepEqual(r.ids(second.ids), { kind: 'stale' }, 'nothing pending any more');
});

test('the receiver refuses malformed points and reports malformed ids', () => {
  const r = new MapReceiver();
  assert.equal(r.points({ seq: 1 }), null);
  const m = splitMapView(view(), 3);
  r.points(m.points);
  assert.deepEqual(r.ids({ seq: 3, ids: ['a'], representatives: [] }), { kind: 'invalid' });
});

test('a delta that arrives between the points and the ids is applied once the ids come', () => {
  const r = new MapReceiver();
  const m = splitMapView(view(), 4);
  r.points(m.points);
  assert.equal(r.pending, true);
  assert.equal(r.delta({ removedIds: ['b'], representatives: ['a'] }, view([])), null, 'held');
  const got = r.ids(m.ids);
  assert.equal(r.pending, false);
  assert.equal(got.kind, 'map');
  assert.deepEqual(got.kind === 'map' && got.map.ids, ['a', 'c']);
  // with nothing pending a delta applies at once
  const after = r.delta({ removedIds: ['a'], representatives: [] }, got.kind === 'map' ? got.map : view());
  assert.deepEqual(after?.ids, ['c']);
});
