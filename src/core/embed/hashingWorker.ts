// Entry point of an embedding worker thread (bundled as dist/embedWorker.js): embeds chunks of texts
// with the hashing embedder, exactly as the main thread would (same code, same bits), converts to
// fixed point and projects. Started only by hashingOnWorkers.ts.
import { parentPort } from 'node:worker_threads';
import { toFixed } from '../fixedpoint';
import { Projection } from '../qkmeans/projection';
import { HashingEmbedder } from './hashing';
import type { HashingChunkReply, HashingChunkRequest } from './hashingWorkerProtocol';

const embedders = new Map<number, HashingEmbedder>();
const projections = new Map<string, Projection>();

function embedChunk(req: HashingChunkRequest): HashingChunkReply {
  let embedder = embedders.get(req.dimension);
  if (!embedder) embedders.set(req.dimension, (embedder = new HashingEmbedder(req.dimension)));
  const d = req.dimension;
  const n = req.texts.length;
  const full = req.keepFull ? new Int32Array(n * d) : undefined;
  let projection: Projection | undefined;
  if (req.projection) {
    const key = `${req.projection.dims}\u0000${d}\u0000${req.projection.seed}`;
    projection = projections.get(key);
    if (!projection) projections.set(key, (projection = new Projection(req.projection.seed, d, req.projection.dims)));
  }
  const projected = projection ? new Int32Array(n * projection.outputDim) : undefined;
  for (let i = 0; i < n; i++) {
    const v = toFixed(embedder.embedText(req.texts[i]));
    full?.set(v, i * d);
    if (projection) projection.project(v, projected, i * projection.outputDim);
  }
  return { chunk: req.chunk, full, projected };
}

parentPort?.on('message', (req: HashingChunkRequest) => {
  let reply: HashingChunkReply;
  try {
    reply = embedChunk(req);
  } catch (e) {
    reply = { chunk: req.chunk, error: e instanceof Error ? e.message : String(e) };
  }
  const transfer = 'error' in reply ? [] : [reply.full?.buffer, reply.projected?.buffer].filter((b): b is ArrayBuffer => b !== undefined);
  parentPort!.postMessage(reply, transfer);
});
