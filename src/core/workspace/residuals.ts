import { DEFAULT_MIN_LENGTH, scanResiduals, type ResidualReport } from '../residual';
import type { Example } from '../dataset/types';
import { STATE_DIR } from './config';
import type { EraseWorkspace, WorkOptions } from './workspace';

/**
 * The texts a residual scan looks for after erasing these examples, read before they are gone and
 * kept in memory only: every input, and outputs long enough to be a copy (a short output is a
 * label like "positive", and searching for it would flag every file).
 */
export function residualNeedles(examples: readonly Example[]): string[] {
  const out = new Set<string>();
  for (const e of examples) {
    if (e.input) out.add(e.input);
    if (e.output && e.output.trim().length >= DEFAULT_MIN_LENGTH) out.add(e.output);
  }
  return [...out];
}

/** The needles for examples given by id (those still in the data file). */
export function erasedTexts(ws: EraseWorkspace, ids: readonly string[]): string[] {
  return residualNeedles(ids.map((id) => ws.example(id)).filter((e): e is Example => e !== undefined));
}

/** Where a scan looks: a folder (default the workspace root, respecting .gitignore), extra folders byte-wise (default `.erase/`), and git history. */
export interface ScanScope {
  readonly root?: string;
  readonly extraDirs?: readonly string[];
}

/** Looks for copies of the texts in the workspace folder (respecting .gitignore), in `.erase/`, and in git history. */
export function scanWorkspace(ws: EraseWorkspace, needles: readonly string[], opts: WorkOptions & ScanScope = {}): Promise<ResidualReport> {
  return scanResiduals({ root: opts.root ?? ws.paths.root, needles, extraDirs: [...(opts.extraDirs ?? [STATE_DIR])], signal: opts.signal });
}
