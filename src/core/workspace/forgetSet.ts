/**
 * Forget/retain export for weight-based unlearning (ALGORITHMS.md §6). The engine erases examples
 * from the in-context data exactly; a model *fine-tuned* on the same data still holds them in its
 * weights. For that model the user needs the forget set (what a request matches) and a retain set
 * from the same clusters, to run gradient ascent on the forget set, or ascent plus descent on the
 * retain set (Yao et al., arXiv 2402.15159). The export is:
 *   - only on explicit request and only while the examples are not yet erased (afterwards they are gone);
 *   - one audited transaction (action `forget-set-export`): the entry means "fine-tuned model pending
 *     weight unlearning" until `markWeightsUnlearned` records it done (an audited `note`);
 *   - remembered by path in the request record, so the residual-copy scan and `status` keep
 *     flagging the forget file — which holds the erased texts once the request runs — until it is deleted.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Example } from '../dataset/types';
import { splitByteLines } from '../dataset/lines';
import { UserError } from '../errors';
import { compareIds } from '../hash';
import { keyedUniform } from '../qkmeans/keyedRandom';
import type { DeletionRequestRecord, RequestStatus } from '../requests/store';
import { prepareNeedles } from '../residual/needles';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MIN_LENGTH } from '../residual/scan';
import type { ResidualReport } from '../residual/types';
import { scanFiles } from '../residual/worktree';
import { writeFileAtomic } from '../storage/atomicWrite';
import { keyStoreFor } from './erasure';
import { loadState } from './persisted';
import { requestStore } from './requestRecords';
import { previewRequest } from './requests';
import { runTransaction, unchangedStatePlan } from './transaction';
import type { EraseWorkspace } from './workspace';

export const FORGET_FILE = 'forget.jsonl';
export const RETAIN_FILE = 'retain.jsonl';

export interface ForgetExportOptions {
  readonly requestId: string;
  /** Folder for forget.jsonl and retain.jsonl (created if missing). */
  readonly outDir: string;
  /** Examples in the retain set (default: as many as the forget set). */
  readonly retain?: number;
  readonly time?: string;
}

export interface ForgetExportResult {
  readonly requestId: string;
  readonly forgetFile: string;
  readonly retainFile: string;
  readonly forgetCount: number;
  readonly forgetLines: number;
  readonly retainCount: number;
  readonly retainLines: number;
  /** Clusters the forget set falls in (the retain set is drawn from these). */
  readonly clusters: readonly number[];
  readonly auditSeq: number;
}

/**
 * A retain set drawn from the forget set's clusters: each cluster gets a share of `size` in
 * proportion to its forget examples (largest remainder; ties to the lower cluster), filled in a
 * keyed order (keyedUniform of key and id); a cluster with too few candidates leaves its shortfall
 * to the others' next candidates in the same keyed order.
 */
export function selectRetainSet(
  candidates: readonly { readonly id: string; readonly cluster: number }[],
  forgetPerCluster: ReadonlyMap<number, number>,
  size: number,
  key: string,
): string[] {
  const forgetTotal = [...forgetPerCluster.values()].reduce((a, b) => a + b, 0);
  const u = new Map(candidates.map((c) => [c.id, keyedUniform(key, 'retain', c.id)] as const));
  const byKey = (a: { id: string }, b: { id: string }) => u.get(a.id)! - u.get(b.id)! || compareIds(a.id, b.id);
  const clusters = [...forgetPerCluster.keys()].sort((a, b) => a - b);
  const pools = new Map(clusters.map((c) => [c, candidates.filter((x) => x.cluster === c).sort(byKey)] as const));
  const exact = clusters.map((c) => (forgetTotal === 0 ? 0 : (size * forgetPerCluster.get(c)!) / forgetTotal));
  const quota = exact.map(Math.floor);
  const order = clusters.map((_, i) => i).sort((a, b) => exact[b] - quota[b] - (exact[a] - quota[a]) || a - b);
  for (let r = size - quota.reduce((a, b) => a + b, 0), i = 0; r > 0; r--, i++) quota[order[i % order.length]]++;
  const chosen: string[] = [];
  const leftovers: { id: string }[] = [];
  clusters.forEach((c, i) => {
    const pool = pools.get(c)!;
    chosen.push(...pool.slice(0, quota[i]).map((x) => x.id));
    leftovers.push(...pool.slice(quota[i]));
  });
  leftovers.sort(byKey);
  chosen.push(...leftovers.slice(0, Math.max(0, size - chosen.length)).map((x) => x.id));
  return chosen;
}

