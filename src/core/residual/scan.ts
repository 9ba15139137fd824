import { tmpdir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { removeStaleTmpLeftovers } from '../storage/atomicWrite';
import { CancelledError } from '../errors';
import { listTargets, toRel, type Listing } from './files';
import { listIndex } from './indexListing';
import { GitFailedError, GitMissingError, GitUnsafeRepositoryError, gitWorkTree, mayBeInWorkTree, runGit, type WorkTreeInfo } from './git';
import { makePathFilter } from './glob';
import { buildGuidance } from './guidance';
import { scanGit } from './history';
import { makeRedactor, prepareNeedles } from './needles';
import type { ResidualHit, ResidualReport, ResidualScanOptions, ResidualSkip } from './types';
import { scanFiles } from './worktree';

export const DEFAULT_MIN_LENGTH = 12;
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
/** `**\/` so nested node_modules are skipped too (git's listing may include untracked ones). */
export const DEFAULT_EXCLUDE: readonly string[] = ['**/node_modules/**', '**/.git/**'];

/** Why git cannot be used, as a report-safe sentence; rethrows cancellation and the unexpected. */
function gitProblem(e: unknown): string {
  if (e instanceof CancelledError) throw e;
  if (e instanceof GitMissingError) return 'git not found on PATH';
  if (e instanceof GitUnsafeRepositoryError) return e.message;
  if (e instanceof GitFailedError) return e.message;
  throw e;
}

/**
 * Looks for copies of erased texts left in the workspace files, the tool's own folders and
 * git (history, index, commit messages). Reports places and needle indices, never the text.
 */
export async function scanResiduals(opts: ResidualScanOptions): Promise<ResidualReport> {
  try {
    return await scan(opts);
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    // Unexpected failures (e.g. an unreadable root) may name a path that holds a needle.
    const redact = makeRedactor(prepareNeedles(opts.needles, opts.minLength ?? DEFAULT_MIN_LENGTH).searched);
    throw new Error(`residual scan failed: ${redact(e instanceof Error ? e.message : String(e))}`);
  }
}

async function scan(opts: ResidualScanOptions): Promise<ResidualReport> {
  const root = resolve(opts.root);
  const { signal } = opts;
  const minLength = opts.minLength ?? DEFAULT_MIN_LENGTH;
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const needles = prepareNeedles(opts.needles, minLength);
  const skipped: ResidualSkip[] = [...needles.skipped];
  // Search-pattern files (erased texts) that an older release's scan, killed mid-way, left in the temp folder.
  const staleRemoved = removeStaleTmpLeftovers(tmpdir());

  let wt: WorkTreeInfo | undefined;
  let noGit = 'not in a git work tree';
  let gitBroken = false; // git itself failed: we cannot tell whether there is history to scan
  // The listings (one of the work tree and the index, for both parts below; the revisions) start
  // beside rev-parse rather than after it: each git start costs this process 15-35 ms. Outside a
  // work tree their answers (or failures) are dropped.
  const maybeRepo = await mayBeInWorkTree(root);
  const listing = maybeRepo ? listIndex(root, signal) : undefined;
  const revList = maybeRepo && opts.gitHistory !== false ? runGit(['rev-list', '--all', '--reflog'], { cwd: root, signal }).then((r) => r.stdout) : undefined;
  for (const p of [listing, revList])
    p?.catch(() => {
      /* each part awaits what it needs and reports its failure */
    });
  try {
    wt = await gitWorkTree(root, signal);
  } catch (e) {
    noGit = gitProblem(e);
    gitBroken = true;
  }

  opts.onPhase?.('git work tree');
  const extraDirs = (opts.extraDirs ?? []).map((d) => toRel(root, isAbsolute(d) ? d : resolve(root, d)));
  const listOpts = {
    root,
    extraDirs,
    signal,
    filter: makePathFilter(opts.include, opts.exclude ?? DEFAULT_EXCLUDE),
    extraFilter: makePathFilter(undefined, opts.exclude ?? []), // extra folders: only the caller's own excludes
  };
  const index = wt ? listing : undefined;
  // The files and git history side by side: blobs are inflated on the thread pool (or by git) while this thread reads and searches files.
  const filesPart = (async () => {
    const skips: ResidualSkip[] = [];
    let listing: Listing;
    try {
      listing = await listTargets({ ...listOpts, gitPaths: index?.then((l) => l.paths) });
    } catch (e) {
      if (!wt) throw e;
      skips.push({ path: '.', reason: `${gitProblem(e)}; walked the folder instead, .gitignore not applied` });
      listing = await listTargets(listOpts);
    }
    for (const d of listing.missingDirs) skips.push({ path: d, reason: 'extra folder not found' });
    for (const l of listing.links) skips.push({ path: l, reason: 'symbolic link; not followed' });
    for (const d of listing.unreadableDirs) skips.push({ path: d, reason: 'folder not readable' });
    const files = await scanFiles(root, listing.targets, needles.searched, maxFileBytes, signal);
    skips.push(...files.skipped);
    opts.onPhase?.('files');
    return { hits: files.hits, skipped: skips, filesScanned: files.filesScanned };
  })();
  const gitPart = (async () => {
    const wantHistory = opts.gitHistory ?? (wt !== undefined || gitBroken);
    if (!wantHistory) return { hits: [], revisionsScanned: 0, skipped: wt ? [{ path: '.git', reason: 'git history not scanned: disabled by the caller' }] : [] };
    if (!wt) return { hits: [], revisionsScanned: 0, skipped: [{ path: '.git', reason: `git history not scanned: ${noGit}` }] };
    try {
      return await scanGit({
        root,
        prefix: wt.prefix,
        driverConfig: wt.driverConfig,
        shallow: wt.shallow,
        objectsDir: wt.objectsDir,
        needles: needles.searched,
        maxFileBytes,
        signal,
        staged: index,
        revList,
        onPhase: opts.onPhase,
      });
    } catch (e) {
      return { hits: [], revisionsScanned: 0, skipped: [{ path: '.git', reason: `git history not scanned: ${gitProblem(e)}` }] };
    }
  })();
  const [filesDone, gitDone] = await Promise.allSettled([filesPart, gitPart, staleRemoved]);
  // Whichever failed first decides (a cancellation is a cancellation either way).
  if (filesDone.status === 'rejected') throw filesDone.reason;
  if (gitDone.status === 'rejected') throw gitDone.reason;
  const files = filesDone.value;
  const hits: ResidualHit[] = [...files.hits, ...gitDone.value.hits];
  skipped.push(...files.skipped, ...gitDone.value.skipped);
  const revisionsScanned = gitDone.value.revisionsScanned;

  // A file name may itself hold an erased text: show it as <needle #i>.
  const redact = makeRedactor(needles.searched);
  let namesRedacted = false;
  for (const h of hits) {
    const p = redact(h.path);
    if (p !== h.path) {
      namesRedacted = true;
      h.path = p;
    }
  }
  const safeSkipped = skipped.map((s) => ({ path: redact(s.path), reason: redact(s.reason) }));
  hits.sort(compareHits);
  opts.onPhase?.('report');
  return {
    hits,
    filesScanned: files.filesScanned,
    revisionsScanned,
    skipped: safeSkipped,
    guidance: buildGuidance({
      hits,
      searchedNeedles: needles.searched.length,
      shortNeedles: opts.needles.map((_, i) => i).filter((i) => !needles.searched.some((n) => n.index === i)),
      skippedPlaces: safeSkipped.length - needles.skipped.length,
      namesRedacted,
    }),
  };
}

const KIND_ORDER: Record<ResidualHit['kind'], number> = { file: 0, 'git-index': 1, 'git-history': 2 };

function compareHits(a: ResidualHit, b: ResidualHit): number {
  return (
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.needleIndex - b.needleIndex ||
    (a.match < b.match ? -1 : a.match > b.match ? 1 : 0) ||
    (a.commit ?? '').localeCompare(b.commit ?? '')
  );
}
