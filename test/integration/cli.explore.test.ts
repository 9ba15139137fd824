import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, erase, tempDir } from './cliHarness';

const SST2_DEV = join(DATASETS, 'sst2', 'dev.tsv');

test('CLI describe, search, near-duplicates, outliers and export-selection on a slice of SST-2', { skip: !existsSync(SST2_DEV) && `no ${SST2_DEV}` }, () => {
  const dir = tempDir('explore');
  writeFileSync(join(dir, 'slice.tsv'), readFileSync(SST2_DEV, 'utf8').split('\n').slice(0, 601).join('\n') + '\n');
  assert.equal(erase(dir, 'import', 'slice.tsv', '--text-col', 'sentence', '--label-col', 'label', '--header', '--out', 'data.jsonl').code, 0);
  assert.equal(erase(dir, 'init', '--data', 'data.jsonl', '--k', '5').code, 0);
  const cl = erase(dir, 'cluster', '--json');
  assert.equal(cl.code, 0, cl.stderr);
  const { representatives, n } = cl.json();

  const d = erase(dir, 'describe', '--keywords', '4', '--outliers', '2', '--json');
  assert.equal(d.code, 0, d.stderr);
  const { clusters } = d.json();
  assert.equal(clusters.length, 5);
  assert.equal(
    clusters.reduce((s: number, c: { size: number }) => s + c.size, 0),
    n,
  );
  for (const c of clusters) {
    assert.deepEqual(Object.keys(c).sort(), ['index', 'keywords', 'labels', 'outliers', 'representatives', 'size']);
    assert.ok(c.keywords.length <= 4 && c.keywords.length > 0);
    assert.equal(c.outliers.length, 2);
    assert.deepEqual(c.representatives, [representatives[c.index]]);
    assert.equal((c.labels['0'] ?? 0) + (c.labels['1'] ?? 0), c.size);
  }
  const table = erase(dir, 'describe');
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^cluster 0 · \d+ examples · [01] \d+% \/ [01] \d+%\n {2}keywords: {8}\S/);

  const lines = readFileSync(join(dir, 'data.jsonl'), 'utf8').split('\n');
  const text = erase(dir, 'search', '--text', 'film', '--limit', '5', '--json').json().hits;
  assert.equal(text.length, 5);
  for (const h of text) assert.ok(JSON.parse(lines[h.lines[0] - 1]).input.includes('film'));
  const re = erase(dir, 'search', '--regex', '^the .* film', '--json').json().hits;
  assert.ok(re.length > 0 && re.every((h: { lines: number[] }) => /^the .* film/.test(JSON.parse(lines[h.lines[0] - 1]).input)));
  const first = JSON.parse(lines[0]);
  const near = erase(dir, 'search', '--near', first.input, '--limit', '3', '--json').json().hits;
  assert.equal(near[0].lines[0], 1);
  assert.equal(near[0].distance, 0);
  assert.equal(erase(dir, 'search', '--text', 'a', '--near', 'b').code, 2);
  assert.equal(erase(dir, 'search', '--regex', '(?=x)').code, 2);

  const dups = erase(dir, 'near-duplicates', '--threshold', '0.25', '--json');
  assert.equal(dups.code, 0, dups.stderr);
  assert.equal(dups.json().threshold, 0.25);
  for (const g of dups.json().groups) assert.ok(g.ids.length >= 2 && g.maxDistance <= 0.25);
  assert.equal(erase(dir, 'near-duplicates', '--threshold', 'x').code, 2);
  const out = erase(dir, 'outliers', '--limit', '4', '--json').json().outliers;
  assert.equal(out.length, 4);

  // Export: the cluster's lines, byte for byte, in file order; never the data file itself.
  const ex = erase(dir, 'export-selection', '--cluster', '2', '--out', 'c2.jsonl', '--json');
  assert.equal(ex.code, 0, ex.stderr);
  assert.equal(ex.json().examples, clusters[2].size);
  const status = erase(dir, 'status', '--json').json();
  assert.equal(status.stateHash, cl.json().stateHash, 'nothing here changes the state');
  const exported = readFileSync(join(dir, 'c2.jsonl'), 'utf8').split('\n').slice(0, -1);
  assert.equal(exported.length, clusters[2].size);
  for (const l of exported) assert.ok(lines.includes(l));
  const ids = erase(dir, 'export-selection', '--ids', representatives[0], representatives[1], '--out', 'reps.jsonl');
  assert.equal(ids.code, 0, ids.stderr);
  assert.equal(readFileSync(join(dir, 'reps.jsonl'), 'utf8').split('\n').length, 3);
  const self = erase(dir, 'export-selection', '--text', 'film', '--out', 'data.jsonl');
  assert.equal(self.code, 2);
  assert.match(self.stderr, /^erase: --out is the data file itself/);
  assert.equal(readFileSync(join(dir, 'data.jsonl'), 'utf8'), lines.join('\n'));
});
