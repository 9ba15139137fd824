#!/usr/bin/env bash
# Fails when webview or extension code builds markup from strings (XSS risk with hostile data sets).
set -euo pipefail
cd "$(dirname "$0")/.."
if grep -rnE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|srcdoc' webview/ src/extension/ src/shared/; then
  echo "forbidden DOM API above (use textContent / dom.ts h())" >&2; exit 1
fi
echo "no innerHTML/outerHTML/insertAdjacentHTML in webview/ src/extension/ src/shared/"
