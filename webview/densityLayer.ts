// The density image as a canvas of its own (between the points layer and the overlay): made once
// per data, style or size (splatDensity), then each zoomed-out frame is one scaled drawImage — a
// fraction of what a textured quad costs a software WebGL renderer (SwiftShader: ~2 ms against ~15 ms
// for a 1100×700 canvas, measured side by side), and the same on any renderer.
import { h } from './dom';
import type { Frame } from './pointLayer';

export class DensityLayer {
  readonly canvas = h('canvas', { class: 'map-points', 'aria-hidden': 'true' }) as HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private source: HTMLCanvasElement | null = null;
  private drawn = false;

  constructor() {
    const ctx = this.canvas.getContext('2d', { willReadFrequently: false });
    if (!ctx) throw new Error('no 2d context');
    this.ctx = ctx;
  }

  get hasImage(): boolean {
    return this.source !== null;
  }

  /** A new image (premultiplied RGBA, w × h device pixels at the unzoomed view), or none. */
  setImage(premultiplied: Uint8Array | null, w: number, h: number): void {
    if (!premultiplied) {
      this.source = null;
      return;
    }
    const rgba = new Uint8ClampedArray(premultiplied.length);
    for (let p = 0; p < rgba.length; p += 4) {
      const a = premultiplied[p + 3];
      if (!a) continue;
      const k = a === 255 ? 1 : 255 / a; // ImageData is not premultiplied
      rgba[p] = premultiplied[p] * k;
      rgba[p + 1] = premultiplied[p + 1] * k;
      rgba[p + 2] = premultiplied[p + 2] * k;
      rgba[p + 3] = a;
    }
    const src = document.createElement('canvas');
    src.width = w;
    src.height = h;
    src.getContext('2d')!.putImageData(new ImageData(rgba, w, h), 0, 0);
    this.source = src;
  }

  render(f: Frame): void {
    const { ctx, canvas } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!this.source) return;
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = f.view.scale < 0.75 ? 'high' : 'low'; // zoomed out past the fit: do not drop points
    ctx.setTransform(f.view.scale, 0, 0, f.view.scale, f.view.x * f.dpr, f.view.y * f.dpr);
    ctx.drawImage(this.source, 0, 0);
    this.drawn = true;
  }

  /** Empties the canvas (the points layer draws this frame). */
  clear(): void {
    if (!this.drawn) return;
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.drawn = false;
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
