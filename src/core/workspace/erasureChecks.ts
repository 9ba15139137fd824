/**
 * Follow-up checks of an erasure, run right after it: does the erased example still leak
 * (leakage check, see eval/leakage.ts), and are near-duplicates of it left in the data set (a
 * paraphrase left behind carries the same content)? What the checks need of the erased examples —
 * their input, label and projected vector — is taken before the erasure and held in memory only.
 * The figures (never a text, never an id) are recorded as a `note` audit entry under the erasure's
 * request id, through the one transaction unit.
 */
import { loadDataset } from '../dataset/load';
import type { Example } from '../dataset/types';
import { UserError } from '../errors';
import { leakageCheck, type LabelledText, type LeakageReport } from '../eval/leakage';
import { unloadModel } from '../ollama/client';
import { DEFAULT_NEAR_DUPLICATE_THRESHOLD, findNeighboursOf } from './explore';
import { loadState } from './persisted';
import { pointKeyOf, runTransaction, unchangedStatePlan } from './transaction';
import type { EraseWorkspace, WorkOptions } from './workspace';

export interface ErasureChecks {
  /** Leakage check against held-out examples the data set never contained. */
  readonly leakage?: { readonly heldoutFile: string; readonly model?: string; readonly host?: string; readonly topLogprobs?: number };
  /** Near-duplicate check (projected distance; default DEFAULT_NEAR_DUPLICATE_THRESHOLD). */
  readonly nearDuplicates?: { readonly threshold?: number };
}

export interface NearDuplicateLeft {
  readonly id: string;
  readonly distance: number;
  readonly similarity: number;
}

export interface ErasureCheckReport {
  readonly requestId: string;
  readonly leakage: LeakageReport | null;
  /** Held-out lines left out because the data set (or the erased examples) hold the same input. */
  readonly heldoutSkipped: number;
  /** Whether the model was unloaded after the leakage check (its prompt cache held the erased input again). */
  readonly modelUnloaded: boolean | null;
  readonly nearDuplicates: { readonly threshold: number; readonly left: readonly NearDuplicateLeft[] } | null;
  /** The audit entry that recorded the figures. */
  readonly auditSeq: number;
}

/** How a check run is driven: cancel, progress over the model calls, the caller's clock for the audit entry. */
export interface CheckRunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  readonly time?: string;
}

/** What the checks keep of the erased examples: memory only, taken before the erasure. */
interface Snapshot {
  readonly examples: readonly LabelledText[];
  readonly vectors: Float64Array;
  readonly heldout: readonly LabelledText[];
}

const labelOf = (e: Example): string => e.label ?? e.output;

/**
 * Takes what the checks need before `examples` are erased and returns the check to run after the
 * erasure. Bad check options (a missing held-out file) fail here, before anything is erased.
 */
export async function prepareErasureChecks(
  ws: EraseWorkspace,
  examples: readonly Example[],
  checks: ErasureChecks,
  opts: WorkOptions = {},
): Promise<(requestId: string, o?: CheckRunOptions) => Promise<ErasureCheckReport>> {
  const threshold = checks.nearDuplicates ? (checks.nearDuplicates.threshold ?? DEFAULT_NEAR_DUPLICATE_THRESHOLD) : null;
  if (threshold !== null && !(threshold >= 0 && threshold <= 10)) throw new UserError(`--threshold must be a distance from 0 to 10, got ${threshold}`, 'usage');
  const heldout = checks.leakage ? loadDataset(checks.leakage.heldoutFile).examples.map((e) => ({ input: e.input, label: labelOf(e) })) : [];
  if (checks.leakage && heldout.length === 0) throw new UserError(`the held-out file ${checks.leakage.heldoutFile} has no examples`, 'input');
  const loaded = loadState(ws.paths);
  if (!loaded) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
  const points = threshold !== null ? await ws.pointsFor(examples, pointKeyOf(loaded.state), opts) : null;
  const snapshot: Snapshot = {
    examples: examples.map((e) => ({ input: e.input, label: labelOf(e) })),
    vectors: points ? Float64Array.from(points.real) : new Float64Array(0),
    heldout,
  };
  return (requestId, o = {}) => runChecks(ws, requestId, snapshot, checks, threshold, o);
}

