/**
 * Finds where a JSON text stops being valid, with a message that never quotes the text.
 * Node's own JSON.parse messages quote the input ("Unexpected token … "<the line>" is not valid
 * JSON") and only sometimes give a position, so they cannot be shown for data that may be erased.
 * JSON.parse stays the authority on validity; this only explains a rejection. Iterative (an
 * explicit stack) so deeply nested garbage cannot overflow the call stack.
 */

export interface JsonSyntaxError {
  /** 0-based offset in UTF-16 code units. */
  readonly offset: number;
  readonly message: string;
}

type State = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'after';

const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

export function findJsonSyntaxError(s: string): JsonSyntaxError | undefined {
  const n = s.length;
  const stack: number[] = []; // 0x7b '{' or 0x5b '['
  let i = 0;
  let state: State = 'value';
  const fail = (offset: number, message: string): JsonSyntaxError => ({ offset, message });
  const early = (what: string): JsonSyntaxError => fail(n, `invalid JSON: the line ends where ${what} was expected`);

  const scanString = (): JsonSyntaxError | undefined => {
    const open = i++;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return fail(i, 'invalid JSON: a control character inside a string must be escaped');
      if (c === 0x5c) {
        const e = s.charCodeAt(i + 1);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) if (!isHex(s.charCodeAt(i + k))) return fail(i, 'invalid JSON: \\u must be followed by 4 hex digits');
          i += 6;
        } else if ('"\\/bfnrt'.includes(s.charAt(i + 1)) && i + 1 < n) i += 2;
        else return fail(i, 'invalid JSON: bad escape sequence in a string');
      } else i++;
    }
    return fail(open, 'invalid JSON: string is not terminated on this line');
  };

  const scanNumber = (): JsonSyntaxError | undefined => {
    if (s.charCodeAt(i) === 0x2d) i++;
    if (s.charCodeAt(i) === 0x30) i++;
    else if (isDigit(s.charCodeAt(i))) while (isDigit(s.charCodeAt(i))) i++;
    else return fail(i, 'invalid JSON: malformed number');
    if (s.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(s.charCodeAt(i))) return fail(i, 'invalid JSON: malformed number (digit expected after the point)');
      while (isDigit(s.charCodeAt(i))) i++;
    }
    if (s.charCodeAt(i) === 0x65 || s.charCodeAt(i) === 0x45) {
      i++;
      if (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d) i++;
      if (!isDigit(s.charCodeAt(i))) return fail(i, 'invalid JSON: malformed number (digit expected in the exponent)');
      while (isDigit(s.charCodeAt(i))) i++;
    }
    return undefined;
  };

  for (;;) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const c = s.charCodeAt(i); // NaN past the end
    const top = stack[stack.length - 1];
    if (state === 'after') {
      if (top === undefined) return i < n ? fail(i, 'invalid JSON: unexpected text after the value') : undefined;
      const close = top === 0x7b ? 0x7d : 0x5d;
      if (i >= n) return early(top === 0x7b ? "',' or '}'" : "',' or ']'");
      if (c === 0x2c) {
        i++;
        state = top === 0x7b ? 'key' : 'value';
        continue;
      }
      if (c === close) {
        i++;
        stack.pop();
        continue;
      }
      return fail(i, `invalid JSON: expected ${top === 0x7b ? "',' or '}'" : "',' or ']'"}`);
    }
    if (state === 'keyOrEnd' && c === 0x7d) {
      i++;
      stack.pop();
      state = 'after';
      continue;
    }
    if (state === 'valueOrEnd' && c === 0x5d) {
      i++;
      stack.pop();
      state = 'after';
      continue;
    }
    if (state === 'key' || state === 'keyOrEnd') {
      if (i >= n) return early('a property name');
      if (c !== 0x22) return fail(i, 'invalid JSON: expected a property name in double quotes');
      const e = scanString();
      if (e) return e;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (i >= n) return early("':'");
      if (s.charCodeAt(i) !== 0x3a) return fail(i, "invalid JSON: expected ':' after the property name");
      i++;
      state = 'value';
      continue;
    }
    // state is 'value' or 'valueOrEnd'
    if (i >= n) return early('a value');
    if (c === 0x7b) {
      stack.push(0x7b);
      i++;
      state = 'keyOrEnd';
      continue;
    }
    if (c === 0x5b) {
      stack.push(0x5b);
      i++;
      state = 'valueOrEnd';
      continue;
    }
    let e: JsonSyntaxError | undefined;
    if (c === 0x22) e = scanString();
    else if (c === 0x2d || isDigit(c)) e = scanNumber();
    else {
      const word = ['true', 'false', 'null'].find((w) => s.startsWith(w, i));
      if (!word) return fail(i, 'invalid JSON: unexpected character where a value was expected');
      i += word.length;
    }
    if (e) return e;
    state = 'after';
  }
}

/** Column (1-based) and message for text JSON.parse rejected; falls back to Node's position. */
export function describeJsonError(text: string, nodeError: unknown): { column: number; message: string } {
  const found = findJsonSyntaxError(text);
  if (found) return { column: found.offset + 1, message: found.message };
  const m = /at position (\d+)/.exec(nodeError instanceof Error ? nodeError.message : '');
  return { column: m ? Number(m[1]) + 1 : 1, message: 'invalid JSON' };
}
