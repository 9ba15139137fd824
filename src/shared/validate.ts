// Tiny runtime validators for messages that cross the webview boundary. The webview is treated as
// untrusted input: every field is checked before the host acts on it.

export type Guard<T> = (v: unknown) => v is T;

const MAX_STRING = 100_000; // longer strings are rejected outright (a query or requester name is short)
const MAX_ARRAY = 1_000_000;

export const isString: Guard<string> = (v): v is string => typeof v === 'string' && v.length <= MAX_STRING;
export const isNonEmptyString: Guard<string> = (v): v is string => isString(v) && v.length > 0;
export const isBoolean: Guard<boolean> = (v): v is boolean => typeof v === 'boolean';
export const isFiniteNumber: Guard<number> = (v): v is number => typeof v === 'number' && Number.isFinite(v);
export const isInt: Guard<number> = (v): v is number => Number.isSafeInteger(v);

export function optional<T>(g: Guard<T>): Guard<T | undefined> {
  return (v): v is T | undefined => v === undefined || g(v);
}

export function arrayOf<T>(g: Guard<T>, maxLength = MAX_ARRAY): Guard<T[]> {
  return (v): v is T[] => Array.isArray(v) && v.length <= maxLength && v.every(g);
}

export function oneOf<const T extends readonly string[]>(...values: T): Guard<T[number]> {
  return (v): v is T[number] => typeof v === 'string' && (values as readonly string[]).includes(v);
}

type Shape = Record<string, Guard<unknown>>;
type FromShape<S extends Shape> = { [K in keyof S]: S[K] extends Guard<infer T> ? T : never };

/** An object with exactly these keys (unknown extra keys are rejected, not ignored). */
export function object<S extends Shape>(shape: S): Guard<FromShape<S>> {
  return (v): v is FromShape<S> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const rec = v as Record<string, unknown>;
    // own keys only: `k in shape` would let "constructor", "toString" or "__proto__" through as known
    for (const k of Object.keys(rec)) if (!Object.prototype.hasOwnProperty.call(shape, k)) return false;
    for (const [k, g] of Object.entries(shape)) if (!g(rec[k])) return false;
    return true;
  };
}
