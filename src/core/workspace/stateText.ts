/**
 * The stored state text read by parts, for a deletion that changes a few rows: the head (params,
 * seeds, iterations: O(T·k·D)) and the tail (representatives) are parsed; the 60k assignment rows
 * are not — a row is found by binary search over the bytes (rows are sorted by id), and the new
 * text is the old one with the changed rows spliced out or rewritten. The bytes, and so the state
 * hash, are exactly serializeState's (qkmeans/state.ts), which the tests check against a full
 * serialisation.
 *
 * Only a canonical text written by serializeState is read this way; anything else (older format,
 * hand-edited, damaged) makes `open` return null and the caller takes the full path.
 */
import { createHash } from 'node:crypto';
import { compareIds } from '../hash';
import { serializeAssignmentRow, serializeStateHead, serializeStateTail, stateOfSerialized, STATE_FORMAT, type QkmState, type SerializedState } from '../qkmeans/state';

const ROWS_START = Buffer.from(',"assignments":[', 'latin1');
const ROWS_END = Buffer.from('],"representatives":[', 'latin1');
/** Between two rows: `],["` can only be structural, since a quote inside a JSON string is escaped. */
const ROW_SEPARATOR = Buffer.from('],["', 'latin1');

export interface StateRow {
  readonly id: string;
  readonly cluster: number;
  readonly weight: number;
  readonly content: string;
  /** Byte range of the row's text, `[` to `]` inclusive. */
  readonly start: number;
  readonly end: number;
}

export class StateText {
  private constructor(
    readonly bytes: Buffer,
    /** First byte of the first row (or rowsEnd when there is none). */
    private readonly rowsStart: number,
    /** The `]` closing the assignment rows. */
    private readonly rowsEnd: number,
    private readonly head: SerializedState,
  ) {}

  /** The parts of a canonical state text, or null when the text is not one this reader can split. */
  static open(bytes: Buffer): StateText | null {
    const at = bytes.indexOf(ROWS_START);
    const end = bytes.lastIndexOf(ROWS_END);
    if (at < 0 || end < at + ROWS_START.length) return null;
    const rowsStart = at + ROWS_START.length;
    try {
      const head = JSON.parse(bytes.toString('utf8', 0, rowsStart) + bytes.toString('utf8', end)) as SerializedState;
      if (head.format !== STATE_FORMAT || !Array.isArray(head.assignments) || head.assignments.length !== 0) return null;
      return new StateText(bytes, rowsStart, end, head);
    } catch {
      return null;
    }
  }

  /** The row of `id`, by binary search over the sorted rows (O(log n) rows parsed), or null. */
  row(id: string): StateRow | null {
    let lo = this.rowsStart;
    let hi = this.rowsEnd;
    while (lo < hi) {
      let s = this.rowStartAtOrAfter((lo + hi) >>> 1);
      if (s >= hi) s = lo;
      const r = this.rowAt(s);
      const c = compareIds(r.id, id);
      if (c === 0) return r;
      if (c < 0) lo = r.end + 2;
      else hi = s;
    }
    return null;
  }

  /** The number of rows, counting no further than `limit`. */
  rowsAtLeast(limit: number): number {
    if (this.rowsStart >= this.rowsEnd) return 0;
    let n = 1;
    for (let p = this.bytes.indexOf(ROW_SEPARATOR, this.rowsStart); p >= 0 && p < this.rowsEnd && n < limit; p = this.bytes.indexOf(ROW_SEPARATOR, p + 1)) n++;
    return n;
  }

  /**
   * The state with only the given rows in its assignment and content maps (kept sorted): enough
   * for a deletion's certificate check, and for `splice` afterwards.
   */
  partialState(rows: readonly StateRow[]): QkmState {
    const sorted = [...rows].sort((a, b) => compareIds(a.id, b.id));
    return stateOfSerialized({ ...this.head, assignments: sorted.map((r) => [r.id, r.cluster, r.weight, r.content]) });
  }

  /**
   * The canonical text of `after` — a partial state from `partialState(rows)` after a deletion —
   * where each of `rows` is removed (its id is gone from `after`) or rewritten (new weight), every
   * other row copied as it is. Returns the bytes and their SHA-256: the new state hash.
   */
  splice(after: QkmState, rows: readonly StateRow[]): { bytes: Buffer; hash: string } {
    const parts: Buffer[] = [Buffer.from(serializeStateHead(after), 'utf8')];
    const items: Buffer[] = [];
    let cursor = this.rowsStart;
    for (const r of [...rows].sort((a, b) => a.start - b.start)) {
      if (r.start < cursor) throw new Error('internal: overlapping state rows');
      if (r.start > cursor) items.push(this.bytes.subarray(cursor, r.start - 1)); // without the comma before the row
      const kept = after.assignments.get(r.id);
      if (kept) items.push(Buffer.from(serializeAssignmentRow(r.id, kept[0], kept[1], after.contents.get(r.id) ?? ''), 'utf8'));
      cursor = r.end + 1 < this.rowsEnd ? r.end + 2 : this.rowsEnd;
    }
    if (cursor < this.rowsEnd) items.push(this.bytes.subarray(cursor, this.rowsEnd));
    const comma = Buffer.from(',', 'latin1');
    items.forEach((b, i) => parts.push(...(i > 0 ? [comma, b] : [b])));
    parts.push(Buffer.from(serializeStateTail(after), 'utf8'));
    const bytes = Buffer.concat(parts);
    return { bytes, hash: createHash('sha256').update(bytes).digest('hex') };
  }

  /** The first row starting at or after byte `p` (rowsEnd when none). */
  private rowStartAtOrAfter(p: number): number {
    if (p <= this.rowsStart) return this.rowsStart;
    const q = this.bytes.indexOf(ROW_SEPARATOR, p - 2);
    return q < 0 || q >= this.rowsEnd ? this.rowsEnd : q + 2;
  }

  /** The row starting at byte `s`. */
  private rowAt(s: number): StateRow {
    const q = this.bytes.indexOf(ROW_SEPARATOR, s);
    const end = q < 0 || q >= this.rowsEnd ? this.rowsEnd - 1 : q;
    const [id, cluster, weight, content] = JSON.parse(this.bytes.toString('utf8', s, end + 1)) as [string, number, number, string];
    return { id, cluster, weight, content, start: s, end };
  }
}
