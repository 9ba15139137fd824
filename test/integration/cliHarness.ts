import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'cli.js');
export const DATASETS = resolve(REPO, '..', 'shared', 'datasets');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the CLI's --json output by field without declaring its type
  json<T = any>(): T;
}

/** Runs the built CLI bundle (the artefact users get) in `cwd`. */
export function erase(cwd: string, ...args: string[]): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    json() {
      try {
        return JSON.parse(r.stdout);
      } catch {
        throw new Error(`not JSON (exit ${r.status}): ${r.stdout.slice(0, 400)} / ${r.stderr.slice(0, 400)}`);
      }
    },
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `erase-${prefix}-`));
}

/** Async run: the stand-in server lives in this process, so the CLI must not block its event loop. */
export function eraseAsync(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
  });
}
