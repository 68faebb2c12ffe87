#!/usr/bin/env bash
# Serves the annlab playground at http://127.0.0.1:${PORT:-8080}, installing whatever is missing
# first (wasm32 target, trunk, wasm-bindgen-cli, wasm-opt). Release build: the indexes are built
# in the tab, and debug wasm is far too slow for that.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/install-tools.sh
exec trunk serve --release --address 127.0.0.1 --port "${PORT:-8080}" "$@"
