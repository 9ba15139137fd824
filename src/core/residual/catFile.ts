import { runGit } from './git';

export interface ObjectInfo {
  oid: string;
  type: string;
  size: number;
}

/**
 * Resolves object names (`rev:path`, `:path`) to blob ids and sizes through stdin.
 * Names holding a newline cannot be passed line-wise and resolve to undefined.
 */
export async function batchCheck(cwd: string, names: readonly string[], signal?: AbortSignal): Promise<(ObjectInfo | undefined)[]> {
  const result: (ObjectInfo | undefined)[] = names.map(() => undefined);
  const idx = names.map((n, i) => (n.includes('\n') ? -1 : i)).filter((i) => i >= 0);
  if (idx.length === 0) return result;
  const res = await runGit(['cat-file', '--batch-check'], { cwd, signal, input: idx.map((i) => `${names[i]}\n`).join('') });
  const lines = res.stdout.toString('utf8').split('\n');
  idx.forEach((nameIdx, k) => {
    const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(lines[k] ?? '');
    if (m) result[nameIdx] = { oid: m[1], type: m[2], size: Number(m[3]) };
  });
  return result;
}

const CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Yields blob contents, reading them in chunks of about 64 MB so memory stays bounded.
 * `sizes` come from batchCheck.
 */
export async function* blobContents(cwd: string, objects: readonly ObjectInfo[], signal?: AbortSignal): AsyncGenerator<{ oid: string; content: Buffer }> {
  for (let start = 0; start < objects.length; ) {
    let end = start;
    let bytes = 0;
    while (end < objects.length && (end === start || bytes + objects[end].size <= CHUNK_BYTES)) bytes += objects[end++].size;
    const chunk = objects.slice(start, end);
    start = end;
    const res = await runGit(['cat-file', '--batch'], { cwd, signal, input: chunk.map((o) => `${o.oid}\n`).join('') });
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
