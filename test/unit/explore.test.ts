// Understanding the data: keywords, the separating map, search, near-duplicates, outliers, export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace } from '../../src/core/workspace';
import { describeClusters, exportSelection, findNearDuplicates, findOutliers, labelMix, searchExamples } from '../../src/core/workspace/explore';
import { clusterKeywords, contentWords } from '../../src/core/explore/keywords';
import { mdsCentres, separatedLayout, separation } from '../../src/core/explore/layout';
import { nearDuplicateGroups } from '../../src/core/explore/nearDuplicates';
import { centroidDistances } from '../../src/core/explore/isolation';
import { makePointSet } from '../../src/core/qkmeans/points';
import { projectTo2d } from '../../src/core/workspace/map2d';
import { gridPositions } from '../../src/core/qkmeans/grid';
import { finalGrid } from '../../src/core/qkmeans/state';
import { importTableFile } from '../../src/core/dataset/importFile';

const SST2_TRAIN = join(__dirname, '..', '..', '..', 'shared', 'datasets', 'sst2', 'train.tsv');

function tempFile(name: string, body: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'erase-explore-'));
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

/** A deterministic pseudo-random stream (a linear congruential generator): test data only. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('keywords: the words that set a cluster apart, without stop words or words common to all', () => {
  const docs = [
    { cluster: 0, text: 'The cat chased the mouse in the film', weight: 1 },
    { cluster: 0, text: 'A cat and a mouse: what a film', weight: 1 },
    { cluster: 0, text: 'My cat sleeps; the film bores', weight: 1 },
    { cluster: 1, text: 'The rocket launch in this film', weight: 1 },
    { cluster: 1, text: 'A rocket, an orbit and a film', weight: 1 },
    { cluster: 1, text: 'Rocket orbit film', weight: 2 },
  ];
  assert.deepEqual(clusterKeywords(docs, 2, 3), [
    ['cat', 'mouse'], // "film" is in every row: it names neither cluster; "chased" is in one row only
    ['rocket', 'orbit'], // orbit: 3 of the cluster's 4 rows (weights count)
  ]);
  assert.deepEqual(contentWords("It's the DIRECTOR'S best, isn't it? 1999"), ["director's", 'best']);
  // Ties are broken by the word: two words with equal scores come out in alphabetical order.
  const tied = clusterKeywords(
    [
      { cluster: 0, text: 'zebra apple', weight: 2 },
      { cluster: 1, text: 'pear plum', weight: 2 },
    ],
    2,
    5,
  );
  assert.deepEqual(tied, [
    ['apple', 'zebra'],
    ['pear', 'plum'],
  ]);
  assert.equal(labelMix({ negative: 3, positive: 7 }), 'positive 70% / negative 30%');
});

/** k well-separated Gaussian-ish blobs in D dimensions, with a large shared within-cluster spread along two axes. */
function blobs(k: number, per: number, D: number) {
  const rnd = lcg(7);
  const input = [];
  const centres = new Float64Array(k * D);
  for (let j = 0; j < k; j++) for (let c = 0; c < D; c++) centres[j * D + c] = (rnd() - 0.5) * 4;
  const cluster: number[] = [];
  for (let j = 0; j < k; j++)
    for (let i = 0; i < per; i++) {
      const v = new Int32Array(D);
      for (let c = 0; c < D; c++) v[c] = Math.round((centres[j * D + c] + (rnd() - 0.5) * 0.6) * 2 ** 20);
      input.push({ id: `p${String(j * per + i).padStart(5, '0')}`, weight: 1, vector: v });
      cluster.push(j);
    }
  return { points: makePointSet(D, input), cluster: Int32Array.from(cluster), centres };
}

test('keywords: HTML entities and web boilerplate of scraped news (AG News) are no keywords', () => {
  // As AG News carries them: entities lost their "&", numeric ones their "&" too (#36; is "$").
  const text = 'Oil prices &lt;b&gt;soar&lt;/b&gt; to  #36;50 as  quot;traders quot; fret &amp; sell; it#39;s <a href=http://www.example.com/fullquote.aspx>quote</a>';
  assert.deepEqual(contentWords(text), ['oil', 'prices', 'soar', 'traders', 'fret', 'sell', 'example', 'quote']);
});

