/**
 * The inputs of the unlearning-cost formula, each with where it came from:
 *   user      — given on the command line or in the panel;
 *   measured  — read from this workspace (eval results, the audit log, request records, timings);
 *   estimated — derived without a measurement (e.g. prompt tokens from characters), said so;
 *   assumed   — a default price or speed that the user should replace with their own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readLog } from '../audit';
import { renderPrompt } from '../erase/prompt';
import { UserError, throwIfAborted } from '../errors';
import { deleteFromState } from '../qkmeans/deletion';
import { keyedUniform } from '../qkmeans/keyedRandom';
import { train } from '../qkmeans/train';
import { loadMeta, loadState } from '../workspace/persisted';
import { requestStore } from '../workspace/requestRecords';
import type { EraseWorkspace, WorkOptions } from '../workspace/workspace';
import { COST_FORMULA, computeCost, type CostParams, type CostResult } from './formula';
import { readMeasurements, recordMeasurements, type Timing } from './measurements';

export type InputSource = 'user' | 'measured' | 'estimated' | 'assumed';

export interface CostInput {
  readonly value: number;
  readonly source: InputSource;
  /** How it was obtained (a file, a count, "set by you"); figures only, never example text. */
  readonly note: string;
}

export type CostInputs = { readonly [K in keyof CostParams]: CostInput };

/** Symbol and unit of each input, as the formula names it. */
export const COST_INPUT_INFO: { readonly [K in keyof CostParams]: { readonly symbol: string; readonly label: string; readonly unit: string } } = {
  queriesPerDay: { symbol: 'queries/day', label: 'queries per day', unit: '/day' },
  deletionsPerMonth: { symbol: 'deletions/month', label: 'deletions per month', unit: '/month' },
  months: { symbol: 'months', label: 'period', unit: 'months' },
  shards: { symbol: 'S', label: 'SISA shards', unit: '' },
  examples: { symbol: 'N', label: 'examples in the data set', unit: 'lines' },
  extraPromptTokens: { symbol: 'ΔT', label: 'prompt tokens the ERASE examples add per query', unit: 'tokens' },
  zeroShotPromptTokens: { symbol: 'T0', label: 'prompt tokens of a zero-shot query', unit: 'tokens' },
  certifiedShare: { symbol: 'p', label: 'share of erasures certified (no retrain)', unit: '' },
  certifiedErasureSeconds: { symbol: 't_c', label: 'time of a certified erasure', unit: 's' },
  retrainErasureSeconds: { symbol: 't_r', label: 'time of an erasure that retrains the clustering', unit: 's' },
  pricePer1kTokens: { symbol: 'price', label: 'price per 1,000 prompt tokens', unit: 'USD' },
  cpuPerHour: { symbol: 'cpu/h', label: 'CPU machine cost per hour (runs an erasure)', unit: 'USD' },
  gpuPerHour: { symbol: 'gpu/h', label: 'GPU cost per hour (runs a fine-tune)', unit: 'USD' },
  fineTuneSecondsPerExample: { symbol: 't_ft', label: 'fine-tune time per example, all epochs', unit: 's' },
};

/** The workload when the user gives none: defaults, labelled as such. */
export const WORKLOAD_DEFAULTS = { queriesPerDay: 1000, deletionsPerMonth: 10, months: 12, shards: 5 } as const;

/** Assumptions, to be replaced by the user's own figures (each says what it stands for). */
export const COST_ASSUMPTIONS: {
  readonly [K in 'pricePer1kTokens' | 'cpuPerHour' | 'gpuPerHour' | 'fineTuneSecondsPerExample']: { readonly value: number; readonly note: string };
} = {
  pricePer1kTokens: { value: 0.0005, note: 'assumed: a hosted small model’s input-token price; for a local model put your own compute cost per token' },
  cpuPerHour: { value: 0.05, note: 'assumed: one small cloud CPU machine' },
  gpuPerHour: { value: 2, note: 'assumed: one rented data-centre GPU' },
  fineTuneSecondsPerExample: { value: 0.5, note: 'assumed: a LoRA fine-tune of a ~1B-parameter model, 3 epochs' },
};

export interface CostOptions extends WorkOptions {
  /** Inputs the user sets; each overrides the measured or assumed value. */
  readonly overrides?: Partial<CostParams>;
  /** An `erase eval --results` file (or its `--json` report): measured prompt tokens. */
  readonly evalResultsFile?: string;
  /** Measure missing timings now in memory (default true); false leaves them at 0, labelled unmeasured. */
  readonly measure?: boolean;
}

export interface CostReport {
  readonly inputs: CostInputs;
  readonly result: CostResult;
  readonly formula: readonly string[];
}

