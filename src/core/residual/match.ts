import { buildAutomaton, forEachOutput, type ByteAutomaton } from './ahoCorasick';
import type { PreparedNeedle } from './needles';
import type { ResidualMatch } from './types';
import { LiteralMatcher } from './literal';
import { ASCII_WS, UNICODE_WS_LEAD, UNICODE_WS_PREFIX } from './whitespace';

/** `text`: UTF-8 text (Unicode whitespace counts as whitespace); `bytes`: raw bytes, for binary files and the tool's own folders (ASCII whitespace only). */
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

export function modeFor(buf: Buffer, forceBytes: boolean): MatchMode {
  return forceBytes || isBinary(buf) ? 'bytes' : 'text';
}

const NL = 0x0a;
const SPACE = 0x20;

interface ExactPattern {
  needle: number;
  /** Newlines before the pattern's last byte: its first byte's line is the last byte's minus this. */
  newlines: number;
}

interface NormalisedSide {
  automaton: ByteAutomaton;
  needle: Int32Array;
  /** Whitespace runs inside the pattern (its words - 1). */
  runs: Int32Array;
  maxRuns: number;
}

/**
 * Every needle of a scan, in every form, compiled once: one automaton for exact copies (the
 * text's UTF-8 bytes and its JSON-escaped forms) over the raw bytes, and per mode one for the
 * whitespace-normalised forms over the same bytes with each whitespace run read as one space.
 * Each content is read once, whatever the number of needles.
 */
export class NeedleMatcher implements ContentMatcher {
  readonly needles: readonly PreparedNeedle[];
  readonly exact: ByteAutomaton;
  readonly exactInfo: ExactPattern[];
  readonly text: NormalisedSide | undefined;
  readonly bytes: NormalisedSide | undefined;

  constructor(needles: readonly PreparedNeedle[]) {
    this.needles = needles;
    const exact: Uint8Array[] = [];
    this.exactInfo = [];
    needles.forEach((n, i) => {
      for (const form of [n.text, ...n.jsonForms]) {
        const bytes = Buffer.from(form, 'utf8');
        exact.push(bytes);
        this.exactInfo.push({ needle: i, newlines: countNewlines(bytes.subarray(0, bytes.length - 1)) });
      }
    });
    this.exact = buildAutomaton(exact);
    this.text = normalisedSide(needles, (n) => (n.textNormalised === undefined ? undefined : Buffer.from(n.textNormalised, 'utf8')));
    this.bytes = normalisedSide(needles, (n) => (n.bytesNormalised === undefined ? undefined : Buffer.from(n.bytesNormalised, 'latin1')));
  }

  /** A scan of one content, fed in chunks of any size. */
  start(mode: MatchMode): ContentScan {
    return new ContentScan(this, mode);
  }

  /** Every hit in one whole content. */
  scan(buf: Uint8Array, mode: MatchMode): LineHit[] {
    const s = this.start(mode);
    s.feed(buf);
    return s.end();
  }
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(NL); i !== -1; i = b.indexOf(NL, i + 1)) n++;
  return n;
}

function normalisedSide(needles: readonly PreparedNeedle[], form: (n: PreparedNeedle) => Uint8Array | undefined): NormalisedSide | undefined {
  const patterns: Uint8Array[] = [];
  const needle: number[] = [];
  const runs: number[] = [];
  needles.forEach((n, i) => {
    const p = form(n);
    if (!p) return;
    patterns.push(p);
    needle.push(i);
    let r = 0;
    for (const b of p) if (b === SPACE) r++;
    runs.push(r);
  });
  if (patterns.length === 0) return undefined;
  return { automaton: buildAutomaton(patterns), needle: Int32Array.from(needle), runs: Int32Array.from(runs), maxRuns: Math.max(...runs) };
}

/**
 * One content's scan. State (automaton states, line, the current whitespace run, held-back bytes
 * of a possible Unicode space) carries across chunks, so a copy split between two reads is found.
 */
export class ContentScan implements ContentScanner {
  private readonly m: NeedleMatcher;
  private readonly unicode: boolean;
  private readonly side: NormalisedSide | undefined;
  private exactState = 0;
  private wsState = 0;
  /** 1-based line of the next byte. */
  private line = 1;
  private inRun = false;
  private runNewlines = 0;
  /** Whitespace runs closed so far, and a ring of the newline total after each of the latest ones. */
  private runsClosed = 0;
  private newlineTotal = 0;
  private readonly ring: Float64Array;
  /** Bytes (big-endian in an int) held back while they may still be a Unicode space; pendingLen of them. */
  private pending = 0;
  private pendingLen = 0;
  private readonly exactLines: Set<number>[];
  private readonly wsLines: Set<number>[];