test('layout: deterministic, clusters kept apart, centres by classical MDS', () => {
  const { points, cluster, centres } = blobs(6, 60, 16);
  const a = separatedLayout(points, cluster, centres, 6);
  const b = separatedLayout(points, cluster, centres, 6);
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  const s = separation(a.x, a.y, cluster, 6);
  assert.equal(s.ownNearest, 1);
  assert.ok(s.betweenShare > 0.9, `between-cluster share ${s.betweenShare}`);
  // One cluster: its members keep their spread around the centre (nothing to keep apart).
  const one = separatedLayout(points, new Int32Array(points.ids.length), centres.subarray(0, 16), 1);
  assert.ok(new Set(one.x).size > 100 && new Set(one.y).size > 100, 'one cluster is not collapsed to a point');
  // MDS of points that already lie in a plane reproduces their distances.
  const planar = Float64Array.from([0, 0, 0, 3, 0, 0, 0, 4, 0, 3, 4, 0]);
  const m = mdsCentres(planar, 4, 3);
  const dist = (p: ArrayLike<number>, i: number, j: number, d: number) => Math.hypot(...Array.from({ length: d }, (_, c) => p[i * d + c] - p[j * d + c]));
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(dist(m, i, j, 2) - dist(planar, i, j, 3)) < 1e-9);
});

test('layout on 3,000 SST-2 rows: separation before and after', { skip: !existsSync(SST2_TRAIN) && `no ${SST2_TRAIN}` }, async () => {
  const tsv = tempFile('s.tsv', readFileSync(SST2_TRAIN, 'utf8').split('\n').slice(0, 3001).join('\n') + '\n');
  const data = join(tsv, '..', 'd.jsonl');
  importTableFile(tsv, data, { textCol: 'sentence', labelCol: 'label', header: true });
  const ws = EraseWorkspace.init(data, { k: 8 });
  await ws.cluster();
  const model = await ws.loadModel();
  const { state } = model;
  const map = await ws.map2d();
  const last = state.iterations[state.iterations.length - 1];
  const before = projectTo2d(model.points, { centroids: gridPositions(finalGrid(state), state.phase, state.params.eps), sizes: last.counts });
  const sBefore = separation(before.x, before.y, map.cluster, state.k);
  const sAfter = separation(map.x, map.y, map.cluster, state.k);
  console.log(
    `SST-2 3,000 rows, k=8: own-nearest-centre ${sBefore.ownNearest.toFixed(3)} → ${sAfter.ownNearest.toFixed(3)}, between-cluster variance share ${sBefore.betweenShare.toFixed(3)} → ${sAfter.betweenShare.toFixed(3)}`,
  );
  assert.ok(sAfter.ownNearest > 0.95 && sAfter.ownNearest > sBefore.ownNearest);
  assert.ok(sAfter.betweenShare > 0.9 && sAfter.betweenShare > sBefore.betweenShare);
  assert.deepEqual((await ws.map2d()).x, map.x, 'the same state gives the same map');
});

test('near-duplicates: sweep and prune finds exactly the pairs a comparison of all pairs finds', () => {
  const rnd = lcg(3);
  const D = 8;
  const input = [];
  for (let i = 0; i < 400; i++) {
    const v = new Int32Array(D);
    for (let c = 0; c < D; c++) v[c] = Math.round((rnd() - 0.5) * (c === 0 ? 4 : 1) * 2 ** 20); // axis 0 is the widest
    input.push({ id: `x${i}`, weight: 1, vector: v });
  }
  // Planted twins: copies moved by a tiny step.
  // Planted twins: copies moved by a small step along the swept axis (0.9 and 0.75 of the threshold).
  for (const [i, step] of [
    [5, 0.018],
    [77, 0.015],
    [301, 0.001],
  ])
    input.push({ id: `x${i}-twin`, weight: 1, vector: input[i].vector.map((x, c) => x + (c === 0 ? Math.round(step * 2 ** 20) : 0)) });
  const points = makePointSet(D, input);
  const threshold = 0.02;
  const groups = nearDuplicateGroups(points, threshold);
  // Brute force over all pairs, then the same transitive grouping.
  const linked = new Set<string>();
  for (let i = 0; i < points.ids.length; i++)
    for (let j = i + 1; j < points.ids.length; j++) {
      let d = 0;
      for (let c = 0; c < D; c++) d += (points.real[i * D + c] - points.real[j * D + c]) ** 2;
      if (Math.sqrt(d) <= threshold) linked.add(`${points.ids[i]}|${points.ids[j]}`);
    }
  const fromGroups = new Set(groups.flatMap((g) => g.ids.flatMap((a, i) => g.ids.slice(i + 1).map((b) => `${a}|${b}`))));
  assert.deepEqual([...fromGroups].sort(), [...linked].sort());
  assert.deepEqual(
    groups.map((g) => g.ids),
    [
      ['x301', 'x301-twin'],
      ['x5', 'x5-twin'],
      ['x77', 'x77-twin'],
    ],
  );
});

