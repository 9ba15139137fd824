import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Projection } from '../../src/core/qkmeans/projection';
import { keyedSignBits } from '../../src/core/qkmeans/keyedRandom';
import { roundHalfUp } from '../../src/core/fixedpoint';

// The definition, written out plainly: row i of the D × d ±1 matrix (1 = +1) times x, over √D.
function reference(seed: string, d: number, D: number, x: ArrayLike<number>): Int32Array {
  const signs = keyedSignBits(seed, `projection:${d}x${D}`, d * D);
  const out = new Int32Array(D);
  for (let i = 0; i < D; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += signs[i * d + j] ? x[j] : -x[j];
    out[i] = roundHalfUp(s / Math.sqrt(D));
  }
  return out;
}

// A deterministic stream of integers, so a failure reproduces.
function* integers(seed: number): Generator<number> {
  let s = seed >>> 0;
  for (;;) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield s;
  }
}

test('the projection equals the plain ±1 matrix product on dense, sparse, extreme and zero vectors', () => {
  const cases: [number, number][] = [
    [512, 16],
    [64, 16],
    [7, 3],
    [512, 1],
  ];
  const rnd = integers(42);
  for (const [d, D] of cases) {
    const p = new Projection('seed-1', d, D);
    const vectors: number[][] = [new Array(d).fill(0), new Array(d).fill(2 ** 31 - 1), new Array(d).fill(-(2 ** 31))];
    for (let t = 0; t < 40; t++) {
      const sparse = t % 2 === 0;
      vectors.push(Array.from({ length: d }, () => (sparse && rnd.next().value % 5 !== 0 ? 0 : (rnd.next().value | 0) >> rnd.next().value % 24)));
    }
    for (const x of vectors) {
      assert.deepEqual(p.project(Int32Array.from(x)), reference('seed-1', d, D, x), `d ${d} D ${D}`);
      assert.deepEqual(p.project(x), reference('seed-1', d, D, x), 'from a plain array as well');
    }
    // into an offset of a larger output, leaving the rest untouched
    const out = new Int32Array(D + 2).fill(7);
    p.project(Int32Array.from(vectors[5]), out, 1);
    assert.deepEqual(out.subarray(1, D + 1), reference('seed-1', d, D, vectors[5]));
    assert.equal(out[0], 7);
    assert.equal(out[D + 1], 7);
  }
});
