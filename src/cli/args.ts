import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError, MIN_EPS, MIN_EPS_TEXT } from '../core';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict parsing: an unknown option or a missing value is a usage error (exit 2). */
export function parse<T extends Options>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError(`${(e as Error).message.split('\n')[0]} (see \`erase help\`)`, 'usage');
  }
}

export function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be an integer in ${min}..${max}, got "${value}"`, 'usage');
  return n;
}

export function epsOption(value: string | undefined): number | 'auto' | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!(n > 0 && n < 100)) throw new UserError(`--eps must be a positive number or "auto", got "${value}"`, 'usage');
  if (n < MIN_EPS) throw new UserError(`--eps must be at least ${MIN_EPS_TEXT}, got "${value}": a smaller grid side would overflow the 32-bit grid indices`, 'usage');
  return n;
}

/** A column given by header name or by 0-based index. */
export function columnOption(value: string | undefined): string | number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function required(value: string | undefined, name: string, example: string): string {
  if (value === undefined || value === '') throw new UserError(`missing --${name}: e.g. ${example}`, 'usage');
  return value;
}