  constructor(m: NeedleMatcher, mode: MatchMode) {
    this.m = m;
    this.unicode = mode === 'text';
    this.side = mode === 'text' ? m.text : m.bytes;
    this.ring = new Float64Array((this.side?.maxRuns ?? 0) + 1);
    this.exactLines = m.needles.map(() => new Set());
    this.wsLines = m.needles.map(() => new Set());
  }

  feed(chunk: Uint8Array): void {
    const a = this.m.exact;
    const { delta, classOf, classCount } = a;
    const side = this.side;
    // States are kept as table rows (state * classCount); a negative entry marks an output.
    let s = this.exactState * classCount;
    let line = this.line;
    if (!side) {
      // Exact forms only: one lookup per byte.
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        s = delta[s + classOf[b]];
        if (s < 0) {
          s = ~s;
          this.exactHit(s / classCount, line);
        }
        if (b === NL) line++;
      }
      this.exactState = s / classCount;
      this.line = line;
      return;
    }
    // Exact and normalised automata side by side, the common bytes inline; possible Unicode
    // spaces (text mode) and hits leave the loop's locals for the methods below.
    const w = side.automaton;
    const wDelta = w.delta;
    const wClassOf = w.classOf;
    const wCount = w.classCount;
    const spaceClass = wClassOf[SPACE];
    const unicode = this.unicode;
    let ws = this.wsState * wCount;
    let inRun = this.inRun;
    let runNewlines = this.runNewlines;
    let pending = this.pendingLen > 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      s = delta[s + classOf[b]];
      if (s < 0) {
        s = ~s;
        this.exactHit(s / classCount, line);
      }
      if (pending || (unicode && UNICODE_WS_LEAD[b] === 1)) {
        this.wsState = ws / wCount;
        this.inRun = inRun;
        this.runNewlines = runNewlines;
        this.line = line;
        this.normalisedByte(b);
        ws = this.wsState * wCount;
        inRun = this.inRun;
        runNewlines = this.runNewlines;
        pending = this.pendingLen > 0;
      } else if (ASCII_WS[b] === 1) {
        if (!inRun) {
          inRun = true;
          runNewlines = 0;
          ws = wDelta[ws + spaceClass]; // no normalised pattern ends in a space: an output mark here is not a hit
          if (ws < 0) ws = ~ws;
        }
        if (b === NL) runNewlines++;
      } else {
        if (inRun) {
          inRun = false;
          this.newlineTotal += runNewlines;
          this.runsClosed++;
          this.ring[this.runsClosed % this.ring.length] = this.newlineTotal;
        }
        ws = wDelta[ws + wClassOf[b]];
        if (ws < 0) {
          ws = ~ws;
          this.line = line;
          this.normalisedHit(ws / wCount);
        }
      }
      if (b === NL) line++;
    }
    this.exactState = s / classCount;
    this.line = line;
    this.wsState = ws / wCount;
    this.inRun = inRun;
    this.runNewlines = runNewlines;
  }

  /** All hits so far, the content being complete: per needle, exact lines then normalised ones on other lines. */
  end(): LineHit[] {
    this.flushPending();
    const out: LineHit[] = [];
    this.m.needles.forEach((n, i) => {
      const exact = [...this.exactLines[i]].sort((x, y) => x - y);
      for (const line of exact) out.push({ needleIndex: n.index, line, match: 'exact' });
      const ws = [...this.wsLines[i]].filter((l) => !this.exactLines[i].has(l)).sort((x, y) => x - y);
      for (const line of ws) out.push({ needleIndex: n.index, line, match: 'whitespace-normalised' });
    });
    return out;
  }

  private exactHit(s: number, line: number): void {
    forEachOutput(this.m.exact, s, (id) => {
      const p = this.m.exactInfo[id];
      this.exactLines[p.needle].add(line - p.newlines);
    });
  }

  /** One raw byte into the whitespace-collapsing reader (text mode holds back possible Unicode spaces). */
  private normalisedByte(b: number): void {
    if (this.pendingLen > 0) {
      const key = (this.pending << 8) | b;
      const kind = UNICODE_WS_PREFIX.get(key);
      if (kind === 1) {
        this.pending = key;
        this.pendingLen++;
        return;
      }
      if (kind === 2) {
        this.pending = 0;
        this.pendingLen = 0;
        this.whitespace(false);
        return;
      }
      this.flushPending();
    }
    if (ASCII_WS[b] === 1) this.whitespace(b === NL);
    else if (this.unicode && UNICODE_WS_LEAD[b] === 1) {
      this.pending = b;
      this.pendingLen = 1;
    } else this.word(b);
  }

  /** Held-back bytes that turned out not to be a Unicode space are word bytes. */
  private flushPending(): void {
    const len = this.pendingLen;
    const bytes = this.pending;
    this.pending = 0;
    this.pendingLen = 0;
    for (let k = len - 1; k >= 0; k--) this.word((bytes >>> (8 * k)) & 0xff);
  }

  private whitespace(newline: boolean): void {
    if (!this.inRun) {
      this.inRun = true;
      this.runNewlines = 0;
      this.step(SPACE);
    }
    if (newline) this.runNewlines++;
  }

  private word(b: number): void {
    if (this.inRun) {
      this.inRun = false;
      this.newlineTotal += this.runNewlines;
      this.runsClosed++;
      this.ring[this.runsClosed % this.ring.length] = this.newlineTotal;
    }
    this.step(b);
  }

  private step(b: number): void {
    const side = this.side!;
    const a = side.automaton;
    this.wsState = a.next[this.wsState * a.classCount + a.classOf[b]];
    if (a.hasOutput[this.wsState] === 1 && b !== SPACE) this.normalisedHit(this.wsState); // a normalised pattern ends in a word byte
  }

  private normalisedHit(state: number): void {
    const side = this.side!;
    forEachOutput(side.automaton, state, (id) => {
      const runs = side.runs[id];
      // Newlines inside the copy all sit in its whitespace runs: the last `runs` closed ones.
      const inside = this.newlineTotal - (runs === 0 ? this.newlineTotal : this.ring[(this.runsClosed - runs) % this.ring.length]);
      this.wsLines[side.needle[id]].add(this.line - inside);
    });
  }
}

