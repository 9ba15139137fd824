/**
 * `.erase/measurements.json`: timings measured on this workspace that no audit entry or request
 * record holds — the last `verify` (a retrain from scratch) and the cost probe's in-memory
 * erasure. Figures and state hashes only, never text or ids. A cache: losing it costs a re-measure,
 * and failing to write it never fails the command that measured.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/atomicWrite';
import type { WorkspacePaths } from '../workspace/config';

const FORMAT = 'erase-measurements/1';

export interface Timing {
  readonly ms: number;
  /** Examples (lines) in the data set when measured. */
  readonly n: number;
  readonly stateHash: string;
  /** 'verify': `erase verify` (re-embeds every text, then trains); 'probe': the cost command's in-memory measure. */
  readonly source: 'verify' | 'probe';
}

export interface Measurements {
  readonly retrain?: Timing;
  readonly certified?: Timing;
}

const pathOf = (paths: WorkspacePaths) => join(paths.dir, 'measurements.json');

export function readMeasurements(paths: WorkspacePaths): Measurements {
  const file = pathOf(paths);
  if (!existsSync(file)) return {};
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { format?: string } & Measurements;
    return raw.format === FORMAT ? { retrain: validTiming(raw.retrain), certified: validTiming(raw.certified) } : {};
  } catch {
    return {};
  }
}

function validTiming(t: unknown): Timing | undefined {
  if (typeof t !== 'object' || t === null) return undefined;
  const o = t as Record<string, unknown>;
  const ok = typeof o.ms === 'number' && o.ms >= 0 && typeof o.n === 'number' && typeof o.stateHash === 'string' && (o.source === 'verify' || o.source === 'probe');
  return ok ? (o as unknown as Timing) : undefined;
}

/** Merges timings into the file; an unwritable folder is ignored (the figures are only a cache). */
export function recordMeasurements(paths: WorkspacePaths, update: Measurements): void {
  try {
    const next = { format: FORMAT, ...readMeasurements(paths), ...Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)) };
    writeFileAtomic(pathOf(paths), JSON.stringify(next, null, 2) + '\n');
  } catch {
    // a cache: the next cost command measures again
  }
}
