import { createHash, createHmac } from 'node:crypto';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function hmacSha256Hex(key: Uint8Array, data: string | Uint8Array): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no whitespace. Two values that
 * are equal as JSON data serialise to the same string, whatever order their keys came in.
 * Ids are the SHA-256 of this text, so its bytes must never change. Iterative (an explicit
 * stack): a record nested a million levels deep must still get an id and stay erasable.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  let next: unknown = value;
  let write = true; // `next` is still to be written
  for (;;) {
    if (write) {
      const opened = open(next, out);
      if (opened) stack.push(opened);
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return out.join('');
    if (top.index >= top.size) {
      out.push(top.keys ? '}' : ']');
      stack.pop();
      write = false;
      continue;
    }
    const i = top.index++;
    if (i > 0) out.push(',');
    if (top.keys) {
      const k = top.keys[i];
      out.push(JSON.stringify(k) + ':');
      next = (top.value as Record<string, unknown>)[k];
      write = true;
    } else {
      // A hole in a sparse array writes nothing, as Array.prototype.join did in the recursive form.
      write = i in (top.value as unknown[]);
      next = write ? (top.value as unknown[])[i] : undefined;
    }
  }
}

/** An array or object being written: its keys (objects only, sorted) and the next position. */
interface Frame {
  readonly value: object;
  readonly keys?: readonly string[];
  readonly size: number;
  index: number;
}

/** Writes a primitive whole, or the opening bracket of an array or object and returns its frame. */
function open(value: unknown, out: string[]): Frame | undefined {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number in canonical JSON');
    out.push(JSON.stringify(value) ?? 'null');
    return undefined;
  }
  if (Array.isArray(value)) {
    out.push('[');
    return { value, size: value.length, index: 0 };
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  out.push('{');
  return { value, keys, size: keys.length, index: 0 };
}

/** Byte order comparison of two strings (UTF-16 code units; equal to byte order for ASCII ids). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** murmur3's fmix32 finaliser: spreads every input bit over the 32 output bits (FNV-1a's low bits are weak). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
