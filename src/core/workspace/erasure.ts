import { randomUUID } from 'node:crypto';
import type { Example, ParsedDataset } from '../dataset/types';
import { driftOf } from './drift';
import { canonicalJson } from '../hash';
import { UserError } from '../errors';
import { deleteFromState } from '../qkmeans/deletion';
import { stateHash, type QkmState } from '../qkmeans/state';
import { encodeState } from '../qkmeans/stateEncoding';
import { train } from '../qkmeans/train';
import type { PointSet } from '../qkmeans/points';
import { representatives } from '../erase/representatives';
import { predictedCertifiedFraction } from '../qkmeans/quality';
import type { KeyStore, AuditEntry } from '../audit';
import { unloadModel } from '../ollama/client';
import { countDeletion, loadState, loadMeta, type ClusterMeta } from './persisted';
import { leanDeletion, type LeanDeletion } from './leanErasure';
import { describe } from './training';
import { committedEntry, pointKeyOf, recoverPending, runTransaction, TOOL_VERSION, type Committed, type Plan, type RecoveryReport } from './transaction';
import type { NewRecord } from './requestRecords';
import { promptChanges, type PromptChange } from '../provenance/promptChange';
import type { EraseWorkspace, WorkOptions } from './workspace';

export { TOOL_VERSION };
export type { RecoveryReport };

export interface ErasureRequest {
  /** Example ids to erase (every copy of each). */
  readonly ids: readonly string[];
  readonly requestId?: string;
  readonly requester?: string;
  readonly subjectRef?: string;
  readonly reason?: string;
  /** Retrain from scratch before committing and record the comparison in the audit entry. */
  readonly verify?: boolean;
  /** Unload the Ollama model when the prompt changed, so its KV cache drops the erased example. */
  readonly unloadModel?: boolean;
  /** The caller's clock (core never reads one for what it records); defaults to now. */
  readonly time?: string;
  /** The request record to create when none exists under requestId (its status becomes erased in the same transaction). */
  readonly record?: Omit<NewRecord, 'receivedAt'>;
}

export interface DeletionReceipt {
  readonly requestId: string;
  readonly erasedIds: readonly string[];
  readonly erasedCopies: number;
  readonly removedLines: number;
  readonly certified: boolean;
  readonly retrained: boolean;
  /** Where a retrain started (0 = from scratch), when one was needed. */
  readonly retrainedFrom: number | null;
  readonly reason: string | null;
  readonly stateHashBefore: string;
  readonly stateHashAfter: string;
  readonly promptChanged: boolean;
  /** Per cluster whose representative changed: the id that left (its text is erased) and the id that replaced it. */
  readonly promptChanges: readonly PromptChange[];
  /** Recorded completions whose prompt held an erased example, erased (or flagged for review) in the same transaction. */
  readonly provenance: { readonly mode: 'erase' | 'flag'; readonly completions: number } | null;
  readonly modelUnloaded: boolean | null;
  readonly verification: { readonly equal: boolean; readonly scratchHash: string } | null;
  readonly auditSeq: number;
  /** True when this request id was already erased before: nothing was done again (idempotent re-run). */
  readonly alreadyDone: boolean;
  /** Hand edits of the data file folded into this erasure's transaction (lines removed or added by hand). */
  readonly reconciled: { readonly removedIds: readonly string[]; readonly addedIds: readonly string[] } | null;
  readonly ms: number;
  /** Time of the clustering update alone (the certificate check, or the retrain). */
  readonly updateMs: number;
}

/** The workspace's audit keys: 0600 files by default; the extension installs a SecretStorage store. */
export function keyStoreFor(ws: EraseWorkspace): KeyStore {
  return ws.keyStore;
}

/** The content an audit commitment binds to: the example's canonical record. */
function contentOf(e: Example): string {
  return canonicalJson({ input: e.input, output: e.output, label: e.label, meta: e.meta });
}

