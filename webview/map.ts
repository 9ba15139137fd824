// The cluster map: pan (drag), zoom (wheel), hover (nearest point via the spatial grid), click
// (reveal), lasso (shift+drag) selection. The points are drawn by a PointLayer — WebGL2 with level
// of detail (the points of the cells in view, or, while too many are in view, a cached density
// image on a canvas of its own) or the Canvas 2D fallback (every point, as before) — under an
// overlay canvas (#map) with the rings, stars, hover and lasso, which also takes the pointer. Colour by cluster or by label; hidden clusters are neither drawn
// nor hit-tested; search hits are ringed; while a selection (or else a search) is active, the other
// points stay visible, dimmed. Counts, settings and timings are exposed as data attributes and
// performance marks for tests and tools.
import { emptyMapView, NO_CLUSTER, NO_LABEL_INDEX, type MapPointsView, type MapView } from '../src/shared/protocol';
import { h } from './dom';
import { buildPointIndex, countIn, rangesIn, type PointIndex } from './mapIndex';
import { cssToRgba, DIMMED, HIDDEN, MUTED_SLOT, splatDensity, type Frame, type Lod, type PointLayer, type PointStyle } from './pointLayer';
import { CanvasPoints } from './pointsCanvas';
import { DensityLayer } from './densityLayer';
import { GlPoints } from './pointsGl';

export type ColorBy = 'cluster' | 'label';
/** The label legend's entry for examples without a label. */
export const NO_LABEL = null;
export type RendererKind = 'webgl2' | 'canvas2d';

export interface MapCallbacks {
  onHover(id: string | undefined, clientX: number, clientY: number): void;
  onClick(id: string): void;
  onSelect(ids: string[]): void;
  onViewChange(view: { x: number; y: number; scale: number }): void;
}

/** More points than this in view: draw the density image instead of each point. */
const POINT_BUDGET = 20_000;
/** Rings around selected points are drawn while at most this many are in view (dimming shows the rest). */
const MAX_RINGS = 5000;

