import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, erase, tempDir } from './cliHarness';

function run(cwd: string, args: string[]): Promise<number | null> {
  return new Promise((done) => spawn(process.execPath, [CLI, ...args], { cwd, stdio: 'ignore' }).on('exit', (code) => done(code)));
}

test('two erase delete processes at once: both erasures happen, both are audited, and both request records are kept', async () => {
  const dir = tempDir('concurrent');
  const lines = Array.from({ length: 120 }, (_, i) => JSON.stringify({ input: `review number ${i} of a ${i % 2 ? 'good' : 'bad'} film`, output: i % 2 ? 'positive' : 'negative' }));
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'data.jsonl', '--k', '4').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  const ids = erase(dir, 'status', '--json', '--ids').json().ids as string[];
  const codes = await Promise.all([
    run(dir, ['delete', '--id', ids[3], '--request-id', 'REQ-A', '--skip-scan', '--keep-model']),
    run(dir, ['delete', '--id', ids[4], '--request-id', 'REQ-B', '--skip-scan', '--keep-model']),
  ]);
  assert.deepEqual(codes, [0, 0]);
  const records = readFileSync(join(dir, '.erase', 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { record: { requestId: string; status: string } }).record);
  assert.deepEqual(records.map((r) => `${r.requestId}:${r.status}`).sort(), ['REQ-A:erased', 'REQ-B:erased']);
  assert.equal(erase(dir, 'audit', 'verify').code, 0);
  assert.equal(erase(dir, 'verify').code, 0);
});
