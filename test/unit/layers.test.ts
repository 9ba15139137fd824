// The layer rules of eslint.config.mjs (DESIGN.md "Layers"): each import below is linted as if it
// sat in the named file, and must be refused or allowed by no-restricted-imports. This guards the
// rule's patterns themselves: a pattern that stops matching would let a layer leak silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function refused(file: string, importLine: string): Promise<boolean> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = [x];\n`, { filePath: resolve(ROOT, file) });
  return result.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

const cases: Array<[file: string, importLine: string, expectRefused: boolean]> = [
  // Front ends reach core only through src/core/index.ts.
  ['src/cli/probe.ts', "import { x } from '../core';", false],
  ['src/cli/probe.ts', "import { x } from '../core/index';", false],
  ['src/cli/probe.ts', "import { x } from '../core/errors';", true],
  ['src/extension/probe.ts', "import { x } from '../core/workspace/requests';", true],
  ['src/extension/trees/probe.ts', "import type { x } from '../../core/workspace';", true],
  ['src/extension/trees/probe.ts', "export { x } from '../../core/audit/log';", true],
  ['src/extension/probe.ts', "import { x } from '../../webview/dom';", true],
  // Core is the bottom layer.
  ['src/core/probe.ts', "import { x } from './workspace/requests';", false],
  ['src/core/probe.ts', "import * as x from 'vscode';", true],
  ['src/core/audit/probe.ts', "import { x } from '../../extension/views';", true],
  ['src/core/probe.ts', "import { x } from '../cli/main';", true],
  ['src/core/workspace/probe.ts', "import { x } from '../../../webview/dom';", true],
  // The webview sees only src/shared.
  ['webview/probe.ts', "import { x } from '../src/shared/protocol';", false],
  ['webview/probe.ts', "import { x } from './dom';", false],
  ['webview/probe.ts', "import { x } from '../src/core';", true],
  ['webview/probe.ts', "import { x } from '../src/extension/views';", true],
  ['webview/probe.ts', "import { x } from 'node:fs';", true],
  ['webview/probe.ts', "import { x } from 'fs';", true],
  ['webview/probe.ts', "import * as x from 'vscode';", true],
  // src/shared runs in both worlds.
  ['src/shared/probe.ts', "import { x } from './validate';", false],
  ['src/shared/probe.ts', "import { x } from 'node:path';", true],
  ['src/shared/probe.ts', "import { x } from 'path/posix';", true],
  ['src/shared/probe.ts', "import * as x from 'vscode';", true],
  ['src/shared/probe.ts', "import { x } from '../core';", true],
];

for (const [file, importLine, expectRefused] of cases) {
  test(`${file}: ${importLine} is ${expectRefused ? 'refused' : 'allowed'}`, async () => {
    assert.equal(await refused(file, importLine), expectRefused);
  });
}
