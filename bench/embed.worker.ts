// Worker half of the parallel embedding measurement: embeds, converts to fixed point and projects
// its share of the texts, and sends back the projected fixed-point vectors (n × D Int32).
import { parentPort, workerData } from 'node:worker_threads';
import { HashingEmbedder } from '../src/core/embed/hashing';
import { toFixed } from '../src/core/fixedpoint';
import { Projection } from '../src/core/qkmeans/projection';

const { texts, seed, dims } = workerData as { texts: string[]; seed: string; dims: number };
const emb = new HashingEmbedder();
const proj = new Projection(seed, emb.dimension, dims);
const out = new Int32Array(texts.length * dims);
for (let i = 0; i < texts.length; i++) out.set(proj.project(toFixed(emb.embedText(texts[i]))), i * dims);
parentPort!.postMessage(out, [out.buffer]);
