import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker as WorkerThread, type Worker } from 'node:worker_threads';
import { CancelledError, throwIfAborted } from '../errors';
import type { HashingChunkReply, HashingChunkRequest } from './hashingWorkerProtocol';

/**
 * The hashing embedder on worker threads, for the big batches (clustering, verify): both cores
 * embed, in chunks handed out as workers free up; the results are put back in the texts' order, and
 * each vector is computed by the same code as on the main thread, so the bits do not depend on
 * which thread did what. The CLI and the extension say how to start a worker (their bundle's
 * dist/embedWorker.js); tests start the source through tsx. Nothing configured: one thread.
 */
export interface EmbedWorkerSetup {
  /** Starts one worker running hashingWorker.ts. */
  readonly start: () => Worker;
  /** How many workers to run at once; below 2 the main thread embeds alone. */
  readonly threads: number;
}

let setup: EmbedWorkerSetup | undefined;

export function configureEmbedWorkers(s: EmbedWorkerSetup | undefined): void {
  setup = s;
}

/** Below this many texts, starting threads costs more than it saves (a worker starts in ~20–40 ms). */
export const WORKERS_MIN_TEXTS = 4096;
const CHUNK_TEXTS = 1024;

export interface HashingJob {
  readonly dimension: number;
  readonly keepFull: boolean;
  readonly projection?: { readonly seed: string; readonly dims: number };
}

export interface HashingResults {
  /** Fixed-point vectors (length dimension), in the texts' order, when keepFull. */
  readonly full?: Int32Array[];
  /** Projected fixed-point vectors (length dims), in the texts' order, when a projection was given. */
  readonly projected?: Int32Array[];
}

/** Whether embedHashingOnWorkers would run this many texts on worker threads. */
export function embedsOnWorkers(count: number): boolean {
  return setup !== undefined && setup.threads >= 2 && count >= WORKERS_MIN_TEXTS;
}

/**
 * Embeds `texts` on worker threads; undefined when embedsOnWorkers(texts.length) is false (the
 * caller embeds on the main thread). Rejects with CancelledError on abort (the workers are
 * stopped), and with the worker's error if one fails.
 */
export async function embedHashingOnWorkers(
  texts: readonly string[],
  job: HashingJob,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<HashingResults | undefined> {
  if (!embedsOnWorkers(texts.length)) return undefined;
  throwIfAborted(opts.signal);
  const { start, threads } = setup!;
  const chunks = Math.ceil(texts.length / CHUNK_TEXTS);
  const replies: { full?: Int32Array; projected?: Int32Array }[] = new Array(chunks);
  const workers: Worker[] = [];
  let onAbort = (): void => {};
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let received = 0;
      let done = 0;
      let failed = false;
      const fail = (e: unknown): void => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      onAbort = () => fail(new CancelledError());
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const send = (w: Worker): void => {
        if (next >= chunks) return;
        const chunk = next++;
        const request: HashingChunkRequest = { chunk, texts: texts.slice(chunk * CHUNK_TEXTS, (chunk + 1) * CHUNK_TEXTS), ...job };
        w.postMessage(request);
      };
      for (let t = 0; t < Math.min(threads, chunks); t++) {
        const w = start();
        workers.push(w);
        w.on('message', (reply: HashingChunkReply) => {
          if (failed) return;
          if ('error' in reply) return fail(new Error(`embedding worker: ${reply.error}`));
          replies[reply.chunk] = reply;
          done += Math.min(CHUNK_TEXTS, texts.length - reply.chunk * CHUNK_TEXTS);
          opts.onProgress?.(done, texts.length);
          if (++received === chunks) resolve();
          else send(w);
        });
        w.on('error', fail);
        w.on('exit', (code) => {
          if (received < chunks) fail(new Error(`embedding worker stopped (exit code ${code}) before it finished`));
        });
        send(w);
      }
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const views = (pick: (r: { full?: Int32Array; projected?: Int32Array }) => Int32Array | undefined, width: number): Int32Array[] | undefined => {
    if (!pick(replies[0])) return undefined;
    const out: Int32Array[] = new Array(texts.length);
    for (let c = 0; c < chunks; c++) {
      const block = pick(replies[c])!;
      for (let i = 0; i * width < block.length; i++) out[c * CHUNK_TEXTS + i] = block.subarray(i * width, (i + 1) * width);
    }
    return out;
  };
  return { full: views((r) => r.full, job.dimension), projected: job.projection && views((r) => r.projected, job.projection.dims) };
}

/**
 * Runs the hashing embedder on `threads` workers started from `script` (the bundle's
 * dist/embedWorker.js), if that file exists; otherwise everything stays on the main thread.
 * `threads` defaults to ERASE_EMBED_THREADS, else min(2, the machine's parallelism); 1 turns workers off.
 */
export function useEmbedWorkerScript(script: string, threads = defaultEmbedThreads()): void {
  if (threads < 2 || !existsSync(script)) return configureEmbedWorkers(undefined);
  configureEmbedWorkers({ start: () => new WorkerThread(script), threads });
}

export function defaultEmbedThreads(env: NodeJS.ProcessEnv = process.env): number {
  const set = env.ERASE_EMBED_THREADS;
  if (set !== undefined && /^\d+$/.test(set.trim())) return Math.min(Number(set.trim()), 64);
  return Math.min(2, availableParallelism());
}
