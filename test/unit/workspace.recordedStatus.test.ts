// `status()` reads what the last transaction recorded when nothing can have drifted (the data
// file's stamp and the state hash both still the ones in the meta's syncedWith), and parses the
// file and compares it with the state otherwise. Its figures must be the full path's, it must be
// taken when synced (shown by files it does not read), and it must never claim that the state
// matches a data file edited by hand — even one whose size and mtime were put back — or a copy it
// has not compared with the state (a copy's first report parses; the rebuilt index then vouches).
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EraseWorkspace, eraseExamples, reconcile, type StatusReport } from '../../src/core/workspace';
import { loadDataset } from '../../src/core/dataset/load';
import { loadState } from '../../src/core/workspace/persisted';
import { indexTableBlocks } from '../../src/core/dataset/fileIndex';
import { onWriteStep } from '../../src/core/storage/writeSteps';
import { tempDir } from './workspace.helpers';

const TIME = '2026-11-30T00:00:00.000Z';
const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const scratch = () => {
  const d = tempDir('erase-recorded-');
  dirs.push(d);
  return d;
};

/** Explicit ids, duplicated texts, malformed and blank lines, over three index blocks (the middle one without a malformed line). */
function dataFile(dir = scratch()): string {
  const lines: string[] = [];
  for (let i = 0; i < 9000; i++) {
    if (i % 10 === 0) lines.push(JSON.stringify({ id: `x${i}`, input: `explicit ${i} ${['calm', 'loud', 'dull'][i % 3]} film`, output: i % 2 ? 'pos' : 'neg' }));
    else lines.push(JSON.stringify({ input: `review ${i % 700}: ${['calm', 'loud', 'dull', 'bright'][i % 4]} plot`, output: i % 2 ? 'pos' : 'neg' }));
    if (i === 17 || i === 8500) lines.push('{"input": broken');
    if (i === 300) lines.push('');
  }
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The figures status must give, from a plain parse and the whole stored state (no status code). */
function expectedFigures(ws: EraseWorkspace) {
  const ds = loadDataset(ws.dataFile);
  const loaded = loadState(ws.paths)!;
  return {
    n: ds.examples.reduce((s, e) => s + e.multiplicity, 0),
    distinct: ds.examples.length,
    duplicates: ds.duplicates.length,
    malformed: ds.malformed.map((m) => ({ line: m.line, column: m.column, message: m.message })),
    stateHash: loaded.hash,
    eps: loaded.state.params.eps,
    k: ws.config.k,
  };
}

const figuresOf = (s: StatusReport) => ({ n: s.n, distinct: s.distinct, duplicates: s.duplicates, malformed: s.malformed, stateHash: s.stateHash, eps: s.eps, k: s.k });

/** The full path's report on the same workspace: without the index table, status cannot take the recorded path (and rebuilds the index). */
function fullStatus(ws: EraseWorkspace, opts = {}): StatusReport {
  rmSync(join(ws.paths.datasetIndex, 'table.bin'));
  const s = EraseWorkspace.open(ws.dataFile).status(opts);
  assert.equal(s.source, 'parsed');
  return s;
}

test('when synced, status gives the full path figures from what was recorded: after clustering and after erasures', async () => {
  const ws = EraseWorkspace.init(dataFile(), { k: 4 });
  await ws.cluster();
  const first = ws.status();
  assert.equal(first.source, 'recorded');
  assert.equal(first.ids, undefined, 'ids only when asked for');
  const expected = expectedFigures(ws);
  assert.equal(expected.malformed.length, 2);
  assert.ok(expected.duplicates > 100);
  assert.deepEqual(figuresOf(first), expected);
  assert.deepEqual({ ...fullStatus(ws), source: 'recorded' }, first, 'the whole report equals the full path one');

  const ids = ws.status({ ids: true }).ids!;
  const dataset = loadDataset(ws.dataFile);
  assert.deepEqual(
    ids,
    dataset.examples.map((e) => e.id),
  );
  const duplicated = dataset.duplicates.map((d) => d.id);
  for (const victims of [
    [duplicated[3], 'x20'],
    [duplicated[40], duplicated[41], 'x4990'],
  ]) {
    await eraseExamples(ws, { ids: victims, unloadModel: false, time: TIME });
    const s = ws.status({ ids: true });
    assert.equal(s.source, 'recorded', 'an erasure records the new stamp and state');
    assert.deepEqual(figuresOf(s), expectedFigures(ws));
    assert.deepEqual(
      s.ids,
      loadDataset(ws.dataFile).examples.map((e) => e.id),
    );
    assert.deepEqual({ ...fullStatus(ws, { ids: true }), source: 'recorded' }, s);
  }
});

test('the recorded path reads no page of the state and no index block without a malformed line', async () => {
  const ws = EraseWorkspace.init(dataFile(), { k: 4 });
  await ws.cluster();
  await eraseExamples(ws, { ids: ['x30'], unloadModel: false, time: TIME });
  const before = ws.status();
  assert.equal(before.source, 'recorded');
  const pages = readdirSync(ws.paths.stateDir).filter((f) => f.startsWith('page-'));
  assert.ok(pages.length > 0);
  for (const f of pages) rmSync(join(ws.paths.stateDir, f));
  const blocks = indexTableBlocks(ws.paths.datasetIndex)!;
  const clean = blocks.filter((b) => b.firstLine > 20 && b.firstLine + b.lines <= 8500);
  assert.equal(clean.length, 1);
  for (const b of clean) rmSync(join(ws.paths.datasetIndex, b.file));
  const after = EraseWorkspace.open(ws.dataFile).status();
  assert.deepEqual(after, before, 'the same report without the files it does not read');
});

test('a hand edit that keeps the size and puts the mtime back is not taken for a synced file: status parses and reports the drift', async () => {
  const file = dataFile();
  // A whole-millisecond mtime, so that utimes can put it back exactly (it takes no nanoseconds).
  const mtime = new Date('2026-11-29T12:00:00.000Z');
  utimesSync(file, mtime, mtime);
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  assert.equal(ws.status().source, 'recorded');
  const st = statSync(file);
  assert.equal(st.mtimeMs, mtime.getTime());
  const text = readFileSync(file, 'utf8');
  const edited = text.replace('"explicit 40 loud film"', '"explicit 40 LOUD film"');
  assert.notEqual(edited, text);
  assert.equal(Buffer.byteLength(edited), st.size);
  writeFileSync(file, edited);
  utimesSync(file, st.atime, mtime);
  assert.equal(statSync(file).size, st.size);
  assert.equal(statSync(file).mtimeMs, st.mtimeMs);
  for (const s of [ws.status(), EraseWorkspace.open(file).status()]) {
    assert.equal(s.source, 'parsed');
    assert.equal(s.outOfDate, true, 'the state does not match the edited file');
    assert.deepEqual(s.drift?.edited, ['x40']);
  }
  // reconcile folds the edit into the state, which then covers the file as it is: recorded again.
  await reconcile(ws, { time: TIME });
  const after = ws.status();
  assert.equal(after.source, 'recorded');
  assert.equal(after.outOfDate, false);
  assert.deepEqual(figuresOf(after), expectedFigures(ws));
});

test('a copy of the workspace (cp -r: new inodes) is compared in full, and matches', async () => {
  const dir = scratch();
  const file = dataFile(dir);
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const original = ws.status();
  assert.equal(original.source, 'recorded');
  const copyDir = scratch();
  cpSync(dir, copyDir, { recursive: true });
  const copy = EraseWorkspace.open(join(copyDir, 'data.jsonl')).status();
  assert.equal(copy.source, 'parsed');
  assert.equal(copy.outOfDate, false);
  assert.deepEqual(figuresOf(copy), figuresOf(original));
});

test('a copied or touched file is parsed once: the index rebuilt then finds its lines equal to the synced file’s, and later reports are recorded', async () => {
  const dir = scratch();
  const file = dataFile(dir);
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  // An erasure first: its index blocks are edited in place, and the comparison must still see them as the file's lines.
  await eraseExamples(ws, { ids: ['x40', 'x8990'], time: TIME });
  assert.equal(ws.status().source, 'recorded');
  const copyDir = scratch();
  cpSync(dir, copyDir, { recursive: true });
  const copyFile = join(copyDir, 'data.jsonl');
  assert.equal(EraseWorkspace.open(copyFile).status().source, 'parsed', 'the first report on the copy compares the file with the state');
  const copy = EraseWorkspace.open(copyFile);
  const again = copy.status();
  assert.equal(again.source, 'recorded', 'the rebuilt index vouches for the copy');
  assert.equal(again.outOfDate, false);
  assert.deepEqual(figuresOf(again), expectedFigures(copy));
  // Touched (new mtime and ctime, same bytes), again and again: each time parsed once, then recorded.
  for (let i = 1; i <= 6; i++) {
    const later = new Date(Date.parse('2026-12-01T00:00:00.000Z') + i * 1000);
    utimesSync(copyFile, later, later);
    assert.equal(EraseWorkspace.open(copyFile).status().source, 'parsed', `touch ${i}`);
    assert.equal(EraseWorkspace.open(copyFile).status().source, 'recorded', `touch ${i}`);
  }
  // Clustered again (its meta now names the file as it is), then touched: still vouched for.
  await EraseWorkspace.open(copyFile).cluster();
  utimesSync(copyFile, new Date('2026-12-02T00:00:00.000Z'), new Date('2026-12-02T00:00:00.000Z'));
  assert.equal(EraseWorkspace.open(copyFile).status().source, 'parsed');
  assert.equal(EraseWorkspace.open(copyFile).status().source, 'recorded');
});

test('a copy edited by hand (same size) is never vouched for, whether edited before or after the index was rebuilt', async () => {
  const dir = scratch();
  const file = dataFile(dir);
  const ws = EraseWorkspace.init(file, { k: 4 });
  await ws.cluster();
  const sameSizeEdit = (f: string, from: string, to: string) => {
    const text = readFileSync(f, 'utf8');
    const edited = text.replace(from, to);
    assert.notEqual(edited, text);
    assert.equal(Buffer.byteLength(edited), Buffer.byteLength(text));
    writeFileSync(f, edited);
  };
  for (const when of ['before', 'after'] as const) {
    const copyDir = scratch();
    cpSync(dir, copyDir, { recursive: true });
    const copyFile = join(copyDir, 'data.jsonl');
    if (when === 'after') assert.equal(EraseWorkspace.open(copyFile).status().source, 'parsed');
    if (when === 'after') assert.equal(EraseWorkspace.open(copyFile).status().source, 'recorded');
    sameSizeEdit(copyFile, '"explicit 40 loud film"', '"explicit 40 LOUD film"');
    for (let i = 0; i < 2; i++) {
      const s = EraseWorkspace.open(copyFile).status();
      assert.equal(s.source, 'parsed', `${when}, report ${i + 1}`);
      assert.equal(s.outOfDate, true);
      assert.deepEqual(s.drift?.edited, ['x40']);
    }
  }
});

/**
 * An editor saves the data file (one explicit-id text changed, same size) at a write step of an
 * erasure's rewrite: `copy-temp`, between the copy and the rename (the rewrite starts again from the
 * edit), or `rename`, just after it (only the stat tells). Either way the state must not be taken
 * for one that covers the edit, nor the index paired with the edited file.
 */
for (const [at, when] of [
  ['copy-temp', 'while an erasure rewrites the data file'],
  ['rename', 'right after an erasure renamed the data file'],
] as const) {
  test(`a hand edit made ${when} is not vouched for: status parses and reports it`, async () => {
    const file = dataFile();
    const ws = EraseWorkspace.init(file, { k: 4 });
    await ws.cluster();
    let edited = false;
    onWriteStep((step, path) => {
      if (step !== at || !path.endsWith('data.jsonl') || edited) return;
      edited = true;
      writeFileSync(file, readFileSync(file, 'utf8').replace('"explicit 40 loud film"', '"explicit 40 LOUD film"'));
    });
    try {
      await eraseExamples(ws, { ids: ['x8990'], time: TIME });
    } finally {
      onWriteStep(null);
    }
    assert.equal(edited, true, `the rewrite reached ${at}`);
    assert.match(readFileSync(file, 'utf8'), /explicit 40 LOUD film/, 'the edit is kept');
    assert.doesNotMatch(readFileSync(file, 'utf8'), /"id":"x8990"/, 'the erasure too');
    for (const s of [ws.status(), EraseWorkspace.open(file).status()]) {
      assert.equal(s.source, 'parsed');
      assert.equal(s.outOfDate, true, 'the state does not cover the edit');
      assert.deepEqual(s.drift?.edited, ['x40']);
    }
    assert.deepEqual(EraseWorkspace.open(file).status().malformed, expectedFigures(ws).malformed, 'the index describes the edited file');
  });
}
