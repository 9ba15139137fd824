// The one search both front ends call (workbench search box, Data set tree): kinds, the cap and its
// "there were more" flag, and the bounded regex engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace } from '../../src/core/workspace';
import { searchExamples } from '../../src/core/workspace/explore';
import { searchCapped, toSearchQuery } from '../../src/core/workspace/searchRequest';

function workspace(): EraseWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'erase-search-'));
  const rows = [];
  for (let i = 0; i < 12; i++) rows.push({ id: `orbit-${i}`, input: `Rocket ORBIT launch number${i}`, output: 'space' });
  for (let i = 0; i < 12; i++) rows.push({ id: `soup-${i}`, input: `soup onion simmer number${i}`, output: 'food' });
  rows.push({ id: 'long-a', input: 'a'.repeat(5000) + '!', output: 'x' });
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return EraseWorkspace.init(file, { k: 2 });
}

test('toSearchQuery maps each kind; a meaning search drops the case flag', () => {
  assert.deepEqual(toSearchQuery({ kind: 'text', query: 'x', ignoreCase: true }), { kind: 'text', text: 'x', ignoreCase: true });
  assert.deepEqual(toSearchQuery({ kind: 'regex', query: 'a|b', ignoreCase: false }), { kind: 'regex', pattern: 'a|b', ignoreCase: false });
  assert.deepEqual(toSearchQuery({ kind: 'near', query: 'rocket', ignoreCase: true }), { kind: 'near', text: 'rocket' });
});

test('searchCapped: the same hits as searchExamples, capped, and says when there were more', async () => {
  const ws = workspace();
  await ws.cluster();
  const all = await searchExamples(ws, { kind: 'text', text: 'orbit', ignoreCase: true }, 100);
  assert.equal(all.length, 12);
  const exact = await searchCapped(ws, { kind: 'text', query: 'orbit', ignoreCase: true }, 12);
  assert.deepEqual(exact, { hits: all, truncated: false });
  const capped = await searchCapped(ws, { kind: 'text', query: 'orbit', ignoreCase: true }, 5);
  assert.deepEqual(capped, { hits: all.slice(0, 5), truncated: true });
  assert.equal((await searchCapped(ws, { kind: 'text', query: 'orbit', ignoreCase: false }, 100)).hits.length, 0, 'case matters when asked');
  const rx = await searchCapped(ws, { kind: 'regex', query: 'number1[01]$', ignoreCase: false }, 100);
  assert.deepEqual(
    rx.hits.map((h) => h.id),
    ['orbit-10', 'orbit-11', 'soup-10', 'soup-11'],
  );
  const near = await searchCapped(ws, { kind: 'near', query: 'Rocket ORBIT launch number3', ignoreCase: true }, 3);
  assert.equal(near.hits[0].id, 'orbit-3');
  assert.equal(near.truncated, true);
});

test('searchCapped: a catastrophic pattern runs in linear time; lookaround is refused without quoting the pattern', async () => {
  const ws = workspace();
  const t0 = performance.now();
  const r = await searchCapped(ws, { kind: 'regex', query: '^(a+)+$', ignoreCase: false }, 10);
  assert.equal(r.hits.length, 0);
  assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
  await assert.rejects(searchCapped(ws, { kind: 'regex', query: 'secret(?=name)', ignoreCase: false }, 10), (e: Error) => /lookahead/.test(e.message) && !/secret/.test(e.message));
});
