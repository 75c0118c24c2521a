#!/usr/bin/env bash
# Set up a clone for development: Python venv with the package and dev tools, and the pinned npm toolchain
# (solc-js, OpenZeppelin Contracts, anvil, cast). Idempotent: what is already in place is kept, so a second run
# takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '[setup] %s\n' "$*"; }

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Python 3.11+ is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

# --- Python: reinstall only when pyproject.toml changed since the last install (or the venv is new).
stamp=.venv/.scf-installed
if [ ! -x .venv/bin/python ]; then
  step "creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! .venv/bin/python -c 'import sdk, gateway' 2>/dev/null; then
  step "installing the package and dev tools into .venv (about a minute the first time)…"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --progress-bar off -e ".[dev]"
  echo "$want" > "$stamp"
else
  step ".venv is up to date"
fi

# --- Node toolchain: `npm ci` only when node_modules doesn't match package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "installing Node.js and npm from Debian…"
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "error: npm is required for the contract toolchain and anvil (install Node.js 18+)" >&2
    exit 1
  fi
fi
lock="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.scf-lock 2>/dev/null)" != "$lock" ] || [ ! -d node_modules/solc ]; then
  step "installing the pinned npm toolchain (solc-js, OpenZeppelin, anvil, cast)…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock" > node_modules/.scf-lock
else
  step "node_modules is up to date"
fi
# --- Chromium for the browser tests (tests/e2e/test_browser.py): Debian's, since Playwright cannot download one
# here. The browser tests fail, saying so, without it.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  step "installing chromium from Debian (browser tests)…"
  (apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }) \
    || echo "warning: chromium could not be installed; the browser tests will fail until it is" >&2
fi
step "complete: .venv and node_modules are ready"
