// Runs a command with TMPDIR set to a fresh private folder and removes that folder afterwards,
// whatever the outcome. The test suites create thousands of scratch workspaces with mkdtemp; on a
// shared machine they piled up in /tmp (30,000 entries), which made every directory listing there
// slow and leaked test data. Tests keep using os.tmpdir(); this gives them a folder of their own.
//
// usage: node scripts/with-private-tmp.mjs <command> [args...]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-private-tmp.mjs <command> [args...]');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'erase-tests-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, TMPDIR: dir } });
// Passed on to the child (a Ctrl-C reaches it twice, which node's test runner takes as one); clean up once it has ended.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('error', (e) => {
  console.error(`${command}: ${e.message}`);
  cleanup();
  process.exit(127);
});
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? 1);
});
