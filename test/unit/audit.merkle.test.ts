import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  EMPTY_ROOT,
  consistencyProof,
  hashChildren,
  hashLeaf,
  inclusionProof,
  prefixRoots,
  rootHash,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/core/audit/merkle';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');

// RFC 6962 reference data (Certificate Transparency merkle_tree_test; the same values appear in
// transparency-dev/merkle and several independent implementations).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => hashLeaf(unhex(h)));
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION = [
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const CT_CONSISTENCY = [
  { first: 2, second: 8, path: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'] },
  {
    first: 6,
    second: 8,
    path: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

test('RFC 6962 reference tree heads for sizes 0..8', () => {
  assert.equal(hex(EMPTY_ROOT), CT_ROOTS[0]);
  for (let n = 0; n <= 8; n++) assert.equal(hex(rootHash(CT_LEAVES, n)), CT_ROOTS[n], `size ${n}`);
  assert.deepEqual(prefixRoots(CT_LEAVES).map(hex), CT_ROOTS);
});

test('RFC 6962 reference inclusion proofs', () => {
  for (const v of CT_INCLUSION) {
    assert.deepEqual(inclusionProof(CT_LEAVES, v.index, v.size).map(hex), v.path);
    assert.equal(verifyInclusion(CT_LEAVES[v.index], v.index, v.size, v.path.map(unhex), unhex(CT_ROOTS[v.size])), true);
  }
});

test('RFC 6962 reference consistency proofs', () => {
  for (const v of CT_CONSISTENCY) {
    assert.deepEqual(consistencyProof(CT_LEAVES, v.first, v.second).map(hex), v.path);
    assert.equal(verifyConsistency(v.first, v.second, unhex(CT_ROOTS[v.first]), unhex(CT_ROOTS[v.second]), v.path.map(unhex)), true);
  }
});

test('split point is the largest power of two below n', () => {
  assert.deepEqual([2, 3, 4, 5, 8, 9, 64, 65].map(splitPoint), [1, 2, 2, 4, 4, 8, 32, 64]);
});

const N = 64;
const LEAVES = Array.from({ length: N }, (_, i) => hashLeaf(createHash('sha256').update(`leaf ${i}`).digest()));
const ROOTS = prefixRoots(LEAVES);

/** Returns a copy of the proof with one bit of element `at` flipped. */
function flipped(proof: Buffer[], at: number, byte = 0): Buffer[] {
  const out = proof.map((b) => Buffer.from(b));
  out[at][byte] ^= 0x01;
  return out;
}

test('prefix roots equal the recursive tree head for every size <= 64', () => {
  for (let n = 0; n <= N; n++) assert.equal(hex(ROOTS[n]), hex(rootHash(LEAVES, n)), `size ${n}`);
  // And the recursion itself: a 3-leaf tree is H(H(l0,l1), l2).
  assert.equal(hex(rootHash(LEAVES, 3)), hex(hashChildren(hashChildren(LEAVES[0], LEAVES[1]), LEAVES[2])));
});

test('inclusion: every leaf of every tree size <= 64 verifies; altered proof, wrong root, wrong index fail', () => {
  let ok = 0;
  let rejected = 0;
  for (let n = 1; n <= N; n++) {
    for (let i = 0; i < n; i++) {
      const proof = inclusionProof(LEAVES, i, n);
      assert.equal(verifyInclusion(LEAVES[i], i, n, proof, ROOTS[n]), true, `inclusion ${i}/${n}`);
      ok++;
      const bad: [string, boolean][] = [];
      for (let k = 0; k < proof.length; k++) {
        bad.push([`flip element ${k}`, verifyInclusion(LEAVES[i], i, n, flipped(proof, k, k % 32), ROOTS[n])]);
      }
      if (proof.length > 0) bad.push(['drop last', verifyInclusion(LEAVES[i], i, n, proof.slice(0, -1), ROOTS[n])]);
      bad.push(['extend', verifyInclusion(LEAVES[i], i, n, [...proof, LEAVES[0]], ROOTS[n])]);
      if (proof.length >= 2 && !proof[0].equals(proof[1])) {
        bad.push(['swap', verifyInclusion(LEAVES[i], i, n, [proof[1], proof[0], ...proof.slice(2)], ROOTS[n])]);
      }
      bad.push(['wrong root', verifyInclusion(LEAVES[i], i, n, proof, ROOTS[n - 1])]);
      bad.push(['wrong leaf', verifyInclusion(LEAVES[(i + 1) % N], i, n, proof, ROOTS[n])]);
      bad.push(['index = size', verifyInclusion(LEAVES[i], n, n, proof, ROOTS[n])]);
      bad.push(['negative index', verifyInclusion(LEAVES[i], -1, n, proof, ROOTS[n])]);
      for (let j = 0; j < n; j++) if (j !== i) bad.push([`index ${j}`, verifyInclusion(LEAVES[i], j, n, proof, ROOTS[n])]);
      for (const [what, accepted] of bad) {
        assert.equal(accepted, false, `${what} accepted for leaf ${i} of ${n}`);
        rejected++;
      }
    }
  }
  console.log(`inclusion: ${ok} proofs verified, ${rejected} altered proofs rejected`);
  assert.equal(ok, (N * (N + 1)) / 2);
});

test('consistency: every m <= n <= 64 verifies; altered proof, wrong roots, wrong sizes fail', () => {
  let ok = 0;
  let rejected = 0;
  for (let n = 0; n <= N; n++) {
    for (let m = 0; m <= n; m++) {
      const proof = consistencyProof(LEAVES, m, n);
      assert.equal(verifyConsistency(m, n, ROOTS[m], ROOTS[n], proof), true, `consistency ${m}->${n}`);
      ok++;
      const bad: [string, boolean][] = [];
      for (let k = 0; k < proof.length; k++) bad.push([`flip element ${k}`, verifyConsistency(m, n, ROOTS[m], ROOTS[n], flipped(proof, k, 31 - k))]);
      if (proof.length > 0) bad.push(['drop last', verifyConsistency(m, n, ROOTS[m], ROOTS[n], proof.slice(0, -1))]);
      bad.push(['extend', verifyConsistency(m, n, ROOTS[m], ROOTS[n], [...proof, LEAVES[0]])]);
      if (m > 0) bad.push(['wrong first root', verifyConsistency(m, n, ROOTS[m - 1], ROOTS[n], proof)]);
      // m = 0: every tree extends the empty one, so only a non-empty first tree constrains the second root.
      if (m > 0 && m < n) bad.push(['wrong second root', verifyConsistency(m, n, ROOTS[m], ROOTS[n - 1], proof)]);
      bad.push(['first > second', verifyConsistency(n + 1, n, ROOTS[m], ROOTS[n], proof)]);
      // Another first size with its own true root but this proof.
      for (let m2 = 1; m2 < n; m2++) if (m2 !== m) bad.push([`first size ${m2}`, verifyConsistency(m2, n, ROOTS[m2], ROOTS[n], proof)]);
      for (const [what, accepted] of bad) {
        assert.equal(accepted, false, `${what} accepted for ${m}->${n}`);
        rejected++;
      }
    }
  }
  console.log(`consistency: ${ok} proofs verified, ${rejected} altered proofs rejected`);
});

test('consistency proofs do not verify against a tree that rewrote history', () => {
  const forked = LEAVES.slice();
  forked[3] = hashLeaf(Buffer.from('rewritten'));
  const forkedRoots = prefixRoots(forked);
  for (let m = 4; m <= 20; m++) {
    for (let n = m + 1; n <= 24; n++) {
      const proof = consistencyProof(forked, m, n);
      assert.equal(verifyConsistency(m, n, ROOTS[m], forkedRoots[n], proof), false, `${m}->${n}`);
    }
  }
});

test('generators reject bad arguments; verifiers return false on malformed input', () => {
  assert.throws(() => inclusionProof(CT_LEAVES, 8, 8), RangeError);
  assert.throws(() => inclusionProof(CT_LEAVES, 0, 9), RangeError);
  assert.throws(() => consistencyProof(CT_LEAVES, 5, 3), RangeError);
  assert.throws(() => rootHash([Buffer.alloc(31)]), TypeError);
  const proof = inclusionProof(CT_LEAVES, 5, 8);
  assert.equal(verifyInclusion(Buffer.alloc(31), 5, 8, proof, unhex(CT_ROOTS[8])), false);
  assert.equal(verifyInclusion(CT_LEAVES[5], 5, 8, [Buffer.alloc(31), ...proof.slice(1)], unhex(CT_ROOTS[8])), false);
  assert.equal(verifyInclusion(CT_LEAVES[5], 5.5, 8, proof, unhex(CT_ROOTS[8])), false);
  assert.equal(verifyConsistency(6, 8, unhex(CT_ROOTS[6]), unhex(CT_ROOTS[8]), []), false);
  assert.equal(verifyConsistency(4, 4, ROOTS[4], ROOTS[4], []), true);
  assert.equal(verifyConsistency(4, 4, ROOTS[4], ROOTS[5], []), false);
  assert.equal(verifyConsistency(0, 8, EMPTY_ROOT, ROOTS[8], []), true);
  assert.equal(verifyConsistency(0, 8, ROOTS[1], ROOTS[8], []), false);
});
