import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace, eraseRequest } from '../../src/core/workspace';
import { labelProbability, percentileAmong } from '../../src/core/eval';
import { neighboursWithin, nearDuplicateGroups } from '../../src/core/explore/nearDuplicates';
import { makePointSet } from '../../src/core/qkmeans/points';
import { exportReport, readLog, verifyLog } from '../../src/core/audit';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';
import { firstTokenLogprobs } from '../../src/core/ollama/logprobs';

test('labelProbability sums the listed first tokens that begin the label, and only those', () => {
  const labels = ['positive', 'negative', 'neutral'];
  const top = [
    { token: ' positive', logprob: Math.log(0.5) },
    { token: 'Pos', logprob: Math.log(0.2) },
    { token: 'ne', logprob: Math.log(0.1) }, // begins negative and neutral: says nothing
    { token: 'negative', logprob: Math.log(0.05) },
  ];
  assert.ok(Math.abs(labelProbability(top, 'positive', labels) - 0.7) < 1e-12);
  assert.ok(Math.abs(labelProbability(top, 'negative', labels) - 0.05) < 1e-12);
  assert.equal(labelProbability(top, 'neutral', labels), 0, 'not listed: below the smallest listed');
  assert.ok(Math.abs(labelProbability([{ token: '1', logprob: Math.log(0.9) }], '1', ['0', '1']) - 0.9) < 1e-12);
});

test('percentileAmong: the share of held-out scores below, ties counted half', () => {
  const ref = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
  assert.equal(percentileAmong(0.9, ref), 85);
  assert.equal(percentileAmong(0.05, ref), 0);
  assert.equal(percentileAmong(2, ref), 100);
  assert.equal(percentileAmong(0, [0, 0, 0, 0]), 50);
  assert.throws(() => percentileAmong(0.5, []), /at least one/);
});

test('neighboursWithin: exactly the points within the threshold (brute force), and with buckets the pairs the near-duplicate groups link', () => {
  // A keyed, reproducible cloud of 400 points in 4 dims, with a few twins of the query vectors.
  let x = 12345;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const D = 4;
  const input = Array.from({ length: 400 }, (_, i) => ({ id: `p${String(i).padStart(3, '0')}`, weight: 1, vector: Array.from({ length: D }, () => Math.round(next() * 1048576)) }));
  const queries = [input[7].vector, input[300].vector].map((v) => v.map((c, j) => c + (j === 0 ? 20000 : 0)));
  const points = makePointSet(D, input);
  const q = Float64Array.from(queries.flat(), (c) => c / 1048576);
  const t = 0.3;
  const brute: string[] = [];
  for (let qi = 0; qi < 2; qi++)
    for (let i = 0; i < points.ids.length; i++) {
      let d = 0;
      for (let c = 0; c < D; c++) d += (points.real[i * D + c] - q[qi * D + c]) ** 2;
      if (Math.sqrt(d) <= t) brute.push(`${qi}:${points.ids[i]}`);
    }
  const found = neighboursWithin(points, q, t);
  assert.deepEqual(found.map((n) => `${n.query}:${n.id}`).sort(), brute.sort());
  assert.ok(brute.length >= 2, 'the twins are found');
  for (let i = 1; i < found.length; i++) assert.ok(found[i - 1].distance <= found[i].distance, 'nearest first');
  const twin = found.find((n) => n.id === 'p007')!;
  assert.ok(twin.similarity > 0.99 && twin.similarity <= 1 + 1e-12);

  // With buckets: a point and a query are compared when one's nearest centroid is one of the
  // other's two nearest (the groups' rule), so the result is the brute-force pairs that pass it.
  const centroids = Float64Array.from({ length: 5 * D }, () => next());
  const buckets = { centroids, k: 5 };
  const two = (v: ArrayLike<number>, at: number) =>
    Array.from({ length: 5 }, (_, j) => j)
      .map((j) => ({ j, d: Array.from({ length: D }, (_, c) => (v[at * D + c] - centroids[j * D + c]) ** 2).reduce((a, b) => a + b, 0) }))
      .sort((a, b) => a.d - b.d || a.j - b.j)
      .slice(0, 2)
      .map((e) => e.j);
  const wide = 0.7;
  const expected: string[] = [];
  for (let qi = 0; qi < 2; qi++)
    for (let i = 0; i < points.ids.length; i++) {
      let d = 0;
      for (let c = 0; c < D; c++) d += (points.real[i * D + c] - q[qi * D + c]) ** 2;
      const [ph, ps] = two(points.real, i);
      const [qh, qs] = two(q, qi);
      if (Math.sqrt(d) <= wide && (ph === qh || ph === qs || ps === qh)) expected.push(`${qi}:${points.ids[i]}`);
    }
  const bucketed = neighboursWithin(points, q, wide, buckets).map((n) => `${n.query}:${n.id}`);
  assert.deepEqual(bucketed.sort(), expected.sort());
  assert.ok(expected.length > 20, `${expected.length} bucketed pairs`);
  // and they are linked in the near-duplicate groups of the points with the queries added
  const withQ = makePointSet(D, [...input, ...queries.map((v, i) => ({ id: `zq${i}`, weight: 1, vector: v }))]);
  const grouped = nearDuplicateGroups(withQ, wide, buckets);
  for (const pair of bucketed) {
    const [qi, id] = pair.split(':');
    assert.ok(grouped.find((g) => g.ids.includes(`zq${qi}`))?.ids.includes(id), `${id} is grouped with query ${qi}`);
  }
});

