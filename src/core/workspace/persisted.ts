import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../storage/atomicWrite';
import { deserializeLegacyState, StateFormatError, STATE_FORMAT, type QkmState } from '../qkmeans/state';
import { DamagedStateError, encodeState, type EncodedState } from '../qkmeans/stateEncoding';
import { readStoredState, writeState } from './stateStore';
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

/** Writes a state (workspace/stateStore.ts) and returns its hash. `encoded`: encodeState(state), when the caller has it. */
export function saveState(paths: WorkspacePaths, state: QkmState, encoded: EncodedState = encodeState(state)): string {
  return writeState(paths, encoded);
}

/** A stored state: the hash, and for a state still in the previous single-file format, that file's own SHA-256 (what the meta and the audit log recorded for it). */
export interface LoadedState {
  readonly state: QkmState;
  readonly hash: string;
  readonly legacyHash?: string;
}

/**
 * The whole stored state, every page read and checked against the manifest, or null when not
 * clustered. A state of the previous format (`.erase/state.json`, erase-qkm-state/2) is read as it
 * is; its hash is the one this format gives the same state (the next locked command converts it).
 */
export function loadState(paths: WorkspacePaths): LoadedState | null {
  try {
    const stored = readStoredState(paths);
    if (stored) return stored;
  } catch (e) {
    if (e instanceof StateFormatError)
      throw new UserError(`${paths.state} has the unknown cluster state format ${JSON.stringify(e.format)} (written by a newer version?)`, 'input', 'cluster');
    if (e instanceof DamagedStateError || e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === 'ENOENT') throw damaged(paths.stateDir);
    throw e;
  }
  if (!existsSync(paths.legacyState)) return null;
  const text = readFileSync(paths.legacyState, 'utf8');
  try {
    const state = deserializeLegacyState(text);
    return { state, hash: encodeState(state).hash, legacyHash: sha256Hex(text) };
  } catch (e) {
    if (e instanceof StateFormatError && e.older) throw new OutdatedStateError(paths.legacyState, e.format);
    throw damaged(paths.legacyState);
  }
}

function damaged(path: string): UserError {
  return new UserError(`${path} is damaged; train again to rebuild it from the data set`, 'input', 'cluster');
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
