import { runGit } from './git';

/** A submodule's commit: not in this repository. */
export const GITLINK_MODE = '160000';

/** What the work tree and git's index hold, from one `git ls-files` run (each run is a process start: 10–40 ms here). */
export interface IndexListing {
  /** Tracked, and untracked but not ignored (.gitignore respected), each once. */
  paths: string[];
  /** Index entries, every stage (what the next commit would carry); gitlinks left out. */
  staged: { path: string; oid: string }[];
}

/**
 * `git ls-files -t --stage --cached --others --exclude-standard -z`: `-t` tags each record, so an
 * untracked file (`? <path>`) cannot pass for an index entry (`H <mode> <oid> <stage>\t<path>`,
 * or S, M for skip-worktree and unmerged entries) whatever its name holds.
 */
export async function listIndex(root: string, signal?: AbortSignal): Promise<IndexListing> {
  const res = await runGit(['ls-files', '-t', '--stage', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, signal });
  return parseIndexListing(res.stdout);
}

export function parseIndexListing(buf: Buffer): IndexListing {
  const paths = new Set<string>(); // a conflicted path is listed once per stage
  const staged: IndexListing['staged'] = [];
  for (const rec of buf.toString('utf8').split('\0')) {
    if (rec.length < 3 || rec[1] !== ' ') continue;
    if (rec[0] === '?') {
      paths.add(rec.slice(2));
      continue;
    }
    const tab = rec.indexOf('\t');
    if (tab === -1) continue;
    const [mode, oid] = rec.slice(2, tab).split(' ');
    const path = rec.slice(tab + 1);
    paths.add(path);
    if (mode !== GITLINK_MODE && oid) staged.push({ path, oid });
  }
  return { paths: [...paths], staged };
}
