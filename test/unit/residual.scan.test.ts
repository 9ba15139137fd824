import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CancelledError } from '../../src/core/errors';
import { COMMIT_MESSAGE_PATH, formatResidualReport, scanResiduals } from '../../src/core/residual/index';
import { assertNoNeedle, commitAll, expectSet, git, hitSet, tempDir, write } from './residual.helpers';

const NEEDLES = [
  'Alice Example lives at 42 Quiet Lane', // 0: committed, then edited out: history only
  'account number 9911-2233-4455', // 1: gitignored file (not reported) + binary cache in .erase (reported)
  'the quick brown fox jumps over', // 2: split over lines/spaces: whitespace-normalised
  'short1', // 3: below minLength: skipped
  'staged secret value 77-88-99', // 4: staged, never committed: file + index
  'John Q Public 555-0100 record', // 5: in a commit message only
  'Zebra-Orchid-Delta', // 6: in a file name and its content
];

function fixture(): { root: string; c1: string; c2: string } {
  const root = tempDir('scan');
  git(root, ['init', '-q']);
  write(root, '.gitignore', 'secret.log\n.erase/\n');
  write(root, 'notes.txt', `intro\n${NEEDLES[0]}\nshort1 is here\n`);
  const c1 = commitAll(root, 'first');
  write(root, 'notes.txt', 'intro\n(removed)\nshort1 is here\n');
  const c2 = commitAll(root, `scrub ${NEEDLES[5]}\n\nbody`);
  write(root, 'secret.log', `${NEEDLES[1]}\n`);
  write(root, '.erase/cache.bin', Buffer.concat([Buffer.from([0, 1, 2, 0, 10]), Buffer.from(NEEDLES[1]), Buffer.from([0, 0xff])]));
  write(root, 'poem.md', 'the quick\n   brown fox\tjumps\r\n  over the dog\n');
  write(root, 'staged.txt', `${NEEDLES[4]}\n`);
  git(root, ['add', 'staged.txt']);
  write(root, 'image.bin', Buffer.concat([Buffer.from([0, 0, 0]), Buffer.from(NEEDLES[0])]));
  write(root, `${NEEDLES[6]}.txt`, `x\ny ${NEEDLES[6]}\n`);
  write(root, 'node_modules/pkg/index.js', `// ${NEEDLES[0]}\n`);
  return { root, c1, c2 };
}

