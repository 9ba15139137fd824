import { runEval, SELECTORS, UserError, type EvalReport } from '../core';
import { intOption, parse } from './args';
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
  ].join('\n');
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
  });
  const out = mk(!!values.json);
  let split: number | undefined;
  if (values.split !== undefined) {
    split = Number(values.split);
    if (!(split > 0 && split < 1)) throw new UserError(`--split must be a fraction between 0 and 1, e.g. 0.2, got "${values.split}"`, 'usage');
  }
  if ((values.heldout === undefined) === (split === undefined)) throw new UserError('give exactly one of --heldout FILE.jsonl or --split FRACTION (e.g. --split 0.2)', 'usage');
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
      signal: controller.signal,
      clock: () => new Date().toISOString(),
      onProgress: (done, total) => progress('eval', done, total),
    });
    out.result(report, table(report));
  } finally {
    process.off('SIGINT', onSigint);
  }
  return EXIT_OK;
};