/** Mean prompt tokens of the ERASE and zero-shot prompts from an `erase eval` results file or JSON report. */
export function promptTokensFromEval(file: string): { erase: number; zeroShot: number; queries: number } {
  if (!existsSync(file)) throw new UserError(`eval results file ${file} does not exist: run erase eval --results ${file} first, or leave the option out`, 'input');
  const text = readFileSync(file, 'utf8');
  try {
    const report = JSON.parse(text) as { n?: number; modes?: Record<string, { promptTokens?: unknown }> };
    const e = report?.modes?.erase?.promptTokens;
    const z = report?.modes?.zeroShot?.promptTokens;
    if (typeof e === 'number' && typeof z === 'number') return { erase: e, zeroShot: z, queries: typeof report.n === 'number' ? report.n : 0 };
  } catch {
    // not one JSON document: a results file, one trial per line
  }
  const sums = { erase: [0, 0], zeroShot: [0, 0] };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let t: { selector?: unknown; promptTokens?: unknown };
    try {
      t = JSON.parse(line);
    } catch {
      continue; // a torn last line of an interrupted run
    }
    if ((t.selector === 'erase' || t.selector === 'zeroShot') && typeof t.promptTokens === 'number') {
      sums[t.selector][0] += t.promptTokens;
      sums[t.selector][1]++;
    }
  }
  if (sums.erase[1] === 0 || sums.zeroShot[1] === 0)
    throw new UserError(`eval results file ${file} has no trials of both the erase and the zeroShot selectors: give the file of a finished erase eval run`, 'input');
  return { erase: sums.erase[0] / sums.erase[1], zeroShot: sums.zeroShot[0] / sums.zeroShot[1], queries: sums.erase[1] };
}

/** Rough tokens of a text: about four characters per token for English (an estimate, labelled as one). */
const estimateTokens = (text: string) => Math.round(text.length / 4);

async function promptTokens(ws: EraseWorkspace, opts: CostOptions): Promise<{ extra: CostInput; zeroShot: CostInput }> {
  if (opts.evalResultsFile !== undefined) {
    const m = promptTokensFromEval(opts.evalResultsFile);
    const note = `mean prompt_eval_count in ${opts.evalResultsFile} (${m.queries} queries)`;
    return {
      extra: { value: Math.max(0, m.erase - m.zeroShot), source: 'measured', note: `${note}: erase ${m.erase.toFixed(1)} − zero-shot ${m.zeroShot.toFixed(1)}` },
      zeroShot: { value: m.zeroShot, source: 'measured', note },
    };
  }
  // A typical query: the data set's median-length input, rendered with and without the examples.
  const inputs = ws
    .loadDataset()
    .examples.map((e) => e.input)
    .sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const query = inputs[Math.floor(inputs.length / 2)] ?? '';
  const withExamples = await ws.prompt(query, opts);
  const zeroShot = renderPrompt([], query, ws.config.template).text;
  const note = 'estimated: characters / 4 of the prompt for a median-length input (run erase eval --results F and pass --eval-results F to measure)';
  return {
    extra: { value: Math.max(0, estimateTokens(withExamples.text) - estimateTokens(zeroShot)), source: 'estimated', note },
    zeroShot: { value: estimateTokens(zeroShot), source: 'estimated', note },
  };
}

