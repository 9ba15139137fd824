/** Shared fixtures for the audit tests: a temporary folder with a log of n entries. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { appendEntry, AuditEntryInput, MemoryKeyStore, TreeHead } from '../../src/core/audit/index';

export const TOOL_VERSION = 'erase-workbench 0.1.0-test';

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `erase-audit-${tag}-`));
}

export const hashOf = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Distinctive strings that must never appear in any file the log writes. */
export function secretContent(i: number): string {
  return `SECRET-CONTENT-${i}-zebra-quartz-${i * 7919}`;
}
export function secretId(i: number): string {
  return `SECRET-ID-${i}-mauve-${i * 104729}`;
}

export function entryInput(i: number): AuditEntryInput {
  const action = i === 0 ? 'init' : i % 7 === 3 ? 'verify' : i % 11 === 5 ? 'refuse' : 'erase';
  const erased = action === 'erase' ? [0, 1, 2].slice(0, 1 + (i % 3)).map((k) => ({ id: secretId(i * 10 + k), content: secretContent(i * 10 + k) })) : [];
  return {
    requestId: `REQ-${String(Math.floor(i / 2)).padStart(4, '0')}`,
    time: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T10:${String(i % 60).padStart(2, '0')}:00.000Z`,
    action,
    requester: i % 2 === 0 ? 'privacy-office@example.com' : undefined,
    subjectRef: i % 3 === 0 ? `TICKET-${1000 + i}` : undefined,
    erased,
    stateHashBefore: i === 0 ? '' : hashOf(`state ${i - 1}`),
    stateHashAfter: hashOf(`state ${i}`),
    certified: i % 5 !== 4,
    retrained: i % 5 === 4,
    promptChanged: i % 4 === 1,
    modelUnloaded: i % 6 === 0 ? true : undefined,
    verification: action === 'verify' ? { equal: true, scratchHash: hashOf(`state ${i}`) } : undefined,
    toolVersion: TOOL_VERSION,
    notes: i % 9 === 2 ? 'customer asked by phone; confirmed in writing' : undefined,
  };
}

export async function buildLog(dir: string, n: number, keyStore = new MemoryKeyStore()): Promise<{ keyStore: MemoryKeyStore; head: TreeHead; publicKeyPem: string }> {
  let head: TreeHead = { size: 0, rootHash: '' };
  for (let i = 0; i < n; i++) {
    const r = await appendEntry(dir, entryInput(i), { keyStore, expectedHead: i === 0 ? undefined : head });
    head = r.head;
  }
  const { publicKeyPem } = await keyStore.getOrCreateSigningKey();
  return { keyStore, head, publicKeyPem };
}
