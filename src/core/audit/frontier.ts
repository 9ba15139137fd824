/**
 * The append frontier (`frontier.json` beside the log): what an append needs to know about the
 * log without reading it — the tree head, its compact range (O(log n) hashes, see compact.ts),
 * the signing keys the log trusts after replaying its key entries, and, for each of the two
 * files, a mark of exactly the bytes it covers. With it an append reads O(1) bytes and hashes
 * O(log n); without it (missing, stale, damaged) the append runs the full verification, as
 * before, and writes a new one.
 *
 * WHAT THE FAST PATH CHECKS, AND WHAT IT DOES NOT (why it cannot launder tampering):
 * - The frontier carries an HMAC under the caller's audit HMAC key (a secret in its key store),
 *   so whoever can write the folder but lacks the key cannot forge or edit it: a frontier that
 *   does not verify is ignored (full path). A different key store (another HMAC key) also falls
 *   back to the full path and then writes its own.
 * - Each file must still have the recorded length, inode, ctime and mtime, and its last line must
 *   hash to the recorded hash and end the file. ctime cannot be set back by a user (only by
 *   changing the system clock, i.e. by root), so an edit anywhere in the file — middle included,
 *   even one that keeps the length and the last line — makes the mark stale and the append runs
 *   the full verification, which refuses the tampered log. So does a restore, copy or
 *   truncation of the files (new inode or ctime), and our own crash between two write steps.
 * - The latest checkpoint (the last line of checkpoints.jsonl) must cover exactly the recorded
 *   head and carry a valid signature by a key the frontier trusts; the caller's expected head
 *   must equal the recorded head (anything else takes the full path, which explains it).
 * - Not checked on this path: the bytes in the middle of the files themselves. An attacker who
 *   can reset a file's ctime (root, or a changed system clock) or who holds the HMAC key can edit
 *   the middle of the log without the next append noticing. The append then signs a checkpoint
 *   over a root computed from the frontier — i.e. over the log as it was before the edit, not over
 *   the edited bytes — so the edit is not laundered: `erase audit verify` (verifyLog, always the
 *   full check) still reports the edited entries (chain / checkpoint-root), including against
 *   the new checkpoint. Re-reading the whole file on each append would close this gap at O(n)
 *   cost per append, which is what this file exists to avoid; run `erase audit verify` to audit.
 */
import { timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, hmacSha256Hex, sha256Hex } from '../hash';
import { O_NOFOLLOW, writeDerivedFile } from '../storage/atomicWrite';
import { parseCheckpoint, SignedCheckpoint, verifyCheckpointSignature } from './checkpoint';
import { compactRoot, isCompactRange } from './compact';
import { CHECKPOINT_FILE, FRONTIER_FILE, LOG_FILE } from './files';
import { decodeUtf8, readIfExists } from './jsonl';
import { TreeHead } from './parse';

export const FRONTIER_FORMAT = 'erase-audit-frontier/1';
const MAC_DOMAIN = 'erase-workbench/audit/v1/frontier\0';
const HEX64 = /^[0-9a-f]{64}$/;

/** Exactly which bytes of one file the frontier covers. */
export interface FileMark {
  bytes: number;
  /** Byte offset of the last complete line. */
  lastLineOffset: number;
  /** SHA-256 (hex) of the last line's bytes, without its newline. */
  lastLineHash: string;
  /** Decimal strings (bigint stat): inode, ctime and mtime in nanoseconds. */
  ino: string;
  ctimeNs: string;
  mtimeNs: string;
}

export interface TrustedKey {
  id: string;
  publicKeyPem: string;
}

export interface Frontier {
  format: typeof FRONTIER_FORMAT;
  size: number;
  rootHash: string;
  /** The compact range [0, size), hex, largest subtree first. */
  nodes: string[];
  log: FileMark;
  checkpoints: FileMark;
  /** Signing keys the log trusts after replaying it (genesis first), with their public keys. */
  trustedKeys: TrustedKey[];
  /** The HMAC key fingerprint the log last recorded for each signer (signer id → fingerprint). */
  hmacKeys: Record<string, string>;
}

interface StoredFrontier extends Frontier {
  mac: string;
}

function macOf(frontier: Frontier, hmacKey: Uint8Array): string {
  return hmacSha256Hex(hmacKey, MAC_DOMAIN + canonicalJson(frontier));
}

/** The whole-file stat and last-line check: the file must still be exactly what the mark says. */
function tailMatches(path: string, mark: FileMark): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile() || st.size !== BigInt(mark.bytes) || String(st.ino) !== mark.ino || String(st.ctimeNs) !== mark.ctimeNs || String(st.mtimeNs) !== mark.mtimeNs) return null;
    // The byte before the last line (a newline, unless it is the first line) through the end.
    const from = Math.max(0, mark.lastLineOffset - 1);
    const buf = Buffer.alloc(mark.bytes - from);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, from + off);
      if (n === 0) return null;
      off += n;
    }
    if (mark.lastLineOffset > 0 && buf[0] !== 0x0a) return null;
    if (buf[buf.length - 1] !== 0x0a) return null;
    const line = buf.subarray(mark.lastLineOffset - from, buf.length - 1);
    if (line.includes(0x0a) || sha256Hex(line) !== mark.lastLineHash) return null;
    return line;
  } finally {
    closeSync(fd);
  }
}

