/** Reading a label out of a model's free-text answer. */

export type AnswerParser = (answer: string, labels: readonly string[]) => string | null;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The default parser: the label that occurs first in the answer as a whole word, case-insensitive
 * (on a tie at one position, the longer label). null when no label occurs.
 */
export const firstLabelParser: AnswerParser = (answer, labels) => {
  let best: { at: number; label: string } | null = null;
  for (const label of labels) {
    if (!label) continue;
    const m = new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegex(label)}(?![\\p{L}\\p{N}_])`, 'iu').exec(answer);
    if (m && (!best || m.index < best.at || (m.index === best.at && label.length > best.label.length))) best = { at: m.index, label };
  }
  return best?.label ?? null;
};
