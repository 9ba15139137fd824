import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listIndex, parseIndexListing } from '../../src/core/residual/indexListing';
import { scanResiduals } from '../../src/core/residual/index';
import { git, tempDirsRemovedAfter, write } from './residual.helpers';

/** Temp folders of this file, removed when it is done. */
const tempDir = tempDirsRemovedAfter();

// One `git ls-files -t` run lists both what the files part reads and what the index holds.

const OID = 'e69b1207e0cafbd9b962cf6222989c5d19748dc3';

test('index listing: tagged records; an untracked name shaped like an index entry stays a path', () => {
  const out = parseIndexListing(
    Buffer.from(
      [
        `? 100644 ${OID} 0\tlooks-staged.txt`,
        '? plain untracked.txt',
        `H 100644 ${OID} 0\ttracked.txt`,
        `M 100644 ${OID} 1\tconflict.txt`,
        `M 100644 ${OID} 2\tconflict.txt`,
        `S 100644 ${OID} 0\tsparse.txt`,
        `H 160000 ${OID} 0\tsubmodule`,
        '',
      ].join('\0'),
    ),
  );
  assert.deepEqual(out.paths, [`100644 ${OID} 0\tlooks-staged.txt`, 'plain untracked.txt', 'tracked.txt', 'conflict.txt', 'sparse.txt', 'submodule']);
  assert.deepEqual(out.staged, [
    { path: 'tracked.txt', oid: OID },
    { path: 'conflict.txt', oid: OID },
    { path: 'conflict.txt', oid: OID },
    { path: 'sparse.txt', oid: OID },
  ]);
});

test('index listing from git, and a scan through it: a tracked, a staged and an untracked copy with an odd name are all found', async () => {
  const root = tempDir('index-listing');
  git(root, ['init', '-q']);
  const needle = 'a copy that must be found wherever it is';
  write(root, '.gitignore', 'ignored.txt\n');
  write(root, 'tracked.txt', `${needle}\n`);
  git(root, ['add', 'tracked.txt', '.gitignore']);
  git(root, ['commit', '-q', '-m', 'one']);
  write(root, 'staged.txt', `x\n${needle}\n`);
  git(root, ['add', 'staged.txt']);
  const odd = `100644 ${OID} 0\tfake.txt`;
  write(root, odd, `${needle}\n`);
  write(root, 'ignored.txt', `${needle}\n`);
  const listing = await listIndex(root);
  assert.deepEqual([...listing.paths].sort(), ['.gitignore', odd, 'staged.txt', 'tracked.txt'].sort());
  assert.deepEqual(listing.staged.map((e) => e.path).sort(), ['.gitignore', 'staged.txt', 'tracked.txt']);
  const r = await scanResiduals({ root, needles: [needle] });
  assert.deepEqual(
    r.hits.filter((h) => h.kind !== 'git-history').map((h) => `${h.kind} ${h.path}:${h.line}`),
    [`file ${odd}:1`, 'file staged.txt:2', 'file tracked.txt:1', 'git-index staged.txt:2', 'git-index tracked.txt:1'],
  );
});
