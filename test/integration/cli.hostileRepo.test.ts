import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, erase, tempDir } from './cliHarness';

const SECRET = 'Hostile Henry of 9 Crash Close, passport X9Q7ZEBRA4471KESTREL';
/** Its longest word: what the scan hands git to pre-filter (older releases put it in a temp file). */
const SECRET_WORD = 'X9Q7ZEBRA4471KESTREL';

function git(dir: string, args: string[], input?: string): string {
  return execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, input, encoding: 'utf8' });
}

/** A workspace in git, with the text in data.jsonl and in `commits` earlier revisions (to make the scan last). */
function workspace(commits: number): { dir: string; id: string } {
  const dir = tempDir('hostile');
  const lines = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({ input: i === 7 ? SECRET : `an ordinary review number ${i} of the film`, output: i % 2 ? 'positive' : 'negative' }),
  );
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, '.gitignore'), '.erase/\n');
  git(dir, ['init', '-q']);
  let stream = '';
  for (let i = 1; i <= commits; i++) {
    const body = `rev ${i}\n${'filler line of an old note\n'.repeat(2000)}${i % 10 === 0 ? SECRET : ''}\n`;
    stream += `commit refs/heads/main\nmark :${i}\ncommitter T <t@example.invalid> ${1_700_000_000 + i * 60} +0000\ndata 2\nc\n`;
    if (i > 1) stream += `from :${i - 1}\n`;
    stream += `M 100644 inline notes${i % 7}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`;
  }
  if (commits > 0) git(dir, ['fast-import', '--quiet'], stream);
  git(dir, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  git(dir, ['add', 'data.jsonl', '.gitignore']);
  git(dir, ['commit', '-q', '-m', 'data']);
  assert.equal(erase(dir, 'init', '--data', 'data.jsonl', '--k', '3').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  const id = (erase(dir, 'delete', '--match', 'Hostile Henry', '--dry-run', '--json').json() as { id: string }[])[0].id;
  return { dir, id };
}

/** Every file under dir (not following links, skipping `skip`) whose bytes hold the text. */
function filesHolding(dir: string, text: string, skip: readonly string[] = []): string[] {
  const found: string[] = [];
  const needle = Buffer.from(text, 'utf8');
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (skip.includes(p)) continue;
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 64 << 20 && readFileSync(p).includes(needle)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

/** Pids of the direct children of pid (Linux /proc). */
function childCommands(pid: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

test('a workspace repository whose config names programs: erase scan and delete run none of them', () => {
  const { dir, id } = workspace(0);
  const marker = join(dir, 'marker');
  git(dir, ['config', 'core.fsmonitor', `touch '${marker}'; echo`]);
  writeFileSync(join(dir, 'hook.sh'), `#!/bin/sh\ntouch '${marker}-hook'\n`);
  git(dir, ['config', 'core.hooksPath', dir]);
  const del = erase(dir, 'delete', '--id', id, '--json');
  assert.equal(del.code, 0, del.stderr);
  assert.ok(
    del.json().residuals.hits.some((h: { kind: string }) => h.kind !== 'file'),
    'the text in history is found',
  );
  const scan = spawnSync(process.execPath, [CLI, 'scan', '--json'], { cwd: dir, input: `${SECRET}\n`, encoding: 'utf8' });
  assert.equal(scan.status, 1, scan.stderr);
  assert.equal(existsSync(marker), false, 'core.fsmonitor ran');
});

test('SIGKILL during the post-erasure scan leaves the text nowhere: not in the workspace, not in the temp folder', { skip: process.platform !== 'linux' }, async () => {
  const { dir, id } = workspace(400);
  const tmp = join(dir, '..', `${dir.split('/').pop()}-tmp`);
  mkdirSync(tmp);
  const child = spawn(process.execPath, [CLI, 'delete', '--id', id, '--json'], { cwd: dir, stdio: 'ignore', env: { ...process.env, TMPDIR: tmp } });
  let sawGit = false;
  let exited = false;
  child.on('exit', () => (exited = true));
  // Kill the moment the scan's `git cat-file --batch` runs (it reads every blob; an older release held
  // the texts in a temp file for `git grep` at this point).
  await new Promise<void>((resolve) => {
    const poll = (): void => {
      if (exited) return resolve();
      if (childCommands(child.pid!).some((c) => / cat-file --batch/.test(c))) {
        sawGit = true;
        child.kill('SIGKILL');
        return resolve();
      }
      setImmediate(poll);
    };
    poll();
  });
  await new Promise((r) => (exited ? r(null) : child.on('exit', r)));
  assert.ok(sawGit, 'the CLI was killed while its scan ran git cat-file');
  // The next start finishes whatever was left.
  const status = spawnSync(process.execPath, [CLI, 'status', '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } });
  assert.equal(status.status, 0, status.stderr);
  for (const text of [SECRET, SECRET_WORD]) {
    assert.deepEqual(filesHolding(dir, text, [join(dir, '.git')]), [], 'outside git history (which the report names) no copy remains');
    assert.deepEqual(filesHolding(tmp, text), [], 'nothing in the temp folder');
  }
});

test("a temp file left by a writer killed mid-write is removed at the next start, an old scan's pattern file at the next scan", () => {
  const { dir } = workspace(0);
  const cacheDir = join(dir, '.erase', 'cache');
  mkdirSync(cacheDir, { recursive: true });
  // What a SIGKILL between a cache write and its rename leaves (pid 2^22-1: no such process).
  const stale = join(cacheDir, `.embeddings-hash.bin.4194303.0123456789abcdef.tmp`);
  writeFileSync(stale, `vectors and ${SECRET}`);
  // And the search-pattern file an older release's scan left in the temp folder when killed.
  const tmp = join(dir, '..', `${dir.split('/').pop()}-tmp`);
  mkdirSync(tmp);
  const oldPatterns = join(tmp, `erase-residual-4194303-${'ab'.repeat(12)}.pat`);
  writeFileSync(oldPatterns, `${SECRET_WORD}\n`);
  const status = spawnSync(process.execPath, [CLI, 'status'], { cwd: dir, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } });
  assert.equal(status.status, 0, status.stderr);
  assert.equal(existsSync(stale), false);
  // Only old scans left pattern files: the temp folder is read when a scan starts, not by every command.
  assert.equal(existsSync(oldPatterns), true);
  const scan = spawnSync(process.execPath, [CLI, 'scan', '--json'], { cwd: dir, encoding: 'utf8', input: 'a text nobody wrote anywhere\n', env: { ...process.env, TMPDIR: tmp } });
  assert.equal(scan.status, 0, scan.stderr);
  assert.equal(existsSync(oldPatterns), false);
});

test('a key file others can read raises a warning on stderr', { skip: process.platform === 'win32' }, () => {
  const { dir, id } = workspace(0);
  assert.equal(erase(dir, 'delete', '--id', id, '--skip-scan').code, 0);
  const key = join(dir, '.erase', 'keys', 'audit-hmac.key');
  assert.equal(existsSync(key), true);
  chmodSync(key, 0o644);
  const again = erase(dir, 'delete', '--match', 'ordinary review number 3 ', '--skip-scan');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /warning: .*audit-hmac\.key is accessible by other users \(mode 644\); run: chmod 600/);
});
