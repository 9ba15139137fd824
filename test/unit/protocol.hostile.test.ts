import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_ERASE_IDS,
  MAX_OUTLIERS,
  MAX_SEARCH_HITS,
  MAX_SEARCH_QUERY,
  isSavedViewState,
  parseWebviewMessage,
  withoutErased,
  type SavedViewState,
} from '../../src/shared/protocol';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `ex-${i}`);
const eraseMsg = (list: string[]) => ({ kind: 'request', id: 1, method: 'erase', params: { ids: list } });

test('an erase message may carry as many ids as the inspector lists, not one more', () => {
  assert.equal(MAX_ERASE_IDS, 50);
  assert.equal(parseWebviewMessage(eraseMsg(ids(MAX_ERASE_IDS))).ok, true);
  const r = parseWebviewMessage(eraseMsg(ids(MAX_ERASE_IDS + 1)));
  assert.deepEqual(r, { ok: false, error: "invalid params for request 'erase'", requestId: 1 });
  // A hostile webview sending a whole data set's ids in one message is refused too.
  assert.equal(parseWebviewMessage(eraseMsg(ids(100_000))).ok, false);
});

test('the saved webview state loses erased ids and keeps everything else', () => {
  const state: SavedViewState = { tab: 'map', view: { x: 1, y: 2, scale: 3 }, selected: ['a', 'gone-1', 'b', 'gone-2'], withExamples: false };
  const after = withoutErased(state, ['gone-1', 'gone-2', 'never-selected']);
  assert.deepEqual(after, { tab: 'map', view: { x: 1, y: 2, scale: 3 }, selected: ['a', 'b'], withExamples: false });
  assert.equal(isSavedViewState(after), true);
  assert.deepEqual(state.selected, ['a', 'gone-1', 'b', 'gone-2'], 'the input is not mutated');
  assert.equal(JSON.stringify(after).includes('gone'), false);
});

// ── exploring the data (issue 11): search, near-duplicates, outliers, list, export ─────────────

const req = (method: string, params: unknown) => ({ kind: 'request', id: 7, method, params });
const accepted = (method: string, params: unknown) => parseWebviewMessage(req(method, params)).ok;
const search = (over: Record<string, unknown> = {}) => ({ kind: 'text', query: 'acme', ignoreCase: true, limit: 100, ...over });

test('a search message is accepted only with a known kind, a bounded query and a bounded limit', () => {
  assert.equal(accepted('searchExamples', search()), true);
  assert.equal(accepted('searchExamples', search({ kind: 'regex', query: '^(a+)+$' })), true, 'RE2 runs any pattern in linear time: core bounds it');
  assert.equal(accepted('searchExamples', search({ kind: 'near', limit: 1 })), true);
  assert.equal(accepted('searchExamples', search({ limit: MAX_SEARCH_HITS })), true);
  assert.equal(accepted('searchExamples', search({ query: 'x'.repeat(MAX_SEARCH_QUERY) })), true);
  for (const bad of [
    search({ kind: 'eval' }),
    search({ kind: 'TEXT' }),
    search({ query: '' }),
    search({ query: 'x'.repeat(MAX_SEARCH_QUERY + 1) }),
    search({ query: 42 }),
    search({ query: ['acme'] }),
    search({ ignoreCase: 'yes' }),
    search({ limit: 0 }),
    search({ limit: MAX_SEARCH_HITS + 1 }),
    search({ limit: 1.5 }),
    search({ limit: '10' }),
    search({ limit: Number.NaN }),
    search({ extra: 1 }),
    { kind: 'text', query: 'acme', ignoreCase: true }, // no limit
    null,
    [],
    'acme',
  ])
    assert.deepEqual(parseWebviewMessage(req('searchExamples', bad)), { ok: false, error: "invalid params for request 'searchExamples'", requestId: 7 }, JSON.stringify(bad));
});

test('near-duplicates and outliers take only bounded numbers', () => {
  for (const t of [0, 0.2, 99.5]) assert.equal(accepted('nearDuplicates', { threshold: t }), true, String(t));
  for (const t of [-0.1, 100, 1e308, Infinity, Number.NaN, '0.2', null, undefined]) assert.equal(accepted('nearDuplicates', { threshold: t }), false, String(t));
  assert.equal(accepted('nearDuplicates', { threshold: 0.2, limit: 5 }), false, 'no extra fields');
  for (const n of [1, 20, MAX_OUTLIERS]) assert.equal(accepted('outliers', { limit: n }), true, String(n));
  for (const n of [0, -1, MAX_OUTLIERS + 1, 2.5, '20', 2 ** 53]) assert.equal(accepted('outliers', { limit: n }), false, String(n));
});

