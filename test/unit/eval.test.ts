import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError } from '../../src/core/errors';
import { balancedSelect, firstLabelParser, knnSelect, randomSelect, runEval, splitIds, wilsonInterval } from '../../src/core/eval';
import { withScriptedModel, workspace } from './eval.helpers';

test('wilsonInterval matches known values', () => {
  // Reference values (Wilson 1927; e.g. statsmodels proportion_confint(method="wilson")).
  const close = (a: [number, number], b: [number, number]) => assert.ok(Math.abs(a[0] - b[0]) < 1e-4 && Math.abs(a[1] - b[1]) < 1e-4, `${a} vs ${b}`);
  close(wilsonInterval(81, 263), [0.2553, 0.3662]);
  close(wilsonInterval(5, 10), [0.2366, 0.7634]);
  close(wilsonInterval(0, 10), [0, 0.2775]);
  close(wilsonInterval(10, 10), [0.7225, 1]);
  assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
  // exactly 0 and 1 at the ends, as reports print them (the formula alone leaves 3e-18 at 0/100)
  assert.equal(wilsonInterval(0, 100)[0], 0);
  assert.equal(wilsonInterval(100, 100)[1], 1);
});

test('firstLabelParser takes the first whole-word label, case-insensitive', () => {
  const labels = ['negative', 'positive', 'neg'];
  assert.equal(firstLabelParser('It is POSITIVE, not negative', labels), 'positive');
  assert.equal(firstLabelParser('nonpositive; negative', labels), 'negative', 'whole words only');
  assert.equal(firstLabelParser('no idea', labels), null);
  assert.equal(firstLabelParser('label: 1', ['0', '1']), '1');
});

const pool = Array.from({ length: 30 }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, label: i < 24 ? 'a' : i < 29 ? 'b' : 'c' }));

test('random and balanced selectors are keyed: same seed same ids, other seed other ids', () => {
  assert.deepEqual(randomSelect(pool, 5, 's', 0), randomSelect(pool, 5, 's', 0));
  assert.notDeepEqual(randomSelect(pool, 5, 's', 0), randomSelect(pool, 5, 't', 0));
  assert.notDeepEqual(randomSelect(pool, 5, 's', 0), randomSelect(pool, 5, 's', 1));
  assert.equal(new Set(randomSelect(pool, 5, 's', 0)).size, 5);
  for (let q = 0; q < 20; q++) {
    const ids = balancedSelect(pool, 3, 'seed', q);
    assert.deepEqual(new Set(ids.map((id) => pool.find((p) => p.id === id)!.label)), new Set(['a', 'b', 'c']), 'every label when k allows');
  }
  const two = balancedSelect(pool, 2, 'seed', 0);
  assert.equal(new Set(two.map((id) => pool.find((p) => p.id === id)!.label)).size, 2, 'k < labels: distinct labels');
  assert.equal(balancedSelect(pool, 40, 'seed', 0).length, 30, 'never more than the pool');
});

test('knnSelect returns the k nearest, nearest first, ties by id', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const fixed = Int32Array.from([0, 0, 10, 0, 3, 0, 10, 0]); // dims 2: a=0, b=10, c=3, d=10
  assert.deepEqual(knnSelect(ids, fixed, 2, Int32Array.from([9, 0]), 3), ['b', 'd', 'c']);
  assert.deepEqual(knnSelect(ids, fixed, 2, Int32Array.from([0, 0]), 2, new Set(['b', 'c'])), ['c', 'b']);
});

test('splitIds is a pure function of (seed, id)', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => `x${i}`);
  const s = splitIds(ids, 0.2, 'k');
  assert.ok(s.heldOut.length > 150 && s.heldOut.length < 250);
  assert.deepEqual(
    splitIds(ids.slice(0, 500), 0.2, 'k').heldOut,
    s.heldOut.filter((id) => Number(id.slice(1)) < 500),
    'one id does not depend on the others',
  );
});

