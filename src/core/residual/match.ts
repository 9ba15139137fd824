import type { PreparedNeedle } from './needles';
import type { ResidualMatch } from './types';

/** `text`: decoded UTF-8; `bytes`: raw bytes, for binary files and the tool's own folders. */
export type MatchMode = 'text' | 'bytes';

export interface LineHit {
  needleIndex: number;
  line: number;
  match: ResidualMatch;
}

const BINARY_PROBE = 8192;

/** Same rule as git: a NUL byte in the first 8 KB means binary. */
export function isBinary(buf: Uint8Array): boolean {
  return buf.subarray(0, BINARY_PROBE).includes(0);
}

/** 1-based line of a char offset, via a lazily built table of newline offsets. */
function lineLocator(hay: string): (pos: number) => number {
  let newlines: number[] | undefined;
  return (pos) => {
    if (!newlines) {
      newlines = [];
      for (let i = hay.indexOf('\n'); i !== -1; i = hay.indexOf('\n', i + 1)) newlines.push(i);
    }
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid] < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/**
 * Every line holding a copy of each needle, at most one hit per (needle, line, match);
 * a whitespace-normalised hit is dropped on a line that already has an exact one.
 */
export function findInContent(buf: Buffer, mode: MatchMode, needles: readonly PreparedNeedle[]): LineHit[] {
  const hay = buf.toString(mode === 'text' ? 'utf8' : 'latin1');
  const lineAt = lineLocator(hay);
  const hits: LineHit[] = [];
  for (const n of needles) {
    const exact = mode === 'text' ? n.text : n.bytes;
    const exactLines = new Set<number>();
    for (let i = hay.indexOf(exact); i !== -1; i = hay.indexOf(exact, i + 1)) exactLines.add(lineAt(i));
    for (const line of exactLines) hits.push({ needleIndex: n.index, line, match: 'exact' });
    const ws = mode === 'text' ? n.textWs : n.bytesWs;
    if (!ws) continue;
    const wsLines = new Set<number>();
    ws.lastIndex = 0;
    for (let m = ws.exec(hay); m; m = ws.exec(hay)) {
      const line = lineAt(m.index);
      if (!exactLines.has(line)) wsLines.add(line);
    }
    for (const line of wsLines) hits.push({ needleIndex: n.index, line, match: 'whitespace-normalised' });
  }
  return hits;
}

export function modeFor(buf: Buffer, forceBytes: boolean): MatchMode {
  return forceBytes || isBinary(buf) ? 'bytes' : 'text';
}
