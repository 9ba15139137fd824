/**
 * Verification of the whole log: entries, hash chain, signed checkpoints and the tree head the
 * caller kept outside the log. Every finding is a structured problem; nothing throws on a
 * damaged log, because reporting damage is the point.
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { parseCheckpoint, publicKeyId, SignedCheckpoint, verifyCheckpointSignature } from './checkpoint';
import { AuditEntry, isKeyAction, KeyAction } from './entry';
import { decodeUtf8, readIfExists, splitLines } from './jsonl';
import { CHECKPOINT_FILE, LOG_FILE, PUBLIC_KEY_FILE } from './files';
import { headOf, parseLog, ParsedLog, Problem, TreeHead } from './parse';

export interface VerifyOptions {
  /** The head the caller stored outside the log after its last append (detects tail truncation). */
  expectedHead?: TreeHead;
  /** Auditor's copy of the signing public key(s). Defaults to audit-public-key.pem beside the log. */
  keys?: { publicKeyPem: string | readonly string[] };
}

export interface VerifyReport {
  ok: boolean;
  size: number;
  rootHash: string;
  problems: Problem[];
  /** Limits of what this run could prove (not failures). */
  warnings: string[];
  latestCheckpoint: SignedCheckpoint | null;
  /** Every key entry of the log, in order, with how it was vouched for. */
  keyChanges: KeyChange[];
  /** Ids of the signing keys the log trusts after replaying it: the genesis key(s) first, then added ones. */
  trustedKeyIds: string[];
  /** The public keys (SPKI PEM) of trustedKeyIds, index for index. */
  trustedKeyPems: string[];
}

/** A key entry as verification saw it. */
export interface KeyChange {
  seq: number;
  time: string;
  action: KeyAction;
  signingKeyId: string;
  hmacKeyFingerprint: string;
  /**
   * key-add: the trusted key whose checkpoint countersigned the entry (null: none did — a problem).
   * key-reset: a key trusted before the reset whose checkpoint later covered it (null: none — it rests on itself alone).
   * hmac-key: the key whose checkpoint first covered it.
   */
  vouchedBy: string | null;
  notes: string;
}

