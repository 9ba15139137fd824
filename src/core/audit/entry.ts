/**
 * The audit entry record and its canonical encoding.
 *
 * An entry never holds an erased example's id or text: only keyed commitments
 * HMAC-SHA256(workspace key, domain || value). Whoever holds the key can later confirm
 * "example X was erased in entry N"; the log alone reveals nothing about X, and without the
 * key one cannot even test guesses (plain hashes of short texts could be brute-forced).
 */
import { createPublicKey } from 'node:crypto';
import { canonicalJson, hmacSha256Hex } from '../hash';
import { UserError } from '../errors';
import { publicKeyId } from './checkpoint';

/** Version of ordinary entries: unchanged, so logs written before key entries existed still verify byte for byte. */
export const AUDIT_ENTRY_VERSION = 1;
/** Version of key entries (key-add, key-reset, hmac-key): they carry the `key` field, which v1 readers do not know. */
export const AUDIT_KEY_ENTRY_VERSION = 2;

export const AUDIT_ACTIONS = ['init', 'erase', 'verify', 'refuse', 'reconcile', 'retrain', 'forget-set-export', 'note', 'key-add', 'key-reset', 'hmac-key'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Key entries, written by the log itself (appendEntry), never by callers:
 * - key-add: a new signing key, countersigned — the checkpoint covering the entry is signed by a key the log already trusted;
 * - key-reset: a new signing key that no trusted key vouched for (none was at hand); accepted, but always reported;
 * - hmac-key: a signer now makes its commitments with a different HMAC key (the old one was lost).
 */
export const KEY_ACTIONS = ['key-add', 'key-reset', 'hmac-key'] as const;
export type KeyAction = (typeof KEY_ACTIONS)[number];
export const isKeyAction = (a: unknown): a is KeyAction => (KEY_ACTIONS as readonly unknown[]).includes(a);

/** What a key entry records. Public material and fingerprints only: never a secret key. */
export interface KeyRecord {
  /** The signing key added (key-add, key-reset) or whose HMAC key changed (hmac-key): SHA-256 of its DER SPKI, hex. */
  signingKeyId: string;
  /** key-add / key-reset: the new public key (Ed25519 SPKI PEM, not secret), so verification needs no side file. */
  publicKeyPem?: string;
  /** hmacKeyFingerprint() of the HMAC key this signer's commitments use from this entry on. */
  hmacKeyFingerprint: string;
}

export interface Commitments {
  /** HMAC of each erased example id, hex; index i pairs with contents[i]. Sorted by ids. */
  ids: string[];
  /** HMAC of each erased example's content, hex. */
  contents: string[];
}

export interface Verification {
  /** Whether the state retrained from scratch hashed equal to the incrementally updated one. */
  equal: boolean;
  scratchHash: string;
}

export interface AuditEntry {
  v: typeof AUDIT_ENTRY_VERSION | typeof AUDIT_KEY_ENTRY_VERSION;
  /** 0-based position in the log; equals the Merkle leaf index. */
  seq: number;
  /**
   * Tree head (hex) of the entries before this one. Chains each entry to the whole history, so
   * reordering or removing lines breaks the chain even where no checkpoint is at hand.
   */
  prevRoot: string;
  requestId: string;
  /** ISO 8601 time supplied by the caller (core never reads the clock). */
  time: string;
  action: AuditAction;
  requester?: string;
  /** Opaque reference to the data subject (e.g. a ticket id), never the subject's data. */
  subjectRef?: string;
  commitments: Commitments;
  erasedCount: number;
  /** Canonical state hashes (hex), or '' where there is no state yet. */
  stateHashBefore: string;
  stateHashAfter: string;
  certified: boolean;
  retrained: boolean;
  promptChanged: boolean;
  modelUnloaded?: boolean;
  verification?: Verification;
  toolVersion: string;
  notes?: string;
  /** Key entries only (v 2). */
  key?: KeyRecord;
}

/** One erased example, as the caller knows it. Used only to compute commitments. */
export interface ErasedExample {
  id: string;
  /** The example's content exactly as the data set holds it (e.g. its canonical JSON). */
  content: string | Uint8Array;
}

/** What the caller supplies; seq, prevRoot and commitments are filled in by the log. */
export type AuditEntryInput = Omit<AuditEntry, 'v' | 'seq' | 'prevRoot' | 'commitments' | 'erasedCount' | 'key'> & {
  erased?: readonly ErasedExample[];
};

const ID_DOMAIN = 'erase-workbench/audit/v1/id\0';
const CONTENT_DOMAIN = 'erase-workbench/audit/v1/content\0';
const FINGERPRINT_DOMAIN = 'erase-workbench/audit/v1/hmac-key-fingerprint\0';
const MIN_KEY_BYTES = 32;

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length < MIN_KEY_BYTES) throw new UserError(`the audit HMAC key must be at least ${MIN_KEY_BYTES} bytes`, 'check');
}

