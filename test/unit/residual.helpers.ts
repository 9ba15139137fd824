import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ResidualHit, ResidualReport } from '../../src/core/residual/index';

/** Identity, no signing, no user/system config: works on a bare CI machine. */
const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Residual Test',
  GIT_AUTHOR_EMAIL: 'residual@example.invalid',
  GIT_COMMITTER_NAME: 'Residual Test',
  GIT_COMMITTER_EMAIL: 'residual@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(cwd: string, args: readonly string[], input?: string): string {
  return execFileSync('git', ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: GIT_ENV,
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function tempDir(tag: string): string {
  // realpath: macOS /tmp is a symlink, and git reports real paths
  return realpathSync(mkdtempSync(join(tmpdir(), `residual-${tag}-`)));
}

/** tempDir for one test file: every folder it made is removed when the file's tests are done. */
export function tempDirsRemovedAfter(): (tag: string) => string {
  const made: string[] = [];
  after(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  return (tag) => {
    const d = tempDir(tag);
    made.push(d);
    return d;
  };
}

export function write(root: string, rel: string, data: string | Buffer): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), data);
}

export function commitAll(root: string, message: string): string {
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '-m', message]);
  return git(root, ['rev-parse', 'HEAD']).trim();
}

/** Order-independent view of hits for exact-set comparison. */
export function hitSet(hits: readonly ResidualHit[]): string[] {
  return hits.map((h) => JSON.stringify([h.kind, h.path, h.line ?? null, h.commit ?? null, h.needleIndex, h.match])).sort();
}

export function expectSet(hits: readonly Partial<ResidualHit>[]): string[] {
  return hitSet(hits as ResidualHit[]);
}

/** Every string anywhere in the report, and the formatted text, must be free of every needle. */
export function assertNoNeedle(report: ResidualReport, formatted: string, needles: readonly string[], fail: (msg: string) => never): void {
  const strings: string[] = [formatted];
  JSON.stringify(report, (_k, v: unknown) => {
    if (typeof v === 'string') strings.push(v);
    return v;
  });
  strings.push(JSON.stringify(report));
  for (const [i, n] of needles.entries()) {
    const forms = [n, n.trim().split(/\s+/).join(' ')];
    for (const s of strings) for (const f of forms) if (s.includes(f)) fail(`needle #${i} leaked into the report`);
  }
}
