/**
 * The one audited-transaction unit that every state-changing action goes through:
 *
 *   lock → finish any interrupted transaction → plan (in memory, no writes) → intent record →
 *   audit entry (the commit point) → apply (data file, state, meta, vectors, request records) →
 *   intent removed → unlock
 *
 * A crash before the audit entry rolls back (only the intent was written); a crash after it is
 * rolled forward by the next command, for every action kind, from the intent and the entry alone.
 * An I/O error while deciding which of the two applies is an error, never "not committed".
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { eraseFromDatasetFile } from '../dataset/load';
import { UserError } from '../errors';
import {
  appendEntry,
  currentHead,
  readLog,
  repairTornTail,
  verifyLog,
  writeCheckpoint,
  type AppendResult,
  type AuditAction,
  type AuditEntry,
  type AuditEntryInput,
  type KeyStore,
} from '../audit';
import { LEGACY_TEXT_FORMAT, STATE_FORMAT, stateHash, type QkmState } from '../qkmeans/state';
import { train } from '../qkmeans/train';
import { makePointSet } from '../qkmeans/points';
import { deleteFromState } from '../qkmeans/deletion';
import { loadPoints } from '../storage/pointStore';
import { removeDataFileTemps, writeFileAtomic } from '../storage/atomicWrite';
import { writeStep } from '../storage/writeSteps';
import { entriesOfRequest } from '../audit/lookup';
import { countDeletion, loadMeta, loadState, saveMeta, saveState, type ClusterMeta } from './persisted';
import { encodeState, type EncodedState } from '../qkmeans/stateEncoding';
import { collectStateGarbage, writeState } from './stateStore';
import { contentCounts, pruneVectors, releaseVectors } from './vectors';
import { dataFileStamp } from './leanErasure';
import { fileStampText } from '../dataset/fileIndex';
import { describe } from './training';
import { applyRecordUpdate, type RecordUpdate } from './requestRecords';
import { applyFollowed, countFollowed } from '../provenance/apply';
import type { ProvenanceSettings } from '../provenance/follow';
import type { EraseWorkspace } from './workspace';

export const TOOL_VERSION = 'erase-workbench/0.1.0';
const INTENT_FORMAT = 'erase-intent/2';

/** What a planned transaction will do after its commit point; ids only, never content. */
export interface Intent {
  readonly format: typeof INTENT_FORMAT;
  readonly action: AuditAction;
  readonly requestId: string;
  /** Log size before the commit entry: the entry, if written, is at or after this position. */
  readonly auditSizeBefore: number;
  /** Examples whose lines leave the data file. */
  readonly dataFileIds: readonly string[];
  /** Examples whose vectors leave the caches (erased, or removed by hand). */
  readonly forgetIds: readonly string[];
  readonly stateHashBefore: string;
  readonly stateHashAfter: string;
  /** Whether the state changed by a certified deletion (counted in the meta) or not at all (null). */
  readonly certified: boolean | null;
  readonly recordUpdate?: RecordUpdate;
  /** What happens to recorded completions that used a forgotten example (absent in intents of older versions). */
  readonly provenanceMode?: ProvenanceSettings['onErase'];
}

/** A transaction's plan: computed under the lock, with nothing written yet. */
export interface Plan {
  readonly action: AuditAction;
  readonly requestId?: string;
  readonly dataFileIds?: readonly string[];
  readonly forgetIds?: readonly string[];
  readonly stateHashBefore: string;
  /** The new state, computed in memory (null: the state does not change). */
  readonly state: QkmState | null;
  /** Its encoding, when the planner already made it (only the changed pages on the lean path): saved as is, `stateHashAfter` being its hash. */
  readonly encoded?: EncodedState;
  /**
   * Set when `state` is partial (leanErasure.ts: only the erased rows): content → references the
   * erasure removed, for a targeted prune of the vector stores instead of one over the whole state.
   */
  readonly released?: ReadonlyMap<string, number>;
  /** The data file's stamp when the plan read it: if it still holds before the rewrite, the meta records the file as in sync with the new state. */
  readonly dataFileStamp?: string;
  readonly stateHashAfter: string;
  readonly meta?: ClusterMeta | null;
  readonly certified: boolean | null;
  readonly entry: Omit<AuditEntryInput, 'requestId' | 'action' | 'stateHashBefore' | 'stateHashAfter' | 'toolVersion'>;
  readonly recordUpdate?: RecordUpdate;
}

