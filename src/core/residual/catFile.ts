import { CancelledError } from '../errors';
import { gitExitError, GitMissingError, runGit, spawnGit } from './git';
import { openOutputChannel, type OutputChannel } from './outputChannel';

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
  /** Read git's output from a pipe even where a socket is possible (the Windows way; tests use it). */
  pipe?: boolean;
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

/** Receives one object from CatFileBatch: its header, then (if wanted) its whole content. */
export interface ObjectSink {
  /** The object's type and size; return false to have its content skipped. */
  header(type: string, size: number): boolean;
  /** The whole content: a view of a reused buffer, valid only during the call (copy what you keep). */
  content(bytes: Buffer): void;
  /** The object is not in the repository (`<oid> missing`). */
  missing(): void;
  /** git failed before answering. */
  failed?(e: Error): void;
}

const HEADER = /^([0-9a-f]{40,64}) (\S+) (\d+)$/;

/**
 * One `git cat-file --batch` process for a whole scan: object ids go in on stdin as they become
 * known (trees as their parents are read), contents come back in order, each gathered whole into
 * one reused buffer (grown to the largest object wanted) and handed to its request's sink, so no
 * process is started per object and no fresh memory is taken per read (outputChannel.ts).
 */
export class CatFileBatch {
  private readonly output = new BatchOutput(() => this.settle());
  private readonly queue = this.output.queue;
  private failure: Error | undefined;
  private readonly done: Promise<void>;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /** Starts git, its output read through a socket into a reused buffer where possible, else a pipe. */
  static async open(ctx: CatFileContext): Promise<CatFileBatch> {
    const ready: { batch?: CatFileBatch } = {};
    const channel = ctx.pipe ? undefined : await openOutputChannel((view) => ready.batch!.receive(view));
    return (ready.batch = new CatFileBatch(ctx, channel));
  }

  private readonly child: ReturnType<typeof spawnGit>;

  private constructor(
    ctx: CatFileContext,
    private readonly channel: OutputChannel | undefined,
  ) {
    this.child = spawnGit(['cat-file', '--batch'], { cwd: ctx.cwd, config: ctx.config, signal: ctx.signal, stdout: channel?.childEnd });
    channel?.spawned();
    const stderr: Buffer[] = [];
    this.child.stderr.on('data', (b: Buffer) => stderr.push(b));
    this.child.stdout?.on('data', (b: Buffer) => this.receive(b));
    this.child.stdin.on('error', () => {
      /* git exited early; its exit code tells the story */
    });
    const exited = new Promise<number | null>((resolve) => {
      this.child.on('error', (e: NodeJS.ErrnoException) => {
        if (ctx.signal?.aborted || e.name === 'AbortError') this.fail(new CancelledError());
        else if (e.code === 'ENOENT') this.fail(new GitMissingError());
        else this.fail(new Error(`git cat-file could not start (${e.code ?? e.name})`));
        channel?.destroy();
        resolve(null);
      });
      this.child.on('close', (code) => resolve(code));
    });
    // Done when git has exited and (through a socket) its output has been read to the end.
    this.done = Promise.all([exited, channel?.ended.catch((e: Error) => this.fail(e))]).then(([code]) => {
      if (code === null) return;
      if (ctx.signal?.aborted) this.fail(new CancelledError());
      else if (code !== 0) this.fail(gitExitError('cat-file', code, Buffer.concat(stderr).toString('utf8')));
      else if (this.queue.length > 0) this.fail(new Error('git cat-file ended before answering every request'));
    });
  }

  /** Asks for one object; the sink hears about it when git answers (requests are answered in order). */
  request(oid: string, sink: ObjectSink): void {
    if (this.failure) return sink.failed?.(this.failure);
    this.queue.push(sink);
    this.child.stdin.write(`${oid}\n`);
  }

  /** Resolves when every request so far has been answered (rejects if git failed). */
  drain(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Reads one object whole (trees, commits: small), as a copy. */
  read(oid: string): Promise<{ type: string; content: Buffer } | undefined> {
    return new Promise((resolve, reject) => {
      let type = '';
      this.request(oid, {
        header: (t) => ((type = t), true),
        content: (c) => resolve({ type, content: Buffer.from(c) }),
        missing: () => resolve(undefined),
        failed: reject,
      });
    });
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await this.done;
    if (this.failure) throw this.failure;
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.child.kill();
    this.channel?.destroy();
    for (const sink of this.queue.splice(0)) sink.failed?.(e);
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  private receive(b: Buffer): void {
    if (this.failure) return;
    try {
      this.output.feed(b);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private settle(): void {
    if (this.queue.length === 0) for (const w of this.waiters.splice(0)) w.resolve();
  }
}

/**
 * Parses `cat-file --batch` output: `<oid> <type> <size>\n<content>\n` or `<name> missing\n` per
 * request, in order. Reads may end anywhere (inside a header, a content, before its newline) and
 * their buffer is reused by the reader, so a partial header is copied and each content gathered
 * into one buffer of this parser's, grown to the largest object wanted.
 */
export class BatchOutput {
  /** Sinks waiting for their answer, in request order. */
  readonly queue: ObjectSink[] = [];
  private header: Buffer[] = [];
  /** Content bytes still to come for the current object, then its trailing newline. */
  private remaining = 0;
  private skipping = false;
  private trailing = false;
  /** The current object's content so far (reused from object to object). */
  private object: Buffer = Buffer.alloc(0);
  private filled = 0;
  private size = 0;

  /** `settled` runs after each answer, so the owner can tell when the queue is empty. */
  constructor(private readonly settled: () => void = () => undefined) {}

  /** One read of git's output: a view that may be reused once this returns. */
  feed(b: Buffer): void {
    let pos = 0;
    while (pos < b.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, b.length - pos);
        if (!this.skipping) this.filled += b.copy(this.object, this.filled, pos, pos + take);
        this.remaining -= take;
        pos += take;
        if (this.remaining === 0) this.trailing = true;
        continue;
      }
      if (this.trailing) {
        pos++; // the newline after the content
        this.trailing = false;
        const sink = this.queue.shift()!;
        if (!this.skipping) sink.content(this.object.subarray(0, this.size));
        this.settled();
        continue;
      }
      const nl = b.indexOf(0x0a, pos);
      if (nl === -1) {
        this.header.push(Buffer.from(b.subarray(pos))); // the read buffer is reused: keep a copy
        return;
      }
      this.header.push(b.subarray(pos, nl));
      pos = nl + 1;
      const line = Buffer.concat(this.header).toString('utf8');
      this.header = [];
      const m = HEADER.exec(line);
      if (!m) {
        // "<name> missing" (or ambiguous): nothing follows.
        this.queue.shift()!.missing();
        this.settled();
        continue;
      }
      const size = Number(m[3]);
      this.skipping = !this.queue[0].header(m[2], size);
      if (!this.skipping && this.object.length < size) this.object = Buffer.allocUnsafe(size + (size >> 4));
      this.size = size;
      this.filled = 0;
      this.remaining = size;
      if (size === 0) this.trailing = true;
    }
  }
}
