/**
 * Aho–Corasick over bytes, compiled to a dense automaton (one table lookup per input byte) over
 * byte classes: bytes that occur in no pattern share one class, so the table stays
 * states × (distinct pattern bytes + 1) entries. Hand-written rather than taken from npm: the
 * registry's Aho–Corasick packages match JS strings (UTF-16 units), not bytes, and report all
 * matches as arrays of strings; the scan needs raw bytes (binary files, invalid UTF-8), state
 * that carries across read chunks, and pattern ids without allocation in the loop.
 */
export interface ByteAutomaton {
  /** Byte → class. */
  readonly classOf: Uint8Array;
  readonly classCount: number;
  /** next[state * classCount + class]: the goto function with failure transitions folded in. */
  readonly next: Int32Array;
  /**
   * The scan loop's table: delta[state * classCount + class] is the next state's row
   * (next state * classCount), bit-inverted (negative) when that state has an output, so one
   * load per byte both moves and tells whether anything ends here.
   */
  readonly delta: Int32Array;
  /** 1 when the state ends a pattern or has a dictionary suffix that does. */
  readonly hasOutput: Uint8Array;
  /** Patterns ending exactly at this state: ids in outIds[outStart[s] .. outStart[s + 1]). */
  readonly outStart: Int32Array;
  readonly outIds: Int32Array;
  /** Nearest proper suffix state with an output, or -1 (the dictionary suffix link). */
  readonly dictLink: Int32Array;
}

/**
 * Builds the automaton; `patterns[i]` is reported as id i (empty patterns are never reported).
 * Identical patterns both report.
 */
export function buildAutomaton(patterns: readonly Uint8Array[]): ByteAutomaton {
  const classOf = new Uint8Array(256);
  let classCount = 1;
  for (const p of patterns) for (const b of p) if (classOf[b] === 0) classOf[b] = classCount++;
  // Trie with per-node child maps (build time only).
  const children: Map<number, number>[] = [new Map()];
  const own: number[][] = [[]];
  patterns.forEach((p, id) => {
    if (p.length === 0) return;
    let s = 0;
    for (const b of p) {
      const c = classOf[b];
      let t = children[s].get(c);
      if (t === undefined) {
        t = children.length;
        children.push(new Map());
        own.push([]);
        children[s].set(c, t);
      }
      s = t;
    }
    own[s].push(id);
  });
  const states = children.length;
  const next = new Int32Array(states * classCount);
  const fail = new Int32Array(states);
  const dictLink = new Int32Array(states).fill(-1);
  const hasOutput = new Uint8Array(states);
  // Breadth first: a state's failure target is shallower, so its row is complete when needed.
  const queue = new Int32Array(states);
  let head = 0;
  let tail = 0;
  for (const [c, t] of children[0]) {
    next[c] = t;
    queue[tail++] = t;
  }
  while (head < tail) {
    const s = queue[head++];
    const f = fail[s];
    dictLink[s] = own[f].length > 0 ? f : dictLink[f];
    hasOutput[s] = own[s].length > 0 || dictLink[s] !== -1 ? 1 : 0;
    const row = s * classCount;
    const failRow = f * classCount;
    for (let c = 0; c < classCount; c++) next[row + c] = next[failRow + c];
    for (const [c, t] of children[s]) {
      next[row + c] = t;
      fail[t] = next[failRow + c];
      queue[tail++] = t;
    }
  }
  const delta = new Int32Array(next.length);
  for (let i = 0; i < next.length; i++) delta[i] = hasOutput[next[i]] === 1 ? ~(next[i] * classCount) : next[i] * classCount;
  const outStart = new Int32Array(states + 1);
  for (let s = 0; s < states; s++) outStart[s + 1] = outStart[s] + own[s].length;
  const outIds = new Int32Array(outStart[states]);
  for (let s = 0; s < states; s++) outIds.set(own[s], outStart[s]);
  return { classOf, classCount, next, delta, hasOutput, outStart, outIds, dictLink };
}

/** Calls `report(id)` for every pattern ending in state s (its own and its dictionary suffixes'). */
export function forEachOutput(a: ByteAutomaton, s: number, report: (id: number) => void): void {
  for (let t = a.outStart[s + 1] > a.outStart[s] ? s : a.dictLink[s]; t !== -1; t = a.dictLink[t]) {
    for (let i = a.outStart[t]; i < a.outStart[t + 1]; i++) report(a.outIds[i]);
  }
}
