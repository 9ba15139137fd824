#!/usr/bin/env bash
# Installs a real VS Code server (code-server 4.100.3 = VS Code 1.100.3, runs on the system node 20)
# plus playwright-core into .vscode-host/ (gitignored), offline except for the npm registry and
# Debian apt. Idempotent: a second run only checks versions. See /work/shared/recipes/vscode-host.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HOST_DIR=${HOST_DIR:-$ROOT/.vscode-host}
CS_VERSION=${CS_VERSION:-4.100.3}
export TMPDIR=${TMPDIR:-$HOST_DIR/tmp}
mkdir -p "$HOST_DIR" "$TMPDIR"
# keep code-server from writing ~/.config/code-server and ~/.local/share/code-server
export XDG_CONFIG_HOME=${XDG_CONFIG_HOME:-$HOST_DIR/xdg-config} XDG_DATA_HOME=${XDG_DATA_HOME:-$HOST_DIR/xdg-data}

# 1. apt: chromium for the workbench UI, krb5 headers for code-server's native 'kerberos' module.
#    Non-interactive (CI=true, no stdin): no prompts, no conffile questions; root or passwordless sudo.
if ! command -v chromium >/dev/null || [ ! -e /usr/include/gssapi/gssapi.h ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"
    else echo "setup-vscode-host: need root (or passwordless sudo) to apt-get install chromium libkrb5-dev build-essential python3" >&2; exit 1; fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    chromium libkrb5-dev build-essential python3 </dev/null >/dev/null
fi

CS="$HOST_DIR/node_modules/.bin/code-server"
if [ -x "$CS" ] && "$CS" --version 2>/dev/null | grep -q "^$CS_VERSION " && [ -d "$HOST_DIR/node_modules/playwright-core" ]; then
  echo "code-server $CS_VERSION already installed"; exit 0
fi

cd "$HOST_DIR"
[ -f package.json ] || echo '{"name":"vscode-host","private":true}' > package.json

# 2. @vscode/ripgrep@1.15.11 (pinned by code-server's shrinkwrap) downloads rg from GitHub in its
#    postinstall; it looks in $TMPDIR/vscode-ripgrep-cache-1.15.11/ first, so seed that cache with
#    the rg binary shipped in the npm package @vscode/ripgrep-linux-x64.
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
if [ ! -f "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ]; then
  mkdir -p "$RG_CACHE" rg-pkg
  tgz=$(npm pack --silent @vscode/ripgrep-linux-x64@1.18.0)
  tar xzf "$tgz" -C rg-pkg && rm -f "$tgz"
  tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C rg-pkg/package/bin rg
fi

# 3. code-server. Its postinstall insists on npm_config_unsafe_perm=true as root; node-pty's
#    postinstall calls `npx node-gyp`, which needs npm_config_yes=true; nodedir gives node-gyp
#    the local node headers (no header download).
npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=${NODEDIR:-/usr} \
  npm install --no-audit --no-fund "code-server@$CS_VERSION" playwright-core@1
"$CS" --version
