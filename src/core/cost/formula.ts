/**
 * Holistic unlearning cost (ALGORITHMS.md §6): in-context learning moves cost from training to
 * inference (longer prompts), so the cost of an erasure alone is misleading. For a query rate, a
 * deletion rate and a period, this compares the total cost of
 *   - ICL with ERASE: the prompt tokens the examples add to every query, plus each erasure
 *     (a certified update or, for the share that is not certified, a retrain of the clustering);
 *   - fine-tuning with a full retrain per deletion (the fine-tuned model needs no examples in its prompt);
 *   - SISA with S shards: a deletion retrains the one shard that held the example (≈ N/S examples),
 *     and every query is answered by all S shard models and aggregated, so a query costs S prompts.
 * Pure arithmetic: the inputs (and where each came from) are gathered in inputs.ts.
 */
import { UserError } from '../errors';

/** A month is counted as 30 days (shown in the formula). */
export const DAYS_PER_MONTH = 30;

export interface CostParams {
  /** User-set: the workload. */
  readonly queriesPerDay: number;
  readonly deletionsPerMonth: number;
  readonly months: number;
  readonly shards: number;
  /** Measured (or estimated): examples in the data set (N). */
  readonly examples: number;
  /** Prompt tokens the ERASE examples add to a query, over a zero-shot prompt (ΔT). */
  readonly extraPromptTokens: number;
  /** Prompt tokens of a zero-shot query (T0): what each extra SISA shard model reads. */
  readonly zeroShotPromptTokens: number;
  /** Share of erasures certified without a retrain (p). */
  readonly certifiedShare: number;
  /** Seconds of one certified erasure (t_c) and of one that retrains the clustering (t_r). */
  readonly certifiedErasureSeconds: number;
  readonly retrainErasureSeconds: number;
  /** Assumed prices and speeds. */
  readonly pricePer1kTokens: number;
  readonly cpuPerHour: number;
  readonly gpuPerHour: number;
  readonly fineTuneSecondsPerExample: number;
}

export interface CostTerm {
  readonly name: string;
  readonly value: number;
}

export interface MethodCost {
  readonly total: number;
  readonly terms: readonly CostTerm[];
}

export interface CostResult {
  /** Q: queries over the period. */
  readonly queries: number;
  /** E: deletions over the period. */
  readonly deletions: number;
  readonly icl: MethodCost;
  readonly fineTune: MethodCost;
  readonly sisa: MethodCost;
  readonly cheapest: 'icl' | 'fineTune' | 'sisa';
  /**
   * Queries per day at which ICL with ERASE costs as much as fine-tuning with a retrain per
   * deletion (below it ICL is cheaper); null when the ERASE prompt adds no tokens or costs nothing.
   */
  readonly breakEvenQueriesPerDay: number | null;
}

/** The formula as shown by the CLI and the panel (symbols match CostParams). */
export const COST_FORMULA: readonly string[] = [
  `Q = queries/day × ${DAYS_PER_MONTH} × months          E = deletions/month × months`,
  'ICL + ERASE  = Q × ΔT / 1000 × price  +  E × (p × t_c + (1 − p) × t_r) / 3600 × cpu/h',
  'fine-tune    = E × N × t_ft / 3600 × gpu/h                                (a full retrain per deletion)',
  'SISA (S)     = E × (N / S) × t_ft / 3600 × gpu/h  +  Q × (S − 1) × T0 / 1000 × price   (one shard retrained; S models answer each query)',
];

const NUMERIC: readonly (keyof CostParams)[] = [
  'queriesPerDay',
  'deletionsPerMonth',
  'months',
  'shards',
  'examples',
  'extraPromptTokens',
  'zeroShotPromptTokens',
  'certifiedShare',
  'certifiedErasureSeconds',
  'retrainErasureSeconds',
  'pricePer1kTokens',
  'cpuPerHour',
  'gpuPerHour',
  'fineTuneSecondsPerExample',
];

/** Refuses an input no formula can use, naming it. */
export function checkCostParams(p: CostParams): void {
  for (const k of NUMERIC) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new UserError(`cost input ${k} must be a finite number ≥ 0, got ${String(v)}`, 'usage');
  }
  if (!Number.isInteger(p.shards) || p.shards < 1) throw new UserError(`cost input shards must be a whole number ≥ 1, got ${p.shards}`, 'usage');
  if (p.certifiedShare > 1) throw new UserError(`cost input certifiedShare must be between 0 and 1, got ${p.certifiedShare}`, 'usage');
}

const method = (terms: CostTerm[]): MethodCost => ({ total: terms.reduce((s, t) => s + t.value, 0), terms });

export function computeCost(p: CostParams): CostResult {
  checkCostParams(p);
  const queries = p.queriesPerDay * DAYS_PER_MONTH * p.months;
  const deletions = p.deletionsPerMonth * p.months;
  const tokenCost = (tokens: number) => (tokens / 1000) * p.pricePer1kTokens;
  const erasureSeconds = p.certifiedShare * p.certifiedErasureSeconds + (1 - p.certifiedShare) * p.retrainErasureSeconds;
  const retrainSeconds = (examples: number) => examples * p.fineTuneSecondsPerExample;

  const icl = method([
    { name: 'extra prompt tokens', value: tokenCost(queries * p.extraPromptTokens) },
    { name: 'erasures', value: ((deletions * erasureSeconds) / 3600) * p.cpuPerHour },
  ]);
  const fineTune = method([{ name: 'full retrains', value: ((deletions * retrainSeconds(p.examples)) / 3600) * p.gpuPerHour }]);
  const sisa = method([
    { name: 'shard retrains', value: ((deletions * retrainSeconds(p.examples / p.shards)) / 3600) * p.gpuPerHour },
    { name: 'aggregation (S models per query)', value: tokenCost(queries * (p.shards - 1) * p.zeroShotPromptTokens) },
  ]);

  const totals = { icl: icl.total, fineTune: fineTune.total, sisa: sisa.total } as const;
  // Ties go to the simpler method, in this order.
  const cheapest = (['icl', 'fineTune', 'sisa'] as const).reduce((best, m) => (totals[m] < totals[best] ? m : best), 'icl' as 'icl' | 'fineTune' | 'sisa');

  // ICL = a·q + b, fine-tune = c (no query term): equal at q = (c − b) / a.
  const perQueryPerDay = tokenCost(DAYS_PER_MONTH * p.months * p.extraPromptTokens);
  const breakEvenQueriesPerDay = perQueryPerDay > 0 ? Math.max(0, (fineTune.total - icl.terms[1].value) / perQueryPerDay) : null;
  return { queries, deletions, icl, fineTune, sisa, cheapest, breakEvenQueriesPerDay };
}
