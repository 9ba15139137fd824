/**
 * Completion provenance, the use cases: record a completion (every path that asks the model for
 * an answer calls recordCompletion once), list the completions that used an example, and search
 * recorded answers for erased text after an erasure. The store is `.erase/provenance.jsonl`
 * (src/core/provenance/store.ts); erasures follow it inside their transaction (transaction.ts).
 */
import { randomUUID } from 'node:crypto';
import { commitId } from '../audit';
import { UserError } from '../errors';
import { followErasure, recordsUsing } from '../provenance/follow';
import { answerHmac, appendRecord, readProvenance, rewriteProvenance, templateVersion, type CompletionRecord, type CompletionSource } from '../provenance/store';
import type { ResidualProvenanceHit as ProvenanceHit } from '../residual';
import { withWorkspaceLock } from './transaction';
import type { EraseWorkspace } from './workspace';

export interface CompletionToRecord {
  /** ISO 8601 time from the caller's clock. */
  readonly time: string;
  readonly source: CompletionSource;
  readonly model: string;
  /** Ids of the examples in the prompt, in prompt order ([] for a prompt without examples). */
  readonly ids: readonly string[];
  readonly answer: string;
  /** The prompt settings the prompt was rendered with (default: the workspace's template, mode and shots). */
  readonly promptSettings?: unknown;
}

export interface RecordedCompletion {
  /** The record as stored, or null when it was not kept (an example in its prompt was erased meanwhile, `onErase: erase`). */
  readonly record: CompletionRecord | null;
  /** Ids of the prompt that were erased between rendering the prompt and recording the answer. */
  readonly erasedMeanwhile: number;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** What shapes a completion besides its examples: the template (system prompt included), the mode, the shots and the model options. */
export function promptSettingsOf(ws: EraseWorkspace): unknown {
  return { template: ws.config.template, mode: ws.config.mode, shots: ws.config.shots, generation: ws.config.generation };
}

/**
 * Records one completion, under the workspace lock (so it never races an erasure's rewrite of the
 * store). An example of the prompt that is no longer in the data set was erased while the model
 * was answering: the erasure could not see this record yet, so the same rule applies here — the
 * record is not kept (`onErase: erase`) or is kept flagged (`flag`).
 */
export async function recordCompletion(ws: EraseWorkspace, c: CompletionToRecord): Promise<RecordedCompletion> {
  if (!ISO_TIME.test(c.time)) throw new UserError(`a completion's time must be ISO 8601, got "${c.time}"`, 'input');
  const settings = ws.config.provenance;
  return withWorkspaceLock(ws, ws.keyStore, async () => {
    const present = new Set(ws.loadDataset().examples.map((e) => e.id));
    const gone = [...new Set(c.ids.filter((id) => !present.has(id)))];
    const key = settings.answers === 'hash' || gone.length > 0 ? await ws.keyStore.getOrCreateHmacKey() : null;
    let record: CompletionRecord = {
      v: 1,
      id: `cmp-${randomUUID()}`,
      time: c.time,
      source: c.source,
      model: c.model,
      template: templateVersion(c.promptSettings ?? promptSettingsOf(ws)),
      ids: [...c.ids],
      ...(settings.answers === 'text' ? { answer: c.answer } : { answerHmac: answerHmac(key!, c.answer) }),
    };
    if (gone.length > 0) {
      const followed = followErasure([record], gone, settings.onErase, { requestId: '(erased before the answer was recorded)', time: c.time, commit: (id) => commitId(key!, id) });
      if (followed.records.length === 0) return { record: null, erasedMeanwhile: gone.length };
      record = followed.records[0];
    }
    appendRecord(ws.paths.provenance, record);
    return { record, erasedMeanwhile: gone.length };
  });
}

export interface ProvenanceListing {
  readonly completions: readonly CompletionRecord[];
  /** Lines of the store that could not be read (never quoted). */
  readonly unreadable: number;
}

/** The recorded completions whose prompt held example `id`, oldest first. */
export function completionsUsing(ws: EraseWorkspace, id: string): ProvenanceListing {
  const read = readProvenance(ws.paths.provenance);
  return { completions: recordsUsing(read.records, [id]), unreadable: read.unreadable };
}

/** The recorded completions flagged for review by an erasure (`provenance.onErase: flag`). */
export function flaggedCompletions(ws: EraseWorkspace): ProvenanceListing {
  const read = readProvenance(ws.paths.provenance);
  return { completions: read.records.filter((r) => (r.flagged?.length ?? 0) > 0), unreadable: read.unreadable };
}

/**
 * The residual scan of the provenance store: answers stored as text are searched for the erased
 * texts; answers stored as hashes cannot be, so those records are matched by the erased ids (a
 * record still naming one, or flagged with its commitment).
 */
export async function scanProvenance(ws: EraseWorkspace, needles: readonly string[], ids: readonly string[], minLength: number): Promise<ProvenanceHit[]> {
  const read = readProvenance(ws.paths.provenance);
  if (read.records.length === 0) return [];
  const erased = new Set(ids);
  const key = ids.length > 0 && read.records.some((r) => r.flagged) ? await ws.keyStore.getOrCreateHmacKey() : null;
  const commitments = new Set(key ? ids.map((id) => commitId(key, id)) : []);
  const hits: ProvenanceHit[] = [];
  for (const r of read.records) {
    if (r.answer !== undefined) {
      needles.forEach((n, i) => {
        if (n.trim().length >= minLength && r.answer!.includes(n)) hits.push({ completion: r.id, how: 'answer-text', needleIndex: i });
      });
    }
    if (r.ids.some((id) => erased.has(id))) hits.push({ completion: r.id, how: 'example-id' });
    else if (r.flagged?.some((f) => f.erasedIdCommitments.some((c) => commitments.has(c)))) hits.push({ completion: r.id, how: 'flagged' });
  }
  return hits;
}

/**
 * A reviewer's decision on a recorded completion: `erase` removes the record (its answer with it),
 * `keep` clears its flags. The store is rewritten atomically under the workspace lock.
 */
export async function resolveCompletion(ws: EraseWorkspace, completionId: string, decision: 'erase' | 'keep'): Promise<CompletionRecord> {
  return withWorkspaceLock(ws, ws.keyStore, () => {
    const read = readProvenance(ws.paths.provenance);
    const found = read.records.find((r) => r.id === completionId);
    if (!found) throw new UserError(`no recorded completion ${completionId}; list them with erase provenance --flagged or --id ID`, 'input');
    const next = read.records
      .filter((r) => decision === 'keep' || r.id !== completionId)
      .map((r) => {
        if (r.id !== completionId) return r;
        const { flagged: _f, ...rest } = r;
        return rest;
      });
    rewriteProvenance(ws.paths.provenance, next);
    return found;
  });
}
