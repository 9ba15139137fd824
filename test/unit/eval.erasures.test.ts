import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace } from '../../src/core/workspace';
import { loadMeta } from '../../src/core/workspace/persisted';
import { CancelledError } from '../../src/core/errors';
import { runEval } from '../../src/core/eval';
import { keyedUniform } from '../../src/core/qkmeans/keyedRandom';
import { withScriptedModel, workspace } from './eval.helpers';

type Rec = { id: string; input: string; output: string };

/** The pool ids in the documented erasure order: by the keyed uniform of (workspace seed, id). */
function expectedErasureOrder(ws: EraseWorkspace, records: readonly Rec[]): string[] {
  const u = (id: string) => keyedUniform(ws.config.seed, 'eval-erasure-order', id);
  return records.map((r) => r.id).sort((a, b) => u(a) - u(b));
}

/** A brand-new workspace on the records minus the first `c` erased: what the scratch copy must equal (ERASE's exactness). */
async function freshWithout(records: readonly Rec[], erased: ReadonlySet<string>): Promise<{ firstLabel: string; reps: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'erase-evaltest-'));
  const kept = records.filter((r) => !erased.has(r.id));
  writeFileSync(join(dir, 'd.jsonl'), kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const ws = EraseWorkspace.init(join(dir, 'd.jsonl'), { k: 3 });
  await ws.cluster();
  const first = (await ws.prompt()).ids[0];
  return { firstLabel: kept.find((r) => r.id === first)!.output, reps: JSON.stringify(loadMeta(ws.paths)!.representatives) };
}

