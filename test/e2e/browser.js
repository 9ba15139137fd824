// Headless Debian chromium through playwright-core (no browser download). A fresh profile per run.
const { chromium } = require('playwright-core');
const fs = require('fs'),
  os = require('os'),
  path = require('path');

async function launch(viewport = { width: 1400, height: 900 }) {
  const profile = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'chromium-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    // playwright rejects --user-data-dir in args
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport,
    // WebGL2 (the cluster map) on the software renderer, SwiftShader: no GPU here, and newer Chromium
    // no longer falls back to it without being asked
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  const close = async () => {
    await ctx.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { ctx, page, close };
}
module.exports = { launch };
