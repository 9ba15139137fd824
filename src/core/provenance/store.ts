/**
 * The completion provenance store (`.erase/provenance.jsonl`): one line per completion the product
 * produced, naming the example ids its prompt held, so that "which completions used example x?"
 * has an answer and an erasure of x can follow into the answers derived from it.
 *
 * New records are appended (one write loop, then fsync: a crash leaves at most a torn last line,
 * which readers ignore and the next writer cuts off). An erasure rewrites the file whole and
 * atomically (temp file, fsync, rename), so a crash leaves the old or the new file, never a mix.
 * Callers hold the workspace lock for both, so an append never races a rewrite.
 */
import { existsSync, fstatSync, ftruncateSync, readFileSync, readSync } from 'node:fs';
import { UserError } from '../errors';
import { canonicalJson, hmacSha256Hex, sha256Hex } from '../hash';
import { writeFileAtomic } from '../storage/atomicWrite';
import { syncFile } from '../storage/writeSteps';
import { appendLineDurably } from '../storage/appendLine';

export const PROVENANCE_FILE = 'provenance.jsonl';
export const PROVENANCE_RECORD_VERSION = 1;

export const COMPLETION_SOURCES = ['playground', 'complete', 'eval'] as const;
export type CompletionSource = (typeof COMPLETION_SOURCES)[number];

/** Why a record was kept for review instead of erased (`provenance.onErase: flag`). */
export interface ProvenanceFlag {
  /** The request whose erasure flagged it (an audit entry carries the same id). */
  readonly requestId: string;
  /** The audit entry's time. */
  readonly time: string;
  /** Keyed commitments of the erased ids the prompt held (the audit log's commitId): the ids themselves are gone. */
  readonly erasedIdCommitments: readonly string[];
}

export interface CompletionRecord {
  readonly v: typeof PROVENANCE_RECORD_VERSION;
  /** `cmp-` and a random UUID: names the record, says nothing about its content. */
  readonly id: string;
  /** ISO 8601, the caller's clock (core never reads one). */
  readonly time: string;
  readonly source: CompletionSource;
  readonly model: string;
  /** templateVersion() of the prompt settings the prompt was rendered with. */
  readonly template: string;
  /** Ids of the examples in the prompt, in prompt order (erased ids are removed when a record is flagged). */
  readonly ids: readonly string[];
  /** The answer text (`provenance.answers: text`) … */
  readonly answer?: string;
  /** … or only its keyed hash (`hash`, the default): answerHmac(workspace HMAC key, answer). */
  readonly answerHmac?: string;
  /** Set when an erasure of an example in the prompt flagged the answer for review instead of erasing it. */
  readonly flagged?: readonly ProvenanceFlag[];
}

export interface ReadProvenance {
  readonly records: CompletionRecord[];
  /** Lines that are not a valid record (never quoted: they may hold erased text); a rewrite drops them. */
  readonly unreadable: number;
  /** The last line was cut short by a crash mid-append. */
  readonly tornTail: boolean;
}

const ANSWER_DOMAIN = 'erase-workbench/provenance/v1/answer\0';

/**
 * The keyed hash of an answer: HMAC-SHA256 under the workspace's audit HMAC key, in its own
 * domain. A plain hash of a short answer ("positive") could be found by trying guesses; without
 * the key it cannot, and whoever holds the key can still confirm "this record's answer was X".
 */
export function answerHmac(key: Uint8Array, answer: string): string {
  if (key.length < 32) throw new UserError('the provenance HMAC key must be at least 32 bytes', 'check');
  return hmacSha256Hex(key, Buffer.concat([Buffer.from(ANSWER_DOMAIN, 'utf8'), Buffer.from(answer, 'utf8')]));
}

/** A short name for prompt settings (instruction, formats, …): the same settings give the same version. */
export function templateVersion(settings: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(settings ?? null)).slice(0, 16)}`;
}

const isStr = (v: unknown): v is string => typeof v === 'string';

function isFlag(v: unknown): v is ProvenanceFlag {
  const f = v as ProvenanceFlag;
  return typeof f === 'object' && f !== null && isStr(f.requestId) && isStr(f.time) && Array.isArray(f.erasedIdCommitments) && f.erasedIdCommitments.every(isStr);
}

/** A parsed line, or null when it is not a record this version understands. */
export function parseRecord(line: string): CompletionRecord | null {
  let v: CompletionRecord;
  try {
    v = JSON.parse(line) as CompletionRecord;
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || v.v !== PROVENANCE_RECORD_VERSION) return null;
  if (!isStr(v.id) || !isStr(v.time) || !isStr(v.model) || !isStr(v.template)) return null;
  if (!(COMPLETION_SOURCES as readonly string[]).includes(v.source)) return null;
  if (!Array.isArray(v.ids) || !v.ids.every(isStr)) return null;
  if (v.answer !== undefined && !isStr(v.answer)) return null;
  if (v.answerHmac !== undefined && !isStr(v.answerHmac)) return null;
  if ((v.answer === undefined) === (v.answerHmac === undefined)) return null;
  if (v.flagged !== undefined && !(Array.isArray(v.flagged) && v.flagged.every(isFlag))) return null;
  return v;
}

/** Every record of the store (none when the file does not exist yet). */
export function readProvenance(path: string): ReadProvenance {
  if (!existsSync(path)) return { records: [], unreadable: 0, tornTail: false };
  const text = readFileSync(path, 'utf8'); // an I/O error propagates: "cannot read" is never "no records"
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  const records: CompletionRecord[] = [];
  let unreadable = 0;
  for (const line of lines) {
    if (line === '') continue;
    const r = parseRecord(line);
    if (r) records.push(r);
    else unreadable++;
  }
  return { records, unreadable, tornTail: tail !== '' };
}

/** Cuts off a torn last line (a crash mid-append), so the next line starts on a line of its own. */
function cutTornTail(fd: number, path: string): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  const bytes = readFileSync(path);
  const keep = bytes.lastIndexOf(0x0a) + 1;
  ftruncateSync(fd, keep);
  syncFile(fd, path);
}

/** Appends one record durably. The caller holds the workspace lock. */
export function appendRecord(path: string, record: CompletionRecord): void {
  appendLineDurably(path, JSON.stringify(record), 'provenance', (fd) => cutTornTail(fd, path));
}

/** Replaces the whole store atomically (an erasure's rewrite); unreadable and torn lines are dropped. */
export function rewriteProvenance(path: string, records: readonly CompletionRecord[]): void {
  writeFileAtomic(path, records.map((r) => JSON.stringify(r) + '\n').join(''));
}
