/**
 * What changed in the prompt after an erasure: per cluster, the representative that left and the
 * one that replaced it. Ids only: the text of one that left may be erased; a front end may look up
 * the text of its replacement (still in the data set).
 */

export interface PromptChange {
  /** The cluster whose representative changed. */
  readonly cluster: number;
  /** The representative before (null: the cluster had none, e.g. it was empty). */
  readonly left: string | null;
  /** The representative after (null: the cluster is empty now). */
  readonly replacedBy: string | null;
}

export function promptChanges(before: readonly (string | null)[], after: readonly (string | null)[]): PromptChange[] {
  const out: PromptChange[] = [];
  for (let j = 0; j < Math.max(before.length, after.length); j++) {
    const left = before[j] ?? null;
    const replacedBy = after[j] ?? null;
    if (left !== replacedBy) out.push({ cluster: j, left, replacedBy });
  }
  return out;
}

/** One line for a receipt: "cluster 2: a1b2… left, replaced by c3d4…". */
export function describePromptChange(c: PromptChange): string {
  if (c.left === null) return `cluster ${c.cluster}: ${c.replacedBy} joined the prompt`;
  if (c.replacedBy === null) return `cluster ${c.cluster}: ${c.left} left the prompt (the cluster is empty now)`;
  return `cluster ${c.cluster}: ${c.left} left the prompt, replaced by ${c.replacedBy}`;
}
