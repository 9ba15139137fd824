/**
 * Append-only Merkle tree hashing as in RFC 6962 / RFC 9162 §2.1 (SHA-256).
 *
 * Leaf and interior hashes carry different one-byte prefixes so a leaf can never be passed off
 * as an interior node (second-preimage protection). The tree over n leaves splits at the
 * largest power of two smaller than n, which makes every earlier tree head a provable prefix
 * of every later one (consistency proofs).
 *
 * Proof generation works on the list of leaf hashes; verification needs only hashes and sizes,
 * so a third party can run the verifiers with nothing but this file and node:crypto.
 */
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({d}) = SHA-256(0x00 || d). */
export function hashLeaf(leafBytes: Uint8Array): Buffer {
  return sha256(LEAF_PREFIX, leafBytes);
}

/** Interior node = SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE_PREFIX, left, right);
}

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = sha256();

/** Largest power of two strictly smaller than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkHashes(leafHashes: readonly Uint8Array[]): void {
  if (!Array.isArray(leafHashes)) throw new TypeError('leaf hashes must be an array');
  for (const h of leafHashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new TypeError('every leaf hash must be 32 bytes');
  }
}

function checkSize(size: number, max: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > max) throw new RangeError(`${what} ${size} out of range 0..${max}`);
}

/** MTH(D[lo:hi]) over leaf hashes (recursive definition of RFC 6962 §2.1). */
function subtreeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return Buffer.from(leaves[lo]);
  const k = splitPoint(n);
  return hashChildren(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

/** Tree head of the first `size` leaves (default: all of them). */
export function rootHash(leafHashes: readonly Uint8Array[], size = leafHashes.length): Buffer {
  checkHashes(leafHashes);
  checkSize(size, leafHashes.length, 'tree size');
  return subtreeRoot(leafHashes, 0, size);
}

/**
 * Root of every prefix: result[s] = MTH(D[0:s]) for s = 0..n, in O(n log n).
 * Keeps the perfect subtrees of the current size on a stack (one per set bit of the size,
 * largest first); MTH folds them right to left, which is exactly the RFC's split rule.
 */
export function prefixRoots(leafHashes: readonly Uint8Array[]): Buffer[] {
  checkHashes(leafHashes);
  const out: Buffer[] = [EMPTY_ROOT];
  const stack: { hash: Buffer; size: number }[] = [];
  for (const leaf of leafHashes) {
    let node: { hash: Buffer; size: number } = { hash: Buffer.from(leaf), size: 1 };
    while (stack.length > 0 && stack[stack.length - 1].size === node.size) {
      const left = stack.pop()!;
      node = { hash: hashChildren(left.hash, node.hash), size: left.size * 2 };
    }
    stack.push(node);
    let acc: Buffer = stack[stack.length - 1].hash;
    for (let i = stack.length - 2; i >= 0; i--) acc = hashChildren(stack[i].hash, acc);
    out.push(acc);
  }
  return out;
}

/** PATH(m, D[lo:hi]) of RFC 6962 §2.1.1, leaf first, root-side last. */
function path(leaves: readonly Uint8Array[], m: number, lo: number, hi: number): Buffer[] {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...path(leaves, m, lo, lo + k), subtreeRoot(leaves, lo + k, hi)];
  return [...path(leaves, m - k, lo + k, hi), subtreeRoot(leaves, lo, lo + k)];
}

/** Audit path proving leaf `index` is in the tree of the first `size` leaves. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number, size = leafHashes.length): Buffer[] {
  checkHashes(leafHashes);
  checkSize(size, leafHashes.length, 'tree size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf index ${index} not in a tree of size ${size}`);
  return path(leafHashes, index, 0, size);
}

/** SUBPROOF(m, D[lo:hi], b) of RFC 6962 §2.1.2. */
function subproof(leaves: readonly Uint8Array[], m: number, lo: number, hi: number, complete: boolean): Buffer[] {
  const n = hi - lo;
  if (m === n) return complete ? [] : [subtreeRoot(leaves, lo, hi)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(leaves, m, lo, lo + k, complete), subtreeRoot(leaves, lo + k, hi)];
  return [...subproof(leaves, m - k, lo + k, hi, false), subtreeRoot(leaves, lo, lo + k)];
}

/** Proof that the tree of the first `first` leaves is a prefix of the tree of the first `second`. */
export function consistencyProof(leafHashes: readonly Uint8Array[], first: number, second = leafHashes.length): Buffer[] {
  checkHashes(leafHashes);
  checkSize(second, leafHashes.length, 'second tree size');
  checkSize(first, second, 'first tree size');
  if (first === 0 || first === second) return [];
  return subproof(leafHashes, first, 0, second, true);
}

function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function isHashList(p: unknown): p is Uint8Array[] {
  return Array.isArray(p) && p.every(isHash);
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/**
 * RFC 9162 §2.1.3.2, step by step. Sizes use plain numbers: safe up to 2^53 leaves, and the
 * shifts are done with Math.floor(x / 2) rather than `>>` so sizes over 2^31 stay correct.
 */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isHash(leafHash) || !isHash(root) || !isHashList(proof)) return false;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0) return false;
  // 1. leaf_index >= tree_size fails.
  if (index >= size) return false;
  // 2.–3.
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  // 4.
  for (const p of proof) {
    if (sn === 0) return false; // a.
    if (fn % 2 === 1 || fn === sn) {
      // b.
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2); // c.
  }
  // 5.
  return sn === 0 && sameHash(r, root);
}

function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) p *= 2; // multiplication, not bit tricks: exact for every safe integer
  return p === n;
}

/**
 * RFC 9162 §2.1.4.2, step by step, plus the two degenerate cases the RFC leaves to the caller
 * (as transparency-dev does): equal sizes need an empty proof and equal roots; a first size of 0
 * is consistent with anything, with an empty proof.
 */
export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!isHash(firstRoot) || !isHash(secondRoot) || !isHashList(proof)) return false;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || second < first) return false;
  if (first === second) return proof.length === 0 && sameHash(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0 && sameHash(firstRoot, EMPTY_ROOT);
  // 1. An empty path fails.
  if (proof.length === 0) return false;
  // 2. If first is an exact power of 2, prepend first_hash.
  const pathHashes: Uint8Array[] = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  // 3.
  let fn = first - 1;
  let sn = second - 1;
  // 4.
  if (fn % 2 === 1) {
    while (fn % 2 === 1) {
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
  }
  // 5.
  let fr: Buffer = Buffer.from(pathHashes[0]);
  let sr: Buffer = Buffer.from(pathHashes[0]);
  // 6.
  for (const c of pathHashes.slice(1)) {
    if (sn === 0) return false; // a.
    if (fn % 2 === 1 || fn === sn) {
      // b.
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2); // c.
  }
  // 7.
  return sameHash(fr, firstRoot) && sameHash(sr, secondRoot) && sn === 0;
}
