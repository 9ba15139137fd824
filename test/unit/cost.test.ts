import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeCost, promptTokensFromEval, unlearningCost, type CostParams } from '../../src/core/cost';
import { EraseWorkspace, eraseExamples } from '../../src/core/workspace';
import { requestStore } from '../../src/core/workspace/requestRecords';
import { UserError } from '../../src/core/errors';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

/** Case A, computed by hand below. */
const A: CostParams = {
  queriesPerDay: 100,
  deletionsPerMonth: 2,
  months: 3,
  shards: 4,
  examples: 1000,
  extraPromptTokens: 200,
  zeroShotPromptTokens: 50,
  certifiedShare: 0.9,
  certifiedErasureSeconds: 0.01,
  retrainErasureSeconds: 2,
  pricePer1kTokens: 0.001,
  cpuPerHour: 0.36,
  gpuPerHour: 3.6,
  fineTuneSecondsPerExample: 0.2,
};

test('computeCost: hand-computed totals of ICL with ERASE, fine-tuning and SISA', () => {
  const r = computeCost(A);
  // Q = 100 × 30 × 3 = 9000 queries; E = 2 × 3 = 6 deletions.
  assert.equal(r.queries, 9000);
  assert.equal(r.deletions, 6);
  // ICL: 9000 × 200 / 1000 × 0.001 = 1.8; erasures 6 × (0.9 × 0.01 + 0.1 × 2) s = 1.254 s → 1.254 / 3600 × 0.36 = 0.0001254.
  close(r.icl.terms[0].value, 1.8, 'ICL prompt tokens');
  close(r.icl.terms[1].value, 0.0001254, 'ICL erasures');
  close(r.icl.total, 1.8001254, 'ICL total');
  // Fine-tune: 6 × 1000 × 0.2 s = 1200 s → 1200 / 3600 × 3.6 = 1.2.
  close(r.fineTune.total, 1.2, 'fine-tune total');
  // SISA: 6 × 250 × 0.2 s = 300 s → 0.3; aggregation 9000 × 3 × 50 / 1000 × 0.001 = 1.35.
  close(r.sisa.terms[0].value, 0.3, 'SISA shard retrains');
  close(r.sisa.terms[1].value, 1.35, 'SISA aggregation');
  close(r.sisa.total, 1.65, 'SISA total');
  assert.equal(r.cheapest, 'fineTune');
  // Break-even: ICL per query/day over the period = 30 × 3 × 200 / 1000 × 0.001 = 0.018; (1.2 − 0.0001254) / 0.018.
  close(r.breakEvenQueriesPerDay!, (1.2 - 0.0001254) / 0.018, 'break-even');
});

test('computeCost: few queries make ICL cheapest; one shard makes SISA a fine-tune; no deletion costs nothing to retrain', () => {
  const few = computeCost({ ...A, queriesPerDay: 10 });
  // 900 × 200 / 1000 × 0.001 = 0.18 + 0.0001254
  close(few.icl.total, 0.1801254, 'ICL total at 10 queries/day');
  assert.equal(few.cheapest, 'icl');
  const one = computeCost({ ...A, shards: 1 });
  close(one.sisa.total, one.fineTune.total, 'S = 1');
  close(one.sisa.terms[1].value, 0, 'no aggregation with one shard');
  const none = computeCost({ ...A, deletionsPerMonth: 0 });
  assert.equal(none.fineTune.total, 0);
  assert.equal(none.icl.terms[1].value, 0);
  assert.equal(none.breakEvenQueriesPerDay, 0, 'without deletions fine-tuning costs nothing more: ICL never breaks even above 0');
  assert.equal(computeCost({ ...A, extraPromptTokens: 0 }).breakEvenQueriesPerDay, null);
  // A certified share of 1 uses only t_c: 6 × 0.01 s / 3600 × 0.36
  close(computeCost({ ...A, certifiedShare: 1 }).icl.terms[1].value, (6 * 0.01 * 0.36) / 3600, 'all certified');
});

test('computeCost refuses inputs no formula can use, naming them', () => {
  for (const [k, v] of [
    ['shards', 0],
    ['shards', 2.5],
    ['months', -1],
    ['certifiedShare', 1.5],
    ['pricePer1kTokens', Number.NaN],
  ] as const) {
    assert.throws(
      () => computeCost({ ...A, [k]: v }),
      (e: unknown) => e instanceof UserError && e.code === 'usage' && e.message.includes(k),
      `${k} = ${v}`,
    );
  }
});

