/**
 * The JSONL data set: parsing into examples (ALGORITHMS.md §3 "Example identity"), reporting of
 * malformed lines, and the byte-exact rewrite that erases examples. Lines the parser cannot read
 * are reported and kept: the user's file is never silently rewritten where we do not understand it.
 */
import { UserError } from '../errors';
import { canonicalJson, sha256Hex } from '../hash';
import { describeJsonError } from './jsonSyntax';
import { splitByteLines, splitTextLines, type LineSpan } from './lines';
import { readRecord, type RecordFields } from './record';
import type { Example, MalformedLine, ParsedDataset } from './types';
import { decodeLine } from './utf8';

/** A record as written to a JSONL line (the import output and any tool that adds examples). */
export interface JsonlRecord {
  readonly id?: string;
  readonly input: string;
  readonly output?: string;
  readonly label?: string;
  readonly meta?: unknown;
}

type LineResult =
  | { readonly kind: 'blank' }
  | { readonly kind: 'malformed'; readonly column: number; readonly message: string }
  | { readonly kind: 'record'; readonly id: string; readonly explicit: boolean; readonly fields: RecordFields };

function parseLineText(text: string): LineResult {
  if (text.trim() === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { kind: 'malformed', ...describeJsonError(text, e) };
  }
  const rec = readRecord(value);
  if (!rec.ok) return { kind: 'malformed', column: 1, message: rec.message };
  if (rec.fields.id !== undefined) return { kind: 'record', id: rec.fields.id, explicit: true, fields: rec.fields };
  return { kind: 'record', id: sha256Hex(canonicalJson(value)), explicit: false, fields: rec.fields };
}

interface Entry {
  readonly first: number;
  readonly explicit: boolean;
  readonly fields: RecordFields;
  readonly lines: number[];
}

/** Gathers line results into examples; knows which example each line holds. */
class Collector {
  private readonly byId = new Map<string, Entry>();
  private readonly malformed: MalformedLine[] = [];
  /** Example id per 1-based line number (undefined for blank and malformed lines). */
  readonly lineIds: (string | undefined)[] = [];

  constructor(private readonly file: string) {}

  add(line: number, r: LineResult): void {
    if (r.kind === 'blank') return;
    if (r.kind === 'malformed') {
      this.malformed.push({ line, column: r.column, message: r.message });
      return;
    }
    const seen = this.byId.get(r.id);
    if (seen) {
      // The id is not quoted: an explicit id can itself be personal data (an e-mail, a name).
      if (r.explicit && seen.explicit) {
        throw new UserError(`${this.file}:${line}: duplicate id, also used on line ${seen.first}; explicit ids must be unique`);
      }
      if (r.explicit !== seen.explicit) {
        throw new UserError(`${this.file}:${line}: the id of this line equals the ${r.explicit ? 'content hash of' : 'explicit id on'} line ${seen.first}; ids must be unique`);
      }
      seen.lines.push(line);
    } else {
      this.byId.set(r.id, { first: line, explicit: r.explicit, fields: r.fields, lines: [line] });
    }
    this.lineIds[line] = r.id;
  }

  finish(): ParsedDataset {
    const examples: Example[] = [];
    const duplicates: { id: string; lines: number[] }[] = [];
    for (const [id, e] of this.byId) {
      const f = e.fields;
      examples.push({
        id,
        input: f.input,
        output: f.output,
        ...(f.label !== undefined ? { label: f.label } : {}),
        ...('meta' in f ? { meta: f.meta } : {}),
        multiplicity: e.lines.length,
        lines: e.lines,
      });
      if (e.lines.length > 1) duplicates.push({ id, lines: e.lines });
    }
    return { file: this.file, examples, malformed: this.malformed, duplicates };
  }
}

/** Parses decoded text. Lone surrogates cannot be told from valid text here; prefer bytes. */
export function parseJsonl(text: string, file: string): ParsedDataset {
  const c = new Collector(file);
  splitTextLines(text).forEach((t, i) => c.add(i + 1, parseLineText(t)));
  return c.finish();
}

export interface Analysis {
  readonly dataset: ParsedDataset;
  readonly bomLength: number;
  readonly spans: readonly LineSpan[];
  readonly lineIds: readonly (string | undefined)[];
}

/** The parse of file bytes together with each line's span and example id (the data-file index is built from it). */
export function analyzeBytes(bytes: Uint8Array, file: string): Analysis {
  const { bomLength, lines } = splitByteLines(bytes);
  const c = new Collector(file);
  for (const span of lines) {
    const decoded = decodeLine(bytes.subarray(span.start, span.end));
    c.add(span.number, decoded.ok ? parseLineText(decoded.text) : { kind: 'malformed', column: decoded.column, message: 'invalid UTF-8' });
  }
  return { dataset: c.finish(), bomLength, spans: lines, lineIds: c.lineIds };
}

