import { readFileSync, existsSync, statSync } from 'node:fs';
import { UserError } from '../errors';
import { checkUserPattern } from '../regex';
import { namingFile } from '../ioErrors';
import { describeJsonError } from '../dataset/jsonSyntax';
import { decodeLine } from '../dataset/utf8';

/**
 * A batch of deletion requests, one JSON object per line:
 *   {"requestId":"REQ-1","requester":"dpo@example.com","subjectRef":"ticket-42","ids":["..."]}
 *   {"requester":"…","match":"customer X"}            (substring over input/output/meta)
 *   {"regex":"acct-\\d+","ignoreCase":true}             (RE2 dialect: linear time, no lookaround or backreferences)
 * Exactly one of ids, match or regex per line.
 */
export interface RequestLine {
  readonly line: number;
  readonly requestId?: string;
  readonly requester?: string;
  readonly subjectRef?: string;
  readonly reason?: string;
  readonly ids?: readonly string[];
  readonly match?: string;
  readonly regex?: string;
  readonly ignoreCase?: boolean;
}

const KNOWN = new Set(['requestId', 'requester', 'subjectRef', 'reason', 'ids', 'match', 'regex', 'ignoreCase']);
const MAX_LINE = 1 << 20;

export function readRequestsFile(path: string): RequestLine[] {
  if (!existsSync(path)) throw new UserError(`requests file ${path} does not exist`, 'input');
  // A pipe or a device (/dev/zero) could be read forever.
  if (!statSync(path).isFile()) throw new UserError(`requests file ${path} is not a regular file: give a .jsonl file`, 'input');
  return parseRequests(
    namingFile(path, () => readFileSync(path)),
    path,
  );
}

/** Parses the whole file or throws one UserError naming file:line:column; never quotes the line. */
export function parseRequests(bytes: Uint8Array, file: string): RequestLine[] {
  const out: RequestLine[] = [];
  let start = 0;
  let lineNo = 0;
  const fail = (line: number, column: number, what: string): never => {
    throw new UserError(`${file}:${line}:${column}: ${what}; nothing was erased`, 'input');
  };
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    lineNo++;
    const raw = bytes.subarray(start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end);
    start = end + 1;
    if (raw.length > MAX_LINE) fail(lineNo, 1, `line longer than ${MAX_LINE} bytes`);
    const decoded = decodeLine(raw);
    if (!decoded.ok) return fail(lineNo, decoded.column, 'not valid UTF-8');
    // Columns count from after a byte order mark, as in the data set parser.
    const text = lineNo === 1 && decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text;
    if (text.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      // Node's own message quotes the line; describeJsonError says where and what without quoting.
      const d = describeJsonError(text, e);
      fail(lineNo, d.column, `not valid JSON${d.message.replace(/^invalid JSON/, '')}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(lineNo, 1, 'expected a JSON object');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!KNOWN.has(k)) fail(lineNo, 1, `unknown field "${k.slice(0, 40)}" (known: ${[...KNOWN].join(', ')})`);
    const str = (k: string) => {
      if (o[k] === undefined) return undefined;
      if (typeof o[k] !== 'string' || (o[k] as string).length === 0) fail(lineNo, 1, `"${k}" must be a non-empty string`);
      return o[k] as string;
    };
    const ways = ['ids', 'match', 'regex'].filter((k) => o[k] !== undefined);
    if (ways.length !== 1) fail(lineNo, 1, 'give exactly one of "ids", "match" or "regex"');
    if (o.ids !== undefined && (!Array.isArray(o.ids) || o.ids.length === 0 || o.ids.some((x) => typeof x !== 'string' || x.length === 0))) {
      fail(lineNo, 1, '"ids" must be a non-empty array of non-empty strings');
    }
    if (o.ignoreCase !== undefined && typeof o.ignoreCase !== 'boolean') fail(lineNo, 1, '"ignoreCase" must be true or false');
    const regex = str('regex');
    if (regex !== undefined) {
      const c = checkUserPattern(regex, o.ignoreCase === true);
      if (!c.ok) fail(lineNo, 1, `"regex" is not a valid regular expression: ${c.reason} (the RE2 dialect: no lookaround, no backreferences)`);
    }
    out.push({
      line: lineNo,
      requestId: str('requestId'),
      requester: str('requester'),
      subjectRef: str('subjectRef'),
      reason: str('reason'),
      ids: o.ids as string[] | undefined,
      match: str('match'),
      regex,
      ignoreCase: o.ignoreCase as boolean | undefined,
    });
  }
  return out;
}