test('promptTokensFromEval: means of the erase and zero-shot trials of a results file, or the figures of a --json report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erase-cost-'));
  const results = join(dir, 'r.jsonl');
  const trial = (selector: string, promptTokens: number, query: number) =>
    JSON.stringify({ run: 'x', selector, seed: 0, query, ids: [], answer: null, correct: false, promptTokens, ms: 1 });
  writeFileSync(results, [trial('erase', 100, 0), trial('zeroShot', 20, 0), trial('random', 999, 0), trial('erase', 120, 1), trial('zeroShot', 30, 1)].join('\n') + '\n{"torn');
  assert.deepEqual(promptTokensFromEval(results), { erase: 110, zeroShot: 25, queries: 2 });
  const report = join(dir, 'report.json');
  writeFileSync(report, JSON.stringify({ model: 'm', n: 40, modes: { erase: { promptTokens: 300 }, zeroShot: { promptTokens: 40 } } }));
  assert.deepEqual(promptTokensFromEval(report), { erase: 300, zeroShot: 40, queries: 40 });
  const onlyErase = join(dir, 'e.jsonl');
  writeFileSync(onlyErase, trial('erase', 100, 0) + '\n');
  assert.throws(() => promptTokensFromEval(onlyErase), UserError);
  assert.throws(() => promptTokensFromEval(join(dir, 'missing.jsonl')), UserError);
});

function workspace(): EraseWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'erase-cost-ws-'));
  const lines = Array.from({ length: 120 }, (_, i) =>
    JSON.stringify({ input: `review ${i}: ${i % 3 ? 'a warm and funny film' : 'a dull, slow and tired plot'} number ${i * 7}`, output: i % 3 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'd.jsonl'), lines.join('\n') + '\n');
  return EraseWorkspace.init(join(dir, 'd.jsonl'), { k: 3 });
}

test('unlearningCost labels every input: measured from the workspace, estimated, assumed or set by the user', async () => {
  const ws = workspace();
  await ws.cluster();
  const before = await unlearningCost(ws, { overrides: { queriesPerDay: 500, gpuPerHour: 1 } });
  assert.deepEqual([before.inputs.queriesPerDay.source, before.inputs.queriesPerDay.value], ['user', 500]);
  assert.deepEqual([before.inputs.gpuPerHour.source, before.inputs.gpuPerHour.value], ['user', 1]);
  assert.equal(before.inputs.deletionsPerMonth.source, 'assumed');
  assert.equal(before.inputs.fineTuneSecondsPerExample.source, 'assumed');
  assert.deepEqual([before.inputs.examples.source, before.inputs.examples.value], ['measured', 120]);
  assert.equal(before.inputs.extraPromptTokens.source, 'estimated', 'no eval results: an estimate, said so');
  assert.ok(before.inputs.extraPromptTokens.value > 0);
  assert.equal(before.inputs.certifiedShare.source, 'estimated', 'no erasure yet: the predicted fraction');
  assert.equal(before.inputs.retrainErasureSeconds.source, 'measured', 'a retrain measured now');
  assert.match(before.inputs.retrainErasureSeconds.note, /measured now/);
  assert.equal(before.result.queries, 500 * 30 * 12);

  // Erasures recorded in the audit log and request records replace the estimates (these three are
  // keyed, so always the same: certified, certified, retrained).
  const ids = ws.loadDataset().examples.map((e) => e.id);
  const eraseOne = (id: string, requestId: string) => eraseExamples(ws, { ids: [id], requestId, record: { match: { kind: 'ids' }, matchedCount: 1 } });
  assert.equal((await eraseOne(ids[1], 'R1')).certified, true);
  const v = await ws.verify();
  const afterOne = await unlearningCost(ws);
  const r1 = requestStore(ws).require('R1').receipt!;
  assert.equal(typeof r1.updateMs, 'number', 'an erasure keeps its update time in its record');
  assert.deepEqual([afterOne.inputs.certifiedShare.source, afterOne.inputs.certifiedShare.value], ['measured', 1]);
  close(afterOne.inputs.certifiedErasureSeconds.value, r1.updateMs! / 1000, 't_c from the record');
  assert.match(afterOne.inputs.certifiedErasureSeconds.note, /request records: mean clustering update of 1 certified/);
  close(afterOne.inputs.retrainErasureSeconds.value, v.ms / 1000, 't_r from the last verify (no erasure retrained yet)');
  assert.match(afterOne.inputs.retrainErasureSeconds.note, /erase verify/);
  assert.equal(afterOne.inputs.examples.value, 119);

  assert.equal((await eraseOne(ids[10], 'R2')).certified, true);
  assert.equal((await eraseOne(ids[19], 'R3')).certified, false);
  const after = await unlearningCost(ws);
  const ms = ['R1', 'R2', 'R3'].map((id) => requestStore(ws).require(id).receipt!.updateMs!);
  close(after.inputs.certifiedShare.value, 2 / 3, 'p from the audit log');
  close(after.inputs.certifiedErasureSeconds.value, (ms[0] + ms[1]) / 2 / 1000, 't_c: mean of the certified ones');
  close(after.inputs.retrainErasureSeconds.value, ms[2] / 1000, 't_r: the retrained one');
  assert.match(after.inputs.retrainErasureSeconds.note, /1 retrained/);
});
