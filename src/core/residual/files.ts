import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { throwIfAborted } from '../errors';
import type { PathFilter } from './glob';

/** A file to scan; `extra` files come from extraDirs and are searched byte-wise, binary or not. */
export interface ScanTarget {
  path: string;
  extra: boolean;
}

/** Folders never descended into when walking a tree outside git. */
const WALK_SKIP = new Set(['node_modules', '.git']);

export function toRel(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/');
}

/** Every file below dir (relative to root), not following symbolic links; those are listed apart. */
export async function walkFiles(
  root: string,
  dir: string,
  skipDirs: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<{ files: string[]; links: string[]; unreadable: string[] }> {
  const files: string[] = [];
  const links: string[] = [];
  const unreadable: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    throwIfAborted(signal);
    const cur = stack.pop()!;
    let entries;
    try {
      entries = await readdir(cur, { withFileTypes: true });
    } catch (e) {
      if (cur === dir) throw e; // the caller decides what a missing top folder means
      unreadable.push(toRel(root, cur)); // e.g. EACCES: reported, not fatal
      continue;
    }
    for (const e of entries) {
      const abs = join(cur, e.name);
      if (e.isSymbolicLink()) links.push(toRel(root, abs));
      else if (e.isDirectory()) {
        if (!skipDirs.has(e.name)) stack.push(abs);
      } else if (e.isFile()) files.push(toRel(root, abs));
    }
  }
  return { files: files.sort(), links: links.sort(), unreadable: unreadable.sort() };
}

export interface ListOptions {
  root: string;
  /** In a git work tree: the files git would consider (IndexListing.paths); otherwise the folder is walked. */
  gitPaths?: Promise<readonly string[]>;
  /** include/exclude for the tree; extra folders only get `extraFilter` (user excludes). */
  filter: PathFilter;
  extraFilter: PathFilter;
  extraDirs: readonly string[];
  signal?: AbortSignal;
}

export interface Listing {
  targets: ScanTarget[];
  links: string[];
  missingDirs: string[];
  unreadableDirs: string[];
}

/** The tree (git's view or a walk) plus the extra folders, de-duplicated, sorted. */
export async function listTargets(o: ListOptions): Promise<Listing> {
  const targets = new Map<string, ScanTarget>();
  const links: string[] = [];
  const missingDirs: string[] = [];
  const unreadableDirs: string[] = [];
  if (o.gitPaths) {
    for (const p of await o.gitPaths) if (o.filter(p)) targets.set(p, { path: p, extra: false });
  } else {
    const w = await walkFiles(o.root, o.root, WALK_SKIP, o.signal);
    for (const p of w.files) if (o.filter(p)) targets.set(p, { path: p, extra: false });
    links.push(...w.links.filter(o.filter));
    unreadableDirs.push(...w.unreadable);
  }
  for (const d of o.extraDirs) {
    const abs = isAbsolute(d) ? d : resolve(o.root, d);
    let w: Awaited<ReturnType<typeof walkFiles>>;
    try {
      w = await walkFiles(o.root, abs, new Set(), o.signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
        missingDirs.push(toRel(o.root, abs));
        continue;
      }
      throw e;
    }
    for (const p of w.files) if (o.extraFilter(p)) targets.set(p, { path: p, extra: true });
    links.push(...w.links.filter(o.extraFilter));
    unreadableDirs.push(...w.unreadable);
  }
  return { targets: [...targets.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), links, missingDirs, unreadableDirs };
}
