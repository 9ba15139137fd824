import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace, eraseRequest, reconcile, recoverPending, type WorkspaceConfig } from '../../src/core/workspace';
import { onWriteStep } from '../../src/core/storage/writeSteps';
import { readLog } from '../../src/core/audit';
import { loadMeta } from '../../src/core/workspace/persisted';
import { completionsUsing, flaggedCompletions, promptSettingsOf, recordCompletion, resolveCompletion, scanProvenance } from '../../src/core/workspace/provenance';
import { answerHmac, readProvenance, templateVersion } from '../../src/core/provenance/store';
import { commitId } from '../../src/core/audit';

const T = '2026-11-30T08:00:00.000Z';

/** A clustered workspace; `provenance` null keeps the defaults. */
async function workspace(provenance: WorkspaceConfig['provenance'] | null = { answers: 'text', onErase: 'erase' }): Promise<EraseWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'erase-provws-'));
  const words = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold'];
  const lines: string[] = [];
  for (let i = 0; i < 60; i++)
    lines.push(JSON.stringify({ input: `the ${words[(i * 7) % 10]} film was ${words[(i * 3 + 1) % 10]} (${i})`, output: i % 2 ? 'positive' : 'negative' }));
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  const ws = EraseWorkspace.init(join(dir, 'data.jsonl'), { k: 4, ...(provenance ? { provenance } : {}) });
  await ws.cluster();
  return ws;
}

/** Three completions: two used example a (one also b), one used only b; plus one without examples. */
async function recordSome(ws: EraseWorkspace, a: string, b: string): Promise<void> {
  for (const [ids, answer] of [
    [[a, b], `an answer repeating ${ws.example(a)!.input}`],
    [[a], 'positive'],
    [[b], 'negative'],
    [[], 'zero-shot answer'],
  ] as const) {
    const r = await recordCompletion(ws, { time: T, source: 'complete', model: 'm', ids, answer });
    assert.ok(r.record);
  }
}

test('a completion is recorded with time, model, template version and prompt ids; the answer only as a keyed hash by default', async () => {
  const ws = await workspace(null);
  assert.equal(ws.config.provenance.answers, 'hash', 'hash is the default');
  const [a] = ws.loadDataset().examples.map((e) => e.id);
  const { record } = await recordCompletion(ws, { time: T, source: 'playground', model: 'llama3.2', ids: [a], answer: 'a secret-ish answer' });
  const stored = readProvenance(ws.paths.provenance).records;
  assert.equal(stored.length, 1);
  assert.deepEqual(stored[0], record);
  assert.equal(stored[0].time, T);
  assert.equal(stored[0].model, 'llama3.2');
  assert.equal(stored[0].source, 'playground');
  assert.deepEqual(stored[0].ids, [a]);
  assert.equal(stored[0].template, templateVersion(promptSettingsOf(ws)));
  assert.equal(stored[0].answer, undefined);
  assert.equal(stored[0].answerHmac, answerHmac(await ws.keyStore.getOrCreateHmacKey(), 'a secret-ish answer'));
  assert.ok(!readFileSync(ws.paths.provenance, 'utf8').includes('secret-ish'), 'the answer text is not in the store');
  await assert.rejects(recordCompletion(ws, { time: 'yesterday', source: 'complete', model: 'm', ids: [], answer: '' }), /ISO 8601/);
});

