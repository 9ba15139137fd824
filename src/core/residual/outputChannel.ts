import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** node:net is loaded on the first scan of git history, not at CLI start. */
function net(): typeof import('node:net') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:net') as typeof import('node:net');
}

/** Bytes read from the child per call: what a pipe read gives. */
const READ_BYTES = 64 << 10;

/**
 * A child's stdout read into one reused buffer. A stdout pipe gives every read (64 KiB) a new
 * buffer, so the 65 MB of git blobs a scan of 10 revisions of a 6.5 MB data file reads were
 * 65 MB of fresh memory: receiving them cost 290–320 ms of CPU here (most of it page faults on
 * memory the machine had to hand over), against 90–100 ms into one reused buffer (net.Socket's
 * `onread`). That needs a socket, not a pipe, as the child's stdout: a Unix socket in a private
 * folder (mkdtemp: mode 0700) that exists only until this process has connected to it; it holds
 * no data. If anything else connected in that moment, git's output would not reach this reader,
 * which then ends without the answers it waits for: an error, never a clean report.
 *
 * `onData` gets a view of the reused buffer, valid only during the call: copy what you keep.
 * Undefined on Windows (no Unix sockets there before some Windows 10 builds) or when the socket
 * cannot be set up: the caller then reads a pipe as before.
 */
export interface OutputChannel {
  /** Give this as the child's stdout (stdio[1]), then call `spawned()`. */
  readonly childEnd: Socket;
  /** Closes this process's copy of the child's end: the reader sees the end when the child's copy closes. */
  spawned(): void;
  /** Settles when the reader has seen the end of the output (rejects on a read error). */
  readonly ended: Promise<void>;
  /** Stops reading (the child, if still writing, gets EPIPE). */
  destroy(): void;
}

export async function openOutputChannel(onData: (view: Buffer) => void): Promise<OutputChannel | undefined> {
  if (process.platform === 'win32') return undefined;
  let dir: string | undefined;
  let server: import('node:net').Server | undefined;
  let reader: Socket | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'erase-scan-'));
    const path = join(dir, 'out.sock');
    const srv = (server = net().createServer());
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(path, () => resolve());
    });
    const accepted = new Promise<Socket>((resolve, reject) => {
      srv.once('connection', resolve);
      srv.once('error', reject);
    });
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const r = (reader = net().connect({ path, onread: { buffer, callback: (n: number, buf: Uint8Array) => (onData((buf as Buffer).subarray(0, n)), true) } }));
    const connected = new Promise<void>((resolve, reject) => {
      r.once('connect', resolve);
      r.once('error', reject);
    });
    const [childEnd] = await Promise.all([accepted, connected]);
    const ended = new Promise<void>((resolve, reject) => {
      r.once('error', reject);
      r.once('close', () => resolve());
    });
    ended.catch(() => {
      /* the owner awaits it */
    });
    r.on('end', () => r.destroy());
    return {
      childEnd,
      spawned: () => childEnd.destroy(),
      ended,
      destroy: () => {
        childEnd.destroy();
        r.destroy();
      },
    };
  } catch {
    reader?.destroy();
    return undefined;
  } finally {
    server?.close();
    if (dir !== undefined)
      await rm(dir, { recursive: true, force: true }).catch(() => {
        /* an empty private folder at most */
      });
  }
}
