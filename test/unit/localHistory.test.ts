// The editor's own copies of erased data: which lines of an editor buffer hold erased ids, and
// VS Code's Local History (a fixture folder in its layout: History/<folder>/entries.json + copies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { canonicalJson, sha256Hex } from '../../src/core/hash';
import { lineDeletions, linesToErase, removeExampleLines, type LineDeletion } from '../../src/core/dataset/jsonl';
import { parseLocalHistoryIndex, removeLocalHistoryCopies, resourcePath, scanLocalHistory } from '../../src/core/residual/localHistory';
import { scanWorkspace } from '../../src/core/workspace/residuals';
import type { EraseWorkspace } from '../../src/core/workspace/workspace';
import { tempDir, write } from './residual.helpers';

test('linesToErase names the lines holding the ids: CRLF, BOM, blank, malformed and content-hash ids', () => {
  const noId = { input: 'no explicit id here', output: 'x' };
  const text = [
    '\ufeff{"id":"a","input":"first"}',
    '',
    '{"id":"b","input":"second"}\r',
    'not json at all "id":"a"',
    JSON.stringify(noId),
    '{"id":"a","input":"first, edited in the buffer"}', // a duplicate explicit id mid-edit: still mapped, no throw
    '{"id":"c","input":"third"}',
  ].join('\n');
  assert.deepEqual(linesToErase(text, ['a']), [1, 6]);
  assert.deepEqual(linesToErase(text, new Set(['b', 'c'])), [3, 7]);
  assert.deepEqual(linesToErase(text, [sha256Hex(canonicalJson(noId))]), [5]);
  assert.deepEqual(linesToErase(text, ['zzz']), []);
  assert.deepEqual(linesToErase('', ['a']), []);
});

/** Applies deletions to a text as an editor does: lines split at the document's EOL, positions (line, char). */
function applyInEditor(text: string, eol: string, dels: readonly LineDeletion[]): string {
  const lines = text.split(eol);
  const offset = (line: number, ch: number) => lines.slice(0, line).reduce((n, l) => n + l.length + eol.length, 0) + ch;
  let out = text;
  for (const d of [...dels].reverse()) {
    const from = offset(d.startLine, 0);
    const to = offset(d.endLine, d.toLineEnd ? lines[d.endLine].length : 0);
    out = out.slice(0, from) + out.slice(to);
  }
  return out;
}

test('lineDeletions edits a buffer to exactly what the file rewrite writes (first, inner, last, all lines; with and without a final newline; LF and CRLF)', () => {
  const rec = (id: string) => `{"id":"${id}","input":"text of ${id}"}`;
  for (const eol of ['\n', '\r\n']) {
    for (const finalNewline of [true, false]) {
      const ids = ['a', 'b', 'c', 'd', 'e'];
      const text = ids.map(rec).join(eol) + (finalNewline ? eol : '');
      const lineCount = text.split(eol).length; // an editor's count: a final newline adds an empty line
      for (const erase of [['a'], ['c'], ['e'], ['d', 'e'], ['a', 'b', 'd'], ['b', 'c', 'd'], ids]) {
        const lines = linesToErase(text, erase);
        const inEditor = applyInEditor(text, eol, lineDeletions(lines, lineCount));
        const onDisk = Buffer.from(removeExampleLines(Buffer.from(text), 'd.jsonl', new Set(erase)).bytes).toString('utf8');
        assert.equal(inEditor, onDisk, `eol ${JSON.stringify(eol)}, final newline ${finalNewline}, erase ${erase}`);
      }
    }
  }
  assert.deepEqual(lineDeletions([2, 3, 5], 6), [
    { startLine: 1, endLine: 3, toLineEnd: false },
    { startLine: 4, endLine: 5, toLineEnd: false },
  ]);
  assert.deepEqual(lineDeletions([3, 2, 2, 9], 3), [{ startLine: 1, endLine: 2, toLineEnd: true }], 'sorted, de-duplicated, out-of-range lines dropped');
});

