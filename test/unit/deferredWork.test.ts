// The extension's deferred refresh (src/extension/deferredWork.ts): it waits for the grace period
// after activation and for every workbench's first map, each wait capped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeferredWork } from '../../src/extension/deferredWork';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Milliseconds until whenFree resolved, from now. */
async function freeAfter(d: DeferredWork): Promise<number> {
  const t0 = performance.now();
  await d.whenFree();
  return performance.now() - t0;
}

test('whenFree waits for the grace period after construction', async () => {
  const ms = await freeAfter(new DeferredWork(120, 10_000));
  assert.ok(ms >= 100, `free after ${ms.toFixed(0)} ms, before the 120 ms grace`);
});

test('whenFree waits for a held first map, and not longer', async () => {
  const d = new DeferredWork(0, 10_000);
  let sent!: () => void;
  d.hold(new Promise<void>((r) => (sent = r)));
  let free = false;
  const waiting = d.whenFree().then(() => (free = true));
  await sleep(150);
  assert.equal(free, false, 'free while the map was not sent yet');
  sent();
  await waiting;
  assert.equal(free, true);
  assert.ok((await freeAfter(d)) < 50, 'still held after the map was sent');
});

test('a rejected hold frees too', async () => {
  const d = new DeferredWork(0, 10_000);
  d.hold(Promise.reject(new Error('the panel failed')));
  assert.ok((await freeAfter(d)) < 50);
});

test('a hold that never settles frees after the cap', { timeout: 5000 }, async () => {
  const d = new DeferredWork(0, 150);
  d.hold(new Promise(() => undefined));
  const ms = await freeAfter(d);
  assert.ok(ms >= 130 && ms < 2000, `free after ${ms.toFixed(0)} ms with a 150 ms cap`);
});

test('a hold added during the grace period is waited for as well', async () => {
  const d = new DeferredWork(50, 10_000);
  const waiting = d.whenFree();
  let sent!: () => void;
  d.hold(new Promise<void>((r) => (sent = r))); // a workbench opened right after activation
  let free = false;
  void waiting.then(() => (free = true));
  await sleep(200);
  assert.equal(free, false, 'free before the held map was sent');
  sent();
  await waiting;
});
