import { randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Hands git its search patterns in a private temporary file: on the command line they
 * would be visible to every local user through `ps`. Created O_EXCL with mode 0600 (no
 * symlink swap, no other reader), and deleted whatever happens.
 */
export async function withPatternFile<T>(patterns: readonly string[], fn: (path: string) => Promise<T>): Promise<T> {
  const path = join(tmpdir(), `erase-residual-${process.pid}-${randomBytes(12).toString('hex')}.pat`);
  const fh = await open(path, 'wx', 0o600);
  try {
    try {
      await fh.writeFile(patterns.map((p) => `${p}\n`).join(''), 'utf8');
    } finally {
      await fh.close();
    }
    return await fn(path);
  } finally {
    await unlink(path).catch(() => {
      /* already gone */
    });
  }
}
