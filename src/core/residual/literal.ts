import type { ContentMatcher, ContentScanner, LineHit, MatchMode } from './match';
import type { PreparedNeedle } from './needles';
import { ASCII_WS, UNICODE_WS_KEYS } from './whitespace';

/**
 * The residual scan's matcher for few needles: each literal searched with Buffer#indexOf (native
 * Boyer–Moore–Horspool, several bytes skipped per step) instead of one automaton step per byte in
 * JS. It reports exactly what the Aho–Corasick NeedleMatcher reports (compared on random input in
 * test/unit/residual.literal.test.ts):
 * - exact forms (the text and its JSON-escaped forms) are searched whole, or, when the needle has
 *   an anchor (below) that the form holds, checked at each occurrence of the anchor: one pass per
 *   needle instead of two;
 * - a whitespace-normalised form `w0 w1 … wk-1` is found through its longest word (the anchor,
 *   which every copy holds literally) and checked around each occurrence: the words before and
 *   after, each whitespace run between them of any length.
 * Chunks are searched in batches of at least `batchBytes` (a seam of the previous maxLength − 1
 * bytes catches what a batch boundary splits), and kept until the content ends: line numbers and
 * the checks around anchors read them then. A content with suspiciously many occurrences
 * (periodic text built against the needles) is handed to the automaton, whose cost does not
 * depend on it.
 */
export class LiteralMatcher implements ContentMatcher {
  readonly needles: readonly PreparedNeedle[];
  /** Every exact form and, per mode, every distinct anchor: the literals searched. */
  readonly literals: Record<MatchMode, readonly Literal[]>;
  readonly maxLength: Record<MatchMode, number>;
  private automaton: ContentMatcher | undefined;

  constructor(
    needles: readonly PreparedNeedle[],
    private readonly makeAutomaton: () => ContentMatcher,
    /** Bytes gathered before a search pass (tests use tiny batches to exercise the seams). */
    readonly batchBytes = SEARCH_BATCH_BYTES,
  ) {
    this.needles = needles;
    const exactForms = (n: PreparedNeedle): Buffer[] => [n.text, ...n.jsonForms].map((f) => Buffer.from(f, 'utf8'));
    const side = (form: (n: PreparedNeedle) => Buffer[] | undefined): Literal[] => {
      const exact: Literal[] = [];
      const anchors = new Map<string, Literal>();
      needles.forEach((n, slot) => {
        const words = form(n);
        let lit: Literal | undefined;
        if (words) {
          let anchor = 0;
          words.forEach((w, i) => {
            if (w.length > words[anchor].length) anchor = i;
          });
          const key = words[anchor].toString('latin1');
          lit = anchors.get(key);
          if (!lit) anchors.set(key, (lit = { bytes: words[anchor], exactSlot: -1, phrases: [], riders: [] }));
          lit.phrases.push({ slot, words, anchor });
        }
        // An exact form holding the anchor is checked at the anchor's occurrences: one pass per needle, not two.
        for (const bytes of exactForms(n)) {
          const offset = lit ? bytes.indexOf(lit.bytes) : -1;
          if (lit && offset >= 0) lit.riders.push({ slot, bytes, offset });
          else exact.push({ bytes, exactSlot: slot, phrases: [], riders: [] });
        }
      });
      return [...exact, ...anchors.values()];
    };
    this.literals = {
      text: side((n) => n.textNormalised?.split(' ').map((w) => Buffer.from(w, 'utf8'))),
      bytes: side((n) => n.bytesNormalised?.split(' ').map((w) => Buffer.from(w, 'latin1'))),
    };
    const longest = (l: readonly Literal[]) => l.reduce((m, x) => Math.max(m, x.bytes.length), 1);
    this.maxLength = { text: longest(this.literals.text), bytes: longest(this.literals.bytes) };
  }

  private scratch: Buffer | undefined;

  /** A reused buffer of at least `bytes` for one search pass (scans feed one at a time: feed is synchronous). */
  scratchFor(bytes: number): Buffer {
    if (!this.scratch || this.scratch.length < bytes) this.scratch = Buffer.allocUnsafe(Math.max(bytes, this.batchBytes + (64 << 10)));
    return this.scratch.subarray(0, bytes);
  }

