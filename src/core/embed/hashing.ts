import { fmix32 } from '../hash';
import { embedEach } from './embedEach';
import type { Embedder } from './types';

/**
 * The default embedder: feature hashing, no weights, a pure function of the text (ALGORITHMS.md §2).
 *
 * Specification of `hashing-v1` (changing any line below changes vectors: bump the version):
 * 1. Text → `text.normalize('NFC').toLowerCase()`, so composed and decomposed accents agree.
 *    (Both use the engine's Unicode tables; they are stable for characters assigned long ago.)
 * 2. Scan code points, writing UTF-8 bytes to a char stream: every run of whitespace (the fixed
 *    list in `isSpace`) becomes one U+0020, leading/trailing whitespace is dropped, and the stream
 *    is padded with one U+0020 at each end so character n-grams see word boundaries.
 *    Lone surrogates become U+FFFD.
 * 3. Words = maximal runs of word characters: ASCII a-z 0-9, and any non-ASCII code point that is
 *    neither whitespace nor in the fixed punctuation ranges of `isPunct`. Ranges are hard-coded
 *    (not \p{…}) so the split does not depend on the engine's Unicode version.
 * 4. Features, each hashed with 32-bit FNV-1a over UTF-8 bytes, started by one family tag byte:
 *      'w' + word                        weight 1
 *      'b' + word1 + ' ' + word2         weight 0.75  (consecutive words)
 *      'c' + n consecutive stream chars  weight 0.25  (n = 3, 4, 5; code points, not bytes)
 *    then finalised with murmur3's fmix32. Features with equal finalised hashes are the same feature.
 * 5. Each distinct feature adds sign · weight · √tf to coordinate (h mod d), sign = + if bit 31 of
 *    h is 0, else −; features are added in order of first occurrence.
 * 6. Divide by the L2 norm (√ of squares summed in index order). A text with no features (empty or
 *    only whitespace) gives the ZERO vector: there is nothing to normalise, and inventing a
 *    direction would be arbitrary; clustering must treat it as a point at the origin.
 * Only + − × ÷ √ and 32-bit integer operations are used, so the bits are the same on every machine.
 */
export const HASHING_VERSION = 'v1';
export const HASHING_DEFAULT_DIMENSION = 512;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TAG_WORD = 0x77; // 'w'
const TAG_BIGRAM = 0x62; // 'b'
const TAG_CHAR = 0x63; // 'c'
const FAM_WORD = 0;
const FAM_BIGRAM = 1;
const FAM_CHAR = 2;
const WEIGHTS = [1, 0.75, 0.25] as const;
const CHAR_MIN = 3;
const CHAR_MAX = 5;

function fnvByte(h: number, b: number): number {
  return Math.imul(h ^ b, FNV_PRIME) >>> 0;
}

// fmix32 (core/hash.ts) finishes FNV-1a: its low bits are weak, and the bucket is taken from the low bits.
export { fmix32 };

/** 32-bit FNV-1a over bytes (exported for tests and documentation). */
export function fnv1a32(bytes: ArrayLike<number>, start = 0, end = bytes.length, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = start; i < end; i++) h = fnvByte(h, bytes[i]);
  return h;
}

function isSpace(cp: number): boolean {
  return (
    (cp >= 0x09 && cp <= 0x0d) ||
    cp === 0x20 ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000 ||
    cp === 0xfeff
  );
}

/** Non-word code points besides whitespace (ASCII punctuation and controls handled by the caller). */
function isPunct(cp: number): boolean {
  return (
    cp < 0xc0 ||
    cp === 0xd7 ||
    cp === 0xf7 ||
    (cp >= 0x2000 && cp <= 0x206f) ||
    (cp >= 0x3000 && cp <= 0x303f) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff0f) ||
    (cp >= 0xff1a && cp <= 0xff20) ||
    (cp >= 0xff3b && cp <= 0xff40) ||
    (cp >= 0xff5b && cp <= 0xff65) ||
    cp === 0xfffd
  );
}

function isWordCp(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a);
  return !isSpace(cp) && !isPunct(cp);
}

/**
 * Reusable scratch space: the char stream and a feature table. One per embedder instance; the
 * embedder is synchronous inside, so no two texts ever share it at the same time.
 */
class Scratch {
  bytes = new Uint8Array(1024);
  starts = new Int32Array(256); // byte offset of each stream char, plus one past the end
  word = new Uint8Array(256); // 1 if the stream char is a word char
  nChars = 0;
  // open-addressing table keyed by finalised feature hash; `stamp` avoids clearing per text
  cap = 1024;
  keys = new Uint32Array(this.cap);
  counts = new Uint32Array(this.cap);
  fams = new Uint8Array(this.cap);
  stamp = new Int32Array(this.cap);
  gen = 0;
  order = new Int32Array(this.cap); // slots in order of first occurrence
  nFeatures = 0;

  ensureChars(nChars: number, nBytes: number): void {
    if (nBytes > this.bytes.length) this.bytes = new Uint8Array(Math.max(nBytes, this.bytes.length * 2));
    if (nChars + 1 > this.starts.length) {
      const n = Math.max(nChars + 1, this.starts.length * 2);
      this.starts = new Int32Array(n);
      this.word = new Uint8Array(n);
    }
  }

  beginText(maxFeatures: number): void {
    if (maxFeatures * 2 > this.cap) {
      let cap = this.cap;
      while (maxFeatures * 2 > cap) cap *= 2;
      this.cap = cap;
      this.keys = new Uint32Array(cap);
      this.counts = new Uint32Array(cap);
      this.fams = new Uint8Array(cap);
      this.stamp = new Int32Array(cap);
      this.order = new Int32Array(cap);
      this.gen = 0;
    }
    if (this.gen === 0x7fffffff) {
      this.stamp.fill(0);
      this.gen = 0;
    }
    this.gen++;
    this.nFeatures = 0;
  }

