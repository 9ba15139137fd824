/**
 * A small glob matcher for `**`, `*` and `?` on `/`-separated relative paths.
 * Own code because `path.matchesGlob` is experimental in Node 20 (it prints a warning)
 * and missing before 20.17, and the project takes no new npm dependency.
 */

/** A pattern without `/` matches the base name at any depth, as in .gitignore. */
export function globToRegExp(glob: string): RegExp {
  const g = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      const atStart = i === 0 || g[i - 1] === '/';
      const slashAfter = g[i + 2] === '/';
      if (atStart && slashAfter) {
        re += '(?:.*/)?';
        i += 2;
        continue;
      } // `**/`: zero or more folders
      if (atStart && i + 2 === g.length) {
        // trailing `/**`: everything below (the `/` was already emitted)
        re += '.*';
        i += 1;
        continue;
      }
      re += '.*';
      i += 1;
      continue;
    }
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const anchored = g.includes('/') ? re : `(?:.*/)?${re}`;
  return new RegExp(`^${anchored}$`);
}

export type PathFilter = (relPath: string) => boolean;

/** True when the path matches some include (or there are none) and no exclude. */
export function makePathFilter(include: readonly string[] | undefined, exclude: readonly string[]): PathFilter {
  const inc = include && include.length > 0 ? include.map(globToRegExp) : undefined;
  const exc = exclude.map(globToRegExp);
  return (p) => (!inc || inc.some((r) => r.test(p))) && !exc.some((r) => r.test(p));
}
