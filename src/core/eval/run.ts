/**
 * `erase eval`: does the ERASE prompt help? Each held-out query is answered by the model with the
 * few-shot examples of each selector (ERASE, random, label-balanced, k nearest, none), and the
 * parsed answers are scored against the held-out labels.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { loadDataset } from '../dataset/load';
import { EVAL_SCRATCH_PREFIX, removeStaleTmpLeftovers } from '../storage/atomicWrite';
import type { Example } from '../dataset/types';
import { renderPrompt } from '../erase/prompt';
import { templateVersion, type PromptTemplate } from '../prompt/template';
import { UserError, throwIfAborted } from '../errors';
import { sha256Hex } from '../hash';
import { MemoryKeyStore } from '../audit/keys';
import { completePrompt } from '../prompt/complete';
import { eraseExamples } from '../workspace/erasure';
import { EraseWorkspace } from '../workspace/workspace';
import type { GenerationSettings } from '../ollama/generation';
import { promptSettingsOf, recordCompletion } from '../workspace/provenance';
import { firstLabelParser, type AnswerParser } from './answer';
import { balancedSelect, erasureOrder, knnSelect, randomSelect, SELECTORS, type PoolExample, type SelectorName } from './selectors';
import { splitIds } from './split';
import { wilsonInterval } from './wilson';

export interface EvalOptions {
  /** Labelled held-out records (data-set format), or … */
  readonly heldoutFile?: string;
  /** … the fraction of the data set held out by a seeded split (the rest is the selectors' pool). */
  readonly split?: number;
  readonly model: string;
  readonly host?: string;
  /** Seeds for the random and balanced selectors (their figures are pooled over seeds). */
  readonly seeds?: number;
  /** At most this many held-out queries. */
  readonly limit?: number;
  /** JSONL of finished trials: read to skip them, appended to as trials finish. */
  readonly resultsFile?: string;
  readonly parser?: AnswerParser;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** Model options over the workspace's (default here: temperature 0, at most 16 tokens: a label is short). */
  readonly generation?: Partial<GenerationSettings>;
  /**
   * Accuracy across erasures: after erasing this many seeded-random pool examples (one request
   * each, in a scratch copy of the workspace), evaluate again. 0 (the baseline) is always evaluated.
   */
  readonly afterErasures?: readonly number[];
  /** The caller's clock: when given, every completion is recorded in the workspace's provenance store with its time. */
  readonly clock?: () => string;
}

/** One line of the results file: ids and figures only, never example or query text. */
export interface TrialResult {
  /** Fingerprint of the run (model, held-out query ids, the selectors' clustered state): a re-run only reuses its own lines. */
  readonly run: string;
  readonly selector: SelectorName;
  readonly seed: number;
  readonly query: number;
  readonly ids: readonly string[];
  readonly answer: string | null;
  readonly correct: boolean;
  readonly promptTokens: number;
  readonly ms: number;
  /** --after-erasures: how many pool examples the scratch workspace had erased before this trial. */
  readonly erased?: number;
}

export interface ModeReport {
  readonly accuracy: number;
  readonly ci95: [number, number];
  /** Trials scored (queries × seeds for random and balanced). */
  readonly n: number;
  /** Mean prompt tokens per query, as counted by the server (prompt_eval_count). */
  readonly promptTokens: number;
  readonly promptTokensOverZeroShot: number;
  readonly msPerQuery: number;
  readonly examplesUsed: readonly { readonly query: number; readonly seed: number; readonly ids: readonly string[] }[];
}

export interface EvalReport {
  readonly model: string;
  /** Held-out queries evaluated. */
  readonly n: number;
  readonly poolSize: number;
  readonly labels: readonly string[];
  readonly seeds: number;
  /** At 0 erasures (with --after-erasures, the baseline step). */
  readonly modes: Record<SelectorName, ModeReport>;
  /** --after-erasures only: one entry per step, fewest erasures first. */
  readonly afterErasures?: readonly ErasureStepReport[];
}

export interface ErasureStepReport {
  /** Pool examples erased so far (one erasure request each). */
  readonly erased: number;
  /** Of those erasures, how many changed the ERASE prompt (its representatives). */
  readonly promptChanges: number;
  /** Examples left in the pool. */
  readonly poolSize: number;
  readonly modes: Record<SelectorName, Omit<ModeReport, 'examplesUsed'>>;
}

interface Query {
  readonly id: string;
  readonly input: string;
  readonly label: string;
}