export interface Committed {
  readonly requestId: string;
  readonly entry: AuditEntry;
  readonly appended: AppendResult;
  /** Recorded completions whose prompt held an erased example: erased or flagged for review in this transaction. */
  readonly provenance: { readonly mode: ProvenanceSettings['onErase']; readonly completions: number };
}

export interface RecoveryReport {
  readonly requestId: string;
  readonly action: AuditAction;
  readonly outcome: 'rolled-back' | 'completed';
}

/**
 * The plan of an action that records something and leaves the cluster state as it is (verify,
 * refuse, a note, a forget-set export): its entry commits to the current state hash before and after.
 */
export function unchangedStatePlan(
  stateHash: string,
  p: Pick<Plan, 'action' | 'requestId' | 'recordUpdate'> & { readonly entry: Omit<Plan['entry'], 'certified' | 'retrained' | 'promptChanged'> },
): Plan {
  return {
    action: p.action,
    ...(p.requestId === undefined ? {} : { requestId: p.requestId }),
    stateHashBefore: stateHash,
    state: null,
    stateHashAfter: stateHash,
    certified: null,
    entry: { ...p.entry, certified: false, retrained: false, promptChanged: false },
    ...(p.recordUpdate ? { recordUpdate: p.recordUpdate } : {}),
  };
}

/**
 * Runs `plan` and, unless it returns null (nothing to do), commits and applies it, all under the
 * workspace lock. `committed`, if the planner gives one, runs at the commit point: the audit entry
 * is durable (and the intent that lets recovery finish the rest), the files not yet rewritten —
 * the moment a long-lived host can show the outcome (a write-ahead log's commit). Applying goes on
 * under the lock; an error the callback throws is raised after it.
 */
export async function runTransaction<T>(
  ws: EraseWorkspace,
  keyStore: KeyStore,
  plan: () => Promise<{ plan: Plan | null; result: (c: Committed | null) => T; committed?: (c: Committed) => void }>,
): Promise<T> {
  await ws.lock.acquire();
  try {
    await recoverLocked(ws, keyStore);
    const { plan: p, result, committed: atCommit } = await plan();
    if (p === null) return result(null);
    const committed = await commitAndApply(ws, keyStore, p, atCommit);
    return result(committed);
  } finally {
    ws.lock.release();
  }
}

/** Holds the lock for work that writes only request records (no audit entry, no state). */
export async function withWorkspaceLock<T>(ws: EraseWorkspace, keyStore: KeyStore, work: () => Promise<T> | T): Promise<T> {
  await ws.lock.acquire();
  try {
    await recoverLocked(ws, keyStore);
    return await work();
  } finally {
    ws.lock.release();
  }
}

async function commitAndApply(ws: EraseWorkspace, keyStore: KeyStore, p: Plan, atCommit?: (c: Committed) => void): Promise<Committed> {
  const requestId = p.requestId ?? `${p.action}-${randomUUID()}`;
  const meta = loadMeta(ws.paths);
  const head = await currentHead(ws.paths.auditDir, keyStore);
  const provenance = { mode: ws.config.provenance.onErase, completions: countFollowed(ws.paths.provenance, followedIds(p)) };
  const intent: Intent = {
    format: INTENT_FORMAT,
    action: p.action,
    requestId,
    auditSizeBefore: head.size,
    dataFileIds: [...(p.dataFileIds ?? [])],
    forgetIds: [...(p.forgetIds ?? [])],
    stateHashBefore: p.stateHashBefore,
    stateHashAfter: p.stateHashAfter,
    certified: p.certified,
    recordUpdate: p.recordUpdate,
    provenanceMode: provenance.mode,
  };
  writeFileAtomic(ws.paths.intent, JSON.stringify(intent));
  // Commit point: the audit entry (keyed commitments only, never content).
  const appended = await appendEntry(
    ws.paths.auditDir,
    {
      ...p.entry,
      notes: withProvenanceNote(p.entry.notes, provenance),
      requestId,
      action: p.action,
      stateHashBefore: p.stateHashBefore,
      stateHashAfter: p.stateHashAfter,
      toolVersion: TOOL_VERSION,
    },
    { keyStore, expectedHead: meta?.auditHead },
  );
  const committed: Committed = { requestId, entry: appended.entry, appended, provenance };
  let callbackError: { error: unknown } | null = null;
  try {
    atCommit?.(committed);
  } catch (error) {
    callbackError = { error }; // never stops the apply of a committed transaction
  }
  await applyCommitted(ws, keyStore, intent, appended.entry, appended.head, {
    state: p.state,
    encoded: p.encoded,
    meta: p.meta ?? null,
    released: p.released,
    dataFileStamp: p.dataFileStamp,
  });
  removeIntent(ws);
  if (callbackError) throw callbackError.error;
  return committed;
}