/** Hand edits since the last clustering, as an erasure sees them: removed weights (an edited explicit-id text removes all of its old weight), and ids added or edited. */
export function handEdits(state: QkmState, dataset: ParsedDataset): { removed: Map<string, number>; added: string[]; edited: string[] } {
  const d = driftOf(state, dataset);
  const removed = new Map(d.removed);
  for (const id of d.edited) removed.set(id, state.assignments.get(id)![1]);
  return { removed, added: [...d.added, ...d.edited], edited: d.edited };
}

/**
 * Erases examples as one audited transaction (see transaction.ts): the new state is computed in
 * memory, then intent → audit entry (the commit point) → data file, state, meta, vectors and the
 * request record. Hand edits not yet reconciled are folded into the same transaction (a retrain
 * on the edited file), so the result always equals a brand-new workspace on the file.
 */
export async function eraseExamples(ws: EraseWorkspace, req: ErasureRequest, opts: WorkOptions = {}, keyStore: KeyStore = keyStoreFor(ws)): Promise<DeletionReceipt> {
  return eraseExamplesWith(ws, req, opts, keyStore, {});
}

/** What a long-lived caller (erasureSession.ts) lends the erasure, and learns back, under the lock. */
export interface ErasureHooks {
  /** After the commit, still under the lock: the lean path's result, or null when the full path ran. */
  readonly committed?: (lean: LeanDeletion | null) => void;
  /**
   * At the commit point, before the files are rewritten (runTransaction): the receipt as it will
   * be (its `ms` up to here) and the representatives after the erasure. A long-lived host shows
   * the outcome from here; the transaction still holds the lock until everything is applied.
   */
  readonly atCommit?: (receipt: DeletionReceipt, representatives: readonly (string | null)[]) => void;
}

/** eraseExamples with hooks: the same plan, the same transaction, the same bytes. */
export async function eraseExamplesWith(ws: EraseWorkspace, req: ErasureRequest, opts: WorkOptions, keyStore: KeyStore, hooks: ErasureHooks): Promise<DeletionReceipt> {
  const t0 = performance.now();
  return runTransaction(ws, keyStore, async () => {
    if (req.requestId) {
      const done = await committedEntry(ws, req.requestId, ['erase', 'reconcile']);
      if (done) return { plan: null, result: () => receiptFromEntry(done, performance.now() - t0) };
    }
    const planned = await planErasure(ws, req, opts);
    const receiptOf = (c: Committed): DeletionReceipt => ({
      ...planned.receipt,
      requestId: c.requestId,
      auditSeq: c.entry.seq,
      provenance: c.provenance,
      ms: performance.now() - t0,
    });
    const atCommit = hooks.atCommit;
    const reps = planned.plan.meta?.representatives;
    return {
      plan: planned.plan,
      result: (c) => {
        hooks.committed?.(planned.lean);
        return receiptOf(c!);
      },
      ...(atCommit && reps ? { committed: (c: Committed) => atCommit(receiptOf(c), reps) } : {}),
    };
  });
}