  /** The automaton for the same needles, built on first need. */
  fallback(): ContentMatcher {
    return (this.automaton ??= this.makeAutomaton());
  }

  start(mode: MatchMode): ContentScanner {
    return new LiteralScan(this, mode);
  }

  scan(buf: Uint8Array, mode: MatchMode): LineHit[] {
    const s = this.start(mode);
    s.feed(buf);
    return s.end();
  }
}

interface Phrase {
  /** Index into the matcher's needles. */
  slot: number;
  words: Buffer[];
  /** Which word is the literal searched. */
  anchor: number;
}

interface Literal {
  bytes: Buffer;
  /** An exact form of this needle slot, or -1 for an anchor. */
  exactSlot: number;
  /** The normalised forms anchored on this literal. */
  phrases: Phrase[];
  /** Exact forms holding this anchor (first at `offset`): every copy of one holds the anchor there, so they are checked at its occurrences instead of searched. */
  riders: Rider[];
}

interface Rider {
  /** Index into the matcher's needles. */
  slot: number;
  bytes: Buffer;
  offset: number;
}

const NL = 0x0a;
/**
 * Each Buffer#indexOf call starts its search afresh (a linear first phase before it settles into
 * Boyer–Moore–Horspool), so searching git's 64 KiB pipe reads one by one cost twice as much as
 * searching the same bytes in MiB batches (measured on the 60k data file: 215 against 108 ms for
 * 65 MB with one needle). Joining 64 KiB reads into a batch copies them once, at memcpy speed.
 */
const SEARCH_BATCH_BYTES = 1 << 20;
/** Occurrences per content beyond which the automaton takes over (plus one per this many bytes). */
const OCCURRENCE_ALLOWANCE = 4096;
const BYTES_PER_OCCURRENCE = 64;
/** Bytes looked at around anchors beyond which the automaton takes over (plus this many per content byte). */
const CHECK_ALLOWANCE = 1 << 20;
const CHECK_BYTES_PER_BYTE = 8;

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

class LiteralScan implements ContentScanner {
  private readonly chunks: Buffer[] = [];
  /** Offset of each kept chunk in the content. */
  private readonly starts: number[] = [];
  private length = 0;
  /** The content's last maxLength − 1 bytes before the current chunk (a copy: it is small). */
  private seam: Buffer = Buffer.alloc(0);
  /** Where each literal occurs (first byte's offset), by literal. */
  private readonly found: number[][];
  private occurrences = 0;
  private automaton: ContentScanner | undefined;
  /** Chunk index of the last byteAt read (reads walk nearby bytes). */
  private cursor = 0;
  /** Reads not searched yet (kept, not copied, until a batch is full). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Search passes so far (one per batch): what batching saves, visible to tests. */
  searches = 0;

  constructor(
    private readonly m: LiteralMatcher,
    private readonly mode: MatchMode,
  ) {
    this.found = m.literals[mode].map(() => []);
  }

  feed(input: Uint8Array): void {
    if (this.automaton) return this.automaton.feed(input);
    if (input.length === 0) return;
    this.pending.push(asBuffer(input));
    this.pendingBytes += input.length;
    if (this.pendingBytes >= this.m.batchBytes) this.searchPending();
  }

