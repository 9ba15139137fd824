/**
 * Leakage check of an erased example (after Baluta et al., arXiv 2411.04388: where a forgotten
 * example's score falls among held-out ones). With the post-erasure prompt, the model is asked the
 * erased example's input; its score is the probability of the example's own label as the first
 * generated token (from that token's `top_logprobs`, the only log-probabilities Ollama gives).
 * The same score of held-out examples the data set never contained gives the reference: an erased
 * example whose label the model still finds more likely than for most unseen examples is a sign
 * that something (a paraphrase left behind, a cached prompt) still carries it. Where the server
 * returns no log-probabilities, the result says "unavailable": a score is never made up.
 */
import { throwIfAborted, UserError } from '../errors';
import { firstTokenLogprobs, MAX_TOP_LOGPROBS, type TokenLogprob } from '../ollama/logprobs';

/** An example as the check needs it: held in memory only, never written anywhere. */
export interface LabelledText {
  readonly input: string;
  readonly label: string;
}

export interface LeakageOptions {
  readonly model: string;
  readonly host?: string;
  /** How many first-token alternatives to ask for (1 to 20; default 20). */
  readonly topLogprobs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

export type LeakageReport =
  | {
      readonly status: 'measured';
      readonly model: string;
      readonly topLogprobs: number;
      /** Held-out examples scored (the reference distribution). */
      readonly heldout: number;
      /** Per erased example, in the order given: its score and its percentile among the held-out scores. */
      readonly erased: readonly { readonly score: number; readonly percentile: number }[];
    }
  | { readonly status: 'unavailable'; readonly model: string; readonly topLogprobs: number; readonly reason: string };

/**
 * The probability that the answer starts with `label`: the summed probabilities of the listed first
 * tokens that begin it (case-insensitive, surrounding spaces ignored, e.g. " Pos" for "positive").
 * A token that begins several labels says nothing about which one and is not counted. 0 when no
 * listed token begins the label (its probability is below the smallest one listed).
 */
export function labelProbability(top: readonly TokenLogprob[], label: string, labels: readonly string[]): number {
  const norm = (s: string) => s.trim().toLowerCase();
  const want = norm(label);
  const others = labels.map(norm).filter((l) => l !== want);
  const seen = new Set<string>();
  let p = 0;
  for (const t of top) {
    const tok = norm(t.token);
    if (!tok || seen.has(t.token) || !want.startsWith(tok) || others.some((o) => o.startsWith(tok))) continue;
    seen.add(t.token);
    p += Math.exp(t.logprob);
  }
  return Math.min(1, p);
}

/** Percentile (0–100) of `score` among `reference`: the share below it, ties counted half. */
export function percentileAmong(score: number, reference: readonly number[]): number {
  if (reference.length === 0) throw new UserError('a percentile needs at least one held-out score', 'input');
  let below = 0;
  let equal = 0;
  for (const r of reference) {
    if (r < score) below++;
    else if (r === score) equal++;
  }
  return (100 * (below + equal / 2)) / reference.length;
}

/**
 * Scores the erased examples and the held-out ones, each with the prompt `promptFor` builds for its
 * input (the workspace's prompt after the erasure). `labels` are the labels a token is told apart from.
 */
export async function leakageCheck(
  erased: readonly LabelledText[],
  heldout: readonly LabelledText[],
  labels: readonly string[],
  promptFor: (input: string) => Promise<string>,
  opts: LeakageOptions,
): Promise<LeakageReport> {
  const topLogprobs = opts.topLogprobs ?? MAX_TOP_LOGPROBS;
  if (!(Number.isInteger(topLogprobs) && topLogprobs >= 1 && topLogprobs <= MAX_TOP_LOGPROBS))
    throw new UserError(`--top-logprobs must be a whole number from 1 to ${MAX_TOP_LOGPROBS}, got ${topLogprobs}`, 'usage');
  if (heldout.length === 0) throw new UserError('the leakage check needs held-out examples that the data set never contained', 'input');
  const total = erased.length + heldout.length;
  let done = 0;
  const score = async (e: LabelledText): Promise<number | null> => {
    throwIfAborted(opts.signal);
    const top = await firstTokenLogprobs({ host: opts.host, model: opts.model, prompt: await promptFor(e.input), topLogprobs, signal: opts.signal });
    opts.onProgress?.(++done, total);
    return top === null ? null : labelProbability(top, e.label, labels);
  };
  const unavailable = { status: 'unavailable', model: opts.model, topLogprobs, reason: `the server returned no log-probabilities for model ${opts.model}` } as const;
  const erasedScores: number[] = [];
  for (const e of erased) {
    const s = await score(e);
    if (s === null) return unavailable;
    erasedScores.push(s);
  }
  const reference: number[] = [];
  for (const h of heldout) {
    const s = await score(h);
    if (s === null) return unavailable;
    reference.push(s);
  }
  return {
    status: 'measured',
    model: opts.model,
    topLogprobs,
    heldout: reference.length,
    erased: erasedScores.map((s) => ({ score: s, percentile: percentileAmong(s, reference) })),
  };
}
