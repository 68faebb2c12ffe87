#!/usr/bin/env bash
# Same-run race: annlab's HNSW (wasm32 + simd128) vs npm hnswlib-wasm (and mememo) in one
# headless Chromium. Builds the bench wasm, installs the npm packages (bench/race/node_modules),
# then runs race.mjs; arguments pass through (see race.mjs), e.g.
#   bash bench/race/run.sh --rounds 2 --datasets netflix,siftsmall,synth
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
cargo build --quiet --release -p annlab-bench-wasm --target wasm32-unknown-unknown
target="${CARGO_TARGET_DIR:-$repo/target}"
(cd "$here" && { test -d node_modules/hnswlib-wasm || npm ci --no-audit --no-fund; })
echo "load before the race: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) on $(nproc) cores" >&2
node "$here/race.mjs" --wasm "$target/wasm32-unknown-unknown/release/annlab_bench_wasm.wasm" "$@"