test('describe and the list view take no parameters at all', () => {
  for (const m of ['describeClusters', 'listExamples']) {
    assert.equal(accepted(m, {}), true, m);
    for (const bad of [{ offset: 0 }, null, [], 'all', undefined]) assert.equal(accepted(m, bad), false, `${m} ${JSON.stringify(bad)}`);
  }
});

test('an export names ids or one cluster, never both, never a path', () => {
  assert.equal(accepted('exportSelection', { kind: 'ids', ids: ['a', 'b'] }), true);
  assert.equal(accepted('exportSelection', { kind: 'ids', ids: ids(200_000) }), true, 'a whole data set may be exported (nothing is erased)');
  assert.equal(accepted('exportSelection', { kind: 'cluster', cluster: 0 }), true);
  assert.equal(accepted('exportSelection', { kind: 'cluster', cluster: 1023 }), true);
  for (const bad of [
    { kind: 'ids', ids: [] },
    { kind: 'ids', ids: [''] },
    { kind: 'ids', ids: ['x'.repeat(201)] },
    { kind: 'ids', ids: [1] },
    { kind: 'ids', ids: 'a' },
    { kind: 'ids', ids: ids(200_001) },
    { kind: 'cluster', cluster: -1 },
    { kind: 'cluster', cluster: 1024 },
    { kind: 'cluster', cluster: 0.5 },
    { kind: 'cluster', cluster: '0' },
    { kind: 'cluster', cluster: 0, ids: ['a'] },
    { kind: 'ids', ids: ['a'], cluster: 0 },
    { kind: 'ids', ids: ['a'], out: '/etc/passwd' },
    { kind: 'file', path: '/tmp/x.jsonl' },
    { kind: 'cluster' },
    {},
  ])
    assert.equal(accepted('exportSelection', bad), false, JSON.stringify(bad).slice(0, 80));
  // a "__proto__" key from JSON.parse is an own, unknown key: refused, not merged into anything
  assert.equal(
    parseWebviewMessage(JSON.parse('{"kind":"request","id":3,"method":"exportSelection","params":{"kind":"cluster","cluster":0,"__proto__":{"kind":"ids"}}}')).ok,
    false,
  );
});

test('saved view state: the map settings are optional, bounded, and no query text is kept', () => {
  const old = { tab: 'map', view: { x: 0, y: 0, scale: 1 }, selected: [], withExamples: true };
  assert.equal(isSavedViewState(old), true, 'a state saved before the map settings existed stays valid');
  assert.equal(isSavedViewState({ ...old, colorBy: 'label', hiddenClusters: [0, 3] }), true);
  for (const bad of [{ colorBy: 'rainbow' }, { hiddenClusters: [-1] }, { hiddenClusters: ['0'] }, { hiddenClusters: [0.5] }, { hiddenClusters: ids(3) }, { search: 'customer X' }])
    assert.equal(isSavedViewState({ ...old, ...bad }), false, JSON.stringify(bad));
  const after = withoutErased({ ...old, selected: ['a', 'gone'], colorBy: 'label', hiddenClusters: [2] }, ['gone']);
  assert.deepEqual(after, { ...old, selected: ['a'], colorBy: 'label', hiddenClusters: [2] });
});

test('keys named like Object.prototype members are unknown keys, not known ones', () => {
  for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__'])
    for (const [method, params] of [
      ['getExample', { id: 'a' }],
      ['searchExamples', search()],
      ['outliers', { limit: 3 }],
    ] as const) {
      const raw = JSON.parse(`{"kind":"request","id":1,"method":"${method}","params":${JSON.stringify(params).slice(0, -1)},"${key}":{}}}`);
      assert.equal(parseWebviewMessage(raw).ok, false, `${method} with ${key}`);
    }
});

test('a deletion request matches a text, a pattern or the selected ids, never a mix', () => {
  const create = (match: unknown) => ({ requester: 'dpo', match });
  assert.equal(accepted('createRequest', create({ kind: 'text', value: 'acme', ignoreCase: true })), true);
  assert.equal(accepted('createRequest', create({ kind: 'ids', ids: ['a', 'b'] })), true);
  assert.equal(accepted('createRequest', create({ kind: 'ids', ids: ids(200_000) })), true, 'a request may cover more than the inspector lists');
  for (const bad of [
    { kind: 'ids', ids: [] },
    { kind: 'ids', ids: [''] },
    { kind: 'ids', ids: ids(200_001) },
    { kind: 'ids', ids: ['a'], value: 'acme', ignoreCase: true },
    { kind: 'text', ids: ['a'] },
    { kind: 'text', value: 'acme', ignoreCase: true, ids: ['a'] },
    { kind: 'ids', value: 'a', ignoreCase: false },
    { kind: 'all' },
  ])
    assert.equal(accepted('createRequest', create(bad)), false, JSON.stringify(bad).slice(0, 80));
});
