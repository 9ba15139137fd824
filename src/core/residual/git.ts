import type { ChildProcessByStdio } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { lstat, readdir } from 'node:fs/promises';
import { devNull } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CancelledError } from '../errors';

/** node:child_process (with net and stream under it) is loaded on the first git call, not at CLI start. */
function childProcess(): typeof import('node:child_process') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:child_process') as typeof import('node:child_process');
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** git is not installed (or not on PATH). */
export class GitMissingError extends Error {
  constructor() {
    super('git not found on PATH');
    this.name = 'GitMissingError';
  }
}

/** git ran but failed; `message` holds the subcommand, exit code and first stderr line (redact before reporting). */
export class GitFailedError extends Error {
  constructor(
    readonly subcommand: string,
    readonly code: number,
    stderr: string,
  ) {
    super(`git ${subcommand} failed (exit ${code})${firstLine(stderr)}`);
    this.name = 'GitFailedError';
  }
}

function firstLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.trim().length > 0);
  return line ? `: ${line.trim().slice(0, 200)}` : '';
}

/** git refuses the repository because another user owns it (`safe.directory`); the scan says so plainly. */
export class GitUnsafeRepositoryError extends Error {
  constructor() {
    super(
      'git refuses this repository because another user owns it ("detected dubious ownership"); if you trust it, run `git config --global --add safe.directory <folder>` and scan again',
    );
    this.name = 'GitUnsafeRepositoryError';
  }
}

/**
 * `-c` overrides on every call: a hostile repository's config must not make the scan run a
 * program. fsmonitor, hooks, pager, external diff, signature checks (gpg), credential
 * helpers, askpass and any transport (a partial clone's lazy fetch would run ssh) are off.
 * Filter and diff drivers named in the repository's config are neutralised for cat-file, the one
 * command here that reads file contents, by driverOverrides; none of the commands used here would
 * run them anyway (no --textconv, no --filters; rev-parse, ls-files and rev-list read no content).
 */
const SAFE_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  `core.hooksPath=${devNull}`,
  'core.pager=cat',
  'core.askPass=',
  'credential.helper=',
  'diff.external=',
  'log.showSignature=false',
  'protocol.allow=never',
  'i18n.logOutputEncoding=UTF-8',
].flatMap((kv) => ['-c', kv]);

/**
 * Environment of every git call: no prompt, no pager, no askpass program, no lazy fetch,
 * no replace refs (`git replace` could otherwise show the scan an innocent blob in place of
 * one that holds an erased text), no optional locks (the scan must not write to the
 * repository), and untranslated messages (we recognise some) with byte-wise matching.
 * The system config is kept: it is the administrator's, not the repository's, and may hold safe.directory.
 */
function safeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Inherited from a git hook or an outer tool, these would point the scan at another repository or program.
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_EXTERNAL_DIFF', 'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_EDITOR']) delete env[k];
  return {
    ...env,
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GIT_NO_LAZY_FETCH: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    LC_ALL: 'C',
  };
}

export interface RunGitOptions {
  cwd: string;
  /** Extra `-c key=value` pairs (already split as `-c`, `k=v`), e.g. from driverOverrides. */
  config?: readonly string[];
  /** Written to stdin (patterns, object names); stdin is closed otherwise. */
  input?: string;
  signal?: AbortSignal;
  /** Exit codes that are not failures (e.g. git config exits 1 when nothing matches). */
  okCodes?: readonly number[];
}

/**
 * Runs git without a shell (argument vector only, never needle text in it), with the
 * repository's programs disabled (SAFE_CONFIG, safeEnv). An abort kills the child; the
 * promise then rejects with CancelledError.
 */
export function runGit(args: readonly string[], opts: RunGitOptions): Promise<GitResult> {
  if (opts.signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const child = childProcess().spawn('git', ['--no-pager', ...SAFE_CONFIG, ...(opts.config ?? []), ...args], {
      cwd: opts.cwd,
      signal: opts.signal,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: safeEnv(),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const fail = (e: Error): void => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    };
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (opts.signal?.aborted || e.name === 'AbortError') fail(new CancelledError());
      else if (e.code === 'ENOENT') fail(new GitMissingError());
      else fail(new Error(`git ${args[0]} could not start (${e.code ?? e.name})`));
    });
    child.on('close', (code) => {
      if (settled) return;
      if (opts.signal?.aborted) return fail(new CancelledError());
      const stderr = Buffer.concat(err).toString('utf8');
      const exit = code ?? -1;
      if (exit !== 0 && /detected dubious ownership/i.test(stderr)) return fail(new GitUnsafeRepositoryError());
      if (exit !== 0 && !(opts.okCodes ?? []).includes(exit)) return fail(new GitFailedError(args[0] ?? '', exit, stderr));
      settled = true;
      resolve({ code: exit, stdout: Buffer.concat(out), stderr });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {
        /* git exited early; its exit code tells the story */
      });
      child.stdin!.end(opts.input);
    }
  });
}

/**
 * A long-lived git process with stdin as a pipe and stdout a pipe or the given socket (e.g.
 * `cat-file --batch`, outputChannel.ts), with the same protections as runGit: argument vector
 * only, the repository's programs disabled. `stdout` is null when a socket was given.
 */
export function spawnGit(
  args: readonly string[],
  opts: { cwd: string; config?: readonly string[]; signal?: AbortSignal; stdout?: Socket },
): ChildProcessByStdio<Writable, Readable | null, Readable> {
  return childProcess().spawn('git', ['--no-pager', ...SAFE_CONFIG, ...(opts.config ?? []), ...args], {
    cwd: opts.cwd,
    signal: opts.signal,
    stdio: ['pipe', opts.stdout ?? 'pipe', 'pipe'],
    env: safeEnv(),
  }) as ChildProcessByStdio<Writable, Readable | null, Readable>;
}

