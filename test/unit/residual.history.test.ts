import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatResidualReport, scanResiduals } from '../../src/core/residual/index';
import { scanGit } from '../../src/core/residual/history';
import { gitWorkTree } from '../../src/core/residual/git';
import { prepareNeedles } from '../../src/core/residual/needles';
import { assertNoNeedle, expectSet, git, hitSet, tempDir } from './residual.helpers';

const NEEDLES = ['Alice Example lives at 42 Quiet Lane', 'first line of the note\nsecond line of it', 'binary blob holds 0042-9999', 'inside the sub folder only!'];
const COMMITS = 300;

/** One `M`/`D` change per file touched by commit i (1-based). */
function changes(i: number): string[] {
  const m = (path: string, content: string): string => `M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n${content}\n`;
  const out = [m('counter.txt', `rev ${i}\n`)];
  if (i === 10) out.push(m('f.txt', `rev 10\n${NEEDLES[0]}\n`));
  if (i === 13) out.push(m('f.txt', 'clean\n'));
  if (i === 20) out.push(m('other.txt', `${NEEDLES[1]}\ntail\n`));
  if (i === 21) out.push(m('other.txt', 'first line of the note\n(cut)\n'));
  if (i === 30) out.push(m('bin.dat', `\0\0${NEEDLES[2]}`));
  if (i === 31) out.push('D bin.dat\n');
  if (i === 40) out.push(m('sub/inner.txt', `${NEEDLES[3]}\n`));
  if (i === 41) out.push(m('sub/inner.txt', 'gone\n'));
  if (i === 50) out.push(m('g.txt', 'Alice   Example\n  lives at 42 Quiet Lane\n'));
  if (i === 51) out.push('D g.txt\n');
  return out;
}

/** A repository of COMMITS commits, built in one fast-import run (seconds even on CI). */
function bigRepo(): { root: string; rev: (i: number) => string } {
  const root = tempDir('history');
  git(root, ['init', '-q']);
  let stream = '';
  for (let i = 1; i <= COMMITS; i++) {
    const msg = `commit ${i}\n`;
    stream += `commit refs/heads/main\nmark :${i}\ncommitter T <t@example.invalid> ${1_700_000_000 + i * 60} +0000\ndata ${msg.length}\n${msg}`;
    if (i > 1) stream += `from :${i - 1}\n`;
    stream += changes(i).join('');
    stream += '\n';
  }
  git(root, ['fast-import', '--quiet'], stream);
  git(root, ['reset', '-q', '--hard', 'main']);
  return { root, rev: (i) => git(root, ['rev-parse', `main~${COMMITS - i}`]).trim() };
}

test(`history of ${COMMITS} commits: multi-line, binary, cross-line normalised copies; newest commit per path`, async () => {
  const { root, rev } = bigRepo();
  const t0 = performance.now();
  const r = await scanResiduals({ root, needles: NEEDLES });
  const ms = performance.now() - t0;
  assert.deepEqual(
    hitSet(r.hits),
    expectSet([
      { kind: 'git-history', path: 'f.txt', line: 2, commit: rev(12), needleIndex: 0, match: 'exact' },
      { kind: 'git-history', path: 'g.txt', line: 1, commit: rev(50), needleIndex: 0, match: 'whitespace-normalised' },
      { kind: 'git-history', path: 'other.txt', line: 1, commit: rev(20), needleIndex: 1, match: 'exact' },
      { kind: 'git-history', path: 'bin.dat', line: 1, commit: rev(30), needleIndex: 2, match: 'exact' },
      { kind: 'git-history', path: 'sub/inner.txt', line: 1, commit: rev(40), needleIndex: 3, match: 'exact' },
    ]),
  );
  assert.equal(r.revisionsScanned, COMMITS);
  assert.ok(ms < 20_000, `scan took ${Math.round(ms)} ms`);
  assertNoNeedle(r, formatResidualReport(r), NEEDLES, assert.fail);

  // Root in a sub folder: only that subtree, paths relative to it.
  const sub = await scanResiduals({ root: join(root, 'sub'), needles: NEEDLES });
  assert.deepEqual(hitSet(sub.hits), expectSet([{ kind: 'git-history', path: 'inner.txt', line: 1, commit: rev(40), needleIndex: 3, match: 'exact' }]));
});

test('history read by one cat-file process or two (the default on 3+ cores): the same hits', async () => {
  const { root } = bigRepo();
  const wt = (await gitWorkTree(root))!;
  const needles = prepareNeedles(NEEDLES, 12).searched;
  const scan = (catFileProcesses: 1 | 2) =>
    scanGit({ root, prefix: wt.prefix, driverConfig: wt.driverConfig, shallow: wt.shallow, needles, maxFileBytes: 1 << 20, catFileProcesses });
  const [one, two] = await Promise.all([scan(1), scan(2)]);
  assert.equal(one.hits.length, 5);
  assert.deepEqual(hitSet(two.hits), hitSet(one.hits));
  assert.deepEqual(two.skipped, one.skipped);
});

test('history found after a rewrite is still reported until reflogs expire', async () => {
  const { root, rev } = bigRepo();
  git(root, ['reset', '-q', '--hard', rev(5)]); // drop commits 6..300 from the branch; the reflog keeps them
  const r = await scanResiduals({ root, needles: NEEDLES.slice(0, 1) });
  assert.deepEqual(hitSet(r.hits).length, 2);
  git(root, ['reflog', 'expire', '--expire=now', '--all']);
  git(root, ['gc', '-q', '--prune=now']);
  const after = await scanResiduals({ root, needles: NEEDLES.slice(0, 1) });
  assert.deepEqual(after.hits, []);
  assert.equal(after.revisionsScanned, 5);
});
