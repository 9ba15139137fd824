// The residual scan's parts, in process (no CLI start, no workspace open): for a workspace folder and
// the erased texts on stdin (one per line, never on the command line), when each part of
// scanResiduals ends, in ms from the scan's start (ResidualScanOptions.onPhase), median of --runs
// scans; files and git history run side by side, so the parts overlap. Prints one JSON object.
// bench/residual-scan.mjs runs it on its workspace.
// usage: node --import tsx bench/residual-phases.ts DIR [--runs 3] < texts.txt
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { scanResiduals } from '../src/core/residual/index';
import type { ResidualScanPhase } from '../src/core/residual/index';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '3' } } });
if (positionals.length !== 1) throw new Error('usage: node --import tsx bench/residual-phases.ts DIR [--runs 3] < texts.txt');
const needles = readFileSync(0, 'utf8').split('\n').filter(Boolean);
const runs = Math.max(1, Number(values.runs));
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

void (async () => {
  const at = new Map<ResidualScanPhase, number[]>();
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    // As `erase scan` does: the folder, `.erase/` byte-wise, git history.
    await scanResiduals({ root: positionals[0], needles, extraDirs: ['.erase'], onPhase: (p) => at.set(p, [...(at.get(p) ?? []), performance.now() - t0]) });
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const phasesMs = Object.fromEntries([...at].map(([p, ms]) => [p, +median(ms).toFixed(1)]));
  console.log(JSON.stringify({ runs, texts: needles.length, phasesMs, cpuMsThisProcess: +median(cpu).toFixed(0) }));
})();