test('parseLocalHistoryIndex reads VS Code entries.json and ignores entries that are not plain file names', () => {
  const idx = parseLocalHistoryIndex(
    JSON.stringify({
      version: 1,
      resource: 'file:///w/data.jsonl',
      entries: [{ id: 'AbC1.jsonl', source: 'undoRedo.source', timestamp: 5 }, { id: '../escape' }, { id: 'entries.json' }, { id: 7 }, null, { id: 'x2.jsonl' }],
    }),
  );
  assert.deepEqual(idx, {
    resource: 'file:///w/data.jsonl',
    entries: [{ id: 'AbC1.jsonl', source: 'undoRedo.source', timestamp: 5 }, { id: 'x2.jsonl' }],
  });
  assert.equal(parseLocalHistoryIndex('{not json'), undefined);
  assert.equal(parseLocalHistoryIndex('{"resource":"file:///a"}'), undefined);
  assert.equal(parseLocalHistoryIndex('[]'), undefined);
});

test('resourcePath reads file: and vscode-remote: URIs, decodes them, and rejects other schemes', () => {
  assert.equal(resourcePath('file:///home/u/my%20data.jsonl'), '/home/u/my data.jsonl');
  assert.equal(resourcePath('vscode-remote://localhost%3A8080/home/u/data.jsonl'), '/home/u/data.jsonl');
  assert.equal(resourcePath('file:///c%3A/Users/u/data.jsonl'), 'c:/Users/u/data.jsonl');
  assert.equal(resourcePath('untitled:Untitled-1'), undefined);
  assert.equal(resourcePath('not a uri'), undefined);
});

const ERASED = 'she said "call me at 555-0100" twice'; // a quote: a JSONL copy holds it escaped
const OTHER = 'an erased output long enough to search';

/** History/ with: two folders of the data file (copies with and without erased text), one of another file, one that is not VS Code's. */
function historyFixture(): { root: string; dataFile: string; history: string; mine: string; mine2: string } {
  const root = tempDir('localhistory');
  const dataFile = join(root, 'work', 'data set.jsonl');
  write(root, 'work/data set.jsonl', '{"id":"keep","input":"kept example text"}\n');
  const history = join(root, 'ud', 'User', 'History');
  const uri = pathToFileURL(dataFile).href;
  const line = (id: string, input: string, output = 'positive') => JSON.stringify({ id, input, output }) + '\n';
  write(
    history,
    '-1a2b/entries.json',
    JSON.stringify({
      version: 1,
      resource: uri,
      entries: [
        { id: 'e1.jsonl', timestamp: 1 },
        { id: 'e2.jsonl', timestamp: 2 },
        { id: 'e3.jsonl', timestamp: 3 },
      ],
      extra: 'kept',
    }),
  );
  write(history, '-1a2b/e1.jsonl', line('keep', 'kept example text') + line('gone', ERASED)); // JSON-escaped copy
  write(history, '-1a2b/e2.jsonl', line('gone2', 'x', OTHER));
  write(history, '-1a2b/e3.jsonl', line('keep', 'kept example text')); // saved before the erased lines existed
  // vscode-remote form of the same file (code-server), raw text in a hand-made copy
  write(
    history,
    '7f00/entries.json',
    JSON.stringify({ version: 1, resource: `vscode-remote://localhost%3A8080${pathToFileURL(dataFile).pathname}`, entries: [{ id: 'r1.jsonl' }] }),
  );
  write(history, '7f00/r1.jsonl', `draft: ${ERASED}\n`);
  write(history, 'other/entries.json', JSON.stringify({ version: 1, resource: pathToFileURL(join(root, 'work', 'notes.md')).href, entries: [{ id: 'n1.md' }] }));
  write(history, 'other/n1.md', `${ERASED}\n`);
  write(history, 'junk/n2.jsonl', `${ERASED}\n`);
  return { root, dataFile, history, mine: join(history, '-1a2b'), mine2: join(history, '7f00') };
}

