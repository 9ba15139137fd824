import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { eraseFromDatasetFile } from '../dataset/load';
import type { Example } from '../dataset/types';
import { canonicalJson } from '../hash';
import { UserError } from '../errors';
import { deleteFromState } from '../qkmeans/deletion';
import { stateHash, type QkmState } from '../qkmeans/state';
import { train } from '../qkmeans/train';
import { makePointSet } from '../qkmeans/points';
import { writeFileAtomic } from '../storage/atomicWrite';
import { loadPoints } from '../storage/pointStore';
import { representatives } from '../erase/representatives';
import { predictedCertifiedFraction } from '../qkmeans/quality';
import { appendEntry, currentHead, readLog, repairTornTail, verifyLog, writeCheckpoint, type KeyStore, type AuditEntry, type AuditEntryInput } from '../audit';
import { unloadModel } from '../ollama/client';
import { countDeletion, loadMeta, loadState, saveMeta, saveState, type ClusterMeta } from './persisted';
import { contentsInUse, forgetVectors, pruneVectors } from './vectors';
import type { EraseWorkspace, WorkOptions } from './workspace';

export const TOOL_VERSION = 'erase-workbench/0.1.0';

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
  readonly modelUnloaded: boolean | null;
  readonly verification: { readonly equal: boolean; readonly scratchHash: string } | null;
  readonly auditSeq: number;
  /** True when this request id was already erased before: nothing was done again (idempotent re-run). */
  readonly alreadyDone: boolean;
  readonly ms: number;
  /** Time of the clustering update alone (the certificate check, or the retrain). */
  readonly updateMs: number;
}

/**
 * The intent record written before the commit point. It holds ids (to finish the erasure after a
 * crash) but never content, and it is deleted when the erasure is done.
 */
interface ErasureIntent {
  readonly requestId: string;
  readonly ids: readonly string[];
  readonly stateHashBefore: string;
  readonly stateHashAfter: string;
  readonly certified: boolean;
}

export interface RecoveryReport {
  readonly requestId: string;
  readonly outcome: 'rolled-back' | 'completed';
}

/** The workspace's audit keys: 0600 files by default; the extension installs a SecretStorage store. */
export function keyStoreFor(ws: EraseWorkspace): KeyStore {
  return ws.keyStore;
}

/** The content an audit commitment binds to: the example's canonical record. */
function contentOf(e: Example): string {
  return canonicalJson({ input: e.input, output: e.output, label: e.label, meta: e.meta });
}

/**
 * Erases examples as one crash-safe transaction:
 *   compute the new state in memory → intent record → audit entry (the commit point) →
 *   data file rewritten atomically → state, meta, point store → embedding cache → intent removed.
 * A crash before the audit entry rolls back (nothing else was touched); a crash after it rolls
 * forward on the next start (`recoverErasure`), so an erasure happens completely or not at all.
 */
export async function eraseExamples(ws: EraseWorkspace, req: ErasureRequest, opts: WorkOptions = {}, keyStore: KeyStore = keyStoreFor(ws)): Promise<DeletionReceipt> {
  await ws.lock.acquire();
  try {
    await recoverErasureLocked(ws, keyStore);
    return await eraseLocked(ws, req, opts, keyStore);
  } finally {
    ws.lock.release();
  }
}

