import { sha256Hex } from '../hash';

/**
 * The identity of a vector: SHA-256 (lowercase hex) of the UTF-8 bytes of the embedded text.
 * Caches and the point store are keyed by (embedder id, contentHash), and the cluster state records
 * per example id the contentHash it was trained on (ALGORITHMS.md §3 "Vector identity"), so a
 * vector is only ever reused for the very text it was computed from.
 */
export function contentHash(text: string): string {
  return sha256Hex(text);
}
