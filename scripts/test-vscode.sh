#!/usr/bin/env bash
# Runs the extension's tests in a real VS Code extension host (code-server 4.100.3) driven by
# headless chromium, with the extension installed from the .vsix that `npm run package` builds
# (VSIX=file.vsix to use one already built): the first run as `npm start` shows it (test/e2e/firstrun.js),
# the mocha suite (test/suite) inside the extension host, then UI checks (test/e2e/ui.js) in the real
# workbench. Needs scripts/setup-vscode-host.sh. Prints "firstrun: …", "vscode: N passed, M failed" and
# "ui: N passed, M failed"; exit code != 0 on any failure. SKIP_FIRST_RUN=1 skips the first-run check.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HOST_DIR=${HOST_DIR:-$ROOT/.vscode-host}
CS=$HOST_DIR/node_modules/.bin/code-server
PORT=${PORT:-18123}
OUT_DIR=${TEST_OUTPUT:-$ROOT/test-output}   # screenshots and logs worth keeping (gitignored)
mkdir -p "$HOST_DIR/tmp" "$OUT_DIR"
export TMPDIR=${TMPDIR:-$HOST_DIR/tmp}
RUN=$(mktemp -d "$TMPDIR/vscode-run.XXXXXX")
export XDG_CONFIG_HOME=$RUN/xdg-config XDG_DATA_HOME=$RUN/xdg-data NODE_PATH=$HOST_DIR/node_modules
EXT_ID=$(node -p "const p=require('./package.json'); p.publisher+'.'+p.name")
EXT_VER=$(node -p "require('./package.json').version")
source "$ROOT/scripts/code-server.sh"
mkdir -p "$RUN/exts" "$RUN/out"
cp -r "$ROOT/test/harness" "$RUN/exts/vscode-ci.test-harness-0.0.1"
# The tested extension is the packaged one, installed as a user installs a .vsix.
if [ -z "${VSIX:-}" ]; then
  npm run package --silent > "$RUN/package.log" 2>&1 || { cat "$RUN/package.log" >&2; exit 1; }
  VSIX=$ROOT/erase-workbench.vsix
fi
"$CS" --user-data-dir "$RUN/ud-install" --extensions-dir "$RUN/exts" --install-extension "$VSIX" > "$RUN/install.log" 2>&1 ||
  { cat "$RUN/install.log" >&2; exit 1; }
[ -f "$RUN/exts/$EXT_ID-$EXT_VER/dist/extension.js" ] && [ ! -L "$RUN/exts/$EXT_ID-$EXT_VER" ] ||
  { echo "the .vsix did not install as $RUN/exts/$EXT_ID-$EXT_VER" >&2; cat "$RUN/install.log" >&2; exit 1; }
echo "installed $(basename "$VSIX") ($(du -k "$VSIX" | cut -f1) KB)"

# The Ollama stand-in (real HTTP, the real `ollama` client talks to it). It prints its port.
PORT=0 node --import tsx test/e2e/ollama-serve.ts > "$RUN/ollama.url" 2> "$RUN/ollama.log" &
OLLAMA_PID=$!
CS_PID= CS2_PID= CS_FIRST_PID=
trap 'kill $CS_PID $OLLAMA_PID $CS2_PID $CS_FIRST_PID 2>/dev/null || true; wait $CS_PID $OLLAMA_PID $CS2_PID $CS_FIRST_PID 2>/dev/null || true' EXIT
for i in $(seq 1 100); do [ -s "$RUN/ollama.url" ] && break; sleep 0.1; done
OLLAMA_URL=$(head -1 "$RUN/ollama.url")

# Copies of the fixture workspace: the mocha suite erases from its copy, the UI checks use theirs,
# and the untrusted-profile suite its own.
for ws in ws ws-ui ws-untrusted; do
  cp -r "$ROOT/test/fixtures/workspace" "$RUN/$ws"
  node -e 'const f=process.argv[1], s=JSON.parse(require("fs").readFileSync(f,"utf8")); s["erase.ollamaHost"]=process.argv[2]; s["erase.ollamaModel"]="fake-llm:latest"; require("fs").writeFileSync(f, JSON.stringify(s,null,2))' "$RUN/$ws/.vscode/settings.json" "$OLLAMA_URL"
  # each copy is its own git repository (as a user's project would be), so the residual-copy scan
  # sees a work tree and a history of its own, not this repository's (which ignores .vscode-host/)
  git -c init.defaultBranch=main -C "$RUN/$ws" init -q
  git -C "$RUN/$ws" add -A
  git -C "$RUN/$ws" -c user.name=erase-test -c user.email=erase-test@example.invalid -c commit.gpgsign=false commit -qm "fixture"
