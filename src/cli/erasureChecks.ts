/** `erase delete --leakage-check --heldout FILE.jsonl` / `--near-duplicates`: the options and how the follow-up checks read. */
import { UserError, type ErasureCheckReport, type ErasureChecks } from '../core';

export const CHECK_OPTIONS = {
  'leakage-check': { type: 'boolean' },
  heldout: { type: 'string' },
  model: { type: 'string' },
  host: { type: 'string' },
  'top-logprobs': { type: 'string' },
  'near-duplicates': { type: 'boolean' },
  threshold: { type: 'string' },
} as const;

interface CheckValues {
  'leakage-check'?: boolean;
  heldout?: string;
  model?: string;
  host?: string;
  'top-logprobs'?: string;
  'near-duplicates'?: boolean;
  threshold?: string;
}

/** The checks asked for, or undefined. --leakage-check implies the near-duplicate check (a paraphrase left behind leaks too). */
export function checksFrom(v: CheckValues): ErasureChecks | undefined {
  const leak = !!v['leakage-check'];
  if (!leak && (v.heldout !== undefined || v['top-logprobs'] !== undefined)) throw new UserError('--heldout and --top-logprobs go with --leakage-check', 'usage');
  if (leak && v.heldout === undefined) throw new UserError('--leakage-check needs --heldout FILE.jsonl: labelled examples the data set never contained', 'usage');
  if (!leak && !v['near-duplicates']) {
    if (v.threshold !== undefined) throw new UserError('--threshold goes with --near-duplicates or --leakage-check', 'usage');
    return undefined;
  }
  let threshold: number | undefined;
  if (v.threshold !== undefined) {
    threshold = Number(v.threshold);
    if (!(v.threshold.trim() !== '' && threshold >= 0 && threshold <= 10))
      throw new UserError(`--threshold must be a distance from 0 to 10, e.g. 0.2, got "${v.threshold}"`, 'usage');
  }
  let topLogprobs: number | undefined;
  if (v['top-logprobs'] !== undefined) {
    topLogprobs = Number(v['top-logprobs']);
    if (!(Number.isInteger(topLogprobs) && topLogprobs >= 1 && topLogprobs <= 20))
      throw new UserError(`--top-logprobs must be a whole number from 1 to 20, got "${v['top-logprobs']}"`, 'usage');
  }
  return {
    nearDuplicates: { threshold },
    ...(leak ? { leakage: { heldoutFile: v.heldout!, model: v.model, host: v.host, topLogprobs } } : {}),
  };
}

const pct = (x: number) => x.toFixed(1);

export function checkText(r: ErasureCheckReport, erasedIds: readonly string[]): string {
  const lines: string[] = [];
  const l = r.leakage;
  if (l?.status === 'unavailable') {
    lines.push(`leakage check: unavailable — ${l.reason} (no score is made up; it needs an Ollama version that returns logprobs)`);
  } else if (l) {
    lines.push(
      `leakage check (model ${l.model}, probability of the example's own label as the first answer token, from the top ${l.topLogprobs}; ${l.heldout} held-out examples never in the data set${r.heldoutSkipped ? `, ${r.heldoutSkipped} held-out line(s) skipped as the data set holds them` : ''}):`,
    );
    l.erased.forEach((e, i) =>
      lines.push(`  ${erasedIds[i] ?? `erased example ${i + 1}`}: probability ${e.score.toFixed(3)}, percentile ${pct(e.percentile)} among the held-out examples`),
    );
    lines.push('  (about 50: the model treats it like unseen data; near 100: it still finds the erased label more likely than for almost any unseen example)');
  }
  if (l)
    lines.push(
      r.modelUnloaded
        ? 'the model was unloaded after the check (its prompt cache held the erased input again)'
        : 'the model could NOT be unloaded after the check: restart Ollama to clear its prompt cache',
    );
  const nd = r.nearDuplicates;
  if (nd) {
    if (nd.left.length === 0) lines.push(`near-duplicates: none left within ${nd.threshold} of the erased example(s)`);
    else {
      lines.push(`near-duplicates left within ${nd.threshold} of the erased example(s) — a paraphrase left behind carries the same content:`);
      for (const n of nd.left) lines.push(`  ${n.id}  similarity ${n.similarity.toFixed(3)}  distance ${n.distance.toFixed(3)}`);
      lines.push(`  erase them too: erase delete ${nd.left.map((n) => `--id ${shellWord(n.id)}`).join(' ')}`);
    }
  }
  lines.push(`figures recorded in audit entry #${r.auditSeq} (no text, no id)`);
  return lines.join('\n');
}

/** An id as one shell word. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9._:@%+=,/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
