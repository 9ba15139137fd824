import { COST_INPUT_INFO, UserError, unlearningCost, type CostParams, type CostReport } from '../core';
import { parse } from './args';
import type { Command } from './commands';
import { openWorkspace } from './openWorkspace';
import { EXIT_OK } from './output';

/** Each formula input's flag: every input can be set, measured ones included. */
const FLAGS: readonly (readonly [string, keyof CostParams])[] = [
  ['queries-per-day', 'queriesPerDay'],
  ['deletions-per-month', 'deletionsPerMonth'],
  ['months', 'months'],
  ['shards', 'shards'],
  ['examples', 'examples'],
  ['extra-prompt-tokens', 'extraPromptTokens'],
  ['zero-shot-prompt-tokens', 'zeroShotPromptTokens'],
  ['certified-share', 'certifiedShare'],
  ['certified-seconds', 'certifiedErasureSeconds'],
  ['retrain-seconds', 'retrainErasureSeconds'],
  ['price-per-1k-tokens', 'pricePer1kTokens'],
  ['cpu-per-hour', 'cpuPerHour'],
  ['gpu-per-hour', 'gpuPerHour'],
  ['fine-tune-seconds-per-example', 'fineTuneSecondsPerExample'],
];

const METHOD_NAMES = { icl: 'ICL + ERASE', fineTune: 'fine-tune, full retrain per deletion', sisa: 'SISA' } as const;

/** Money with enough digits to tell small totals apart. */
const usd = (x: number) => (x === 0 ? '$0' : x >= 100 ? `$${x.toFixed(0)}` : x >= 1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(3)}`);
const num = (x: number) => (Number.isInteger(x) ? String(x) : x >= 100 ? x.toFixed(1) : String(Number(x.toPrecision(4))));

function table(r: CostReport): string {
  const flagOf = new Map(FLAGS.map(([f, k]) => [k, f]));
  const rows = (Object.keys(COST_INPUT_INFO) as (keyof CostParams)[]).map((k) => {
    const info = COST_INPUT_INFO[k];
    const input = r.inputs[k];
    return [`${info.symbol}`, `${num(input.value)}${info.unit ? ` ${info.unit}` : ''}`, input.source, `${info.label} (--${flagOf.get(k)}); ${input.note}`];
  });
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
  const inputLines = rows.map((row) => row.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join('  '));
  const res = r.result;
  const methods = (['icl', 'fineTune', 'sisa'] as const).map((m) => {
    const name = m === 'sisa' ? `${METHOD_NAMES.sisa} (S=${r.inputs.shards.value})` : METHOD_NAMES[m];
    const terms = res[m].terms.map((t) => `${t.name} ${usd(t.value)}`).join(' + ');
    return `${(res.cheapest === m ? '* ' : '  ') + name.padEnd(40)} ${usd(res[m].total).padStart(10)}   ${terms}`;
  });
  return [
    `inputs (source: user = set by you, measured = from this workspace, estimated, assumed = a default to replace):`,
    ...inputLines.map((l) => `  ${l}`),
    '',
    `total over ${num(r.inputs.months.value)} month(s): ${num(res.queries)} queries, ${num(res.deletions)} deletions (* = cheapest)`,
    ...methods,
    res.breakEvenQueriesPerDay === null
      ? 'the ERASE prompt adds no token cost: ICL stays below fine-tuning at any query rate'
      : `ICL + ERASE costs less than fine-tuning with a retrain per deletion below ${num(res.breakEvenQueriesPerDay)} queries/day`,
    '',
    'formula:',
    ...r.formula.map((l) => `  ${l}`),
  ].join('\n');
}

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UserError(`--${flag} must be a number ≥ 0, got "${value}"`, 'usage');
  return n;
}

/** `erase cost`: the holistic unlearning cost of ICL with ERASE against fine-tuning and SISA. */
export const costCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, {
    data: { type: 'string' },
    'eval-results': { type: 'string' },
    ...Object.fromEntries(FLAGS.map(([f]) => [f, { type: 'string' as const }])),
  });
  const out = mk(!!values.json);
  const strings = values as Record<string, string | undefined>;
  const overrides: Partial<Record<keyof CostParams, number>> = {};
  for (const [flag, key] of FLAGS) {
    const n = numberFlag(strings[flag], flag);
    if (n !== undefined) overrides[key] = n;
  }
  if (overrides.shards !== undefined && !Number.isInteger(overrides.shards)) throw new UserError(`--shards must be a whole number ≥ 1, got "${strings.shards}"`, 'usage');
  if (overrides.shards === 0) throw new UserError('--shards must be a whole number ≥ 1, got "0"', 'usage');
  if (overrides.certifiedShare !== undefined && overrides.certifiedShare > 1)
    throw new UserError(`--certified-share must be between 0 and 1, got "${strings['certified-share']}"`, 'usage');
  const ws = await openWorkspace(values.data, out);
  const report = await unlearningCost(ws, { overrides, evalResultsFile: values['eval-results'] });
  out.result(report, table(report));
  return EXIT_OK;
};
