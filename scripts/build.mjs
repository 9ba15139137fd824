// Bundles the three entry points with esbuild: the extension host (Node, CJS), the CLI (Node, CJS,
// with a shebang) and the webview (browser, IIFE). `--production` minifies; `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// Heavy or native packages stay outside the bundles and load lazily at run time.
const nodeExternals = ['vscode', '@huggingface/transformers', 'onnxruntime-node', 'sharp'];

// transformers.js is its own bundle (dist/transformers.js, see scripts/bundle/transformers-wasm.mjs):
// the extension's and the CLI's lazy `import('@huggingface/transformers')` load that file at run time,
// so the .vsix carries it without node_modules.
const transformersFromDist = {
  name: 'transformers-from-dist',
  setup(build) {
    build.onResolve({ filter: /^@huggingface\/transformers$/ }, () => ({ path: './transformers.js', external: true }));
  },
};

// Libraries only a few CLI commands use stay out of dist/cli.js, each in a file of its own that the
// source `require`s lazily (src/core/regex.ts, src/core/ollama/connection.ts): a command that needs
// neither (`erase delete --id`) neither parses nor runs them at start. The extension bundles them.
const CLI_LAZY_VENDOR = { re2js: 'vendor-re2js.js', ollama: 'vendor-ollama.js' };
const lazyVendorFromDist = {
  name: 'lazy-vendor-from-dist',
  setup(build) {
    build.onResolve({ filter: /^(re2js|ollama)$/ }, (args) => ({ path: `./${CLI_LAZY_VENDOR[args.path]}`, external: true }));
  },
};

// The WASM backend of ONNX Runtime replaces the native one; image input (sharp) is left out.
// onnxruntime-web as transformers.js itself resolves it (its own dependency, wherever npm put it)
const require = createRequire(createRequire(import.meta.url).resolve('@huggingface/transformers'));
const ORT_WASM_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs'];
const wasmOnlyTransformers = {
  name: 'wasm-only-transformers',
  setup(build) {
    // transformers.js loads onnxruntime-node through createRequire, which esbuild cannot follow
    build.onLoad({ filter: /transformers\.node\.mjs$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const call = 'requireFromHere("onnxruntime-node")';
      if (!source.includes(call)) throw new Error(`${args.path} no longer loads onnxruntime-node by ${call}: update scripts/build.mjs`);
      return { contents: source.replace(call, 'require("onnxruntime-node")'), loader: 'js' };
    });
    build.onResolve({ filter: /^onnxruntime-node$/ }, () => ({ path: require.resolve('onnxruntime-web') }));
    build.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'no-sharp' }));
    build.onLoad({ filter: /.*/, namespace: 'no-sharp' }, () => ({
      contents: 'export default function sharp() { throw new Error("image input is not supported by the bundled transformers.js"); }',
    }));
    build.onEnd(() => {
      const from = dirname(require.resolve('onnxruntime-web'));
      mkdirSync('dist', { recursive: true });
      for (const f of ORT_WASM_FILES) copyFileSync(join(from, f), join('dist', f));
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'info',
  legalComments: 'none',
};

const targets = [
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternals,
    plugins: [transformersFromDist, lazyVendorFromDist],
    banner: { js: '#!/usr/bin/env node' },
  },
  ...Object.entries(CLI_LAZY_VENDOR).map(([pkg, file]) => ({
    ...common,
    stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: '.', loader: 'js' },
    outfile: `dist/${file}`,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  })),
  {
    ...common,
    sourcemap: false, // 1.5 MB of map for a third-party bundle
    minify: true,
    entryPoints: ['scripts/bundle/transformers-wasm.mjs'],
    outfile: 'dist/transformers.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [wasmOnlyTransformers],
    // a CommonJS bundle has no import.meta: give it the file's own URL
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: 'var __importMetaUrl = require("url").pathToFileURL(__filename).href;' },
  },
];
// The hashing embedder's worker thread (src/core/embed/hashingOnWorkers.ts), next to the CLI and the extension.
targets.push({ ...common, entryPoints: ['src/core/embed/hashingWorker.ts'], outfile: 'dist/embedWorker.js', platform: 'node', format: 'cjs', target: 'node20' });
if (existsSync('src/extension/extension.ts')) {
  targets.push({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternals,
    plugins: [transformersFromDist],
  });
}
if (existsSync('webview/main.ts')) {
  targets.push({ ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' });
}

if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
