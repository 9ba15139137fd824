import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace, eraseExamples, reconcile } from '../../src/core/workspace';
import { eraseAndRecord, executeRequest, listRequests, previewRequest, receiveRequest, refuseRequest } from '../../src/core/workspace/requests';
import { verifyLog } from '../../src/core/audit';
import { loadMeta } from '../../src/core/workspace/persisted';

const WORDS = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold', 'plain', 'wild', 'sharp', 'dull'];
const NOUNS = ['film', 'plot', 'score', 'cast', 'ending', 'script', 'scene', 'actor', 'song', 'book'];

/** A small deterministic data set with a malformed line and a duplicated line. */
function workspace(n = 240): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'erase-ws-'));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      JSON.stringify({
        input: `the ${WORDS[(i * 7) % WORDS.length]} ${NOUNS[(i * 3) % NOUNS.length]} was ${WORDS[(i * 5 + 1) % WORDS.length]} (${i})`,
        output: i % 3 ? 'positive' : 'negative',
        meta: { customer: `C${i % 17}` },
      }),
    );
    if (i === 10) lines.push('{"input": not json at all');
    if (i === 20) lines.push(lines[lines.length - 1]);
  }
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return { dir, file };
}

test('cluster, erase with a request record, verify; the malformed line survives; prompt ids follow representatives', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 5 });
  const c = await ws.cluster();
  assert.equal(c.malformed, 1);
  assert.equal(c.duplicates, 1);
  assert.equal(c.n, c.distinct + 1, 'one duplicated line counts twice in n');
  const p = await ws.prompt('a bold film');
  assert.deepEqual(
    p.ids,
    c.representatives.filter((r) => r !== null),
  );

  const dup = ws.loadDataset().duplicates[0].id;
  const r = await eraseAndRecord(ws, { ids: [dup, c.representatives[1]!], requester: 'dpo', verify: true });
  assert.equal(r.erasedCopies, 3, 'every copy of the duplicated example is erased');
  assert.equal(r.removedLines, 3);
  assert.equal(r.verification?.equal, true);
  assert.equal(r.promptChanged, true);
  assert.ok(readFileSync(file, 'utf8').includes('{"input": not json at all'), 'the malformed line is kept');
  assert.equal((await ws.verify()).equal, true);
  const reqs = await listRequests(ws);
  assert.equal(reqs.length, 1);
  assert.equal(reqs[0].status, 'verified');
  assert.equal(reqs[0].matchedIds, undefined, 'ids are dropped once erased');
  const after = await ws.prompt('a bold film');
  assert.equal(after.ids.includes(c.representatives[1]!), false);
});

test('deletion requests: preview, run, idempotent re-run, refuse; the match text is dropped after erasure', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const { record, preview } = await receiveRequest(ws, {
    requester: 'dpo@example.com',
    subjectRef: 'TICKET-9',
    match: { kind: 'text', value: '"C3"' },
    time: '2026-01-31T10:00:00.000Z',
  });
  assert.equal(record.status, 'matched');
  assert.equal(record.deadline, '2026-02-28T10:00:00.000Z', 'one calendar month, clamped to the end of February');
  assert.ok(preview.length > 5);
  assert.ok(preview.every((e) => JSON.stringify(e.meta).includes('"C3"')));
  assert.equal(previewRequest(ws, record.requestId).length, preview.length);
  const { record: done, receipt } = await executeRequest(ws, record.requestId, { verify: true });
  assert.equal(done.status, 'verified');
  assert.equal(done.match.value, undefined);
  assert.equal(receipt.erasedIds.length, preview.length);
  const again = await executeRequest(ws, record.requestId);
  assert.equal(again.receipt.alreadyDone, true);
  assert.ok(!readFileSync(join(ws.paths.dir, 'requests.jsonl'), 'utf8').includes('"C3"'));

  const second = await receiveRequest(ws, { requester: 'x', match: { kind: 'regex', value: 'C1[0-2]' } });
  const refused = await refuseRequest(ws, second.record.requestId, 'legal hold');
  assert.equal(refused.status, 'refused');
  await assert.rejects(executeRequest(ws, second.record.requestId), /refused/);
  const log = await verifyLog(ws.paths.auditDir, { expectedHead: loadMeta(ws.paths)!.auditHead });
  assert.equal(log.ok, true, JSON.stringify(log.problems));
  assert.equal(log.size, 2);
});

test('reconcile: lines removed by hand become an audited erasure equal to a retrain; added lines are clustered', async () => {
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const lines = readFileSync(file, 'utf8').split('\n');
  writeFileSync(file, lines.filter((_, i) => i !== 5 && i !== 50).join('\n'));
  assert.equal(ws.status().outOfDate, true);
  const r = await reconcile(ws, { time: '2026-11-22T00:00:00.000Z' });
  assert.equal(r.removedIds.length, 2);
  assert.equal(r.addedIds.length, 0);
  assert.equal(ws.status().outOfDate, false);
  assert.equal((await ws.verify()).equal, true);
  assert.equal((await verifyLog(ws.paths.auditDir, { expectedHead: loadMeta(ws.paths)!.auditHead })).ok, true);

  writeFileSync(file, readFileSync(file, 'utf8') + '\n' + JSON.stringify({ input: 'a brand new example', output: 'positive' }) + '\n');
  const r2 = await reconcile(ws);
  assert.equal(r2.addedIds.length, 1);
  assert.equal(r2.retrained, true);
  assert.equal((await ws.verify()).equal, true);
  assert.equal((await reconcile(ws)).changed, false);
});