test('near-duplicates bucketed by the two nearest centroids: twins across a cluster boundary are found', () => {
  const { points, centres } = blobs(6, 60, 16);
  const D = 16;
  const input = points.ids.map((id, i) => ({ id, weight: 1, vector: points.fixed.subarray(i * D, (i + 1) * D) }));
  // A twin pair on the bisector of the two closest centroids: one point on each side.
  let [a, b, best] = [0, 1, Infinity];
  for (let x = 0; x < 6; x++)
    for (let y = x + 1; y < 6; y++) {
      const d = Math.hypot(...Array.from({ length: D }, (_, c) => centres[x * D + c] - centres[y * D + c]));
      if (d < best) [a, b, best] = [x, y, d];
    }
  const mid = (side: number) =>
    Int32Array.from({ length: D }, (_, c) => Math.round(((centres[a * D + c] + centres[b * D + c]) / 2 + side * 0.002 * (centres[b * D + c] - centres[a * D + c])) * 2 ** 20));
  input.push({ id: 'edge-a', weight: 1, vector: mid(-1) }, { id: 'edge-b', weight: 1, vector: mid(1) });
  // And an ordinary twin inside cluster 2.
  input.push({ id: 'inner-twin', weight: 1, vector: input[150].vector.map((x, c) => x + (c === 3 ? 5000 : 0)) });
  const all = makePointSet(D, input);
  const bucketed = nearDuplicateGroups(all, 0.05, { centroids: centres, k: 6 });
  assert.deepEqual(bucketed, nearDuplicateGroups(all, 0.05), 'the same groups as the exact sweep');
  assert.deepEqual(
    bucketed.map((g) => g.ids),
    [['edge-a', 'edge-b'], [input[150].id, 'inner-twin'].sort()],
  );
});

