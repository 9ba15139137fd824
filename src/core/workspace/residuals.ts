import { scanResiduals, type ResidualReport } from '../residual';
import { STATE_DIR } from './config';
import type { EraseWorkspace, WorkOptions } from './workspace';

/** The texts a scan looks for after erasing these examples: captured before they are gone, kept in memory only. */
export function erasedTexts(ws: EraseWorkspace, ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const e = ws.example(id);
    if (!e) continue;
    out.push(e.input);
    if (e.output) out.push(e.output);
  }
  return out;
}

/** Looks for copies of the texts in the workspace folder (respecting .gitignore), in `.erase/`, and in git history. */
export function scanWorkspace(ws: EraseWorkspace, needles: readonly string[], opts: WorkOptions = {}): Promise<ResidualReport> {
  return scanResiduals({ root: ws.paths.root, needles, extraDirs: [STATE_DIR], signal: opts.signal });
}
