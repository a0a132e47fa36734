#!/usr/bin/env bash
# Installs what the editor end-to-end tests need (tests/clients/): Neovim, code-server
# (VS Code in the browser) with Chromium, and the VS Code extension's npm packages.
#
# Usage: clients/install-e2e.sh [CACHE_DIR]
#   CACHE_DIR (default $SHAPELENS_E2E_CACHE, else ~/.cache/shapelens-e2e) keeps code-server
#   between runs: cache it in CI. Safe to run again; a complete install is skipped in seconds.
# Needs root for apt-get, node >= 20 with npm, and ../shared/tools/install-code-server.sh
# (or SHAPELENS_CODE_SERVER_INSTALLER) from the team's shared tools.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${1:-${SHAPELENS_E2E_CACHE:-$HOME/.cache/shapelens-e2e}}
installer=${SHAPELENS_CODE_SERVER_INSTALLER:-$repo/../shared/tools/install-code-server.sh}
code_server_dir=$cache/code-server
stamp=$code_server_dir/.shapelens-install-ok
export DEBIAN_FRONTEND=noninteractive

say() { printf 'install-e2e: %s\n' "$*"; }

# Neovim: the Neovim test runs Debian's package (0.7) or any newer nvim already on PATH.
if ! command -v nvim >/dev/null 2>&1; then
  say "installing neovim"
  apt-get update -q >/dev/null
  apt-get install -y -q neovim >/dev/null
fi
say "$(nvim --version | head -n 1)"

# code-server and Chromium: the shared installer is idempotent but slow to re-check, so a
# stamp naming the installer's checksum skips it once it has succeeded.
want="$(sha256sum "$installer" 2>/dev/null | cut -d' ' -f1 || true)"
if [ -x "$code_server_dir/node_modules/.bin/code-server" ] && [ -x /usr/bin/chromium ] \
   && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  say "code-server already installed in $code_server_dir"
else
  [ -f "$installer" ] || { echo "install-e2e: $installer not found (set SHAPELENS_CODE_SERVER_INSTALLER)" >&2; exit 1; }
  say "installing code-server and chromium into $code_server_dir (a few minutes)"
  mkdir -p "$code_server_dir"
  bash "$installer" "$code_server_dir"
  echo "$want" > "$stamp"
fi
say "code-server $("$code_server_dir/node_modules/.bin/code-server" --version | head -n 1)"

# The extension's packages (esbuild, vsce, eslint, playwright-core...), exactly as locked;
# skipped when node_modules was installed from this very lockfile.
(
  cd "$repo/clients/vscode"
  lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ -f node_modules/.shapelens-lock ] && [ "$(cat node_modules/.shapelens-lock)" = "$lock" ]; then
    say "clients/vscode/node_modules is current"
  else
    npm ci --no-audit --no-fund
    echo "$lock" > node_modules/.shapelens-lock
  fi
)
say "done; run the tests with: SHAPELENS_E2E_CACHE=$cache python -m pytest tests/clients"
