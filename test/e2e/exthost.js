// Opens the workbench in headless chromium only so that code-server starts an extension host; the
// test-harness extension then runs the mocha suite inside it and writes a result file, which this
// waits for. Usage: node exthost.js <workbench url> <result file> [timeout ms]  (exit code = suite's)
const { launch } = require('./browser');
const fs = require('fs');
const [URL_, RESULT, TMO = '240000'] = process.argv.slice(2);
(async () => {
  const t0 = Date.now();
  const { ctx, page, close } = await launch();
  await page.goto(URL_);
  let res = null;
  while (!res && Date.now() - t0 < +TMO) {
    if (fs.existsSync(RESULT)) res = JSON.parse(fs.readFileSync(RESULT, 'utf8'));
    else await new Promise((r) => setTimeout(r, 250));
  }
  void ctx;
  await close();
  if (fs.existsSync(RESULT + '.log')) process.stdout.write(fs.readFileSync(RESULT + '.log', 'utf8'));
  if (!res) {
    console.error(`timeout after ${Date.now() - t0} ms: no ${RESULT}`);
    console.log('vscode: 0 passed, 1 failed');
    process.exit(2);
  }
  console.log(`extension-host tests finished in ${((Date.now() - t0) / 1000).toFixed(1)}s, code=${res.code}${res.error ? '\n' + res.error : ''}`);
  process.exit(res.code);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