const labelOf = (e: Example): string => e.label ?? e.output;
const trialKey = (selector: string, seed: number, query: number, erased?: number) => `${selector}\0${seed}\0${query}\0${erased ?? ''}`;

export function readTrials(file: string, run: string): Map<string, TrialResult> {
  const done = new Map<string, TrialResult>();
  if (!existsSync(file)) return done;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let t: TrialResult;
    try {
      t = JSON.parse(line) as TrialResult;
    } catch {
      // A run killed mid-write leaves a partial last line: that trial is simply run again.
      if (i === lines.length - 1 || lines.slice(i + 1).every((l) => !l.trim())) return;
      throw new UserError(`results file ${file} line ${i + 1} is not JSON: give a new --results file`, 'input');
    }
    if (t.run !== run) throw new UserError(`results file ${file} is from another run (model, held-out set or clustering differ): give a new --results file`, 'input');
    done.set(trialKey(t.selector, t.seed, t.query, t.erased), t);
  });
  return done;
}

/**
 * With --split, ERASE and kNN must not see the held-out examples: the pool's lines are copied into
 * a scratch workspace in a private temp folder, clustered there with the same settings, and the
 * folder is removed afterwards. The user's data file, state and audit log are never touched.
 */
async function scratchWorkspace(ws: EraseWorkspace, pool: readonly Example[], opts: EvalOptions): Promise<{ ws: EraseWorkspace; dispose: () => void }> {
  // The pid in its name lets a later scan or evaluation delete it if this process is killed (removeStaleTmpLeftovers).
  void removeStaleTmpLeftovers(tmpdir());
  const dir = mkdtempSync(join(tmpdir(), `${EVAL_SCRATCH_PREFIX}${process.pid}-`));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    const keep = new Set(pool.flatMap((e) => e.lines));
    const lines = readFileSync(ws.dataFile, 'utf8').split('\n');
    const file = join(dir, 'pool.jsonl');
    writeFileSync(file, lines.filter((_, i) => keep.has(i + 1)).join('\n') + '\n', { mode: 0o600 });
    const { dataFile: _omit, ...settings } = ws.config;
    void _omit;
    // A transformers embedder's folder is relative to the user's workspace.
    const m = /^transformers:(.+)$/.exec(settings.embedder);
    const embedder = m && !isAbsolute(m[1]) ? `transformers:${resolve(ws.paths.root, m[1])}` : settings.embedder;
    const scratch = EraseWorkspace.init(file, { ...settings, embedder, unloadOnPromptChange: false });
    // Its audit log is signed by throwaway keys held in memory, never by the user's.
    scratch.keyStore = new MemoryKeyStore();
    await scratch.cluster({ signal: opts.signal });
    return { ws: scratch, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** The held-out queries and the workspace whose prompts answer them (a scratch copy with --split, and with --after-erasures, which erases in it). */
async function prepare(ws: EraseWorkspace, opts: EvalOptions): Promise<{ queries: Query[]; promptWs: EraseWorkspace; dispose: () => void }> {
  if ((opts.heldoutFile === undefined) === (opts.split === undefined)) throw new UserError('give exactly one of --heldout FILE.jsonl or --split FRACTION', 'usage');
  if (opts.heldoutFile !== undefined) {
    const held = loadDataset(opts.heldoutFile).examples;
    if (held.length === 0) throw new UserError(`the held-out file ${opts.heldoutFile} has no examples`, 'input');
    const queries = held.map((e) => ({ id: e.id, input: e.input, label: labelOf(e) }));
    if (!opts.afterErasures) return { queries, promptWs: ws, dispose: () => {} };
    const scratch = await scratchWorkspace(ws, ws.loadDataset().examples, opts);
    return { queries, promptWs: scratch.ws, dispose: scratch.dispose };
  }
  const split = opts.split!;
  if (!(split > 0 && split < 1)) throw new UserError(`--split must be a fraction between 0 and 1, got ${split}`, 'usage');
  const examples = ws.loadDataset().examples;
  const { heldOut } = splitIds(
    examples.map((e) => e.id),
    split,
    ws.config.seed,
  );
  const held = new Set(heldOut);
  if (held.size === 0 || held.size === examples.length)
    throw new UserError(`--split ${split} leaves no ${held.size === 0 ? 'held-out examples' : 'pool'}: choose another fraction`, 'usage');
  const scratch = await scratchWorkspace(
    ws,
    examples.filter((e) => !held.has(e.id)),
    opts,
  );
  const queries = examples.filter((e) => held.has(e.id)).map((e) => ({ id: e.id, input: e.input, label: labelOf(e) }));
  return { queries, promptWs: scratch.ws, dispose: scratch.dispose };
}

/** Erasure counts to evaluate at: ascending, unique, with the 0 baseline. */
function erasureSteps(steps: readonly number[], poolSize: number): number[] {
  for (const c of steps) if (!(Number.isSafeInteger(c) && c >= 0)) throw new UserError(`--after-erasures takes whole numbers of erasures, e.g. 0,10,50, got ${c}`, 'usage');
  const sorted = [...new Set([0, ...steps])].sort((a, b) => a - b);
  const last = sorted[sorted.length - 1];
  if (last >= poolSize) throw new UserError(`--after-erasures ${last} would erase the whole pool of ${poolSize} examples: give fewer`, 'usage');
  return sorted;
}

const SCRATCH_TIME = '1970-01-01T00:00:00Z';

interface RunContext {
  readonly ws: EraseWorkspace;
  readonly opts: EvalOptions;
  readonly queries: readonly Query[];
  readonly labels: readonly string[];
  readonly seeds: number;
  readonly parser: AnswerParser;
  readonly run: string;
  readonly template: PromptTemplate;
  readonly generation: GenerationSettings;
  readonly done: ReadonlyMap<string, TrialResult>;
  readonly total: number;
  count: number;
}

export async function runEval(ws: EraseWorkspace, opts: EvalOptions): Promise<EvalReport> {
  const seeds = opts.seeds ?? 3;
  const { queries: allQueries, promptWs, dispose } = await prepare(ws, opts);
  try {
    const queries = opts.limit !== undefined ? allQueries.slice(0, opts.limit) : allQueries;
    const pool = promptWs.loadDataset().examples;
    const steps = opts.afterErasures ? erasureSteps(opts.afterErasures, pool.length) : null;
    const labels = [...new Set([...pool.map(labelOf), ...queries.map((q) => q.label)])].sort();
    const model = await promptWs.loadModel({ signal: opts.signal });
    // Trials after erasures depend on the state they started from and the erasure count (the erasures are seeded).
    const template = ws.config.template;
    const generation: GenerationSettings = { ...ws.config.generation, temperature: 0, numPredict: 16, ...definedOnly(opts.generation ?? {}) };
    // The template and model options are part of the run: answers to other prompts are not reused.
    const fingerprint = [opts.model, queries.map((q) => q.id), model.stateHash, ws.config.seed, templateVersion(template), generation, ...(steps ? ['after-erasures'] : [])];
    const run = sha256Hex(JSON.stringify(fingerprint)).slice(0, 16);
    const ctx: RunContext = {
      ws,
      opts,
      queries,
      labels,
      seeds,
      parser: opts.parser ?? firstLabelParser,
      run,
      template,
      generation,
      done: opts.resultsFile ? readTrials(opts.resultsFile, run) : new Map(),
      total: queries.length * (3 + 2 * seeds) * (steps?.length ?? 1),
      count: 0,
    };
    const report = { model: opts.model, n: queries.length, poolSize: pool.length, labels, seeds };
    if (!steps) return { ...report, modes: summarize(await evaluateAll(ctx, promptWs)) };

    // One erasure request per example, in a keyed-random order, in the scratch workspace only.
    const order = erasureOrder(
      pool.map((e) => e.id),
      ws.config.seed,
    );
    const stepReports: ErasureStepReport[] = [];
    let baseline: Record<SelectorName, ModeReport> | null = null;
    let erased = 0;
    let promptChanges = 0;
    for (const step of steps) {
      for (; erased < step; erased++) {
        throwIfAborted(opts.signal);
        const r = await eraseExamples(promptWs, { ids: [order[erased]], unloadModel: false, time: SCRATCH_TIME }, { signal: opts.signal }, promptWs.keyStore);
        if (r.promptChanged) promptChanges++;
        // An erasure runs on microtasks alone: yield so Ctrl-C, timers and socket closes are seen
        // (a keep-alive socket the server closed meanwhile would otherwise carry the next request).
        await new Promise<void>((ok) => setImmediate(ok));
      }
      const modes = summarize(await evaluateAll(ctx, promptWs, step));
      baseline ??= modes;
      stepReports.push({
        erased: step,
        promptChanges,
        poolSize: pool.length - step,
        modes: Object.fromEntries(SELECTORS.map((s) => [s, (({ examplesUsed: _e, ...m }) => m)(modes[s])])) as ErasureStepReport['modes'],
      });
    }
    return { ...report, modes: baseline!, afterErasures: stepReports };
  } finally {
    dispose();
  }
}

/** Every held-out query with every selector's prompt from `promptWs` as it is now; finished trials are taken from the results file. */
async function evaluateAll(ctx: RunContext, promptWs: EraseWorkspace, erased?: number): Promise<TrialResult[]> {
  const { ws, opts, queries, seeds, labels } = ctx;
  const poolExamples = promptWs.loadDataset().examples;
  const byId = new Map(poolExamples.map((e) => [e.id, e] as const));
  const pool: PoolExample[] = poolExamples.map((e) => ({ id: e.id, label: labelOf(e) }));
  const model = await promptWs.loadModel({ signal: opts.signal });
  const { template, generation } = ctx;
  const trials: TrialResult[] = [];
  for (let q = 0; q < queries.length; q++) {
    const query = queries[q];
    const erase = await promptWs.prompt(query.input, { signal: opts.signal });
    const k = erase.ids.length;
    let knnIds: string[] | null = null;
    const plan: { selector: SelectorName; seed: number; ids: () => Promise<readonly string[]> }[] = [
      { selector: 'erase', seed: 0, ids: async () => erase.ids },
      ...Array.from({ length: seeds }, (_, s) => ({ selector: 'random' as const, seed: s, ids: async () => randomSelect(pool, k, `${ws.config.seed}:${s}`, q) })),
      ...Array.from({ length: seeds }, (_, s) => ({ selector: 'balanced' as const, seed: s, ids: async () => balancedSelect(pool, k, `${ws.config.seed}:${s}`, q) })),
      {
        selector: 'knn',
        seed: 0,
        ids: async () =>
          (knnIds ??= knnSelect(
            model.points.ids,
            model.points.fixed,
            model.points.dims,
            await promptWs.projectText(model.state, query.input, { signal: opts.signal }),
            k,
            new Set(byId.keys()),
          )),
      },
      { selector: 'zeroShot', seed: 0, ids: async () => [] },
    ];
    for (const step of plan) {
      throwIfAborted(opts.signal);
      let trial = ctx.done.get(trialKey(step.selector, step.seed, q, erased));
      if (!trial) {
        const ids = await step.ids();
        const prompt =
          step.selector === 'erase'
            ? erase
            : renderPrompt(
                ids.map((id) => {
                  const e = byId.get(id)!;
                  return { id, input: e.input, output: e.output };
                }),
                query.input,
                template,
              );
        const t0 = performance.now();
        const r = await completePrompt({ host: opts.host, model: opts.model, prompt, generation, signal: opts.signal });
        if (opts.clock) await recordCompletion(ws, { time: opts.clock(), source: 'eval', model: opts.model, ids, answer: r.text, promptSettings: promptSettingsOf(promptWs) });
        const answer = ctx.parser(r.text, labels);
        trial = {
          run: ctx.run,
          selector: step.selector,
          seed: step.seed,
          query: q,
          ids: [...ids],
          answer,
          correct: answer === query.label,
          promptTokens: r.promptEvalCount,
          ms: performance.now() - t0,
          ...(erased === undefined ? {} : { erased }),
        };
        if (opts.resultsFile) appendFileSync(opts.resultsFile, JSON.stringify(trial) + '\n', { mode: 0o600 });
      }
      trials.push(trial);
      opts.onProgress?.(++ctx.count, ctx.total);
    }
  }
  return trials;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function summarize(trials: readonly TrialResult[]): Record<SelectorName, ModeReport> {
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const zeroTokens = mean(trials.filter((t) => t.selector === 'zeroShot').map((t) => t.promptTokens));
  const out = {} as Record<SelectorName, ModeReport>;
  for (const s of SELECTORS) {
    const ts = trials.filter((t) => t.selector === s);
    const correct = ts.filter((t) => t.correct).length;
    const promptTokens = mean(ts.map((t) => t.promptTokens));
    out[s] = {
      accuracy: ts.length ? correct / ts.length : 0,
      ci95: wilsonInterval(correct, ts.length),
      n: ts.length,
      promptTokens,
      promptTokensOverZeroShot: promptTokens - zeroTokens,
      msPerQuery: mean(ts.map((t) => t.ms)),
      examplesUsed: ts.map((t) => ({ query: t.query, seed: t.seed, ids: t.ids })),
    };
  }
  return out;
}
