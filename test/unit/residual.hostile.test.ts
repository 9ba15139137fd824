import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatResidualReport, scanResiduals } from '../../src/core/residual/index';
import { assertNoNeedle, commitAll, expectSet, git, hitSet, tempDir, write } from './residual.helpers';

const SECRET = 'Mallory Hostile lives at 7 Trap Street';

/** A shell script that leaves a marker file when git runs it, then behaves like `cat` or `echo`. */
function markerScript(root: string, name: string, body: string): { script: string; marker: string } {
  const marker = join(root, `MARKER-${name}`);
  const script = join(root, '.git', `${name}.sh`);
  write(root, `.git/${name}.sh`, `#!/bin/sh\ntouch '${marker}'\n${body}\n`);
  chmodSync(script, 0o755);
  return { script, marker };
}

function markers(root: string): string[] {
  return readdirSync(root).filter((n) => n.startsWith('MARKER-'));
}

test('a repository whose config names programs (fsmonitor, hooks, textconv, filter, gpg) runs none of them, and the text is still found', async () => {
  const root = tempDir('hostile');
  git(root, ['init', '-q']);
  write(root, '.gitattributes', '*.txt diff=conv filter=scrub\n');
  write(root, 'notes.txt', `${SECRET}\n`);
  commitAll(root, 'notes');
  write(root, 'notes.txt', 'clean now\n');
  commitAll(root, 'clean');

  // A signed commit on top (the signature is junk; verifying it would run gpg.program).
  const head = git(root, ['rev-parse', 'HEAD']).trim();
  const tree = git(root, ['rev-parse', 'HEAD^{tree}']).trim();
  const signed = `tree ${tree}\nparent ${head}\nauthor T <t@example.invalid> 1700000000 +0000\ncommitter T <t@example.invalid> 1700000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n AAAA\n -----END PGP SIGNATURE-----\n\nsigned\n`;
  const oid = git(root, ['hash-object', '-t', 'commit', '-w', '--stdin'], signed).trim();
  git(root, ['update-ref', 'refs/heads/main', oid]);
  // Configured only now, so the commits above ran nothing; from here any git call may trigger them.
  const fsm = markerScript(root, 'fsmonitor', 'echo');
  git(root, ['config', 'core.fsmonitor', `touch '${join(root, 'MARKER-fsmonitor-inline')}'; ${fsm.script}`]);
  const hooks = join(root, '.git', 'evil-hooks');
  mkdirSync(hooks);
  for (const hook of ['post-index-change', 'reference-transaction', 'post-checkout', 'pre-auto-gc', 'post-rewrite']) {
    write(root, `.git/evil-hooks/${hook}`, `#!/bin/sh\ntouch '${join(root, `MARKER-hook-${hook}`)}'\n`);
    chmodSync(join(hooks, hook), 0o755);
  }
  git(root, ['config', 'core.hooksPath', hooks]);
  git(root, ['config', 'diff.conv.textconv', markerScript(root, 'textconv', 'cat "$1"').script]);
  git(root, ['config', 'filter.scrub.clean', markerScript(root, 'clean', 'cat').script]);
  git(root, ['config', 'filter.scrub.smudge', markerScript(root, 'smudge', 'cat').script]);
  git(root, ['config', 'filter.scrub.required', 'true']);
  git(root, ['config', 'core.pager', markerScript(root, 'pager', 'cat').script]);
  git(root, ['config', 'diff.external', markerScript(root, 'extdiff', 'true').script]);
  git(root, ['config', 'gpg.program', markerScript(root, 'gpg', 'exit 1').script]);
  git(root, ['config', 'log.showSignature', 'true']);
  // A modified tracked file, so an index refresh would have something to clean.
  write(root, 'notes.txt', 'dirty\n');
  assert.deepEqual(markers(root), [], 'setup itself ran nothing');

  const r = await scanResiduals({ root, needles: [SECRET] });
  assert.deepEqual(markers(root), [], 'the scan ran a program named by the repository');
  assert.deepEqual(
    hitSet(r.hits.filter((h) => h.kind !== 'file')),
    expectSet([{ kind: 'git-history', path: 'notes.txt', line: 1, commit: git(root, ['rev-parse', 'HEAD~2']).trim(), needleIndex: 0, match: 'exact' }]),
  );
  assertNoNeedle(r, formatResidualReport(r), [SECRET], assert.fail);
});

test('a file whose name holds a newline, present only in history, is found', async () => {
  const root = tempDir('newline');
  git(root, ['init', '-q']);
  write(root, 'two\nlines.txt', `${SECRET}\n`);
  write(root, 'plain.txt', `${SECRET}\n`);
  const first = commitAll(root, 'add');
  git(root, ['rm', '-q', 'two\nlines.txt', 'plain.txt']);
  commitAll(root, 'remove');
  const r = await scanResiduals({ root, needles: [SECRET] });
  assert.deepEqual(
    hitSet(r.hits),
    expectSet([
      { kind: 'git-history', path: 'plain.txt', line: 1, commit: first, needleIndex: 0, match: 'exact' },
      { kind: 'git-history', path: 'two\nlines.txt', line: 1, commit: first, needleIndex: 0, match: 'exact' },
    ]),
  );
  assert.deepEqual(r.skipped, []);
});

test('git replace cannot hide a blob that holds the text', async () => {
  const root = tempDir('replace');
  git(root, ['init', '-q']);
  write(root, 'a.txt', `${SECRET}\n`);
  const first = commitAll(root, 'add');
  write(root, 'a.txt', 'innocent\n');
  commitAll(root, 'clean');
  git(root, ['replace', git(root, ['rev-parse', `${first}:a.txt`]).trim(), git(root, ['rev-parse', 'HEAD:a.txt']).trim()]);
  const r = await scanResiduals({ root, needles: [SECRET] });
  assert.deepEqual(hitSet(r.hits), expectSet([{ kind: 'git-history', path: 'a.txt', line: 1, commit: first, needleIndex: 0, match: 'exact' }]));
});

test('a repository git refuses (dubious ownership) is reported as such, not swallowed', async () => {
  const root = tempDir('dubious');
  git(root, ['init', '-q']);
  write(root, 'a.txt', `${SECRET}\n`);
  commitAll(root, 'add');
  const saved = process.env.GIT_TEST_ASSUME_DIFFERENT_OWNER;
  process.env.GIT_TEST_ASSUME_DIFFERENT_OWNER = '1'; // git's own test switch: behaves as if another user owned the repository
  try {
    const r = await scanResiduals({ root, needles: [SECRET] });
    const text = formatResidualReport(r);
    assert.match(text, /\.git: git history not scanned: git refuses this repository because another user owns it \("detected dubious ownership"\).*safe\.directory/);
    assert.ok(
      r.hits.some((h) => h.kind === 'file' && h.path === 'a.txt'),
      'the folder is still walked',
    );
  } finally {
    if (saved === undefined) delete process.env.GIT_TEST_ASSUME_DIFFERENT_OWNER;
    else process.env.GIT_TEST_ASSUME_DIFFERENT_OWNER = saved;
  }
  assert.equal(existsSync(join(root, '.git')), true);
});