/** Parses file bytes line by line with a fatal UTF-8 decoder: a bad line is reported, not repaired. */
export function parseJsonlBytes(bytes: Uint8Array, file: string): ParsedDataset {
  return analyzeBytes(bytes, file).dataset;
}

/**
 * Drops the given 1-based lines (content and terminator) and keeps every other byte: the BOM,
 * other lines with their own CRLF or LF, blank and malformed lines, a missing final newline.
 * When the last line goes, the new last line keeps its newline (its bytes are not touched).
 */
export function removeLines(bytes: Uint8Array, spans: readonly LineSpan[], bomLength: number, drop: (line: number) => boolean): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, bomLength)];
  let runStart = -1; // coalesce consecutive kept lines into one copy
  let runEnd = -1;
  for (const s of spans) {
    if (drop(s.number)) {
      if (runStart >= 0) parts.push(bytes.subarray(runStart, runEnd));
      runStart = -1;
    } else {
      if (runStart < 0) runStart = s.start;
      runEnd = s.next;
    }
  }
  if (runStart >= 0) parts.push(bytes.subarray(runStart, runEnd));
  return new Uint8Array(Buffer.concat(parts));
}

/** The file without every line that holds an example whose id is in `idsToErase`. */
export function removeExampleLines(bytes: Uint8Array, file: string, idsToErase: ReadonlySet<string>): { bytes: Uint8Array; removedLines: number[] } {
  const a = analyzeBytes(bytes, file);
  const removedLines: number[] = [];
  for (const s of a.spans) {
    const id = a.lineIds[s.number];
    if (id !== undefined && idsToErase.has(id)) removedLines.push(s.number);
  }
  if (removedLines.length === 0) return { bytes, removedLines };
  const gone = new Set(removedLines);
  return { bytes: removeLines(bytes, a.spans, a.bomLength, (n) => gone.has(n)), removedLines };
}

/**
 * 1-based numbers of the lines of `text` (an editor's copy of the data file) that hold an example
 * whose id is in `ids`: the lines an erasure of those ids removes. Each line is read on its own, as
 * the rewrite does, so a buffer with duplicate explicit ids (mid-edit) still maps; blank and
 * malformed lines are never named.
 */
export function linesToErase(text: string, ids: Iterable<string>): number[] {
  const want = new Set(ids);
  const out: number[] = [];
  splitTextLines(text).forEach((t, i) => {
    const r = parseLineText(t);
    if (r.kind === 'record' && want.has(r.id)) out.push(i + 1);
  });
  return out;
}

/** A deletion in an editor buffer: from the start of `startLine` to the start of `endLine`, or to its end when `toLineEnd` (0-based lines). */
export interface LineDeletion {
  readonly startLine: number;
  readonly endLine: number;
  readonly toLineEnd: boolean;
}

/**
 * The buffer edits that remove the given 1-based lines of a text of `lineCount` lines (as an
 * editor counts them: a final newline gives an empty last line) with the same result as the file
 * rewrite: consecutive lines as one range (editors refuse overlapping ones); a run that reaches
 * the last line keeps the newline before it, as removeLines keeps the new last line's newline.
 */
export function lineDeletions(lines: readonly number[], lineCount: number): LineDeletion[] {
  const sorted = [...new Set(lines)].filter((l) => l >= 1 && l <= lineCount).sort((a, b) => a - b);
  const out: LineDeletion[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    const first = sorted[i] - 1;
    const last = sorted[j] - 1;
    out.push(last + 1 < lineCount ? { startLine: first, endLine: last + 1, toLineEnd: false } : { startLine: first, endLine: last, toLineEnd: true });
    i = j + 1;
  }
  return out;
}

/** `path:line:col: message`, the form editors and terminals turn into links. */
export function formatMalformed(file: string, m: MalformedLine): string {
  return `${file}:${m.line}:${m.column}: ${m.message}`;
}

/**
 * One JSONL line (no newline) in a fixed key order. U+2028/U+2029 are escaped: they are valid
 * in JSON but some editors break lines there, which would make the file look corrupted.
 */
export function serializeRecord(rec: JsonlRecord): string {
  const ordered = { id: rec.id, input: rec.input, output: rec.output, label: rec.label, meta: rec.meta };
  return JSON.stringify(ordered).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}