/** Examples whose content leaves the workspace: completions whose prompt held one follow them. */
function followedIds(p: Pick<Intent, 'dataFileIds' | 'forgetIds'> | Plan): string[] {
  return [...new Set([...(p.dataFileIds ?? []), ...(p.forgetIds ?? [])])].sort();
}

/** The audit entry says how many recorded completions the erasure followed into (a count: never ids or text). */
function withProvenanceNote(notes: string | undefined, p: Committed['provenance']): string | undefined {
  if (p.completions === 0) return notes;
  const note = `provenance: ${p.completions} recorded completion(s) whose prompt held an erased example ${p.mode === 'erase' ? 'erased' : 'flagged for review'}`;
  return notes ? `${notes}; ${note}` : note;
}

/**
 * Everything after the commit point. Idempotent: recovery runs it again from the intent alone
 * (`precomputed` absent), so each step checks what is already done.
 */
async function applyCommitted(
  ws: EraseWorkspace,
  keyStore: KeyStore,
  intent: Intent,
  entry: AuditEntry,
  head: { size: number; rootHash: string },
  precomputed?: { state: QkmState | null; encoded?: EncodedState; meta: ClusterMeta | null; released?: ReadonlyMap<string, number>; dataFileStamp?: string },
): Promise<void> {
  // An erasure's new state covers exactly the file it rewrites, if no one edited the file since the
  // plan read it — nor while it was rewritten (the lines kept are then the editor's).
  let syncs = intent.action === 'erase' && precomputed?.dataFileStamp !== undefined && precomputed.dataFileStamp === dataFileStamp(ws.dataFile);
  // The file as this transaction left it (null: nothing written, or changed since): what the meta may name.
  let leftAs: string | null = null;
  if (intent.dataFileIds.length > 0) {
    const { readFrom, writtenAs } = eraseFromDatasetFile(ws.dataFile, new Set(intent.dataFileIds), ws.paths.datasetIndex);
    syncs &&= readFrom !== null && fileStampText(readFrom) === precomputed!.dataFileStamp && writtenAs !== null;
    if (writtenAs) leftAs = fileStampText(writtenAs);
  }
  const followed = followedIds(intent);
  if (intent.provenanceMode && followed.length > 0) {
    await applyFollowed(ws.paths.provenance, followed, intent.provenanceMode, { requestId: intent.requestId, time: entry.time }, keyStore);
  }
  const stateChanged = intent.stateHashAfter !== intent.stateHashBefore;
  if (stateChanged && intent.stateHashAfter !== '') {
    if (precomputed?.state && precomputed.encoded !== undefined) {
      if (precomputed.encoded.hash !== intent.stateHashAfter) throw new Error('internal: the planned state encoding is not the committed one');
      writeState(ws.paths, precomputed.encoded);
    } else if (precomputed?.state) {
      const h = saveState(ws.paths, precomputed.state);
      if (h !== intent.stateHashAfter) throw new Error(`internal: planned state ${intent.stateHashAfter.slice(0, 12)} but saved ${h.slice(0, 12)}`);
    } else {
      await reachState(ws, intent);
      // A crash after the manifest's switch left the old pages (they hold the erased ids): recovery
      // deletes them here. (A planned write collected its garbage itself: stateStore.writeState.)
      collectStateGarbage(ws.paths);
    }
  }
  const meta = precomputed?.meta ?? loadMeta(ws.paths);
  if (meta) {
    let next: ClusterMeta = meta;
    if (!precomputed?.meta && stateChanged && meta.stateHash !== intent.stateHashAfter) {
      // Recovery: describe the state we reached (representatives, quality) afresh.
      const model = await ws.loadModel();
      const { state: _s, ...described } = describe(model.state, model.points);
      next = { ...meta, ...described, stateHash: intent.stateHashAfter, deletions: countDeletion(meta.deletions, intent.certified === true) };
    }
    const now = syncs ? dataFileStamp(ws.dataFile) : null;
    if (now !== null && (leftAs === null || now === leftAs)) next = { ...next, syncedWith: { dataFile: now, stateHash: intent.stateHashAfter } };
    if (next.auditHead?.size !== head.size || next.auditHead?.rootHash !== head.rootHash || next !== meta || precomputed?.meta) saveMeta(ws.paths, { ...next, auditHead: head });
  }
  if (intent.forgetIds.length > 0) {
    // Vectors are keyed by content: keep exactly the contents the new state uses. Every action
    // that forgets vectors leaves a state covering the whole data file (hand edits are folded in),
    // so the file need not be parsed again; a vector dropped for a line added by hand meanwhile
    // would only be embedded again.
    const m = precomputed?.meta ?? loadMeta(ws.paths);
    const state = precomputed?.state ?? loadState(ws.paths)?.state;
    if (m && state && precomputed?.released) releaseVectors(ws.paths, { id: m.embedderId, dimension: m.embedderDimension }, pointKeyOf(state), precomputed.released);
    else if (m && state) pruneVectors(ws.paths, { id: m.embedderId, dimension: m.embedderDimension }, pointKeyOf(state), contentCounts(state, []));
  }
  if (intent.recordUpdate) applyRecordUpdate(ws, intent.recordUpdate, entry);
}

