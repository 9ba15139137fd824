import { availableParallelism } from 'node:os';
import { throwIfAborted } from '../errors';
import type { CatFileContext, ObjectSink } from './catFile';
import { runGit } from './git';
import { GITLINK_MODE, listIndex, type IndexListing } from './indexListing';
import { LooseObjects } from './looseObjects';
import { ObjectReader } from './objectReader';
import { matcherFor, modeFor, type ContentMatcher, type LineHit } from './match';
import type { PreparedNeedle } from './needles';
import { COMMIT_MESSAGE_PATH, type ResidualHit, type ResidualScanPhase, type ResidualSkip } from './types';

export interface GitScanContext {
  root: string;
  /** Root's path inside the repository (`git rev-parse --show-prefix`). */
  prefix: string;
  /** `-c` overrides for git cat-file (WorkTreeInfo.driverConfig), asked for only if cat-file is started. */
  driverConfig?: () => Promise<readonly string[]>;
  needles: readonly PreparedNeedle[];
  maxFileBytes: number;
  /** Known already (WorkTreeInfo.shallow): saves a git call. */
  shallow?: boolean;
  /** cat-file processes for the blobs (default: 2 with enough blobs and cores, else 1); tests force each. */
  catFileProcesses?: 1 | 2;
  /** The object folder (WorkTreeInfo.objectsDir): loose objects are read from it without git. */
  objectsDir?: string;
  /** Read loose objects without git (default true); tests turn it off to compare. */
  looseObjects?: boolean;
  /** `git rev-list --all --reflog` started already (scan.ts starts it beside rev-parse). */
  revList?: Promise<Buffer>;
  /** Called as each part ends (ResidualScanOptions.onPhase). */
  onPhase?: (phase: ResidualScanPhase) => void;
  /** The index listed already (scan.ts lists it once for the files too): saves a git call. */
  staged?: Promise<IndexListing>;
  signal?: AbortSignal;
}

export interface GitScanResult {
  hits: ResidualHit[];
  revisionsScanned: number;
  skipped: ResidualSkip[];
}

/** One place inside git where a blob sits: its path, and the commit (absent for the index). */
interface BlobRef {
  path: string;
  commit?: string;
  /** Position of the commit in rev-list order (newest first); the index's entries in listing order. */
  order: number;
}

const TREE_MODE = '40000';

interface TreeEntry {
  name: string;
  mode: string;
  oid: string;
}

/**
 * Scans every revision reachable from a ref or a reflog entry, the index, and commit messages,
 * reading objects stored loose in this process and the rest through `git cat-file --batch`
 * (objectReader.ts): commits, then their trees (each distinct tree read once), then
 * every distinct blob once, each searched whole by the one multi-pattern matcher. With cores to
 * spare, blobs are shared between two cat-file processes (inflating them is most of the scan's
 * work, and git does it in one thread per process). Where a blob sits (paths, commits) is worked
 * out afterwards, for the blobs holding a copy only.
 */
