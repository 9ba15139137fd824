import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../errors';
import type { ScanTarget } from './files';
import { findInContent, isBinary } from './match';
import type { PreparedNeedle } from './needles';
import type { ResidualHit, ResidualSkip } from './types';
import { mayBeVectorFile, readHead, vectorFileHeader } from './vectorFiles';

export interface FileScanResult {
  hits: ResidualHit[];
  filesScanned: number;
  skipped: ResidualSkip[];
}

/**
 * Searches each listed file. Binary files in the tree are skipped (reported), but files
 * under extraDirs are searched as bytes whatever they hold: a binary cache may keep text.
 */
export async function scanFiles(
  root: string,
  targets: readonly ScanTarget[],
  needles: readonly PreparedNeedle[],
  maxFileBytes: number,
  signal?: AbortSignal,
): Promise<FileScanResult> {
  const out: FileScanResult = { hits: [], filesScanned: 0, skipped: [] };
  const reader = new ReusedReader();
  for (const t of targets) {
    throwIfAborted(signal);
    const abs = join(root, t.path);
    let st;
    try {
      st = await lstat(abs);
    } catch {
      continue; // listed by git but deleted in the tree: the index scan covers it
    }
    if (st.isSymbolicLink()) {
      out.skipped.push({ path: t.path, reason: 'symbolic link; not followed' });
      continue;
    }
    if (st.isDirectory()) {
      out.skipped.push({ path: t.path, reason: 'folder listed by git (a submodule?); scan it on its own' });
      continue;
    }
    if (!st.isFile()) continue;
    // The tool's vector stores: only their header can hold text (vectorFiles.ts says why).
    const header = t.extra && mayBeVectorFile(t.path) ? await vectorHeader(abs, st.size) : undefined;
    if (header) {
      out.filesScanned++;
      for (const h of findInContent(header, 'bytes', needles)) out.hits.push({ kind: 'file', path: t.path, line: h.line, needleIndex: h.needleIndex, match: h.match });
      continue;
    }
    if (st.size > maxFileBytes) {
      out.skipped.push({ path: t.path, reason: `larger than ${maxFileBytes} bytes; not searched` });
      continue;
    }
    let buf: Buffer;
    try {
      buf = await reader.read(abs, st.size);
    } catch (e) {
      out.skipped.push({ path: t.path, reason: `unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    const binary = isBinary(buf);
    if (binary && !t.extra) {
      out.skipped.push({ path: t.path, reason: 'binary (NUL byte in the first 8 KB); not searched' });
      continue;
    }
    out.filesScanned++;
    for (const h of findInContent(buf, t.extra || binary ? 'bytes' : 'text', needles)) {
      out.hits.push({ kind: 'file', path: t.path, line: h.line, needleIndex: h.needleIndex, match: h.match });
    }
  }
  return out;
}

/**
 * Reads every file into one buffer, grown to the largest: a new buffer per file is fresh memory,
 * and its page faults cost more than the search here (the 60k workspace's files: ~37 MB).
 * A file's content is a view of that buffer, valid until the next read (matching keeps none of it).
 */
class ReusedReader {
  private buf = Buffer.alloc(0);

  async read(abs: string, size: number): Promise<Buffer> {
    const fh = await open(abs, 'r');
    try {
      if (this.buf.length < size + 1) this.buf = Buffer.allocUnsafe(Math.max(size + 1, 64 << 10));
      let got = 0;
      // To the end, whatever the size was: the file may have grown since it was listed.
      for (;;) {
        if (got === this.buf.length) {
          const grown = Buffer.allocUnsafe(2 * this.buf.length);
          this.buf.copy(grown, 0, 0, got);
          this.buf = grown;
        }
        const { bytesRead } = await fh.read(this.buf, got, this.buf.length - got, got);
        if (bytesRead === 0) return this.buf.subarray(0, got);
        got += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }
}

/** The header of a vector store at abs, or undefined when it is not one (or cannot be read: the whole read reports that). */
async function vectorHeader(abs: string, size: number): Promise<Buffer | undefined> {
  let fh;
  try {
    fh = await open(abs, 'r');
    return vectorFileHeader(await readHead(fh), size);
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}
