import { spawn } from 'node:child_process';
import { CancelledError } from '../errors';

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

export interface RunGitOptions {
  cwd: string;
  /** Written to stdin (object names for cat-file); stdin is closed otherwise. */
  input?: string;
  signal?: AbortSignal;
  /** Exit codes that are not failures (git grep exits 1 on "no match"). */
  okCodes?: readonly number[];
}

/**
 * Runs git without a shell (argument vector only, never needle text in it). An abort kills
 * the child; the promise then rejects with CancelledError.
 */
export function runGit(args: readonly string[], opts: RunGitOptions): Promise<GitResult> {
  if (opts.signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: opts.cwd,
      signal: opts.signal,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // No optional index refresh/locks: the scan must not write to the repository.
      // LC_ALL=C: untranslated messages (we recognise "not a git repository") and byte-wise matching.
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
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

export interface WorkTreeInfo {
  /** Path of root inside the repository, `/`-terminated, '' at the top. */
  prefix: string;
}

/** The git work tree holding root, or undefined when root is not in one (GitMissingError when git is absent). */
export async function gitWorkTree(root: string, signal?: AbortSignal): Promise<WorkTreeInfo | undefined> {
  let res: GitResult;
  try {
    res = await runGit(['rev-parse', '--is-inside-work-tree', '--show-prefix'], { cwd: root, signal });
  } catch (e) {
    // Only "not a repository" means no history; "dubious ownership" and the like must be reported.
    if (e instanceof GitFailedError && /not a git repository/i.test(e.message)) return undefined;
    throw e;
  }
  const [inside, prefix = ''] = res.stdout.toString('utf8').split('\n');
  // The prefix is not trimmed: folder names may end in spaces.
  return inside.trim() === 'true' ? { prefix } : undefined;
}

/** Splits NUL-separated git output, dropping the empty tail. */
export function splitZ(buf: Buffer): string[] {
  return buf
    .toString('utf8')
    .split('\0')
    .filter((s) => s.length > 0);
}