/** The mark of a file whose last line is `lastLine` (the caller just wrote and checked it). */
export function markFile(path: string, lastLine: string): FileMark {
  const fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW);
  try {
    const st = fstatSync(fd, { bigint: true });
    const bytes = Number(st.size);
    const lineBytes = Buffer.from(lastLine, 'utf8');
    return {
      bytes,
      lastLineOffset: bytes - lineBytes.length - 1,
      lastLineHash: sha256Hex(lineBytes),
      ino: String(st.ino),
      ctimeNs: String(st.ctimeNs),
      mtimeNs: String(st.mtimeNs),
    };
  } finally {
    closeSync(fd);
  }
}

function isMark(m: unknown): m is FileMark {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return (
    Number.isSafeInteger(o.bytes) &&
    Number.isSafeInteger(o.lastLineOffset) &&
    (o.lastLineOffset as number) >= 0 &&
    (o.lastLineOffset as number) < (o.bytes as number) &&
    typeof o.lastLineHash === 'string' &&
    HEX64.test(o.lastLineHash) &&
    ['ino', 'ctimeNs', 'mtimeNs'].every((k) => typeof o[k] === 'string' && /^\d+$/.test(o[k] as string))
  );
}

/** The stored frontier if it is well formed and its MAC verifies under `hmacKey`; else null. */
function readFrontier(dir: string, hmacKey: Uint8Array): Frontier | null {
  let raw: unknown;
  try {
    const bytes = readIfExists(join(dir, FRONTIER_FILE));
    if (bytes === null) return null;
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { mac, ...frontier } = raw as StoredFrontier;
  if (typeof mac !== 'string' || frontier.format !== FRONTIER_FORMAT) return null;
  const shapeOk =
    Number.isSafeInteger(frontier.size) &&
    frontier.size > 0 &&
    typeof frontier.rootHash === 'string' &&
    Array.isArray(frontier.nodes) &&
    frontier.nodes.every((n) => typeof n === 'string' && HEX64.test(n)) &&
    isMark(frontier.log) &&
    isMark(frontier.checkpoints) &&
    Array.isArray(frontier.trustedKeys) &&
    frontier.trustedKeys.every((k) => typeof k?.id === 'string' && typeof k?.publicKeyPem === 'string') &&
    typeof frontier.hmacKeys === 'object' &&
    frontier.hmacKeys !== null;
  if (!shapeOk) return null;
  const expected = Buffer.from(macOf(frontier, hmacKey), 'utf8');
  const given = Buffer.from(mac, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const nodes = frontier.nodes.map((n) => Buffer.from(n, 'hex'));
  if (!isCompactRange(frontier.size, nodes) || compactRoot(nodes).toString('hex') !== frontier.rootHash) return null;
  return frontier;
}

export interface UsableFrontier {
  frontier: Frontier;
  nodes: Buffer[];
  latestCheckpoint: SignedCheckpoint;
}

/**
 * The frontier, if the log files are still exactly what it covers (see the module comment):
 * MAC, file marks and last lines, the latest checkpoint's head and signature, and the caller's
 * expected head. Null means "take the full path" — never "the log is bad".
 */
export function usableFrontier(dir: string, hmacKey: Uint8Array, expectedHead: TreeHead | undefined): UsableFrontier | null {
  const frontier = readFrontier(dir, hmacKey);
  if (frontier === null) return null;
  if (expectedHead !== undefined && (expectedHead.size !== frontier.size || expectedHead.rootHash !== frontier.rootHash)) return null;
  if (tailMatches(join(dir, LOG_FILE), frontier.log) === null) return null;
  const cpLine = tailMatches(join(dir, CHECKPOINT_FILE), frontier.checkpoints);
  const cpText = cpLine === null ? null : decodeUtf8(cpLine);
  if (cpText === null) return null;
  const parsed = parseCheckpoint(cpText);
  if ('error' in parsed) return null;
  const cp = parsed.value;
  if (cp.checkpoint.size !== frontier.size || cp.checkpoint.rootHash !== frontier.rootHash) return null;
  const signer = frontier.trustedKeys.find((k) => k.id === cp.keyId);
  if (signer === undefined || !verifyCheckpointSignature(cp, signer.publicKeyPem)) return null;
  return { frontier, nodes: frontier.nodes.map((n) => Buffer.from(n, 'hex')), latestCheckpoint: cp };
}

/** A fresh frontier for the log as just written: `logLine` and `checkpointLine` must be the files' last lines. */
export function writeFrontier(
  dir: string,
  hmacKey: Uint8Array,
  state: { head: TreeHead; nodes: readonly Buffer[]; logLine: string; checkpointLine: string; trustedKeys: readonly TrustedKey[]; hmacKeys: Record<string, string> },
): void {
  const frontier: Frontier = {
    format: FRONTIER_FORMAT,
    size: state.head.size,
    rootHash: state.head.rootHash,
    nodes: state.nodes.map((n) => n.toString('hex')),
    log: markFile(join(dir, LOG_FILE), state.logLine),
    checkpoints: markFile(join(dir, CHECKPOINT_FILE), state.checkpointLine),
    trustedKeys: state.trustedKeys.map(({ id, publicKeyPem }) => ({ id, publicKeyPem })),
    hmacKeys: { ...state.hmacKeys },
  };
  // Not synced: a frontier a crash lost or cut does not verify or no longer matches the files, and the next append takes the full path and writes it again.
  writeDerivedFile(join(dir, FRONTIER_FILE), JSON.stringify({ ...frontier, mac: macOf(frontier, hmacKey) }));
}
