// The map's points in a uniform grid over their bounds, stored cell by cell (a counting sort):
// the points of one cell are contiguous, so a row of cells in view is one contiguous range to draw
// (culling without a per-point scan) and hit-testing visits only the cells around the pointer.
// Pure data, no DOM: both renderers and the hit-testing read it.

export interface Bounds {
  minX: number;
  minY: number;
  w: number;
  h: number;
}

export interface PointIndex {
  n: number;
  bounds: Bounds;
  /** Cells per side. */
  g: number;
  /** Points of cell c (row-major, cy * g + cx) are order[cellStart[c] .. cellStart[c + 1]). */
  cellStart: Uint32Array;
  /** Point index (into the map's arrays) at each sorted position. */
  order: Uint32Array;
  /** x, y of each sorted position (xy[2k], xy[2k + 1] is point order[k]). */
  sortedXY: Float32Array;
}

/** About this many points per cell: a few cells around the pointer hold a few dozen points. */
const POINTS_PER_CELL = 8;
const MAX_CELLS_PER_SIDE = 512;

export function boundsOf(xy: Float32Array): Bounds {
  const n = xy.length / 2;
  if (!n) return { minX: 0, minY: 0, w: 1, h: 1 };
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i],
      y = xy[2 * i + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, w: maxX - minX || 1, h: maxY - minY || 1 };
}

export function buildPointIndex(xy: Float32Array): PointIndex {
  const n = xy.length / 2;
  const bounds = boundsOf(xy);
  const g = Math.max(1, Math.min(MAX_CELLS_PER_SIDE, Math.ceil(Math.sqrt(n / POINTS_PER_CELL))));
  const cellOfPoint = new Uint32Array(n);
  const cellStart = new Uint32Array(g * g + 1);
  for (let i = 0; i < n; i++) {
    const c = cellAt(bounds, g, xy[2 * i], xy[2 * i + 1]);
    cellOfPoint[i] = c;
    cellStart[c + 1]++;
  }
  for (let c = 0; c < g * g; c++) cellStart[c + 1] += cellStart[c];
  const fill = cellStart.slice(0, g * g);
  const order = new Uint32Array(n);
  const sortedXY = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const k = fill[cellOfPoint[i]]++;
    order[k] = i;
    sortedXY[2 * k] = xy[2 * i];
    sortedXY[2 * k + 1] = xy[2 * i + 1];
  }
  return { n, bounds, g, cellStart, order, sortedXY };
}

export function cellX(b: Bounds, g: number, x: number): number {
  return Math.min(g - 1, Math.max(0, Math.floor(((x - b.minX) / b.w) * g)));
}
export function cellY(b: Bounds, g: number, y: number): number {
  return Math.min(g - 1, Math.max(0, Math.floor(((y - b.minY) / b.h) * g)));
}
function cellAt(b: Bounds, g: number, x: number, y: number): number {
  return cellY(b, g, y) * g + cellX(b, g, x);
}

/** The cells a data-space rectangle touches, as one sorted-position range per row of cells. */
export function rangesIn(ix: PointIndex, x0: number, y0: number, x1: number, y1: number): [number, number][] {
  const { bounds: b, g, cellStart } = ix;
  if (!ix.n || x1 < b.minX || y1 < b.minY || x0 > b.minX + b.w || y0 > b.minY + b.h) return [];
  const cx0 = cellX(b, g, x0),
    cx1 = cellX(b, g, x1),
    cy0 = cellY(b, g, y0),
    cy1 = cellY(b, g, y1);
  const out: [number, number][] = [];
  for (let cy = cy0; cy <= cy1; cy++) {
    const start = cellStart[cy * g + cx0],
      end = cellStart[cy * g + cx1 + 1];
    if (end > start) out.push([start, end]);
  }
  return out;
}

export function countIn(ranges: readonly [number, number][]): number {
  let n = 0;
  for (const [s, e] of ranges) n += e - s;
  return n;
}
