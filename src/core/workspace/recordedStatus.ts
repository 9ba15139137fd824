/**
 * `erase status` without reading the data set or the state's pages. When nothing can have drifted
 * since the last transaction — the meta's `syncedWith` (the data file's stamp and the state hash
 * recorded when the two were known to agree, as the certified erasure trusts it: leanErasure.ts)
 * still names the file's current size, mtime, ctime and inode and the current manifest — the
 * figures come from what was recorded with them: n, distinct and duplicates from the data-file
 * index's table, the malformed lines from the few index blocks that hold one, the state hash from
 * the manifest, ε from the state's head (whose n and row count must equal the index's figures).
 * In every other case the answer is null and the caller parses the file and compares it with the
 * state, as before. A file edited by hand gets a new ctime (and a copy a new inode), so its stamp
 * differs even when its size and mtime were put back; a copied or touched file counts as the synced
 * one once a rebuild of the index found its lines equal to the synced file's (stampInSync).
 */
import { statSync } from 'node:fs';
import { fileStampText, indexedFileFigures, indexedIds } from '../dataset/fileIndex';
import type { MalformedLine } from '../dataset/types';
import type { WorkspacePaths } from './config';
import { loadMeta, type ClusterMeta } from './persisted';
import { stampInSync } from './leanErasure';
import { readHead, readManifest } from './stateStore';

export interface RecordedStatus {
  /** Record lines (duplicates counted). */
  readonly n: number;
  readonly distinct: number;
  /** Ids on two lines or more. */
  readonly duplicates: number;
  readonly malformed: readonly MalformedLine[];
  /** Every example id in file order, when asked for. */
  readonly ids?: readonly string[];
  readonly stateHash: string;
  readonly eps: number;
  readonly meta: ClusterMeta;
}

/**
 * The status figures as the last transaction recorded them, or null when anything may have drifted
 * since (or cannot be read). `withIds`: also every example id, in file order, from the index blocks.
 */
export function recordedStatus(paths: WorkspacePaths, dataFile: string, withIds = false): RecordedStatus | null {
  const meta = loadMeta(paths);
  const synced = meta?.syncedWith;
  if (!meta || !synced) return null;
  try {
    const st = statSync(dataFile);
    const stamp = fileStampText(st);
    if (!st.isFile() || !stampInSync(paths, synced.dataFile, stamp)) return null;
    const stored = readManifest(paths);
    if (!stored || stored.hash !== synced.stateHash) return null;
    const file = indexedFileFigures(paths.datasetIndex, st);
    if (!file) return null;
    const head = readHead(paths, stored.manifest);
    const rows = stored.manifest.pages.reduce((s, p) => s + p.rows, 0);
    // A state covering exactly this file has its total weight and one row per distinct id: anything else is not trusted.
    if (head.n !== file.figures.records || rows !== file.figures.distinct) return null;
    const ids = withIds ? indexedIds(paths.datasetIndex, st) : undefined;
    if (ids === null) return null;
    return {
      ...(ids ? { ids } : {}),
      n: file.figures.records,
      distinct: file.figures.distinct,
      duplicates: file.figures.duplicated,
      malformed: file.malformed,
      stateHash: stored.hash,
      eps: head.params.eps,
      meta,
    };
  } catch {
    return null; // unreadable or damaged: the full path says what is wrong
  }
}