test("the stand-in answers logprobs in Ollama's shape (streamed and not), and none when switched off; firstTokenLogprobs reads the first token's", async () => {
  const server = createOllamaStandIn({ models: ['fake-llm:latest'], reply: () => 'yes indeed' });
  const host = await server.listen();
  try {
    const post = async (body: object) => (await fetch(`${host}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'fake-llm', prompt: 'hi', ...body }) })).text();
    const whole = JSON.parse(await post({ stream: false, logprobs: true, top_logprobs: 3 }));
    assert.equal(whole.logprobs.length, 2, 'one entry per generated token');
    assert.deepEqual(Object.keys(whole.logprobs[0]).sort(), ['bytes', 'logprob', 'token', 'top_logprobs']);
    assert.equal(whole.logprobs[0].token, 'yes');
    assert.equal(whole.logprobs[0].top_logprobs.length, 3);
    assert.deepEqual(whole.logprobs[1].bytes, [...Buffer.from(' indeed')]);
    const lines = (await post({ logprobs: true, top_logprobs: 2 }))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(
      lines.filter((l) => !l.done).every((l) => l.logprobs.length === 1 && l.logprobs[0].top_logprobs.length === 2),
      true,
      'each streamed token carries its own',
    );
    assert.equal(JSON.parse(await post({ stream: false, logprobs: true })).logprobs[0].top_logprobs, undefined, 'no top_logprobs unless asked');
    assert.equal(JSON.parse(await post({ stream: false })).logprobs, undefined, 'none unless asked');
    const top = await firstTokenLogprobs({ host, model: 'fake-llm', prompt: 'hi', topLogprobs: 4 });
    assert.equal(top?.length, 4);
    assert.equal(top?.[0].token, 'yes');
    server.setLogprobs(false);
    assert.equal(JSON.parse(await post({ stream: false, logprobs: true, top_logprobs: 3 })).logprobs, undefined);
    assert.equal(await firstTokenLogprobs({ host, model: 'fake-llm', prompt: 'hi', topLogprobs: 4 }), null);
  } finally {
    await server.close();
  }
});

type Rec = { id: string; input: string; output: string };

/** 30 examples; e5-copy is e5 with a capital letter (the same vector), so the near-duplicate check must offer it. */
function leakWorkspace(): { dir: string; ws: EraseWorkspace; records: Rec[] } {
  const dir = mkdtempSync(join(tmpdir(), 'erase-leaktest-'));
  const records: Rec[] = Array.from({ length: 30 }, (_, i) => ({
    id: `e${i}`,
    input: `note ${i} kk${i}x mm${i}y ${i % 2 ? 'bright' : 'gloomy'} story`,
    output: i % 2 ? 'positive' : 'negative',
  }));
  records.push({ id: 'e5-copy', input: records[5].input.replace(/^n/, 'N'), output: records[5].output });
  writeFileSync(join(dir, 'd.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const ws = EraseWorkspace.init(join(dir, 'd.jsonl'), { k: 3 });
  return { dir, ws, records };
}

/** Held-out examples never in the data set, each with a scripted own-label probability; plus one line the data set holds. */
function heldOut(dir: string, records: Rec[]): { file: string; probability: Map<string, number> } {
  const probability = new Map<string, number>();
  const lines: Rec[] = [];
  for (let i = 0; i < 10; i++) {
    const input = `unseen ${i} qq${i}z tale`;
    probability.set(input, (i + 1) / 10);
    lines.push({ id: `h${i}`, input, output: i % 2 ? 'positive' : 'negative' });
  }
  lines.push({ id: 'h-dup', input: records[2].input, output: records[2].output });
  const file = join(dir, 'held.jsonl');
  writeFileSync(file, lines.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { file, probability };
}

/** The stand-in: the first token's top log-probabilities put `p(input)` on the input's label. */
function scriptedLogprobs(records: Rec[], probability: Map<string, number>) {
  const labelOf = new Map(records.map((r) => [r.input, r.output]));
  for (let i = 0; i < 10; i++) labelOf.set(`unseen ${i} qq${i}z tale`, i % 2 ? 'positive' : 'negative');
  return createOllamaStandIn({
    models: ['fake-llm:latest'],
    reply: () => 'positive',
    topLogprobs: (prompt) => {
      const input = prompt.slice(prompt.lastIndexOf('Input: ') + 7).replace(/\nOutput:\s*$/, '');
      const label = labelOf.get(input)!;
      const p = probability.get(input) ?? 0.5;
      const other = label === 'positive' ? ' negative' : ' positive';
      return [
        { token: ` ${label}`, logprob: Math.log(p) },
        { token: other, logprob: Math.log(Math.max(1e-6, (1 - p) / 2)) },
        { token: 'The', logprob: Math.log(Math.max(1e-6, (1 - p) / 2)) },
      ];
    },
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

test('erasure checks: the percentile known in advance, near-duplicates offered, figures audited, no erased text anywhere', async () => {
  const { dir, ws, records } = leakWorkspace();
  await ws.cluster();
  const { file, probability } = heldOut(dir, records);
  const erasedInput = records[5].input;
  probability.set(erasedInput, 0.9); // among held-out 0.1 … 1.0: 8 below, 1 tie → percentile 85
  const server = scriptedLogprobs(records, probability);
  const host = await server.listen();
  try {
    const outcome = await eraseRequest(ws, { kind: 'ids', ids: ['e5'] }, { scan: false, checks: { leakage: { heldoutFile: file, model: 'fake-llm', host }, nearDuplicates: {} } });
    assert.ok(outcome.checkErasure);
    const report = await outcome.checkErasure();
    assert.equal(report.leakage?.status, 'measured');
    if (report.leakage?.status !== 'measured') return;
    assert.equal(report.leakage.heldout, 10);
    assert.equal(report.heldoutSkipped, 1, 'the held-out line the data set holds is left out');
    assert.ok(Math.abs(report.leakage.erased[0].score - 0.9) < 1e-9);
    assert.equal(report.leakage.erased[0].percentile, 85);
    // Asked with the post-erasure prompt: the erased example is no shot in any prompt.
    const asked = server.log.filter((e) => e.path === '/api/generate' && e.body.logprobs === true);
    assert.equal(asked.length, 11);
    for (const a of asked) {
      assert.equal(a.body.top_logprobs, 20);
      assert.ok(!String(a.body.prompt).includes(`Input: ${erasedInput}\nOutput: negative`), 'the erased example is no longer a shot');
    }
    const unload = server.log.findIndex((e) => e.path === '/api/generate' && e.body.keep_alive === 0);
    assert.ok(unload > server.log.indexOf(asked[asked.length - 1]), 'the model is unloaded after the check');
    assert.equal(report.modelUnloaded, true);
    assert.deepEqual(
      report.nearDuplicates?.left.map((n) => n.id),
      ['e5-copy'],
    );
    assert.equal(report.nearDuplicates!.left[0].distance, 0);

    // Recorded as a note under the erasure's request id, figures only; the log still verifies and exports.
    const log = await readLog(ws.paths.auditDir);
    const note = log.entries[log.entries.length - 1];
    assert.equal(note.action, 'note');
    assert.equal(note.seq, report.auditSeq);
    assert.equal(note.requestId, outcome.receipt.requestId);
    assert.equal(note.erasedCount, 0);
    assert.match(note.notes!, /percentile of the 1 erased example\(s\) among 10 held-out examples never in the data set: 85\.0/);
    assert.match(note.notes!, /near-duplicates left within 0\.2: 1/);
    assert.equal((await verifyLog(ws.paths.auditDir)).ok, true);
    const md = await exportReport(ws.paths.auditDir, 'md');
    assert.match(md, /\| note \|/);
    for (const f of [...filesUnder(ws.stateDir), join(dir, 'd.jsonl')]) {
      const body = readFileSync(f);
      const tag = f.slice(dir.length);
      assert.ok(!body.includes(erasedInput), `erased text in ${tag}`);
    }
    assert.ok(!readFileSync(join(ws.paths.auditDir, 'audit.jsonl'), 'utf8').includes('"e5"'), 'no erased id in the audit log');

    // A server without log-probabilities: "unavailable", never a score.
    server.setLogprobs(false);
    const second = await eraseRequest(ws, { kind: 'ids', ids: ['e7'] }, { scan: false, checks: { leakage: { heldoutFile: file, model: 'fake-llm', host } } });
    const none = await second.checkErasure!();
    assert.equal(none.leakage?.status, 'unavailable');
    assert.ok(!('erased' in none.leakage!), 'no score');
    const last = (await readLog(ws.paths.auditDir)).entries.at(-1)!;
    assert.match(last.notes!, /unavailable, the server returned no log-probabilities/);
    assert.doesNotMatch(last.notes!, /percentile/);
  } finally {
    await server.close();
  }
});

test('erasure checks: a bad held-out file fails before anything is erased', async () => {
  const { dir, ws } = leakWorkspace();
  await ws.cluster();
  const before = readFileSync(join(dir, 'd.jsonl'), 'utf8');
  await assert.rejects(eraseRequest(ws, { kind: 'ids', ids: ['e5'] }, { scan: false, checks: { leakage: { heldoutFile: join(dir, 'missing.jsonl') } } }));
  assert.equal(readFileSync(join(dir, 'd.jsonl'), 'utf8'), before);
});