test('runEval: each selector scored as scripted, with server token counts and no text in the results file', async () => {
  const { dir, ws, records } = workspace();
  await ws.cluster();
  const held = records.slice(0, 12).map((r) => ({ id: `h-${r.id}`, input: r.input, output: r.output }));
  const heldoutFile = join(dir, 'held.jsonl');
  writeFileSync(heldoutFile, held.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await withScriptedModel(async (host, server) => {
    const resultsFile = join(dir, 'results.jsonl');
    const r = await runEval(ws, { heldoutFile, model: 'fake-llm', host, seeds: 2, resultsFile });
    assert.equal(r.n, 12);
    // kNN finds the query's own text in the pool (distance 0): its label comes first.
    assert.equal(r.modes.knn.accuracy, 1);
    for (const u of r.modes.knn.examplesUsed) assert.equal(u.ids[0], held[u.query].id.slice(2));
    // Zero-shot answers "mixed", which no query has.
    assert.equal(r.modes.zeroShot.accuracy, 0);
    assert.equal(r.modes.zeroShot.n, 12);
    // ERASE (dataset mode) shows the representatives: correct exactly where the first one's label is the query's.
    const first = (await ws.prompt()).ids[0];
    const firstLabel = records.find((x) => x.id === first)!.output;
    assert.equal(r.modes.erase.accuracy, held.filter((h) => h.output === firstLabel).length / 12);
    assert.equal(r.modes.erase.examplesUsed[0].ids.length, 3);
    // Random: two seeds per query, the ids keyed as randomSelect draws them.
    assert.equal(r.modes.random.n, 24);
    const label = new Map(records.map((x) => [x.id, x.output]));
    const expectRandom = r.modes.random.examplesUsed.filter((u) => label.get(u.ids[0]) === held[u.query].output).length / 24;
    assert.equal(r.modes.random.accuracy, expectRandom);
    assert.deepEqual(r.modes.random.examplesUsed[1].ids.length, 3);
    for (const u of r.modes.balanced.examplesUsed) assert.equal(new Set(u.ids.map((id) => label.get(id))).size, 3, 'balanced: all three labels');
    // Tokens are the server's prompt_eval_count (the stand-in counts whitespace tokens).
    const sent = server.log.filter((e) => e.path === '/api/generate').map((e) => String(e.body.prompt).match(/\S+/g)!.length);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.equal(sent.length, 12 * 7);
    assert.ok(Math.abs(r.modes.zeroShot.promptTokens - mean(sent.filter((_, i) => i % 7 === 6))) < 1e-9);
    assert.ok(r.modes.erase.promptTokensOverZeroShot > 0);
    assert.equal(r.modes.zeroShot.promptTokensOverZeroShot, 0);
    assert.ok(r.modes.erase.ci95[0] <= r.modes.erase.accuracy && r.modes.erase.accuracy <= r.modes.erase.ci95[1]);
    const lines = readFileSync(resultsFile, 'utf8');
    assert.equal(lines.trim().split('\n').length, 12 * 7);
    for (const rec of records) assert.ok(!lines.includes(rec.input), 'no example text in the results file');
  });
});

test('runEval: cancel keeps the finished trials; a re-run resumes and skips them', async () => {
  const { dir, ws } = workspace();
  await ws.cluster();
  await withScriptedModel(async (host, server) => {
    const resultsFile = join(dir, 'results.jsonl');
    const controller = new AbortController();
    const opts = { split: 0.25, model: 'fake-llm', host, seeds: 1, limit: 4, resultsFile };
    await assert.rejects(runEval(ws, { ...opts, signal: controller.signal, onProgress: (done) => done === 7 && controller.abort() }), (e) => e instanceof CancelledError);
    assert.equal(readFileSync(resultsFile, 'utf8').trim().split('\n').length, 7);
    const before = server.log.filter((e) => e.path === '/api/generate').length;
    const resumed = await runEval(ws, opts);
    assert.equal(server.log.filter((e) => e.path === '/api/generate').length - before, 4 * 5 - 7, 'only the missing trials ran');
    const fresh = await runEval(ws, { ...opts, resultsFile: undefined });
    for (const m of ['erase', 'random', 'balanced', 'knn', 'zeroShot'] as const) assert.equal(resumed.modes[m].accuracy, fresh.modes[m].accuracy, m);
  });
});

test('runEval --split: held-out examples never reach a prompt, and the user workspace is untouched', async (t) => {
  const { dir, ws } = workspace();
  await ws.cluster();
  const snapshot = () =>
    readdirSync(ws.stateDir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => [d.name, readFileSync(join(d.parentPath, d.name)).toString('hex')]);
  const before = snapshot();
  const dataBefore = readFileSync(join(dir, 'd.jsonl'), 'utf8');
  // A private temporary folder: parallel processes make and remove erase-eval-* folders in the shared one.
  const sharedTmp = process.env.TMPDIR;
  process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'erase-evaltmp-'));
  t.after(() => (sharedTmp === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = sharedTmp)));
  const tempsBefore = readdirSync(tmpdir()).filter((n) => n.startsWith('erase-eval-')).length;
  assert.equal(tempsBefore, 0);
  await withScriptedModel(async (host) => {
    const r = await runEval(ws, { split: 0.25, model: 'fake-llm', host, seeds: 1 });
    const heldOut = new Set(
      splitIds(
        ws.loadDataset().examples.map((e) => e.id),
        0.25,
        ws.config.seed,
      ).heldOut,
    );
    assert.equal(r.n, heldOut.size);
    assert.equal(r.poolSize, 40 - heldOut.size);
    for (const m of Object.values(r.modes)) for (const u of m.examplesUsed) for (const id of u.ids) assert.ok(!heldOut.has(id), `held-out ${id} used`);
    assert.deepEqual(snapshot(), before, 'state, audit log and caches unchanged');
    assert.equal(readFileSync(join(dir, 'd.jsonl'), 'utf8'), dataBefore);
    assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('erase-eval-')).length, tempsBefore, 'scratch workspace removed');
  });
});

test('runEval refuses a results file of another run instead of mixing its lines in', async () => {
  const { dir, ws } = workspace();
  await ws.cluster();
  await withScriptedModel(async (host) => {
    const resultsFile = join(dir, 'results.jsonl');
    await runEval(ws, { split: 0.25, model: 'fake-llm', host, seeds: 1, limit: 2, resultsFile });
    await assert.rejects(runEval(ws, { split: 0.3, model: 'fake-llm', host, seeds: 1, limit: 2, resultsFile }), /another run/);
  });
});