test('erasing an example erases exactly the recorded completions that used it, in the same audited transaction; the receipt and the entry say how many', async () => {
  const ws = await workspace();
  const [a, b] = ws.loadDataset().examples.map((e) => e.id);
  await recordSome(ws, a, b);
  assert.equal(completionsUsing(ws, a).completions.length, 2);
  const { receipt } = await eraseRequest(ws, { kind: 'ids', ids: [a] }, { scan: false, unloadModel: false });
  assert.deepEqual(receipt.provenance, { mode: 'erase', completions: 2 });
  const left = readProvenance(ws.paths.provenance).records;
  assert.deepEqual(
    left.map((r) => r.answer),
    ['negative', 'zero-shot answer'],
  );
  assert.equal(completionsUsing(ws, a).completions.length, 0);
  assert.equal(completionsUsing(ws, b).completions.length, 1);
  const entry = (await readLog(ws.paths.auditDir)).entries.at(-1)!;
  assert.match(entry.notes ?? '', /provenance: 2 recorded completion\(s\) whose prompt held an erased example erased/);
  assert.ok(!readFileSync(ws.paths.provenance, 'utf8').includes(a), 'the erased id is gone from the store');
  // nothing used b's neighbours: an erasure that no record used says nothing about provenance
  const c = ws.loadDataset().examples[5].id;
  const second = await eraseRequest(ws, { kind: 'ids', ids: [c] }, { scan: false, unloadModel: false });
  assert.deepEqual(second.receipt.provenance, { mode: 'erase', completions: 0 });
  assert.equal(readProvenance(ws.paths.provenance).records.length, 2);
});

test('flag mode keeps the completions that used an erased example for review; a reviewer erases or keeps each', async () => {
  const ws = await workspace({ answers: 'text', onErase: 'flag' });
  const [a, b] = ws.loadDataset().examples.map((e) => e.id);
  await recordSome(ws, a, b);
  const { receipt } = await eraseRequest(ws, { kind: 'ids', ids: [a] }, { requestId: 'REQ-flag', scan: false, unloadModel: false });
  assert.deepEqual(receipt.provenance, { mode: 'flag', completions: 2 });
  const flagged = flaggedCompletions(ws).completions;
  assert.equal(flagged.length, 2);
  const key = await ws.keyStore.getOrCreateHmacKey();
  for (const r of flagged) {
    assert.ok(!r.ids.includes(a));
    assert.equal(r.flagged![0].requestId, 'REQ-flag');
    assert.deepEqual(r.flagged![0].erasedIdCommitments, [commitId(key, a)], 'the erased id as the audit log commits to it');
  }
  assert.equal(readProvenance(ws.paths.provenance).records.length, 4, 'nothing dropped');
  assert.match((await readLog(ws.paths.auditDir)).entries.at(-1)!.notes ?? '', /2 recorded completion\(s\).*flagged for review/);
  await resolveCompletion(ws, flagged[0].id, 'erase');
  await resolveCompletion(ws, flagged[1].id, 'keep');
  assert.equal(flaggedCompletions(ws).completions.length, 0);
  const ids = readProvenance(ws.paths.provenance).records.map((r) => r.id);
  assert.equal(ids.length, 3);
  assert.ok(!ids.includes(flagged[0].id) && ids.includes(flagged[1].id));
  await assert.rejects(resolveCompletion(ws, 'cmp-nope', 'keep'), /no recorded completion cmp-nope/);
});

test('an answer recorded after an example of its prompt was erased follows the same rule (not kept, or kept flagged)', async () => {
  for (const onErase of ['erase', 'flag'] as const) {
    const ws = await workspace({ answers: 'hash', onErase });
    const [a, b] = ws.loadDataset().examples.map((e) => e.id);
    await eraseRequest(ws, { kind: 'ids', ids: [a] }, { scan: false, unloadModel: false });
    const r = await recordCompletion(ws, { time: T, source: 'complete', model: 'm', ids: [a, b], answer: 'late' });
    assert.equal(r.erasedMeanwhile, 1);
    const stored = readProvenance(ws.paths.provenance).records;
    if (onErase === 'erase') {
      assert.equal(r.record, null);
      assert.equal(stored.length, 0);
    } else {
      assert.deepEqual(stored[0].ids, [b]);
      assert.equal(stored[0].flagged?.length, 1);
    }
  }
});

test('examples removed by hand (reconcile) are followed into the completions that used them', async () => {
  const ws = await workspace();
  const ex = ws.loadDataset().examples;
  await recordSome(ws, ex[3].id, ex[4].id);
  const lines = readFileSync(ws.dataFile, 'utf8').split('\n');
  lines.splice(ex[3].lines[0] - 1, 1);
  writeFileSync(ws.dataFile, lines.join('\n'));
  await reconcile(ws);
  assert.equal(completionsUsing(ws, ex[3].id).completions.length, 0);
  assert.equal(readProvenance(ws.paths.provenance).records.length, 2);
});

