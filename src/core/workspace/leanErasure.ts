/**
 * A certified erasure that reads only what it needs: the state's head and the erased examples'
 * rows (stateText.ts, binary search), their vectors (one slot each), and nothing of the other 60k
 * examples. It applies when nothing can have drifted since the last transaction (the meta's
 * `syncedWith`: the data file's stat and the state hash recorded when the two were known to agree)
 * and the certificate check passes; in every other case (a representative or seed erased, the
 * check fails, hand edits, an older state text) it returns null and the caller takes the full path.
 * The resulting bytes are serializeState's own, so the state hash means what it always meant.
 */
import { readFileSync, statSync } from 'node:fs';
import { sha256Hex } from '../hash';
import { deleteFromState } from '../qkmeans/deletion';
import { makePointSet } from '../qkmeans/points';
import type { QkmState } from '../qkmeans/state';
import { readPoints } from '../storage/pointStore';
import type { ClusterMeta } from './persisted';
import { StateText, type StateRow } from './stateText';
import type { WorkspacePaths } from './config';

export interface LeanDeletion {
  readonly stateHashBefore: string;
  /** The state after the deletion, with only the erased examples' rows in its maps (never save it whole). */
  readonly state: QkmState;
  /** The full canonical text of the new state, and its hash. */
  readonly stateBytes: Buffer;
  readonly stateHashAfter: string;
  /** Content → references the erasure removed (for a targeted prune of the vector stores). */
  readonly released: ReadonlyMap<string, number>;
}

/** The data file's identity as its index and the meta record it: size, mtime, ctime, inode. */
export function dataFileStamp(path: string): string {
  const st = statSync(path);
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

/** A canonical state text, split for the lean path, with its SHA-256 (the state hash). */
export interface LeanStateText {
  readonly text: StateText;
  readonly hash: string;
}

/** The state file read, hashed and split (null when it is missing or not a canonical text). */
export function readLeanStateText(paths: WorkspacePaths): LeanStateText | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(paths.state);
  } catch {
    return null;
  }
  const text = StateText.open(bytes);
  return text ? { text, hash: sha256Hex(bytes) } : null;
}

/**
 * The certified deletion of `removal` (id → weight), or null when the lean path does not apply.
 * `datasetStamp`: the stamp of the data file the caller loaded (ids were checked against it).
 * `stateText`: where the current state text comes from (the file by default; a long-lived
 * ErasureSession hands over the one it holds, which it checked is still the file's).
 */
export function leanDeletion(
  paths: WorkspacePaths,
  meta: ClusterMeta,
  removal: ReadonlyMap<string, number>,
  datasetStamp: string | null,
  stateText: () => LeanStateText | null = () => readLeanStateText(paths),
): LeanDeletion | null {
  const synced = meta.syncedWith;
  if (!synced || datasetStamp === null || synced.dataFile !== datasetStamp) return null;
  const held = stateText();
  if (!held || held.hash !== synced.stateHash) return null;
  const { text, hash: stateHashBefore } = held;
  const rows: StateRow[] = [];
  for (const id of removal.keys()) {
    const r = text.row(id);
    if (!r) return null;
    rows.push(r);
  }
  const state = text.partialState(rows);
  // A lost representative is replaced by the nearest other member: that needs the whole cluster.
  if (rows.some((r) => state.representatives.includes(r.id))) return null;
  const { params } = state;
  const vectors = readPoints(
    paths.points,
    { embedderId: params.embedderId, seed: params.seed, dims: params.dims },
    rows.map((r) => r.content),
  );
  if (vectors.some((v) => v === undefined)) return null;
  const points = makePointSet(
    params.dims,
    rows.map((r, i) => ({ id: r.id, weight: r.weight, vector: vectors[i]!, content: r.content })),
  );
  const result = deleteFromState(state, points, removal, { distinct: text.rowsAtLeast(params.k + rows.length), certifyOnly: true });
  if (!result.certified) return null;
  const { bytes: stateBytes, hash } = text.splice(result.state, rows);
  const released = new Map<string, number>();
  for (const r of rows) if (!result.state.assignments.has(r.id)) released.set(r.content, (released.get(r.content) ?? 0) + 1);
  return { stateHashBefore, state: result.state, stateBytes, stateHashAfter: hash, released };
}