async function planErasure(
  ws: EraseWorkspace,
  req: ErasureRequest,
  opts: WorkOptions,
): Promise<{ plan: Plan; lean: LeanDeletion | null; receipt: Omit<DeletionReceipt, 'requestId' | 'auditSeq' | 'ms' | 'provenance'> }> {
  if (req.ids.length === 0) throw new UserError('nothing to erase: no example matched', 'input');
  const meta = loadMeta(ws.paths);
  if (!meta) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
  const ids = [...new Set(req.ids)].sort();
  // The erased examples alone (through the data-file index); the whole data set only if the lean path does not apply.
  const chosen = ws.examplesByIds(ids);
  let byId = erasedExamples(chosen.examples, ids);
  const removalOf = () => new Map(ids.map((id) => [id, byId.get(id)!.multiplicity] as const));
  let removal = removalOf();
  const erasedSet = new Set(ids);

  const tUpdate = performance.now();
  // A certified erasure with nothing drifted reads only the erased rows and vectors; anything else takes the full path.
  let lean = req.verify ? null : leanDeletion(ws.paths, meta, removal, chosen.stamp);
  const dataset = lean ? null : ws.loadDataset();
  if (dataset) {
    byId = erasedExamples(dataset.examples, ids);
    removal = removalOf();
  }
  const loaded = lean ? null : loadState(ws.paths);
  if (!lean && !loaded) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
  const edits = loaded ? handEdits(loaded.state, dataset!) : { removed: new Map<string, number>(), added: [], edited: [] };
  const drift = edits.removed.size > 0 || edits.added.length > 0;
  // The file's stamp changed but not its examples (a copied, restored or touched workspace): the
  // comparison just made vouches for the file, so the certified erasure still needs only its rows.
  if (!lean && !drift && !req.verify) lean = leanDeletion(ws.paths, meta, removal, null, loaded!.hash);
  const stateHashBefore = lean ? lean.stateHashBefore : loaded!.hash;
  let state: QkmState;
  // The remaining points, only when a step needs them: on the certified path they are an O(n·D) copy nothing uses.
  let pointsOf: () => PointSet = () => {
    throw new Error('internal: the lean erasure path has no point set');
  };
  let certified = false;
  let failedAt: number | null = 0;
  let reason: string | null = null;
  if (lean) {
    state = lean.state;
    certified = true;
    failedAt = null;
  } else if (!drift) {
    const model = await ws.loadModel(opts, { ...loaded!, meta });
    const result = deleteFromState(model.state, model.points, removal, { signal: opts.signal });
    state = result.state;
    pointsOf = () => result.points;
    certified = result.certified;
    failedAt = result.failedAt;
    reason = result.reason;
  } else {
    // Hand edits first, in the same transaction: a retrain on the file as it will be.
    const remaining = dataset!.examples.filter((e) => !erasedSet.has(e.id));
    const points = await ws.pointsFor(remaining, pointKeyOf(loaded!.state), opts);
    pointsOf = () => points;
    state = train(points, loaded!.state.params, { signal: opts.signal });
    reason = 'hand edits of the data file were reconciled in the same transaction';
  }
  // Encoded once: the hash for the plan, the same files for the state folder (only the changed pages on the lean path).
  const encoded = lean ? lean.encoded : encodeState(state);
  const after = encoded.hash;
  const updateMs = performance.now() - tUpdate;
  const oldReps = meta.representatives;
  // The representatives are part of the state (the certified path recomputes a lost one).
  const described = certified ? null : describe(state, pointsOf());
  const reps = representatives(state);
  const promptChanged = reps.length !== oldReps.length || reps.some((r, j) => r !== oldReps[j]);

  let verification: DeletionReceipt['verification'] = null;
  if (req.verify) {
    const scratch = stateHash(train(pointsOf(), state.params, { signal: opts.signal }));
    verification = { equal: scratch === after, scratchHash: scratch };
  }
  let modelUnloaded: boolean | null = null;
  if (promptChanged && (req.unloadModel ?? ws.config.unloadOnPromptChange)) {
    try {
      await unloadModel(ws.config.ollamaHost, ws.config.ollamaModel, opts.signal);
      modelUnloaded = true;
    } catch {
      modelUnloaded = false; // recorded honestly: the model may still hold the old prompt in its cache
    }
  }
  const newMeta: ClusterMeta = {
    ...meta,
    ...(described
      ? {
          representatives: described.representatives,
          predictedCertified: described.predictedCertified,
          ve: described.ve,
          nonEmpty: described.nonEmpty,
          warnings: described.warnings,
        }
      : {}),
    stateHash: after,
    representatives: reps,
    predictedCertified: certified ? meta.predictedCertified : (described?.predictedCertified ?? predictedCertifiedFraction(state, pointsOf())),
    deletions: countDeletion(meta.deletions, certified),
  };
  const handRemoved = [...edits.removed.keys()].filter((id) => !erasedSet.has(id));
  const inFile = dataset ? new Set(dataset.examples.map((e) => e.id)) : null;
  const handGone = handRemoved.filter((id) => !inFile!.has(id));
  const time = req.time ?? new Date().toISOString();
  const notes = [
    req.reason ? `reason: ${req.reason}` : null,
    drift
      ? `also reconciled hand edits: ${handRemoved.length - edits.edited.length} example(s) removed by hand, ${edits.edited.length} edited, ${edits.added.length - edits.edited.length} added; hand-removed content is committed to by its SHA-256 (the text was already gone)`
      : null,
  ]
    .filter((x) => x !== null)
    .join('; ');
  const requestId = req.requestId ?? `REQ-${randomUUID()}`;
  const plan: Plan = {
    action: 'erase',
    requestId,
    dataFileIds: ids,
    forgetIds: [...ids, ...handGone, ...edits.edited],
    stateHashBefore,
    state,
    encoded,
    released: lean?.released,
    dataFileStamp: (dataset ? ws.loadedDatasetStamp() : chosen.stamp) ?? undefined,
    stateHashAfter: after,
    meta: newMeta,
    certified,
    entry: {
      time,
      requester: req.requester,
      subjectRef: req.subjectRef,
      erased: [
        ...ids.map((id) => ({ id, content: contentOf(byId.get(id)!) })),
        // hand-removed (and hand-edited) content: its text is gone, so commit to the content hash the state recorded
        ...[...handRemoved, ...ids.filter((id) => edits.edited.includes(id))].map((id) => ({ id, content: `sha256:${loaded!.state.contents.get(id)}` })),
      ],
      certified,
      retrained: !certified,
      promptChanged,
      modelUnloaded: modelUnloaded ?? undefined,
      verification: verification ?? undefined,
      notes: notes || undefined,
    },
    recordUpdate: { kind: 'erased', requestId, time, erasedCount: ids.length, updateMs, create: req.record ? { ...req.record, receivedAt: time } : undefined },
  };
  return {
    plan,
    lean,
    receipt: {
      erasedIds: ids,
      erasedCopies: [...removal.values()].reduce((a, b) => a + b, 0),
      removedLines: ids.reduce((s, id) => s + byId.get(id)!.lines.length, 0),
      certified,
      retrained: !certified,
      retrainedFrom: certified ? null : failedAt,
      reason,
      stateHashBefore,
      stateHashAfter: after,
      promptChanged,
      promptChanges: promptChanges(oldReps, reps),
      modelUnloaded,
      verification,
      alreadyDone: false,
      reconciled: drift ? { removedIds: handRemoved, addedIds: edits.added } : null,
      updateMs,
    },
  };
}