  /**
   * Searches what was fed since the last pass as one buffer: the reads are copied into the
   * matcher's scratch buffer (reused, so no fresh memory is faulted in per batch: Buffer.concat
   * into new 1 MiB buffers cost 48–470 ms per 65 MB here, the copy into a reused one 5–10 ms), and
   * the reads themselves are kept for the line numbers and the checks around anchors.
   */
  private searchPending(): void {
    if (this.pendingBytes === 0) return;
    const parts = this.pending;
    const view = parts.length === 1 ? parts[0] : this.m.scratchFor(this.pendingBytes);
    if (parts.length > 1) {
      let o = 0;
      for (const p of parts) o += p.copy(view, o);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.search(view, parts);
  }

  /** Searches `view` (the bytes of `parts`, in order) and keeps the parts. */
  private search(view: Buffer, parts: readonly Buffer[]): void {
    this.searches++;
    const literals = this.m.literals[this.mode];
    const base = this.length;
    const carry = this.seam.length;
    // Across the boundary: occurrences that start in the seam and end in this batch.
    const joint = carry > 0 ? Buffer.concat([this.seam, view.subarray(0, this.m.maxLength[this.mode] - 1)]) : undefined;
    let handOver = false;
    for (let l = 0; l < literals.length && !handOver; l++) {
      const lit = literals[l].bytes;
      const out = this.found[l];
      if (joint) {
        for (let i = joint.indexOf(lit, Math.max(0, carry - lit.length + 1)); i !== -1 && i < carry; i = joint.indexOf(lit, i + 1)) out.push(base - carry + i);
      }
      for (let i = view.indexOf(lit); i !== -1; i = view.indexOf(lit, i + 1)) {
        out.push(base + i);
        if (++this.occurrences > OCCURRENCE_ALLOWANCE + (base + view.length) / BYTES_PER_OCCURRENCE) {
          handOver = true;
          break;
        }
      }
    }
    for (const p of parts) {
      this.chunks.push(p);
      this.starts.push(this.length);
      this.length += p.length;
    }
    if (handOver) return this.handOver();
    const keep = this.m.maxLength[this.mode] - 1;
    if (keep === 0) return;
    if (view.length >= keep) this.seam = Buffer.from(view.subarray(view.length - keep));
    else {
      const joined = Buffer.concat([this.seam, view]);
      this.seam = joined.subarray(Math.max(0, joined.length - keep));
    }
  }

  end(): LineHit[] {
    if (!this.automaton) this.searchPending();
    if (this.automaton) return this.automaton.end();
    const literals = this.m.literals[this.mode];
    const slots = this.m.needles.length;
    const exactAt: number[][] = Array.from({ length: slots }, () => []);
    const normalisedAt: number[][] = Array.from({ length: slots }, () => []);
    let budget = CHECK_ALLOWANCE + CHECK_BYTES_PER_BYTE * this.length;
    for (let l = 0; l < literals.length; l++) {
      const lit = literals[l];
      for (const at of this.found[l]) {
        if (lit.exactSlot >= 0) exactAt[lit.exactSlot].push(at);
        for (const r of lit.riders) {
          budget -= r.bytes.length;
          if (this.wordAt(at - r.offset, r.bytes)) exactAt[r.slot].push(at - r.offset);
        }
        for (const p of lit.phrases) {
          const r = this.phraseStart(p, at);
          budget -= r.cost;
          if (budget < 0) {
            this.handOver();
            return this.automaton!.end();
          }
          if (r.start >= 0) normalisedAt[p.slot].push(r.start);
        }
      }
    }
    const lineOf = this.lines([...exactAt.flat(), ...normalisedAt.flat()]);
    const out: LineHit[] = [];
    this.m.needles.forEach((n, slot) => {
      const exact = new Set(exactAt[slot].map((o) => lineOf.get(o)!));
      for (const line of [...exact].sort((x, y) => x - y)) out.push({ needleIndex: n.index, line, match: 'exact' });
      const ws = new Set(normalisedAt[slot].map((o) => lineOf.get(o)!).filter((line) => !exact.has(line)));
      for (const line of [...ws].sort((x, y) => x - y)) out.push({ needleIndex: n.index, line, match: 'whitespace-normalised' });
    });
    this.chunks.length = 0;
    return out;
  }

  /** Too many occurrences to check one by one: the automaton reads the content so far and the rest. */
  private handOver(): void {
    const a = this.m.fallback().start(this.mode);
    for (const c of this.chunks) a.feed(c);
    this.chunks.length = 0;
    this.automaton = a;
  }

  /** 1-based line of each offset, counting newlines once through the kept chunks. */
  private lines(offsets: number[]): Map<number, number> {
    const sorted = [...new Set(offsets)].sort((a, b) => a - b);
    const out = new Map<number, number>();
    let line = 1;
    let c = 0;
    let pos = 0; // newlines counted before this offset
    for (const target of sorted) {
      while (pos < target) {
        while (this.starts[c] + this.chunks[c].length <= pos) c++;
        const chunk = this.chunks[c];
        const stop = Math.min(target - this.starts[c], chunk.length);
        for (let i = chunk.indexOf(NL, pos - this.starts[c]); i !== -1 && i < stop; i = chunk.indexOf(NL, i + 1)) line++;
        pos = this.starts[c] + stop;
      }
      out.set(target, line);
    }
    return out;
  }

  /** The content's byte at an offset, or -1 outside it. */
  private byteAt(pos: number): number {
    if (pos < 0 || pos >= this.length) return -1;
    let c = this.cursor;
    if (pos < this.starts[c] || pos >= this.starts[c] + this.chunks[c].length) {
      let lo = 0;
      let hi = this.chunks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.starts[mid] <= pos) lo = mid;
        else hi = mid - 1;
      }
      this.cursor = c = lo;
    }
    return this.chunks[c][pos - this.starts[c]];
  }

  /** Length of the whitespace character ending at pos (its last byte), or 0. */
  private spaceEndingAt(pos: number): number {
    const b = this.byteAt(pos);
    if (b < 0) return 0;
    if (ASCII_WS[b] === 1) return 1;
    if (this.mode !== 'text' || b < 0x80) return 0;
    const b1 = this.byteAt(pos - 1);
    if (b1 < 0) return 0;
    if (UNICODE_WS_KEYS.has((b1 << 8) | b)) return 2;
    const b2 = this.byteAt(pos - 2);
    return b2 >= 0 && UNICODE_WS_KEYS.has((b2 << 16) | (b1 << 8) | b) ? 3 : 0;
  }

  /** Length of the whitespace character starting at pos, or 0. */
  private spaceStartingAt(pos: number): number {
    const b = this.byteAt(pos);
    if (b < 0) return 0;
    if (ASCII_WS[b] === 1) return 1;
    if (this.mode !== 'text' || b < 0x80) return 0;
    const b1 = this.byteAt(pos + 1);
    if (b1 < 0) return 0;
    if (UNICODE_WS_KEYS.has((b << 8) | b1)) return 2;
    const b2 = this.byteAt(pos + 2);
    return b2 >= 0 && UNICODE_WS_KEYS.has((b << 16) | (b1 << 8) | b2) ? 3 : 0;
  }

  private wordAt(pos: number, w: Buffer): boolean {
    if (pos < 0 || pos + w.length > this.length) return false;
    for (let i = 0; i < w.length; i++) if (this.byteAt(pos + i) !== w[i]) return false;
    return true;
  }

  /**
   * Where the normalised copy around an anchor occurrence starts, or -1. With whitespace runs
   * collapsed, the copy reads `w0 w1 … wk-1`: w0 ends a word, wk-1 begins one, the words between
   * are whole words, and the runs between them are whitespace of any length. Words hold no
   * whitespace character and are whole UTF-8, so their bytes are word bytes wherever they occur.
   */
  private phraseStart(p: Phrase, at: number): { start: number; cost: number } {
    const { words, anchor } = p;
    const last = words.length - 1;
    let cost = words[anchor].length;
    const fail = { start: -1, cost };
    let pos = at;
    for (let i = anchor - 1; i >= 0; i--) {
      let n = this.spaceEndingAt(pos - 1);
      if (n === 0) return fail;
      while (n > 0) {
        pos -= n;
        cost++;
        n = this.spaceEndingAt(pos - 1);
      }
      const w = words[i];
      cost += w.length;
      if (!this.wordAt(pos - w.length, w)) return { start: -1, cost };
      pos -= w.length;
      if (i > 0 && this.spaceEndingAt(pos - 1) === 0) return { start: -1, cost };
    }
    const start = pos;
    pos = at + words[anchor].length;
    for (let i = anchor + 1; i <= last; i++) {
      let n = this.spaceStartingAt(pos);
      if (n === 0) return { start: -1, cost };
      while (n > 0) {
        pos += n;
        cost++;
        n = this.spaceStartingAt(pos);
      }
      const w = words[i];
      cost += w.length;
      if (!this.wordAt(pos, w)) return { start: -1, cost };
      pos += w.length;
      if (i < last && this.spaceStartingAt(pos) === 0) return { start: -1, cost };
    }
    return { start, cost };
  }
}
