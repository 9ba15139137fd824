import { deleteFromState } from '../qkmeans/deletion';
import { representatives } from '../erase/representatives';
import { predictedCertifiedFraction } from '../qkmeans/quality';
import { driftOf } from './drift';
import { appendEntry, type KeyStore } from '../audit';
import { countDeletion, loadMeta, loadState, saveMeta, saveState } from './persisted';
import { contentsInUse, forgetVectors } from './vectors';
import { keyStoreFor, recoverErasure, TOOL_VERSION } from './erasure';
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
  readonly ms: number;
}

/**
 * Brings the derived state in line with hand edits of the data file: lines removed by hand are
 * erasures (certified when the check passes, audited like any other), lines added are embedded
 * and trigger a new clustering. The data file is never rewritten here.
 */
export async function reconcile(ws: EraseWorkspace, opts: WorkOptions & { time?: string } = {}, keyStore: KeyStore = keyStoreFor(ws)): Promise<ReconcileReport> {
  await recoverErasure(ws, keyStore);
  const t0 = performance.now();
  await ws.lock.acquire();
  try {
    const loaded = loadState(ws.paths);
    const meta = loadMeta(ws.paths);
    if (!loaded || !meta) {
      await ws.clusterLocked(opts);
      const s = loadState(ws.paths)!;
      return {
        changed: true,
        removedIds: [],
        removedCopies: 0,
        addedIds: ws.loadDataset().examples.map((e) => e.id),
        editedIds: [],
        certified: null,
        retrained: true,
        stateHashBefore: null,
        stateHashAfter: s.hash,
        ms: performance.now() - t0,
      };
    }
    const dataset = ws.loadDataset();
    const weights = new Map(dataset.examples.map((e) => [e.id, e.multiplicity] as const));
    // An edited explicit-id example: its old content is removed (all of its weight), its new one added.
    const drift = driftOf(loaded.state, dataset);
    const removal = new Map(drift.removed);
    for (const id of drift.edited) removal.set(id, loaded.state.assignments.get(id)![1]);
    const added = [...drift.added, ...drift.edited];
    const goneContents = [...removal].filter(([id, w]) => w >= loaded.state.assignments.get(id)![1]).map(([id]) => loaded.state.contents.get(id)!);
    if (removal.size === 0 && added.length === 0) {
      return {
        changed: false,
        removedIds: [],
        removedCopies: 0,
        addedIds: [],
        editedIds: [],
        certified: null,
        retrained: false,
        stateHashBefore: loaded.hash,
        stateHashAfter: loaded.hash,
        ms: performance.now() - t0,
      };
    }
    const key = { embedderId: loaded.state.params.embedderId, seed: loaded.state.params.seed, dims: loaded.state.params.dims };
    let certified: boolean | null = null;
    let after: string;
    if (removal.size > 0 && added.length === 0) {
      // Vectors by the content hashes the state recorded (loadModel): a removed text cannot be embedded again.
      const { points } = await ws.loadModel(opts);
      const r = deleteFromState(loaded.state, points, removal, { signal: opts.signal });
      certified = r.certified;
      after = saveState(ws.paths, r.state);
      saveMeta(ws.paths, {
        ...meta,
        stateHash: after,
        representatives: representatives(r.state, r.points),
        predictedCertified: predictedCertifiedFraction(r.state, r.points),
        deletions: countDeletion(meta.deletions, r.certified),
      });
    } else {
      after = (await ws.clusterLocked(opts)).stateHash;
    }
    const fullyRemoved = [...removal.keys()].filter((id) => !weights.has(id));
    if (removal.size > 0) {
      // The content is already gone from the file, so only the ids can be committed to.
      const appended = await appendEntry(
        ws.paths.auditDir,
        {
          requestId: `reconcile-${after.slice(0, 16)}`,
          time: opts.time ?? new Date().toISOString(),
          action: 'reconcile',
          erased: [...removal.keys()].map((id) => ({ id, content: '' })),
          stateHashBefore: loaded.hash,
          stateHashAfter: after,
          certified: certified ?? false,
          retrained: certified !== true,
          promptChanged: false,
          toolVersion: TOOL_VERSION,
          notes: `lines removed or edited by hand (${fullyRemoved.length} examples gone, ${drift.edited.length} explicit-id texts edited, ${removal.size - fullyRemoved.length - drift.edited.length} with fewer copies); content commitments are empty because the text was no longer available`,
        },
        { keyStore, expectedHead: meta.auditHead },
      );
      const m = loadMeta(ws.paths)!;
      saveMeta(ws.paths, { ...m, auditHead: appended.head });
      forgetVectors(ws.paths, { id: meta.embedderId, dimension: meta.embedderDimension }, key, goneContents, contentsInUse(loadState(ws.paths)!.state, dataset.examples));
    }
    return {
      changed: true,
      removedIds: [...removal.keys()],
      removedCopies: [...removal.values()].reduce((a, b) => a + b, 0),
      addedIds: drift.added,
      editedIds: drift.edited,
      certified,
      retrained: certified !== true,
      stateHashBefore: loaded.hash,
      stateHashAfter: after,
      ms: performance.now() - t0,
    };
  } finally {
    ws.lock.release();
  }
}
