#!/usr/bin/env bash
# The main job: set everything up, then run the demo scenario on the embedded chain with a SQLite gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
exec .venv/bin/scf demo "$@"