export async function scanGit(ctx: GitScanContext): Promise<GitScanResult> {
  const searching = ctx.needles.length > 0;
  const loose = searching && ctx.objectsDir !== undefined && ctx.looseObjects !== false ? new LooseObjects(ctx.objectsDir, ctx.maxFileBytes, ctx.signal) : undefined;
  const reader = new ObjectReader(catFileContext(ctx), loose);
  try {
    // Independent listings, and (unless every object is likely loose) the cat-file process that reads what they list, started side by side.
    const [revList, stage, shallowOut] = await Promise.all([
      ctx.revList ?? git(ctx, ['rev-list', '--all', '--reflog']),
      searching ? (ctx.staged ?? listIndex(ctx.root, ctx.signal)) : undefined,
      ctx.shallow === undefined ? git(ctx, ['rev-parse', '--is-shallow-repository']) : undefined,
      searching ? (loose?.looseOnly() ?? Promise.resolve(false)).then((only) => (only ? undefined : reader.startGit())) : undefined,
    ]);
    ctx.onPhase?.('git listings');
    const revs = revList.toString('utf8').split('\n').filter(Boolean);
    const out: GitScanResult = { hits: [], revisionsScanned: revs.length, skipped: [] };
    if (ctx.shallow ?? shallowOut?.toString('utf8').trim() === 'true') {
      out.skipped.push({ path: '.git', reason: 'shallow clone: older history is not here, but the remote still has it' });
    }
    if (!stage) return out;
    const staged = stage.staged;
    const matcher = matcherFor(ctx.needles);
    // Commits: their root trees, and their messages (history too, e.g. "remove <the text>").
    const rootTree = new Map<string, string>();
    await Promise.all(
      revs.map(async (commit) => {
        const obj = await reader.read(commit);
        if (!obj || obj.type !== 'commit') return;
        const { tree, message } = parseCommit(obj.content);
        if (tree) rootTree.set(commit, tree);
        for (const hit of matcher.scan(message, 'text')) {
          out.hits.push({ kind: 'git-history', path: COMMIT_MESSAGE_PATH, line: hit.line, commit, needleIndex: hit.needleIndex, match: hit.match });
        }
      }),
    );
    throwIfAborted(ctx.signal);
    // Trees, level by level, each distinct one once.
    const trees = new Map<string, TreeEntry[]>();
    const oidBytes = (revs[0]?.length ?? 40) / 2;
    let level = [...new Set(rootTree.values())];
    while (level.length > 0) {
      const nextLevel = new Set<string>();
      await Promise.all(
        level.map(async (oid) => {
          const obj = await reader.read(oid);
          const entries = obj && obj.type === 'tree' ? parseTree(obj.content, oidBytes) : [];
          trees.set(oid, entries);
          for (const e of entries) if (e.mode === TREE_MODE && !trees.has(e.oid)) nextLevel.add(e.oid);
        }),
      );
      throwIfAborted(ctx.signal);
      level = [...nextLevel].filter((t) => !trees.has(t));
    }
    // The tree below root in each commit (root may be a folder inside the repository).
    const parts = ctx.prefix.split('/').filter(Boolean);
    const rootAt = revs.map((commit) => {
      let tree = rootTree.get(commit);
      for (const part of parts) tree = tree === undefined ? undefined : trees.get(tree)?.find((e) => e.name === part && e.mode === TREE_MODE)?.oid;
      return tree;
    });
    // Every distinct blob below those trees once, history and index alike.
    const blobs = new Set<string>();
    const walked = new Set<string>();
    const stack = rootAt.filter((t): t is string => t !== undefined);
    while (stack.length > 0) {
      const tree = stack.pop()!;
      if (walked.has(tree)) continue;
      walked.add(tree);
      for (const e of trees.get(tree) ?? []) {
        if (e.mode === TREE_MODE) stack.push(e.oid);
        else if (e.mode !== GITLINK_MODE) blobs.add(e.oid);
      }
    }
    for (const e of staged) blobs.add(e.oid);
    ctx.onPhase?.('commits and trees');
    const hitsOf = new Map<string, LineHit[]>();
    const tooLarge = new Set<string>();
    const missing = new Set<string>();
    const processes = ctx.catFileProcesses ?? (blobs.size >= BLOBS_FOR_TWO_PROCESSES && availableParallelism() >= CORES_FOR_TWO_PROCESSES ? 2 : 1);
    if (processes === 2) reader.addSecondProcess();
    for (const oid of blobs) reader.request(oid, blobSink(ctx, matcher, oid, hitsOf, tooLarge, missing));
    await reader.drain();
    ctx.onPhase?.('blobs');
    throwIfAborted(ctx.signal);
    // History: where the blobs that matter (a copy inside, or not searched) sit, newest commit
    // first; each distinct tree is searched once, for those blobs only.
    const wanted = new Set([...hitsOf.keys(), ...tooLarge, ...missing]);
    const placesMemo = new Map<string, { path: string; oid: string }[]>();
    const places = (tree: string): { path: string; oid: string }[] => {
      let list = placesMemo.get(tree);
      if (list) return list;
      list = [];
      for (const e of trees.get(tree) ?? []) {
        if (e.mode === TREE_MODE) for (const p of places(e.oid)) list.push({ path: `${e.name}/${p.path}`, oid: p.oid });
        else if (e.mode !== GITLINK_MODE && wanted.has(e.oid)) list.push({ path: e.name, oid: e.oid });
      }
      placesMemo.set(tree, list);
      return list;
    };
    const found: { ref: BlobRef; hit: LineHit }[] = [];
    const reported = new Set<string>();
    rootAt.forEach((tree, order) => {
      if (tree === undefined || wanted.size === 0) return;
      for (const b of places(tree)) {
        const ref = { path: b.path, commit: revs[order], order };
        for (const hit of hitsOf.get(b.oid) ?? []) found.push({ ref, hit });
        if ((tooLarge.has(b.oid) || missing.has(b.oid)) && !reported.has(b.oid)) {
          reported.add(b.oid);
          out.skipped.push(blobSkip(ctx, `${ref.path}@${ref.commit}`, tooLarge.has(b.oid)));
        }
      }
    });
    out.hits.push(...rollUpHistory(found));
    // Index: what `git add` staged, which the next commit would carry.
    const indexHits = new Set<string>();
    for (const e of staged) {
      for (const hit of hitsOf.get(e.oid) ?? []) {
        const key = `${e.path}\0${hit.line}\0${hit.needleIndex}\0${hit.match}`; // a conflicted path has several stages
        if (indexHits.has(key)) continue;
        indexHits.add(key);
        out.hits.push({ kind: 'git-index', path: e.path, line: hit.line, needleIndex: hit.needleIndex, match: hit.match });
      }
      if ((tooLarge.has(e.oid) || missing.has(e.oid)) && !reported.has(e.oid)) {
        reported.add(e.oid);
        out.skipped.push(blobSkip(ctx, e.path, tooLarge.has(e.oid)));
      }
    }
    return out;
  } finally {
    // Also when a listing failed while cat-file was starting.
    await reader.close();
  }
}

