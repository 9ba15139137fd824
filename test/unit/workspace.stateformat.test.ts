import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { EraseWorkspace, eraseExamples } from '../../src/core/workspace';
import { loadState } from '../../src/core/workspace/persisted';
import { encodeState } from '../../src/core/qkmeans/stateEncoding';
import type { QkmState } from '../../src/core/qkmeans/state';
import { tamperStateHead, tempDir } from './workspace.helpers';

/** The workspace's state with `n` made-up rows instead of its own (some ids non-ASCII): the encoding only stores them. */
function stateWithRows(ws: EraseWorkspace, n: number): QkmState {
  const { state } = loadState(ws.paths)!;
  const ids = Array.from({ length: n }, (_, i) => (i % 50 ? createHash('sha256').update(`r${i}`).digest('hex') : `ïd-${i}-"quoted"`));
  return {
    ...state,
    assignments: new Map(ids.map((id, i) => [id, [i % 3, 1 + (i % 2)] as const])),
    contents: new Map(ids.map((id) => [id, createHash('sha256').update(id).digest('hex')])),
  };
}

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
  await eraseExamples(ws, { ids: ws.status({ ids: true }).ids!.slice(0, 2) });
  assert.deepEqual(recompute(ws.paths.state), { status: 0, out: loadState(ws.paths)!.hash });

  // Many pages: rows enough for several, erased in the middle (pages merge).
  const many = encodeState(stateWithRows(ws, 9000));
  const dir = tempDir();
  for (const [name, bytes] of many.files) writeFileSync(join(dir, name), bytes);
  writeFileSync(join(dir, 'manifest.json'), many.manifestBytes);
  assert.ok(many.manifest.pages.length > 2);
  assert.deepEqual(recompute(dir), { status: 0, out: many.hash });

  tamperStateHead(ws.paths, (text) => text.replace('"converged":', '"converged": '));
  const bad = recompute(ws.paths.state);
  assert.equal(bad.status, 1);
  assert.match(bad.out, /not in canonical form/);
});
