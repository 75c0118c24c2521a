#!/usr/bin/env bash
# Set up a clone for development: Python venv with the package and dev tools, and the pinned npm toolchain
# (solc-js, OpenZeppelin Contracts, anvil, cast). Idempotent; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Python 3.11+ is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "error: npm is required for the contract toolchain and anvil (install Node.js 18+)" >&2
    exit 1
  fi
fi
npm ci --no-audit --no-fund --loglevel=error
echo "setup complete: .venv and node_modules are ready"
