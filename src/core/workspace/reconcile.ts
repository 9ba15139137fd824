import { deleteFromState } from '../qkmeans/deletion';
import { makePointSet, type PointSet } from '../qkmeans/points';
import { stateHash, type QkmState } from '../qkmeans/state';
import { train } from '../qkmeans/train';
import { loadPoints } from '../storage/pointStore';
import type { KeyStore } from '../audit';
import { readFileSync } from 'node:fs';
import { sha256Hex } from '../hash';
import { countDeletion, loadMeta, loadState, type ClusterMeta } from './persisted';
import { dataFileStamp, stampInSync } from './leanErasure';
import { describe } from './training';
import { handEdits, keyStoreFor } from './erasure';
import { pointKeyOf, runTransaction } from './transaction';
import type { EraseWorkspace, WorkOptions } from './workspace';

export interface ReconcileReport {
  readonly changed: boolean;
  /** Examples (or copies) removed from the file by hand, handled as erasures and audited. */
  readonly removedIds: readonly string[];
  readonly removedCopies: number;
  /** Examples added by hand; they are embedded and the data set is clustered again. */
  readonly addedIds: readonly string[];
  /** Explicit-id examples whose text was edited by hand: the old content is erased (audited), the new one added. */
  readonly editedIds: readonly string[];
  readonly certified: boolean | null;
  readonly retrained: boolean;
  readonly stateHashBefore: string | null;
  readonly stateHashAfter: string | null;
  readonly auditSeq: number | null;
  readonly ms: number;
}

/**
 * Brings the derived state in line with hand edits of the data file, as one audited transaction:
 * lines removed by hand are erasures (certified when their vectors are still stored and the check
 * passes; else a retrain on the file), lines added are embedded and the data set is trained again
 * with the state's own parameters. The data file is never rewritten here.
 */
export async function reconcile(ws: EraseWorkspace, opts: WorkOptions & { time?: string } = {}, keyStore: KeyStore = keyStoreFor(ws)): Promise<ReconcileReport> {
  const t0 = performance.now();
  return runTransaction<ReconcileReport>(ws, keyStore, async () => {
    // The file a transaction just rewrote (our own erasure, which a file watcher reports as an edit): nothing to parse.
    const synced = syncedStateHash(ws);
    if (synced !== null) return { plan: null, result: () => ({ ...unchanged(synced), ms: performance.now() - t0 }) };
    const loaded = loadState(ws.paths);
    const meta = loadMeta(ws.paths);
    if (!loaded || !meta) {
      // Nothing clustered yet: a first clustering (no history to reconcile against).
      const r = await ws.clusterLocked(opts);
      const result = {
        changed: true,
        removedIds: [],
        removedCopies: 0,
        addedIds: ws.loadDataset().examples.map((e) => e.id),
        editedIds: [],
        certified: null,
        retrained: true,
        stateHashBefore: null,
        stateHashAfter: r.stateHash,
        auditSeq: null,
      };
      return { plan: null, result: () => ({ ...result, ms: performance.now() - t0 }) };
    }
    const dataset = ws.loadDataset();
    const datasetStamp = ws.loadedDatasetStamp();
    const { removed, added, edited } = handEdits(loaded.state, dataset);
    if (removed.size === 0 && added.length === 0) return { plan: null, result: () => ({ ...unchanged(loaded.hash), ms: performance.now() - t0 }) };
    const key = pointKeyOf(loaded.state);
    const contents = loaded.state.contents;
    let state: QkmState;
    let points: PointSet;
    let certified = false;
    const stored = added.length === 0 ? loadPoints(ws.paths.points, key) : null;
    // The store is keyed by content hash, as the state records it for every id.
    if (stored && [...loaded.state.assignments.keys()].every((id) => stored.has(contents.get(id)!))) {
      const all = makePointSet(
        key.dims,
        [...loaded.state.assignments].map(([id, [, w]]) => ({ id, weight: w, vector: stored.get(contents.get(id)!)!, content: contents.get(id)! })),
      );
      const r = deleteFromState(loaded.state, all, removed, { signal: opts.signal });
      ({ state, points, certified } = r);
    } else {
      // Vectors of removed lines may be gone (e.g. a verify rewrote the point store): a retrain
      // on the file as it is needs only the remaining examples, and is exact all the same.
      points = await ws.pointsFor(dataset.examples, key, opts);
      state = train(points, loaded.state.params, { signal: opts.signal });
    }
    const after = stateHash(state);
    const { state: _s, ...described } = describe(state, points);
    const newMeta: ClusterMeta = {
      ...meta,
      ...described,
      stateHash: after,
      deletions: removed.size > 0 ? countDeletion(meta.deletions, certified) : meta.deletions,
      // The new state covers the file as it was read (edited since: the stamp differs, nothing is trusted).
      ...(datasetStamp === null ? {} : { syncedWith: { dataFile: datasetStamp, stateHash: after } }),
    };
    const weights = new Map(dataset.examples.map((e) => [e.id, e.multiplicity] as const));
    const fullyRemoved = [...removed.keys()].filter((id) => !weights.has(id));
    const forget = [...fullyRemoved, ...edited];
    const promptChanged = described.representatives.length !== meta.representatives.length || described.representatives.some((r, j) => r !== meta.representatives[j]);
    return {
      plan: {
        action: 'reconcile',
        forgetIds: forget,
        stateHashBefore: loaded.hash,
        state,
        stateHashAfter: after,
        meta: newMeta,
        certified: removed.size > 0 ? certified : null,
        entry: {
          time: opts.time ?? new Date().toISOString(),
          // The text is already gone from the file: commit to the content hash the state recorded.
          erased: [...removed.keys()].map((id) => ({ id, content: `sha256:${contents.get(id)}` })),
          certified,
          retrained: !certified,
          promptChanged,
          notes: `hand edits: ${fullyRemoved.length} example(s) removed, ${edited.length} explicit-id text(s) edited (old content erased, new added), ${removed.size - fullyRemoved.length - edited.length} with fewer copies, ${added.length - edited.length} added; removed content is committed to by its SHA-256`,
        },
      },
      result: (c) => ({
        changed: true,
        removedIds: [...removed.keys()],
        removedCopies: [...removed.values()].reduce((a, b) => a + b, 0),
        addedIds: added.filter((id) => !edited.includes(id)),
        editedIds: edited,
        certified: removed.size > 0 ? certified : null,
        retrained: !certified,
        stateHashBefore: loaded.hash,
        stateHashAfter: after,
        auditSeq: c?.entry.seq ?? null,
        ms: performance.now() - t0,
      }),
    };
  });
}

function unchanged(stateHash: string): Omit<ReconcileReport, 'ms'> {
  return {
    changed: false,
    removedIds: [],
    removedCopies: 0,
    addedIds: [],
    editedIds: [],
    certified: null,
    retrained: false,
    stateHashBefore: stateHash,
    stateHashAfter: stateHash,
    auditSeq: null,
  };
}

/**
 * The state hash when the meta vouches that the state covers the data file as it is (its
 * `syncedWith`: the file's stamp and the state's hash, both still matching), else null.
 */
export function syncedStateHash(ws: EraseWorkspace): string | null {
  const synced = loadMeta(ws.paths)?.syncedWith;
  if (!synced) return null;
  try {
    if (!stampInSync(ws.paths, synced.dataFile, dataFileStamp(ws.dataFile))) return null;
    return sha256Hex(readFileSync(ws.paths.state)) === synced.stateHash ? synced.stateHash : null;
  } catch {
    return null; // the full check says what is wrong
  }
}