function withDomain(domain: string, value: string | Uint8Array): Buffer {
  const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  return Buffer.concat([Buffer.from(domain, 'utf8'), body]);
}

export function commitId(key: Uint8Array, id: string): string {
  checkKey(key);
  return hmacSha256Hex(key, withDomain(ID_DOMAIN, id));
}

export function commitContent(key: Uint8Array, content: string | Uint8Array): string {
  checkKey(key);
  return hmacSha256Hex(key, withDomain(CONTENT_DOMAIN, content));
}

/**
 * Names an HMAC key without revealing it (an HMAC under the key itself, in its own domain, so it
 * can never equal a commitment). Recorded in key entries so an auditor can tell which key made which commitments.
 */
export function hmacKeyFingerprint(key: Uint8Array): string {
  checkKey(key);
  return hmacSha256Hex(key, Buffer.from(FINGERPRINT_DOMAIN, 'utf8'));
}

/** Commitments for a batch, pairs sorted by id commitment so the order leaks nothing. */
export function makeCommitments(key: Uint8Array, erased: readonly ErasedExample[]): Commitments {
  const pairs = erased.map((e) => ({ id: commitId(key, e.id), content: commitContent(key, e.content) }));
  pairs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { ids: pairs.map((p) => p.id), contents: pairs.map((p) => p.content) };
}

/** True if `entry` commits to erasing the example with this id (needs the same key). */
export function checkCommitment(key: Uint8Array, id: string, entry: Pick<AuditEntry, 'commitments'>): boolean {
  return entry.commitments.ids.includes(commitId(key, id));
}

/** True if `entry` commits to erasing an example with exactly this content. */
export function checkContentCommitment(key: Uint8Array, content: string | Uint8Array, entry: Pick<AuditEntry, 'commitments'>): boolean {
  return entry.commitments.contents.includes(commitContent(key, content));
}

const HEX64 = /^[0-9a-f]{64}$/;
const STATE_HASH = /^([0-9a-f]{64})?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const MIN_LEAK_CHECK = 6;

function freeText(input: Pick<AuditEntryInput, 'requestId' | 'requester' | 'subjectRef' | 'notes' | 'toolVersion'>): string[] {
  return [input.requestId, input.requester, input.subjectRef, input.notes, input.toolVersion].filter((s): s is string => typeof s === 'string');
}

/**
 * Refuses an entry whose free-text fields quote an erased id or content: the log outlives the
 * data, so a careless note must not keep what the erasure removed. Values shorter than a few
 * characters are skipped (they would match by chance, and reveal little).
 */
function assertNoLeak(input: AuditEntryInput): void {
  const texts = freeText(input);
  for (const e of input.erased ?? []) {
    const values = [e.id, typeof e.content === 'string' ? e.content : Buffer.from(e.content).toString('utf8')];
    for (const raw of values) {
      const v = raw.trim();
      if (v.length < MIN_LEAK_CHECK) continue;
      if (texts.some((t) => t.includes(v))) {
        throw new UserError(
          'an audit entry field (request id, requester, subject reference, notes) contains an erased example id or content; remove it — the audit log must not keep erased data',
          'input',
        );
      }
    }
  }
}

/** Builds the record the log will store; throws UserError on invalid input. */
export function buildEntry(input: AuditEntryInput, seq: number, prevRoot: string, hmacKey: Uint8Array): AuditEntry {
  if (isKeyAction(input.action)) throw new UserError(`audit action ${input.action} is written by the log itself when a key changes`, 'input');
  assertNoLeak(input);
  const erased = input.erased ?? [];
  const entry: AuditEntry = {
    v: AUDIT_ENTRY_VERSION,
    seq,
    prevRoot,
    requestId: input.requestId,
    time: input.time,
    action: input.action,
    requester: input.requester,
    subjectRef: input.subjectRef,
    commitments: makeCommitments(hmacKey, erased),
    erasedCount: erased.length,
    stateHashBefore: input.stateHashBefore,
    stateHashAfter: input.stateHashAfter,
    certified: input.certified,
    retrained: input.retrained,
    promptChanged: input.promptChanged,
    modelUnloaded: input.modelUnloaded,
    verification: input.verification === undefined ? undefined : { equal: input.verification.equal, scratchHash: input.verification.scratchHash },
    toolVersion: input.toolVersion,
    notes: input.notes,
  };
  const problems = validateEntry(entry);
  if (problems.length > 0) throw new UserError(`invalid audit entry: ${problems.join('; ')}`, 'input');
  return entry;
}

