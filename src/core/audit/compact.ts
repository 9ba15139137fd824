/**
 * Compact range [0, size) of an RFC 6962 Merkle tree: the roots of the perfect subtrees that
 * cover the first `size` leaves, largest (leftmost) first — one per set bit of `size`, so at most
 * ~log2(size) hashes. The shape is that of transparency-dev/merkle's `compact` package, restricted
 * to ranges that start at leaf 0 (all an append-only log needs):
 * - appending a leaf pushes it and merges equal-sized neighbours (like binary increment);
 * - the tree head folds the nodes right to left: MTH = H(n0, H(n1, … H(n_{k-2}, n_{k-1}))),
 *   which is exactly the RFC's split rule (the left child is the largest perfect subtree).
 * Appending therefore costs O(log n) hashes and needs no earlier leaf.
 */
import { EMPTY_ROOT, hashChildren, HASH_SIZE } from './merkle';

/** Number of set bits of a safe integer (division, not bit operators, so sizes over 2^31 work). */
function bitCount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

/** Whether `nodes` has the shape a compact range of `size` leaves must have. */
export function isCompactRange(size: number, nodes: readonly Uint8Array[]): boolean {
  return Number.isSafeInteger(size) && size >= 0 && nodes.length === bitCount(size) && nodes.every((n) => n instanceof Uint8Array && n.length === HASH_SIZE);
}

/** The compact range after appending one leaf hash to a range of `size` leaves (a new array). */
export function compactAppend(size: number, nodes: readonly Buffer[], leafHash: Buffer): Buffer[] {
  if (!isCompactRange(size, nodes)) throw new RangeError(`not a compact range of ${size} leaves`);
  const out = [...nodes];
  let node = leafHash;
  // Each trailing 1 bit of `size` is a perfect subtree as big as the one being carried: merge.
  for (let s = size; s % 2 === 1; s = Math.floor(s / 2)) node = hashChildren(out.pop()!, node);
  out.push(node);
  return out;
}

/** The tree head (MTH) the compact range stands for. */
export function compactRoot(nodes: readonly Buffer[]): Buffer {
  if (nodes.length === 0) return EMPTY_ROOT;
  let acc = nodes[nodes.length - 1];
  for (let i = nodes.length - 2; i >= 0; i--) acc = hashChildren(nodes[i], acc);
  return acc;
}

/** The compact range of a whole list of leaf hashes (O(n); used once when rebuilding). */
export function compactRangeOf(leafHashes: readonly Buffer[]): Buffer[] {
  let nodes: Buffer[] = [];
  leafHashes.forEach((leaf, i) => {
    nodes = compactAppend(i, nodes, leaf);
  });
  return nodes;
}
