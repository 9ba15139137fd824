/**
 * Erasure follows provenance: which recorded completions used an erased example, and the store
 * after an erasure (those records erased, or kept for review with the erased ids replaced by
 * keyed commitments). Pure functions of the records; the workspace layer reads and writes them.
 */
import type { CompletionRecord, ProvenanceFlag } from './store';

/** How completions are recorded and what an erasure does to those that used an erased example. */
export interface ProvenanceSettings {
  /** `hash` (default): only the answer's keyed hash is kept; `text`: the answer itself (searchable by the residual scan). */
  readonly answers: 'hash' | 'text';
  /** `erase` (default): the records are erased with the example; `flag`: kept and flagged for review. */
  readonly onErase: 'erase' | 'flag';
}

export const DEFAULT_PROVENANCE_SETTINGS: ProvenanceSettings = { answers: 'hash', onErase: 'erase' };

/** The problem with a `provenance` setting, or null when it is valid. */
export function provenanceSettingsProblem(s: ProvenanceSettings): string | null {
  if (typeof s !== 'object' || s === null) return 'provenance must be an object like {"answers": "hash", "onErase": "erase"}';
  if (s.answers !== 'hash' && s.answers !== 'text') return `provenance.answers must be "hash" or "text", got ${JSON.stringify(s.answers)}`;
  if (s.onErase !== 'erase' && s.onErase !== 'flag') return `provenance.onErase must be "erase" or "flag", got ${JSON.stringify(s.onErase)}`;
  return null;
}

export function usesAny(record: CompletionRecord, ids: ReadonlySet<string>): boolean {
  return record.ids.some((id) => ids.has(id));
}

/** The records whose prompt held one of `ids`. */
export function recordsUsing(records: readonly CompletionRecord[], ids: Iterable<string>): CompletionRecord[] {
  const set = new Set(ids);
  return records.filter((r) => usesAny(r, set));
}

export interface FollowedErasure {
  /** The store after the erasure. */
  readonly records: CompletionRecord[];
  /** Records that used an erased example (erased or flagged). */
  readonly affected: number;
}

/**
 * The store after erasing `ids`: in `erase` mode the records that used one are dropped whole; in
 * `flag` mode they stay, without the erased ids (replaced by commitments in the flag), for review.
 * Idempotent: a second run finds no record holding an erased id.
 */
export function followErasure(
  records: readonly CompletionRecord[],
  ids: Iterable<string>,
  mode: ProvenanceSettings['onErase'],
  flag: { readonly requestId: string; readonly time: string; readonly commit: (id: string) => string },
): FollowedErasure {
  const erased = new Set(ids);
  const out: CompletionRecord[] = [];
  let affected = 0;
  for (const r of records) {
    if (!usesAny(r, erased)) {
      out.push(r);
      continue;
    }
    affected++;
    if (mode === 'erase') continue;
    const gone = [...new Set(r.ids.filter((id) => erased.has(id)))].sort();
    const f: ProvenanceFlag = { requestId: flag.requestId, time: flag.time, erasedIdCommitments: gone.map(flag.commit).sort() };
    out.push({ ...r, ids: r.ids.filter((id) => !erased.has(id)), flagged: [...(r.flagged ?? []), f] });
  }
  return { records: out, affected };
}
