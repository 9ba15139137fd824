// What the map asks of a points renderer (WebGL2, or the Canvas 2D fallback), the per-point style
// both read, and the density image: the points splatted once on the CPU into an image of the canvas
// at the unzoomed view, drawn scaled (densityLayer.ts) while too many points are in view to draw each.
import type { PointIndex } from './mapIndex';

/** Style flags per sorted position. */
export const HIDDEN = 1;
export const DIMMED = 2;
/** Palette entries: the 8 slot colours, then the muted colour (slot −1). */
export const MUTED_SLOT = 8;
export const DIM_ALPHA = 0.22;

export interface PointStyle {
  /** Palette entry per sorted position (MUTED_SLOT: muted). */
  slot: Uint8Array;
  flags: Uint8Array;
  /** Some points are dimmed (a selection or search hits are emphasised): dimmed ones draw first. */
  emphasis: boolean;
  /** CSS colours of the 9 palette entries, and the same as RGBA bytes. */
  css: string[];
  rgba: Uint8Array;
}

/** Data → canvas CSS pixels: sx = x * a + bx, sy = y * a + by; plus the view (for the density image). */
export interface Frame {
  a: number;
  bx: number;
  by: number;
  view: { x: number; y: number; scale: number };
  /** Canvas size in CSS pixels and device pixels per CSS pixel. */
  w: number;
  h: number;
  dpr: number;
  /** Half the side of a point's square, CSS pixels. */
  r: number;
}

export type Lod = 'points' | 'density';

export interface PointLayer {
  readonly kind: 'webgl2' | 'canvas2d';
  readonly canvas: HTMLCanvasElement;
  setPoints(ix: PointIndex): void;
  setStyle(style: PointStyle): void;
  /** Draws the frame: the sorted ranges given (the rows of cells in view; none: an empty layer). */
  render(f: Frame, ranges: readonly [number, number][]): void;
  /** Waits until the drawing is really done (for timing). */
  sync(): void;
  /** RGBA of the drawn image at device pixel (x, y), top-left origin (call right after render). */
  pixel(x: number, y: number): number[];
  /** Pixels not fully transparent (call right after render). */
  painted(): number;
}

/**
 * The points as the unzoomed view draws them (squares of side 2r, dimmed ones first at DIM_ALPHA),
 * as premultiplied RGBA at device resolution (w × h). One pass over the points.
 */
export function splatDensity(ix: PointIndex, style: PointStyle, identity: Frame, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  const words = new Uint32Array(out.buffer);
  const { sortedXY } = ix;
  const { slot, flags, rgba } = style;
  const d = identity.dpr;
  const side = Math.max(1, Math.round(2 * identity.r * d));
  const half = side / 2;
  const opaque = new Uint32Array(9);
  for (let s = 0; s < 9; s++) opaque[s] = (rgba[4 * s] | (rgba[4 * s + 1] << 8) | (rgba[4 * s + 2] << 16) | (255 << 24)) >>> 0;
  const passes = style.emphasis ? [DIMMED, 0] : [0];
  for (const pass of passes) {
    for (let k = 0; k < ix.n; k++) {
      const f = flags[k];
      if (f & HIDDEN || (f & DIMMED) !== pass) continue;
      const x0 = Math.round((sortedXY[2 * k] * identity.a + identity.bx) * d - half);
      const y0 = Math.round((sortedXY[2 * k + 1] * identity.a + identity.by) * d - half);
      const xa = Math.max(0, x0),
        xb = Math.min(w, x0 + side),
        ya = Math.max(0, y0),
        yb = Math.min(h, y0 + side);
      const s = slot[k];
      if (!pass) {
        const c = opaque[s];
        for (let y = ya; y < yb; y++) words.fill(c, y * w + xa, y * w + xb);
        continue;
      }
      const keep = 1 - DIM_ALPHA;
      const r = rgba[4 * s] * DIM_ALPHA,
        g = rgba[4 * s + 1] * DIM_ALPHA,
        b = rgba[4 * s + 2] * DIM_ALPHA,
        a = 255 * DIM_ALPHA;
      for (let y = ya; y < yb; y++) {
        for (let p = (y * w + xa) * 4, end = (y * w + xb) * 4; p < end; p += 4) {
          out[p] = r + out[p] * keep;
          out[p + 1] = g + out[p + 1] * keep;
          out[p + 2] = b + out[p + 2] * keep;
          out[p + 3] = a + out[p + 3] * keep;
        }
      }
    }
  }
  return out;
}

/** RGBA bytes of CSS colours (the browser parses them: theme variables may be any CSS colour). */
export function cssToRgba(colours: readonly string[]): Uint8Array {
  const c = document.createElement('canvas');
  c.width = c.height = 1;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  const out = new Uint8Array(colours.length * 4);
  colours.forEach((colour, j) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 1, 1);
    out.set(ctx.getImageData(0, 0, 1, 1).data.subarray(0, 3), 4 * j);
    out[4 * j + 3] = 255;
  });
  return out;
}