done

rc=0
# The first run, as `npm start` starts it (same sample preparation, same flags and profile settings),
# on a code-server of its own: a fresh profile, and the harness idle (no EXT_TESTS_PATH yet).
if [ "${SKIP_FIRST_RUN:-}" != 1 ]; then
  ERASE_CLI=$RUN/exts/$EXT_ID-$EXT_VER/dist/cli.js prepare_sample "$RUN/sample" "${FIRST_RUN_ROWS:-300}" > "$RUN/sample.log" 2>&1 || { cat "$RUN/sample.log" >&2; exit 1; }
  PORT_FIRST=$((PORT + 2))
  code_server_command "$RUN/ud-first" "$RUN/exts" "$PORT_FIRST" first-run
  "${CODE_SERVER_CMD[@]}" > "$RUN/code-server-first.log" 2>&1 &
  CS_FIRST_PID=$!
  for i in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$PORT_FIRST/healthz" && break; sleep 0.1; done
  node test/e2e/firstrun.js "http://127.0.0.1:$PORT_FIRST" "$RUN/sample" "$OUT_DIR" || rc=$?
  kill $CS_FIRST_PID 2>/dev/null || true
  wait $CS_FIRST_PID 2>/dev/null || true
  CS_FIRST_PID=
fi

# read by the harness extension inside the extension host (it inherits code-server's environment)
export EXT_TESTS_PATH=$ROOT/test/suite/index.js EXT_TESTS_RESULT=$RUN/out/exthost-result.json
# the harness then stays idle (otherwise it would run the suite in the UI checks' window)
[ "${SKIP_EXTHOST:-}" != 1 ] && [ "${SKIP_MAIN_SUITE:-}" != 1 ] || unset EXT_TESTS_PATH
export ERASE_TEST_OLLAMA_URL=$OLLAMA_URL ERASE_TEST_OUT=$OUT_DIR
export ERASE_README_IMAGES=${README_IMAGES:-$ROOT/docs/images}   # test/e2e/ui.js writes the README's images there
T0=$(date +%s%N)
code_server_command "$RUN/ud" "$RUN/exts" "$PORT" first-run
"${CODE_SERVER_CMD[@]}" > "$RUN/code-server.log" 2>&1 &
CS_PID=$!
for i in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
echo "code-server up after $(( ($(date +%s%N) - T0) / 1000000 )) ms (logs: $RUN; ollama stand-in: $OLLAMA_URL)"

if [ "${SKIP_EXTHOST:-}" != 1 ] && [ "${SKIP_MAIN_SUITE:-}" != 1 ]; then
  node test/e2e/exthost.js "http://127.0.0.1:$PORT/?folder=$RUN/ws" "$EXT_TESTS_RESULT" || rc=$?
fi
if [ "${SKIP_UI:-}" != 1 ]; then
  node test/e2e/ui.js "http://127.0.0.1:$PORT" "$RUN/ws-ui" "$OUT_DIR" "$OLLAMA_URL" || rc=$?
fi
# A second profile with workspace trust ON (a fresh user data dir, as a colleague or a new browser
# would have): the folder opens in restricted mode, and test/suite-untrusted checks that the
# residual scan asks before it runs git there.
if [ "${SKIP_UNTRUSTED:-}" != 1 ] && [ "${SKIP_EXTHOST:-}" != 1 ]; then
  PORT2=$((PORT + 1))
  code_server_command "$RUN/ud-untrusted" "$RUN/exts" "$PORT2"   # VS Code's defaults: workspace trust on
  EXT_TESTS_PATH=$ROOT/test/suite-untrusted/index.js EXT_TESTS_RESULT=$RUN/out/untrusted-result.json \
    "${CODE_SERVER_CMD[@]}" > "$RUN/code-server-untrusted.log" 2>&1 &
  CS2_PID=$!
  for i in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$PORT2/healthz" && break; sleep 0.1; done
  node test/e2e/exthost.js "http://127.0.0.1:$PORT2/?folder=$RUN/ws-untrusted" "$RUN/out/untrusted-result.json" || rc=$?
  kill $CS2_PID 2>/dev/null || true
fi
cp "$RUN/code-server.log" "$OUT_DIR/code-server.log" 2>/dev/null || true
exit $rc