test('git work tree: exact hit set over files, extra dir, index, history and commit messages', async () => {
  const { root, c1, c2 } = fixture();
  const report = await scanResiduals({ root, needles: NEEDLES, extraDirs: ['.erase'] });
  assert.deepEqual(
    hitSet(report.hits),
    expectSet([
      { kind: 'file', path: '.erase/cache.bin', line: 2, needleIndex: 1, match: 'exact' },
      { kind: 'file', path: 'poem.md', line: 1, needleIndex: 2, match: 'whitespace-normalised' },
      { kind: 'file', path: 'staged.txt', line: 1, needleIndex: 4, match: 'exact' },
      { kind: 'file', path: '<needle #6>.txt', line: 2, needleIndex: 6, match: 'exact' },
      { kind: 'git-index', path: 'staged.txt', line: 1, needleIndex: 4, match: 'exact' },
      { kind: 'git-history', path: 'notes.txt', line: 2, commit: c1, needleIndex: 0, match: 'exact' },
      { kind: 'git-history', path: COMMIT_MESSAGE_PATH, line: 1, commit: c2, needleIndex: 5, match: 'exact' },
    ]),
  );
  assert.equal(report.revisionsScanned, 2);
  // tracked + untracked-not-ignored + the extra dir; not secret.log, not node_modules, not the binary
  assert.equal(report.filesScanned, 6);
  assert.deepEqual(report.skipped.map((s) => s.path).sort(), ['<needle #3>', 'image.bin']);
  const text = formatResidualReport(report);
  assertNoNeedle(report, text, NEEDLES, assert.fail);
  const guidance = report.guidance.join('\n');
  assert.match(guidance, /git filter-repo --replace-text/);
  assert.match(guidance, /BFG/);
  assert.match(guidance, /clone, fork/);
  assert.match(guidance, /git reflog expire --expire=now --all && git gc --prune=now --aggressive/);
  assert.match(guidance, /bug in ERASE Workbench/);
  assert.match(guidance, /edit the listed lines or delete the files/);
  assert.match(guidance, /#3 were not searched/);
  assert.match(text, /poem\.md:1 {2}needle #2 \(whitespace-normalised\)/);
  assert.match(text, new RegExp(`notes\\.txt:2 @ ${c1.slice(0, 12)}`));
});

test('without extraDirs the gitignored cache is not scanned; gitHistory false skips git', async () => {
  const { root } = fixture();
  const report = await scanResiduals({ root, needles: NEEDLES, gitHistory: false });
  assert.deepEqual(
    hitSet(report.hits),
    expectSet([
      { kind: 'file', path: 'poem.md', line: 1, needleIndex: 2, match: 'whitespace-normalised' },
      { kind: 'file', path: 'staged.txt', line: 1, needleIndex: 4, match: 'exact' },
      { kind: 'file', path: '<needle #6>.txt', line: 2, needleIndex: 6, match: 'exact' },
    ]),
  );
  assert.equal(report.revisionsScanned, 0);
  assert.ok(report.skipped.some((s) => s.path === '.git' && /disabled/.test(s.reason)));
  assert.doesNotMatch(report.guidance.join('\n'), /filter-repo/);
});

test('include/exclude globs narrow the tree but not the extra dirs', async () => {
  const { root } = fixture();
  const inc = await scanResiduals({ root, needles: NEEDLES, include: ['*.md'], extraDirs: ['.erase'], gitHistory: false });
  assert.deepEqual(
    hitSet(inc.hits),
    expectSet([
      { kind: 'file', path: '.erase/cache.bin', line: 2, needleIndex: 1, match: 'exact' },
      { kind: 'file', path: 'poem.md', line: 1, needleIndex: 2, match: 'whitespace-normalised' },
    ]),
  );
  // exclude replaces the defaults, so node_modules is scanned now
  const exc = await scanResiduals({ root, needles: NEEDLES, exclude: ['**/*.md', '.erase/**'], extraDirs: ['.erase'], gitHistory: false });
  assert.deepEqual(
    hitSet(exc.hits),
    expectSet([
      { kind: 'file', path: 'node_modules/pkg/index.js', line: 1, needleIndex: 0, match: 'exact' },
      { kind: 'file', path: 'staged.txt', line: 1, needleIndex: 4, match: 'exact' },
      { kind: 'file', path: '<needle #6>.txt', line: 2, needleIndex: 6, match: 'exact' },
    ]),
  );
});

test('minLength and whitespace-normalised matching on text', async () => {
  const root = tempDir('minlen');
  write(root, 'a.txt', 'one\ntwo short1 three\nfoo   bar\n\tbaz qux\n');
  const r = await scanResiduals({ root, needles: ['short1', 'foo bar baz qux', 'foo   bar'], gitHistory: false, minLength: 6 });
  assert.deepEqual(
    hitSet(r.hits),
    expectSet([
      { kind: 'file', path: 'a.txt', line: 2, needleIndex: 0, match: 'exact' },
      { kind: 'file', path: 'a.txt', line: 3, needleIndex: 1, match: 'whitespace-normalised' },
      { kind: 'file', path: 'a.txt', line: 3, needleIndex: 2, match: 'exact' },
    ]),
  );
  const r2 = await scanResiduals({ root, needles: ['short1', 'foo bar baz qux'], gitHistory: false });
  assert.deepEqual(hitSet(r2.hits), expectSet([{ kind: 'file', path: 'a.txt', line: 3, needleIndex: 1, match: 'whitespace-normalised' }]));
  assert.deepEqual(r2.skipped, [{ path: '<needle #0>', reason: 'needle shorter than 12 characters; not searched' }]);
});

test('non-git folder: walks the tree, skips node_modules and .git, reports history as skipped when asked', async () => {
  const root = tempDir('plain');
  const needles = ['Bob Example, born 1970-01-01', 'split across many lines here'];
  write(root, 'a.txt', `x\n${needles[0]}\n`);
  write(root, 'sub/b.txt', 'split across\nmany\n\nlines   here\n');
  write(root, 'node_modules/m/c.txt', needles[0]);
  write(root, '.git/d.txt', needles[0]); // a stray .git folder that is not a repository
  write(root, 'big.txt', `${needles[0]}${'.'.repeat(200)}`);
  const r = await scanResiduals({ root, needles, maxFileBytes: 100 });
  assert.deepEqual(
    hitSet(r.hits),
    expectSet([
      { kind: 'file', path: 'a.txt', line: 2, needleIndex: 0, match: 'exact' },
      { kind: 'file', path: 'sub/b.txt', line: 1, needleIndex: 1, match: 'whitespace-normalised' },
    ]),
  );
  assert.equal(r.filesScanned, 2);
  assert.deepEqual(r.skipped, [{ path: 'big.txt', reason: 'larger than 100 bytes; not searched' }]);
  assertNoNeedle(r, formatResidualReport(r), needles, assert.fail);

  const asked = await scanResiduals({ root, needles, gitHistory: true, maxFileBytes: 100 });
  assert.ok(asked.skipped.some((s) => s.path === '.git' && /git history not scanned: not in a git work tree/.test(s.reason)));
  assert.deepEqual(hitSet(asked.hits), hitSet(r.hits));
});

test('git missing: history skipped with a reason, no crash', async () => {
  const { root } = fixture();
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent-residual-test';
  try {
    const r = await scanResiduals({ root, needles: NEEDLES, extraDirs: ['.erase'] });
    assert.ok(r.skipped.some((s) => s.path === '.git' && /git not found/.test(s.reason)));
    assert.equal(r.revisionsScanned, 0);
    assert.ok(r.hits.every((h) => h.kind === 'file'));
    assertNoNeedle(r, formatResidualReport(r), NEEDLES, assert.fail);
  } finally {
    process.env.PATH = path;
  }
});

function patternFiles(): string[] {
  return readdirSync(tmpdir()).filter((f) => f.startsWith(`erase-residual-${process.pid}-`));
}

test('cancellation: an aborted signal rejects with CancelledError and leaves no pattern file', async () => {
  const { root } = fixture();
  const before = patternFiles();
  await assert.rejects(scanResiduals({ root, needles: NEEDLES, signal: AbortSignal.abort() }), CancelledError);
  // Aborted as each part ends (not after a delay: on a fast machine the whole scan of this fixture
  // took less than 20 ms, and the test then saw no cancellation to check).
  for (const phase of ['git work tree', 'git listings', 'commits and trees', 'blobs'] as const) {
    const ac = new AbortController();
    const p = scanResiduals({ root, needles: NEEDLES, extraDirs: ['.erase'], signal: ac.signal, onPhase: (done) => done === phase && ac.abort() });
    await assert.rejects(p, CancelledError, `aborted as "${phase}" ended`);
  }
  assert.deepEqual(patternFiles(), before);
});

test('repository without commits: staged copy reported in file and index, zero revisions', async () => {
  const root = tempDir('empty');
  git(root, ['init', '-q']);
  write(root, 'a.txt', `${NEEDLES[4]}\n`);
  git(root, ['add', 'a.txt']);
  const r = await scanResiduals({ root, needles: NEEDLES });
  assert.deepEqual(
    hitSet(r.hits),
    expectSet([
      { kind: 'file', path: 'a.txt', line: 1, needleIndex: 4, match: 'exact' },
      { kind: 'git-index', path: 'a.txt', line: 1, needleIndex: 4, match: 'exact' },
    ]),
  );
  assert.equal(r.revisionsScanned, 0);
  assert.match(r.guidance.join('\n'), /git rm --cached/);
});

test('an unexpected failure is an error whose message names no needle', async () => {
  const root = `${tempDir('gone')}/${NEEDLES[6]}`; // does not exist
  await assert.rejects(scanResiduals({ root, needles: NEEDLES }), (e: Error) => {
    assert.match(e.message, /^residual scan failed: /);
    assert.ok(!e.message.includes(NEEDLES[6]), 'needle leaked into the error');
    assert.ok(e.message.includes('<needle #6>'));
    return true;
  });
});

test('onPhase: each part of the scan is announced once, the report last (bench/residual-phases.ts times them)', async () => {
  const { root } = fixture();
  const phases: string[] = [];
  await scanResiduals({ root, needles: NEEDLES, extraDirs: ['.erase'], onPhase: (p) => phases.push(p) });
  assert.deepEqual([...phases].sort(), ['blobs', 'commits and trees', 'files', 'git listings', 'git work tree', 'report']);
  assert.equal(phases[0], 'git work tree');
  assert.equal(phases.at(-1), 'report');
  assert.ok(phases.indexOf('git listings') < phases.indexOf('commits and trees') && phases.indexOf('commits and trees') < phases.indexOf('blobs'));
});
