// `erase status` lists the example ids only with --ids (O(n)), reads what the last transaction
// recorded while the data file is unchanged, and parses and compares again once it was edited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { erase, tempDir } from './cliHarness';

test('erase status: ids only with --ids; the recorded figures while the file is unchanged, a full comparison after a hand edit or a copy', (t) => {
  const dir = tempDir('status-recorded');
  const copy = tempDir('status-recorded-copy');
  t.after(() => [dir, copy].forEach((d) => rmSync(d, { recursive: true, force: true })));
  // 50 distinct texts, 10 of them on two lines (duplicates), and a malformed line at line 6.
  const lines = Array.from({ length: 60 }, (_, i) => {
    const j = i % 50;
    return JSON.stringify({ input: `review ${j} of the ${['film', 'plot', 'cast'][j % 3]}`, output: j % 2 ? 'pos' : 'neg' });
  });
  lines.splice(5, 0, '{"input": broken');
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  const ok = (cwd: string, ...args: string[]) => {
    const r = erase(cwd, ...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  ok(dir, 'init', '--data', 'data.jsonl', '--k', '3');
  ok(dir, 'cluster');

  const s = ok(dir, 'status', '--json').json();
  assert.equal('ids' in s, false, 'no ids unless asked');
  assert.equal(s.source, 'recorded');
  assert.deepEqual([s.n, s.distinct, s.duplicates, s.outOfDate], [60, 50, 10, false]);
  assert.deepEqual(
    s.malformed.map((m: { line: number }) => m.line),
    [6],
  );
  const withIds = ok(dir, 'status', '--json', '--ids').json();
  assert.equal(withIds.ids.length, 50);
  assert.equal(new Set(withIds.ids).size, 50);
  const { ids: _ids, ...rest } = withIds;
  assert.deepEqual({ ...rest, compliance: null }, { ...s, compliance: null });
  assert.match(ok(dir, 'status').stdout, /the state matches the data file \(unchanged since the last transaction/);
  assert.match(ok(dir, 'status', '--ids').stdout, new RegExp(`ids \\(50\\):\\n${withIds.ids[0]}\\n`));

  cpSync(dir, copy, { recursive: true });
  const copied = ok(copy, 'status', '--json').json();
  assert.equal(copied.source, 'parsed');
  assert.deepEqual([copied.n, copied.distinct, copied.outOfDate, copied.stateHash], [60, 50, false, s.stateHash]);

  appendFileSync(join(dir, 'data.jsonl'), JSON.stringify({ input: 'added by hand', output: 'pos' }) + '\n');
  const edited = ok(dir, 'status', '--json').json();
  assert.equal(edited.source, 'parsed');
  assert.equal(edited.outOfDate, true);
  assert.equal(edited.drift.added.length, 1);
  assert.match(ok(dir, 'status').stdout, /run erase reconcile/);
});