/** The examples' lines, byte for byte and in file order (every line of a duplicated example). */
function linesOf(fileBytes: Buffer, examples: readonly Example[]): { body: Buffer; lines: number } {
  const { lines } = splitByteLines(fileBytes);
  const wanted = examples.flatMap((e) => e.lines).sort((a, b) => a - b);
  const parts: Buffer[] = [];
  for (const n of wanted) {
    const span = lines[n - 1];
    parts.push(fileBytes.subarray(span.start, span.next));
    if (span.next === span.end) parts.push(Buffer.from('\n')); // the file's last line had no newline
  }
  return { body: Buffer.concat(parts), lines: wanted.length };
}

const WAITING: readonly RequestStatus[] = ['received', 'matched'];

function checkOutDir(ws: EraseWorkspace, outDir: string): { forgetFile: string; retainFile: string } {
  const dir = resolve(outDir);
  const rel = relative(ws.paths.dir, dir);
  if (rel === '' || !(rel.startsWith('..') || isAbsolute(rel))) throw new UserError('--out must not be inside .erase/: that folder must never hold example text', 'usage');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UserError(`cannot write to ${dir} (${(e as NodeJS.ErrnoException).code ?? 'error'}): choose another --out folder`, 'input');
  }
  const forgetFile = resolve(dir, FORGET_FILE);
  const retainFile = resolve(dir, RETAIN_FILE);
  const data = realpathSync(ws.dataFile);
  for (const f of [forgetFile, retainFile])
    if (existsSync(f) && realpathSync(f) === data) throw new UserError(`${f} is the data file itself: choose another --out folder`, 'usage');
  return { forgetFile, retainFile };
}

function requireWaiting(r: DeletionRequestRecord): DeletionRequestRecord {
  if (WAITING.includes(r.status)) return r;
  throw new UserError(
    r.status === 'refused'
      ? `request ${r.requestId} was refused: nothing of it is to be forgotten`
      : `request ${r.requestId} is ${r.status}: its examples are gone, so there is no forget set to export (export before running the request)`,
    'input',
  );
}

/** Writes the forget and retain sets of a waiting request, as one audited transaction. */
export async function exportForgetSet(ws: EraseWorkspace, opts: ForgetExportOptions): Promise<ForgetExportResult> {
  if (opts.retain !== undefined && !(Number.isInteger(opts.retain) && opts.retain >= 0)) throw new UserError(`--retain must be a whole number ≥ 0, got ${opts.retain}`, 'usage');
  const time = opts.time ?? new Date().toISOString();
  requireWaiting(requestStore(ws).require(opts.requestId)); // a clear error before any folder is made
  const files = checkOutDir(ws, opts.outDir);
  return runTransaction(ws, keyStoreFor(ws), async () => {
    const r = requireWaiting(requestStore(ws).require(opts.requestId)); // again under the lock: it may have run meanwhile
    const forget = previewRequest(ws, r.requestId);
    if (forget.length === 0) throw new UserError(`request ${r.requestId} matches no example now: there is nothing to export`, 'input');
    const loaded = loadState(ws.paths);
    if (!loaded) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
    const clusterOf = (id: string) => loaded.state.assignments.get(id)?.[0];
    const forgetPerCluster = new Map<number, number>();
    for (const e of forget) {
      const c = clusterOf(e.id);
      if (c === undefined) throw new UserError('the data file was edited since the last clustering: the forget set has no cluster yet', 'check', 'reconcile');
      forgetPerCluster.set(c, (forgetPerCluster.get(c) ?? 0) + 1);
    }
    const forgetIds = new Set(forget.map((e) => e.id));
    const examples = ws.loadDataset().examples;
    const candidates = examples.filter((e) => !forgetIds.has(e.id) && forgetPerCluster.has(clusterOf(e.id) ?? -1)).map((e) => ({ id: e.id, cluster: clusterOf(e.id)! }));
    const retainIds = new Set(selectRetainSet(candidates, forgetPerCluster, opts.retain ?? forget.length, `${ws.config.seed}\0${r.requestId}`));
    const bytes = readFileSync(ws.dataFile);
    const forgetOut = linesOf(bytes, forget);
    const retainOut = linesOf(
      bytes,
      examples.filter((e) => retainIds.has(e.id)),
    );
    const hash = loaded.hash;
    return {
      plan: unchangedStatePlan(hash, {
        action: 'forget-set-export',
        requestId: r.requestId,
        entry: {
          time,
          requester: r.requester,
          subjectRef: r.subjectRef,
          notes: `forget set (${forget.length} example(s)) and in-distribution retain set (${retainIds.size}) exported for weight-based unlearning: a fine-tuned model is pending weight unlearning until marked done`,
        },
        recordUpdate: { kind: 'forget-set-export', requestId: r.requestId, time, ...files, forgetCount: forget.length, retainCount: retainIds.size },
      }),
      // After the commit point: the log says "exported" (pending) before the files exist, never the reverse.
      result: (c) => {
        writeFileAtomic(files.forgetFile, forgetOut.body);
        writeFileAtomic(files.retainFile, retainOut.body);
        return {
          requestId: r.requestId,
          ...files,
          forgetCount: forget.length,
          forgetLines: forgetOut.lines,
          retainCount: retainIds.size,
          retainLines: retainOut.lines,
          clusters: [...forgetPerCluster.keys()].sort((a, b) => a - b),
          auditSeq: c!.entry.seq,
        };
      },
    };
  });
}

