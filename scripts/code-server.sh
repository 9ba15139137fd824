# Sourced by scripts/start.sh (npm start) and scripts/test-vscode.sh: the one way this project prepares
# a sample and starts code-server, so that the UI tests see what a user of `npm start` sees.
# Needs ROOT and HOST_DIR set, and dist/ built.

# prepare_sample DIR ROWS: the first ROWS rows of SST-2 imported as DIR/sst2.jsonl, initialised and
# clustered with the CLI (default offline embedder; ERASE_CLI=path/to/cli.js, default dist/cli.js),
# with erase.dataFile set. Skipped if already there.
prepare_sample() {
  local dir=$1 rows=$2 sst2=${SST2:-$ROOT/../shared/datasets/sst2/train.tsv} cli=${ERASE_CLI:-$ROOT/dist/cli.js}
  [ -f "$dir/sst2.jsonl" ] && return 0
  [ -f "$sst2" ] || { echo "SST-2 not found at $sst2 (set SST2=path/to/train.tsv)" >&2; return 1; }
  mkdir -p "$dir/.vscode"
  head -n $((rows + 1)) "$sst2" > "$dir/sst2-sample.tsv"
  node "$cli" import "$dir/sst2-sample.tsv" --header --text-col sentence --label-col label --out "$dir/sst2.jsonl"
  rm -f "$dir/sst2-sample.tsv"
  node "$cli" init --data "$dir/sst2.jsonl"
  node "$cli" cluster --data "$dir/sst2.jsonl"
  echo '{ "erase.dataFile": "sst2.jsonl" }' > "$dir/.vscode/settings.json"
}

# code_server_command USER_DATA_DIR EXTENSIONS_DIR PORT [first-run]: sets the array CODE_SERVER_CMD.
# With "first-run" the profile gets the first-run settings (scripts/code-server-profile.mjs: trusted
# folder, no Get Started page, no parent-repository prompt); without it, VS Code's defaults.
code_server_command() {
  local ud=$1 exts=$2 port=$3
  [ "${4:-}" = first-run ] && node "$ROOT/scripts/code-server-profile.mjs" "$ud"
  # env -u PORT: code-server lets a PORT variable override --bind-addr
  CODE_SERVER_CMD=(env -u PORT "$HOST_DIR/node_modules/.bin/code-server" --auth none --bind-addr "127.0.0.1:$port"
    --user-data-dir "$ud" --extensions-dir "$exts"
    --disable-telemetry --disable-update-check --disable-getting-started-override)
}
