/**
 * A long-lived erasure session for one workspace (the extension host keeps one per open data set).
 * It holds what the lean erasure path re-reads from disk on every command — the state text, split
 * for binary search (stateText.ts), and its SHA-256 — so a certified erasure neither reads nor
 * hashes the 8 MB state again. Everything else is the CLI's own code: the same plan
 * (erasure.ts), the same audited transaction (transaction.ts), the same bytes.
 *
 * What it holds is trusted only while the state file's generation — its size, mtime, ctime and
 * inode, which every atomic write changes (a new inode by rename) — is the one it recorded when it
 * read or wrote that text; checked under the workspace lock at each erasure. A write by anyone
 * else (the CLI, a clustering, a recovery, a hand edit) changes the generation and the session
 * reads the file again. The meta's `syncedWith` still decides whether the lean path applies at all.
 */
import { closeSync, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import type { KeyStore } from '../audit';
import { sha256Hex } from '../hash';
import { eraseExamplesWith, keyStoreFor, type DeletionReceipt, type ErasureRequest } from './erasure';
import type { LeanDeletion, LeanStateText } from './leanErasure';
import { loadMeta } from './persisted';
import { StateText } from './stateText';
import type { EraseWorkspace, WorkOptions } from './workspace';

/** How an erasure found the state text: held in memory, read again (first use, or written by someone else), or not on the lean path at all. */
export type SessionPath = 'held' | 'reloaded' | 'full';

interface Held {
  readonly state: LeanStateText;
  /** The state file's generation when `state` was its content. */
  readonly generation: string;
}

/** The generation of a file as a stat sees it: any atomic rewrite changes the inode or the times. */
function generationOf(st: Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

export class ErasureSession {
  private held: Held | null = null;
  private used: Exclude<SessionPath, 'full'> | null = null;
  /** How the last erasure ran (null before the first, or when it was an idempotent re-run). */
  lastPath: SessionPath | null = null;
  /** Erasures per path since the session opened. */
  readonly counts: Record<SessionPath, number> = { held: 0, reloaded: 0, full: 0 };

  constructor(readonly ws: EraseWorkspace) {}

  /** Erases as eraseExamples does (one audited transaction, the same files), with the held state text. */
  async erase(req: ErasureRequest, opts: WorkOptions = {}, keyStore: KeyStore = keyStoreFor(this.ws)): Promise<DeletionReceipt> {
    this.used = null;
    this.lastPath = null;
    return eraseExamplesWith(this.ws, req, opts, keyStore, {
      stateText: () => this.current(),
      committed: (lean) => this.committed(lean),
    });
  }

  /** Reads the state text ahead of the first erasure (e.g. when the data set opens), so that one is fast too. */
  warm(): void {
    this.current();
  }

  /** The state text, held while the file's generation is unchanged, else read (and held) again. */
  private current(): LeanStateText | null {
    const path = this.ws.paths.state;
    let generation: string;
    try {
      generation = generationOf(statSync(path));
    } catch {
      this.held = null;
      return null;
    }
    if (this.held && this.held.generation === generation) {
      this.used = 'held';
      return this.held.state;
    }
    this.held = null;
    this.used = 'reloaded';
    const read = readWithGeneration(path);
    if (!read) return null;
    const text = StateText.open(read.bytes);
    if (!text) return null;
    const state = { text, hash: sha256Hex(read.bytes) };
    this.held = { state, generation: read.generation };
    return state;
  }

  /** After the commit, under the lock: the lean path's new text is the file's now; anything else is read when next needed. */
  private committed(lean: LeanDeletion | null): void {
    const path = lean && this.used ? this.used : 'full';
    this.lastPath = path;
    this.counts[path]++;
    this.held = null;
    if (!lean) return;
    const text = StateText.open(lean.stateBytes);
    if (!text) return;
    try {
      this.held = { state: { text, hash: lean.stateHashAfter }, generation: generationOf(statSync(this.ws.paths.state)) };
    } catch {
      this.held = null;
    }
  }
}

/** The file's bytes and the generation they belong to (one descriptor: a rename meanwhile cannot mix two files). */
function readWithGeneration(path: string): { bytes: Buffer; generation: string } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const before = fstatSync(fd);
    const bytes = readFileSync(fd);
    const after = fstatSync(fd);
    const generation = generationOf(before);
    return generation === generationOf(after) ? { bytes, generation } : null;
  } finally {
    closeSync(fd);
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
  if (!receipt.certified || receipt.retrained || receipt.reconciled !== null || receipt.alreadyDone) return null;
  const meta = loadMeta(ws.paths);
  if (!meta || meta.stateHash !== receipt.stateHashAfter) return null;
  return { removedIds: [...receipt.erasedIds], representatives: [...meta.representatives] };
}