test('scanLocalHistory finds the saved copies of the data file that hold erased text, and only those', async () => {
  const f = historyFixture();
  const r = await scanLocalHistory({ historyDir: f.history, file: f.dataFile, needles: [ERASED, OTHER, 'short'], minLength: 12, maxFileBytes: 1 << 20 });
  assert.deepEqual(r.copies, [
    { folder: f.mine, entryId: 'e1.jsonl', timestamp: 1, needleIndices: [0] },
    { folder: f.mine, entryId: 'e2.jsonl', timestamp: 2, needleIndices: [1] },
    { folder: f.mine2, entryId: 'r1.jsonl', needleIndices: [0] },
  ]);
  assert.equal(r.entriesScanned, 4, 'e1, e2, e3, r1: not the other resource, not the folder without an index');
  assert.deepEqual(r.skipped, []);
  const shown = JSON.stringify(r);
  assert.ok(!shown.includes('555-0100') && !shown.includes('erased output'), 'places and indices only, never the text');
  // no History folder at all (local history off): nothing, no error
  const none = await scanLocalHistory({ historyDir: join(f.root, 'missing'), file: f.dataFile, needles: [ERASED], minLength: 12, maxFileBytes: 1 << 20 });
  assert.deepEqual(none, { copies: [], entriesScanned: 0, skipped: [] });
});

test('removeLocalHistoryCopies deletes those copies, keeps the other history and the index fields, and drops an emptied folder', async () => {
  const f = historyFixture();
  const r = await removeLocalHistoryCopies(f.mine, ['e1.jsonl', 'e2.jsonl', '../../work/data set.jsonl']);
  assert.deepEqual(r, { removed: 2, folderRemoved: false });
  assert.deepEqual(readdirSync(f.mine).sort(), ['e3.jsonl', 'entries.json']);
  const idx = JSON.parse(readFileSync(join(f.mine, 'entries.json'), 'utf8'));
  assert.deepEqual(idx.entries, [{ id: 'e3.jsonl', timestamp: 3 }]);
  assert.equal(idx.extra, 'kept');
  assert.ok(existsSync(f.dataFile), 'a path-like id never reaches outside the folder');
  const again = await scanLocalHistory({ historyDir: f.history, file: f.dataFile, needles: [ERASED, OTHER], minLength: 12, maxFileBytes: 1 << 20 });
  assert.deepEqual(
    again.copies.map((c) => c.entryId),
    ['r1.jsonl'],
  );
  assert.deepEqual(await removeLocalHistoryCopies(f.mine2, ['r1.jsonl']), { removed: 1, folderRemoved: true });
  assert.ok(!existsSync(f.mine2));
  assert.ok(existsSync(join(f.history, 'other', 'n1.md')), "another file's history is left alone");
  await assert.rejects(() => removeLocalHistoryCopies(join(f.history, 'junk'), ['n2.jsonl']));
  assert.ok(existsSync(join(f.history, 'junk', 'n2.jsonl')), 'a folder without a VS Code index is never touched');
});

test('scanWorkspace adds the Local History copies to the report when given the History folder', async () => {
  const f = historyFixture();
  const ws = { paths: { root: join(f.root, 'work'), dir: join(f.root, 'work', '.erase') }, dataFile: f.dataFile } as unknown as EraseWorkspace;
  const r = await scanWorkspace(ws, [ERASED, OTHER], { extraDirs: [], localHistoryDir: f.history });
  assert.deepEqual(
    r.localHistory?.map((c) => c.entryId),
    ['e1.jsonl', 'e2.jsonl', 'r1.jsonl'],
  );
  assert.ok(r.guidance.some((g) => /Local History/.test(g)));
  const without = await scanWorkspace(ws, [ERASED, OTHER], { extraDirs: [] });
  assert.equal(without.localHistory, undefined);
});