/** Brings the saved state to the one the audit entry recorded, after a crash. */
async function reachState(ws: EraseWorkspace, intent: Intent): Promise<void> {
  const loaded = loadState(ws.paths);
  if (loaded && (loaded.hash === intent.stateHashAfter || loaded.legacyHash === intent.stateHashAfter)) return;
  if (!loaded) throw new UserError('an interrupted transaction cannot be finished because the cluster state is missing', 'check', 'cluster');
  const state = loaded.state;
  const key = pointKeyOf(state);
  // A certified deletion equals a retrain on the remaining data (the certificate), so a retrain
  // from the data file reaches the recorded state whenever the file has not been edited since.
  const points = await ws.pointsFor(ws.loadDataset().examples, key);
  let next: QkmState = train(points, state.params);
  if (stateHash(next) !== intent.stateHashAfter && loaded.hash === intent.stateHashBefore && intent.dataFileIds.length > 0) {
    // The file changed by hand after the crash: apply the recorded deletion to the state we had.
    const stored = loadPoints(ws.paths.points, key);
    if (stored !== null && [...state.contents.values()].every((c) => stored.has(c))) {
      const all = makePointSet(
        key.dims,
        [...state.assignments].map(([id, [, w]]) => ({ id, weight: w, vector: stored.get(state.contents.get(id)!)!, content: state.contents.get(id)! })),
      );
      const removal = new Map(intent.dataFileIds.filter((id) => state.assignments.has(id)).map((id) => [id, state.assignments.get(id)![1]] as const));
      next = deleteFromState(state, all, removal).state;
    }
  }
  const hash = saveState(ws.paths, next);
  if (hash !== intent.stateHashAfter) {
    throw new UserError(
      `recovery of ${intent.action} ${intent.requestId} reached state ${hash.slice(0, 12)}… but the audit log recorded ${intent.stateHashAfter.slice(0, 12)}… (the data file was edited since)`,
      'check',
      'reconcile',
    );
  }
}

export function pointKeyOf(state: QkmState) {
  return { embedderId: state.params.embedderId, seed: state.params.seed, dims: state.params.dims };
}

function readIntent(path: string): Intent | null | 'torn' {
  if (!existsSync(path)) return null;
  const text = readFileSync(path, 'utf8'); // an I/O error here propagates: never guess
  try {
    const v = JSON.parse(text) as Partial<Intent> & { ids?: string[]; certified?: boolean };
    if (v.format === INTENT_FORMAT) return v as Intent;
    // An intent written by the previous version (erasures only).
    if (Array.isArray(v.ids) && typeof v.requestId === 'string') {
      return {
        format: INTENT_FORMAT,
        action: 'erase',
        requestId: v.requestId,
        auditSizeBefore: 0,
        dataFileIds: v.ids,
        forgetIds: v.ids,
        stateHashBefore: v.stateHashBefore ?? '',
        stateHashAfter: v.stateHashAfter ?? '',
        certified: v.certified ?? null,
      };
    }
    return 'torn';
  } catch {
    return 'torn';
  }
}

/** Finishes or rolls back a transaction that a crash interrupted. Safe to call at any start. */
export async function recoverPending(ws: EraseWorkspace, keyStore: KeyStore): Promise<RecoveryReport | null> {
  if (!existsSync(ws.paths.intent)) return null;
  await ws.lock.acquire();
  try {
    return await recoverLocked(ws, keyStore);
  } finally {
    ws.lock.release();
  }
}

async function recoverLocked(ws: EraseWorkspace, keyStore: KeyStore): Promise<RecoveryReport | null> {
  // No rewrite of the data file runs without this lock: any copy of it left beside it is a dead one's.
  removeDataFileTemps(ws.dataFile, true);
  const report = await recoverIntent(ws, keyStore);
  await migrateLegacyState(ws, keyStore);
  return report;
}

