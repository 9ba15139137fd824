#!/usr/bin/env bash
# npm start: build, make sure code-server is installed, prepare a sample workspace (a few thousand
# SST-2 rows imported with the CLI as JSONL, default offline embedder), and run code-server on
# 127.0.0.1 with this extension installed, the folder trusted and the ERASE walkthrough open.
# Prints the URL; Ctrl+C stops it. The UI tests start code-server the same way (scripts/code-server.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HOST_DIR=${HOST_DIR:-$ROOT/.vscode-host}
PORT=${PORT:-8080}
ROWS=${ROWS:-3000}
source "$ROOT/scripts/code-server.sh"
npm run build --silent
bash scripts/setup-vscode-host.sh
export TMPDIR=${TMPDIR:-$HOST_DIR/tmp} XDG_CONFIG_HOME=$HOST_DIR/xdg-config XDG_DATA_HOME=$HOST_DIR/xdg-data

SAMPLE=$HOST_DIR/sample
prepare_sample "$SAMPLE" "$ROWS"

# The working tree itself is the installed extension (a rebuild shows after a window reload);
# `npm run package` builds the .vsix that the UI tests install.
EXTS=$HOST_DIR/extensions
EXT_ID=$(node -p "const p=require('./package.json'); p.publisher+'.'+p.name+'-'+p.version")
mkdir -p "$EXTS"
[ -e "$EXTS/$EXT_ID" ] || ln -s "$ROOT" "$EXTS/$EXT_ID"
code_server_command "$HOST_DIR/user-data" "$EXTS" "$PORT" first-run
echo "ERASE Workbench: http://127.0.0.1:$PORT/?folder=$SAMPLE"
exec "${CODE_SERVER_CMD[@]}" "$SAMPLE"
