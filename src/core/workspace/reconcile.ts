import { UserError } from '../errors';
import { deleteFromState } from '../qkmeans/deletion';
import { makePointSet } from '../qkmeans/points';
import { representatives } from '../erase/representatives';
import { predictedCertifiedFraction } from '../qkmeans/quality';
import { loadPoints } from '../storage/pointStore';
import { appendEntry, type KeyStore } from '../audit';
import { countDeletion, loadMeta, loadState, saveMeta, saveState } from './persisted';
import { forgetVectors } from './vectors';
import { keyStoreFor, recoverErasure, TOOL_VERSION } from './erasure';
import type { EraseWorkspace, WorkOptions } from './workspace';

export interface ReconcileReport {
  readonly changed: boolean;
  /** Examples (or copies) removed from the file by hand, handled as erasures and audited. */
  readonly removedIds: readonly string[];
  readonly removedCopies: number;
  /** Examples added by hand; they are embedded and the data set is clustered again. */
  readonly addedIds: readonly string[];
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
        certified: null,
        retrained: true,
        stateHashBefore: null,
        stateHashAfter: s.hash,
        ms: performance.now() - t0,
      };
    }
    const dataset = ws.loadDataset();
    const weights = new Map(dataset.examples.map((e) => [e.id, e.multiplicity] as const));
    const removal = new Map<string, number>();
    for (const [id, [, w]] of loaded.state.assignments) {
      const now = weights.get(id) ?? 0;
      if (now < w) removal.set(id, w - now);
    }
    const added = dataset.examples.filter((e) => (loaded.state.assignments.get(e.id)?.[1] ?? 0) < e.multiplicity).map((e) => e.id);
    if (removal.size === 0 && added.length === 0) {
      return {
        changed: false,
        removedIds: [],
        removedCopies: 0,
        addedIds: [],
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
      const stored = loadPoints(ws.paths.points, key);
      if (!stored || [...loaded.state.assignments.keys()].some((id) => !stored.has(id))) {
        throw new UserError('the vectors of the examples removed by hand are no longer stored: run `erase cluster` to retrain', 'check');
      }
      const points = makePointSet(
        key.dims,
        [...loaded.state.assignments].map(([id, [, w]]) => ({ id, weight: w, vector: stored.get(id)! })),
      );
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
          notes: `lines removed by hand (${fullyRemoved.length} examples gone, ${removal.size - fullyRemoved.length} with fewer copies); content commitments are empty because the text was no longer available`,
        },
        { keyStore, expectedHead: meta.auditHead },
      );
      const m = loadMeta(ws.paths)!;
      saveMeta(ws.paths, { ...m, auditHead: appended.head });
      forgetVectors(ws.paths, { id: meta.embedderId, dimension: meta.embedderDimension }, key, fullyRemoved);
    }
    return {
      changed: true,
      removedIds: [...removal.keys()],
      removedCopies: [...removal.values()].reduce((a, b) => a + b, 0),
      addedIds: added,
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
