/**
 * Line splitting shared by the JSONL parser and the byte-exact rewriter, so both agree on what
 * "line N" is. A line ends at LF; a CR right before that LF belongs to the terminator (CRLF).
 * A UTF-8 byte order mark is a property of the file, not of line 1: erasing line 1 keeps it.
 */

export interface LineSpan {
  /** 1-based line number. */
  readonly number: number;
  /** Byte offset of the first content byte. */
  readonly start: number;
  /** Byte offset just past the content (before CR LF / LF). */
  readonly end: number;
  /** Byte offset just past the terminator; equals `end` for a last line without a newline. */
  readonly next: number;
}

export interface ByteLines {
  /** 3 when the file starts with a UTF-8 BOM, else 0. */
  readonly bomLength: number;
  readonly lines: readonly LineSpan[];
}

const LF = 0x0a;
const CR = 0x0d;

export function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

export function splitByteLines(bytes: Uint8Array): ByteLines {
  const bomLength = hasUtf8Bom(bytes) ? 3 : 0;
  // Buffer.indexOf is native and fast on multi-megabyte inputs; the view shares memory.
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lines: LineSpan[] = [];
  let start = bomLength;
  while (start < buf.length) {
    const lf = buf.indexOf(LF, start);
    if (lf < 0) {
      lines.push({ number: lines.length + 1, start, end: buf.length, next: buf.length });
      break;
    }
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    lines.push({ number: lines.length + 1, start, end, next: lf + 1 });
    start = lf + 1;
  }
  return { bomLength, lines };
}

/** The same split on decoded text: a leading U+FEFF is dropped, CR LF and LF end lines. */
export function splitTextLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return [];
  const parts = body.split('\n');
  const last = parts.pop()!; // not followed by LF: a CR there is content, as in splitByteLines
  const lines = parts.map((p) => (p.endsWith('\r') ? p.slice(0, -1) : p));
  if (last !== '') lines.push(last); // text ending in a newline has no extra line
  return lines;
}
