import { createHash } from 'node:crypto';
import { UserError } from '../errors';

/**
 * The binary word-vector asset of the `words` embedder (written by scripts/build-word-vectors.mjs).
 *
 * Layout, little-endian:
 *   0   4 bytes  magic "ERWV"
 *   4   u32      format version (1)
 *   8   u32      dimension d
 *   12  u32      word count n
 *   16  u32      byte length w of the word list
 *   20  32 bytes SHA-256 of the payload (every byte from offset 52 to the end)
 *   52  payload: n float32 scales, then n·d int8 coordinates (word-major), then the n words in
 *       UTF-8 joined by "\n" (w bytes). Word j's vector is scale[j] · q[j·d + i].
 * The payload hash pins every vector, so it names the embedder's version (its id carries it).
 */
export const WORD_VECTORS_MAGIC = 'ERWV';
export const WORD_VECTORS_FORMAT = 1;
const HEADER_BYTES = 52;

export interface WordVectorTable {
  readonly dimension: number;
  readonly words: readonly string[];
  /** One per word; the scale of its int8 row (a float32 value, held exactly in float64). */
  readonly scales: Float64Array;
  /** n·d int8 coordinates, word-major. */
  readonly quantized: Int8Array;
  /** SHA-256 of the payload, hex. */
  readonly sha256: string;
}

export function encodeWordVectors(words: readonly string[], scales: ArrayLike<number>, quantized: Int8Array, dimension: number): Buffer {
  const n = words.length;
  if (scales.length !== n || quantized.length !== n * dimension) throw new RangeError('encodeWordVectors: sizes do not match');
  for (const w of words) if (w === '' || w.includes('\n')) throw new RangeError(`encodeWordVectors: bad word ${JSON.stringify(w)}`);
  const wordBytes = Buffer.from(words.join('\n'), 'utf8');
  const payload = Buffer.alloc(n * 4 + n * dimension + wordBytes.length);
  for (let j = 0; j < n; j++) payload.writeFloatLE(scales[j], j * 4);
  Buffer.from(quantized.buffer, quantized.byteOffset, quantized.byteLength).copy(payload, n * 4);
  wordBytes.copy(payload, n * 4 + n * dimension);
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(WORD_VECTORS_MAGIC, 0, 'ascii');
  header.writeUInt32LE(WORD_VECTORS_FORMAT, 4);
  header.writeUInt32LE(dimension, 8);
  header.writeUInt32LE(n, 12);
  header.writeUInt32LE(wordBytes.length, 16);
  createHash('sha256').update(payload).digest().copy(header, 20);
  return Buffer.concat([header, payload]);
}

/** Parses and checks an asset; anything damaged (truncated, altered, wrong format) is a UserError. */
export function decodeWordVectors(bytes: Uint8Array, source: string): WordVectorTable {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const damaged = (why: string) =>
    new UserError(`The word-vector asset ${source} is damaged (${why}): reinstall the extension or rebuild it with scripts/build-word-vectors.mjs`, 'input');
  if (buf.length < HEADER_BYTES || buf.toString('ascii', 0, 4) !== WORD_VECTORS_MAGIC) throw damaged('not a word-vector file');
  const format = buf.readUInt32LE(4);
  if (format !== WORD_VECTORS_FORMAT) throw damaged(`format ${format}, expected ${WORD_VECTORS_FORMAT}`);
  const dimension = buf.readUInt32LE(8);
  const n = buf.readUInt32LE(12);
  const w = buf.readUInt32LE(16);
  if (dimension < 1 || buf.length !== HEADER_BYTES + n * 4 + n * dimension + w) throw damaged('its size does not match its header');
  const payload = buf.subarray(HEADER_BYTES);
  const sha256 = createHash('sha256').update(payload).digest('hex');
  if (sha256 !== buf.toString('hex', 20, 52)) throw damaged('its SHA-256 does not match');
  const scales = new Float64Array(n);
  for (let j = 0; j < n; j++) scales[j] = payload.readFloatLE(j * 4);
  const quantized = new Int8Array(n * dimension);
  quantized.set(new Int8Array(payload.buffer, payload.byteOffset + n * 4, n * dimension));
  const words = payload.toString('utf8', n * 4 + n * dimension).split('\n');
  if (words.length !== n) throw damaged('its word list does not match its header');
  return { dimension, words, scales, quantized, sha256 };
}