/** Keeps the first problem of a cascading kind and counts the rest, so reports stay readable. */
function collapse(problems: Problem[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, { first: Problem; extra: number }>();
  for (const p of problems) {
    if (p.kind !== 'chain' && p.kind !== 'checkpoint-root') {
      out.push(p);
      continue;
    }
    const s = seen.get(p.kind);
    if (s) {
      s.extra++;
      continue;
    }
    const copy = { ...p };
    seen.set(p.kind, { first: copy, extra: 0 });
    out.push(copy);
  }
  for (const { first, extra } of seen.values()) if (extra > 0) first.message += ` (and ${extra} later ${first.kind === 'chain' ? 'entries' : 'checkpoints'} likewise)`;
  return out;
}

export interface VerifyBytesOptions {
  publicKeyPems: readonly string[];
  expectedHead?: TreeHead;
  /**
   * 'all' (default) checks every checkpoint's signature; 'latest' only the last line's, for a
   * writer that already trusted the earlier ones when they were written (keeps appends O(n)
   * in hashing rather than O(n) signature checks each).
   */
  signatures?: 'all' | 'latest';
  /**
   * Memo of signature results keyed by key id, message and signature. Sound because Ed25519
   * verification is a pure function of the three; lets repeated checks skip unchanged lines.
   */
  signatureCache?: Map<string, boolean>;
}

const parsedKeys = new Map<string, { key: KeyObject; id: string }>();
const MAX_PARSED_KEYS = 16;

/** PEM parsing costs more than a signature check; a log is verified with one or two keys. */
function keyFromPem(pem: string): { key: KeyObject; id: string } {
  let entry = parsedKeys.get(pem);
  if (entry === undefined) {
    const key = createPublicKey(pem);
    entry = { key, id: publicKeyId(key) };
    if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.clear();
    parsedKeys.set(pem, entry);
  }
  return entry;
}

/** `line` is the checkpoint's canonical line, which determines key id, message and signature. */
function checkSignature(cp: SignedCheckpoint, line: string, key: KeyObject, cache: Map<string, boolean> | undefined): boolean {
  if (!cache) return verifyCheckpointSignature(cp, key);
  const memoKey = line;
  let ok = cache.get(memoKey);
  if (ok === undefined) {
    ok = verifyCheckpointSignature(cp, key);
    cache.set(memoKey, ok);
  }
  return ok;
}

const short = (id: string): string => `${id.slice(0, 16)}…`;

/**
 * The trusted signing keys, replayed from the start of the log. Genesis: the given public keys.
 * A checkpoint over size s makes the key entries below s take effect before its own key is
 * looked up: a key-reset at once (reported as a warning), a key-add only once a checkpoint by an
 * already-trusted key covers it — so a key can never vouch for itself except by a visible reset.
 */
class KeyReplay {
  readonly trusted = new Map<string, KeyObject>();
  readonly changes: KeyChange[] = [];
  private readonly pending: { seq: number; id: string; key: KeyObject | null; change: KeyChange }[] = [];
  private readonly resets: { seq: number; before: Set<string>; change: KeyChange }[] = [];
  private next = 0;
  private readonly keyEntries: AuditEntry[];

  constructor(parsed: ParsedLog) {
    this.keyEntries = parsed.entries.filter((e): e is AuditEntry => e !== null && isKeyAction(e.action) && e.key !== undefined);
  }

  /** Key entries below `size` take effect (in log order). */
  reach(size: number): void {
    while (this.next < this.keyEntries.length && this.keyEntries[this.next].seq < size) {
      const e = this.keyEntries[this.next++];
      const k = e.key!;
      const change: KeyChange = {
        seq: e.seq,
        time: e.time,
        action: e.action as KeyAction,
        signingKeyId: k.signingKeyId,
        hmacKeyFingerprint: k.hmacKeyFingerprint,
        vouchedBy: null,
        notes: e.notes ?? '',
      };
      this.changes.push(change);
      if (e.action === 'hmac-key') {
        this.pending.push({ seq: e.seq, id: k.signingKeyId, key: null, change });
        continue;
      }
      const { key, id } = keyFromPem(k.publicKeyPem!); // validateEntry checked that it parses and matches the id
      if (e.action === 'key-reset') {
        this.resets.push({ seq: e.seq, before: new Set(this.trusted.keys()), change });
        this.trusted.set(id, key);
      } else this.pending.push({ seq: e.seq, id, key, change });
    }
  }

  /** A valid checkpoint by trusted key `by` over `size` countersigns the pending entries below it. */
  vouch(size: number, by: string): void {
    for (const r of this.resets) if (r.seq < size && r.change.vouchedBy === null && r.before.has(by)) r.change.vouchedBy = by;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i];
      if (p.seq >= size) continue;
      if (p.key) this.trusted.set(p.id, p.key);
      p.change.vouchedBy = by;
      this.pending.splice(i, 1);
    }
  }

  /** One warning per key reset, naming the entry: a reset is accepted but never silent. */
  resetWarnings(): string[] {
    return this.resets.map(
      ({ seq, change: c }) =>
        `entry ${seq} is a KEY RESET (${c.time}): signing key ${short(c.signingKeyId)} was added without a countersignature by a key the log already trusted, so what that key signed rests on it alone — confirm with its holder that they made this change${c.vouchedBy ? ` (a checkpoint by earlier key ${short(c.vouchedBy)} covered it later: that signer appended after it)` : ''}; its commitments use HMAC key ${short(c.hmacKeyFingerprint)}, so commitments made before stay checkable only with the HMAC key used then`,
    );
  }

  hasPendingBelow(size: number): boolean {
    return this.pending.some((p) => p.seq < size);
  }

  /** key-add entries no trusted key countersigned. */
  unvouched(): { seq: number; id: string }[] {
    return this.pending.filter((p) => p.key !== null).map(({ seq, id }) => ({ seq, id }));
  }
}