test('erasing a representative: the receipt names the one that left and the one that replaced it, and the new prompt holds the replacement', async () => {
  const ws = await workspace();
  const before = loadMeta(ws.paths)!.representatives;
  const rep = before.find((r): r is string => r !== null)!;
  const { receipt } = await eraseRequest(ws, { kind: 'ids', ids: [rep] }, { scan: false, unloadModel: false });
  assert.equal(receipt.promptChanged, true);
  const after = loadMeta(ws.paths)!.representatives;
  const change = receipt.promptChanges.find((c) => c.left === rep);
  assert.ok(change, JSON.stringify(receipt.promptChanges));
  assert.equal(change.replacedBy, after[change.cluster]);
  assert.ok((await ws.prompt()).ids.includes(change.replacedBy!));
  // an erasure that leaves the prompt alone lists no change
  const other = ws.loadDataset().examples.find((e) => !after.includes(e.id))!;
  const quiet = await eraseRequest(ws, { kind: 'ids', ids: [other.id] }, { scan: false, unloadModel: false });
  if (!quiet.receipt.promptChanged) assert.deepEqual(quiet.receipt.promptChanges, []);
});

test('the residual scan searches answers stored as text, and matches answers stored as hashes by id (or by the flag commitment)', async () => {
  const ws = await workspace({ answers: 'text', onErase: 'flag' });
  const [a, b] = ws.loadDataset().examples.map((e) => e.id);
  await recordSome(ws, a, b);
  const needle = ws.example(a)!.input;
  const { scanResiduals } = await eraseRequest(ws, { kind: 'ids', ids: [a] }, { unloadModel: false });
  const report = await scanResiduals!();
  const prov = report.provenance ?? [];
  assert.ok(
    prov.some((h) => h.how === 'answer-text' && h.needleIndex === 0),
    JSON.stringify(prov),
  );
  assert.equal(prov.filter((h) => h.how === 'flagged').length, 2, 'both flagged records are matched by the id commitment');
  assert.ok(report.guidance.some((g) => /recorded completion/.test(g)));
  assert.ok(!JSON.stringify(report).includes(needle), 'the report never holds the text');
  // Hashed answers: only an id can match them.
  const hashed = await workspace({ answers: 'hash', onErase: 'erase' });
  const [x] = hashed.loadDataset().examples.map((e) => e.id);
  await recordCompletion(hashed, { time: T, source: 'eval', model: 'm', ids: [x], answer: hashed.example(x)!.input });
  const hits = await scanProvenance(hashed, [hashed.example(x)!.input], [x], 12);
  assert.deepEqual(
    hits.map((h) => h.how),
    ['example-id'],
  );
});

test('a failure while rewriting the provenance store after the commit point is finished by recovery: no answer that used the erased example remains', async () => {
  const ws = await workspace();
  const [a, b] = ws.loadDataset().examples.map((e) => e.id);
  await recordSome(ws, a, b);
  onWriteStep((step, path) => {
    if (step === 'write-temp' && path === ws.paths.provenance) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
  });
  try {
    await assert.rejects(eraseRequest(ws, { kind: 'ids', ids: [a] }, { requestId: 'REQ-crash', scan: false, unloadModel: false }), /EIO/);
  } finally {
    onWriteStep(null);
  }
  assert.ok(existsSync(ws.paths.intent), 'committed, not finished');
  assert.equal(completionsUsing(ws, a).completions.length, 2, 'the rewrite did not happen');
  const rec = await recoverPending(ws, ws.keyStore);
  assert.equal(rec?.outcome, 'completed');
  assert.equal(completionsUsing(ws, a).completions.length, 0);
  assert.equal(readProvenance(ws.paths.provenance).records.length, 2);
  assert.match((await readLog(ws.paths.auditDir)).entries.at(-1)!.notes ?? '', /provenance: 2 recorded completion/);
});
