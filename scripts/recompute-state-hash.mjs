#!/usr/bin/env node
// Recomputes the state hash of `.erase/state.json` from the rules in docs/STATE-FORMAT.md alone,
// without any of the tool's code: parse the JSON, print it again canonically (fixed field order,
// no whitespace, assignments sorted by id, integers exact, doubles in shortest round-trip form),
// check the bytes are the file's, and print the SHA-256. Usage: node recompute-state-hash.mjs STATE.json
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const path = process.argv[2];
if (!path) {
  console.error('usage: node recompute-state-hash.mjs path/to/.erase/state.json');
  process.exit(2);
}
const text = readFileSync(path, 'utf8');
const s = JSON.parse(text);
if (s.format !== 'erase-qkm-state/2') {
  console.error(`this script reads format erase-qkm-state/2, the file says ${JSON.stringify(s.format)}`);
  process.exit(2);
}
const str = (x) => JSON.stringify(x);
const nums = (a) => a.map((x) => String(x)).join(',');
const byId = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const p = s.params;
const canonical =
  `{"format":${str(s.format)},` +
  `"params":{"k":${p.k},"eps":${str(p.eps)},"dims":${p.dims},"maxIter":${p.maxIter},"seed":${str(p.seed)},"embedderId":${str(p.embedderId)}},` +
  `"k":${s.k},"n":${s.n},"phase":[${s.phase.map(str).join(',')}],` +
  `"initSeeds":[${s.initSeeds.map(str).join(',')}],"initGrid":[${nums(s.initGrid)}],` +
  `"iterations":[${s.iterations
    .map((it) => `{"grid":[${nums(it.grid)}],"sums":[${nums(it.sums)}],"counts":[${nums(it.counts)}],"reseeds":[${it.reseeds.map(([j, id]) => `[${j},${str(id)}]`).join(',')}]}`)
    .join(',')}],` +
  `"converged":${s.converged},` +
  `"assignments":[${[...s.assignments]
    .sort(byId)
    .map(([id, c, w, h]) => `[${str(id)},${c},${w},${str(h)}]`)
    .join(',')}],` +
  `"representatives":[${s.representatives.map(str).join(',')}]}`;
const hash = createHash('sha256').update(canonical, 'utf8').digest('hex');
if (canonical !== text) {
  console.error(`${path} is not in canonical form: its bytes differ from the canonical serialisation (canonical hash ${hash})`);
  process.exit(1);
}
console.log(hash);
