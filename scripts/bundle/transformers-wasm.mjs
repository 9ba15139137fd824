// Entry of dist/transformers.js: transformers.js on the WebAssembly build of ONNX Runtime, so that
// the packaged extension needs no native binary (no onnxruntime-node, no sharp). scripts/build.mjs
// bundles it and copies the .wasm next to it; the extension and the CLI import it lazily, on the
// first use of a `transformers:DIR` embedder, never at activation.
import { env } from '@huggingface/transformers';

const wasm = env.backends.onnx.wasm;
// One thread: no worker_threads to spawn inside the extension host, and the same float sums per run.
wasm.numThreads = 1;
// The .wasm and its loader sit beside this bundle (never the CDN default that transformers.js sets).
wasm.wasmPaths = new URL('./', import.meta.url).href;

export * from '@huggingface/transformers';
