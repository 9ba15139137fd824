/**
 * The provenance step of an audited transaction: counted when the plan is made (for the receipt
 * and the audit entry), applied after the commit point and again by recovery. Idempotent: once
 * applied, no record holds an erased id, so a second run changes nothing.
 */
import { commitId, type KeyStore } from '../audit';
import { followErasure, recordsUsing, type ProvenanceSettings } from './follow';
import { readProvenance, rewriteProvenance } from './store';

/** How many recorded completions used one of `ids` (what the erasure will erase or flag). */
export function countFollowed(path: string, ids: readonly string[]): number {
  if (ids.length === 0) return 0;
  return recordsUsing(readProvenance(path).records, ids).length;
}

/** Erases (or flags) every record whose prompt held one of `ids`; rewrites the store only when something changes. */
export async function applyFollowed(
  path: string,
  ids: readonly string[],
  mode: ProvenanceSettings['onErase'],
  by: { readonly requestId: string; readonly time: string },
  keyStore: KeyStore,
): Promise<number> {
  const read = readProvenance(path);
  const affected = recordsUsing(read.records, ids).length;
  // A torn or unreadable line may hold part of an answer that used an erased example: drop it too.
  if (affected === 0 && !read.tornTail && read.unreadable === 0) return 0;
  const key = mode === 'flag' && affected > 0 ? await keyStore.getOrCreateHmacKey() : null;
  const next = followErasure(read.records, ids, mode, { ...by, commit: (id) => commitId(key!, id) });
  rewriteProvenance(path, next.records);
  return next.affected;
}
