// Runs a benchmark on the core code as it ships: bundled by esbuild, as scripts/build.mjs bundles
// dist/. Run through tsx instead, each use of an imported binding (grid.ts's gridIndex and
// nearestCentroid, fixedpoint.ts's FIXED_ONE and roundHalfUp, …) calls getters of the CommonJS
// interop tsx compiles modules to; the bundles refer to them directly. In the hot certificate
// check that interop cost about 2 µs of 7 (its walk: 3.8 µs from source, 1.8 µs bundled).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const BUNDLE_DIR = 'ERASE_BENCH_BUNDLE_DIR';
const SOURCE_DIR = 'ERASE_BENCH_SOURCE_DIR';

/** The folder of the running bundle (its workers are bundled beside it), or null when run from source. */
export function bundleDir(): string | null {
  return process.env[BUNDLE_DIR] ?? null;
}

/** The benchmark's own folder in the source tree (a bundle runs from a temporary folder). */
export function sourceDir(fallback: string): string {
  return process.env[SOURCE_DIR] ?? fallback;
}

/**
 * Unless this process already runs the bundle or `fromSource` is set: bundles `entry` and the
 * worker entries beside it into a temporary folder, runs the entry's bundle with this process's
 * flags and arguments, removes the folder and exits with the bundle's status.
 */
export function rerunBundled(entry: string, workers: readonly string[], fromSource: boolean): void {
  if (fromSource || bundleDir() !== null) return;
  // Loaded here only: the bundle itself never builds (esbuild stays outside it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildSync } = require('esbuild') as typeof import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'erase-bench-'));
  let status = 1;
  try {
    buildSync({
      entryPoints: [entry, ...workers],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outdir: dir,
      outExtension: { '.js': '.cjs' },
      external: ['esbuild'],
      logLevel: 'warning',
    });
    const bundle = join(dir, basename(entry).replace(/\.ts$/, '.cjs'));
    const env = { ...process.env, [BUNDLE_DIR]: dir, [SOURCE_DIR]: dirname(entry) };
    // Node's own flags pass on (--cpu-prof, --trace-deopt, … apply to the bundle's run).
    status = spawnSync(process.execPath, [...process.execArgv, bundle, ...process.argv.slice(2)], { stdio: 'inherit', env }).status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(status);
}
