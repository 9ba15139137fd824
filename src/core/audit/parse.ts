/**
 * Turns the bytes of audit.jsonl into entries and Merkle leaves. Leaves are the raw line bytes,
 * not a re-encoding, so the tree head commits to the file exactly as it is on disk.
 */
import { AuditEntry, encodeEntry, validateEntry } from './entry';
import { decodeUtf8, splitLines, TornTail } from './jsonl';
import { hashLeaf, prefixRoots } from './merkle';

export interface TreeHead {
  size: number;
  /** Hex MTH over the first `size` entries. */
  rootHash: string;
}

export type ProblemKind =
  | 'torn-tail'
  | 'malformed-entry'
  | 'non-canonical'
  | 'seq'
  | 'chain'
  | 'no-checkpoint'
  | 'no-public-key'
  | 'checkpoint-torn'
  | 'checkpoint-malformed'
  | 'checkpoint-key'
  | 'key-unauthorized'
  | 'checkpoint-signature'
  | 'checkpoint-root'
  | 'checkpoint-order'
  | 'truncated'
  | 'unanchored'
  | 'head-mismatch'
  | 'beyond-head';

export interface Problem {
  kind: ProblemKind;
  /** The entry (0-based seq = line number - 1) or checkpoint index the problem is about. */
  seq?: number;
  message: string;
}

export interface ParsedLog {
  /** One slot per complete line: the entry, or null where the line is not a valid entry. */
  entries: (AuditEntry | null)[];
  /** The exact text of each line (null if not UTF-8). */
  lines: (string | null)[];
  leafHashes: Buffer[];
  /** prefixRoots[s] = tree head over the first s lines. */
  roots: Buffer[];
  torn: TornTail | null;
  problems: Problem[];
}

export function parseLog(bytes: Buffer | null): ParsedLog {
  const split = splitLines(bytes ?? Buffer.alloc(0));
  const leafHashes = split.lines.map((l) => hashLeaf(l));
  const roots = prefixRoots(leafHashes);
  const problems: Problem[] = [];
  const entries: (AuditEntry | null)[] = [];
  const lines: (string | null)[] = [];
  if (split.torn) {
    problems.push({
      kind: 'torn-tail',
      seq: split.lines.length,
      message: `the last ${split.torn.length} bytes (from byte ${split.torn.offset}) are an incomplete line: a write cut short by a crash, or an edit; 'repair' moves them aside`,
    });
  }
  split.lines.forEach((bytesOfLine, i) => {
    const text = decodeUtf8(bytesOfLine);
    lines.push(text);
    const entry = text === null ? null : parseEntryLine(text, i, problems);
    entries.push(entry);
    if (entry === null) return;
    if (entry.seq !== i) {
      problems.push({ kind: 'seq', seq: i, message: `line ${i + 1} carries seq ${entry.seq}, expected ${i}: entries were reordered, removed or inserted` });
    }
    if (entry.prevRoot !== roots[i].toString('hex')) {
      problems.push({ kind: 'chain', seq: i, message: `entry ${i} does not chain to the entries before it (prevRoot differs from the tree head of lines 1..${i})` });
    }
  });
  split.lines.forEach((_, i) => {
    if (lines[i] === null) problems.push({ kind: 'malformed-entry', seq: i, message: `line ${i + 1} is not valid UTF-8` });
  });
  return { entries, lines, leafHashes, roots, torn: split.torn, problems };
}

function parseEntryLine(text: string, i: number, problems: Problem[]): AuditEntry | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    problems.push({ kind: 'malformed-entry', seq: i, message: `line ${i + 1} is not valid JSON` });
    return null;
  }
  const schema = validateEntry(raw);
  if (schema.length > 0) {
    problems.push({ kind: 'malformed-entry', seq: i, message: `line ${i + 1} is not a valid entry: ${schema.slice(0, 3).join('; ')}` });
    return null;
  }
  const entry = raw as AuditEntry;
  if (encodeEntry(entry) !== text) {
    problems.push({ kind: 'non-canonical', seq: i, message: `line ${i + 1} is not in canonical form (it was re-encoded or edited by hand)` });
  }
  return entry;
}

export function headOf(parsed: ParsedLog, size = parsed.leafHashes.length): TreeHead {
  return { size, rootHash: parsed.roots[size].toString('hex') };
}
