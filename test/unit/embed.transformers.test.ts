// The transformers.js embedder on the committed random-weight fixture (scripts/build-tiny-bert.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CancelledError, UserError } from '../../src/core/errors';
import { TransformersEmbedder } from '../../src/core/embed/transformersEmbedder';

const FIXTURE = resolve(__dirname, '../fixtures/tiny-bert');
const ROOT = resolve(__dirname, '../..');
const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

let shared: TransformersEmbedder | undefined;
const embedder = async () => (shared ??= await TransformersEmbedder.create(FIXTURE));

test('loads the fixture offline; id = dir name + SHA-256 prefix of onnx/model.onnx + dimension', async () => {
  const e = await embedder();
  const sha = createHash('sha256')
    .update(readFileSync(join(FIXTURE, 'onnx/model.onnx')))
    .digest('hex');
  assert.equal(e.dimension, 32);
  assert.equal(e.id, `transformers:tiny-bert@${sha.slice(0, 12)}-d32`);
});

test('vectors have the right dimension, are normalised, and are deterministic for the same text', async () => {
  const e = await embedder();
  const texts = ['hello world', 'the model returns a vector', '', 'Ünïcödé 東京 🙂'];
  const a = await e.embed(texts);
  const b = await e.embed([...texts].reverse());
  assert.equal(a.length, 4);
  for (const v of a) {
    assert.equal(v.length, 32);
    assert.ok(Math.abs(norm(v) - 1) < 1e-12, `norm ${norm(v)}`);
  }
  assert.deepEqual(a[0], b[3]);
  assert.deepEqual(a[1], b[2]);
  assert.notDeepEqual(a[0], a[1]);
  // alone vs in a batch (padding to the longest text must not change the mean pooling much)
  const [alone] = await e.embed(['hello world']);
  for (let i = 0; i < 32; i++) assert.ok(Math.abs(alone[i] - a[0][i]) < 1e-5);
});

test('an aborted signal stops before the next batch', async () => {
  const e = await embedder();
  await assert.rejects(e.embed(['a'], AbortSignal.abort()), (err) => err instanceof CancelledError);
});

test('a folder that is not a model directory → UserError', async () => {
  await assert.rejects(TransformersEmbedder.create(join(FIXTURE, 'onnx')), (e) => e instanceof UserError && /needs config.json/.test(e.message));
});

test('package missing → UserError saying how to install it', async () => {
  const missing = async () => {
    throw Object.assign(new Error("Cannot find package '@huggingface/transformers'"), { code: 'ERR_MODULE_NOT_FOUND' });
  };
  await assert.rejects(
    TransformersEmbedder.create(FIXTURE, { importModule: missing }),
    (e) => e instanceof UserError && /npm install @huggingface\/transformers/.test(e.message) && /hashing/.test(e.message),
  );
});

test('the package is loaded lazily: importing the embed modules does not load ONNX Runtime', () => {
  // In a fresh process: import the registry, check the native library is absent, then use it.
  const script = `
    const hasOrt = () => (process.report.getReport().sharedObjects || []).some((s) => /onnxruntime/.test(s));
    const reg = require('./src/core/embed/registry.ts');
    const before = hasOrt();
    reg.createEmbedder('transformers:test/fixtures/tiny-bert').then((e) => {
      console.log(JSON.stringify({ before, after: hasOrt(), id: e.id }));
    });`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').at(-1)!);
  assert.equal(r.before, false, 'ONNX Runtime was loaded at import time');
  assert.equal(r.after, true);
  assert.match(r.id, /^transformers:tiny-bert@[0-9a-f]{12}-d32$/);
});
