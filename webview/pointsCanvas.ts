// The Canvas 2D fallback for the map's points, where WebGL2 is not available: every visible point
// every frame, batched by colour (one fill per colour; dimmed first so emphasised points draw on
// top). Slower at tens of thousands of points, the same picture.
import type { PointIndex } from './mapIndex';
import { DIM_ALPHA, DIMMED, HIDDEN, MUTED_SLOT, type Frame, type PointLayer, type PointStyle } from './pointLayer';

export class CanvasPoints implements PointLayer {
  readonly kind = 'canvas2d';
  private readonly ctx: CanvasRenderingContext2D;
  private ix: PointIndex | undefined;
  private style: PointStyle | undefined;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d context');
    this.ctx = ctx;
  }

  setPoints(ix: PointIndex): void {
    this.ix = ix;
  }

  setStyle(style: PointStyle): void {
    this.style = style;
  }

  /** Every visible point, whatever the ranges (none: an empty layer). */
  render(f: Frame, ranges: readonly [number, number][]): void {
    const { ctx, canvas, ix, style } = this;
    ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!ix || !style || style.slot.length !== ix.n || !ranges.length) return;
    const batches = new Map<number, number[]>();
    for (let k = 0; k < ix.n; k++) {
      const fl = style.flags[k];
      if (fl & HIDDEN) continue;
      const key = (fl & DIMMED ? 0 : 1000) + style.slot[k];
      const list = batches.get(key);
      if (list) list.push(k);
      else batches.set(key, [k]);
    }
    const r = f.r;
    for (const key of [...batches.keys()].sort((a, b) => a - b)) {
      ctx.globalAlpha = key < 1000 ? DIM_ALPHA : 1;
      ctx.fillStyle = style.css[Math.min(MUTED_SLOT, key % 1000)];
      ctx.beginPath();
      for (const k of batches.get(key)!) ctx.rect(ix.sortedXY[2 * k] * f.a + f.bx - r, ix.sortedXY[2 * k + 1] * f.a + f.by - r, 2 * r, 2 * r);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  sync(): void {
    this.ctx.getImageData(0, 0, 1, 1);
  }

  pixel(x: number, y: number): number[] {
    return Array.from(this.ctx.getImageData(x, y, 1, 1).data);
  }

  painted(): number {
    const px = this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height).data;
    let n = 0;
    for (let p = 3; p < px.length; p += 4) if (px[p]) n++;
    return n;
  }
}