/** The error a failed git process stands for (the same classification runGit makes). */
export function gitExitError(subcommand: string, code: number, stderr: string): Error {
  if (/detected dubious ownership/i.test(stderr)) return new GitUnsafeRepositoryError();
  return new GitFailedError(subcommand, code, stderr);
}

export interface WorkTreeInfo {
  /** Path of root inside the repository, `/`-terminated, '' at the top. */
  prefix: string;
  /** `-c` overrides for `git cat-file` (driverOverrides), read once on first call: a scan whose objects are all loose needs none. */
  driverConfig: () => Promise<string[]>;
  /** A shallow clone: older history is elsewhere. */
  shallow: boolean;
  /** The object folder (`--git-path objects`, absolute), where loose objects can be read without git; absent when unknown. */
  objectsDir?: string;
}

/**
 * Whether root may be inside a git work tree: some folder from root up holds a `.git` entry
 * (folder, gitlink file or link). When none does, git would say "not a git repository" (the
 * scan removes GIT_DIR and GIT_WORK_TREE from its environment), so no process is started to
 * hear it. Anything unexpected (e.g. a folder we may not read) counts as maybe.
 */
export async function mayBeInWorkTree(root: string): Promise<boolean> {
  return (await nearestDotGit(root)) !== undefined;
}

/** The nearest `.git` entry from root up ('' when one may be there but could not be checked), or undefined. */
async function nearestDotGit(root: string): Promise<string | undefined> {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    try {
      await lstat(join(dir, '.git'));
      return join(dir, '.git');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return '';
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Whether the repository likely has packs, so git cat-file (and the driver overrides it takes)
 * will be needed: a hint only, to start reading the overrides beside rev-parse. True unless the
 * nearest `.git` is a folder whose `objects/pack` holds no pack (a gitlink, a worktree, anything
 * unexpected: true).
 */
async function packsLikely(dotGit: string): Promise<boolean> {
  if (!dotGit) return true;
  try {
    return (await readdir(join(dotGit, 'objects', 'pack'))).some((p) => p.endsWith('.pack'));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * The git work tree holding root, or undefined when root is not in one (GitMissingError when
 * git is absent, GitUnsafeRepositoryError when git refuses it). One rev-parse; the driver
 * overrides are read beside it when the repository has packs (cat-file will be needed), else only
 * if asked for (driverConfig).
 */
export async function gitWorkTree(root: string, signal?: AbortSignal): Promise<WorkTreeInfo | undefined> {
  const dotGit = await nearestDotGit(root);
  if (dotGit === undefined) return undefined;
  let overrides: Promise<string[]> | undefined;
  const driverConfig = (): Promise<string[]> => {
    if (!overrides) {
      overrides = driverOverrides(root, signal);
      overrides.catch(() => {
        /* reported by the cat-file start that awaits it */
      });
    }
    return overrides;
  };
  // With packs, cat-file will start: its overrides are read beside rev-parse, not after it.
  if (await packsLikely(dotGit)) driverConfig();
  let res: GitResult;
  try {
    // Fixed-form answers first, the two paths last: `true\n<shallow>\n<objects>\n<prefix>\n`.
    res = await runGit(['rev-parse', '--is-inside-work-tree', '--is-shallow-repository', '--git-path', 'objects', '--show-prefix'], { cwd: root, signal });
  } catch (e) {
    // Only "not a repository" means no history; "dubious ownership" and the like must be reported.
    if (e instanceof GitFailedError && /not a git repository/i.test(e.message)) return undefined;
    throw e;
  }
  // Neither path is trimmed (folder names may end in spaces). One holding a newline makes the
  // answer ambiguous: then the prefix is asked alone, and objects are read through git only.
  const lines = res.stdout.toString('utf8').replace(/\n$/, '').split('\n');
  if (lines[0]?.trim() !== 'true') return undefined;
  if (lines.length === 4) return { prefix: lines[3], shallow: lines[1].trim() === 'true', objectsDir: resolve(root, lines[2]), driverConfig };
  const alone = await runGit(['rev-parse', '--show-prefix'], { cwd: root, signal });
  return { prefix: alone.stdout.toString('utf8').replace(/\n$/, ''), shallow: lines[1]?.trim() === 'true', driverConfig };
}

/** Driver keys whose value names a program; each configured one is overridden with an empty value. */
const DRIVER_KEY = /^(filter|diff|merge)\.(.+)\.(clean|smudge|process|textconv|command|driver)$/i;

/**
 * `-c` pairs that blank every filter, diff and merge driver program the repository's config
 * names (`filter.<x>.clean`, `diff.<x>.textconv`, ...), and make no filter required, so a
 * .gitattributes in any revision cannot make git run one.
 */
export async function driverOverrides(root: string, signal?: AbortSignal): Promise<string[]> {
  const res = await runGit(['config', '-z', '--name-only', '--get-regexp', '^(filter|diff|merge)\\.'], { cwd: root, signal, okCodes: [1] });
  const out: string[] = [];
  for (const key of new Set(splitZ(res.stdout))) {
    const m = DRIVER_KEY.exec(key);
    // `-c` splits at the first '=': a driver name holding one cannot be overridden this way (the commands used here run no driver anyway).
    if (!m || key.includes('=')) continue;
    out.push('-c', `${key}=`);
    if (m[1].toLowerCase() === 'filter') out.push('-c', `filter.${m[2]}.required=false`);
  }
  return out;
}

/** Splits NUL-separated git output, dropping the empty tail. */
export function splitZ(buf: Buffer): string[] {
  return buf
    .toString('utf8')
    .split('\0')
    .filter((s) => s.length > 0);
}
