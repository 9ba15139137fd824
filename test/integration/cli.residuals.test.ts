import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, erase, tempDir } from './cliHarness';

const SECRET = 'Jane Roe from account 4417 hated the sequel';

function git(dir: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, stdio: 'ignore' });
}

test('erase delete reports residual copies (another file, git history) without printing the text', () => {
  const dir = tempDir('residual');
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({ input: i === 7 ? SECRET : `an ordinary review number ${i} of the film`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'notes.md'), `# notes\nsomeone pasted: ${SECRET}\n`);
  writeFileSync(join(dir, '.gitignore'), '.erase/\n');
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'data');
  assert.equal(erase(dir, 'init', '--data', 'data.jsonl', '--k', '3').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  const id = (erase(dir, 'delete', '--match', 'Jane Roe', '--dry-run', '--json').json() as { id: string }[])[0].id;
  const r = erase(dir, 'delete', '--id', id, '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = r.json();
  const kinds = new Set<string>(out.residuals.hits.map((h: { kind: string; path: string }) => `${h.kind}:${h.path}`));
  assert.ok(kinds.has('file:notes.md'), JSON.stringify([...kinds]));
  assert.ok(
    [...kinds].some((k) => k.startsWith('git-history:data.jsonl') || k.startsWith('git-index:data.jsonl')),
    JSON.stringify([...kinds]),
  );
  assert.ok(out.residuals.guidance.length > 0);
  assert.equal(r.stdout.includes(SECRET), false, 'the report never contains the erased text');
  assert.equal(r.stderr.includes(SECRET), false);
  const human = erase(dir, 'delete', '--id', id, '--request-id', out.requestId);
  assert.equal(human.code, 0);

  // erase scan reads the texts from stdin, and exits 1 when copies remain.
  const scan = spawnSync(process.execPath, [CLI, 'scan', '--json'], { cwd: dir, input: `${SECRET}\n`, encoding: 'utf8' });
  assert.equal(scan.status, 1);
  assert.equal(scan.stdout.includes(SECRET), false);
  assert.ok(JSON.parse(scan.stdout).hits.length >= 1);
});