/** A small data set: three topics, planted near-identical texts, one text far from the rest. */
function smallDataSet(): string {
  const rows: object[] = [];
  const topics = [
    ['cat', 'kitten', 'whiskers', 'purr'],
    ['rocket', 'orbit', 'launch', 'booster'],
    ['soup', 'recipe', 'onion', 'simmer'],
  ];
  topics.forEach((words, t) => {
    for (let i = 0; i < 20; i++)
      rows.push({
        id: `t${t}-${String(i).padStart(2, '0')}`,
        input: `${words[i % 4]} ${words[(i + 1) % 4]} ${words[(i + 2) % 4]} number${i}`,
        label: i % 4 === 0 ? 'rare' : 'common',
      });
  });
  rows.push({ id: 'dup-a', input: 'The quick brown fox jumps over the lazy dog', label: 'common' });
  rows.push({ id: 'dup-b', input: 'the quick brown fox jumps over the lazy dog!', label: 'common' });
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

test('describe, search, near-duplicates and outliers on a workspace', async () => {
  const file = tempFile('data.jsonl', smallDataSet());
  const ws = EraseWorkspace.init(file, { k: 3 });
  await ws.cluster();
  const clusters = await describeClusters(ws, { keywords: 4, outliers: 2 });
  assert.equal(clusters.length, 3);
  assert.equal(
    clusters.reduce((s, c) => s + c.size, 0),
    62,
  );
  const { state, points } = await ws.loadModel();
  const { cluster, distance } = centroidDistances(state, points);
  for (const c of clusters) {
    // The outliers are the members farthest from the centroid: no other member is farther.
    const far = Math.min(...c.outliers.map((id) => distance[points.ids.indexOf(id)]));
    points.ids.forEach((id, i) => {
      if (cluster[i] === c.index && !c.outliers.includes(id)) assert.ok(distance[i] <= far);
    });
    assert.deepEqual(c.representatives, [state.representatives[c.index]]);
    assert.equal(c.outliers.length, 2);
    assert.equal(
      Object.values(c.labels).reduce((s, n) => s + n, 0),
      c.size,
    );
  }
  assert.deepEqual(await describeClusters(ws, { keywords: 4, outliers: 2 }), clusters, 'deterministic');
  // Without outliers (the Data set tree) no vector is loaded; the rest is the same.
  assert.deepEqual(
    await describeClusters(ws, { keywords: 4, outliers: 0 }),
    clusters.map((c) => ({ ...c, outliers: [] })),
  );

  const text = await searchExamples(ws, { kind: 'text', text: 'ORBIT', ignoreCase: true }, 100);
  assert.equal(text.length, 15);
  assert.ok(text.every((h) => h.id.startsWith('t1-')));
  assert.deepEqual(text[0].lines, [21]);
  const regex = await searchExamples(ws, { kind: 'regex', pattern: '^soup .* number1[0-9]$' }, 100);
  assert.deepEqual(
    regex.map((h) => h.id),
    ['t2-12', 't2-16'],
  );
  const near = await searchExamples(ws, { kind: 'near', text: 'rocket orbit launch number4' }, 3);
  assert.equal(near[0].id, 't1-04');
  assert.equal(near[0].distance, 0);
  assert.ok(near[1].distance! >= near[0].distance! && near[2].distance! >= near[1].distance!);
  await assert.rejects(searchExamples(ws, { kind: 'regex', pattern: '(a' }, 5), /invalid regular expression/);

  const groups = await findNearDuplicates(ws);
  assert.deepEqual(
    groups.map((g) => g.ids),
    [['dup-a', 'dup-b']],
    'the planted pair and nothing else',
  );
  assert.deepEqual(await findNearDuplicates(ws, 0), []);

  const outliers = await findOutliers(ws, 5);
  assert.equal(outliers.length, 5);
  assert.ok(outliers.every((o, i) => i === 0 || o.score <= outliers[i - 1].score));
});

test('export-selection copies the original line bytes and refuses the data file as --out', async () => {
  // CRLF, a BOM, escapes and odd spacing: anything re-serialised would differ.
  const lines = [
    '\ufeff{"id":"a", "input":"caf\\u00e9  first","label":"x"}\r\n',
    '{"id":"b","input":"second"}\n',
    '{ "id" : "c" , "input" : "third \\"quoted\\"" }\r\n',
    '{"id":"d","input":"last, no newline"}',
  ];
  const file = tempFile('data.jsonl', lines.join(''));
  const ws = EraseWorkspace.init(file, { k: 2 });
  await ws.cluster();
  const out = join(file, '..', 'sel.jsonl');
  const r = exportSelection(ws, { kind: 'ids', ids: ['c', 'a', 'd'] }, out);
  assert.deepEqual(r, { examples: 3, lines: 3, bytes: readFileSync(out).length });
  assert.deepEqual(readFileSync(out), Buffer.from(lines[0].slice(1) + lines[2] + lines[3] + '\n'));
  exportSelection(ws, { kind: 'text', text: 'second' }, out);
  assert.equal(readFileSync(out, 'utf8'), lines[1]);
  const before = readFileSync(file);
  assert.throws(() => exportSelection(ws, { kind: 'ids', ids: ['a'] }, file), /--out is the data file itself/);
  const link = join(file, '..', 'link.jsonl');
  symlinkSync(file, link);
  assert.throws(() => exportSelection(ws, { kind: 'ids', ids: ['a'] }, link), /--out is the data file itself/);
  assert.deepEqual(readFileSync(file), before, 'the data file is untouched');
  assert.throws(() => exportSelection(ws, { kind: 'ids', ids: ['zzz'] }, out), /not in the data set/);
  assert.throws(() => exportSelection(ws, { kind: 'text', text: 'nothing like this' }, out), /no example matches/);
});