async function eraseLocked(ws: EraseWorkspace, req: ErasureRequest, opts: WorkOptions, keyStore: KeyStore): Promise<DeletionReceipt> {
  const t0 = performance.now();
  if (req.requestId) {
    const log = await readLog(ws.paths.auditDir).catch(() => null);
    const done = log?.entries.find((e) => e.requestId === req.requestId && (e.action === 'erase' || e.action === 'reconcile'));
    if (done) return receiptFromEntry(done, performance.now() - t0);
  }
  if (req.ids.length === 0) throw new UserError('nothing to erase: no example matched', 'input');
  const model = await ws.loadModel(opts);
  const byId = new Map(model.dataset.examples.map((e) => [e.id, e] as const));
  const ids = [...new Set(req.ids)].sort();
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) throw new UserError(`${unknown.length} of the ids are not in the data set (first: ${unknown[0]}); check them with \`erase status --json\``, 'input');
  const outOfDate = ids.filter((id) => model.state.assignments.get(id)?.[1] !== byId.get(id)!.multiplicity);
  if (outOfDate.length > 0) throw new UserError('the data file was edited since the last clustering: run `erase reconcile` first', 'check');

  const removal = new Map(ids.map((id) => [id, byId.get(id)!.multiplicity] as const));
  const erasedContents = ids.map((id) => model.state.contents.get(id)!); // before deleteFromState consumes the state
  const tUpdate = performance.now();
  const result = deleteFromState(model.state, model.points, removal, { signal: opts.signal });
  const updateMs = performance.now() - tUpdate;
  const after = stateHash(result.state);
  const erasedSet = new Set(ids);
  const oldReps = model.meta.representatives;
  // A certified deletion keeps every other example's cluster, so only a lost representative moves.
  const reps = !result.certified || oldReps.some((r) => r !== null && erasedSet.has(r)) ? representatives(result.state, result.points) : [...oldReps];
  const promptChanged = reps.some((r, j) => r !== oldReps[j]);

  let verification: DeletionReceipt['verification'] = null;
  if (req.verify) {
    const scratch = stateHash(train(result.points, result.state.params, { signal: opts.signal }));
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

  const requestId = req.requestId ?? randomUUID();
  const intent: ErasureIntent = { requestId, ids, stateHashBefore: model.stateHash, stateHashAfter: after, certified: result.certified };
  writeFileAtomic(ws.paths.intent, JSON.stringify(intent));

  // Commit point: the audit entry (keyed commitments only, never content).
  const entry: AuditEntryInput = {
    requestId,
    time: req.time ?? new Date().toISOString(),
    action: 'erase',
    requester: req.requester,
    subjectRef: req.subjectRef,
    erased: ids.map((id) => ({ id, content: contentOf(byId.get(id)!) })),
    stateHashBefore: model.stateHash,
    stateHashAfter: after,
    certified: result.certified,
    retrained: !result.certified,
    promptChanged,
    modelUnloaded: modelUnloaded ?? undefined,
    verification: verification ?? undefined,
    toolVersion: TOOL_VERSION,
    notes: req.reason ? `reason: ${req.reason}` : undefined,
  };
  const appended = await appendEntry(ws.paths.auditDir, entry, { keyStore, expectedHead: model.meta.auditHead });

  const { removedLines } = eraseFromDatasetFile(ws.dataFile, erasedSet);
  const meta: ClusterMeta = {
    ...model.meta,
    stateHash: after,
    representatives: reps,
    predictedCertified: result.certified ? model.meta.predictedCertified : predictedCertifiedFraction(result.state, result.points),
    deletions: countDeletion(model.meta.deletions, result.certified),
    auditHead: appended.head,
  };
  saveState(ws.paths, result.state);
  saveMeta(ws.paths, meta);
  forgetVectors(
    ws.paths,
    { id: model.meta.embedderId, dimension: model.meta.embedderDimension },
    pointKeyOf(result.state),
    erasedContents,
    contentsInUse(
      result.state,
      model.dataset.examples.filter((e) => !erasedSet.has(e.id)),
    ),
  );
  unlinkSync(ws.paths.intent);

  return {
    requestId,
    erasedIds: ids,
    erasedCopies: [...removal.values()].reduce((a, b) => a + b, 0),
    removedLines: removedLines.length,
    certified: result.certified,
    retrained: !result.certified,
    retrainedFrom: result.failedAt,
    reason: result.reason,
    stateHashBefore: model.stateHash,
    stateHashAfter: after,
    promptChanged,
    modelUnloaded,
    verification,
    auditSeq: appended.entry.seq,
    alreadyDone: false,
    ms: performance.now() - t0,
    updateMs,
  };
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
    modelUnloaded: e.modelUnloaded ?? null,
    verification: e.verification ?? null,
    auditSeq: e.seq,
    alreadyDone: true,
    ms,
    updateMs: 0,
  };
}

function pointKeyOf(state: QkmState) {
  return { embedderId: state.params.embedderId, seed: state.params.seed, dims: state.params.dims };
}