function checkCheckpoints(parsed: ParsedLog, bytes: Buffer | null, opts: VerifyBytesOptions, problems: Problem[], replay: KeyReplay): SignedCheckpoint | null {
  const pems = opts.publicKeyPems;
  const size = parsed.leafHashes.length;
  const split = splitLines(bytes ?? Buffer.alloc(0));
  if (split.torn) problems.push({ kind: 'checkpoint-torn', message: `checkpoints file ends in an incomplete line (${split.torn.length} bytes)` });
  // Parse each key once: PEM parsing per checkpoint would dominate the cost of verification.
  const keys = replay.trusted;
  const badKeys = pems.filter((pem) => {
    try {
      const { key, id } = keyFromPem(pem);
      keys.set(id, key);
      return false;
    } catch {
      return true;
    }
  });
  if (split.lines.length === 0) {
    if (size > 0) problems.push({ kind: 'no-checkpoint', message: `the log has ${size} entries but no signed checkpoint` });
    return null;
  }
  if (badKeys.length > 0) problems.push({ kind: 'no-public-key', message: 'a public key given for verification is not a valid PEM key' });
  const haveGenesis = keys.size > 0;
  if (!haveGenesis) problems.push({ kind: 'no-public-key', message: 'no public key to check checkpoint signatures against' });
  let latest: SignedCheckpoint | null = null;
  /** Entries some checkpoint claims to cover, trusted or not: a key-add among them that no trusted key vouched for is a forgery. */
  let anyCovered = 0;
  split.lines.forEach((lineBytes, k) => {
    const text = decodeUtf8(lineBytes);
    const parsedCp = text === null ? { error: 'not UTF-8' } : parseCheckpoint(text);
    if ('error' in parsedCp) {
      problems.push({ kind: 'checkpoint-malformed', seq: k, message: `checkpoint ${k + 1}: ${parsedCp.error}` });
      return;
    }
    const cp = parsedCp.value;
    anyCovered = Math.max(anyCovered, cp.checkpoint.size);
    if (haveGenesis) replay.reach(Math.min(cp.checkpoint.size, size));
    const pem = keys.get(cp.keyId);
    if (pem === undefined) {
      if (haveGenesis)
        problems.push({
          kind: 'checkpoint-key',
          seq: k,
          message: `checkpoint ${k + 1} names a signing key that is not the log's key (nor one a key entry before it added with a trusted countersignature)`,
        });
      return;
    }
    // A checkpoint that countersigns a key entry is always checked: trusting it unchecked would let a forged line add a key.
    const mustCheck = opts.signatures !== 'latest' || k === split.lines.length - 1 || replay.hasPendingBelow(Math.min(cp.checkpoint.size, size));
    if (mustCheck && !checkSignature(cp, text!, pem, opts.signatureCache)) {
      problems.push({ kind: 'checkpoint-signature', seq: k, message: `checkpoint ${k + 1} has an invalid signature` });
      return;
    }
    const { size: cpSize, rootHash } = cp.checkpoint;
    if (cpSize > size) {
      problems.push({ kind: 'truncated', seq: k, message: `checkpoint ${k + 1} was signed over ${cpSize} entries but the log has ${size}: entries were removed from the end` });
    } else if (parsed.roots[cpSize].toString('hex') !== rootHash) {
      problems.push({
        kind: 'checkpoint-root',
        seq: k,
        message: `the first ${cpSize} entries no longer hash to the root signed in checkpoint ${k + 1}: an entry was changed, removed or reordered`,
      });
    } else replay.vouch(cpSize, cp.keyId);
    if (latest !== null && cpSize < latest.checkpoint.size) {
      problems.push({ kind: 'checkpoint-order', seq: k, message: `checkpoint ${k + 1} covers fewer entries than an earlier one` });
      return;
    }
    latest = cp;
  });
  // Key entries no checkpoint covers yet still show (they are 'unanchored' below, not unauthorized).
  const covered = Math.min(size, anyCovered);
  if (haveGenesis) replay.reach(size);
  for (const u of replay.unvouched().filter((x) => x.seq < covered)) {
    problems.push({
      kind: 'key-unauthorized',
      seq: u.seq,
      message: `entry ${u.seq} adds signing key ${short(u.id)} but no checkpoint by a key the log already trusted covers it: a key-add must be countersigned (only a key-reset may vouch for itself, and it is always reported)`,
    });
  }
  const last = latest as SignedCheckpoint | null;
  if (last !== null && last.checkpoint.size < size) {
    problems.push({
      kind: 'unanchored',
      seq: last.checkpoint.size,
      message: `entries ${last.checkpoint.size}..${size - 1} are not covered by a signed checkpoint: appended without the signing key, or the process stopped between writing an entry and signing it`,
    });
  }
  return last;
}

