// Hover tooltip of the map: example text shown AS TEXT (textContent), fetched on demand and kept
// only in memory (never in saved state: erased text must not persist).
import type { ExampleDetail } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { request } from './rpc';

const cache = new Map<string, ExampleDetail>();
export const clearExampleCache = () => cache.clear();

export async function example(id: string): Promise<ExampleDetail> {
  const hit = cache.get(id);
  if (hit) return hit;
  const d = await request('getExample', { id });
  cache.set(id, d);
  return d;
}

export class Tooltip {
  readonly el = h('div', { id: 'tooltip', class: 'tooltip', role: 'tooltip', 'aria-hidden': 'true' });
  private current: string | undefined;

  async show(id: string | undefined, x: number, y: number): Promise<void> {
    this.current = id;
    if (!id) {
      this.el.classList.remove('visible');
      this.el.dataset.id = '';
      return;
    }
    this.el.style.left = `${x + 14}px`; // CSSOM, not an inline style attribute: allowed by the CSP
    this.el.style.top = `${y + 14}px`;
    const d = await example(id).catch(() => undefined);
    if (this.current !== id) return;
    if (!d) {
      // no text for this point (erased meanwhile, or not a host example): no stale text of another point
      this.el.classList.remove('visible');
      this.el.dataset.id = '';
      return;
    }
    replaceChildren(
      this.el,
      h('div', { class: 'tooltip-input' }, d.input),
      h('div', { class: 'tooltip-output' }, `→ ${d.output}`),
      h('div', { class: 'tooltip-meta' }, `${d.id} · line ${d.lines.join(', ')}${d.isRepresentative ? ' · representative' : ''}`),
    );
    this.el.dataset.id = id;
    this.el.classList.add('visible');
  }
}
