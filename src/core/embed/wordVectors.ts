import { existsSync, readFileSync } from 'node:fs';
import { embedEach } from './embedEach';
import { join } from 'node:path';
import { UserError } from '../errors';
import { tokenize } from '../explore/keywords';
import type { Embedder } from './types';
import { decodeWordVectors, type WordVectorTable } from './wordVectorsAsset';

/**
 * A static word-vector embedder (the fastText-average / model2vec idea): the mean of pre-trained
 * GloVe vectors of a text's words. Opt-in (`--embedder words`), never the default: it knows what
 * words mean (groups news by topic where feature hashing only matches spellings), so clusters and
 * their keywords read as topics, but it knows nothing of words outside its English vocabulary.
 *
 * Specification of `words-glove100-v1` (changing any line below changes vectors: bump the version):
 * 1. Text → `text.normalize('NFC')`, then the keywords tokenizer (explore/keywords.ts `tokenize`):
 *    lower-cased maximal runs of letters and digits (\p{L}\p{N}), inner ' ’ - kept, ’ read as '.
 * 2. A token found in the asset's vocabulary is one word occurrence. A token not found that holds
 *    ' or - is split there, and each part found is one occurrence ("world's" → world, "rebel-held"
 *    → rebel, held, when not found whole). Everything else is skipped. The vocabulary (scripts/build-word-vectors.mjs) is the
 *    20,000 most frequent GloVe words left after removing the keywords stop list (function words,
 *    HTML/web residue: gt, quot, href, www…), bare numbers and one-character tokens, so those are
 *    skipped here too, frozen by the asset's hash.
 * 3. v = Σ over occurrences, in text order, of scale_w · q_w (each coordinate in float64; q_w is the
 *    word's int8 row, scale_w its float32 scale). Every occurrence weighs 1.
 * 4. Divide by the L2 norm (√ of squares summed in index order). A text with no known word gives
 *    the ZERO vector, as in hashing.
 * Only + × ÷ √ on float64 are used, in a fixed order, so the bits are the same on every machine.
 * (\p{L} follows the engine's Unicode tables: a character assigned in a newer Unicode version than
 * the engine knows splits a word there; no such character is in the vocabulary.)
 */
export const WORDS_VERSION = 'v1';

/** The asset this version is defined on: its payload hash is checked on load. */
export const WORDS_ASSET = {
  file: 'glove-100d-20k.bin',
  sha256: 'e27b9a1be0cd66318fc03854f01a04eb846c09dccb80fcbf32ecbb3a35a76afe',
} as const;

export const WORDS_EMBEDDER_ID = `words-glove100-${WORDS_VERSION}-${WORDS_ASSET.sha256.slice(0, 12)}-d100`;

interface LoadedTable {
  readonly table: WordVectorTable;
  readonly index: ReadonlyMap<string, number>;
}

/** Loaded once per process per file, on first use (never at extension activation). */
const loaded = new Map<string, LoadedTable>();

/**
 * Where the asset lies: next to the bundle's folder when running from dist/ (the repository or
 * the installed extension: `assets/` is packaged beside `dist/`), or at the repository root when
 * this file runs from src/core/embed (tests).
 */
export function wordVectorsAssetPath(): string {
  const candidates = [join(__dirname, '..', 'assets', 'word-vectors', WORDS_ASSET.file), join(__dirname, '..', '..', '..', 'assets', 'word-vectors', WORDS_ASSET.file)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new UserError(`The word-vector asset ${WORDS_ASSET.file} is missing (looked in ${candidates.join(', ')}): reinstall the extension`, 'unavailable');
  return found;
}

function load(path: string, expectedSha256: string): LoadedTable {
  const cached = loaded.get(path);
  if (cached) return cached;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`Cannot read the word-vector asset ${path}: ${(e as Error).message.split('\n')[0]}`, 'unavailable');
  }
  const table = decodeWordVectors(bytes, path);
  if (table.sha256 !== expectedSha256) {
    throw new UserError(
      `The word-vector asset ${path} is not the one ${WORDS_EMBEDDER_ID} is defined on (SHA-256 ${table.sha256.slice(0, 12)}…): reinstall the extension`,
      'input',
    );
  }
  const index = new Map<string, number>();
  table.words.forEach((w, j) => index.set(w, j));
  const entry = { table, index };
  loaded.set(path, entry);
  return entry;
}

export interface WordVectorEmbedderOptions {
  /** For tests: another asset file and the payload hash it must have. */
  asset?: { path: string; sha256: string };
}

export class WordVectorEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;

  private constructor(private readonly vectors: LoadedTable) {
    this.dimension = vectors.table.dimension;
    this.id = `words-glove100-${WORDS_VERSION}-${vectors.table.sha256.slice(0, 12)}-d${this.dimension}`;
  }

  /** Reads and checks the asset (once per process); a damaged or foreign asset is a UserError. */
  static create(opts: WordVectorEmbedderOptions = {}): WordVectorEmbedder {
    const asset = opts.asset ?? { path: wordVectorsAssetPath(), sha256: WORDS_ASSET.sha256 };
    return new WordVectorEmbedder(load(asset.path, asset.sha256));
  }

  /** Vocabulary rows of the text's word occurrences, in text order (steps 1–2). */
  private occurrences(text: string): number[] {
    const { index } = this.vectors;
    const rows: number[] = [];
    for (const token of tokenize(text.normalize('NFC'))) {
      const j = index.get(token);
      if (j !== undefined) rows.push(j);
      else if (/['-]/.test(token)) {
        for (const part of token.split(/['-]/)) {
          const p = index.get(part);
          if (p !== undefined) rows.push(p);
        }
      }
    }
    return rows;
  }

  /** Synchronous core: one text → one L2-normalised vector (or the zero vector, see step 4). */
  embedText(text: string): Float64Array {
    const { scales, quantized } = this.vectors.table;
    const d = this.dimension;
    const v = new Float64Array(d);
    for (const j of this.occurrences(text)) {
      const s = scales[j];
      const base = j * d;
      for (let i = 0; i < d; i++) v[i] += s * quantized[base + i];
    }
    let sq = 0;
    for (let i = 0; i < d; i++) sq += v[i] * v[i];
    if (sq > 0) {
      const norm = Math.sqrt(sq);
      for (let i = 0; i < d; i++) v[i] /= norm;
    }
    return v;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float64Array[]> {
    return embedEach(texts, (t) => this.embedText(t), signal);
  }
}