export interface KeyEntryInput {
  action: KeyAction;
  time: string;
  toolVersion: string;
  key: KeyRecord;
  notes?: string;
}

/** A key entry: no commitments, no state change; its request id names the key, so it groups apart from deletion requests. */
export function buildKeyEntry(input: KeyEntryInput, seq: number, prevRoot: string): AuditEntry {
  const entry: AuditEntry = {
    v: AUDIT_KEY_ENTRY_VERSION,
    seq,
    prevRoot,
    requestId: `audit-key-${input.key.signingKeyId.slice(0, 16)}`,
    time: input.time,
    action: input.action,
    commitments: { ids: [], contents: [] },
    erasedCount: 0,
    stateHashBefore: '',
    stateHashAfter: '',
    certified: false,
    retrained: false,
    promptChanged: false,
    toolVersion: input.toolVersion,
    notes: input.notes,
    key: { ...input.key },
  };
  const problems = validateEntry(entry);
  if (problems.length > 0) throw new UserError(`invalid audit key entry: ${problems.join('; ')}`, 'input');
  return entry;
}

/** The entry's one line in audit.jsonl (without the newline) and its Merkle leaf bytes. */
export function encodeEntry(entry: AuditEntry): string {
  return canonicalJson(entry);
}

const FIELDS: Record<string, (v: unknown) => string | null> = {
  v: (v) => (v === AUDIT_ENTRY_VERSION || v === AUDIT_KEY_ENTRY_VERSION ? null : `unsupported version ${String(v)}`),
  seq: (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'seq must be a non-negative integer'),
  prevRoot: (v) => (typeof v === 'string' && HEX64.test(v) ? null : 'prevRoot must be 64 hex digits'),
  requestId: (v) => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? null : 'requestId must be a non-empty string (max 200)'),
  time: (v) => (typeof v === 'string' && ISO_TIME.test(v) && !Number.isNaN(Date.parse(v)) ? null : 'time must be an ISO 8601 date-time with zone'),
  action: (v) => ((AUDIT_ACTIONS as readonly unknown[]).includes(v) ? null : `unknown action ${String(v)}`),
  requester: optionalString,
  subjectRef: optionalString,
  commitments: (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'commitments must be an object';
    const c = v as Record<string, unknown>;
    if (Object.keys(c).some((k) => k !== 'ids' && k !== 'contents')) return 'commitments has unknown fields';
    for (const k of ['ids', 'contents']) {
      const list = c[k];
      if (!Array.isArray(list) || !list.every((h) => typeof h === 'string' && HEX64.test(h))) return `commitments.${k} must be a list of 64-hex-digit HMACs`;
    }
    return (c.ids as string[]).length === (c.contents as string[]).length ? null : 'commitments.ids and commitments.contents differ in length';
  },
  erasedCount: (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'erasedCount must be a non-negative integer'),
  stateHashBefore: (v) => (typeof v === 'string' && STATE_HASH.test(v) ? null : 'stateHashBefore must be 64 hex digits or empty'),
  stateHashAfter: (v) => (typeof v === 'string' && STATE_HASH.test(v) ? null : 'stateHashAfter must be 64 hex digits or empty'),
  certified: requiredBoolean,
  retrained: requiredBoolean,
  promptChanged: requiredBoolean,
  modelUnloaded: (v) => (v === undefined || typeof v === 'boolean' ? null : 'must be a boolean'),
  verification: (v) => {
    if (v === undefined) return null;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'verification must be an object';
    const o = v as Record<string, unknown>;
    if (Object.keys(o).some((k) => k !== 'equal' && k !== 'scratchHash')) return 'verification has unknown fields';
    return typeof o.equal === 'boolean' && typeof o.scratchHash === 'string' && HEX64.test(o.scratchHash)
      ? null
      : 'verification needs equal (boolean) and scratchHash (64 hex digits)';
  },
  toolVersion: (v) => (typeof v === 'string' && v.length > 0 && v.length <= 100 ? null : 'toolVersion must be a non-empty string'),
  notes: optionalString,
  key: (v) => {
    if (v === undefined) return null;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'key must be an object';
    const k = v as Record<string, unknown>;
    if (Object.keys(k).some((f) => f !== 'signingKeyId' && f !== 'publicKeyPem' && f !== 'hmacKeyFingerprint')) return 'key has unknown fields';
    if (typeof k.signingKeyId !== 'string' || !HEX64.test(k.signingKeyId)) return 'key.signingKeyId must be 64 hex digits';
    if (typeof k.hmacKeyFingerprint !== 'string' || !HEX64.test(k.hmacKeyFingerprint)) return 'key.hmacKeyFingerprint must be 64 hex digits';
    if (k.publicKeyPem === undefined) return null;
    return checkPublicKeyPem(k.publicKeyPem, k.signingKeyId);
  },
};