/**
 * A state still in the previous single-file format (`.erase/state.json`, erase-qkm-state/2)
 * becomes this format's manifest and pages, as an audited step: the same state, so only the
 * encoding and its hash change, and the entry links the two hashes (before: the file's SHA-256,
 * after: the manifest's). The meta's hashes follow, so the next erasure can take the lean path.
 * A state of an older format still (or a damaged one) is left to `erase cluster`, as before.
 */
async function migrateLegacyState(ws: EraseWorkspace, keyStore: KeyStore): Promise<void> {
  if (existsSync(ws.paths.state) || !existsSync(ws.paths.legacyState)) return;
  let loaded;
  try {
    loaded = loadState(ws.paths);
  } catch {
    return; // reported by status; `erase cluster` rebuilds it
  }
  if (!loaded?.legacyHash) return;
  const meta = loadMeta(ws.paths);
  const encoded = encodeState(loaded.state);
  if (!meta) {
    writeState(ws.paths, encoded); // never clustered through a transaction: nothing recorded the old hash
    return;
  }
  const old = loaded.legacyHash;
  const migrated: ClusterMeta = {
    ...meta,
    stateHash: meta.stateHash === old ? encoded.hash : meta.stateHash,
    ...(meta.syncedWith ? { syncedWith: { ...meta.syncedWith, stateHash: meta.syncedWith.stateHash === old ? encoded.hash : meta.syncedWith.stateHash } } : {}),
  };
  await commitAndApply(ws, keyStore, {
    action: 'note',
    stateHashBefore: old,
    state: loaded.state,
    encoded,
    stateHashAfter: encoded.hash,
    meta: migrated,
    certified: null,
    entry: {
      time: new Date().toISOString(),
      erased: [],
      certified: false,
      retrained: false,
      promptChanged: false,
      notes: `the cluster state moved from ${LEGACY_TEXT_FORMAT} (one file, state.json) to ${STATE_FORMAT} (a manifest and its pages): the same state, whose hash changes with its encoding`,
    },
  });
}

async function recoverIntent(ws: EraseWorkspace, keyStore: KeyStore): Promise<RecoveryReport | null> {
  const intent = readIntent(ws.paths.intent);
  if (intent === null) return null;
  if (intent === 'torn') {
    // Written atomically before the commit point: a torn one cannot have been committed.
    unlinkSync(ws.paths.intent);
    return null;
  }
  const auditDir = ws.paths.auditDir;
  if (existsSync(auditDir)) await repairTornTail(auditDir);
  const log = await readLog(auditDir); // I/O errors propagate: "cannot read" is not "not committed"
  const entry = log.entries.find((e) => e.seq >= intent.auditSizeBefore && e.requestId === intent.requestId && e.action === intent.action);
  if (!entry) {
    unlinkSync(ws.paths.intent);
    return { requestId: intent.requestId, action: intent.action, outcome: 'rolled-back' };
  }
  // A crash between the entry and its signed checkpoint leaves our own entry unanchored: sign it.
  const last = log.entries[log.entries.length - 1];
  if (last?.requestId === intent.requestId) {
    const report = await verifyLog(auditDir);
    if (report.problems.some((p) => p.kind === 'unanchored' || p.kind === 'no-checkpoint')) {
      await writeCheckpoint(auditDir, { keyStore, time: entry.time, acceptUnanchored: true });
    }
  }
  const head = await currentHead(auditDir);
  await applyCommitted(ws, keyStore, intent, entry, head);
  removeIntent(ws);
  return { requestId: intent.requestId, action: intent.action, outcome: 'completed' };
}

/**
 * The transaction's last step. The unlink is not synced: every apply step before it was, and a
 * power loss that undid the unlink leaves the intent of a transaction already applied, which the
 * next command finishes again as recovery does after any crash (each step checks what is done).
 * Only the last transaction's intent can come back: the next one's intent is written with a
 * folder sync, which makes this unlink durable too.
 */
function removeIntent(ws: EraseWorkspace): void {
  writeStep('unlink', ws.paths.intent);
  unlinkSync(ws.paths.intent);
}

/** The audit entry a request id was committed under, if any (idempotent re-runs). */
export async function committedEntry(ws: EraseWorkspace, requestId: string, actions: readonly AuditAction[]): Promise<AuditEntry | undefined> {
  // A byte search for the id, not a parse of every entry (audit/lookup.ts): the check costs the same after 10,000 erasures.
  return entriesOfRequest(ws.paths.auditDir, requestId, actions)[0];
}
