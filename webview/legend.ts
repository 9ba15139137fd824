// The map's legend: each cluster by its name (its top keywords, as `erase describe` and the Data
// set tree name it), its size and label mix, with a checkbox that hides it (hidden clusters are
// neither drawn nor hit-tested) and an export button; in label colouring, the labels with their
// colours too. Keywords and labels are data-set text: textContent only.
import type { ClusterSummaryView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { ClusterMap, colourOf, themePalette, type ColorBy } from './map';

export interface LegendCallbacks {
  onHiddenChange(hidden: number[]): void;
  onColorByChange(mode: ColorBy): void;
  onExportCluster(cluster: number): void;
}

/** "Cluster 3 · film, funny, charming" when the cluster has keywords. */
export function clusterName(index: number, clusters: readonly ClusterSummaryView[]): string {
  if (index < 0) return 'no cluster';
  const kw = clusters.find((c) => c.index === index)?.keywords ?? [];
  return kw.length ? `Cluster ${index} · ${kw.join(', ')}` : `Cluster ${index}`;
}

/** "positive 70% / negative 30%": largest share first (ties: label ascending), as core's labelMix. */
function labelMix(labels: Record<string, number>): string {
  const entries = Object.entries(labels).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const total = entries.reduce((s, [, n]) => s + n, 0);
  return entries.map(([l, n]) => `${l} ${Math.round((100 * n) / total)}%`).join(' / ');
}

export class MapLegend {
  readonly el = h('div', { id: 'map-legend', class: 'map-legend' });
  private readonly colorBy = h(
    'select',
    { id: 'map-color-by', class: 'plain-select', 'aria-label': 'Colour points by' },
    h('option', { value: 'cluster' }, 'cluster'),
    h('option', { value: 'label' }, 'label'),
  ) as HTMLSelectElement;
  private clusters: ClusterSummaryView[] = [];
  private hidden = new Set<number>();

  constructor(
    private readonly map: ClusterMap,
    private readonly cb: LegendCallbacks,
  ) {
    this.colorBy.addEventListener('change', () => {
      const mode: ColorBy = this.colorBy.value === 'label' ? 'label' : 'cluster';
      this.cb.onColorByChange(mode);
      this.render();
    });
  }

  /** Restores saved settings (before the first render). */
  restore(mode: ColorBy, hidden: readonly number[]): void {
    this.colorBy.value = mode;
    this.hidden = new Set(hidden);
  }

  get mode(): ColorBy {
    return this.colorBy.value === 'label' ? 'label' : 'cluster';
  }

  setClusters(clusters: ClusterSummaryView[]): void {
    this.clusters = clusters;
    this.render();
  }

  /** Re-draws (the map's labels or point counts changed). */
  render(): void {
    const palette = themePalette();
    const points = this.map.clusterPoints();
    const byLabel = this.mode === 'label';
    const rows = this.clusters.map((c) => {
      const toggle = h('input', {
        type: 'checkbox',
        id: `legend-toggle-${c.index}`,
        checked: !this.hidden.has(c.index),
        'aria-label': `show cluster ${c.index}`,
      }) as HTMLInputElement;
      toggle.addEventListener('change', () => {
        if (toggle.checked) this.hidden.delete(c.index);
        else this.hidden.add(c.index);
        this.cb.onHiddenChange([...this.hidden].sort((a, b) => a - b));
      });
      // in label colouring a cluster has no colour of its own: no swatch
      const swatch = byLabel ? null : h('span', { class: 'swatch', 'aria-hidden': 'true' });
      // CSSOM, not a style attribute: allowed by the CSP
      if (swatch) swatch.style.backgroundColor = colourOf(palette, ClusterMap.slot(c.index));
      const exportBtn = h('button', { class: 'link-button', id: `legend-export-${c.index}`, title: `Export cluster ${c.index} as JSONL` }, 'export');
      exportBtn.addEventListener('click', () => this.cb.onExportCluster(c.index));
      const mix = Object.keys(c.labels).length ? labelMix(c.labels) : '';
      return h(
        'li',
        { 'data-cluster': c.index, 'data-points': points.get(c.index) ?? 0, class: this.hidden.has(c.index) ? 'legend-row hidden-cluster' : 'legend-row' },
        h('label', { for: `legend-toggle-${c.index}` }, toggle, swatch, h('span', { class: 'legend-index' }, `Cluster ${c.index}`)),
        h('span', { class: 'legend-keywords' }, c.keywords.join(', ')),
        h('span', { class: 'legend-size muted', title: 'rows (duplicates counted)' }, String(c.size)),
        h('div', { class: 'legend-sub' }, mix ? h('span', { class: 'legend-mix muted' }, mix) : null, exportBtn),
      );
    });
    const labels = byLabel
      ? h(
          'ul',
          { id: 'legend-labels', class: 'legend-list' },
          ...this.map.labelCounts().map(({ label, points: n }) => {
            const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
            swatch.style.backgroundColor = colourOf(palette, this.map.labelSlot(label));
            return h(
              'li',
              { class: 'legend-row', 'data-label': label ?? '' },
              swatch,
              h('span', { class: 'legend-label' }, label ?? '(no label)'),
              h('span', { class: 'legend-size muted' }, String(n)),
            );
          }),
        )
      : null;
    replaceChildren(
      this.el,
      h('div', { class: 'toolbar' }, h('label', { for: 'map-color-by' }, 'Colour by '), this.colorBy),
      labels ? h('h4', {}, 'Labels') : null,
      labels,
      h('h4', {}, 'Clusters'),
      h('ul', { id: 'legend-clusters', class: 'legend-list' }, ...rows),
    );
  }
}