/** Below this many blobs a second cat-file process costs more (its start) than it saves. */
const BLOBS_FOR_TWO_PROCESSES = 8;
/**
 * A second cat-file process pays only with a core of its own: one git process inflating and this
 * one searching already fill 2 cores. On 2 cores the second cost more than it saved (10 revisions
 * of the 6.5 MB data file: 353–517 against 326–404 ms of CPU here, 1360–1431 against 845–1031 ms wall),
 * besides its start and a second buffer the size of the largest blob.
 */
const CORES_FOR_TWO_PROCESSES = 3;

function blobSkip(ctx: GitScanContext, where: string, tooLarge: boolean): ResidualSkip {
  return tooLarge
    ? { path: where, reason: `git object larger than ${ctx.maxFileBytes} bytes; not searched` }
    : { path: where, reason: 'git could not read this object; not searched' };
}

/** Searches one blob (text or bytes mode, chosen on its first 8 KB as git does). */
function blobSink(ctx: GitScanContext, matcher: ContentMatcher, oid: string, hitsOf: Map<string, LineHit[]>, tooLarge: Set<string>, missing: Set<string>): ObjectSink {
  return {
    header: (type, size) => {
      if (type !== 'blob') return false;
      if (size > ctx.maxFileBytes) {
        tooLarge.add(oid);
        return false;
      }
      return true;
    },
    content: (bytes) => {
      const hits = matcher.scan(bytes, modeFor(bytes, false));
      if (hits.length > 0) hitsOf.set(oid, hits);
    },
    missing: () => {
      missing.add(oid);
    },
  };
}

/** A raw commit object: the `tree` header and the message after the first empty line. */
function parseCommit(content: Buffer): { tree: string | undefined; message: Buffer } {
  const end = content.indexOf('\n\n');
  const headers = content.subarray(0, end === -1 ? content.length : end).toString('utf8');
  const m = /^tree ([0-9a-f]{40,64})$/m.exec(headers);
  return { tree: m?.[1], message: end === -1 ? Buffer.alloc(0) : content.subarray(end + 2) };
}

/** A raw tree object: `<mode> <name>\0<binary oid>` per entry. */
function parseTree(content: Buffer, oidBytes: number): TreeEntry[] {
  const out: TreeEntry[] = [];
  let pos = 0;
  while (pos < content.length) {
    const sp = content.indexOf(0x20, pos);
    const nul = content.indexOf(0, sp + 1);
    if (sp === -1 || nul === -1 || nul + 1 + oidBytes > content.length) break;
    out.push({ mode: content.toString('latin1', pos, sp), name: content.toString('utf8', sp + 1, nul), oid: content.toString('hex', nul + 1, nul + 1 + oidBytes) });
    pos = nul + 1 + oidBytes;
  }
  return out;
}

async function git(ctx: GitScanContext, args: string[], okCodes: number[] = [], input?: string): Promise<Buffer> {
  return (await runGit(args, { cwd: ctx.root, signal: ctx.signal, okCodes, input })).stdout;
}

function catFileContext(ctx: GitScanContext): CatFileContext & { driverConfig?: () => Promise<readonly string[]> } {
  return { cwd: ctx.root, signal: ctx.signal, driverConfig: ctx.driverConfig };
}

/**
 * One history hit per (needle, path): the newest commit holding it, exact preferred over
 * whitespace-normalised. Hundreds of commits with the same copy say nothing more.
 */
function rollUpHistory(found: readonly { ref: BlobRef; hit: LineHit }[]): ResidualHit[] {
  const best = new Map<string, { ref: BlobRef; hit: LineHit }>();
  for (const f of found) {
    const key = `${f.hit.needleIndex}\0${f.ref.path}`;
    const cur = best.get(key);
    const better =
      !cur ||
      (f.hit.match === 'exact' && cur.hit.match !== 'exact') ||
      (f.hit.match === cur.hit.match && (f.ref.order < cur.ref.order || (f.ref.order === cur.ref.order && f.hit.line < cur.hit.line)));
    if (better) best.set(key, f);
  }
  return [...best.values()].map(({ ref, hit }) => ({
    kind: 'git-history',
    path: ref.path,
    line: hit.line,
    commit: ref.commit,
    needleIndex: hit.needleIndex,
    match: hit.match,
  }));
}
