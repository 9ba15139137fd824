import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MIN_LENGTH, scanLocalHistory, scanResiduals, type ResidualReport } from '../residual';
import type { Example } from '../dataset/types';
import { CancelledError } from '../errors';
import { STATE_DIR } from './config';
import type { DeletionRequestRecord } from '../requests/store';
import { requestStore, residualSummary } from './requestRecords';
import { withWorkspaceLock } from './transaction';
import type { EraseWorkspace, WorkOptions } from './workspace';
import { scanForgetSetFiles } from './forgetSet';
import { scanProvenance } from './provenance';

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

/**
 * Where a scan looks: a folder (default the workspace root, respecting .gitignore), extra folders
 * byte-wise (default `.erase/`), git history, and — when an editor names its History folder — the
 * editor's saved copies of the data file (VS Code's Local History).
 */
export interface ScanScope {
  readonly root?: string;
  readonly extraDirs?: readonly string[];
  /** `<user data dir>/User/History`: its copies of the data file are searched too. */
  readonly localHistoryDir?: string;
  /** The erased examples' ids: recorded completions stored as hashes are matched by them. */
  readonly erasedIds?: readonly string[];
}

/** Looks for copies of the texts in the workspace folder (respecting .gitignore), in `.erase/`, in git history and, if asked, in the editor's Local History. */
export async function scanWorkspace(ws: EraseWorkspace, needles: readonly string[], opts: WorkOptions & ScanScope = {}): Promise<ResidualReport> {
  const root = opts.root ?? ws.paths.root;
  const report = await scanResiduals({ root, needles, extraDirs: [...(opts.extraDirs ?? [STATE_DIR])], signal: opts.signal });
  // Forget sets exported for weight-based unlearning, wherever they were written, until they are deleted.
  await scanForgetSetFiles(ws, root, needles, report, opts.signal);
  const provenance = await scanProvenance(ws, needles, opts.erasedIds ?? [], DEFAULT_MIN_LENGTH);
  if (provenance.length > 0) {
    report.provenance = provenance;
    report.guidance.push(
      `${new Set(provenance.map((p) => p.completion)).size} recorded completion(s) still hold erased text or name an erased example: review them with \`erase provenance --flagged\` (or the inspector) and erase what must go.`,
    );
  }
  if (opts.localHistoryDir === undefined) return report;
  try {
    const h = await scanLocalHistory({
      historyDir: opts.localHistoryDir,
      file: ws.dataFile,
      needles,
      minLength: DEFAULT_MIN_LENGTH,
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
      signal: opts.signal,
    });
    report.localHistory = h.copies;
    report.filesScanned += h.entriesScanned;
    for (const s of h.skipped) report.skipped.push({ path: `Local History/${s.path}`, reason: s.reason });
    if (h.copies.length > 0)
      report.guidance.push(
        `The editor's Local History keeps ${h.copies.length} saved copy(ies) of the data file holding erased text: remove them (they are outside the workspace and outside git).`,
      );
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    // Names no text: the History folder and an error code at most.
    report.skipped.push({ path: 'Local History', reason: `not searched (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
  }
  return report;
}

/** Keeps the latest residual scan's counts in the request's record, under the workspace lock (no audit entry: nothing about the data changes). */
export async function recordResidualScan(
  ws: EraseWorkspace,
  requestId: string,
  report: ResidualReport,
  time = new Date().toISOString(),
): Promise<DeletionRequestRecord | undefined> {
  return withWorkspaceLock(ws, ws.keyStore, () => {
    const store = requestStore(ws);
    const r = store.get(requestId);
    if (!r) return undefined;
    const next = { ...r, residualScan: residualSummary(report, time) };
    store.upsert(next);
    return next;
  });
}
