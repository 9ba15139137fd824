/**
 * Proofs a third party can check without the log: an inclusion proof per entry of a deletion
 * request (the entry itself, its audit path, the signed checkpoint of the tree it belongs to),
 * and consistency proofs between two tree heads.
 *
 * verifyInclusionProof / verifyConsistencyProof need only this file's imports (merkle.ts,
 * checkpoint.ts, node:crypto) and the auditor's copy of the public key.
 */
import { join } from 'node:path';
import { UserError } from '../errors';
import { SignedCheckpoint, verifyCheckpointSignature, publicKeyId } from './checkpoint';
import { LOG_FILE } from './files';
import { readIfExists } from './jsonl';
import { consistencyProof, hashLeaf, inclusionProof, verifyConsistency, verifyInclusion } from './merkle';
import { parseLog } from './parse';
import { verifyLog, VerifyOptions } from './verify';

export const INCLUSION_PROOF_FORMAT = 'erase-workbench/audit-inclusion-proof/v1';
export const CONSISTENCY_PROOF_FORMAT = 'erase-workbench/audit-consistency-proof/v1';

export interface InclusionProof {
  format: typeof INCLUSION_PROOF_FORMAT;
  requestId: string;
  leafIndex: number;
  treeSize: number;
  /** The entry's line exactly as stored (the Merkle leaf bytes, UTF-8). Holds no erased data. */
  entry: string;
  leafHash: string;
  auditPath: string[];
  rootHash: string;
  /** Signed checkpoint over (treeSize, rootHash). */
  checkpoint: SignedCheckpoint;
}

export interface ConsistencyProof {
  format: typeof CONSISTENCY_PROOF_FORMAT;
  from: number;
  to: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

async function verifiedLog(dir: string, opts: VerifyOptions) {
  const report = await verifyLog(dir, opts);
  if (!report.ok) {
    throw new UserError(
      `the audit log does not verify, so no proof was made: ${report.problems
        .slice(0, 3)
        .map((p) => p.message)
        .join('; ')}`,
      'check',
    );
  }
  if (report.latestCheckpoint === null) throw new UserError('the audit log is empty: there is nothing to prove', 'input');
  return { report, parsed: parseLog(readIfExists(join(dir, LOG_FILE))) };
}

/** One inclusion proof for every entry of `requestId`, against the latest signed checkpoint. */
export async function proveRequest(dir: string, requestId: string, opts: VerifyOptions = {}): Promise<InclusionProof[]> {
  const { report, parsed } = await verifiedLog(dir, opts);
  const cp = report.latestCheckpoint!;
  const size = cp.checkpoint.size;
  const proofs: InclusionProof[] = [];
  parsed.entries.forEach((e, i) => {
    if (e === null || e.requestId !== requestId || i >= size) return;
    proofs.push({
      format: INCLUSION_PROOF_FORMAT,
      requestId,
      leafIndex: i,
      treeSize: size,
      entry: parsed.lines[i]!,
      leafHash: hex(parsed.leafHashes[i]),
      auditPath: inclusionProof(parsed.leafHashes, i, size).map(hex),
      rootHash: cp.checkpoint.rootHash,
      checkpoint: cp,
    });
  });
  if (proofs.length === 0) throw new UserError('no audit entry has that request id', 'input');
  return proofs;
}

/** Proof that the log at size `from` is a prefix of the log at size `to`. */
export async function consistency(dir: string, from: number, to: number, opts: VerifyOptions = {}): Promise<ConsistencyProof> {
  const { parsed } = await verifiedLog(dir, opts);
  const n = parsed.leafHashes.length;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to || to > n) {
    throw new UserError(`sizes must satisfy 0 <= from <= to <= ${n}`, 'usage');
  }
  return {
    format: CONSISTENCY_PROOF_FORMAT,
    from,
    to,
    fromRoot: hex(parsed.roots[from]),
    toRoot: hex(parsed.roots[to]),
    proof: consistencyProof(parsed.leafHashes, from, to).map(hex),
  };
}

const HEX64 = /^[0-9a-f]{64}$/;
const unhexAll = (list: unknown): Buffer[] | null =>
  Array.isArray(list) && list.every((h) => typeof h === 'string' && HEX64.test(h)) ? list.map((h: string) => Buffer.from(h, 'hex')) : null;

/**
 * Standalone check of an inclusion proof (e.g. parsed from a JSON file an auditor received).
 * With the auditor's public key, also checks that the root was signed by the log's key. A log
 * with several signers (key entries): pass the keys `erase audit verify` reports as trusted
 * (their PEMs are in the key entries); the checkpoint must be signed by one of them.
 */
export function verifyInclusionProof(proof: unknown, publicKeyPem?: string | readonly string[]): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  const p = proof as Partial<InclusionProof> | null;
  if (typeof p !== 'object' || p === null || p.format !== INCLUSION_PROOF_FORMAT || typeof p.entry !== 'string') {
    return { ok: false, problems: ['not an inclusion proof of this format'] };
  }
  const path = unhexAll(p.auditPath);
  const leaf = hashLeaf(Buffer.from(p.entry, 'utf8'));
  if (p.leafHash !== hex(leaf)) problems.push('leafHash is not the hash of the entry');
  let parsedEntry: { seq?: unknown; requestId?: unknown } = {};
  try {
    parsedEntry = JSON.parse(p.entry);
  } catch {
    problems.push('entry is not JSON');
  }
  if (parsedEntry.seq !== p.leafIndex) problems.push('entry seq differs from leafIndex');
  if (parsedEntry.requestId !== p.requestId) problems.push("entry requestId differs from the proof's requestId");
  if (
    path === null ||
    typeof p.rootHash !== 'string' ||
    !HEX64.test(p.rootHash) ||
    typeof p.leafIndex !== 'number' ||
    typeof p.treeSize !== 'number' ||
    !verifyInclusion(leaf, p.leafIndex, p.treeSize, path, Buffer.from(p.rootHash, 'hex'))
  ) {
    problems.push('the audit path does not lead from the entry to the root');
  }
  if (publicKeyPem !== undefined) {
    const cp = p.checkpoint;
    if (!cp || typeof cp !== 'object' || !cp.checkpoint) problems.push('no signed checkpoint');
    else {
      if (cp.checkpoint.size !== p.treeSize || cp.checkpoint.rootHash !== p.rootHash) problems.push('the checkpoint signs a different tree head');
      const signer = (typeof publicKeyPem === 'string' ? [publicKeyPem] : publicKeyPem).find((pem) => {
        try {
          return cp.keyId === publicKeyId(pem);
        } catch {
          return false; // bad key
        }
      });
      if (signer === undefined || !verifyCheckpointSignature(cp, signer)) problems.push('the checkpoint is not signed by the given key');
    }
  }
  return { ok: problems.length === 0, problems };
}

export function verifyConsistencyProof(proof: unknown): boolean {
  const p = proof as Partial<ConsistencyProof> | null;
  if (typeof p !== 'object' || p === null || p.format !== CONSISTENCY_PROOF_FORMAT) return false;
  const path = unhexAll(p.proof);
  if (path === null || typeof p.fromRoot !== 'string' || !HEX64.test(p.fromRoot) || typeof p.toRoot !== 'string' || !HEX64.test(p.toRoot)) return false;
  if (typeof p.from !== 'number' || typeof p.to !== 'number') return false;
  return verifyConsistency(p.from, p.to, Buffer.from(p.fromRoot, 'hex'), Buffer.from(p.toRoot, 'hex'), path);
}
