import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { accuracyChart, renderEvalReportHtml, summarize, SELECTORS, type EvalReport, type TrialResult } from '../../src/core/eval';
import type { SelectorName } from '../../src/core/eval';

const HOSTILE_LABEL = '<script>alert(1)</script>';
const HOSTILE_MODEL = 'llm"><img src=x onerror=alert(2)>';
const HOSTILE_ID = "id'&<b>";

/** Trials with a known accuracy per selector: k of n correct. */
function trials(correctOf: Record<SelectorName, [number, number]>): TrialResult[] {
  const out: TrialResult[] = [];
  for (const s of SELECTORS) {
    const [k, n] = correctOf[s];
    for (let q = 0; q < n; q++)
      out.push({
        run: 'r',
        selector: s,
        seed: 0,
        query: q,
        ids: s === 'zeroShot' ? [] : [HOSTILE_ID, `ex-${q}`],
        answer: 'x',
        correct: q < k,
        promptTokens: s === 'zeroShot' ? 20 : 120,
        ms: 10,
      });
  }
  return out;
}

const report: EvalReport = {
  model: HOSTILE_MODEL,
  n: 40,
  poolSize: 200,
  labels: ['negative', HOSTILE_LABEL],
  seeds: 1,
  modes: summarize(trials({ erase: [33, 40], random: [26, 40], balanced: [28, 40], knn: [30, 40], zeroShot: [12, 40] })),
};

test('the chart: bar heights are the accuracies, whiskers span the Wilson interval, in plot coordinates', () => {
  const c = accuracyChart(report);
  const bottom = c.plot.y + c.plot.height;
  const at = (v: number) => bottom - v * c.plot.height;
  assert.deepEqual(
    c.bars.map((b) => b.selector),
    [...SELECTORS],
  );
  for (const b of c.bars) {
    const m = report.modes[b.selector];
    assert.ok(Math.abs(b.y - at(m.accuracy)) < 0.01, `${b.selector} top`);
    assert.ok(Math.abs(b.y + b.height - bottom) < 0.02, `${b.selector} stands on the axis`);
    assert.ok(Math.abs(b.yHi - at(m.ci95[1])) < 0.01 && Math.abs(b.yLo - at(m.ci95[0])) < 0.01, `${b.selector} whisker`);
    assert.ok(b.yHi <= b.y && b.y <= b.yLo, 'the whisker brackets the bar top');
  }
  assert.equal(c.bars[0].valueLabel, '82.5%');
  assert.deepEqual(
    c.ticks.map((t) => t.label),
    ['0%', '25%', '50%', '75%', '100%'],
  );
});

test('the HTML report holds the figures, escapes hostile labels, model names and ids, and has no script', () => {
  const page = renderEvalReportHtml(report, { generatedAt: '2026-03-01T00:00:00.000Z' });
  assert.ok(page.startsWith('<!DOCTYPE html>'));
  // Figures: each accuracy and interval, and the chart's bars.
  for (const s of SELECTORS) {
    const m = report.modes[s];
    assert.ok(page.includes(`${(100 * m.accuracy).toFixed(1)}%`), `${s} accuracy`);
    assert.ok(page.includes(`${(100 * m.ci95[0]).toFixed(1)}%–${(100 * m.ci95[1]).toFixed(1)}%`), `${s} interval`);
    assert.match(page, new RegExp(`<g class="bar" data-selector="${s}"\\s*>`));
  }
  assert.equal((page.match(/<rect /g) ?? []).length, 5);
  assert.equal((page.match(/class="whisker"/g) ?? []).length, 15, 'a stem and two caps per bar');
  assert.match(page, /<td>\+100<\/td>/, 'prompt tokens over zero-shot');
  // Hostile values are text.
  assert.ok(!page.includes(HOSTILE_LABEL) && page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!page.includes('<img') && page.includes('llm&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'));
  assert.ok(!page.includes(HOSTILE_ID) && page.includes('id&#39;&amp;&lt;b&gt;'));
  assert.doesNotMatch(page, /<script/i);
  // Attribute values are delimited by real quotes (an escaped one is &quot;): blank them, then look at the tags.
  const tags = page.replace(/"[^"]*"/g, '""');
  assert.doesNotMatch(tags, /<[a-z][^>]*\son[a-z]+=/i, 'no event handler attribute in any tag');
  assert.doesNotMatch(tags, /<[a-z][^>]*\s(src|href)=/i, 'nothing loaded from anywhere');
  assert.ok(page.includes('data-selector=erase] rect'), 'the style sheet is intact');
  // The style sheet is allowed by its hash, never by 'unsafe-inline'.
  const csp = /Content-Security-Policy" content="default-src 'none'; style-src '(sha256-[A-Za-z0-9+/=]+)'"/.exec(page);
  assert.ok(csp, 'a CSP naming the style sheet by hash');
  const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1];
  assert.equal(csp[1], `sha256-${createHash('sha256').update(style, 'utf8').digest('base64')}`);
  assert.doesNotMatch(page, /unsafe-inline/);
});
