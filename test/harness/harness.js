// CI-only helper extension: when the extension host starts, run the test module named by
// EXT_TESTS_PATH (a module exporting run(), the @vscode/test-electron extensionTestsPath contract)
// and write {code, error} to EXT_TESTS_RESULT. The extension host inherits code-server's
// environment, so both are set when code-server starts. console.log is a no-op in a
// non-development extension host, so test output goes to EXT_TESTS_LOG (the runner writes it).
const fs = require('fs');
async function activate() {
  const testsPath = process.env.EXT_TESTS_PATH,
    resultFile = process.env.EXT_TESTS_RESULT;
  if (!testsPath || !resultFile) return;
  // once per server start: a window reload or a second window starts another extension host
  if (fs.existsSync(resultFile + '.started')) return;
  fs.writeFileSync(resultFile + '.started', String(Date.now()));
  process.env.EXT_TESTS_LOG = process.env.EXT_TESTS_LOG || resultFile + '.log';
  let code = 0,
    error = null;
  try {
    await require(testsPath).run();
  } catch (e) {
    code = 1;
    error = String((e && e.stack) || e);
  }
  fs.writeFileSync(resultFile, JSON.stringify({ code, error, t: Date.now() }));
}
module.exports = { activate, deactivate() {} };
