// The extension-host suite for a second code-server profile with workspace trust ON: the folder
// opens in restricted mode (never trusted in this profile), as a repository cloned from elsewhere would.
const { runDir } = require('../suite/index.js');
module.exports = { run: () => runDir(__dirname) };
