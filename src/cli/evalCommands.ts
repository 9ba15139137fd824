import { namingFile, renderEvalReportHtml, runEval, SELECTORS, UserError, writeFileAtomic, type EvalReport } from '../core';
import { intOption, parse } from './args';
import { GENERATION_FLAGS, generationFlags } from './generationArgs';
import type { Command } from './commands';
import { openWorkspace } from './openWorkspace';
import { EXIT_OK, progressPrinter } from './output';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function table(r: EvalReport): string {
  const rows = SELECTORS.map((s) => {
    const m = r.modes[s];
    return [
      s,
      pct(m.accuracy),
      `${pct(m.ci95[0])}–${pct(m.ci95[1])}`,
      String(m.n),
      m.promptTokens.toFixed(0),
      (m.promptTokensOverZeroShot >= 0 ? '+' : '') + m.promptTokensOverZeroShot.toFixed(0),
      m.msPerQuery.toFixed(0),
    ];
  });
  const head = ['selector', 'accuracy', '95% CI', 'n', 'prompt tok', 'vs zero-shot', 'ms/query'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `model ${r.model}: ${r.n} held-out queries, pool of ${r.poolSize}, labels ${r.labels.join(' ')}, ${r.seeds} seed(s) for random and balanced`,
    line(head),
    ...rows.map(line),
    ...(r.afterErasures ? ['', erasureTable(r)] : []),
  ].join('\n');
}

/** Accuracy per selector after each number of erasures, and how often an erasure changed the ERASE prompt. */
function erasureTable(r: EvalReport): string {
  const head = ['erased', 'prompt changed', 'pool', ...SELECTORS];
  const rows = r.afterErasures!.map((s) => [String(s.erased), `${s.promptChanges} of ${s.erased}`, String(s.poolSize), ...SELECTORS.map((m) => pct(s.modes[m].accuracy))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return ['accuracy after erasures (seeded random examples erased one request at a time in a scratch copy of the workspace):', line(head), ...rows.map(line)].join('\n');
}

function erasureCounts(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const counts = text.split(',').map((p) => p.trim());
  if (counts.some((c) => !/^\d{1,9}$/.test(c))) throw new UserError(`--after-erasures takes counts separated by commas, e.g. 0,10,50,200, got "${text}"`, 'usage');
  return counts.map(Number);
}

export const evalCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, {
    data: { type: 'string' },
    heldout: { type: 'string' },
    split: { type: 'string' },
    model: { type: 'string' },
    host: { type: 'string' },
    seeds: { type: 'string' },
    limit: { type: 'string' },
    results: { type: 'string' },
    'after-erasures': { type: 'string' },
    report: { type: 'string' },
    ...GENERATION_FLAGS,
  });
  const out = mk(!!values.json);
  let split: number | undefined;
  if (values.split !== undefined) {
    split = Number(values.split);
    if (!(split > 0 && split < 1)) throw new UserError(`--split must be a fraction between 0 and 1, e.g. 0.2, got "${values.split}"`, 'usage');
  }
  if ((values.heldout === undefined) === (split === undefined)) throw new UserError('give exactly one of --heldout FILE.jsonl or --split FRACTION (e.g. --split 0.2)', 'usage');
  const afterErasures = erasureCounts(values['after-erasures']);
  if (values.report !== undefined && !/\.html?$/i.test(values.report))
    throw new UserError(`--report names an HTML file (e.g. --report eval.html), got "${values.report}"`, 'usage');
  const ws = await openWorkspace(values.data, out);
  const model = values.model ?? ws.config.ollamaModel;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = progressPrinter(!out.json);
  try {
    const report = await runEval(ws, {
      heldoutFile: values.heldout,
      split,
      model,
      host: values.host ?? ws.config.ollamaHost,
      seeds: intOption(values.seeds, 'seeds', 1, 100),
      limit: intOption(values.limit, 'limit', 1, 1_000_000),
      resultsFile: values.results,
      afterErasures,
      generation: generationFlags(values),
      signal: controller.signal,
      clock: () => new Date().toISOString(),
      onProgress: (done, total) => progress('eval', done, total),
    });
    const page = values.report;
    if (page !== undefined) namingFile(page, () => writeFileAtomic(page, renderEvalReportHtml(report, { generatedAt: new Date().toISOString() })));
    out.result(page !== undefined ? { ...report, reportFile: page } : report, table(report) + (page !== undefined ? `\nreport: ${page}` : ''));
  } finally {
    process.off('SIGINT', onSigint);
  }
  return EXIT_OK;
};