async function runChecks(
  ws: EraseWorkspace,
  requestId: string,
  snap: Snapshot,
  checks: ErasureChecks,
  threshold: number | null,
  opts: CheckRunOptions,
): Promise<ErasureCheckReport> {
  let nearDuplicates: ErasureCheckReport['nearDuplicates'] = null;
  if (threshold !== null) {
    const closest = new Map<string, NearDuplicateLeft>();
    for (const n of await findNeighboursOf(ws, snap.vectors, threshold, { signal: opts.signal })) {
      if (!closest.has(n.id)) closest.set(n.id, { id: n.id, distance: n.distance, similarity: n.similarity }); // sorted nearest first
    }
    nearDuplicates = { threshold, left: [...closest.values()] };
  }
  let leakage: LeakageReport | null = null;
  let heldoutSkipped = 0;
  let modelUnloaded: boolean | null = null;
  if (checks.leakage) {
    const data = ws.loadDataset().examples;
    const known = new Set([...data.map((e) => e.input), ...snap.examples.map((e) => e.input)]);
    const heldout = snap.heldout.filter((h) => !known.has(h.input));
    heldoutSkipped = snap.heldout.length - heldout.length;
    const labels = [...new Set([...data.map(labelOf), ...snap.examples.map((e) => e.label), ...heldout.map((h) => h.label)])].sort();
    const model = checks.leakage.model ?? ws.config.ollamaModel;
    const host = checks.leakage.host ?? ws.config.ollamaHost;
    try {
      leakage = await leakageCheck(snap.examples, heldout, labels, async (input) => (await ws.prompt(input, { signal: opts.signal })).text, {
        model,
        host,
        topLogprobs: checks.leakage.topLogprobs,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
    } finally {
      // The check put the erased input into the model's prompt cache again: drop it.
      try {
        await unloadModel(host, model);
        modelUnloaded = true;
      } catch {
        modelUnloaded = false;
      }
    }
  }
  const auditSeq = await recordFigures(ws, requestId, noteOf(leakage, heldoutSkipped, modelUnloaded, nearDuplicates), opts.time);
  return { requestId, leakage, heldoutSkipped, modelUnloaded, nearDuplicates, auditSeq };
}

const fixed = (x: number, d: number) => x.toFixed(d);

/** The audit note: figures, the model name and the threshold only — never a text, never an id. */
function noteOf(leakage: LeakageReport | null, skipped: number, unloaded: boolean | null, near: ErasureCheckReport['nearDuplicates']): string {
  const parts: string[] = [];
  if (leakage?.status === 'unavailable') parts.push(`leakage check (model ${leakage.model}): unavailable, the server returned no log-probabilities`);
  else if (leakage) {
    // Sorted, so the order says nothing about which erased example scored what.
    const pcts = leakage.erased.map((e) => e.percentile).sort((a, b) => a - b);
    const shown =
      pcts.length > 20 ? `min ${fixed(pcts[0], 1)}, median ${fixed(pcts[pcts.length >> 1], 1)}, max ${fixed(pcts[pcts.length - 1], 1)}` : pcts.map((p) => fixed(p, 1)).join(', ');
    parts.push(
      `leakage check (model ${leakage.model}, first-token top ${leakage.topLogprobs} log-probabilities): own-label probability percentile of the ${pcts.length} erased example(s) among ${leakage.heldout} held-out examples never in the data set: ${shown}${skipped ? ` (${skipped} held-out line(s) skipped: the data set holds the same input)` : ''}`,
    );
  }
  if (leakage) parts.push(`model unloaded after the check: ${unloaded ? 'yes' : 'no'}`);
  if (near) parts.push(`near-duplicates left within ${near.threshold}: ${near.left.length}`);
  return `follow-up checks of the erasure: ${parts.join('; ')}`;
}

/** A `note` entry under the erasure's request id: the state does not change. */
async function recordFigures(ws: EraseWorkspace, requestId: string, notes: string, time = new Date().toISOString()): Promise<number> {
  return runTransaction(ws, ws.keyStore, async () => {
    const hash = loadState(ws.paths)?.hash ?? '';
    return {
      plan: unchangedStatePlan(hash, { action: 'note', requestId, entry: { time, notes } }),
      result: (c) => c!.entry.seq,
    };
  });
}
