// SVG built with DOM calls (createElementNS), never from markup: labels go in through textContent,
// attributes through a whitelist, so nothing from the host can become markup or script.
import type { EvalChartView } from '../src/shared/protocol';

const NS = 'http://www.w3.org/2000/svg';
const SAFE_SVG_ATTR = /^(x|y|x1|x2|y1|y2|width|height|viewBox|class|role|text-anchor|aria-label|data-[a-z-]+)$/;

export function s(tag: string, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (!SAFE_SVG_ATTR.test(k)) throw new Error(`svg attribute not allowed: ${k}`);
    el.setAttribute(k, String(v));
  }
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** The evaluation chart (geometry from core's accuracyChart): bars with 95% interval whiskers. */
export function evalChart(c: EvalChartView): SVGElement {
  const title = (text: string) => s('title', {}, text);
  return s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${c.width} ${c.height}`, width: c.width, height: c.height, role: 'img', 'aria-label': c.caption, 'data-bars': c.bars.length },
    title(c.caption),
    ...c.ticks.flatMap((t) => [
      s('line', { class: 'grid', x1: c.plot.x, x2: c.plot.x + c.plot.width, y1: t.y, y2: t.y }),
      s('text', { class: 'tick', x: c.plot.x - 6, y: t.y + 4, 'text-anchor': 'end' }, t.label),
    ]),
    ...c.bars.map((b) =>
      s(
        'g',
        { class: 'bar', 'data-selector': b.selector, 'data-accuracy': b.accuracy },
        title(b.title),
        s('rect', { x: b.x, y: b.y, width: b.width, height: b.height }),
        s('line', { class: 'whisker', x1: b.cx, x2: b.cx, y1: b.yHi, y2: b.yLo }),
        s('line', { class: 'whisker', x1: b.cx - b.capWidth / 2, x2: b.cx + b.capWidth / 2, y1: b.yHi, y2: b.yHi }),
        s('line', { class: 'whisker', x1: b.cx - b.capWidth / 2, x2: b.cx + b.capWidth / 2, y1: b.yLo, y2: b.yLo }),
        s('text', { class: 'value', x: b.cx, y: b.valueY, 'text-anchor': 'middle' }, b.valueLabel),
        s('text', { class: 'label', x: b.cx, y: c.labelY, 'text-anchor': 'middle' }, b.label),
      ),
    ),
  );
}