  add(rawHash: number, fam: number): void {
    const h = fmix32(rawHash);
    const mask = this.cap - 1;
    let slot = h & mask;
    for (;;) {
      if (this.stamp[slot] !== this.gen) {
        this.stamp[slot] = this.gen;
        this.keys[slot] = h;
        this.counts[slot] = 1;
        this.fams[slot] = fam;
        this.order[this.nFeatures++] = slot;
        return;
      }
      if (this.keys[slot] === h) {
        this.counts[slot]++;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }
}

/** Writes the normalised text's char stream (step 2) into `s`. */
function buildStream(text: string, s: Scratch): void {
  // Worst case: every UTF-16 unit → 3 bytes, plus the two padding spaces.
  s.ensureChars(text.length + 2, text.length * 3 + 2);
  const bytes = s.bytes;
  const starts = s.starts;
  const word = s.word;
  let nb = 0;
  let nc = 0;
  let pendingSpace = true; // the leading pad
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    }
    if (isSpace(cp)) {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace) {
      starts[nc] = nb;
      word[nc++] = 0;
      bytes[nb++] = 0x20;
      pendingSpace = false;
    }
    starts[nc] = nb;
    word[nc++] = isWordCp(cp) ? 1 : 0;
    if (cp < 0x80) bytes[nb++] = cp;
    else if (cp < 0x800) {
      bytes[nb++] = 0xc0 | (cp >> 6);
      bytes[nb++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      bytes[nb++] = 0xe0 | (cp >> 12);
      bytes[nb++] = 0x80 | ((cp >> 6) & 0x3f);
      bytes[nb++] = 0x80 | (cp & 0x3f);
    } else {
      bytes[nb++] = 0xf0 | (cp >> 18);
      bytes[nb++] = 0x80 | ((cp >> 12) & 0x3f);
      bytes[nb++] = 0x80 | ((cp >> 6) & 0x3f);
      bytes[nb++] = 0x80 | (cp & 0x3f);
    }
  }
  if (nc > 0) {
    starts[nc] = nb;
    word[nc++] = 0;
    bytes[nb++] = 0x20; // the trailing pad
  }
  starts[nc] = nb;
  s.nChars = nc;
}

/** Collects the features of the current stream (step 4) into the table. */
function collectFeatures(s: Scratch): void {
  const { bytes, starts, word, nChars } = s;
  // Upper bound of features: 3 char n-grams per position + a word and a bigram per char.
  s.beginText(nChars * 5 + 1);
  // Words and bigrams.
  let prevStart = -1;
  let prevEnd = -1;
  let c = 0;
  while (c < nChars) {
    if (!word[c]) {
      c++;
      continue;
    }
    let e = c + 1;
    while (e < nChars && word[e]) e++;
    const b0 = starts[c];
    const b1 = starts[e];
    s.add(fnv1a32(bytes, b0, b1, fnvByte(FNV_OFFSET, TAG_WORD)), FAM_WORD);
    if (prevStart >= 0) {
      let h = fnv1a32(bytes, prevStart, prevEnd, fnvByte(FNV_OFFSET, TAG_BIGRAM));
      h = fnvByte(h, 0x20);
      s.add(fnv1a32(bytes, b0, b1, h), FAM_BIGRAM);
    }
    prevStart = b0;
    prevEnd = b1;
    c = e;
  }
  // Character 3..5-grams, extending one hash per start position.
  const seed = fnvByte(FNV_OFFSET, TAG_CHAR);
  for (let i = 0; i + CHAR_MIN <= nChars; i++) {
    let h = seed;
    let b = starts[i];
    for (let n = 1; n <= CHAR_MAX && i + n <= nChars; n++) {
      const end = starts[i + n];
      for (; b < end; b++) h = Math.imul(h ^ bytes[b], FNV_PRIME) >>> 0;
      if (n >= CHAR_MIN) s.add(h, FAM_CHAR);
    }
  }
}

function project(s: Scratch, dimension: number): Float64Array {
  const v = new Float64Array(dimension);
  const mask = dimension - 1;
  for (let k = 0; k < s.nFeatures; k++) {
    const slot = s.order[k];
    const h = s.keys[slot];
    const x = WEIGHTS[s.fams[slot]] * Math.sqrt(s.counts[slot]);
    if (h & 0x80000000) v[h & mask] -= x;
    else v[h & mask] += x;
  }
  let sq = 0;
  for (let i = 0; i < dimension; i++) sq += v[i] * v[i];
  if (sq > 0) {
    const norm = Math.sqrt(sq);
    for (let i = 0; i < dimension; i++) v[i] /= norm;
  }
  return v;
}

export class HashingEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  private readonly scratch = new Scratch();

  constructor(dimension = HASHING_DEFAULT_DIMENSION) {
    if (!Number.isInteger(dimension) || dimension < 2 || dimension > 1 << 20 || (dimension & (dimension - 1)) !== 0) {
      throw new RangeError(`hashing dimension must be a power of two between 2 and 2^20, got ${dimension}`);
    }
    this.dimension = dimension;
    this.id = `hashing-${HASHING_VERSION}-d${dimension}`;
  }

  /** Synchronous core: one text → one L2-normalised vector (or the zero vector, see step 6). */
  embedText(text: string): Float64Array {
    buildStream(text.normalize('NFC').toLowerCase(), this.scratch);
    collectFeatures(this.scratch);
    return project(this.scratch, this.dimension);
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float64Array[]> {
    return embedEach(texts, (t) => this.embedText(t), signal);
  }
}
