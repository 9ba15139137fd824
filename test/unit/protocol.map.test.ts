// The map message carries its points as typed arrays: the webview checks their shape and ranges
// before drawing (isMapView), and the spatial grid it draws and hit-tests through keeps every point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyMapView, isMapView, NO_CLUSTER, NO_LABEL_INDEX, type MapView } from '../../src/shared/protocol';
import { buildPointIndex, countIn, rangesIn } from '../../webview/mapIndex';

const view = (): MapView => ({
  ids: ['a', 'b', 'c'],
  xy: new Float32Array([0, 0, 1, 1, 2, 0.5]),
  cluster: new Uint16Array([0, 1, NO_CLUSTER]),
  representatives: ['a'],
  labelNames: ['neg', 'pos'],
  label: new Uint32Array([0, NO_LABEL_INDEX, 1]),
});

test('a map of typed arrays with matching lengths and indexes in range is accepted', () => {
  assert.equal(isMapView(view()), true);
  assert.equal(isMapView(emptyMapView()), true);
});

test('points as JSON numbers, or typed arrays of the wrong kind or length, are refused', () => {
  const bad: [string, Partial<Record<keyof MapView, unknown>>][] = [
    ['xy as numbers', { xy: [0, 0, 1, 1, 2, 0.5] }],
    ['xy as Float64Array', { xy: new Float64Array(6) }],
    ['xy one point short', { xy: new Float32Array(4) }],
    ['cluster as numbers', { cluster: [0, 1, 2] }],
    ['cluster too long', { cluster: new Uint16Array(4) }],
    ['label as Uint16Array', { label: new Uint16Array(3) }],
    ['ids not strings', { ids: ['a', 2, 'c'] }],
    ['an empty id', { ids: ['a', '', 'c'] }],
    ['a representative not an id', { representatives: [null] }],
    ['label names not strings', { labelNames: [1, 2] }],
  ];
  for (const [what, patch] of bad) assert.equal(isMapView({ ...view(), ...patch }), false, what);
  assert.equal(isMapView(null), false);
  assert.equal(isMapView({ ...view(), ids: undefined }), false);
});

test('a coordinate that is not finite, a cluster past the largest k, or a label past the table is refused', () => {
  const v1 = view();
  v1.xy[3] = NaN;
  assert.equal(isMapView(v1), false, 'NaN');
  const v2 = view();
  v2.xy[0] = Infinity;
  assert.equal(isMapView(v2), false, 'Infinity');
  const v3 = view();
  v3.cluster[1] = 1024;
  assert.equal(isMapView(v3), false, 'cluster 1024');
  const v4 = view();
  v4.label[0] = 2;
  assert.equal(isMapView(v4), false, 'label index 2 of 2 names');
});

test('the grid keeps every point once, cell by cell, and a view rectangle finds exactly the cells it touches', () => {
  const n = 5000;
  const xy = new Float32Array(2 * n);
  let s = 7;
  for (let i = 0; i < 2 * n; i++) xy[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const ix = buildPointIndex(xy);
  assert.deepEqual(
    [...ix.order].sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
  );
  for (let k = 0; k < n; k++) {
    assert.equal(ix.sortedXY[2 * k], xy[2 * ix.order[k]]);
    assert.equal(ix.sortedXY[2 * k + 1], xy[2 * ix.order[k] + 1]);
  }
  assert.equal(countIn(rangesIn(ix, -1, -1, 2, 2)), n, 'a rectangle around everything');
  assert.equal(countIn(rangesIn(ix, 5, 5, 6, 6)), 0, 'a rectangle beside the data');
  // every point inside a small rectangle is in its ranges, and the ranges hold nothing far from it
  const [x0, y0, x1, y1] = [0.3, 0.4, 0.45, 0.5];
  const found = new Set<number>();
  for (const [a, b] of rangesIn(ix, x0, y0, x1, y1)) for (let k = a; k < b; k++) found.add(ix.order[k]);
  const cell = 1 / ix.g + 1e-6;
  for (let i = 0; i < n; i++) {
    const [x, y] = [xy[2 * i], xy[2 * i + 1]];
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) assert.ok(found.has(i), `point ${i} inside`);
    if (found.has(i)) assert.ok(x >= x0 - cell && x <= x1 + cell && y >= y0 - cell && y <= y1 + cell, `point ${i} far outside`);
  }
  assert.ok(found.size < n / 5, `${found.size} of ${n} visited`);
});
