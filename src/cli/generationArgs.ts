// Model-option flags shared by `erase complete`, `erase eval` and `erase template`: they override the
// workspace's settings for one run; `erase template` saves them.
import { UserError, type GenerationSettings } from '../core';

export const GENERATION_FLAGS = {
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'model-seed': { type: 'string' },
  'num-ctx': { type: 'string' },
  'max-tokens': { type: 'string' },
  api: { type: 'string' },
  think: { type: 'string' },
} as const;

type Flags = { [K in keyof typeof GENERATION_FLAGS]?: string | boolean | (string | boolean)[] };

function number(value: unknown, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new UserError(`--${flag} must be ${integer ? 'an integer' : 'a number'}, got "${String(value)}"`, 'usage');
  return n;
}

/** The flags given, as settings changes (ranges are checked with the whole settings by checkGeneration). */
export function generationFlags(values: Flags): Partial<GenerationSettings> {
  const api = values.api;
  if (api !== undefined && api !== 'chat' && api !== 'generate') throw new UserError(`--api must be chat or generate, got "${String(api)}"`, 'usage');
  const think = values.think;
  if (think !== undefined && think !== 'on' && think !== 'off') throw new UserError(`--think must be on or off, got "${String(think)}"`, 'usage');
  const changes: Partial<GenerationSettings> = {
    api: api as GenerationSettings['api'] | undefined,
    temperature: number(values.temperature, 'temperature', false),
    topP: number(values['top-p'], 'top-p', false),
    seed: number(values['model-seed'], 'model-seed', true),
    numCtx: number(values['num-ctx'], 'num-ctx', true),
    numPredict: number(values['max-tokens'], 'max-tokens', true),
    think: think === undefined ? undefined : think === 'on',
  };
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<GenerationSettings>;
}
