import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../storage/atomicWrite';
import { deserializeState, serializeState, type QkmState } from '../qkmeans/state';
import { sha256Hex } from '../hash';
import { UserError } from '../errors';
import type { WorkspacePaths } from './config';

/** Facts about the current state that the state hash does not cover (they derive from it or count history). */
export interface ClusterMeta {
  readonly stateHash: string;
  readonly embedderId: string;
  readonly embedderDimension: number;
  /** Per cluster, the id of the example nearest its quantized centroid (the dataset-level prompt). */
  readonly representatives: readonly (string | null)[];
  readonly predictedCertified: number;
  readonly ve: number;
  readonly nonEmpty: number;
  readonly warnings: readonly string[];
  /** How ε was chosen when the config says "auto". */
  readonly epsChoice?: { readonly eps: number; readonly predictedCertified: number; readonly ve: number; readonly note: string };
  readonly deletions: { readonly certified: number; readonly retrained: number };
  /** The audit log's latest tree head, kept outside the log so a truncated tail is detected. */
  readonly auditHead?: { readonly size: number; readonly rootHash: string };
}

export type DeletionCounts = ClusterMeta['deletions'];

/** The counts after one more deletion, certified or retrained. */
export function countDeletion(d: DeletionCounts, certified: boolean): DeletionCounts {
  return { certified: d.certified + (certified ? 1 : 0), retrained: d.retrained + (certified ? 0 : 1) };
}

/** The state text is canonical, so its file hash is the state hash. */
export function saveState(paths: WorkspacePaths, state: QkmState): string {
  const text = serializeState(state);
  writeFileAtomic(paths.state, text);
  return sha256Hex(text);
}

export function loadState(paths: WorkspacePaths): { state: QkmState; hash: string } | null {
  if (!existsSync(paths.state)) return null;
  const text = readFileSync(paths.state, 'utf8');
  try {
    return { state: deserializeState(text), hash: sha256Hex(text) };
  } catch {
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
