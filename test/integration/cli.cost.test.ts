import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { erase, tempDir } from './cliHarness';

function workspace(): string {
  const dir = tempDir('cost');
  const lines = Array.from({ length: 90 }, (_, i) =>
    JSON.stringify({ input: `review ${i}: ${i % 3 ? 'a warm and funny film' : 'a dull, slow plot'} number ${i * 7}`, output: i % 3 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'd.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--k', '3').code, 0);
  return dir;
}

test('erase cost --json: every input set by flags gives the hand-computed totals', () => {
  const dir = workspace();
  assert.equal(erase(dir, 'cost').code, 2, 'not clustered yet: a usage error');
  assert.equal(erase(dir, 'cluster').code, 0);
  const r = erase(
    dir,
    'cost',
    '--json',
    ...['--queries-per-day', '100', '--deletions-per-month', '2', '--months', '3', '--shards', '4', '--examples', '1000'],
    ...['--extra-prompt-tokens', '200', '--zero-shot-prompt-tokens', '50', '--certified-share', '0.9', '--certified-seconds', '0.01', '--retrain-seconds', '2'],
    ...['--price-per-1k-tokens', '0.001', '--cpu-per-hour', '0.36', '--gpu-per-hour', '3.6', '--fine-tune-seconds-per-example', '0.2'],
  );
  assert.equal(r.code, 0, r.stderr);
  const out = r.json();
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);
  // Q = 9000, E = 6: ICL 1.8 + 0.0001254, fine-tune 1.2, SISA 0.3 + 1.35 (test/unit/cost.test.ts case A).
  assert.equal(out.result.queries, 9000);
  assert.equal(out.result.deletions, 6);
  near(out.result.icl.total, 1.8001254);
  near(out.result.fineTune.total, 1.2);
  near(out.result.sisa.total, 1.65);
  assert.equal(out.result.cheapest, 'fineTune');
  for (const input of Object.values<{ source: string }>(out.inputs)) assert.equal(input.source, 'user');
  assert.ok(out.formula.some((l: string) => l.startsWith('ICL + ERASE')));
});

test('erase cost --json: measured from the workspace (lines, eval results), assumptions labelled; bad flags exit 2', () => {
  const dir = workspace();
  assert.equal(erase(dir, 'cluster').code, 0);
  const trial = (selector: string, promptTokens: number, query: number) =>
    JSON.stringify({ run: 'r', selector, seed: 0, query, ids: [], answer: null, correct: true, promptTokens, ms: 3 });
  writeFileSync(join(dir, 'eval.jsonl'), [trial('erase', 180, 0), trial('zeroShot', 40, 0), trial('erase', 200, 1), trial('zeroShot', 60, 1)].join('\n') + '\n');
  const r = erase(dir, 'cost', '--json', '--eval-results', 'eval.jsonl');
  assert.equal(r.code, 0, r.stderr);
  const { inputs, result } = r.json();
  assert.deepEqual([inputs.examples.value, inputs.examples.source], [90, 'measured']);
  assert.deepEqual([inputs.extraPromptTokens.value, inputs.extraPromptTokens.source], [140, 'measured'], '(180 + 200) / 2 − (40 + 60) / 2');
  assert.deepEqual([inputs.zeroShotPromptTokens.value, inputs.zeroShotPromptTokens.source], [50, 'measured']);
  assert.equal(inputs.gpuPerHour.source, 'assumed');
  assert.equal(inputs.queriesPerDay.source, 'assumed');
  assert.equal(inputs.certifiedShare.source, 'estimated');
  assert.equal(result.queries, 1000 * 30 * 12);

  const human = erase(dir, 'cost', '--gpu-per-hour', '1.5');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /gpu\/h\s+1\.5 USD\s+user/);
  assert.match(human.stdout, /^formula:/m);
  assert.match(human.stdout, /ICL \+ ERASE\s+\$/);

  for (const bad of [
    ['--shards', '0'],
    ['--shards', '2.5'],
    ['--months', '-1'],
    ['--certified-share', '2'],
    ['--price-per-1k-tokens', 'cheap'],
    ['--eval-results', 'missing.jsonl'],
  ]) {
    const b = erase(dir, 'cost', ...bad);
    assert.equal(b.code, 2, `${bad.join(' ')}: ${b.stderr}`);
    assert.equal(b.stderr.split('\n').filter(Boolean).length, 1, 'one line');
  }
});
