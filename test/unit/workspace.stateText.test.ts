import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makePointSet } from '../../src/core/qkmeans/points';
import { train } from '../../src/core/qkmeans/train';
import { deleteFromState } from '../../src/core/qkmeans/deletion';
import { deserializeState, serializeState } from '../../src/core/qkmeans/state';
import { StateText } from '../../src/core/workspace/stateText';
import { sha256Hex } from '../../src/core/hash';

const PARAMS = { k: 3, eps: 0.1, dims: 2, maxIter: 20, seed: 's', embedderId: 'hashing-v1-d512' };

/**
 * The lean erasure's state text (rows found by binary search, the new text spliced from the old)
 * must be byte for byte the full serialisation of the state a full deletion reaches: any id
 * (quotes, backslashes, `],["` inside an id, non-ASCII), any erased subset, partial weights.
 */
test('a spliced state text equals the full serialisation after the same deletion, for any ids and erased rows', () => {
  let checked = 0;
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.constantFrom('],["', 'a"],["b', '\\', 'é', '\u{1F600}')), {
        minLength: 4,
        maxLength: 30,
      }),
      fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 4 }),
      (ids, picks) => {
        const points = makePointSet(
          2,
          ids.map((id, i) => ({ id, weight: 1 + (i % 3), vector: [(i * 7919) % 1048576, (i * 104729) % 1048576], content: `c${i % 5}` })),
        );
        const bytes = Buffer.from(serializeState(train(points, PARAMS)), 'utf8');
        const text = StateText.open(bytes);
        assert.ok(text);
        for (const id of ids) assert.equal(text.row(id)?.id, id, 'every row is found by binary search');
        assert.equal(text.row('\u{10FFFF}never'), null);
        assert.equal(text.rowsAtLeast(1000), ids.length);
        assert.equal(text.rowsAtLeast(2), 2);

        const removal = new Map<string, number>();
        for (const [p, whole] of picks) {
          const i = p % ids.length;
          removal.set(points.ids[i], whole ? points.weight[i] : 1);
        }
        const full = deleteFromState(deserializeState(bytes.toString('utf8')), points, removal);
        const rows = [...removal.keys()].map((id) => text.row(id)!);
        const partial = text.partialState(rows);
        // Only the erased points, as the lean path reads them (one slot each).
        const own = makePointSet(
          2,
          rows.map((r) => {
            const i = points.ids.indexOf(r.id);
            return { id: r.id, weight: r.weight, vector: points.fixed.subarray(2 * i, 2 * i + 2), content: r.content };
          }),
        );
        const lean = deleteFromState(partial, own, removal, { distinct: text.rowsAtLeast(PARAMS.k + rows.length), certifyOnly: true });
        assert.equal(lean.certified, full.certified, 'the lean check decides as the full one');
        if (!full.certified || rows.some((r) => partial.representatives.includes(r.id))) return;
        const spliced = text.splice(lean.state, rows);
        const expected = serializeState(full.state);
        assert.equal(spliced.bytes.toString('utf8'), expected);
        assert.equal(spliced.hash, sha256Hex(expected));
        checked++;
      },
    ),
    { numRuns: 300, seed: 20261130 },
  );
  assert.ok(checked > 50, `only ${checked} spliced deletions were compared`);
});

test('a text that is not a canonical state is not split (the caller takes the full path)', () => {
  assert.equal(StateText.open(Buffer.from('{"format":"erase-qkm-state/1","assignments":[],"representatives":[]}')), null);
  assert.equal(StateText.open(Buffer.from('not json at all')), null);
  assert.equal(StateText.open(Buffer.from('{ "format": "erase-qkm-state/2" }')), null);
});
