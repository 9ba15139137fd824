import type { ResidualSkip } from './types';

/** One searchable needle, in every form the matchers need. Never leaves the process. */
export interface PreparedNeedle {
  index: number;
  /** Exact text, for text mode. */
  text: string;
  /** Its UTF-8 bytes viewed as latin1 (one char per byte), for byte mode. */
  bytes: string;
  /** Whitespace-normalised matcher for decoded text (JS `\s`); absent when it adds nothing. */
  textWs?: RegExp;
  /** textWs as plain text: the words joined by one space (what the matcher looks for in whitespace-collapsed text). */
  textNormalised?: string;
  /** Same for raw bytes: ASCII whitespace only, as multi-byte spaces are not single bytes. */
  bytesWs?: RegExp;
  /** bytesWs as bytes (one char per byte): the words joined by one space. */
  bytesNormalised?: string;
  /**
   * The text as it sits inside a JSON string (a JSONL data file, an export, a cache): escaped as
   * JSON.stringify does, and with every non-ASCII character as \uXXXX as Python's json.dumps
   * does by default. Only the forms that differ from the text; searched as exact copies.
   */
  jsonForms: string[];
}

/** JSON-escaped forms of a text that differ from it (see PreparedNeedle.jsonForms). */
export function jsonForms(text: string): string[] {
  const json = JSON.stringify(text).slice(1, -1);
  const ascii = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [...new Set([json, ascii])].filter((f) => f !== text);
}

const ASCII_WS = /[ \t\n\v\f\r]+/;
const ASCII_WS_RE = '[ \\t\\n\\v\\f\\r]+';

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function words(s: string, ws: RegExp): string[] {
  return s.split(ws).filter((w) => w.length > 0);
}

export interface NeedleSet {
  searched: PreparedNeedle[];
  skipped: ResidualSkip[];
}

/** Needles shorter than minLength are skipped (reported by index only): they would match everywhere. */
export function prepareNeedles(needles: readonly string[], minLength: number): NeedleSet {
  const searched: PreparedNeedle[] = [];
  const skipped: ResidualSkip[] = [];
  needles.forEach((text, index) => {
    const textWords = words(text, /[\s\0]+/);
    if (text.length < minLength || textWords.length === 0) {
      skipped.push({ path: needleLabel(index), reason: `needle shorter than ${minLength} characters; not searched` });
      return;
    }
    const bytes = Buffer.from(text, 'utf8').toString('latin1');
    const n: PreparedNeedle = { index, text, bytes, jsonForms: jsonForms(text) };
    const normalised = textWords.join(' ');
    // Adds something when the needle has inner whitespace (the copy may space it differently) or
    // outer whitespace (the copy may lack it), and only if the collapsed form is still long enough.
    if ((normalised !== text || textWords.length > 1) && normalised.length >= minLength) {
      n.textWs = new RegExp(textWords.map(escapeRegExp).join('\\s+'), 'g');
      n.textNormalised = normalised;
    }
    const byteWords = words(bytes, ASCII_WS);
    const byteNormalised = byteWords.join(' ');
    if ((byteNormalised !== bytes || byteWords.length > 1) && byteNormalised.length >= minLength) {
      n.bytesWs = new RegExp(byteWords.map(escapeRegExp).join(ASCII_WS_RE), 'g');
      n.bytesNormalised = byteNormalised;
    }
    searched.push(n);
  });
  return { searched, skipped };
}

export function needleLabel(index: number): string {
  return `<needle #${index}>`;
}

/**
 * Replaces every searched needle inside a string that goes into the report (a file name,
 * a git error line) by its label, so the report never carries the text itself.
 */
export function makeRedactor(needles: readonly PreparedNeedle[]): (s: string) => string {
  const byLength = [...needles].sort((a, b) => b.text.length - a.text.length);
  return (s) => {
    let out = s;
    for (const n of byLength) {
      if (out.includes(n.text)) out = out.split(n.text).join(needleLabel(n.index));
      if (n.textWs) out = out.replace(n.textWs, needleLabel(n.index));
    }
    return out;
  };
}