/** One content's scan, fed in chunks of any size; `end` gives every hit (ContentScan, LiteralScan). */
export interface ContentScanner {
  feed(chunk: Uint8Array): void;
  end(): LineHit[];
}

/** A compiled needle list (NeedleMatcher, LiteralMatcher): both report exactly the same hits. */
export interface ContentMatcher {
  start(mode: MatchMode): ContentScanner;
  scan(buf: Uint8Array, mode: MatchMode): LineHit[];
}

/**
 * Up to this many searched literals (exact forms plus normalised anchors, in the larger mode),
 * one native indexOf pass per literal beats one automaton step per byte in JS; above it, the
 * automaton's cost does not grow with the needles. On the 60k workspace with 10 git revisions
 * (bench/residual-scan.mjs, both builds in one run) the CPU the scan adds fell from 2170 to 1440 ms
 * with 1 text (2 literals), while `erase scan` of 20 texts (40 literals) cost the same both ways
 * (2850 against 2780 ms): the limit stays well below that, about 12 plain erased texts. Since an
 * exact form holding its anchor rides on the anchor's pass (literal.ts), a plain text is one
 * literal, not two: the limit is 12 literals, still about 12 texts (`erase scan`, 60k workspace,
 * same run: 12 texts 0.86–0.97 s by 12 passes against 1.04–1.06 s by 24; 13 and 20 texts, by the
 * automaton either way, 0.99–1.03 against 0.93–1.08 s).
 */
export const LITERAL_MATCHER_MAX_LITERALS = 12;

const compiled = new WeakMap<readonly PreparedNeedle[], ContentMatcher>();

/** The matcher for a needle list, compiled once per list: literal search for few needles, the automaton for many. */
export function matcherFor(needles: readonly PreparedNeedle[]): ContentMatcher {
  let m = compiled.get(needles);
  if (!m) {
    const literal = new LiteralMatcher(needles, () => new NeedleMatcher(needles));
    m = Math.max(literal.literals.text.length, literal.literals.bytes.length) <= LITERAL_MATCHER_MAX_LITERALS ? literal : literal.fallback();
    compiled.set(needles, m);
  }
  return m;
}

/**
 * Every line holding a copy of each needle, at most one hit per (needle, line, match);
 * a whitespace-normalised hit is dropped on a line that already has an exact one.
 */
export function findInContent(buf: Uint8Array, mode: MatchMode, needles: readonly PreparedNeedle[]): LineHit[] {
  return matcherFor(needles).scan(buf, mode);
}