test('reconcile certifies a line removed by hand exactly when an erasure of it is certified (same state)', async () => {
  // Twin workspaces: one erases an example through the use case, the other loses the same line by hand.
  let certifiedSeen = false;
  for (let j = 30; j < 60 && !certifiedSeen; j++) {
    const a = workspace();
    const b = workspace();
    const wa = EraseWorkspace.init(a.file, { k: 4 });
    const wb = EraseWorkspace.init(b.file, { k: 4 });
    await wa.cluster();
    await wb.cluster();
    const victim = wa.loadDataset().examples[j];
    if (victim.multiplicity !== 1) continue;
    const erased = await eraseExamples(wa, { ids: [victim.id], unloadModel: false, time: '2026-11-30T00:00:00.000Z' });
    const lines = readFileSync(b.file, 'utf8').split('\n');
    writeFileSync(b.file, lines.filter((l) => !l.includes(JSON.stringify(victim.input))).join('\n'));
    const r = await reconcile(wb, { time: '2026-11-30T00:00:00.000Z' });
    assert.deepEqual(r.removedIds, [victim.id]);
    assert.equal(r.certified, erased.certified, `line ${j}: reconcile and erase disagree on the certificate`);
    assert.equal(r.stateHashAfter, erased.stateHashAfter);
    certifiedSeen ||= erased.certified;
  }
  assert.ok(certifiedSeen, 'no certifiable removal among the candidates: the test checks nothing');
});

test('eps auto picks a candidate and reports how; query mode takes the nearest cluster members', async () => {
  const { file } = workspace(400);
  const ws = EraseWorkspace.init(file, { k: 4, eps: 'auto', mode: 'query', shots: 3 });
  const c = await ws.cluster();
  assert.ok(c.epsNote && c.epsNote.length > 10);
  assert.ok(c.epsTried && c.epsTried.length >= 1);
  assert.ok(c.epsTried!.some((t) => t.eps === c.eps));
  const p = await ws.prompt('the bold film was quiet');
  assert.equal(p.mode, 'query');
  assert.equal(p.ids.length, 3);
  assert.equal((await ws.verify()).equal, true);
  assert.ok(existsSync(ws.paths.points));
});

test('an erasure that changes the prompt unloads the Ollama model and the audit entry says so', async () => {
  const { createOllamaStandIn } = await import('../fixtures/ollama-stand-in');
  const { readLog } = await import('../../src/core/audit');
  const ollama = createOllamaStandIn({ models: ['fake-llm:latest'] });
  const host = await ollama.listen();
  try {
    const { file } = workspace();
    const ws = EraseWorkspace.init(file, { k: 4, ollamaHost: host, ollamaModel: 'fake-llm' });
    const c = await ws.cluster();
    // Erase ordinary examples until one leaves the prompt as it was: no unload for that one.
    const receipts = [];
    for (const id of ws
      .status({ ids: true })
      .ids!.filter((x) => !c.representatives.includes(x))
      .slice(0, 10)) {
      const q = await eraseAndRecord(ws, { ids: [id] });
      receipts.push(q);
      if (!q.promptChanged) break;
    }
    const quiet = receipts[receipts.length - 1];
    assert.equal(quiet.promptChanged, false, 'some erasure left the prompt unchanged');
    assert.equal(quiet.modelUnloaded, null, 'no unload when the prompt did not change');
    const rep = (await ws.prompt()).ids[0];
    const r = await eraseAndRecord(ws, { ids: [rep] });
    receipts.push(r);
    assert.equal(r.promptChanged, true);
    assert.equal(r.modelUnloaded, true);
    const unloads = ollama.log.filter((e) => e.path === '/api/generate' && e.body.keep_alive === 0);
    assert.equal(unloads.length, receipts.filter((x) => x.promptChanged).length);
    const entries = (await readLog(ws.paths.auditDir)).entries;
    assert.equal(entries[entries.length - 1].modelUnloaded, true);
  } finally {
    await ollama.close();
  }
  // Unreachable server: recorded as not unloaded, the erasure still happens.
  const { file } = workspace();
  const ws = EraseWorkspace.init(file, { k: 4, ollamaHost: 'http://127.0.0.1:9' });
  const c = await ws.cluster();
  const r = await eraseAndRecord(ws, { ids: [c.representatives[0]!] });
  assert.equal(r.modelUnloaded, false);
  assert.equal(ws.status({ ids: true }).ids!.includes(c.representatives[0]!), false);
});
