import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makePointSet } from '../../src/core/qkmeans/points';
import { train } from '../../src/core/qkmeans/train';
import type { QkmState } from '../../src/core/qkmeans/state';
import {
  encodeChangedState,
  encodeRow,
  encodeState,
  endsPage,
  pageFileName,
  pageKey,
  pageOf,
  parseManifest,
  parsePage,
  PAGE_MAX_ROWS,
  PAGE_TARGET_ROWS,
  rowId,
  splitPage,
  type EncodedState,
  type StateRow,
} from '../../src/core/qkmeans/stateEncoding';

/** A trained head with `ids` as its assignment rows (the encoding does not check that they agree: it only stores them). */
function stateWithRows(ids: readonly string[], weight: (i: number) => number = (i) => 1 + (i % 3)): QkmState {
  const head = train(
    makePointSet(2, [
      { id: 'a', weight: 1, vector: [0, 0] },
      { id: 'b', weight: 1, vector: [1 << 20, 0] },
      { id: 'c', weight: 1, vector: [0, 1 << 20] },
    ]),
    { k: 3, eps: 0.1, dims: 2, maxIter: 10, seed: 'pages', embedderId: 'e' },
  );
  const sorted = [...ids].sort();
  return {
    ...head,
    assignments: new Map(sorted.map((id, i) => [id, [i % 3, weight(i)] as const])),
    contents: new Map(sorted.map((id) => [id, createHash('sha256').update(`text of ${id}`).digest('hex')])),
  };
}

const hexId = (i: number) => createHash('sha256').update(`example ${i}`).digest('hex');

/** The state without some rows, and with one row's weight lowered (a partial erasure). */
function without(state: QkmState, gone: ReadonlySet<string>, lowered?: string): QkmState {
  const assignments = new Map([...state.assignments].filter(([id]) => !gone.has(id)).map(([id, [c, w]]) => [id, [c, id === lowered ? w - 1 : w] as const]));
  const contents = new Map([...state.contents].filter(([id]) => !gone.has(id)));
  return { ...state, assignments, contents };
}

/** The incremental encoding of `after` from `before`'s stored files: only the pages holding a changed row are given as changed. */
function incremental(before: EncodedState, after: QkmState, changedIds: readonly string[]): { enc: EncodedState; pagesRead: Set<number> } {
  const m = parseManifest(before.manifestBytes);
  const changed = new Set(changedIds.map((id) => pageOf(m, id)));
  const pagesRead = new Set<number>();
  const enc = encodeChangedState(after, m, changed, (i) => {
    pagesRead.add(i);
    const rows = splitPage(before.files.get(pageFileName(m.pages[i].hash))!);
    return rows.flatMap((row): (string | Buffer)[] => {
      const r = JSON.parse(row.toString()) as StateRow;
      assert.equal(rowId(row), r[0]);
      const kept = after.assignments.get(r[0]);
      if (!kept) return [];
      return [kept[1] === r[2] ? row : encodeRow(r[0], kept[0], kept[1], r[3])];
    });
  });
  return { enc, pagesRead };
}

/** The pages of a fresh encoding that the incremental one had to write (absent before). */
function newPages(before: EncodedState, enc: EncodedState): string[] {
  return parseManifest(enc.manifestBytes)
    .pages.map((p) => pageFileName(p.hash))
    .filter((n) => !before.files.has(n));
}

test('pages are cut where the keyed id hash says, about PAGE_TARGET_ROWS rows each, never more than PAGE_MAX_ROWS', () => {
  const state = stateWithRows(Array.from({ length: 20_000 }, (_, i) => hexId(i)));
  const enc = encodeState(state);
  const m = parseManifest(enc.manifestBytes);
  const key = pageKey('pages');
  assert.ok(m.pages.length >= 8 && m.pages.length <= 40, `${m.pages.length} pages for 20,000 rows (target ${PAGE_TARGET_ROWS} a page)`);
  assert.equal(
    m.pages.reduce((s, p) => s + p.rows, 0),
    20_000,
  );
  m.pages.forEach((p, i) => {
    const rows = parsePage(enc.files.get(pageFileName(p.hash))!);
    assert.equal(rows.length, p.rows);
    assert.equal(rows[rows.length - 1][0], p.lastId);
    // Only the last row of a page may end one; the last page ends with the last row.
    rows.slice(0, -1).forEach((r) => assert.equal(endsPage(key, r[0]), false));
    if (i < m.pages.length - 1) assert.ok(endsPage(key, p.lastId));
  });
  // Another seed cuts elsewhere: the boundaries are keyed.
  const other = encodeState({ ...state, params: { ...state.params, seed: 'other' } });
  assert.notDeepEqual(
    parseManifest(other.manifestBytes).pages.map((p) => p.rows),
    m.pages.map((p) => p.rows),
  );
});

