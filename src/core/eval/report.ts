/**
 * `erase eval --report FILE.html`: a self-contained HTML page — a style sheet allowed by its hash, an inline SVG chart,
 * no script (and a CSP that forbids any), no external resource. It holds ids and figures only,
 * never an example's or a query's text; every value (model name, labels, ids) is escaped.
 */
import { createHash } from 'node:crypto';
import { html, type SafeHtml } from '../audit/escape';
import { accuracyChart, SELECTOR_LABELS, type AccuracyChart } from './chart';
import type { EvalReport } from './run';
import { SELECTORS } from './selectors';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(0)}`;

/** The chart as SVG markup (escaped); the webview draws the same AccuracyChart with DOM calls. */
export function chartSvg(c: AccuracyChart): SafeHtml {
  return html`<svg
    xmlns="http://www.w3.org/2000/svg"
    class="chart"
    viewBox="0 0 ${c.width} ${c.height}"
    width="${c.width}"
    height="${c.height}"
    role="img"
    aria-label="${c.caption}"
  >
    <title>${c.caption}</title>
    ${c.ticks.map(
      (t) =>
        html`<line class="grid" x1="${c.plot.x}" x2="${c.plot.x + c.plot.width}" y1="${t.y}" y2="${t.y}" /><text class="tick" x="${c.plot.x - 6}" y="${t.y + 4}" text-anchor="end"
            >${t.label}</text
          > `,
    )}${c.bars.map(
      (b) =>
        html`<g class="bar" data-selector="${b.selector}"
          ><title>${b.title}</title>
          <rect x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}" />
          <line class="whisker" x1="${b.cx}" x2="${b.cx}" y1="${b.yHi}" y2="${b.yLo}" />
          <line class="whisker" x1="${b.cx - b.capWidth / 2}" x2="${b.cx + b.capWidth / 2}" y1="${b.yHi}" y2="${b.yHi}" />
          <line class="whisker" x1="${b.cx - b.capWidth / 2}" x2="${b.cx + b.capWidth / 2}" y1="${b.yLo}" y2="${b.yLo}" />
          <text class="value" x="${b.cx}" y="${b.valueY}" text-anchor="middle">${b.valueLabel}</text>
          <text class="label" x="${b.cx}" y="${c.labelY}" text-anchor="middle">${b.label}</text></g
        > `,
    )}
  </svg>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#1b1b1b;background:#fff;padding:0 1em}
h1{font-size:1.4em}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}code{font-size:.9em;word-break:break-all}.muted{color:#555}
.chart .grid{stroke:#ddd}.chart .tick,.chart .label,.chart .value{font-size:12px;fill:#333}.chart rect{fill:#4a7fd0}
.chart g[data-selector=erase] rect{fill:#1f8a5b}.chart .whisker{stroke:#111;stroke-width:1.5}`;

export interface EvalReportPageOptions {
  /** When the report was made (the caller's clock); omitted when absent. */
  readonly generatedAt?: string;
}

/** The whole page. */
export function renderEvalReportHtml(r: EvalReport, opts: EvalReportPageOptions = {}): string {
  const chart = accuracyChart(r);
  const rows = SELECTORS.map((s) => {
    const m = r.modes[s];
    const used = [...new Set(m.examplesUsed.flatMap((u) => u.ids))].sort();
    return {
      row: html`<tr data-selector="${s}">
        <td>${SELECTOR_LABELS[s]}</td>
        <td>${pct(m.accuracy)}</td>
        <td>${pct(m.ci95[0])}–${pct(m.ci95[1])}</td>
        <td>${m.n}</td>
        <td>${m.promptTokens.toFixed(0)}</td>
        <td>${signed(m.promptTokensOverZeroShot)}</td>
        <td>${m.msPerQuery.toFixed(0)}</td>
      </tr>`,
      used: html`<details>
        <summary>${SELECTOR_LABELS[s]}: ${used.length} distinct example(s)</summary>
        <p>${used.length ? used.map((id, i) => html`${i ? ', ' : ''}<code>${id}</code>`) : 'none'}</p>
      </details>`,
    };
  });
  const page = `<!DOCTYPE html>
${html`<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${STYLE_HASH_SLOT}" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>ERASE evaluation: ${r.model}</title>
    <style>
      ${STYLE}
    </style>
  </head>
  <body>
    <h1>Does the ERASE prompt help?</h1>
    <p>
      Model <code>${r.model}</code>: ${r.n} held-out queries, a pool of ${r.poolSize} examples, labels ${r.labels.map((l, i) => html`${i ? ', ' : ''}<code>${l}</code>`)}; random
      and balanced pooled over ${r.seeds} seed(s).${opts.generatedAt ? html` Generated ${opts.generatedAt}.` : ''}
    </p>
    <figure>
      ${chartSvg(chart)}
      <figcaption class="muted">${chart.caption}.</figcaption>
    </figure>
    <table>
      <tr>
        <th>selector</th>
        <th>accuracy</th>
        <th>95% CI</th>
        <th>n</th>
        <th>prompt tokens</th>
        <th>vs zero-shot</th>
        <th>ms/query</th>
      </tr>
      ${rows.map((x) => x.row)}
    </table>
    <p class="muted">
      Prompt tokens are the server's prompt_eval_count per query; servers under-count cached prompt prefixes, so the difference to zero-shot is the fairer figure. n counts trials
      (queries × seeds for random and balanced).
    </p>
    <h2>Examples used</h2>
    ${rows.map((x) => x.used)}
    <p class="muted">This report holds ids and figures only, never example or query text.</p>
  </body>
</html>`}
`;
  // The one <style> element is allowed by its hash, so the page needs no 'unsafe-inline' at all.
  const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1];
  return page.replace(STYLE_HASH_SLOT, `'sha256-${createHash('sha256').update(style, 'utf8').digest('base64')}'`);
}

const STYLE_HASH_SLOT = '__style_hash__';
