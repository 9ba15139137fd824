import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors';

/** Holders of each lock path inside this process: the file records only a pid, so it cannot tell two holders of one process apart. */
const inProcess = new Map<string, { queue: (() => void)[] }>();

/**
 * An exclusive lock file that serialises state-changing work (erasures, clustering) between
 * processes — CLI runs and the extension — and, through an in-process queue, between callers of
 * one process (the extension host may open the same workspace twice, e.g. after a settings
 * change). It records the holder's pid; a lock whose holder is no longer alive (a crash, SIGKILL)
 * is taken over instead of blocking forever.
 */
export class FileLock {
  private held = false;
  private readonly key: string;

  constructor(readonly path: string) {
    this.key = resolve(path);
  }

  /** Tries for up to `waitMs`, then fails with a clear message naming the holder. */
  async acquire(waitMs = 10_000): Promise<void> {
    const deadline = Date.now() + waitMs;
    await this.enterProcess(deadline);
    try {
      for (;;) {
        if (this.tryFile()) return;
        if (Date.now() >= deadline) {
          throw new UserError(`the workspace is busy: another erase process (pid ${this.holder() ?? '?'}) holds ${this.path}; wait for it or stop it`, 'unavailable');
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (e) {
      this.leaveProcess();
      throw e;
    }
  }

  /** Waits for earlier holders in this process (first come, first served). */
  private async enterProcess(deadline: number): Promise<void> {
    const slot = inProcess.get(this.key);
    if (!slot) {
      inProcess.set(this.key, { queue: [] });
      return;
    }
    await new Promise<void>((resolveTurn, reject) => {
      const turn = () => {
        clearTimeout(timer);
        resolveTurn();
      };
      const timer = setTimeout(
        () => {
          slot.queue.splice(slot.queue.indexOf(turn), 1);
          reject(new UserError(`the workspace is busy: an earlier operation of this process still holds ${this.path}; wait for it`, 'unavailable'));
        },
        Math.max(0, deadline - Date.now()),
      );
      slot.queue.push(turn);
    });
  }

  private leaveProcess(): void {
    const slot = inProcess.get(this.key);
    if (!slot) return;
    const next = slot.queue.shift();
    if (next) next();
    else inProcess.delete(this.key);
  }

  /** The file half of the lock (the in-process half must be held). */
  private tryFile(): boolean {
    try {
      const fd = openSync(this.path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      this.held = true;
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = this.holder();
    if (pid !== null && pid !== process.pid && isAlive(pid)) return false;
    // An empty file may be a holder between create and write: only a second-old one is stale.
    if (pid === null && Date.now() - mtimeMs(this.path) < 1000) return false;
    // Stale (holder gone, or an empty file left by a crash between create and write): take it over.
    try {
      unlinkSync(this.path);
    } catch {
      /* someone else took it over first */
    }
    return false;
  }

  holder(): number | null {
    try {
      const pid = Number(readFileSync(this.path, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      if (this.holder() === process.pid) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
    this.leaveProcess();
  }
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
