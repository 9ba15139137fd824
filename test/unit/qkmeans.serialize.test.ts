import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makePointSet } from '../../src/core/qkmeans/points';
import { train } from '../../src/core/qkmeans/train';
import { compareIds } from '../../src/core/hash';
import { STATE_FORMAT, type QkmState } from '../../src/core/qkmeans/state';
import { encodeState, headFileName, pageFileName, parseManifest, type EncodedState } from '../../src/core/qkmeans/stateEncoding';
import { decodeEncoded } from './stateEncoding.helpers';

/** The head and the rows (pages concatenated) as docs/STATE-FORMAT.md states them: every string through JSON.stringify, ids sorted. The fast encoder must give the same bytes. */
function reference(state: QkmState): { head: string; rows: string } {
  const p = state.params;
  const ints = (a: ArrayLike<number>) => Array.from(a, (x) => String(x)).join(',');
  const iters = state.iterations.map(
    (it) =>
      `{"grid":[${ints(it.grid)}],"sums":[${ints(it.sums)}],"counts":[${ints(it.counts)}],"reseeds":[${it.reseeds.map((r) => `[${r.cluster},${JSON.stringify(r.id)}]`).join(',')}]}`,
  );
  const ids = [...state.assignments.keys()].sort(compareIds);
  const assign = ids.map((id) => {
    const [c, w] = state.assignments.get(id)!;
    return `[${JSON.stringify(id)},${c},${w},${JSON.stringify(state.contents.get(id) ?? '')}]`;
  });
  const head =
    `{"format":"${STATE_FORMAT}",` +
    `"params":{"k":${p.k},"eps":${JSON.stringify(p.eps)},"dims":${p.dims},"maxIter":${p.maxIter},"seed":${JSON.stringify(p.seed)},"embedderId":${JSON.stringify(p.embedderId)}},` +
    `"k":${state.k},"n":${state.n},"phase":[${Array.from(state.phase, (x) => JSON.stringify(x)).join(',')}],` +
    `"initSeeds":[${state.initSeeds.map((s) => JSON.stringify(s)).join(',')}],"initGrid":[${ints(state.initGrid)}],` +
    `"iterations":[${iters.join(',')}],"converged":${state.converged},` +
    `"representatives":[${state.representatives.map((r) => JSON.stringify(r)).join(',')}]}`;
  return { head, rows: `[${assign.join(',')}]` };
}

/** The stored parts of an encoding: head text and every page's rows joined into one array text. */
function parts(enc: EncodedState): { head: string; rows: string } {
  const m = parseManifest(enc.manifestBytes);
  const rows = m.pages.map((p) => enc.files.get(pageFileName(p.hash))!.toString('utf8').slice(1, -1));
  return { head: enc.files.get(headFileName(m.head))!.toString('utf8'), rows: `[${rows.join(',')}]` };
}

const PARAMS = { k: 3, eps: 0.1, dims: 2, maxIter: 20, seed: 's', embedderId: 'hashing-v1-d512' };

test('the serialiser gives the reference bytes for any ids and contents (quotes, backslashes, controls, non-ASCII, lone surrogates), sorted or not', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), { minLength: 4, maxLength: 24 }), fc.boolean(), (ids, reverse) => {
      const points = makePointSet(
        2,
        ids.map((id, i) => ({ id, weight: 1 + (i % 2), vector: [(i * 7919) % 1048576, (i * 104729) % 1048576], content: `${id}\u0000"\\c${i}` })),
      );
      const state = train(points, PARAMS);
      // The same state with its maps in another insertion order (the serialiser must sort, not trust the order).
      const order = [...state.assignments.keys()];
      if (reverse) order.reverse();
      const shuffled: QkmState = {
        ...state,
        assignments: new Map(order.map((id) => [id, state.assignments.get(id)!] as const)),
        contents: new Map(order.map((id) => [id, state.contents.get(id)!] as const)),
      };
      for (const s of [state, shuffled]) {
        const enc = encodeState(s);
        assert.deepEqual(parts(enc), reference(s));
        assert.equal(encodeState(decodeEncoded(enc)).hash, enc.hash, 'round trip');
      }
    }),
    { numRuns: 150, seed: 20261130 },
  );
});