/** id → example for the erased ids; a clear error when one is not in the data file. */
function erasedExamples(examples: readonly Example[], ids: readonly string[]): Map<string, Example> {
  const want = new Set(ids);
  const byId = new Map(examples.filter((e) => want.has(e.id)).map((e) => [e.id, e] as const));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) throw new UserError(`${unknown.length} of the ids are not in the data set (first: ${JSON.stringify(unknown[0])}); list the ids with status`, 'input');
  return byId;
}

/** The receipt of an erasure done earlier, from its audit entry (which holds no ids: they are gone). */
function receiptFromEntry(e: AuditEntry, ms: number): DeletionReceipt {
  return {
    requestId: e.requestId,
    erasedIds: [],
    erasedCopies: 0,
    removedLines: 0,
    certified: e.certified,
    retrained: e.retrained,
    retrainedFrom: null,
    reason: null,
    stateHashBefore: e.stateHashBefore,
    stateHashAfter: e.stateHashAfter,
    promptChanged: e.promptChanged,
    promptChanges: [],
    provenance: null,
    modelUnloaded: e.modelUnloaded ?? null,
    verification: e.verification ?? null,
    auditSeq: e.seq,
    alreadyDone: true,
    reconciled: null,
    ms,
    updateMs: 0,
  };
}

/** Finishes or rolls back any transaction that a crash interrupted. Safe to call at any start. */
export async function recoverErasure(ws: EraseWorkspace, keyStore: KeyStore = keyStoreFor(ws)): Promise<RecoveryReport | null> {
  return recoverPending(ws, keyStore);
}
