import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../storage/atomicWrite';
import { deserializeState, serializeState, StateFormatError, STATE_FORMAT, type QkmState } from '../qkmeans/state';
import { sha256Hex } from '../hash';
import { UserError } from '../errors';
import type { WorkspacePaths } from './config';

/** Facts about the current state that the state hash does not cover (they derive from it or count history). */
export interface ClusterMeta {
  readonly stateHash: string;
  readonly embedderId: string;
  readonly embedderDimension: number;
  /** Per cluster, the id of the example nearest its quantized centroid (a copy of the hashed state's; the state is authoritative). */
  readonly representatives: readonly (string | null)[];
  readonly predictedCertified: number;
  readonly ve: number;
  readonly nonEmpty: number;
  readonly warnings: readonly string[];
  /**
   * The number of deletions (certified + retrained) when predictedCertified, ve, nonEmpty and warnings
   * were computed. When it differs from the current count they are stale: refresh them with
   * EraseWorkspace.refreshQuality() (VE needs an unquantized run, so it is not redone at each deletion).
   * Missing in metas written before this field existed (treated as stale).
   */
  readonly computedAtDeletions?: number;
  /** How ε was chosen when the config says "auto". */
  readonly epsChoice?: { readonly eps: number; readonly predictedCertified: number; readonly ve: number; readonly note: string };
  readonly deletions: { readonly certified: number; readonly retrained: number };
  /**
   * The data file's stamp (size:mtime:ctime:inode) and the state hash at a moment when the state
   * was known to cover exactly the file (a clustering, a committed erasure). While both still
   * match, nothing can have drifted, so an erasure need not compare all 60k rows (leanErasure.ts).
   */
  readonly syncedWith?: { readonly dataFile: string; readonly stateHash: string };
  /** The audit log's latest tree head, kept outside the log so a truncated tail is detected. */
  readonly auditHead?: { readonly size: number; readonly rootHash: string };
}

export type DeletionCounts = ClusterMeta['deletions'];

/** The counts after one more deletion, certified or retrained. */
export function countDeletion(d: DeletionCounts, certified: boolean): DeletionCounts {
  return { certified: d.certified + (certified ? 1 : 0), retrained: d.retrained + (certified ? 0 : 1) };
}

/** Total deletions so far: the count that computedAtDeletions is compared with. */
export function deletionCount(d: DeletionCounts): number {
  return d.certified + d.retrained;
}

/** True when the stored quality figures were computed before the latest deletion. */
export function qualityIsStale(meta: ClusterMeta): boolean {
  return meta.computedAtDeletions !== deletionCount(meta.deletions);
}

/**
 * A state file of an older format (before the representatives and content hashes were hashed).
 * It cannot be loaded; `erase cluster` rebuilds it from the data file (the integrator turns this
 * into an audited migration step). `code` is 'check', like other states that need a retrain.
 */
export class OutdatedStateError extends UserError {
  constructor(
    readonly path: string,
    readonly format: string,
  ) {
    super(`${path} is from an older format (${format}, this version uses ${STATE_FORMAT}); clustering again migrates it (an audited step)`, 'check', 'cluster');
    this.name = 'OutdatedStateError';
  }
}

/** The state text is canonical, so its file hash is the state hash. `text`: serializeState(state), when the caller has it. */
export function saveState(paths: WorkspacePaths, state: QkmState, text: string | Uint8Array = serializeState(state)): string {
  writeFileAtomic(paths.state, text);
  return sha256Hex(text);
}

/** Writes a state's canonical text whose SHA-256 the caller already computed from these bytes (8 MB at 60k: ~20 ms a hash). */
export function saveStateText(paths: WorkspacePaths, text: string | Uint8Array): void {
  writeFileAtomic(paths.state, text);
}

export function loadState(paths: WorkspacePaths): { state: QkmState; hash: string } | null {
  if (!existsSync(paths.state)) return null;
  const text = readFileSync(paths.state, 'utf8');
  try {
    return { state: deserializeState(text), hash: sha256Hex(text) };
  } catch (e) {
    if (e instanceof StateFormatError && e.older) throw new OutdatedStateError(paths.state, e.format);
    throw new UserError(`${paths.state} is damaged; train again to rebuild it from the data set`, 'input', 'cluster');
  }
}

export function saveMeta(paths: WorkspacePaths, meta: ClusterMeta): void {
  writeFileAtomic(paths.meta, JSON.stringify(meta, null, 2) + '\n');
}

export function loadMeta(paths: WorkspacePaths): ClusterMeta | null {
  if (!existsSync(paths.meta)) return null;
  try {
    return JSON.parse(readFileSync(paths.meta, 'utf8')) as ClusterMeta;
  } catch {
    return null; // derived data: the caller recomputes it
  }
}
