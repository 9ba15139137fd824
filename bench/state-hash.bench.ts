// The state hash's cost (issue 9 item 1): for a state of --n rows (ids and content hashes as SHA-256
// hex, as for examples without an explicit id), in the same run:
//   wholeText   SHA-256 over every byte of the state (what format 2's hash of state.json cost, and what
//               each lean erasure paid twice, reading and writing)
//   fullEncode  encodeState: every page encoded and hashed (a retrain, verify, a migration)
//   erasure     one erased row: its page split into row texts, re-cut (merged with the next when it was the
//               last row), the head and the manifest encoded and hashed: what a certified erasure pays
//   manifest    SHA-256 of the manifest alone
// CPU milliseconds (process.cpuUsage), medians of --reps runs (erasure: --reps different rows). Prints JSON and a table.
// usage: node --import tsx bench/state-hash.bench.ts [--n 60000] [--reps 21]
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { makePointSet } from '../src/core/qkmeans/points';
import { train } from '../src/core/qkmeans/train';
import type { QkmState } from '../src/core/qkmeans/state';
import { encodeChangedState, encodeState, pageFileName, pageOf, rowId, splitPage } from '../src/core/qkmeans/stateEncoding';

const { values } = parseArgs({ options: { n: { type: 'string', default: '60000' }, reps: { type: 'string', default: '21' } } });
const N = Number(values.n);
const REPS = Number(values.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r3 = (x: number) => +x.toPrecision(3);
const hex = (s: string) => createHash('sha256').update(s).digest('hex');

// A real head (k = 8, D = 16, 10 iterations), N made-up rows: the encoding only stores them.
const D = 16;
const head = train(
  makePointSet(
    D,
    Array.from({ length: 64 }, (_, i) => ({ id: `h${i}`, weight: 1, vector: Array.from({ length: D }, (_, j) => ((i * 7919 + j * 104729) % 2097152) - 1048576) })),
  ),
  { k: 8, eps: 0.1, dims: D, maxIter: 10, seed: 'bench', embedderId: 'hashing-v1-d512' },
);
const ids = Array.from({ length: N }, (_, i) => hex(`example ${i}`)).sort();
const state: QkmState = {
  ...head,
  assignments: new Map(ids.map((id, i) => [id, [i % 8, 1] as const])),
  contents: new Map(ids.map((id) => [id, hex(id)])),
};

// CPU time of this thread's process (user + system), not wall time: on a loaded machine (2 cores
// shared by many processes) wall time mostly measures the waiting; CPU time is what the work costs.
const time = (f: () => unknown) => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
const base = encodeState(state);
const all = Buffer.concat([...base.files.values()]);
const wholeText: number[] = [];
const fullEncode: number[] = [];
const manifest: number[] = [];
const erasure: number[] = [];
let s = 2024;
const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
for (let r = 0; r < REPS; r++) {
  wholeText.push(time(() => createHash('sha256').update(all).digest('hex')));
  if (r < Math.min(REPS, N > 200_000 ? 3 : REPS)) fullEncode.push(time(() => encodeState(state)));
  manifest.push(time(() => createHash('sha256').update(base.manifestBytes).digest('hex')));
  const gone = ids[Math.floor(rnd() * N)];
  const assignments = new Map(state.assignments);
  assignments.delete(gone);
  const after: QkmState = { ...state, assignments };
  erasure.push(
    time(() => {
      const p = pageOf(base.manifest, gone);
      const rowsOf = (i: number): Buffer[] => splitPage(base.files.get(pageFileName(base.manifest.pages[i].hash))!).filter((row) => rowId(row) !== gone);
      encodeChangedState(after, base.manifest, new Set([p]), rowsOf);
    }),
  );
}
const result = {
  n: N,
  pages: base.manifest.pages.length,
  stateBytes: all.length,
  manifestBytes: base.manifestBytes.length,
  wholeTextHashMs: r3(median(wholeText)),
  fullEncodeMs: r3(median(fullEncode)),
  erasureEncodeAndHashMs: r3(median(erasure)),
  manifestHashMs: r3(median(manifest)),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((x) => +x.toFixed(2)), node: process.version },
};
console.log(JSON.stringify(result));
console.table({
  'SHA-256 of the whole state (format 2 hash)': result.wholeTextHashMs,
  'encode + hash everything (retrain, verify)': result.fullEncodeMs,
  'one erasure: page + head + manifest': result.erasureEncodeAndHashMs,
  'SHA-256 of the manifest': result.manifestHashMs,
});
