/**
 * The accuracy chart of an evaluation: one bar per selector with its 95% Wilson interval as a
 * whisker. Pure geometry (numbers and short labels), drawn by two renderers: the HTML report's SVG
 * text (report.ts) and the workbench webview's DOM-built SVG — so both show the same chart.
 */
import type { EvalReport } from './run';
import { SELECTORS, type SelectorName } from './selectors';

export interface ChartBar {
  readonly selector: SelectorName;
  /** The selector's display name. */
  readonly label: string;
  readonly accuracy: number;
  readonly ci95: readonly [number, number];
  readonly n: number;
  /** Bar rectangle (SVG user units, y grows downwards). */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Whisker: a vertical line at `cx` from `yHi` (upper bound) to `yLo` (lower bound), with caps `capWidth` wide. */
  readonly cx: number;
  readonly yLo: number;
  readonly yHi: number;
  readonly capWidth: number;
  /** e.g. "82.0%": shown above the whisker, at valueY. */
  readonly valueLabel: string;
  readonly valueY: number;
  /** e.g. "erase: 82.0% (95% CI 70.1–89.9%), n = 50": a tooltip / accessible name. */
  readonly title: string;
}

export interface ChartTick {
  readonly value: number;
  readonly y: number;
  readonly label: string;
}

export interface AccuracyChart {
  readonly width: number;
  readonly height: number;
  /** The plot area: bars stand on its bottom edge (accuracy 0) and reach its top at accuracy 1. */
  readonly plot: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly ticks: readonly ChartTick[];
  /** Baseline of the selector names under the bars. */
  readonly labelY: number;
  readonly bars: readonly ChartBar[];
  /** The chart's accessible description. */
  readonly caption: string;
}

export const SELECTOR_LABELS: Record<SelectorName, string> = { erase: 'ERASE', random: 'random', balanced: 'balanced', knn: 'kNN', zeroShot: 'zero-shot' };

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const round = (x: number) => Math.round(x * 100) / 100;

export function accuracyChart(report: Pick<EvalReport, 'modes' | 'model' | 'n'>, size: { width?: number; height?: number } = {}): AccuracyChart {
  const width = size.width ?? 560;
  const height = size.height ?? 300;
  const plot = { x: 48, y: 24, width: width - 48 - 12, height: height - 24 - 36 };
  const yOf = (v: number) => round(plot.y + plot.height * (1 - Math.min(1, Math.max(0, v))));
  const slot = plot.width / SELECTORS.length;
  const barWidth = round(slot * 0.56);
  const bars = SELECTORS.map((s, i): ChartBar => {
    const m = report.modes[s];
    const x = round(plot.x + slot * i + (slot - barWidth) / 2);
    const y = yOf(m.accuracy);
    return {
      selector: s,
      label: SELECTOR_LABELS[s],
      accuracy: m.accuracy,
      ci95: [m.ci95[0], m.ci95[1]],
      n: m.n,
      x,
      y,
      width: barWidth,
      height: round(plot.y + plot.height - y),
      cx: round(x + barWidth / 2),
      yLo: yOf(m.ci95[0]),
      yHi: yOf(m.ci95[1]),
      capWidth: round(barWidth * 0.4),
      valueLabel: pct(m.accuracy),
      valueY: round(yOf(m.ci95[1]) - 5),
      title: `${SELECTOR_LABELS[s]}: ${pct(m.accuracy)} (95% CI ${pct(m.ci95[0])}–${pct(m.ci95[1])}), n = ${m.n}`,
    };
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((v) => ({ value: v, y: yOf(v), label: `${v * 100}%` }));
  return {
    width,
    height,
    plot,
    ticks,
    labelY: plot.y + plot.height + 18,
    bars,
    caption: `Accuracy per selector with 95% Wilson intervals, ${report.n} held-out queries, model ${report.model}`,
  };
}
