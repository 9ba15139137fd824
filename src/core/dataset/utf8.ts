/** Strict UTF-8 decoding of one line: invalid bytes make the line malformed instead of U+FFFD. */
import { UserError } from '../errors';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

export type DecodedLine = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly column: number };

export function decodeLine(bytes: Uint8Array): DecodedLine {
  try {
    return { ok: true, text: fatal.decode(bytes) };
  } catch {
    const bad = firstInvalidUtf8(bytes);
    // Column in UTF-16 code units of the valid prefix, as an editor counts it.
    const column = bad < 0 ? 1 : lenient.decode(bytes.subarray(0, bad)).length + 1;
    return { ok: false, column };
  }
}

/** Byte offset of the first byte that does not start a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + need >= n) return i; // truncated sequence
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= need; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes a whole file strictly. Invalid UTF-8 is a UserError at `file:line:column` (column in
 * UTF-16 code units of the valid prefix of that line, after a BOM on line 1); never repaired to
 * U+FFFD, never quoted. A leading BOM is kept as U+FEFF for the caller to drop.
 */
export function decodeUtf8File(bytes: Uint8Array, file: string): string {
  try {
    return fatal.decode(bytes);
  } catch {
    const bad = Math.max(0, firstInvalidUtf8(bytes));
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < bad; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    if (lineStart === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf && bad >= 3) lineStart = 3;
    const column = lenient.decode(bytes.subarray(lineStart, bad)).length + 1;
    throw new UserError(`${file}:${line}:${column}: invalid UTF-8; convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8) and try again`, 'input');
  }
}
