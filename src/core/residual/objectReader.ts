import { CancelledError } from '../errors';
import { CatFileBatch, type CatFileContext, type ObjectSink } from './catFile';
import type { LooseObjects } from './looseObjects';

/**
 * The objects of one scan: those stored loose are read in this process (looseObjects.ts), the
 * rest through `git cat-file --batch`, started at once when the repository has packs (most of
 * its objects will come from git) or else on the first object git must read — with no pack, a
 * scan often needs no cat-file process at all.
 */
export class ObjectReader {
  private readonly batches: Promise<CatFileBatch>[] = [];
  private turn = 0;
  /** Loose deliveries in flight (each hands its object to git if it cannot read it). */
  private pending: Promise<void>[] = [];

  constructor(
    /** driverConfig: the `-c` overrides, asked for when the first cat-file process starts. */
    private readonly ctx: CatFileContext & { driverConfig?: () => Promise<readonly string[]> },
    private readonly loose: LooseObjects | undefined,
  ) {}

  /** Starts git cat-file now (objects will mostly come from git). */
  startGit(): Promise<void> {
    return this.git(0).then(() => undefined);
  }

  /** A second cat-file process for blobs git must read (worth it with cores to spare: history.ts). */
  addSecondProcess(): void {
    if (this.batches.length === 1) this.git(1);
  }

  /** Reads one object whole (trees, commits: small), as a copy. */
  async read(oid: string): Promise<{ type: string; content: Buffer } | undefined> {
    return (await this.loose?.read(oid)) ?? (await this.git(0)).read(oid);
  }

  /** Asks for one object; the sink hears about it once, from here or from git. */
  request(oid: string, sink: ObjectSink): void {
    const loose = this.loose;
    const viaGit = (): Promise<void> => this.git(this.turn++ % Math.max(1, this.batches.length)).then((b) => b.request(oid, sink));
    this.pending.push(loose ? loose.deliver(oid, sink).then((done) => (done ? undefined : viaGit())) : viaGit());
  }

  /** Resolves when every request so far has been answered (rejects if git failed). */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
    await Promise.all(this.batches.map(async (b) => (await b).drain()));
  }

  /** Closes every cat-file process started (each close starts at once); a cancellation is rethrown, other close failures were reported by the reads. */
  async close(): Promise<void> {
    await Promise.all(this.pending.splice(0).map((p) => p.catch(() => undefined)));
    await Promise.all(
      this.batches.map(async (opening) => {
        const b = await opening.catch(() => undefined);
        await b?.close().catch((e: unknown) => {
          if (e instanceof CancelledError) throw e;
        });
      }),
    );
  }

  /** The i-th cat-file process, started on first need. */
  private git(i: number): Promise<CatFileBatch> {
    while (this.batches.length <= i) {
      const { driverConfig, ...ctx } = this.ctx;
      const opening = (driverConfig ? driverConfig() : Promise.resolve(ctx.config)).then((config) => CatFileBatch.open({ ...ctx, config }));
      opening.catch(() => {
        /* awaited by whoever needs it */
      });
      this.batches.push(opening);
    }
    return this.batches[i];
  }
}
