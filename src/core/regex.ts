/**
 * User regular expressions (`--regex`, requests files, the deletion-request form) compiled with
 * RE2 semantics (the re2js port): matching takes time linear in the text whatever the pattern, so
 * a pattern like `^(a+)+$` cannot hang a command or the extension host. The price is the RE2
 * dialect: no lookahead or lookbehind, no backreferences. Messages name what is wrong and never
 * quote the pattern, which may itself be personal data (a name, an e-mail address).
 */
import type * as Re2 from 're2js';
import { UserError } from './errors';

let re2: typeof Re2 | undefined;
/**
 * re2js (270 KB, Unicode tables built as it loads) is required on the first pattern, not at start:
 * most CLI commands compile none, and the CLI bundle keeps it in a file of its own (scripts/build.mjs).
 */
function loadRe2(): typeof Re2 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (re2 ??= require('re2js') as typeof Re2);
}

/** Longer patterns are refused before compiling: compiling costs time in the pattern's length. */
export const MAX_PATTERN_LENGTH = 10_000;
/** RE2 program size (instructions) above which matching, linear as it is, gets too slow per character. */
export const MAX_PROGRAM_SIZE = 10_000;

export interface UserPattern {
  /** True when the pattern matches anywhere in `text` (like RegExp.prototype.test). */
  test(text: string): boolean;
}

export type PatternCheck = { readonly ok: true; readonly pattern: UserPattern } | { readonly ok: false; readonly reason: string };

/** Compiles a user pattern or says, without quoting it, why it is refused. */
export function checkUserPattern(source: string, ignoreCase = false): PatternCheck {
  if (source.length === 0) return { ok: false, reason: 'the pattern is empty' };
  if (source.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `the pattern is longer than ${MAX_PATTERN_LENGTH} characters` };
  const { RE2JS } = loadRe2();
  let re: Re2.RE2JS;
  try {
    re = RE2JS.compile(translateJsEscapes(source), ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (e) {
    return { ok: false, reason: syntaxReason(e) };
  }
  if (re.programSize() > MAX_PROGRAM_SIZE)
    return { ok: false, reason: `the pattern is too large (compiles to more than ${MAX_PROGRAM_SIZE} steps): split it into several requests` };
  return { ok: true, pattern: { test: (text) => re.test(text) } };
}

/** Compiles a user pattern; a refused one is a usage error (exit 2). */
export function compileUserPattern(source: string, ignoreCase = false): UserPattern {
  const c = checkUserPattern(source, ignoreCase);
  if (!c.ok) throw new UserError(`invalid regular expression: ${c.reason} (the RE2 dialect: no lookaround, no backreferences)`, 'usage');
  return c.pattern;
}

function syntaxReason(e: unknown): string {
  if (!(e instanceof loadRe2().RE2JSSyntaxException)) return 'the pattern is too complex';
  // e.input is a piece of the pattern: only inspected, never shown.
  const piece = e.input ?? '';
  if (/^\(\?<?[=!]/.test(piece)) return 'lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported';
  if (/^\\([1-9]|k)/.test(piece)) return 'backreferences (\\1, \\k<name>) are not supported';
  if (e.error === 'invalid repeat count') return 'a repeat count is above 1000 or its bounds are reversed';
  if (e.error === 'expression nests too deeply') return 'the pattern nests more than 1000 levels deep';
  // The remaining RE2 messages are fixed phrases ("missing closing )", "invalid escape sequence", …).
  return e.error;
}

/**
 * JavaScript's `\uXXXX` and `\u{X…}` escapes (a surrogate pair as one code point) rewritten as
 * RE2's `\x{X…}`, so patterns written for JavaScript keep meaning the same characters. Escaped
 * backslashes are skipped so `\\u0041` stays a backslash followed by "u0041".
 */
export function translateJsEscapes(source: string): string {
  if (!source.includes('\\u')) return source;
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const esc = readUnicodeEscape(source, i);
    if (!esc) {
      out += source.slice(i, i + 2); // any other escape, kept whole
      i += 2;
      continue;
    }
    let cp = esc.codePoint;
    i = esc.end;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      const low = readUnicodeEscape(source, i);
      if (low && low.codePoint >= 0xdc00 && low.codePoint <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low.codePoint - 0xdc00);
        i = low.end;
      }
    }
    out += `\\x{${cp.toString(16)}}`;
  }
  return out;
}

function readUnicodeEscape(s: string, i: number): { codePoint: number; end: number } | undefined {
  if (s[i] !== '\\' || s[i + 1] !== 'u') return undefined;
  const four = /^[0-9a-fA-F]{4}/.exec(s.slice(i + 2, i + 6));
  if (four) return { codePoint: parseInt(four[0], 16), end: i + 6 };
  const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(s.slice(i + 2, i + 10));
  if (braced && parseInt(braced[1], 16) <= 0x10ffff) return { codePoint: parseInt(braced[1], 16), end: i + 2 + braced[0].length };
  return undefined;
}
