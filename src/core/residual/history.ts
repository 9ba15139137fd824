import { CancelledError, throwIfAborted } from '../errors';
import { batchCheck, blobContents, type CatFileContext, type ObjectInfo } from './catFile';
import { runGit, splitZ } from './git';
import { findInContent, modeFor, type LineHit } from './match';
import type { PreparedNeedle } from './needles';
import { COMMIT_MESSAGE_PATH, type ResidualHit, type ResidualSkip } from './types';

export interface GitScanContext {
  root: string;
  /** Root's path inside the repository (`git rev-parse --show-prefix`). */
  prefix: string;
  /** `-c` overrides for every git call (WorkTreeInfo.config). */
  config: readonly string[];
  needles: readonly PreparedNeedle[];
  maxFileBytes: number;
  signal?: AbortSignal;
}

export interface GitScanResult {
  hits: ResidualHit[];
  revisionsScanned: number;
  skipped: ResidualSkip[];
}

/** Revisions per git grep call: keeps argv short and lets an abort land between calls. */
const REV_BATCH = 50;

/** One place inside git whose content is to be verified: an object name plus where to report it. */
interface ObjectRef {
  name: string;
  path: string;
  commit?: string;
  order: number;
}

/**
 * Scans every revision reachable from a ref or a reflog entry, the index, and commit messages.
 * `git grep -F` on each needle's longest whitespace-free run narrows the candidates (git grep
 * is line-based and cannot see a copy that spans lines, so it only pre-filters); every
 * candidate blob is then read once and checked with the same matcher as the working tree,
 * which also maps each hit to its needle index.
 */
export async function scanGit(ctx: GitScanContext): Promise<GitScanResult> {
  const revs = (await git(ctx, ['rev-list', '--all', '--reflog'])).toString('utf8').split('\n').filter(Boolean);
  const out: GitScanResult = { hits: [], revisionsScanned: revs.length, skipped: [] };
  if ((await git(ctx, ['rev-parse', '--is-shallow-repository'])).toString('utf8').trim() === 'true') {
    out.skipped.push({ path: '.git', reason: 'shallow clone: older history is not here, but the remote still has it' });
  }
  const patterns = [...new Set(ctx.needles.map((n) => n.prefilter))];
  if (patterns.length === 0) return out;
  // Patterns go in on stdin: on the command line every local user could read them through
  // `ps`, and in a file a crash would leave them behind.
  const patternInput = patterns.map((p) => `${p}\n`).join('');
  const grep = ['grep', '--no-color', '--no-textconv', '-l', '-z', '--full-name', '-F', '-f', '-'];
  // History: candidates per revision batch, in rev-list order (newest first).
  const refs: ObjectRef[] = [];
  for (let i = 0; i < revs.length; i += REV_BATCH) {
    const stdout = await git(ctx, [...grep, ...revs.slice(i, i + REV_BATCH), '--', '.'], [1], patternInput);
    for (const item of splitZ(stdout)) {
      const colon = item.indexOf(':');
      const commit = item.slice(0, colon);
      const full = item.slice(colon + 1);
      refs.push({ name: `${commit}:${full}`, path: relPath(ctx, full), commit, order: refs.length });
    }
  }
  out.hits.push(...rollUpHistory(await verify(ctx, refs, out.skipped)));
  // Index: what `git add` staged, which the next commit would carry.
  const staged = splitZ(await git(ctx, [...grep, '--cached', '--', '.'], [1], patternInput));
  const indexRefs = staged.map((full, order) => ({ name: `:${full}`, path: relPath(ctx, full), order }));
  for (const { ref, hit } of await verify(ctx, indexRefs, out.skipped)) {
    out.hits.push({ kind: 'git-index', path: ref.path, line: hit.line, needleIndex: hit.needleIndex, match: hit.match });
  }
  if (revs.length > 0) out.hits.push(...(await scanCommitMessages(ctx)));
  return out;
}

async function git(ctx: GitScanContext, args: string[], okCodes: number[] = [], input?: string): Promise<Buffer> {
  return (await runGit(args, { cwd: ctx.root, config: ctx.config, signal: ctx.signal, okCodes, input })).stdout;
}

function catFileContext(ctx: GitScanContext): CatFileContext {
  return { cwd: ctx.root, config: ctx.config, signal: ctx.signal };
}

function relPath(ctx: GitScanContext, full: string): string {
  return full.startsWith(ctx.prefix) ? full.slice(ctx.prefix.length) : full;
}

/** Reads each distinct candidate blob once and runs the matcher on it. */
async function verify(ctx: GitScanContext, refs: readonly ObjectRef[], skipped: ResidualSkip[]): Promise<{ ref: ObjectRef; hit: LineHit }[]> {
  const infos = await batchCheck(
    catFileContext(ctx),
    refs.map((r) => r.name),
  );
  const byOid = new Map<string, { info: ObjectInfo; refs: ObjectRef[] }>();
  refs.forEach((ref, i) => {
    const info = infos[i];
    const where = ref.commit ? `${ref.path}@${ref.commit}` : ref.path;
    if (!info) {
      skipped.push({ path: where, reason: 'git could not read this object; not searched' });
      return;
    }
    if (info.type !== 'blob') return;
    if (info.size > ctx.maxFileBytes) {
      skipped.push({ path: where, reason: `git object larger than ${ctx.maxFileBytes} bytes; not searched` });
      return;
    }
    const group = byOid.get(info.oid) ?? { info, refs: [] };
    group.refs.push(ref);
    byOid.set(info.oid, group);
  });
  const found: { ref: ObjectRef; hit: LineHit }[] = [];
  for await (const { oid, content } of blobContents(
    catFileContext(ctx),
    [...byOid.values()].map((g) => g.info),
  )) {
    throwIfAborted(ctx.signal);
    const hits = findInContent(content, modeFor(content, false), ctx.needles);
    for (const ref of byOid.get(oid)?.refs ?? []) for (const hit of hits) found.push({ ref, hit });
  }
  return found;
}

/**
 * One history hit per (needle, path): the newest commit holding it, exact preferred over
 * whitespace-normalised. Hundreds of commits with the same copy say nothing more.
 */
function rollUpHistory(found: readonly { ref: ObjectRef; hit: LineHit }[]): ResidualHit[] {
  const best = new Map<string, { ref: ObjectRef; hit: LineHit }>();
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

/** Commit messages are history too (e.g. "remove <the text>"); read whole, never on argv. */
async function scanCommitMessages(ctx: GitScanContext): Promise<ResidualHit[]> {
  const stdout = await git(ctx, ['log', '--all', '--reflog', '--no-ext-diff', '--no-textconv', '--no-show-signature', '--no-mailmap', '-z', '--format=%H%n%B']);
  const hits: ResidualHit[] = [];
  for (const record of splitZ(stdout)) {
    if (ctx.signal?.aborted) throw new CancelledError();
    const nl = record.indexOf('\n');
    const commit = record.slice(0, nl);
    for (const hit of findInContent(Buffer.from(record.slice(nl + 1), 'utf8'), 'text', ctx.needles)) {
      hits.push({ kind: 'git-history', path: COMMIT_MESSAGE_PATH, line: hit.line, commit, needleIndex: hit.needleIndex, match: hit.match });
    }
  }
  return hits;
}
