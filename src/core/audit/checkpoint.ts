/**
 * Signed checkpoints: an Ed25519 signature over a tree head {size, rootHash, time}.
 *
 * A checkpoint pins the whole log up to `size`: changing, removing or reordering any covered
 * entry changes the root, and only the holder of the signing key can sign a new one. The
 * signed bytes carry a context prefix so a signature made for a checkpoint can never be
 * replayed as a signature over anything else made with the same key.
 */
import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from '../hash';

export interface Checkpoint {
  size: number;
  rootHash: string;
  time: string;
}

export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  /** SHA-256 (hex) of the signer's public key in DER SPKI form. */
  keyId: string;
  /** Ed25519 signature, standard base64. */
  signature: string;
}

const CONTEXT = 'erase-workbench audit checkpoint v1\n';
const HEX64 = /^[0-9a-f]{64}$/;

/** The exact bytes that are signed: context line + canonical JSON of the checkpoint. */
export function checkpointMessage(cp: Checkpoint): Buffer {
  return Buffer.from(CONTEXT + canonicalJson({ rootHash: cp.rootHash, size: cp.size, time: cp.time }), 'utf8');
}

export function publicKeyId(publicKey: string | KeyObject): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

export function signCheckpoint(cp: Checkpoint, privateKeyPem: string, publicKeyPem: string): SignedCheckpoint {
  const signature = sign(null, checkpointMessage(cp), privateKeyPem).toString('base64');
  return { checkpoint: { size: cp.size, rootHash: cp.rootHash, time: cp.time }, keyId: publicKeyId(publicKeyPem), signature };
}

/** True only for a well-formed signature by this exact key. Never throws. */
export function verifyCheckpointSignature(signed: SignedCheckpoint, publicKey: string | KeyObject): boolean {
  try {
    const sig = Buffer.from(signed.signature, 'base64');
    if (sig.length !== 64 || sig.toString('base64') !== signed.signature) return false;
    return verify(null, checkpointMessage(signed.checkpoint), publicKey, sig);
  } catch {
    return false;
  }
}

export function encodeCheckpoint(signed: SignedCheckpoint): string {
  return canonicalJson(signed);
}

/**
 * Parses one line of checkpoints.jsonl strictly: the line must be exactly the canonical
 * encoding of a well-formed record, so no byte of it can change without notice.
 */
export function parseCheckpoint(line: string): { value: SignedCheckpoint } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'not a JSON object' };
  const o = raw as Record<string, unknown>;
  const cp = o.checkpoint as Record<string, unknown> | undefined;
  const shapeOk =
    Object.keys(o).sort().join(',') === 'checkpoint,keyId,signature' &&
    typeof o.keyId === 'string' &&
    HEX64.test(o.keyId) &&
    typeof o.signature === 'string' &&
    typeof cp === 'object' &&
    cp !== null &&
    !Array.isArray(cp) &&
    Object.keys(cp).sort().join(',') === 'rootHash,size,time' &&
    Number.isSafeInteger(cp.size) &&
    (cp.size as number) >= 0 &&
    typeof cp.rootHash === 'string' &&
    HEX64.test(cp.rootHash) &&
    typeof cp.time === 'string';
  if (!shapeOk) return { error: 'not a well-formed signed checkpoint' };
  const value = raw as SignedCheckpoint;
  if (encodeCheckpoint(value) !== line) return { error: 'not in canonical form' };
  return { value };
}