/** Certified share from the audit log's erase entries; the clustering's prediction when none was erased yet. */
async function certifiedShare(ws: EraseWorkspace): Promise<CostInput> {
  const erasures = (await readLog(ws.paths.auditDir)).entries.filter((e) => e.action === 'erase' && e.erasedCount > 0);
  if (erasures.length > 0) {
    const certified = erasures.filter((e) => e.certified).length;
    return { value: certified / erasures.length, source: 'measured', note: `audit log: ${certified} of ${erasures.length} erasure(s) certified` };
  }
  const meta = loadMeta(ws.paths);
  if (!meta) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
  return { value: meta.predictedCertified, source: 'estimated', note: 'no erasure yet: the certified fraction the clustering predicts' };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Measures now, in memory, what the records do not hold: a retrain of the clustering on the
 * current points and one certified deletion of a keyed-random example (the state file is read
 * again for it, nothing is written but the timing cache).
 */
async function probe(ws: EraseWorkspace, want: { retrain: boolean; certified: boolean }, opts: WorkOptions): Promise<{ retrain?: Timing; certified?: Timing }> {
  const model = await ws.loadModel(opts);
  const n = model.state.n;
  const out: { retrain?: Timing; certified?: Timing } = {};
  if (want.retrain) {
    const t0 = performance.now();
    train(model.points, model.state.params, { signal: opts.signal });
    out.retrain = { ms: performance.now() - t0, n, stateHash: model.stateHash, source: 'probe' };
  }
  if (want.certified) {
    // Candidates in keyed order: the first whose deletion the certificate accepts is timed.
    const keyed = model.points.ids.map((id) => [keyedUniform(model.state.params.seed, 'cost-probe', id), id] as const);
    keyed.sort((a, b) => a[0] - b[0]);
    for (const [, id] of keyed.slice(0, 5)) {
      throwIfAborted(opts.signal);
      const fresh = loadState(ws.paths);
      if (!fresh || fresh.hash !== model.stateHash) break;
      const weight = fresh.state.assignments.get(id)?.[1] ?? 1;
      const t0 = performance.now();
      const r = deleteFromState(fresh.state, model.points, new Map([[id, weight]]), { signal: opts.signal });
      const ms = performance.now() - t0;
      if (r.certified) {
        out.certified = { ms, n, stateHash: model.stateHash, source: 'probe' };
        break;
      }
    }
  }
  recordMeasurements(ws.paths, out);
  return out;
}

async function erasureTimes(ws: EraseWorkspace, opts: CostOptions): Promise<{ certified: CostInput; retrain: CostInput }> {
  const receipts = requestStore(ws)
    .list()
    .map((r) => r.receipt)
    .filter((r): r is NonNullable<typeof r> & { updateMs: number } => typeof r?.updateMs === 'number');
  const certified = receipts.filter((r) => r.certified).map((r) => r.updateMs);
  const retrained = receipts.filter((r) => !r.certified).map((r) => r.updateMs);
  const fromRecords = (ms: number[], what: string): CostInput => ({
    value: mean(ms) / 1000,
    source: 'measured',
    note: `request records: mean clustering update of ${ms.length} ${what} erasure(s) (file I/O not included)`,
  });
  const stateHash = loadState(ws.paths)?.hash;
  const stored = readMeasurements(ws.paths);
  const current = (t: Timing | undefined) => (t && (t.source === 'verify' || t.stateHash === stateHash) ? t : undefined);
  let retrainT = retrained.length ? undefined : current(stored.retrain);
  let certifiedT = certified.length ? undefined : current(stored.certified);
  const need = { retrain: !retrained.length && !retrainT, certified: !certified.length && !certifiedT };
  if ((need.retrain || need.certified) && opts.measure !== false) {
    const measured = await probe(ws, need, opts);
    retrainT ??= measured.retrain;
    certifiedT ??= measured.certified;
  }
  const fromTiming = (t: Timing | undefined, what: string): CostInput =>
    t === undefined
      ? { value: 0, source: 'estimated', note: `not measured (${what}): set it yourself` }
      : {
          value: t.ms / 1000,
          source: 'measured',
          note:
            t.source === 'verify'
              ? `the last erase verify (retrain from scratch, re-embedding included) at n=${t.n}`
              : `measured now in memory at n=${t.n} (file I/O not included)`,
        };
  return {
    certified: certified.length ? fromRecords(certified, 'certified') : fromTiming(certifiedT, 'no certified deletion found among 5 probes'),
    retrain: retrained.length ? fromRecords(retrained, 'retrained') : fromTiming(retrainT, 'measuring was turned off'),
  };
}

/** Gathers every input: the user's overrides first, then what this workspace measured, then the assumptions. */
export async function gatherCostInputs(ws: EraseWorkspace, opts: CostOptions = {}): Promise<CostInputs> {
  const o = opts.overrides ?? {};
  const user = (k: keyof CostParams): CostInput | null => (o[k] === undefined ? null : { value: o[k], source: 'user', note: 'set by you' });
  const workload = (k: keyof typeof WORKLOAD_DEFAULTS): CostInput => user(k) ?? { value: WORKLOAD_DEFAULTS[k], source: 'assumed', note: 'default workload: set your own' };
  const assumed = (k: keyof typeof COST_ASSUMPTIONS): CostInput => user(k) ?? { value: COST_ASSUMPTIONS[k].value, source: 'assumed', note: COST_ASSUMPTIONS[k].note };
  if (!loadState(ws.paths)) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
  const needTokens = o.extraPromptTokens === undefined || o.zeroShotPromptTokens === undefined;
  const tokens = needTokens ? await promptTokens(ws, opts) : null;
  const needTimes = o.certifiedErasureSeconds === undefined || o.retrainErasureSeconds === undefined;
  const times = needTimes ? await erasureTimes(ws, opts) : null;
  const status = ws.status();
  return {
    queriesPerDay: workload('queriesPerDay'),
    deletionsPerMonth: workload('deletionsPerMonth'),
    months: workload('months'),
    shards: workload('shards'),
    examples: user('examples') ?? { value: status.n, source: 'measured', note: `lines in ${status.dataFile.split(/[\\/]/).pop()}` },
    extraPromptTokens: user('extraPromptTokens') ?? tokens!.extra,
    zeroShotPromptTokens: user('zeroShotPromptTokens') ?? tokens!.zeroShot,
    certifiedShare: user('certifiedShare') ?? (await certifiedShare(ws)),
    certifiedErasureSeconds: user('certifiedErasureSeconds') ?? times!.certified,
    retrainErasureSeconds: user('retrainErasureSeconds') ?? times!.retrain,
    pricePer1kTokens: assumed('pricePer1kTokens'),
    cpuPerHour: assumed('cpuPerHour'),
    gpuPerHour: assumed('gpuPerHour'),
    fineTuneSecondsPerExample: assumed('fineTuneSecondsPerExample'),
  };
}

export const valuesOf = (inputs: CostInputs): CostParams => Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.value])) as unknown as CostParams;

/** `erase cost` and the Unlearning cost panel: every input with its source, the three totals, the formula. */
export async function unlearningCost(ws: EraseWorkspace, opts: CostOptions = {}): Promise<CostReport> {
  const inputs = await gatherCostInputs(ws, opts);
  return { inputs, result: computeCost(valuesOf(inputs)), formula: COST_FORMULA };
}
