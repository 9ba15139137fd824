import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EraseWorkspace, eraseExamples } from '../../src/core/workspace';
import { loadState } from '../../src/core/workspace/persisted';
import { tempDir } from './workspace.helpers';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'recompute-state-hash.mjs');

function recompute(stateFile: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, stateFile], { encoding: 'utf8' });
  return { status: r.status, out: (r.stdout + r.stderr).trim() };
}

test('docs/STATE-FORMAT.md is enough to recompute the state hash: an independent script agrees, and rejects non-canonical bytes', async () => {
  const file = join(tempDir(), 'data.jsonl');
  const lines = Array.from({ length: 30 }, (_, i) =>
    JSON.stringify(i % 4 ? { input: `review ${i} of a ${i % 3 ? 'good' : 'dull'} film`, output: 'x' } : { id: `ïd-${i}`, input: `ünïcode review ${i}`, output: 'y' }),
  );
  writeFileSync(file, lines.join('\n') + '\n' + lines[3] + '\n');
  const ws = EraseWorkspace.init(file, { k: 3, eps: 0.2, seed: 'doc' });
  await ws.cluster();
  assert.deepEqual(recompute(ws.paths.state), { status: 0, out: loadState(ws.paths)!.hash });
  await eraseExamples(ws, { ids: ws.status().ids.slice(0, 2) });
  assert.deepEqual(recompute(ws.paths.state), { status: 0, out: loadState(ws.paths)!.hash });

  const text = readFileSync(ws.paths.state, 'utf8');
  writeFileSync(ws.paths.state, text.replace('"converged":', '"converged": '));
  const bad = recompute(ws.paths.state);
  assert.equal(bad.status, 1);
  assert.match(bad.out, /not in canonical form/);
});
