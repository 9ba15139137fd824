import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EraseWorkspace, eraseRequest } from '../../src/core/workspace';
import { onWriteStep } from '../../src/core/storage/writeSteps';

/**
 * The order of file-system calls of one erasure, from the trace of steps that really happened
 * (an fsync is recorded only after it returned): every atomic write syncs its temp file before the
 * rename and its folder after; every append is synced; the intent is durable before the commit
 * point, and the commit point is durable before the data file is touched. Derived files that their
 * readers check and rebuild (the data-file index, the audit append frontier, the request records'
 * index) are renamed unsynced
 * (storage/atomicWrite.ts writeDerivedFile); the index's folder is still synced, so that a deleted
 * block (it named an erased id) stays deleted.
 */
test('an erasure syncs before every rename, syncs every append, and orders intent → audit entry → data file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'erase-order-'));
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, Array.from({ length: 80 }, (_, i) => JSON.stringify({ input: `line ${i} of a test set`, output: i % 2 ? 'a' : 'b' })).join('\n') + '\n');
  const ws = EraseWorkspace.init(file, { k: 3 });
  await ws.cluster();
  const trace: { step: string; path: string }[] = [];
  onWriteStep((step, path) => trace.push({ step, path }));
  try {
    await eraseRequest(ws, { kind: 'ids', ids: [ws.loadDataset().examples[4].id] }, { scan: false, unloadModel: false });
  } finally {
    onWriteStep(null);
  }
  const renames = trace.map((t, i) => ({ ...t, i })).filter((t) => t.step === 'rename');
  assert.ok(renames.length >= 4, `only ${renames.length} atomic writes traced`);
  const derived = (p: string) => basename(dirname(p)) === 'dataset-index' || basename(p) === 'frontier.json' || basename(p) === 'requests.idx';
  assert.ok(
    renames.some((r) => basename(r.path) === 'table.bin'),
    'the index is updated',
  );
  for (const r of renames) {
    if (derived(r.path)) {
      if (basename(dirname(r.path)) === 'dataset-index')
        assert.ok(
          trace.slice(r.i + 1).some((t) => t.step === 'fsync-dir' && t.path === dirname(r.path)),
          `${basename(r.path)}: the index folder was not synced after the rename`,
        );
      continue;
    }
    const lastBefore = (step: string) =>
      trace
        .slice(0, r.i)
        .map((t) => t.path === r.path && t.step === step)
        .lastIndexOf(true);
    const synced = lastBefore('fsync-file');
    const written = lastBefore('write-temp');
    assert.ok(written >= 0 && synced > written, `${basename(r.path)}: renamed without an fsync of its temp file first`);
    assert.ok(
      trace.slice(r.i + 1).some((t) => t.step === 'fsync-dir' && t.path === dirname(r.path)),
      `${basename(r.path)}: its folder was not synced after the rename`,
    );
  }
  const appends = trace.filter((t) => t.step === 'append');
  assert.equal(appends.filter((t) => dirname(t.path) === ws.paths.auditDir).length, 2, 'one audit entry and one checkpoint');
  assert.ok(
    appends.some((t) => basename(t.path) === 'requests.jsonl'),
    'the request record is appended',
  );
  for (const a of appends)
    assert.ok(
      trace.some((t) => t.step === 'fsync-append' && t.path === a.path),
      `${basename(a.path)}: append not synced`,
    );
  const at = (pred: (t: { step: string; path: string }) => boolean) => trace.findIndex(pred);
  const intentDurable = at((t) => t.step === 'fsync-dir' && t.path === ws.paths.dir && trace.some((u) => u.path === ws.paths.intent));
  const commit = at((t) => t.step === 'fsync-append' && basename(t.path) === 'audit.jsonl');
  const dataRename = at((t) => t.step === 'rename' && t.path === ws.dataFile);
  const intentRename = at((t) => t.step === 'rename' && t.path === ws.paths.intent);
  assert.ok(intentRename >= 0 && intentDurable > intentRename && commit > intentDurable, 'the intent is durable before the commit point');
  assert.ok(dataRename > commit, 'the data file is rewritten only after the commit point is durable');
});
