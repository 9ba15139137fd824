// The extension under test is the installed .vsix, not a link to this repository, and its local-model
// embedder works from that install: transformers.js on ONNX Runtime's WASM build, loaded only on use.
const assert = require('assert');
const vscode = require('vscode');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { EXT_ID } = require('./helpers');

const REPO = path.resolve(__dirname, '..', '..');
const TINY_BERT = path.join(REPO, 'test', 'fixtures', 'tiny-bert');
const ext = () => vscode.extensions.getExtension(EXT_ID);
const transformersBundle = () => path.join(ext().extensionPath, 'dist', 'transformers.js');
const bundleLoaded = () => Object.keys(require.cache).some((k) => path.resolve(k) === transformersBundle());

suite('packaged extension', () => {
  test('is the installed package: a folder of its own, without the sources', () => {
    const dir = ext().extensionPath;
    assert.ok(!fs.lstatSync(dir).isSymbolicLink(), `${dir} is a link`);
    assert.notStrictEqual(fs.realpathSync(dir), fs.realpathSync(REPO), 'the repository itself is installed');
    assert.ok(!fs.existsSync(path.join(dir, 'src')) && !fs.existsSync(path.join(dir, 'node_modules')), 'sources or node_modules were packaged');
    assert.ok(fs.existsSync(transformersBundle()), 'dist/transformers.js is in the package');
  });

  test('activation did not load transformers.js; it runs the tiny model in the extension host', async () => {
    await ext().activate();
    assert.strictEqual(bundleLoaded(), false, 'dist/transformers.js was loaded with the extension');
    const m = require(transformersBundle());
    assert.ok(bundleLoaded(), 'the check above can see the bundle once it is loaded');
    m.env.allowRemoteModels = false;
    m.env.localModelPath = path.dirname(TINY_BERT) + '/';
    const extract = await m.pipeline('feature-extraction', path.basename(TINY_BERT), { dtype: 'fp32', device: 'cpu', local_files_only: true });
    const t = await extract(['hello world'], { pooling: 'mean', normalize: true });
    assert.deepStrictEqual(t.dims, [1, 32]);
  });

  test('the installed CLI clusters with transformers:DIR on the tiny model', () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'erase-packaged-'));
    try {
      fs.copyFileSync(path.join(REPO, 'test', 'fixtures', 'workspace', 'data.jsonl'), path.join(ws, 'data.jsonl'));
      const cli = path.join(ext().extensionPath, 'dist', 'cli.js');
      const run = (...args) => {
        const r = spawnSync(process.execPath, [cli, ...args], { cwd: ws, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
        assert.strictEqual(r.status, 0, `erase ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      run('init', '--data', 'data.jsonl', '--k', '3', '--embedder', `transformers:${TINY_BERT}`);
      assert.strictEqual(JSON.parse(run('cluster', '--json')).nonEmpty, 3);
      const meta = JSON.parse(fs.readFileSync(path.join(ws, '.erase', 'meta.json'), 'utf8'));
      assert.match(meta.embedderId, /^transformers:tiny-bert@[0-9a-f]{12}-d32$/);
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
