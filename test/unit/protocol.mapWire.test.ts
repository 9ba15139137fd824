// The map travels with its ids packed into one string and their end offsets (src/shared/mapWire.ts):
// unpacked, it is the map the host had; a wire message whose offsets do not describe its text, or
// whose map is not well formed, is refused as a whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyMapView, NO_CLUSTER, NO_LABEL_INDEX, type MapView } from '../../src/shared/protocol';
import { packMapView, unpackMapView } from '../../src/shared/mapWire';

const view = (ids = ['a', 'line\nbreak', '😀 ünïcode', 'f'.repeat(64)]): MapView => ({
  ids,
  xy: new Float32Array(ids.flatMap((_, i) => [i, -i])),
  cluster: new Uint16Array(ids.map((_, i) => (i === 1 ? NO_CLUSTER : i))),
  representatives: [ids[0]],
  labelNames: ['neg', 'pos'],
  label: new Uint32Array(ids.map((_, i) => (i === 2 ? NO_LABEL_INDEX : i % 2))),
});

test('packed and unpacked, the map is the one sent (any id text), its ids carried as one string', () => {
  const wire = packMapView(view());
  assert.equal(typeof wire.idText, 'string');
  assert.ok(wire.idEnds instanceof Uint32Array);
  assert.equal('ids' in wire, false, 'no array of id strings on the wire');
  assert.deepEqual(unpackMapView(wire), view());
  assert.deepEqual(unpackMapView(structuredClone(packMapView(view()))), view(), 'after a postMessage copy');
  assert.deepEqual(unpackMapView(packMapView(emptyMapView())), emptyMapView());
});

test('offsets that do not describe the text, or a map that is not well formed, are refused', () => {
  const ok = packMapView(view(['ab', 'cd']));
  const bad: [string, unknown][] = [
    ['an empty id', { ...ok, idText: 'abcd', idEnds: new Uint32Array([2, 2, 4]) }],
    ['offsets going back', { ...ok, idEnds: new Uint32Array([3, 2]) }],
    ['an offset past the text', { ...ok, idEnds: new Uint32Array([2, 5]) }],
    ['text left over', { ...ok, idText: 'abcdx' }],
    ['offsets as a plain array', { ...ok, idEnds: [2, 4] }],
    ['no text', { ...ok, idText: undefined }],
    ['ids as an array (the old message)', { ...view(['ab', 'cd']), idText: undefined, idEnds: undefined }],
    ['points missing', { ...ok, xy: new Float32Array(2) }],
    ['a representative that is no id string', { ...ok, representatives: [7] }],
    ['an id over 200 characters', packMapView(view(['x'.repeat(201)]))],
  ];
  for (const [what, raw] of bad) assert.equal(unpackMapView(raw), null, what);
  assert.equal(unpackMapView(null), null);
  assert.equal(unpackMapView('idText'), null);
});
