import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLine } from '../../src/core/audit/jsonl';
import { UserError } from '../../src/core/errors';

test('an append to a symlinked audit.jsonl fails clearly and writes nothing through the link', { skip: process.platform === 'win32' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-link-'));
  const victim = join(dir, 'elsewhere.txt');
  writeFileSync(victim, 'not a log\n');
  const log = join(dir, 'audit.jsonl');
  symlinkSync(victim, log);
  assert.throws(
    () => appendLine(log, '{"seq":0}'),
    (e: unknown) => e instanceof UserError && /audit\.jsonl is a symbolic link; the audit log is never written through a link/.test(e.message),
  );
  assert.equal(readFileSync(victim, 'utf8'), 'not a log\n');
});

test('a new audit.jsonl is 0600 even under umask 000', { skip: process.platform === 'win32' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-mode-'));
  const old = process.umask(0);
  try {
    appendLine(join(dir, 'audit.jsonl'), '{"seq":0}');
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(join(dir, 'audit.jsonl')).mode & 0o777, 0o600);
});
