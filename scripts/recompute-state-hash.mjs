#!/usr/bin/env node
// Recomputes the state hash of `.erase/state/` (format erase-qkm-state/3) from the rules in
// docs/STATE-FORMAT.md alone, without any of the tool's code: read the manifest, the head and the
// pages it names (checking each file's SHA-256), print every part again canonically (fixed field
// order, no whitespace, rows sorted by id and cut into pages by the keyed id hash), check the bytes
// are the stored ones, and print the SHA-256 of the manifest.
// Usage: node recompute-state-hash.mjs path/to/.erase/state   (or the manifest.json inside it)
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

const arg = process.argv[2];
if (!arg) {
  console.error('usage: node recompute-state-hash.mjs path/to/.erase/state');
  process.exit(2);
}
const dir = statSync(arg).isDirectory() ? arg : dirname(arg);
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const fail = (msg) => {
  console.error(msg);
  process.exit(1);
};
const manifestBytes = readFileSync(join(dir, 'manifest.json'));
const manifest = JSON.parse(manifestBytes.toString('utf8'));
if (manifest.format !== 'erase-qkm-state/3') {
  console.error(`this script reads format erase-qkm-state/3, the manifest says ${JSON.stringify(manifest.format)}`);
  process.exit(2);
}
const named = (name, hash) => {
  const b = readFileSync(join(dir, name));
  if (sha256(b) !== hash) fail(`${name} does not hash to the value the manifest names`);
  return b.toString('utf8');
};
const headText = named(`head-${manifest.head}.json`, manifest.head);
const h = JSON.parse(headText);
const rows = manifest.pages.flatMap(([hash]) => JSON.parse(named(`page-${hash}.json`, hash)));

// The canonical parts, from the parsed values.
const str = (x) => JSON.stringify(x);
const nums = (a) => a.map((x) => String(x)).join(',');
const p = h.params;
const head =
  `{"format":"erase-qkm-state/3",` +
  `"params":{"k":${p.k},"eps":${str(p.eps)},"dims":${p.dims},"maxIter":${p.maxIter},"seed":${str(p.seed)},"embedderId":${str(p.embedderId)}},` +
  `"k":${h.k},"n":${h.n},"phase":[${h.phase.map(str).join(',')}],` +
  `"initSeeds":[${h.initSeeds.map(str).join(',')}],"initGrid":[${nums(h.initGrid)}],` +
  `"iterations":[${h.iterations
    .map((it) => `{"grid":[${nums(it.grid)}],"sums":[${nums(it.sums)}],"counts":[${nums(it.counts)}],"reseeds":[${it.reseeds.map(([j, id]) => `[${j},${str(id)}]`).join(',')}]}`)
    .join(',')}],` +
  `"converged":${h.converged},` +
  `"representatives":[${h.representatives.map(str).join(',')}]}`;

// Page ends: FNV-1a over the id's UTF-8 bytes from a seed-derived key, then murmur3's fmix32; a row
// ends its page when the result is below 2^32/1024, or when the page holds 8192 rows.
const key = createHash('sha256').update(`erase-qkm-state/3 pages\0${p.seed}`, 'utf8').digest().readUInt32BE(0);
const endsPage = (id) => {
  let x = (0x811c9dc5 ^ key) >>> 0;
  for (const b of Buffer.from(id, 'utf8')) x = Math.imul(x ^ b, 0x01000193);
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0 < 2 ** 32 / 1024;
};
const sorted = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const pages = [];
let page = [];
sorted.forEach(([id, c, w, content], i) => {
  page.push(`[${str(id)},${c},${w},${str(content)}]`);
  if (endsPage(id) || page.length >= 8192 || i === sorted.length - 1) {
    const text = `[${page.join(',')}]`;
    pages.push(`[${str(sha256(text))},${page.length},${str(id)}]`);
    page = [];
  }
});
const canonical = `{"format":"erase-qkm-state/3","head":${str(sha256(head))},"pages":[${pages.join(',')}]}`;
const hash = sha256(canonical);
if (head !== headText || canonical !== manifestBytes.toString('utf8')) {
  fail(`${dir} is not in canonical form: its bytes differ from the canonical encoding (canonical hash ${hash})`);
}
console.log(hash);
