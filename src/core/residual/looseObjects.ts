import { constants as fsConstants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as zlibConstants, createInflate, inflateSync } from 'node:zlib';
import type { ObjectSink } from './catFile';

/**
 * Reads git objects stored loose (`<objects>/<2 hex>/<rest>`: zlib of `<type> <size>\0<content>`)
 * in this process, so no git process is needed for them and their inflation runs on node's
 * thread pool, two blobs at once, while the main thread searches the previous one. Objects that
 * are not loose here (packed, in an alternate, or anything odd: a link, a FIFO, a damaged or
 * oversized file) are left to `git cat-file` (`undefined` / `false`), which then answers exactly
 * as before. No git program runs here at all (hooks, filters and the like cannot be involved),
 * and nothing is written.
 *
 * Each blob is inflated into one of a few reused buffers: fresh memory per blob cost more than the
 * inflation itself here (10 revisions of the 60k data file, 65 MB: 330–400 ms of CPU inflating
 * into new buffers, 155–170 ms into reused ones; git cat-file alone: 220–250 ms).
 */
export class LooseObjects {
  private readonly slots: InflateSlot[];
  private readonly waiting: ((slot: InflateSlot) => void)[] = [];

  /**
   * @param dir the objects folder (`git rev-parse --git-path objects`, resolved)
   * @param maxBytes objects larger than this are left to git (which reports them as too large)
   */
  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    /** Once aborted, objects still queued are passed over unread (the scan then ends with CancelledError). */
    private readonly signal?: AbortSignal,
    slots = BLOB_SLOTS,
  ) {
    this.slots = Array.from({ length: slots }, () => ({ input: Buffer.alloc(0), output: Buffer.alloc(0) }));
  }

  /** Whether every object is likely loose here (no pack, no alternate): git cat-file may then never be needed. */
  async looseOnly(): Promise<boolean> {
    try {
      const packs = await readdir(join(this.dir, 'pack'));
      if (packs.some((p) => p.endsWith('.pack'))) return false;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
    try {
      await stat(join(this.dir, 'info', 'alternates'));
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT';
    }
  }

  /** A small object (commit, tree) whole, as a copy; undefined when git must be asked. */
  async read(oid: string): Promise<{ type: string; content: Buffer } | undefined> {
    const raw = await this.readCompressed(oid, undefined);
    if (!raw) return undefined;
    let all: Buffer;
    try {
      all = inflateSync(raw, { maxOutputLength: this.maxBytes + MAX_HEADER_BYTES });
    } catch {
      return undefined;
    }
    const h = parseLooseHeader(all);
    if (!h || all.length !== h.headerBytes + h.size) return undefined;
    return { type: h.type, content: all.subarray(h.headerBytes) };
  }

  /**
   * Hands one object to the sink as cat-file would (header, then the content unless declined),
   * once it is inflated whole and matches its header; resolves false, having told the sink
   * nothing, when git must answer instead (not loose here, damaged, larger than maxBytes). After
   * an abort it resolves true unread: the scan is ending with CancelledError, git is not asked either.
   */
  async deliver(oid: string, sink: ObjectSink): Promise<boolean> {
    const slot = await this.acquire();
    try {
      if (this.signal?.aborted) return true;
      const raw = await this.readCompressed(oid, slot);
      if (!raw) return false;
      const h = peekHeader(raw);
      if (!h || h.size > this.maxBytes) return false;
      const total = h.headerBytes + h.size;
      // One spare byte: an object longer than its header says fills it, and is left to git.
      if (slot.output.length < total + 1) slot.output = Buffer.allocUnsafe(Math.max(total + 1 + (total >> 4), MIN_SLOT_BYTES));
      if ((await inflateInto(raw, slot.output)) !== total) return false;
      if (sink.header(h.type, h.size)) sink.content(slot.output.subarray(h.headerBytes, total));
      return true;
    } finally {
      this.release(slot);
    }
  }

  /** The compressed bytes of a regular loose file (into the slot's reused buffer, if given), or undefined. */
  private async readCompressed(oid: string, slot: InflateSlot | undefined): Promise<Buffer | undefined> {
    if (!LOOSE_OID.test(oid)) return undefined;
    let fh;
    try {
      // No link followed, and no wait on a FIFO: only a plain file is read.
      fh = await open(join(this.dir, oid.slice(0, 2), oid.slice(2)), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
      const st = await fh.stat();
      // zlib adds at most ~0.1% plus a few bytes: a larger file is not an object of at most maxBytes.
      if (!st.isFile() || st.size > this.maxBytes + (this.maxBytes >> 8) + 4096) return undefined;
      const buf = slot
        ? slot.input.length >= st.size
          ? slot.input
          : (slot.input = Buffer.allocUnsafe(Math.max(st.size + (st.size >> 4), MIN_SLOT_BYTES)))
        : Buffer.allocUnsafe(st.size);
      let got = 0;
      while (got < st.size) {
        const { bytesRead } = await fh.read(buf, got, st.size - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === st.size ? buf.subarray(0, got) : undefined;
    } catch {
      return undefined; // not loose here (ENOENT), or not readable: git answers
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }

  private acquire(): Promise<InflateSlot> {
    const free = this.slots.pop();
    if (free) return Promise.resolve(free);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: InflateSlot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.slots.push(slot);
  }
}

interface InflateSlot {
  input: Buffer;
  output: Buffer;
}

/**
 * Blobs inflated at once: two keep both cores busy (the main thread searches one blob while the
 * thread pool inflates the next two); more only add memory.
 */
const BLOB_SLOTS = 2;
const MIN_SLOT_BYTES = 64 << 10;
/** `commit 18446744073709551615\0` and a margin. */
const MAX_HEADER_BYTES = 32;
/** A full object id (SHA-1 or SHA-256), lowercase hex: anything else is never a file name here. */
const LOOSE_OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const HEADER = /^(blob|tree|commit|tag) (0|[1-9][0-9]{0,15})$/;

export interface LooseHeader {
  type: string;
  size: number;
  /** Bytes of `<type> <size>\0`. */
  headerBytes: number;
}

/** `<type> <size>\0` at the start of an inflated loose object, or undefined. */
export function parseLooseHeader(b: Buffer): LooseHeader | undefined {
  const nul = b.subarray(0, MAX_HEADER_BYTES).indexOf(0);
  if (nul === -1) return undefined;
  const m = HEADER.exec(b.toString('latin1', 0, nul));
  return m ? { type: m[1], size: Number(m[2]), headerBytes: nul + 1 } : undefined;
}

/** The header, from a prefix of the compressed bytes (inflating a few KB at most, whatever the object's size). */
function peekHeader(raw: Buffer): LooseHeader | undefined {
  for (const prefix of [256, 4096]) {
    try {
      const head = inflateSync(raw.subarray(0, prefix), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 });
      const h = parseLooseHeader(head);
      if (h || raw.length <= prefix) return h;
    } catch {
      // a highly compressible prefix (more than maxOutputLength) or damaged data: git answers
      return undefined;
    }
  }
  return undefined;
}

/**
 * Inflates `raw` whole into `out` (reused) on the thread pool; resolves the byte count, or
 * undefined when the data is damaged or does not fit. Node's zlib stream writes into an output
 * buffer of its own, `_outBuffer` of `_chunkSize` bytes (fields every Node since 10 has), a fresh
 * one per stream and per chunk: when those fields are there as expected, ours takes its place, so
 * the whole object lands in `out` in one pass. Otherwise its chunks are copied into `out`: the
 * same bytes, only slower.
 */
function inflateInto(raw: Buffer, out: Buffer): Promise<number | undefined> {
  return new Promise((resolve) => {
    const z = createInflate({ chunkSize: STREAM_CHUNK_BYTES });
    const own = z as unknown as { _outBuffer?: unknown; _chunkSize?: unknown; _outOffset?: unknown };
    if (Buffer.isBuffer(own._outBuffer) && own._outBuffer.length === STREAM_CHUNK_BYTES && own._chunkSize === STREAM_CHUNK_BYTES && own._outOffset === 0) {
      own._outBuffer = out;
      own._chunkSize = out.length;
    }
    let filled = 0;
    let fits = true;
    z.on('data', (d: Buffer) => {
      if (!fits) return;
      if (d.buffer === out.buffer && d.byteOffset === out.byteOffset + filled) filled += d.length;
      else if (filled + d.length < out.length) filled += d.copy(out, filled);
      else fits = false;
      if (filled >= out.length) fits = false; // the spare byte was used: longer than its header says
    });
    z.on('error', () => resolve(undefined));
    z.on('end', () => resolve(fits ? filled : undefined));
    z.end(raw);
  });
}

/** The stream's own chunk size, used only where its output buffer cannot be replaced. */
const STREAM_CHUNK_BYTES = 64 << 10;