function checkExpectedHead(parsed: ParsedLog, head: TreeHead, problems: Problem[]): void {
  const size = parsed.leafHashes.length;
  if (!Number.isSafeInteger(head.size) || head.size < 0) {
    problems.push({ kind: 'head-mismatch', message: 'the expected tree head is malformed' });
  } else if (head.size > size) {
    problems.push({ kind: 'truncated', message: `the recorded tree head has ${head.size} entries but the log has ${size}: entries were removed from the end` });
  } else if (parsed.roots[head.size].toString('hex') !== head.rootHash) {
    problems.push({ kind: 'head-mismatch', message: `the first ${head.size} entries do not hash to the recorded tree head: the log was rewritten` });
  } else if (head.size < size) {
    problems.push({
      kind: 'beyond-head',
      seq: head.size,
      message: `the log has ${size - head.size} entries after the recorded tree head (appended later, or the state was not saved after an append)`,
    });
  }
}

/** Pure verification of the two files' bytes (null = file absent). */
export function verifyLogBytes(logBytes: Buffer | null, checkpointBytes: Buffer | null, opts: VerifyBytesOptions): VerifyReport {
  const expectedHead = opts.expectedHead;
  const parsed = parseLog(logBytes);
  const problems = [...parsed.problems];
  const warnings: string[] = [];
  const replay = new KeyReplay(parsed);
  const latestCheckpoint = checkCheckpoints(parsed, checkpointBytes, opts, problems, replay);
  warnings.push(...replay.resetWarnings());
  if (expectedHead) checkExpectedHead(parsed, expectedHead, problems);
  else warnings.push('no recorded tree head was given: removing the last entries together with their checkpoints cannot be detected without it');
  const head = headOf(parsed);
  const collapsed = collapse(problems);
  return {
    ok: collapsed.length === 0,
    size: head.size,
    rootHash: head.rootHash,
    problems: collapsed,
    warnings,
    latestCheckpoint,
    keyChanges: replay.changes,
    trustedKeyIds: [...replay.trusted.keys()],
    trustedKeyPems: [...replay.trusted.values()].map((k) => k.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

function firstCheckpointKeyId(cpBytes: Buffer | null): string | null {
  const first = splitLines(cpBytes ?? Buffer.alloc(0)).lines[0];
  if (first === undefined) return null;
  const parsed = parseCheckpoint(first.toString('utf8'));
  return 'error' in parsed ? null : parsed.value.keyId;
}

function idOf(pem: string): string | null {
  try {
    return publicKeyId(pem);
  } catch {
    return null;
  }
}

/**
 * The genesis key of the log in `dir`: the key of its first checkpoint, taken from the first of
 * `candidates` (e.g. the caller's own keys) that is that key, else from the published
 * audit-public-key.pem. An empty log starts with the first candidate. Later keys come from the
 * log's own key entries, so this one key is all that verification needs.
 */
export function genesisPems(dir: string, candidates: readonly string[], cpBytes: Buffer | null = readIfExists(join(dir, CHECKPOINT_FILE))): string[] {
  if (splitLines(cpBytes ?? Buffer.alloc(0)).lines.length === 0) return candidates.slice(0, 1);
  const firstId = firstCheckpointKeyId(cpBytes);
  const stored = readIfExists(join(dir, PUBLIC_KEY_FILE))?.toString('utf8');
  const all = stored === undefined ? [...candidates] : [...candidates, stored];
  const matching = firstId === null ? [] : all.filter((pem) => idOf(pem) === firstId);
  return matching.length > 0 ? matching.slice(0, 1) : stored !== undefined ? [stored] : [];
}

export async function verifyLog(dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const warnings: string[] = [];
  let pems: readonly string[];
  if (opts.keys) {
    pems = typeof opts.keys.publicKeyPem === 'string' ? [opts.keys.publicKeyPem] : opts.keys.publicKeyPem;
  } else {
    const stored = readIfExists(join(dir, PUBLIC_KEY_FILE));
    pems = stored ? [stored.toString('utf8')] : [];
    warnings.push(`checkpoints were checked with ${PUBLIC_KEY_FILE} stored beside the log; pass the auditor's own copy of the public key to rule out a swapped key`);
  }
  const report = verifyLogBytes(readIfExists(join(dir, LOG_FILE)), readIfExists(join(dir, CHECKPOINT_FILE)), { publicKeyPems: pems, expectedHead: opts.expectedHead });
  report.warnings.push(...warnings);
  return report;
}