function heldOut(dir: string, records: readonly Rec[]): { file: string; held: Rec[] } {
  const held = records.slice(0, 12).map((r) => ({ id: `h-${r.id}`, input: r.input, output: r.output }));
  const file = join(dir, 'held.jsonl');
  writeFileSync(file, held.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { file, held };
}

test('runEval --after-erasures: per step, the ERASE accuracy and prompt changes of a fresh workspace without the seeded erased examples', async () => {
  const { dir, ws, records } = workspace();
  await ws.cluster();
  const { file: heldoutFile, held } = heldOut(dir, records);
  const order = expectedErasureOrder(ws, records);
  await withScriptedModel(async (host, server) => {
    const r = await runEval(ws, { heldoutFile, model: 'fake-llm', host, seeds: 1, afterErasures: [8, 3] });
    assert.deepEqual(
      r.afterErasures!.map((s) => [s.erased, s.poolSize]),
      [
        [0, 40],
        [3, 37],
        [8, 32],
      ],
      'the 0 baseline is added and the steps sorted',
    );
    // The scripted model answers the label of the prompt's first example: in dataset mode the
    // ERASE prompt is the same for every query, so its accuracy follows from the fresh workspace.
    let changes = 0;
    let counted = 0;
    let prevReps = (await freshWithout(records, new Set())).reps;
    for (const step of r.afterErasures!) {
      const fresh = await freshWithout(records, new Set(order.slice(0, step.erased)));
      assert.equal(step.modes.erase.accuracy, held.filter((h) => h.output === fresh.firstLabel).length / held.length, `erase accuracy after ${step.erased}`);
      assert.equal(step.modes.zeroShot.accuracy, 0, 'zero-shot answers "mixed", which no query has');
      assert.equal(step.modes.random.n, 12);
      assert.equal('examplesUsed' in step.modes.erase, false, 'steps carry figures, not id lists');
      for (counted++; counted <= step.erased; counted++) {
        const reps = (await freshWithout(records, new Set(order.slice(0, counted)))).reps;
        if (reps !== prevReps) changes++;
        prevReps = reps;
      }
      counted = step.erased;
      assert.equal(step.promptChanges, changes, `prompt changes after ${step.erased} erasures`);
    }
    assert.deepEqual(r.modes.erase.accuracy, r.afterErasures![0].modes.erase.accuracy, 'top-level modes are the baseline');
    // No erased example reaches a prompt of a later step: 3 steps × 12 queries × 5 selectors, in order.
    const prompts = server.log.filter((e) => e.path === '/api/generate').map((e) => String(e.body.prompt));
    assert.equal(prompts.length, 3 * 12 * 5);
    const shotOf = new Map(records.map((x) => [x.id, `Input: ${x.input}\nOutput: ${x.output}`]));
    const erasedLater = order.slice(0, 8).map((id) => shotOf.get(id)!);
    assert.ok(
      prompts.slice(0, 60).some((p) => erasedLater.some((g) => p.includes(g))),
      'before the erasures, some of the examples erased later were in prompts',
    );
    for (const [s, step] of r.afterErasures!.entries()) {
      const gone = order.slice(0, step.erased).map((id) => shotOf.get(id)!);
      for (const p of prompts.slice(s * 60, (s + 1) * 60)) for (const g of gone) assert.ok(!p.includes(g), `an erased example in a prompt after ${step.erased} erasures`);
    }
  });
});

test('runEval --after-erasures: cancel keeps the finished trials, a re-run resumes to the same figures; the user workspace and its keys are untouched', async (t) => {
  const { dir, ws, records } = workspace();
  await ws.cluster();
  const { file: heldoutFile } = heldOut(dir, records);
  const snapshot = () =>
    readdirSync(ws.stateDir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => [join(d.parentPath, d.name), readFileSync(join(d.parentPath, d.name)).toString('hex')]);
  const before = snapshot();
  const dataBefore = readFileSync(join(dir, 'd.jsonl'), 'utf8');
  // A private temporary folder: other processes (parallel test files, other runs) make and remove
  // their own erase-eval-* folders in the shared one, which made a count there flaky.
  const sharedTmp = process.env.TMPDIR;
  process.env.TMPDIR = mkdtempSync(join(tmpdir(), 'erase-evaltmp-'));
  t.after(() => (sharedTmp === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = sharedTmp)));
  const tempsBefore = readdirSync(tmpdir()).filter((n) => n.startsWith('erase-eval-')).length;
  assert.equal(tempsBefore, 0);
  await withScriptedModel(async (host, server) => {
    const resultsFile = join(dir, 'results.jsonl');
    const opts = { heldoutFile, model: 'fake-llm', host, seeds: 1, limit: 4, afterErasures: [2, 5], resultsFile };
    const controller = new AbortController();
    // Cancel inside the second step (4 queries × 5 trials per step).
    await assert.rejects(runEval(ws, { ...opts, signal: controller.signal, onProgress: (done) => done === 27 && controller.abort() }), (e) => e instanceof CancelledError);
    const kept = readFileSync(resultsFile, 'utf8').trim().split('\n');
    assert.equal(kept.length, 27);
    assert.deepEqual([...new Set(kept.map((l) => JSON.parse(l).erased))], [0, 2], 'each trial records its step');
    assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('erase-eval-')).length, tempsBefore, 'scratch removed after a cancel');
    const sent = () => server.log.filter((e) => e.path === '/api/generate').length;
    const s0 = sent();
    const resumed = await runEval(ws, opts);
    assert.equal(sent() - s0, 3 * 20 - 27, 'only the missing trials ran');
    const s1 = sent();
    const fresh = await runEval(ws, { ...opts, resultsFile: undefined });
    assert.equal(sent() - s1, 60);
    for (const [i, step] of fresh.afterErasures!.entries()) {
      assert.equal(resumed.afterErasures![i].promptChanges, step.promptChanges);
      for (const m of ['erase', 'random', 'balanced', 'knn', 'zeroShot'] as const)
        assert.equal(resumed.afterErasures![i].modes[m].accuracy, step.modes[m].accuracy, `${m} after ${step.erased}`);
    }
    await assert.rejects(runEval(ws, { ...opts, afterErasures: [40] }), /whole pool of 40/);
  });
  assert.deepEqual(snapshot(), before, 'state, audit log, keys and caches of the user workspace unchanged');
  assert.equal(readFileSync(join(dir, 'd.jsonl'), 'utf8'), dataBefore);
  assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('erase-eval-')).length, tempsBefore, 'scratch workspaces removed');
});
