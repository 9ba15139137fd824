// The same extension-host suite (test/suite) under @vscode/test-electron / @vscode/test-cli, for
// machines with internet (it downloads VS Code). Offline CI uses scripts/test-vscode.sh instead.
// Usage there: npm run build && npx vscode-test   (both packages are devDependencies)
import { defineConfig } from '@vscode/test-cli';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ws = mkdtempSync(join(tmpdir(), 'erase-ws-'));
cpSync('test/fixtures/workspace', ws, { recursive: true });

export default defineConfig({
  files: 'test/suite/*.test.js',
  version: '1.100.3',
  workspaceFolder: ws,
  mocha: { ui: 'tdd', timeout: 30000 },
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
});
