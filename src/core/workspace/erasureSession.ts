/**
 * A long-lived erasure session for one workspace (the extension host keeps one per open data set).
 * It runs the CLI's own code — the same plan (erasure.ts), the same audited transaction
 * (transaction.ts), the same bytes — and records which path each erasure took.
 *
 * It holds no copy of the state. It did while the state was one 8 MB text (reading and hashing it
 * was most of a certified erasure); since the paged state (stateStore.ts) a certified erasure reads
 * the small manifest, the head and the page of each erased row, so there is nothing left worth
 * holding, and nothing that another process's write (the CLI, a clustering, a recovery) could
 * leave stale: every erasure starts from the files, under the workspace lock.
 */
import type { KeyStore } from '../audit';
import { eraseExamplesWith, keyStoreFor, type DeletionReceipt, type ErasureRequest } from './erasure';
import { loadMeta } from './persisted';
import type { EraseWorkspace, WorkOptions } from './workspace';

/** How an erasure ran: the lean certified path (pages and slots of the erased rows only) or the full path (whole state and data set). */
export type SessionPath = 'lean' | 'full';

export class ErasureSession {
  /** How the last erasure ran (null before the first, or when it was an idempotent re-run). */
  lastPath: SessionPath | null = null;
  /** Erasures per path since the session opened. */
  readonly counts: Record<SessionPath, number> = { lean: 0, full: 0 };

  constructor(readonly ws: EraseWorkspace) {}

  /**
   * Erases as eraseExamples does (one audited transaction, the same files). `atCommit` gets the
   * map's change at the commit point, before the files are rewritten (ErasureHooks.atCommit).
   */
  async erase(req: ErasureRequest, opts: WorkOptions = {}, keyStore: KeyStore = keyStoreFor(this.ws), atCommit?: (delta: MapDelta | null) => void): Promise<DeletionReceipt> {
    this.lastPath = null;
    return eraseExamplesWith(this.ws, req, opts, keyStore, {
      committed: (lean) => {
        this.lastPath = lean ? 'lean' : 'full';
        this.counts[this.lastPath]++;
      },
      ...(atCommit ? { atCommit: (receipt: DeletionReceipt, reps: readonly (string | null)[]) => atCommit(mapDeltaOf(receipt, reps)) } : {}),
    });
  }
}

/** What the map must change after an erasure: points removed, nothing moved — or null when it must be drawn again whole. */
export interface MapDelta {
  readonly removedIds: readonly string[];
  /** The representatives after the erasure (per cluster, as the meta records them). */
  readonly representatives: readonly (string | null)[];
}

/**
 * The map's change after `receipt`: a certified erasure leaves every other example in its cluster,
 * so only the erased points go (the others keep their place on screen). A retrain, folded hand
 * edits or an idempotent re-run: null (send the whole map again).
 */
export function mapDeltaAfter(ws: EraseWorkspace, receipt: DeletionReceipt): MapDelta | null {
  const meta = loadMeta(ws.paths);
  if (!meta || meta.stateHash !== receipt.stateHashAfter) return null;
  return mapDeltaOf(receipt, meta.representatives);
}

/** The same from the receipt and the representatives after the erasure (known at the commit point). */
export function mapDeltaOf(receipt: DeletionReceipt, representatives: readonly (string | null)[]): MapDelta | null {
  if (!receipt.certified || receipt.retrained || receipt.reconciled !== null || receipt.alreadyDone) return null;
  return { removedIds: [...receipt.erasedIds], representatives: [...representatives] };
}
