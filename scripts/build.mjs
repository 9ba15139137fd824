// Bundles the three entry points with esbuild: the extension host (Node, CJS), the CLI (Node, CJS,
// with a shebang) and the webview (browser, IIFE). `--production` minifies; `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// Heavy or native packages stay outside the bundles and load lazily at run time.
const nodeExternals = ['vscode', '@huggingface/transformers', 'onnxruntime-node', 'sharp'];

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
    banner: { js: '#!/usr/bin/env node' },
  },
];
if (existsSync('src/extension/extension.ts')) {
  targets.push({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternals,
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
