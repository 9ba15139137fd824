// The long-lived host's read views (status, examples, map, prompt) reuse the parsed state and the
// points while the state file is unchanged. They must follow every change: an erasure by another
// process (the CLI) and one through the same instance, whose DeletionEngine consumes a state.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EraseWorkspace, eraseExamples } from '../../src/core/workspace';
import { freshStateHash, tempDir } from './workspace.helpers';

function dataFile(n: number): string {
  const file = join(tempDir('erase-readcache-'), 'data.jsonl');
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ input: `review ${i}: ${['calm', 'loud', 'dull', 'bright'][i % 4]} ${['film', 'plot', 'cast'][i % 3]} ${i * 7919}`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('views of a long-lived workspace follow erasures by another process and by itself', async () => {
  const file = dataFile(160);
  const host = EraseWorkspace.init(file, { k: 4 });
  await host.cluster();
  const first = host.status({ ids: true });
  const firstIds = first.ids!;
  const map = await host.map2d();
  assert.equal(map.ids.length, first.distinct);
  assert.equal(await host.map2d(), map, 'an unchanged state reuses the map');

  // Another process (the CLI) erases: the host's views must notice the replaced state file.
  const cli = EraseWorkspace.open(file);
  const victim = firstIds[7];
  const byCli = await eraseExamples(cli, { ids: [victim], unloadModel: false, time: '2026-11-30T00:00:00.000Z' });
  const afterCli = host.status();
  assert.equal(afterCli.stateHash, byCli.stateHashAfter);
  assert.equal(afterCli.outOfDate, false);
  assert.ok(!(await host.map2d()).ids.includes(victim));
  assert.ok(!host.examples().some((e) => e.id === victim));

  // The host erases through its own instance, twice (the second reads the state the first wrote).
  for (const id of [firstIds[20], firstIds[33]]) {
    const r = await eraseExamples(host, { ids: [id], unloadModel: false, time: '2026-11-30T00:00:00.000Z' });
    assert.equal(host.status().stateHash, r.stateHashAfter);
    assert.ok(!(await host.map2d()).ids.includes(id));
  }
  const expected = await freshStateHash(file, { k: 4 });
  assert.equal(host.status().stateHash, expected, 'the state the views show is the oracle’s');
  const model = await host.loadModel();
  assert.equal(model.points.ids.length, host.status().distinct);
  assert.equal((await host.verify()).equal, true);
});
