/** Whitespace as the residual scan's normalised matching sees it, shared by both matchers. */

/** ASCII whitespace as JS `\s` and the byte-mode normaliser see it: \t \n \v \f \r and space. */
export const ASCII_WS = new Uint8Array(256);
for (const b of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]) ASCII_WS[b] = 1;

/**
 * The non-ASCII members of JS `\s` in UTF-8 (U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000, U+FEFF): text mode collapses them like ASCII whitespace.
 * No lead byte of these is a later byte of any of them, so their occurrences in any byte
 * string never overlap: whether a byte is whitespace is decided by its neighbours alone.
 */
export const UNICODE_WS: readonly number[][] = [
  [0xc2, 0xa0],
  [0xe1, 0x9a, 0x80],
  ...Array.from({ length: 11 }, (_, i) => [0xe2, 0x80, 0x80 + i]),
  [0xe2, 0x80, 0xa8],
  [0xe2, 0x80, 0xa9],
  [0xe2, 0x80, 0xaf],
  [0xe2, 0x81, 0x9f],
  [0xe3, 0x80, 0x80],
  [0xef, 0xbb, 0xbf],
];

/** 1: the held-back bytes (as a key) are a proper prefix of a Unicode space; 2: a whole one. */
export const UNICODE_WS_PREFIX = new Map<number, 1 | 2>();
for (const seq of UNICODE_WS) {
  for (let len = 1; len <= seq.length; len++) {
    const key = seq.slice(0, len).reduce((k, b) => (k << 8) | b, 0);
    if (len === seq.length) UNICODE_WS_PREFIX.set(key, 2);
    else if (UNICODE_WS_PREFIX.get(key) !== 2) UNICODE_WS_PREFIX.set(key, 1);
  }
}

export const UNICODE_WS_LEAD = new Uint8Array(256);
for (const seq of UNICODE_WS) UNICODE_WS_LEAD[seq[0]] = 1;

/** The whole Unicode spaces as keys (bytes big-endian in an int), 2- and 3-byte ones. */
export const UNICODE_WS_KEYS: ReadonlySet<number> = new Set(UNICODE_WS.map((seq) => seq.reduce((k, b) => (k << 8) | b, 0)));