const MAX_PEM = 400;

/** The PEM must be exactly the canonical SPKI export of an Ed25519 key with the stated id (no room to hide anything). */
function checkPublicKeyPem(pem: unknown, keyId: string): string | null {
  if (typeof pem !== 'string' || pem.length > MAX_PEM) return 'key.publicKeyPem must be a PEM public key';
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') return 'key.publicKeyPem must be an Ed25519 key';
    if (key.export({ type: 'spki', format: 'pem' }).toString() !== pem) return 'key.publicKeyPem is not in canonical SPKI PEM form';
    return publicKeyId(key) === keyId ? null : 'key.publicKeyPem does not match key.signingKeyId';
  } catch {
    return 'key.publicKeyPem is not a valid PEM public key';
  }
}

const REQUIRED = [
  'v',
  'seq',
  'prevRoot',
  'requestId',
  'time',
  'action',
  'commitments',
  'erasedCount',
  'stateHashBefore',
  'stateHashAfter',
  'certified',
  'retrained',
  'promptChanged',
  'toolVersion',
];

function optionalString(v: unknown): string | null {
  return v === undefined || (typeof v === 'string' && v.length <= 2000) ? null : 'must be a string (max 2000)';
}

function requiredBoolean(v: unknown): string | null {
  return typeof v === 'boolean' ? null : 'must be a boolean';
}

/**
 * Schema check of a parsed line. Unknown fields are refused: a reader must be able to say
 * exactly what an entry claims, and an extra field is also a place where content could hide.
 */
export function validateEntry(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['entry must be a JSON object'];
  const o = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(o)) if (!(k in FIELDS)) problems.push(`unknown field ${JSON.stringify(k).slice(0, 40)}`);
  for (const k of REQUIRED) if (o[k] === undefined) problems.push(`missing field ${k}`);
  for (const [k, check] of Object.entries(FIELDS)) {
    if (o[k] === undefined && REQUIRED.includes(k)) continue;
    const p = check(o[k]);
    if (p !== null) problems.push(`${k}: ${p}`);
  }
  if (problems.length === 0) {
    const e = o as unknown as AuditEntry;
    if (e.erasedCount !== e.commitments.ids.length) problems.push(`erasedCount ${e.erasedCount} differs from the ${e.commitments.ids.length} commitments`);
    const ids = e.commitments.ids;
    if (ids.some((h, i) => i > 0 && ids[i - 1] > h)) problems.push('commitments are not in canonical (sorted) order');
    problems.push(...keyEntryProblems(e));
  }
  return problems;
}

/** Version 2 is exactly "a key entry": a v1 line can never claim a key change, and a key entry can never erase anything. */
function keyEntryProblems(e: AuditEntry): string[] {
  if (!isKeyAction(e.action)) {
    if (e.key !== undefined) return ['only key entries (key-add, key-reset, hmac-key) carry a key field'];
    return e.v === AUDIT_ENTRY_VERSION ? [] : [`action ${e.action} needs version ${AUDIT_ENTRY_VERSION}`];
  }
  const problems: string[] = [];
  if (e.v !== AUDIT_KEY_ENTRY_VERSION) problems.push(`a ${e.action} entry needs version ${AUDIT_KEY_ENTRY_VERSION}`);
  if (e.key === undefined) return [...problems, `a ${e.action} entry needs a key field`];
  if (e.action === 'hmac-key' ? e.key.publicKeyPem !== undefined : e.key.publicKeyPem === undefined) {
    problems.push(e.action === 'hmac-key' ? 'an hmac-key entry adds no signing key (no publicKeyPem)' : `a ${e.action} entry needs key.publicKeyPem`);
  }
  if (e.erasedCount !== 0) problems.push('a key entry erases nothing');
  return problems;
}
