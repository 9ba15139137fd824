// UI checks in the real workbench (code-server + headless chromium): commands from the palette,
// the workbench webview (map point count, hostile text rendered as text, streamed playground
// answers incl. fault modes, an erasure from the UI updating map and audit table). Screenshots go
// to <outDir>. Usage: node ui.js <baseUrl> <folder> <outDir> <ollamaUrl>
const { launch } = require('./browser');
const fs = require('fs');
const path = require('path');
const [BASE, FOLDER, OUT, OLLAMA] = process.argv.slice(2);
const t0 = Date.now();
const log = (...a) => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const N_EXAMPLES = 30;
let passed = 0,
  failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    log(`✓ ${name}`);
  } catch (e) {
    failed++;
    log(`✗ ${name}: ${e.message.split('\n')[0]}`);
    await page.screenshot({ path: path.join(OUT, `fail-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
  }
}
const assert = (cond, msg) => {
  if (!cond) throw new Error(msg);
};

async function runCommand(title) {
  // F1 occasionally does not open the palette (focus/animation race), and right after start the
  // extension's contributions may not be registered yet: Escape + F1 + type, retried.
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill('>' + title);
      await row.waitFor({ timeout: 5000 });
      break;
    } catch (e) {
      if (attempt >= 5) {
        const rows = await page.locator('.quick-input-list .monaco-list-row').allTextContents();
        throw new Error(`no palette row "${title}"; rows: ${JSON.stringify(rows.slice(0, 5))}`);
      }
    }
  }
  // click the matching row: Enter would run whatever row is highlighted first
  await row.click();
  await widget.waitFor({ state: 'hidden', timeout: 10000 });
}

const setFault = (f) => fetch(`${OLLAMA}/__test/fault`, { method: 'POST', body: JSON.stringify(f || {}) });
let page;

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  const b = await launch({ width: 1500, height: 950 });
  page = b.page;
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  try {
    await page.goto(`${BASE}/?folder=${encodeURIComponent(FOLDER)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.activitybar [aria-label="ERASE"]').first().waitFor({ timeout: 30000 });
    log('workbench loaded, ERASE view container present');
    const wv = page.frameLocator('iframe.webview').frameLocator('#active-frame');
    const canvas = wv.locator('#map');

    await check('cluster from the command palette', async () => {
      await runCommand('ERASE: Cluster Data Set');
      await page
        .locator('.monaco-workbench')
        .getByText(/ERASE: \d+ examples in \d+ clusters/)
        .first()
        .waitFor({ timeout: 30000 });
    });

    await check('workbench opens and the map shows every example', async () => {
      await runCommand('ERASE: Open Workbench');
      await wv.locator(`#map[data-point-count="${N_EXAMPLES}"]`).waitFor({ timeout: 30000 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(OUT, '01-workbench-map.png') });
    });

    // positions come from the page's own map object (test hook), relative to the canvas
    const pointPos = (id) => canvas.evaluate((el, id) => window.eraseWorkbenchTest.pointPosition(id), id);

    await check('hostile text renders as text and runs no script', async () => {
      for (const id of ['hostile-img', 'hostile-script', 'hostile-link']) {
        const p = await pointPos(id);
        assert(p, `position of ${id}`);
        await canvas.hover({ position: p, force: true });
        const tip = wv.locator(`#tooltip[data-id="${id}"]`);
        await tip.waitFor({ state: 'visible', timeout: 5000 });
        const text = await tip.locator('.tooltip-input').textContent();
        assert(/<img|<\/script>|<a href/.test(text), `${id} shown literally: ${text}`);
        assert((await tip.locator('img, script, a').count()) === 0, 'no elements from the text');
        if (id === 'hostile-img') await page.screenshot({ path: path.join(OUT, '02-hostile-tooltip.png') });
      }
      const p = await pointPos('hostile-link');
      await canvas.click({ position: p, force: true });
      await wv.locator('#inspector[data-count="1"] .ex-input').waitFor({ timeout: 5000 });
      assert((await wv.locator('#inspector img, #inspector script, #inspector a').count()) === 0, 'inspector made no elements from text');
      const title = await canvas.evaluate(() => document.title);
      assert(!/pwned/.test(title), `script ran: title=${title}`);
      assert(!(await page.title()).includes('pwned'), 'outer page untouched');
      assert(dialogs.length === 0, `dialogs: ${dialogs}`);
    });

    await check('the playground streams an answer with and without examples', async () => {
      await wv.locator('#tab-playground').click();
      await wv.locator('#pg-model[data-count="2"]').waitFor({ timeout: 10000 });
      await wv.locator('#pg-query').evaluate((el) => {
        el.value = 'a charming but slight comedy';
      });
      await wv.locator('#pg-run').click();
      await wv.locator('#pg-with[data-state="done"]').waitFor({ timeout: 15000 });
      await wv.locator('#pg-without[data-state="done"]').waitFor({ timeout: 15000 });
      const withText = await wv.locator('#pg-with').textContent();
      const withoutText = await wv.locator('#pg-without').textContent();
      assert(/^stand-in answer after \d+ prompt lines: positive$/.test(withText), withText);
      assert(withText !== withoutText, 'the prompt with examples is longer');
      assert((await wv.locator('#pg-ids li').count()) >= 1, 'ids of the prompt examples listed');
      await page.screenshot({ path: path.join(OUT, '03-playground.png') });
    });

    for (const [mode, extra] of [
      ['http500', {}],
      ['errorMidStream', { afterTokens: 2 }],
      ['cutBeforeDone', { afterTokens: 2 }],
    ]) {
      await check(`the playground reports Ollama fault ${mode}`, async () => {
        await setFault({ mode, once: true, ...extra });
        await wv.locator('#pg-run').click();
        await wv.locator('#pg-with[data-state="failed"]').waitFor({ timeout: 15000 });
        const err = await wv.locator('#pg-error').textContent();
        assert(err && err.length > 5, `error shown: ${err}`);
        await wv.locator('#pg-without[data-state="done"]').waitFor({ timeout: 15000 });
        if (mode === 'errorMidStream') await page.screenshot({ path: path.join(OUT, '04-playground-fault.png') });
      });
    }
    await setFault(undefined);

    await check('erasing from the map updates the map and the audit table', async () => {
      await wv.locator('#tab-map').click();
      const p = await pointPos('pos-1');
      await canvas.click({ position: p, force: true });
      await wv.locator('#inspector-erase').click();
      await wv.locator('#confirm-requester').evaluate((el) => {
        el.value = 'ui test';
      });
      await page.screenshot({ path: path.join(OUT, '05-erase-confirm.png') });
      await wv.locator('#confirm-erase').click();
      // The host asks again (the webview is untrusted): VS Code's modal dialog, outside the webview.
      await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Erase' }).first().click({ timeout: 15000 });
      await wv.locator(`#map[data-point-count="${N_EXAMPLES - 1}"]`).waitFor({ timeout: 30000 });
      await wv.locator('#tab-audit').click();
      await wv.locator('#audit-table tr[data-action="erase"]').first().waitFor({ timeout: 10000 });
      const row = await wv.locator('#audit-table tr[data-action="erase"]').first().textContent();
      assert(row.includes('ui test'), row);
      await page.screenshot({ path: path.join(OUT, '06-audit-log.png') });
    });

    await check('view state survives the webview being hidden and restored', async () => {
      await wv.locator('#tab-audit').click();
      await page
        .locator('.explorer-folders-view .monaco-list-row', { hasText: 'README.md' })
        .first()
        .dblclick()
        .catch(async () => {
          await runCommand('View: Show Explorer');
          await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'README.md' }).first().dblclick();
        });
      await page.locator('.tabs-container .tab', { hasText: 'README.md' }).first().waitFor({ timeout: 10000 });
      await page.locator('.tabs-container .tab', { hasText: 'ERASE Workbench' }).first().click();
      await wv.locator('#tab-audit[aria-selected="true"]').waitFor({ timeout: 15000 });
      await wv.locator('#audit-table tr[data-action="erase"]').first().waitFor({ timeout: 10000 });
    });

    await check('lasso selection selects several points', async () => {
      await wv.locator('#tab-map').click();
      const box = await canvas.boundingBox();
      // draw a lasso rectangle over the whole left half of the map, with shift held
      const pts = [
        [0.02, 0.02],
        [0.5, 0.02],
        [0.5, 0.98],
        [0.02, 0.98],
        [0.02, 0.03],
      ];
      await page.keyboard.down('Shift');
      await page.mouse.move(box.x + box.width * pts[0][0], box.y + box.height * pts[0][1]);
      await page.mouse.down();
      for (const [x, y] of pts.slice(1)) await page.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 4 });
      await page.mouse.up();
      await page.keyboard.up('Shift');
      const n = Number(await canvas.getAttribute('data-selected-count'));
      assert(n >= 1, `lasso selected ${n}`);
      await page.screenshot({ path: path.join(OUT, '07-lasso.png') });
    });

    await check('a deletion request shows its preview as text; Run erases only after confirmation', async () => {
      await wv.locator('#tab-requests').click();
      const set = (sel, v) =>
        wv.locator(sel).evaluate((el, v) => {
          el.value = v;
        }, v);
      await set('#dr-requester', 'ui dpo');
      await set('#dr-subject', 'TICKET-UI');
      await set('#dr-text', 'acme corp');
      await wv.locator('#dr-create').click();
      await wv.locator('#dr-preview[data-count="2"]').waitFor({ timeout: 10000 });
      const texts = await wv.locator('#dr-preview-list .ex-input').allTextContents();
      assert(texts.length === 2 && texts.every((t) => /ACME Corp customer X/.test(t)), `preview: ${JSON.stringify(texts)}`);
      await wv.locator('#dr-list tr[data-status="matched"]').first().waitFor({ timeout: 10000 });
      assert((await wv.locator('#map').getAttribute('data-point-count')) === String(N_EXAMPLES - 1), 'nothing erased by the preview');
      await page.screenshot({ path: path.join(OUT, '08-request-preview.png') });
      await wv.locator('#dr-run').click();
      await wv.locator('#dr-confirm-run').waitFor({ timeout: 5000 });
      await wv.locator('#dr-confirm-run').click();
      await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Erase' }).first().click({ timeout: 15000 });
      await wv.locator('#dr-receipt').waitFor({ timeout: 30000 });
      await wv.locator(`#map[data-point-count="${N_EXAMPLES - 3}"]`).waitFor({ state: 'attached', timeout: 30000 });
      const row = wv.locator('#dr-list tr[data-status="erased"], #dr-list tr[data-status="verified"]').first();
      await row.waitFor({ timeout: 10000 });
      const rowText = await row.textContent();
      assert(/ui dpo/.test(rowText) && /TICKET-UI/.test(rowText) && /2 erased/.test(rowText), rowText);
      await page.screenshot({ path: path.join(OUT, '09-request-erased.png') });
    });

    await check('a hostile preview stays text, and Refuse needs a reason', async () => {
      const set = (sel, v) =>
        wv.locator(sel).evaluate((el, v) => {
          el.value = v;
        }, v);
      await set('#dr-requester', 'ui legal');
      await set('#dr-subject', '');
      await set('#dr-text', 'onerror');
      await wv.locator('#dr-create').click();
      await wv.locator('#dr-preview[data-count="1"]').waitFor({ timeout: 10000 });
      const t = await wv.locator('#dr-preview-list .ex-input').first().textContent();
      assert(/<img src=x onerror=/.test(t), `shown literally: ${t}`);
      assert((await wv.locator('#dr-preview img, #dr-preview script').count()) === 0, 'no elements from the text');
      await wv.locator('#dr-refuse').click();
      await wv.locator('#dr-confirm-refuse').click();
      await wv.locator('#dr-refuse-status', { hasText: 'reason is required' }).waitFor({ timeout: 5000 });
      await set('#dr-refuse-reason', 'legal hold');
      await wv.locator('#dr-confirm-refuse').click();
      await wv.locator('#dr-refused').waitFor({ timeout: 10000 });
      const row = await wv.locator('#dr-list tr[data-status="refused"]').first().textContent();
      assert(/legal hold/.test(row) && /ui legal/.test(row), row);
      assert(!(await canvas.evaluate(() => document.title)).includes('pwned'), 'no script ran');
      await page.screenshot({ path: path.join(OUT, '10-request-refused.png') });
    });

    await check('the ERASE side bar lists the request records and residual copies', async () => {
      await page.locator('.activitybar [aria-label="ERASE"]').first().click();
      const reqView = page.locator('.pane-header', { hasText: 'Deletion requests' }).first();
      await reqView.waitFor({ timeout: 10000 });
      await page.locator('.monaco-list-row', { hasText: 'ui dpo' }).first().waitFor({ timeout: 10000 });
      await page.locator('.monaco-list-row', { hasText: 'refused' }).first().waitFor({ timeout: 10000 });
      await page.locator('.pane-header', { hasText: 'Residual copies' }).first().waitFor({ timeout: 10000 });
      await page
        .locator('.monaco-list-row', { hasText: /residual cop|No residual copy/ })
        .first()
        .waitFor({ timeout: 20000 });
      await page.screenshot({ path: path.join(OUT, '11-sidebar.png') });
    });
    await check('the inspector lists the completions that used an example; erasing it names the prompt change and the erased completions', async () => {
      await page.locator('.tabs-container .tab', { hasText: 'ERASE Workbench' }).first().click();
      await wv.locator('#tab-playground').click();
      await wv.locator('#pg-query').evaluate((el) => {
        el.value = 'a provenance query';
      });
      await wv.locator('#pg-run').click();
      await wv.locator('#pg-with[data-state="done"]').waitFor({ timeout: 15000 });
      const rep = await wv.locator('#pg-ids li').first().getAttribute('data-id');
      assert(rep, 'an example of the prompt');
      await wv.locator('#tab-map').click();
      await canvas.click({ position: await pointPos(rep), force: true });
      await wv.locator('#inspector-provenance h4', { hasText: /\([1-9]\d*\)/ }).waitFor({ timeout: 15000 });
      const meta = await wv.locator('#inspector-provenance li[data-completion] .muted').allTextContents();
      assert(
        meta.some((t) => / · playground · fake-llm/.test(t)),
        `listed: ${JSON.stringify(meta)}`,
      );
      await page.screenshot({ path: path.join(OUT, '12-inspector-provenance.png') });
      const points = Number(await canvas.getAttribute('data-point-count'));
      await wv.locator('#inspector-erase').click();
      await wv.locator('#confirm-erase').click();
      await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Erase' }).first().click({ timeout: 15000 });
      await wv.locator(`#map[data-point-count="${points - 1}"]`).waitFor({ state: 'attached', timeout: 30000 });
      const change = wv.locator('#receipt-prompt-changes li', { hasText: rep });
      await change.waitFor({ timeout: 15000 });
      await change.locator('.ex-input', { hasText: /→/ }).waitFor({ timeout: 10000 });
      const provenance = await wv.locator('#receipt-provenance').textContent();
      assert(/^[1-9]\d* recorded completion\(s\) that used an erased example were erased\.$/.test(provenance), provenance);
      await page.screenshot({ path: path.join(OUT, '13-receipt-prompt-change.png') });
    });
  } catch (e) {
    failed++;
    log('ui aborted:', e.message);
    await page.screenshot({ path: path.join(OUT, 'ui-failure.png') }).catch(() => {});
  } finally {
    await b.close();
  }
  console.log(`ui: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
})();
