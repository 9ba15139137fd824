// Writes the user settings of a code-server profile for this project (npm start and the UI tests
// share them through scripts/code-server.sh), merged into the profile's existing settings.json.
// Usage: node scripts/code-server-profile.mjs USER_DATA_DIR
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIRST_RUN_SETTINGS = {
  // No "Get Started with VS Code for the Web" page: the extension opens its own walkthrough instead.
  'workbench.startupEditor': 'none',
  // The sample folder sits inside this repository's .vscode-host/: no prompt to open the parent repository.
  'git.openRepositoryInParentFolders': 'never',
  // A profile made for the sample this project creates: the folder opens trusted, with no trust dialog.
  'security.workspace.trust.enabled': false,
  // Offline: no Marketplace recommendations popping up over the walkthrough.
  'extensions.ignoreRecommendations': true,
};

const userDataDir = process.argv[2];
if (!userDataDir) {
  console.error('usage: node scripts/code-server-profile.mjs USER_DATA_DIR');
  process.exit(2);
}
const file = join(userDataDir, 'User', 'settings.json');
let current = {};
if (existsSync(file)) {
  try {
    current = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // settings.json may hold comments (JSONC): leave a hand-edited file alone
    console.error(`${file} is not plain JSON: left as it is (add ${Object.keys(FIRST_RUN_SETTINGS).join(', ')} by hand)`);
    process.exit(0);
  }
}
mkdirSync(join(userDataDir, 'User'), { recursive: true });
writeFileSync(file, JSON.stringify({ ...current, ...FIRST_RUN_SETTINGS }, null, 2) + '\n');
