// The @vscode/test-electron entry point (exports run()), shared by code-server (test/harness) and
// .vscode-test.mjs. When EXT_TESTS_LOG is set, mocha's reporter output goes to that file, because
// console.log is a no-op inside a non-development extension host.
const path = require('path');
const fs = require('fs');
const util = require('util');
const Mocha = require('mocha'); // mocha@11 (12 is ESM-only)

// Offline noise from the host itself (its telemetry appender), not from this extension: without
// this, mocha would blame whichever test is running when the DNS lookup fails.
const HOST_NOISE = /getaddrinfo ENOTFOUND (mobile\.events\.data\.microsoft\.com|open-vsx\.org)/;
const origUncaught = Mocha.Runner.prototype._uncaught;
Mocha.Runner.prototype._uncaught = function (err) {
  if (err && HOST_NOISE.test(String(err.message))) return;
  return origUncaught.call(this, err);
};

/** Runs every *.test.js of `dir` in name order. */
function runDir(dir) {
  const logFile = process.env.EXT_TESTS_LOG;
  const out = (...a) => (logFile ? fs.appendFileSync(logFile, util.format(...a) + '\n') : console.log(...a));
  Mocha.reporters.Base.consoleLog = out;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 30000, grep: process.env.EXT_TESTS_GREP || undefined });
  // files run in name order: activation first, erasure (which changes the workspace) last
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.test.js')) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      out(`vscode: ${runner.stats.passes} passed, ${runner.stats.failures} failed`);
      failures ? reject(new Error(`${failures} tests failed.`)) : resolve();
    });
  });
}
function run() {
  return runDir(__dirname);
}
module.exports = { run, runDir };
