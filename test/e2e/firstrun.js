// The first run as `npm start` shows it (scripts/code-server.sh: same sample, flags and profile
// settings), in a fresh profile: the folder is trusted (no trust dialog, no Restricted Mode), no
// VS Code "Get Started" page, no prompt about the git repository in a parent folder, and the ERASE
// walkthrough is open on its first step; a step's button really runs its command and checks the step.
// Usage: node firstrun.js <baseUrl> <sample folder> <outDir>. Prints "firstrun: N passed, M failed".
const { launch } = require('./browser');
const fs = require('fs');
const path = require('path');
const [BASE, FOLDER, OUT] = process.argv.slice(2);
const t0 = Date.now();
const log = (...a) => console.log(`[firstrun ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const WALKTHROUGH_TITLE = 'Get started with ERASE Workbench';
let passed = 0,
  failed = 0,
  page;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    log(`✓ ${name}`);
  } catch (e) {
    failed++;
    log(`✗ ${name}: ${e.message.split('\n')[0]}`);
    await page.screenshot({ path: path.join(OUT, `fail-firstrun-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
  }
}
const assert = (cond, msg) => {
  if (!cond) throw new Error(msg);
};

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  const b = await launch({ width: 1400, height: 900 });
  page = b.page;
  try {
    await page.goto(`${BASE}/?folder=${encodeURIComponent(FOLDER)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    const walkthrough = page.locator('.gettingStartedContainer');
    const step = (id) => walkthrough.locator(`button.getting-started-step[data-step-id$="${id}"]`);

    await check('the ERASE walkthrough opens on its first step', async () => {
      await walkthrough.getByText(WALKTHROUGH_TITLE).first().waitFor({ timeout: 60000 });
      await step('import').and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: 10000 });
      await page.screenshot({ path: path.join(OUT, '00-first-run.png') });
    });

    // The git extension looks for repositories a few seconds after start: give its prompt time to show.
    await page.waitForTimeout(5000);
    const notifications = async () =>
      (await page.locator('.notifications-toasts .notification-toast, .notifications-center .notification-list-item').allTextContents()).join(' | ');

    await check('the folder is trusted: no trust dialog, no Restricted Mode', async () => {
      const dialogs = await page.locator('.monaco-dialog-box').allTextContents();
      assert(dialogs.length === 0, `dialog shown: ${dialogs.join(' | ').slice(0, 200)}`);
      const restricted = await page.locator('.monaco-workbench').getByText('Restricted Mode').count();
      assert(restricted === 0 && !(await page.title()).includes('Restricted'), 'the window is in Restricted Mode');
    });

    await check('no VS Code "Get Started" page, only the ERASE walkthrough', async () => {
      // The Welcome editor shows either VS Code's pages or a walkthrough; its tab says which.
      const tabs = (await page.locator('.tabs-container .tab').allTextContents()).map((t) => t.trim());
      const welcome = tabs.filter((t) => /Welcome|Get Started|Walkthrough/i.test(t));
      assert(welcome.length === 1 && /^Walkthrough: ERASE Workbench/.test(welcome[0]), `tabs: ${JSON.stringify(tabs)}`);
      // (it keeps its other pages in the DOM, clipped away: only text that a click would hit counts)
      const onScreen = await page.getByText(/Get Started with VS Code|Set up your code editor/).evaluateAll(
        (els) =>
          els.filter((e) => {
            const r = e.getBoundingClientRect();
            const hit = r.width > 0 && r.height > 0 && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return !!hit && (hit === e || e.contains(hit));
          }).length,
      );
      assert(onScreen === 0, "VS Code's own Get Started walkthrough is on screen");
    });

    await check('no prompt about a git repository in a parent folder', async () => {
      const text = await notifications();
      assert(!/parent folder/i.test(text), `prompt shown: ${text.slice(0, 200)}`);
    });

    await check("a walkthrough step's button runs its command and checks the step", async () => {
      assert((await step('cluster').getAttribute('aria-checked')) === 'false', 'the cluster step starts unchecked');
      await step('cluster').click();
      await step('cluster').and(page.locator('[aria-expanded="true"]')).waitFor({ timeout: 10000 });
      await walkthrough
        .locator('.button-container .monaco-button', { hasText: /^Cluster$/ })
        .first()
        .click();
      await page
        .locator('.monaco-workbench')
        .getByText(/ERASE: \d+ examples in \d+ clusters/)
        .first()
        .waitFor({ timeout: 60000 });
      await step('cluster').and(page.locator('[aria-checked="true"]')).waitFor({ timeout: 10000 });
      await page.screenshot({ path: path.join(OUT, '00-first-run-step-done.png') });
    });
  } catch (e) {
    failed++;
    log('first run aborted:', e.message);
    await page.screenshot({ path: path.join(OUT, 'firstrun-failure.png') }).catch(() => {});
  } finally {
    await b.close();
  }
  console.log(`firstrun: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
})();
