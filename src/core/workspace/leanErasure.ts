/**
 * A certified erasure that reads only what it needs: the state's manifest and head, the pages
 * holding the erased examples' rows (stateEncoding.ts: a binary search over the manifest's last
 * ids), their vectors (one slot each), and nothing of the other examples. It applies when nothing
 * can have drifted since the last transaction (the meta's `syncedWith`: the data file's stat and
 * the state hash recorded when the two were known to agree) and the certificate check passes; in
 * every other case (a representative or seed erased, the check fails, hand edits, a state of the
 * previous format) it returns null and the caller takes the full path. The new state's encoding
 * rewrites only the changed pages, and is exactly encodeState's, so the state hash means what it
 * always meant.
 */
import { statSync } from 'node:fs';
import { deleteFromState } from '../qkmeans/deletion';
import { makePointSet } from '../qkmeans/points';
import type { QkmState } from '../qkmeans/state';
import { encodeChangedState, encodeRow, pageOf, parseRow, rowId, stateOfParts, type EncodedState, type StateRow } from '../qkmeans/stateEncoding';
import { fileStampText, sameStampsOfLines } from '../dataset/fileIndex';
import { readPoints } from '../storage/pointStore';
import type { ClusterMeta } from './persisted';
import { readHead, readManifest, readPageRows, retryingRead } from './stateStore';
import type { WorkspacePaths } from './config';

export interface LeanDeletion {
  readonly stateHashBefore: string;
  /** The state after the deletion, with only the erased examples' rows in its maps (never save it whole). */
  readonly state: QkmState;
  /** The new state's manifest and the files that changed (head, pages): what the transaction writes. */
  readonly encoded: EncodedState;
  readonly stateHashAfter: string;
  /** Content → references the erasure removed (for a targeted prune of the vector stores). */
  readonly released: ReadonlyMap<string, number>;
}

/** The data file's identity as its index and the meta record it: size, mtime, ctime, inode. */
export function dataFileStamp(path: string): string {
  return fileStampText(statSync(path));
}

/**
 * Whether the data file, now at `stamp`, still holds what the meta's `syncedWith` vouched for at
 * `syncedStamp`: the same stamp, or (a copied, restored or touched file) an index rebuilt since
 * that found the file's lines equal to those it had at the synced stamp.
 */
export function stampInSync(paths: WorkspacePaths, syncedStamp: string, stamp: string): boolean {
  return syncedStamp === stamp || sameStampsOfLines(paths.datasetIndex, stamp).includes(syncedStamp);
}

/**
 * The certified deletion of `removal` (id → weight), or null when the lean path does not apply.
 * `datasetStamp`: the stamp of the data file the caller loaded (ids were checked against it).
 */
export function leanDeletion(
  paths: WorkspacePaths,
  meta: ClusterMeta,
  removal: ReadonlyMap<string, number>,
  datasetStamp: string | null,
  /** The hash of a state the caller compared with the whole data file and found in sync (no hand edits): trusted instead of the file's stamp. */
  checkedStateHash?: string,
): LeanDeletion | null {
  const synced = checkedStateHash !== undefined ? { stateHash: checkedStateHash } : meta.syncedWith;
  if (!synced || (checkedStateHash === undefined && (datasetStamp === null || !meta.syncedWith || !stampInSync(paths, meta.syncedWith.dataFile, datasetStamp)))) return null;
  let read;
  try {
    read = retryingRead(() => {
      const stored = readManifest(paths);
      if (!stored || stored.hash !== synced.stateHash) return null;
      const { manifest } = stored;
      const head = readHead(paths, manifest);
      // The pages holding the erased rows, each read once, as byte ranges: only the erased rows are parsed.
      const pages = new Map<number, Buffer[]>();
      const rows: StateRow[] = [];
      for (const id of removal.keys()) {
        const p = pageOf(manifest, id);
        if (p < 0) return null;
        if (!pages.has(p)) pages.set(p, readPageRows(paths, manifest, p));
        const row = pages.get(p)!.find((r) => rowId(r) === id);
        if (!row) return null;
        rows.push(parseRow(row));
      }
      return { stored, head, pages, rows };
    });
  } catch {
    return null; // damaged or unreadable: the full path reports it
  }
  if (!read) return null;
  const { stored, head, pages, rows } = read;
  const state = stateOfParts(
    head,
    [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
  );
  // A lost representative is replaced by the nearest other member: that needs the whole cluster.
  if (rows.some((r) => state.representatives.includes(r[0]))) return null;
  const { params } = state;
  const vectors = readPoints(
    paths.points,
    { embedderId: params.embedderId, seed: params.seed, dims: params.dims },
    rows.map((r) => r[3]),
  );
  if (vectors.some((v) => v === undefined)) return null;
  const points = makePointSet(
    params.dims,
    rows.map((r, i) => ({ id: r[0], weight: r[2], vector: vectors[i]!, content: r[3] })),
  );
  const distinct = stored.manifest.pages.reduce((s, p) => s + p.rows, 0);
  const result = deleteFromState(state, points, removal, { distinct, certifyOnly: true });
  if (!result.certified) return null;
  const after = result.state;
  // Each touched page as the new state has it: erased rows gone, a partly erased row encoded with its new weight, the others as stored.
  const rowsAfter = (page: readonly Buffer[]): (Buffer | string)[] =>
    page.flatMap((row): (Buffer | string)[] => {
      const id = rowId(row);
      if (!removal.has(id)) return [row];
      const kept = after.assignments.get(id);
      return kept ? [encodeRow(id, kept[0], kept[1], after.contents.get(id) ?? '')] : [];
    });
  const encoded = encodeChangedState(after, stored.manifest, new Set(pages.keys()), (i) => (pages.has(i) ? rowsAfter(pages.get(i)!) : readPageRows(paths, stored.manifest, i)));
  const released = new Map<string, number>();
  for (const r of rows) if (!after.assignments.has(r[0])) released.set(r[3], (released.get(r[3]) ?? 0) + 1);
  return { stateHashBefore: stored.hash, state: after, encoded, stateHashAfter: encoded.hash, released };
}