/** Finishes or rolls back an erasure that a crash interrupted. Safe to call at any start. */
export async function recoverErasure(ws: EraseWorkspace, keyStore: KeyStore = keyStoreFor(ws)): Promise<RecoveryReport | null> {
  if (!existsSync(ws.paths.intent)) return null;
  await ws.lock.acquire();
  try {
    return await recoverErasureLocked(ws, keyStore);
  } finally {
    ws.lock.release();
  }
}

async function recoverErasureLocked(ws: EraseWorkspace, keyStore: KeyStore): Promise<RecoveryReport | null> {
  if (!existsSync(ws.paths.intent)) return null;
  let intent: ErasureIntent;
  try {
    intent = JSON.parse(readFileSync(ws.paths.intent, 'utf8')) as ErasureIntent;
  } catch {
    // A torn intent cannot have reached the commit point (it is written atomically before it).
    unlinkSync(ws.paths.intent);
    return null;
  }
  const auditDir = ws.paths.auditDir;
  await repairTornTail(auditDir).catch(() => undefined);
  const log = await readLog(auditDir).catch(() => null);
  const committed = log?.entries.some((e) => e.requestId === intent.requestId && e.action === 'erase') ?? false;
  if (!committed) {
    unlinkSync(ws.paths.intent);
    return { requestId: intent.requestId, outcome: 'rolled-back' };
  }

  // Roll forward: every step is idempotent.
  // A crash between the entry and its signed checkpoint leaves our own entry unanchored: sign it.
  const lastEntry = log!.entries[log!.entries.length - 1];
  if (lastEntry?.requestId === intent.requestId && (await verifyLog(auditDir)).problems.some((p) => p.kind === 'unanchored' || p.kind === 'no-checkpoint')) {
    await writeCheckpoint(auditDir, { keyStore, time: new Date().toISOString(), acceptUnanchored: true });
  }
  const head = await currentHead(auditDir);
  const erasedSet = new Set(intent.ids);
  eraseFromDatasetFile(ws.dataFile, erasedSet);
  const loaded = loadState(ws.paths);
  const meta = loadMeta(ws.paths);
  if (!loaded || !meta) throw new UserError('an interrupted erasure cannot be finished because the cluster state is missing: run `erase cluster`', 'check');
  if (loaded.hash !== intent.stateHashAfter) {
    const state = loaded.state;
    const key = pointKeyOf(state);
    const stored = loadPoints(ws.paths.points, key);
    let next: QkmState;
    if (stored !== null && [...state.contents.values()].every((c) => stored.has(c))) {
      const points = makePointSet(
        key.dims,
        [...state.assignments].map(([id, [, w]]) => ({ id, weight: w, vector: stored.get(state.contents.get(id)!)!, content: state.contents.get(id)! })),
      );
      const removal = new Map(intent.ids.filter((id) => state.assignments.has(id)).map((id) => [id, state.assignments.get(id)![1]] as const));
      next = deleteFromState(state, points, removal).state;
    } else {
      const points = await ws.pointsFor(ws.loadDataset().examples, key);
      next = train(points, state.params);
    }
    const hash = saveState(ws.paths, next);
    if (hash !== intent.stateHashAfter) {
      throw new UserError(
        `recovery of erasure ${intent.requestId} produced state ${hash.slice(0, 12)}… but the audit log recorded ${intent.stateHashAfter.slice(0, 12)}…: run \`erase verify\` and \`erase audit verify\``,
        'check',
      );
    }
  }
  if (meta.stateHash !== intent.stateHashAfter) {
    const model = await ws.loadModel();
    saveMeta(ws.paths, {
      ...meta,
      stateHash: intent.stateHashAfter,
      representatives: representatives(model.state, model.points),
      predictedCertified: predictedCertifiedFraction(model.state, model.points),
      deletions: countDeletion(meta.deletions, intent.certified),
      auditHead: head,
    });
  } else if (meta.auditHead?.size !== head.size || meta.auditHead.rootHash !== head.rootHash) {
    saveMeta(ws.paths, { ...meta, auditHead: head });
  }
  pruneVectors(
    ws.paths,
    { id: meta.embedderId, dimension: meta.embedderDimension },
    pointKeyOf(loaded.state),
    contentsInUse(loadState(ws.paths)!.state, ws.loadDataset().examples),
  );
  unlinkSync(ws.paths.intent);
  return { requestId: intent.requestId, outcome: 'completed' };
}
