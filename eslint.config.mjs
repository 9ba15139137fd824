// ESLint: TypeScript's recommended rules plus the layer rules of DESIGN.md ("Layers"). Formatting is
// prettier's job, so no stylistic rules are enabled here. Type-aware rules are off: `npm run
// typecheck` already runs tsc per layer, and a second type-checked pass would double the cost.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Node's built-in modules by their bare names (fs, path, ...) and the node: scheme.
const nodeBuiltins = { regex: `^(node:.*|(${builtinModules.join('|')})(/.*)?)$` };
const noVscode = { name: 'vscode', message: 'Only src/extension may use the VS Code API.' };

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.vscode-host/', 'test-output/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // TypeScript resolves names itself; no-undef only misfires on type-only globals (typescript-eslint's advice).
      'no-undef': 'off',
      // `const { eps: _e, ...rest } = x` is how the code omits a field; the omitted name is unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\.?/(.*/)?core/(?!index$).+',
              message: 'Front ends import core through its one public entry point, src/core/index.ts (import from "../core").',
            },
            { regex: '^\\.\\.?/(.*/)?webview(/|$)', message: 'The webview is a browser bundle; the host talks to it only through src/shared/protocol.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            {
              regex: '^\\.\\.?/(.*/)?(extension|cli|webview)(/|$)',
              message: 'Core is the bottom layer: it never imports src/extension, src/cli or webview (they import core).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            { ...nodeBuiltins, message: 'The webview runs in a browser: no Node modules.' },
            { regex: '(^|/)src/(?!shared/)', message: 'The webview may import only src/shared (the protocol), never core, cli or extension code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            { ...nodeBuiltins, message: 'src/shared runs in the browser too: no Node modules.' },
            { regex: '^\\.\\./', message: 'src/shared imports only its own files (the webview bundles it).' },
          ],
        },
      ],
    },
  },
);
