#!/usr/bin/env bash
# npm start: build, make sure code-server is installed, prepare a sample workspace (a few thousand
# SST-2 rows imported with the CLI as JSONL, default offline embedder), and run code-server on
# 127.0.0.1 with this extension installed. Prints the URL; Ctrl+C stops it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
HOST_DIR=${HOST_DIR:-$ROOT/.vscode-host}
PORT=${PORT:-8080}
ROWS=${ROWS:-3000}
SST2=${SST2:-$ROOT/../shared/datasets/sst2/train.tsv}
npm run build --silent
bash scripts/setup-vscode-host.sh
export TMPDIR=${TMPDIR:-$HOST_DIR/tmp} XDG_CONFIG_HOME=$HOST_DIR/xdg-config XDG_DATA_HOME=$HOST_DIR/xdg-data

SAMPLE=$HOST_DIR/sample
if [ ! -f "$SAMPLE/sst2.jsonl" ]; then
  [ -f "$SST2" ] || { echo "SST-2 not found at $SST2 (set SST2=path/to/train.tsv)" >&2; exit 1; }
  mkdir -p "$SAMPLE/.vscode"
  head -n $((ROWS + 1)) "$SST2" > "$SAMPLE/sst2-sample.tsv"
  node dist/cli.js import "$SAMPLE/sst2-sample.tsv" --header --text-col sentence --label-col label --out "$SAMPLE/sst2.jsonl"
  rm -f "$SAMPLE/sst2-sample.tsv"
  node dist/cli.js init --data "$SAMPLE/sst2.jsonl"
  node dist/cli.js cluster --data "$SAMPLE/sst2.jsonl"
  echo '{ "erase.dataFile": "sst2.jsonl" }' > "$SAMPLE/.vscode/settings.json"
fi

EXTS=$HOST_DIR/extensions
EXT_ID=$(node -p "const p=require('./package.json'); p.publisher+'.'+p.name+'-'+p.version")
mkdir -p "$EXTS"
[ -e "$EXTS/$EXT_ID" ] || ln -s "$ROOT" "$EXTS/$EXT_ID"
echo "ERASE Workbench: http://127.0.0.1:$PORT/?folder=$SAMPLE"
exec "$HOST_DIR/node_modules/.bin/code-server" --auth none --bind-addr "127.0.0.1:$PORT" \
  --user-data-dir "$HOST_DIR/user-data" --extensions-dir "$EXTS" \
  --disable-telemetry --disable-update-check --disable-getting-started-override "$SAMPLE"