test('an erasure rewrites only its pages, and gives exactly the pages, manifest and hash of a fresh encoding (history-independent)', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => hexId(i)).sort();
  const full = stateWithRows(ids);
  const before = encodeState(full);
  const m = parseManifest(before.manifestBytes);
  const boundary = m.pages[2].lastId; // erasing a page's last row merges the page with the next one
  const wholePage = parsePage(before.files.get(pageFileName(m.pages[4].hash))!).map((r) => r[0]);
  const cases: { name: string; gone: string[]; lowered?: string; maxNewPages: number }[] = [
    { name: 'one row inside a page', gone: [ids[5000]], maxNewPages: 1 },
    { name: "a page's last row (the page merges with the next)", gone: [boundary], maxNewPages: 1 },
    { name: 'the very first and the very last row', gone: [ids[0], ids[ids.length - 1]], maxNewPages: 2 },
    { name: 'every row of one page', gone: wholePage, maxNewPages: 0 },
    { name: 'rows spread over the whole state', gone: ids.filter((_, i) => i % 997 === 3), maxNewPages: m.pages.length },
    { name: 'a partial erasure (a weight lowered) beside a removal', gone: [ids[12_345]], lowered: ids[777], maxNewPages: 2 },
  ];
  for (const c of cases) {
    const after = without(full, new Set(c.gone), c.lowered);
    const { enc, pagesRead } = incremental(before, after, c.lowered ? [...c.gone, c.lowered] : c.gone);
    const fresh = encodeState(after);
    assert.equal(enc.hash, fresh.hash, `${c.name}: the hash of a fresh encoding`);
    assert.deepEqual(enc.manifestBytes, fresh.manifestBytes, c.name);
    // Every page the new manifest names is an old one or one the incremental encoding wrote, byte for byte.
    for (const p of parseManifest(enc.manifestBytes).pages) {
      const name = pageFileName(p.hash);
      assert.deepEqual(enc.files.get(name) ?? before.files.get(name), fresh.files.get(name), `${c.name}: page ${name}`);
    }
    const wrote = newPages(before, enc);
    assert.ok(wrote.length <= c.maxNewPages, `${c.name}: ${wrote.length} new pages`);
    assert.ok(pagesRead.size <= c.maxNewPages + new Set(c.gone.map((id) => pageOf(m, id))).size + 1, `${c.name}: read ${pagesRead.size} pages`);
  }
});

test('a run of rows without a natural page end is cut at PAGE_MAX_ROWS, and erasures inside it still match a fresh encoding', () => {
  const key = pageKey('pages');
  const ids: string[] = [];
  for (let i = 0; ids.length < PAGE_MAX_ROWS + 5000; i++) {
    const id = `row-${String(i).padStart(7, '0')}`;
    if (!endsPage(key, id)) ids.push(id);
  }
  const full = stateWithRows(ids);
  const before = encodeState(full);
  assert.deepEqual(
    parseManifest(before.manifestBytes).pages.map((p) => p.rows),
    [PAGE_MAX_ROWS, 5000],
  );
  for (const gone of [[ids[10]], [ids[PAGE_MAX_ROWS - 1]], [ids[PAGE_MAX_ROWS + 10]], ids.slice(0, 3)]) {
    const after = without(full, new Set(gone));
    const { enc } = incremental(before, after, gone);
    assert.deepEqual(enc.manifestBytes, encodeState(after).manifestBytes, `erased ${gone.join(',')}`);
  }
});

test('row texts are split and their ids read without parsing, whatever an id holds (quotes, brackets, backslashes, non-ASCII, lone surrogates)', () => {
  const odd = ['a"],["b', 'c\\"],[\\"d', 'x],[y', 'ünïcode', 'lone \ud800 surrogate', '"', '\\', '],["'];
  const ids = [...Array.from({ length: 6000 }, (_, i) => hexId(i)), ...odd];
  const full = stateWithRows(ids);
  const before = encodeState(full);
  for (const [name, bytes] of before.files) {
    if (!name.startsWith('page-')) continue;
    const rows = splitPage(bytes);
    assert.deepEqual(
      rows.map((r) => JSON.parse(r.toString())),
      JSON.parse(bytes.toString('utf8')),
    );
    rows.forEach((r) => assert.equal(rowId(r), JSON.parse(r.toString())[0]));
  }
  for (const gone of [odd, [odd[0]], [odd[4], ids[17]]]) {
    const after = without(full, new Set(gone));
    assert.deepEqual(incremental(before, after, gone).enc.manifestBytes, encodeState(after).manifestBytes, `erased ${JSON.stringify(gone)}`);
  }
});
