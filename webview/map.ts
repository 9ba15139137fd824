// The cluster map: Canvas2D scatter for tens of thousands of points, pan (drag), zoom (wheel),
// hover (nearest point via a uniform grid), click (reveal), lasso (shift+drag) selection.
// Colour by cluster or by label; hidden clusters are neither drawn nor hit-tested; search hits are
// ringed; while a selection (or else a search) is active, the other points stay visible, dimmed.
// Counts and settings are exposed as data attributes for tests and tools.
import type { MapView } from '../src/shared/protocol';

export type ColorBy = 'cluster' | 'label';
/** The label legend's entry for examples without a label. */
export const NO_LABEL = null;

export interface MapCallbacks {
  onHover(id: string | undefined, clientX: number, clientY: number): void;
  onClick(id: string): void;
  onSelect(ids: string[]): void;
  onViewChange(view: { x: number; y: number; scale: number }): void;
}

const GRID = 64;

export class ClusterMap {
  private data: MapView = { ids: [], x: [], y: [], cluster: [], representatives: [], labels: [] };
  private hidden = new Set<number>();
  private colorBy: ColorBy = 'cluster';
  private hits = new Set<string>();
  /** Distinct labels in ascending order: a label's colour is its place here. */
  private labelOrder: string[] = [];
  private labelIndex = new Map<string, number>();
  /** id → point index (hits and selections of thousands of ids are looked up per frame). */
  private indexOf = new Map<string, number>();
  private rep = new Set<string>();
  private selected = new Set<string>();
  private bounds = { minX: 0, minY: 0, w: 1, h: 1 };
  private grid = new Map<number, number[]>();
  private view = { x: 0, y: 0, scale: 1 }; // pan in px, zoom factor
  private lasso: { x: number; y: number }[] | null = null;
  private drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
  private hoverIndex = -1;
  private frame = 0;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly cb: MapCallbacks,
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    this.ctx = ctx;
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    canvas.addEventListener('pointerdown', (e) => this.onDown(e));
    canvas.addEventListener('pointermove', (e) => this.onMove(e));
    canvas.addEventListener('pointerup', (e) => this.onUp(e));
    canvas.addEventListener('pointerleave', () => this.setHover(-1, 0, 0));
  }

  setData(d: MapView): void {
    this.data = d;
    this.rep = new Set(d.representatives);
    this.indexOf = new Map(d.ids.map((id, i) => [id, i] as const));
    const ids = this.indexOf;
    for (const id of [...this.selected]) if (!ids.has(id)) this.selected.delete(id);
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (let i = 0; i < d.ids.length; i++) {
      minX = Math.min(minX, d.x[i]);
      maxX = Math.max(maxX, d.x[i]);
      minY = Math.min(minY, d.y[i]);
      maxY = Math.max(maxY, d.y[i]);
    }
    if (!d.ids.length) {
      minX = minY = 0;
      maxX = maxY = 1;
    }
    this.bounds = { minX, minY, w: maxX - minX || 1, h: maxY - minY || 1 };
    this.grid.clear();
    for (let i = 0; i < d.ids.length; i++) {
      const key = this.cellOf(d.x[i], d.y[i]);
      const list = this.grid.get(key);
      if (list) list.push(i);
      else this.grid.set(key, [i]);
    }
    this.labelOrder = [...new Set(d.labels.filter((l): l is string => l !== null))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.labelIndex = new Map(this.labelOrder.map((l, j) => [l, j] as const));
    for (const id of [...this.hits]) if (!ids.has(id)) this.hits.delete(id);
    this.canvas.dataset.pointCount = String(d.ids.length);
    this.canvas.dataset.clusterCount = String(new Set(d.cluster).size);
    this.publishCounts();
    this.hoverIndex = -1;
    this.publishSelection(false);
    this.draw();
  }

  setView(v: { x: number; y: number; scale: number }): void {
    this.view = { x: v.x, y: v.y, scale: Math.min(200, Math.max(0.2, v.scale)) };
    this.draw();
  }

  select(ids: string[]): void {
    this.selected = new Set(ids.filter((id) => this.indexOf.has(id)));
    this.publishSelection(false);
    this.draw();
  }

  selectedIds(): string[] {
    return [...this.selected];
  }

  /** Clusters not drawn and not hit-tested. */
  setHiddenClusters(clusters: readonly number[]): void {
    this.hidden = new Set(clusters);
    if (this.hoverIndex >= 0 && !this.visible(this.hoverIndex)) this.setHover(-1, 0, 0);
    this.publishCounts();
    this.draw();
  }

  setColorBy(mode: ColorBy): void {
    this.colorBy = mode;
    this.canvas.dataset.colorBy = mode;
    this.draw();
  }

  /** Search hits: ringed on the map (ids not on the map are ignored). */
  setHits(ids: readonly string[]): void {
    this.hits = new Set(ids.filter((id) => this.indexOf.has(id)));
    this.publishCounts();
    this.draw();
  }

  /** Each label with its number of points (ascending; the unlabelled last, as null), for the legend. */
  labelCounts(): { label: string | null; points: number }[] {
    const counts = new Array<number>(this.labelOrder.length).fill(0);
    let none = 0;
    for (const l of this.data.labels) {
      if (l === null) none++;
      else counts[this.labelIndex.get(l)!]++;
    }
    const out: { label: string | null; points: number }[] = this.labelOrder.map((label, j) => ({ label, points: counts[j] }));
    if (none) out.push({ label: NO_LABEL, points: none });
    return out;
  }

  /** Points per cluster on the map (distinct examples: a duplicated line is one point). */
  clusterPoints(): Map<number, number> {
    const m = new Map<number, number>();
    for (const c of this.data.cluster) m.set(c, (m.get(c) ?? 0) + 1);
    return m;
  }

  /** The palette slot of a cluster or a label (−1: the muted colour of unassigned / unlabelled points). */
  static slot(index: number): number {
    return index < 0 ? -1 : index % CLUSTER_COLOURS.length;
  }

  labelSlot(label: string | null): number {
    return label === null ? -1 : ClusterMap.slot(this.labelIndex.get(label) ?? -1);
  }

  /** The colour a point is filled with, or undefined when it is hidden (for UI tests and tools). */
  pointColour(id: string): string | undefined {
    const i = this.indexOf.get(id) ?? -1;
    if (i < 0 || !this.visible(i)) return undefined;
    return colourOf(themePalette(), this.colourSlot(i));
  }

  private visible(i: number): boolean {
    return !this.hidden.has(this.data.cluster[i]);
  }

  private colourSlot(i: number): number {
    return this.colorBy === 'label' ? this.labelSlot(this.data.labels[i] ?? null) : ClusterMap.slot(this.data.cluster[i]);
  }

  private publishCounts(): void {
    let visible = 0;
    for (let i = 0; i < this.data.ids.length; i++) if (this.visible(i)) visible++;
    this.canvas.dataset.visibleCount = String(visible);
    this.canvas.dataset.hitCount = String(this.hits.size);
    this.canvas.dataset.hiddenClusters = [...this.hidden].sort((a, b) => a - b).join(',');
  }

  /** Position of a point relative to the canvas (for UI tests and tools). */
  pointPosition(id: string): { x: number; y: number } | undefined {
    const i = this.data.ids.indexOf(id);
    if (i < 0) return undefined;
    const [x, y] = this.toScreen(i);
    return { x, y };
  }

  private cellOf(x: number, y: number): number {
    const cx = Math.min(GRID - 1, Math.max(0, Math.floor(((x - this.bounds.minX) / this.bounds.w) * GRID)));
    const cy = Math.min(GRID - 1, Math.max(0, Math.floor(((y - this.bounds.minY) / this.bounds.h) * GRID)));
    return cy * GRID + cx;
  }

  // data → screen: fit bounds into the canvas with a margin, then pan/zoom
  private fit() {
    const w = this.canvas.clientWidth,
      h = this.canvas.clientHeight,
      m = 24;
    const s = Math.min((w - 2 * m) / this.bounds.w, (h - 2 * m) / this.bounds.h);
    return { s, ox: (w - s * this.bounds.w) / 2, oy: (h - s * this.bounds.h) / 2 };
  }

  private toScreen(i: number): [number, number] {
    const f = this.fit();
    const bx = f.ox + (this.data.x[i] - this.bounds.minX) * f.s;
    const by = f.oy + (this.data.y[i] - this.bounds.minY) * f.s;
    return [bx * this.view.scale + this.view.x, by * this.view.scale + this.view.y];
  }

  private toData(sx: number, sy: number): [number, number] {
    const f = this.fit();
    const bx = (sx - this.view.x) / this.view.scale,
      by = (sy - this.view.y) / this.view.scale;
    return [(bx - f.ox) / f.s + this.bounds.minX, (by - f.oy) / f.s + this.bounds.minY];
  }

  private nearest(sx: number, sy: number, radiusPx = 8): number {
    const [dx, dy] = this.toData(sx, sy);
    const f = this.fit();
    const rData = radiusPx / (f.s * this.view.scale);
    const c0 = this.cellOf(dx - rData, dy - rData),
      c1 = this.cellOf(dx + rData, dy + rData);
    let best = -1,
      bestD = radiusPx * radiusPx;
    for (let cy = Math.floor(c0 / GRID); cy <= Math.floor(c1 / GRID); cy++) {
      for (let cx = c0 % GRID; cx <= c1 % GRID; cx++) {
        for (const i of this.grid.get(cy * GRID + cx) ?? []) {
          if (!this.visible(i)) continue;
          const [px, py] = this.toScreen(i);
          const d = (px - sx) ** 2 + (py - sy) ** 2;
          if (d <= bestD) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }

  private local(e: MouseEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const [sx, sy] = this.local(e);
    const factor = Math.exp(-e.deltaY * 0.0015);
    const scale = Math.min(200, Math.max(0.2, this.view.scale * factor));
    const k = scale / this.view.scale;
    this.view = { scale, x: sx - (sx - this.view.x) * k, y: sy - (sy - this.view.y) * k };
    this.cb.onViewChange(this.view);
    this.draw();
  }

  private onDown(e: PointerEvent): void {
    this.canvas.setPointerCapture(e.pointerId);
    const [sx, sy] = this.local(e);
    if (e.shiftKey) this.lasso = [{ x: sx, y: sy }];
    else this.drag = { x: sx, y: sy, vx: this.view.x, vy: this.view.y, moved: false };
  }

  private onMove(e: PointerEvent): void {
    const [sx, sy] = this.local(e);
    if (this.lasso) {
      this.lasso.push({ x: sx, y: sy });
      this.draw();
      return;
    }
    if (this.drag) {
      const ddx = sx - this.drag.x,
        ddy = sy - this.drag.y;
      if (Math.abs(ddx) + Math.abs(ddy) > 3) this.drag.moved = true;
      if (this.drag.moved) {
        this.view = { ...this.view, x: this.drag.vx + ddx, y: this.drag.vy + ddy };
        this.draw();
        return;
      }
    }
    this.setHover(this.nearest(sx, sy), e.clientX, e.clientY);
  }

  private onUp(e: PointerEvent): void {
    const [sx, sy] = this.local(e);
    if (this.lasso) {
      const poly = this.lasso;
      this.lasso = null;
      if (poly.length > 2) {
        const ids: string[] = [];
        for (let i = 0; i < this.data.ids.length; i++) {
          if (!this.visible(i)) continue;
          const [px, py] = this.toScreen(i);
          if (inside(px, py, poly)) ids.push(this.data.ids[i]);
        }
        this.selected = new Set(ids);
        this.publishSelection(true);
      }
      this.draw();
      return;
    }
    const drag = this.drag;
    this.drag = null;
    if (drag?.moved) {
      this.cb.onViewChange(this.view);
      return;
    }
    const i = this.nearest(sx, sy);
    if (i >= 0) {
      const id = this.data.ids[i];
      if (e.ctrlKey || e.metaKey) {
        if (this.selected.has(id)) this.selected.delete(id);
        else this.selected.add(id);
      } else this.selected = new Set([id]);
      this.publishSelection(true);
      this.cb.onClick(id);
      this.draw();
    }
  }

  private setHover(i: number, cx: number, cy: number): void {
    if (i === this.hoverIndex) {
      if (i >= 0) this.cb.onHover(this.data.ids[i], cx, cy);
      return;
    }
    this.hoverIndex = i;
    this.canvas.dataset.hoverId = i >= 0 ? this.data.ids[i] : '';
    this.cb.onHover(i >= 0 ? this.data.ids[i] : undefined, cx, cy);
    this.draw();
  }

  private publishSelection(notify: boolean): void {
    this.canvas.dataset.selectedCount = String(this.selected.size);
    if (notify) this.cb.onSelect([...this.selected]);
  }

  private resize(): void {
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    this.canvas.height = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    this.draw();
  }

  draw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const { ctx, canvas } = this;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const palette = themePalette();
    const n = this.data.ids.length;
    const r = n > 20000 ? 1.5 : n > 2000 ? 2.5 : 4;
    // The emphasised points: the selection when there is one, else the search hits; the rest is dimmed.
    const emphasised = this.selected.size ? this.selected : this.hits.size ? this.hits : null;
    // batch by colour (dimmed first, so emphasised points draw on top): one fill per colour keeps 50k points well under a frame
    const batches = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      if (!this.visible(i)) continue;
      const dim = emphasised !== null && !emphasised.has(this.data.ids[i]);
      const key = (dim ? 0 : 1000) + this.colourSlot(i) + 1;
      const list = batches.get(key);
      if (list) list.push(i);
      else batches.set(key, [i]);
    }
    for (const key of [...batches.keys()].sort((a, b) => a - b)) {
      ctx.globalAlpha = key < 1000 ? 0.22 : 1;
      ctx.fillStyle = colourOf(palette, (key % 1000) - 1);
      ctx.beginPath();
      for (const i of batches.get(key)!) {
        const [x, y] = this.toScreen(i);
        ctx.rect(x - r, y - r, 2 * r, 2 * r);
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2;
    ctx.strokeStyle = palette.hit;
    ctx.beginPath();
    for (const id of this.hits) {
      const i = this.indexOf.get(id) ?? -1;
      if (i < 0 || !this.visible(i)) continue;
      const [x, y] = this.toScreen(i);
      ctx.moveTo(x + r + 5, y);
      ctx.arc(x, y, r + 5, 0, Math.PI * 2);
    }
    ctx.stroke();
    ctx.strokeStyle = palette.fg;
    for (let i = 0; i < n; i++) {
      const id = this.data.ids[i];
      if (!this.visible(i)) continue;
      if (!this.rep.has(id) && !this.selected.has(id) && i !== this.hoverIndex) continue;
      const [x, y] = this.toScreen(i);
      ctx.strokeStyle = this.selected.has(id) ? palette.focus : palette.fg;
      ctx.beginPath();
      if (this.rep.has(id)) star(ctx, x, y, r + 6);
      else ctx.arc(x, y, r + 3, 0, Math.PI * 2);
      ctx.stroke();
    }
    if (this.lasso) {
      ctx.strokeStyle = palette.focus;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      this.lasso.forEach((p, j) => (j ? ctx.lineTo(p.x, p.y) : ctx.moveTo(p.x, p.y)));
      ctx.closePath();
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
}

function inside(x: number, y: number, poly: { x: number; y: number }[]): boolean {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i],
      b = poly[j];
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) hit = !hit;
  }
  return hit;
}

function star(ctx: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  for (let k = 0; k < 10; k++) {
    const a = (Math.PI / 5) * k - Math.PI / 2,
      rr = k % 2 ? r / 2.2 : r;
    const px = x + rr * Math.cos(a),
      py = y + rr * Math.sin(a);
    if (k) ctx.lineTo(px, py);
    else ctx.moveTo(px, py);
  }
  ctx.closePath();
}

const CLUSTER_COLOURS = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-red',
  '--vscode-charts-yellow',
  '--vscode-terminal-ansiCyan',
  '--vscode-terminal-ansiMagenta',
];
type Palette = string[] & { fg: string; focus: string; muted: string; hit: string };
let cached: Palette | undefined;

/** The colour of a palette slot (−1: muted). */
export function colourOf(palette: Palette, slot: number): string {
  return slot < 0 ? palette.muted : palette[slot];
}

/** Cluster colours from VS Code's chart theme variables (so dark, light and high contrast work). */
export function themePalette(): Palette {
  if (cached) return cached;
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const p = CLUSTER_COLOURS.map((n, i) => v(n, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700', '#11a8cd', '#bc3fbc'][i])) as Palette;
  p.fg = v('--vscode-foreground', '#ccc');
  p.focus = v('--vscode-focusBorder', '#007fd4');
  p.muted = v('--vscode-descriptionForeground', '#888');
  p.hit = v('--vscode-list-highlightForeground', '#2aaaff'); // the colour of search matches in VS Code's lists
  cached = p;
  new MutationObserver(() => (cached = undefined)).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return p;
}
