import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ERASE_IDS, isSavedViewState, parseWebviewMessage, withoutErased, type SavedViewState } from '../../src/shared/protocol';

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