/** Records, as an audited note, that the fine-tuned model's weights were unlearned for this request. */
export async function markWeightsUnlearned(ws: EraseWorkspace, requestId: string, time = new Date().toISOString()): Promise<DeletionRequestRecord> {
  await runTransaction(ws, keyStoreFor(ws), async () => {
    const r = requestStore(ws).require(requestId);
    const w = r.weightUnlearning;
    if (!w) throw new UserError(`no forget set was exported for request ${requestId}: no weight unlearning is pending`, 'input');
    if (w.status === 'done') return { plan: null, result: () => undefined };
    const hash = loadState(ws.paths)?.hash ?? '';
    return {
      plan: unchangedStatePlan(hash, {
        action: 'note',
        requestId,
        entry: {
          time,
          requester: r.requester,
          subjectRef: r.subjectRef,
          notes: `weight unlearning done: the fine-tuned model no longer pending for this request (forget set exported in entr${w.exports.length === 1 ? 'y' : 'ies'} #${w.exports.map((e) => e.auditSeq).join(', #')})`,
        },
        recordUpdate: { kind: 'weights-done', requestId, time },
      }),
      result: () => undefined,
    };
  });
  return requestStore(ws).require(requestId);
}

export interface WeightUnlearningView {
  readonly requestId: string;
  readonly requestStatus: RequestStatus;
  readonly status: 'pending' | 'done';
  readonly exportedAt: string;
  /** The exported files and whether each still exists. */
  readonly files: readonly { readonly path: string; readonly kind: 'forget' | 'retain'; readonly exists: boolean }[];
  /** Forget files that still exist although the request was erased: they hold the erased texts. */
  readonly residualForgetFiles: readonly string[];
}

const ERASED: readonly RequestStatus[] = ['erased', 'verified'];

/** Every request with a forget-set export: pending or done, and which exported files remain. */
export function weightUnlearningStatus(ws: EraseWorkspace): WeightUnlearningView[] {
  return requestStore(ws)
    .list()
    .filter((r) => r.weightUnlearning !== undefined)
    .map((r) => {
      const w = r.weightUnlearning!;
      const files = w.exports.flatMap((e) => [
        { path: e.forgetFile, kind: 'forget' as const, exists: existsSync(e.forgetFile) },
        { path: e.retainFile, kind: 'retain' as const, exists: existsSync(e.retainFile) },
      ]);
      const unique = files.filter((f, i) => files.findIndex((g) => g.path === f.path) === i);
      return {
        requestId: r.requestId,
        requestStatus: r.status,
        status: w.status,
        exportedAt: w.exports[w.exports.length - 1]?.time ?? '',
        files: unique,
        residualForgetFiles: ERASED.includes(r.status) ? unique.filter((f) => f.kind === 'forget' && f.exists).map((f) => f.path) : [],
      };
    });
}

/**
 * Adds the recorded forget files to a residual scan: they may lie outside the workspace or be
 * ignored by git, and they hold exactly the texts a request erased. Each is searched as bytes.
 */
export async function scanForgetSetFiles(ws: EraseWorkspace, root: string, needles: readonly string[], report: ResidualReport, signal?: AbortSignal): Promise<void> {
  let views: WeightUnlearningView[];
  try {
    views = weightUnlearningStatus(ws);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    report.skipped.push({ path: '.erase/requests.jsonl', reason: 'damaged: exported forget sets were not searched' });
    return;
  }
  const files = views.flatMap((v) => v.files.filter((f) => f.kind === 'forget' && f.exists).map((f) => f.path));
  if (files.length === 0) return;
  const rel = (abs: string) => relative(root, abs).split(sep).join('/');
  const seen = new Set(report.hits.map((h) => h.path));
  const targets = [...new Set(files.map(rel))].filter((p) => !seen.has(p)).map((path) => ({ path, extra: true }));
  const found = await scanFiles(root, targets, prepareNeedles(needles, DEFAULT_MIN_LENGTH).searched, DEFAULT_MAX_FILE_BYTES, signal);
  report.hits.push(...found.hits);
  report.filesScanned += found.filesScanned;
  report.skipped.push(...found.skipped);
  if (found.hits.length > 0) report.guidance = report.guidance.filter((g) => !g.startsWith('No copy of the'));
  const flagged = new Set(files.map(rel));
  if (report.hits.some((h) => h.kind === 'file' && flagged.has(h.path)))
    report.guidance.push(
      'A forget set exported for weight-based unlearning holds erased text: delete it once the fine-tuned model is unlearned (erase request weights-done ID records that).',
    );
}
