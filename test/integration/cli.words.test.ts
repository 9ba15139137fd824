// The `words` embedder through the CLI as packaged: the bundles and the word-vector asset that
// .vscodeignore lets into the .vsix, copied side by side (ext/dist, ext/assets) to a folder with no
// repository above it. init --embedder words, cluster, describe, an erasure and a retrain check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from './cliHarness';

const TOPICS: Record<string, string[]> = {
  sport: [
    'The striker scored twice as the club won the league match',
    'Olympic swimmer wins gold medal in the relay final',
    'The coach praised his team after a narrow victory in the championship',
    'Tennis champion reaches the semifinal after beating the defending champion',
    'Baseball pitcher throws a shutout as the team clinches the playoff',
    'Marathon runner breaks the world record in the race',
  ],
  business: [
    'Shares fell after the company reported lower quarterly profits',
    'Oil prices climbed as investors worried about supply',
    'The bank raised interest rates to curb inflation',
    'Retail sales rose as consumers spent more on holiday shopping',
    'The merger will create the largest airline by revenue',
    'Stocks rallied on Wall Street after strong earnings from the chipmaker',
  ],
  science: [
    'Astronomers discover a planet orbiting a distant star',
    'The spacecraft sent back images of the surface of Mars',
    'Researchers sequence the genome of a rare bacteria',
    'New software lets users browse the internet faster on mobile phones',
    'Scientists say the vaccine protected mice from the virus',
    'The telescope observed a galaxy billions of light years away',
  ],
  world: [
    'Troops clashed with rebels near the capital as the ceasefire collapsed',
    'The prime minister called early elections after parliament rejected the budget',
    'Thousands of refugees fled across the border to escape the fighting',
    'The president met foreign ministers to discuss the peace talks',
    'Police arrested protesters outside the embassy in the capital',
    'The united nations urged both sides to end the violence',
  ],
};

test('the packaged CLI clusters with --embedder words, erases exactly, and says what is wrong when the asset is missing', () => {
  const root = tempDir('words');
  try {
    const ext = join(root, 'ext');
    const ignore = readFileSync(join(REPO, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!assets/word-vectors/**'), '.vscodeignore lets the word vectors into the package');
    mkdirSync(join(ext, 'dist'), { recursive: true });
    for (const l of ignore.filter((x) => x.startsWith('!dist/'))) copyFileSync(join(REPO, l.slice(1)), join(ext, l.slice(1)));
    cpSync(join(REPO, 'assets', 'word-vectors'), join(ext, 'assets', 'word-vectors'), { recursive: true });

    const ws = join(root, 'ws');
    mkdirSync(ws);
    const lines = Object.entries(TOPICS).flatMap(([label, texts]) => texts.map((input, i) => JSON.stringify({ id: `${label}-${i}`, input, output: label, label })));
    writeFileSync(join(ws, 'data.jsonl'), lines.join('\n') + '\n');
    const run = (...args: string[]) => spawnSync(process.execPath, [join(ext, 'dist', 'cli.js'), ...args], { cwd: ws, encoding: 'utf8' });
    const ok = (...args: string[]) => {
      const r = run(...args);
      assert.equal(r.status, 0, `erase ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };

    ok('init', '--data', 'data.jsonl', '--k', '4', '--embedder', 'words', '--seed', 'topics');
    const cl = JSON.parse(ok('cluster', '--json')) as { distinct: number; nonEmpty: number };
    assert.equal(cl.distinct, 24);
    const meta = JSON.parse(readFileSync(join(ws, '.erase', 'meta.json'), 'utf8')) as { embedderId: string; embedderDimension: number };
    assert.match(meta.embedderId, /^words-glove100-v1-[0-9a-f]{12}-d100$/);
    assert.equal(meta.embedderDimension, 100);
    const { clusters } = JSON.parse(ok('describe', '--json')) as { clusters: { size: number; labels: Record<string, number>; keywords: string[] }[] };
    assert.equal(
      clusters.reduce((s, c) => s + c.size, 0),
      24,
    );
    // Topics, not spellings: most rows share their cluster with rows of their own topic.
    const purity = clusters.reduce((s, c) => s + Math.max(0, ...Object.values(c.labels)), 0) / 24;
    assert.ok(purity >= 0.6, `purity ${purity}: ${JSON.stringify(clusters)}`);

    // Exactness holds with this embedder too: after erasures the state equals a retrain.
    ok('delete', '--id', 'sport-0', '--requester', 'test', '--skip-scan');
    ok('delete', '--id', 'world-3', 'science-1', '--requester', 'test', '--skip-scan');
    ok('verify');

    // Without the asset next to dist/, a clear one-line error instead of a crash or other vectors.
    rmSync(join(ext, 'assets'), { recursive: true });
    const missing = run('cluster');
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /word-vector asset glove-100d-20k\.bin is missing .*reinstall the extension/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