export class ClusterMap {
  /** The overlay (#map) and the points layer beneath it, stacked. */
  readonly el: HTMLElement;
  private data: MapView = emptyMapView();
  /** The points are drawn but their ids are still on the way (setPoints): nothing is hovered, clicked or lassoed until they come. */
  private idsPending = false;
  private ix: PointIndex = buildPointIndex(new Float32Array(0));
  /** Sorted position of each point. */
  private rank = new Uint32Array(0);
  private hidden = new Set<number>();
  private colorBy: ColorBy = 'cluster';
  private hits = new Set<string>();
  private labelIndex = new Map<string, number>();
  /** id → point index, built when first needed (ids are looked up for selections and hits, not per frame). */
  private idIndex: Map<string, number> | null = null;
  private repIdx: number[] = [];
  private hitIdx: number[] = [];
  private selIdx: number[] = [];
  private selected = new Set<string>();
  private style: PointStyle | undefined;
  /** The theme palette the style was built with (a theme change makes a new one). */
  private stylePalette: Palette | undefined;
  private styleDirty = true;
  private readonly densityLayer = new DensityLayer();
  private lod: Lod = 'points';
  /** The points layer was last drawn empty (the density image shows the points). */
  private layerEmpty = false;
  private view = { x: 0, y: 0, scale: 1 }; // pan in px, zoom factor
  private lasso: { x: number; y: number }[] | null = null;
  private drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
  private hoverIndex = -1;
  private frame = 0;
  private pointsDirty = true;
  private readonly ctx: CanvasRenderingContext2D;
  private layer: PointLayer;
  /** performance.now() of the data (or of the map becoming visible) until its first paint; null once painted. */
  private firstPaintStart: number | null = null;
  /** Timing every frame (performance measure `map-frame`, waiting for the drawing to finish): for benchmarks. */
  benchmark = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly cb: MapCallbacks,
    renderer: RendererKind = 'webgl2',
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    this.ctx = ctx;
    this.layer = makeLayer(renderer);
    this.el = h('div', { class: 'map-stack' }, this.layer.canvas, this.densityLayer.canvas, canvas);
    this.publishRenderer();
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    canvas.addEventListener('pointerdown', (e) => this.onDown(e));
    canvas.addEventListener('pointermove', (e) => this.onMove(e));
    canvas.addEventListener('pointerup', (e) => this.onUp(e));
    canvas.addEventListener('pointerleave', () => this.setHover(-1, 0, 0));
  }

  /** Switches the points renderer (tests flip it to check the fallback); the data stays. */
  useRenderer(kind: RendererKind): RendererKind {
    const next = makeLayer(kind);
    this.layer.canvas.replaceWith(next.canvas);
    this.layer = next;
    this.layerEmpty = false;
    this.publishRenderer();
    this.resize();
    this.setData(this.data, this.idsPending); // the new renderer's first paint is timed as a fresh map's
    return this.layer.kind;
  }

  /** Draws a map's points before its ids arrive (the second half of the map, see MapPointsView). */
  setPoints(p: MapPointsView): void {
    this.setData({ ids: [], representatives: [], xy: p.xy, cluster: p.cluster, labelNames: p.labelNames, label: p.label }, true);
  }

  setData(d: MapView, idsPending = false): void {
    if (this.idsPending && !idsPending && d.xy === this.data.xy) {
      this.attachIds(d);
      return;
    }
    const t0 = performance.now();
    this.data = d;
    this.idsPending = idsPending;
    this.ix = buildPointIndex(d.xy);
    const n = this.ix.n;
    this.rank = new Uint32Array(n);
    for (let k = 0; k < n; k++) this.rank[this.ix.order[k]] = k;
    this.idIndex = null;
    this.labelIndex = new Map(d.labelNames.map((l, j) => [l, j] as const));
    this.repIdx = representativeIndices(d);
    // the selection and hits are kept as they are until the ids come to check them against
    if (!idsPending) this.dropMissingIds();
    this.layer.setPoints(this.ix);
    this.styleDirty = true;
    // the count says the map is interactive: only once its ids are there (tests hover right after it)
    this.canvas.dataset.pointCount = idsPending ? '' : String(n);
    this.canvas.dataset.clusterCount = String(this.clusterPoints().size);
    this.canvas.dataset.firstPaintMs = '';
    this.hoverIndex = -1;
    this.publishCounts();
    this.publishSelection(false);
    this.firstPaintStart = t0;
    performance.mark('map-data', { startTime: t0 });
    this.draw();
  }

  /** The ids of the points already drawn: the point index, the layer and the first paint stay. */
  private attachIds(d: MapView): void {
    this.data = d;
    this.idsPending = false;
    this.idIndex = null;
    this.repIdx = representativeIndices(d);
    this.dropMissingIds();
    this.canvas.dataset.pointCount = String(this.ix.n);
    this.styleDirty = true;
    this.publishSelection(false);
    this.draw();
  }

  private dropMissingIds(): void {
    if (this.selected.size) this.selected = new Set([...this.selected].filter((id) => this.indexOf(id) >= 0));
    if (this.hits.size) this.hits = new Set([...this.hits].filter((id) => this.indexOf(id) >= 0));
  }

  /** The map drawn now (a map delta is applied to it). */
  currentData(): MapView {
    return this.data;
  }

  setView(v: { x: number; y: number; scale: number }): void {
    this.view = { x: v.x, y: v.y, scale: Math.min(200, Math.max(0.2, v.scale)) };
    this.draw();
  }

  select(ids: string[]): void {
    this.selected = new Set(ids.filter((id) => this.indexOf(id) >= 0));
    this.publishSelection(false);
    this.restyle();
  }

  selectedIds(): string[] {
    return [...this.selected];
  }

  /** Clusters not drawn and not hit-tested. */
  setHiddenClusters(clusters: readonly number[]): void {
    this.hidden = new Set(clusters);
    if (this.hoverIndex >= 0 && !this.visible(this.hoverIndex)) this.setHover(-1, 0, 0);
    this.publishCounts();
    this.restyle();
  }

  setColorBy(mode: ColorBy): void {
    this.colorBy = mode;
    this.canvas.dataset.colorBy = mode;
    this.restyle();
  }

  /** Search hits: ringed on the map (ids not on the map are ignored). */
  setHits(ids: readonly string[]): void {
    this.hits = new Set(ids.filter((id) => this.indexOf(id) >= 0));
    this.publishCounts();
    this.restyle();
  }

  /** Each label with its number of points (ascending; the unlabelled last, as null), for the legend. */
  labelCounts(): { label: string | null; points: number }[] {
    const counts = new Array<number>(this.data.labelNames.length).fill(0);
    let none = 0;
    for (const l of this.data.label) {
      if (l === NO_LABEL_INDEX) none++;
      else counts[l]++;
    }
    const out: { label: string | null; points: number }[] = this.data.labelNames.map((label, j) => ({ label, points: counts[j] }));
    if (none) out.push({ label: NO_LABEL, points: none });
    return out;
  }

  /** Points per cluster on the map (distinct examples: a duplicated line is one point). */
  clusterPoints(): Map<number, number> {
    const m = new Map<number, number>();
    for (const c of this.data.cluster) {
      const k = c === NO_CLUSTER ? -1 : c;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
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
    const i = this.indexOf(id);
    if (i < 0 || !this.visible(i)) return undefined;
    return colourOf(themePalette(), this.colourSlot(i));
  }

  /** Position of a point relative to the canvas (for UI tests and tools). */
  pointPosition(id: string): { x: number; y: number } | undefined {
    const i = this.indexOf(id);
    if (i < 0) return undefined;
    const [x, y] = this.toScreen(i);
    return { x, y };
  }

  /** Paints now and reads the points layer at a CSS pixel (RGBA; for UI tests). */
  pixelAt(x: number, y: number): number[] {
    this.pointsDirty = true; // WebGL keeps no drawn image after compositing: draw it again, read it in the same task
    this.paint();
    const dpr = window.devicePixelRatio || 1;
    return this.activeLayer().pixel(Math.round(x * dpr), Math.round(y * dpr));
  }

  /** Paints now and counts the points layer's non-transparent pixels (for UI tests). */
  paintedPixels(): number {
    this.pointsDirty = true;
    this.paint();
    return this.activeLayer().painted();
  }

  /** The layer that shows the points now (the density image, or the points layer). */
  private activeLayer(): Pick<PointLayer, 'pixel' | 'painted'> {
    return this.lod === 'density' ? this.densityLayer : this.layer;
  }

  private indexOf(id: string): number {
    this.idIndex ??= new Map(this.data.ids.map((x, i) => [x, i] as const));
    return this.idIndex.get(id) ?? -1;
  }

  private visible(i: number): boolean {
    const c = this.data.cluster[i];
    return c === NO_CLUSTER || !this.hidden.has(c);
  }

  private colourSlot(i: number): number {
    if (this.colorBy === 'label') {
      const l = this.data.label[i];
      return l === NO_LABEL_INDEX ? -1 : ClusterMap.slot(l);
    }
    const c = this.data.cluster[i];
    return c === NO_CLUSTER ? -1 : ClusterMap.slot(c);
  }

  private publishCounts(): void {
    let visible = 0;
    for (let i = 0; i < this.ix.n; i++) if (this.visible(i)) visible++;
    this.canvas.dataset.visibleCount = String(visible);
    this.canvas.dataset.hitCount = String(this.hits.size);
    this.canvas.dataset.hiddenClusters = [...this.hidden].sort((a, b) => a - b).join(',');
  }

  private publishRenderer(): void {
    this.canvas.dataset.renderer = this.layer.kind;
  }

  /** Colours, visibility or emphasis changed: the per-point style (and the density image) is rebuilt on the next frame. */
  private restyle(): void {
    this.styleDirty = true;
    this.draw();
  }

  private buildStyle(): PointStyle {
    const palette = themePalette();
    const css = [...CLUSTER_COLOURS.map((_, s) => colourOf(palette, s)), palette.muted];
    const n = this.ix.n;
    const slot = new Uint8Array(n);
    const flags = new Uint8Array(n);
    const emphasised = this.selected.size ? this.selected : this.hits.size ? this.hits : null;
    const emph = new Uint8Array(emphasised ? n : 0);
    if (emphasised) for (const id of emphasised) emph[this.indexOf(id)] = 1;
    this.selIdx = [...this.selected].map((id) => this.indexOf(id));
    this.hitIdx = [...this.hits].map((id) => this.indexOf(id));
    for (let k = 0; k < n; k++) {
      const i = this.ix.order[k];
      const s = this.colourSlot(i);
      slot[k] = s < 0 ? MUTED_SLOT : s;
      flags[k] = (this.visible(i) ? 0 : HIDDEN) | (emphasised && !emph[i] ? DIMMED : 0);
    }
    return { slot, flags, emphasis: emphasised !== null, css, rgba: cssToRgba(css) };
  }

  // data → screen: fit bounds into the canvas with a margin, then pan/zoom
  private fit() {
    const w = this.canvas.clientWidth,
      h = this.canvas.clientHeight,
      m = 24;
    const b = this.ix.bounds;
    const s = Math.min((w - 2 * m) / b.w, (h - 2 * m) / b.h);
    return { s, ox: (w - s * b.w) / 2, oy: (h - s * b.h) / 2 };
  }

  private frameFor(view: { x: number; y: number; scale: number }): Frame {
    const f = this.fit();
    const b = this.ix.bounds;
    const n = this.ix.n;
    return {
      a: f.s * view.scale,
      bx: (f.ox - b.minX * f.s) * view.scale + view.x,
      by: (f.oy - b.minY * f.s) * view.scale + view.y,
      view,
      w: this.canvas.clientWidth,
      h: this.canvas.clientHeight,
      dpr: window.devicePixelRatio || 1,
      r: n > 20000 ? 1.5 : n > 2000 ? 2.5 : 4,
    };
  }

  private toScreen(i: number): [number, number] {
    const f = this.frameFor(this.view);
    return [this.data.xy[2 * i] * f.a + f.bx, this.data.xy[2 * i + 1] * f.a + f.by];
  }

  private toData(sx: number, sy: number): [number, number] {
    const f = this.frameFor(this.view);
    return [(sx - f.bx) / f.a, (sy - f.by) / f.a];
  }

  /** The sorted ranges of the cells within `marginPx` of a screen rectangle. */
  private rangesOnScreen(x0: number, y0: number, x1: number, y1: number, marginPx: number): [number, number][] {
    const [dx0, dy0] = this.toData(x0 - marginPx, y0 - marginPx);
    const [dx1, dy1] = this.toData(x1 + marginPx, y1 + marginPx);
    return rangesIn(this.ix, dx0, dy0, dx1, dy1);
  }

  private nearest(sx: number, sy: number, radiusPx = 8): number {
    if (this.idsPending) return -1;
    const f = this.frameFor(this.view);
    let best = -1,
      bestD = radiusPx * radiusPx;
    const xy = this.ix.sortedXY;
    for (const [start, end] of this.rangesOnScreen(sx, sy, sx, sy, radiusPx)) {
      for (let k = start; k < end; k++) {
        const px = xy[2 * k] * f.a + f.bx,
          py = xy[2 * k + 1] * f.a + f.by;
        const d = (px - sx) ** 2 + (py - sy) ** 2;
        if (d <= bestD && this.visible(this.ix.order[k])) {
          bestD = d;
          best = this.ix.order[k];
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
      this.drawOverlayOnly();
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
      if (poly.length > 2 && !this.idsPending) {
        const f = this.frameFor(this.view);
        const xs = poly.map((p) => p.x),
          ys = poly.map((p) => p.y);
        const ids: string[] = [];
        const xy = this.ix.sortedXY;
        for (const [start, end] of this.rangesOnScreen(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys), 1)) {
          for (let k = start; k < end; k++) {
            const i = this.ix.order[k];
            if (this.visible(i) && inside(xy[2 * k] * f.a + f.bx, xy[2 * k + 1] * f.a + f.by, poly)) ids.push(this.data.ids[i]);
          }
        }
        this.selected = new Set(ids);
        this.publishSelection(true);
        this.restyle();
      } else this.drawOverlayOnly();
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
      this.restyle();
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
    this.drawOverlayOnly();
  }

  private publishSelection(notify: boolean): void {
    this.canvas.dataset.selectedCount = String(this.selected.size);
    if (notify) this.cb.onSelect([...this.selected]);
  }

  private resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr)),
      h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    // a map that was not visible (another tab) becomes visible: its first paint is timed from here
    if (this.firstPaintStart !== null && this.canvas.width <= 1 && w > 1) this.firstPaintStart = Math.max(this.firstPaintStart, performance.now());
    for (const c of [this.canvas, this.layer.canvas, this.densityLayer.canvas]) {
      c.width = w;
      c.height = h;
    }
    this.densityLayer.setImage(null, 0, 0);
    this.draw();
  }

  draw(): void {
    this.pointsDirty = true;
    this.schedule();
  }

  private drawOverlayOnly(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const t0 = performance.now();
    const palette = themePalette();
    if (palette !== this.stylePalette) this.styleDirty = true; // the theme changed
    if (this.styleDirty || !this.style) {
      this.style = this.buildStyle();
      this.stylePalette = palette;
      this.layer.setStyle(this.style);
      this.styleDirty = false;
      this.densityLayer.setImage(null, 0, 0);
      this.pointsDirty = true;
    }
    const f = this.frameFor(this.view);
    const visibleSize = this.canvas.clientWidth > 0 && this.canvas.clientHeight > 0;
    if (this.pointsDirty) {
      const ranges = this.rangesOnScreen(0, 0, f.w, f.h, f.r);
      // level of detail (WebGL2 only: the Canvas 2D fallback draws every point, as the map always did)
      this.lod = this.layer.kind === 'webgl2' && countIn(ranges) > POINT_BUDGET ? 'density' : 'points';
      if (this.lod === 'density') {
        if (!this.densityLayer.hasImage) {
          const { width, height } = this.densityLayer.canvas;
          this.densityLayer.setImage(splatDensity(this.ix, this.style, this.frameFor({ x: 0, y: 0, scale: 1 }), width, height), width, height);
        }
        this.densityLayer.render(f);
        if (!this.layerEmpty) this.layer.render(f, []);
        this.layerEmpty = true;
      } else {
        this.densityLayer.clear();
        this.layer.render(f, ranges);
        this.layerEmpty = false;
      }
      this.pointsDirty = false;
      this.canvas.dataset.lod = this.lod;
    }
    this.paintOverlay(f, palette);
    const firstPaint = this.firstPaintStart !== null && visibleSize;
    if (firstPaint || this.benchmark) {
      // the drawing really done, not only queued
      this.layer.sync();
      this.densityLayer.sync();
      const end = performance.now();
      if (firstPaint) {
        performance.measure('map-first-paint', { start: this.firstPaintStart!, end });
        this.canvas.dataset.firstPaintMs = (end - this.firstPaintStart!).toFixed(1);
        this.firstPaintStart = null;
      } else performance.measure('map-frame', { start: t0, end, detail: { lod: this.lod, renderer: this.layer.kind } });
    }
  }

  private paintOverlay(f: Frame, palette: Palette): void {
    const { ctx, canvas } = this;
    ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const r = f.r;
    const xy = this.data.xy;
    const onScreen = (i: number) => {
      const x = xy[2 * i] * f.a + f.bx,
        y = xy[2 * i + 1] * f.a + f.by;
      return x >= -20 && y >= -20 && x <= f.w + 20 && y <= f.h + 20 ? [x, y] : null;
    };
    ctx.lineWidth = 2;
    ctx.strokeStyle = palette.hit;
    ctx.beginPath();
    for (const i of this.hitIdx) {
      const p = this.visible(i) ? onScreen(i) : null;
      if (!p) continue;
      ctx.moveTo(p[0] + r + 5, p[1]);
      ctx.arc(p[0], p[1], r + 5, 0, Math.PI * 2);
    }
    ctx.stroke();
    ctx.strokeStyle = palette.focus;
    ctx.beginPath();
    let rings = 0;
    for (const i of this.selIdx) {
      const p = this.visible(i) ? onScreen(i) : null;
      if (!p) continue;
      if (++rings > MAX_RINGS) break;
      ctx.moveTo(p[0] + r + 3, p[1]);
      ctx.arc(p[0], p[1], r + 3, 0, Math.PI * 2);
    }
    ctx.stroke();
    ctx.strokeStyle = palette.fg;
    ctx.beginPath();
    for (const i of this.repIdx) {
      const p = this.visible(i) ? onScreen(i) : null;
      if (p) star(ctx, p[0], p[1], r + 6);
    }
    const hover = this.hoverIndex >= 0 && this.visible(this.hoverIndex) ? onScreen(this.hoverIndex) : null;
    if (hover) {
      ctx.moveTo(hover[0] + r + 3, hover[1]);
      ctx.arc(hover[0], hover[1], r + 3, 0, Math.PI * 2);
    }
    ctx.stroke();
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

/** WebGL2 when asked and available, else Canvas 2D. */
/** The points of a map's representatives: a scan each, not a hash of every id (a million ids take seconds to hash); none while its ids travel. */
function representativeIndices(d: MapView): number[] {
  return d.representatives.map((id) => d.ids.indexOf(id)).filter((i) => i >= 0);
}

function makeLayer(kind: RendererKind): PointLayer {
  const canvas = h('canvas', { class: 'map-points', 'aria-hidden': 'true' }) as HTMLCanvasElement;
  return (kind === 'webgl2' ? GlPoints.create(canvas) : null) ?? new CanvasPoints(canvas);
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
