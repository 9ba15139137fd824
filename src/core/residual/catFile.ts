import { runGit } from './git';

export interface ObjectInfo {
  oid: string;
  type: string;
  size: number;
}

/** What every cat-file call needs: the repository folder, the scan's `-c` overrides, the abort signal. */
export interface CatFileContext {
  cwd: string;
  config?: readonly string[];
  signal?: AbortSignal;
}

const INFO_LINE = /^([0-9a-f]{40,64}) (\S+) (\d+)$/;

/**
 * Resolves object names (`rev:path`, `:path`) to blob ids and sizes through stdin. When a
 * name holds a newline, names are sent NUL-separated (`-z`, git 2.38+) so none is lost.
 * Unresolved names (missing, ambiguous) give undefined.
 */
export async function batchCheck(ctx: CatFileContext, names: readonly string[]): Promise<(ObjectInfo | undefined)[]> {
  if (names.length === 0) return [];
  const z = names.some((n) => n.includes('\n'));
  const args = z ? ['cat-file', '--batch-check', '-z'] : ['cat-file', '--batch-check'];
  const res = await runGit(args, { cwd: ctx.cwd, config: ctx.config, signal: ctx.signal, input: names.map((n) => `${n}${z ? '\0' : '\n'}`).join('') });
  return parseBatchCheck(res.stdout.toString('utf8'), names);
}

/**
 * One record per name, in order: `<oid> <type> <size>\n`, or `<name> missing\n` (also
 * `ambiguous`). The name is echoed verbatim and may hold newlines, so it is matched as a
 * known prefix rather than split on lines.
 */
export function parseBatchCheck(out: string, names: readonly string[]): (ObjectInfo | undefined)[] {
  let pos = 0;
  return names.map((name) => {
    for (const word of [' missing\n', ' ambiguous\n']) {
      if (out.startsWith(name + word, pos)) {
        pos += name.length + word.length;
        return undefined;
      }
    }
    const nl = out.indexOf('\n', pos);
    const line = out.slice(pos, nl === -1 ? out.length : nl);
    pos = nl === -1 ? out.length : nl + 1;
    const m = INFO_LINE.exec(line);
    return m ? { oid: m[1], type: m[2], size: Number(m[3]) } : undefined;
  });
}

const CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Yields blob contents, reading them in chunks of about 64 MB so memory stays bounded.
 * `sizes` come from batchCheck.
 */
export async function* blobContents(ctx: CatFileContext, objects: readonly ObjectInfo[]): AsyncGenerator<{ oid: string; content: Buffer }> {
  for (let start = 0; start < objects.length; ) {
    let end = start;
    let bytes = 0;
    while (end < objects.length && (end === start || bytes + objects[end].size <= CHUNK_BYTES)) bytes += objects[end++].size;
    const chunk = objects.slice(start, end);
    start = end;
    const res = await runGit(['cat-file', '--batch'], { cwd: ctx.cwd, config: ctx.config, signal: ctx.signal, input: chunk.map((o) => `${o.oid}\n`).join('') });
    yield* parseBatch(res.stdout);
  }
}

/** Output of `cat-file --batch`: `<oid> <type> <size>\n<content>\n` per object. */
function* parseBatch(out: Buffer): Generator<{ oid: string; content: Buffer }> {
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(0x0a, pos);
    if (nl === -1) return;
    const header = out.subarray(pos, nl).toString('utf8');
    const m = /^([0-9a-f]{40,64}) \S+ (\d+)$/.exec(header);
    if (!m) {
      pos = nl + 1;
      continue;
    } // "<oid> missing": nothing follows
    const size = Number(m[2]);
    yield { oid: m[1], content: out.subarray(nl + 1, nl + 1 + size) };
    pos = nl + 1 + size + 1;
  }
}
