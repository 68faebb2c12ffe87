#!/usr/bin/env bash
# wasm/native parity: the same HNSW and Vamana (SVS, FP32) builds and searches, one thread, on
# the shared data, natively (crates/bench-wasm example parity_native, release) and in wasm32 +
# simd128 under Node (bench/parity.mjs), through the same Rust functions. Rounds alternate
# native and wasm; prints the wasm/native ratio table.
# Usage: bash bench/parity.sh [rounds=2] [sets=netflix,siftsmall] [kinds=hnsw,svs:FP32]
#   kinds: hnsw, svs:FP32, svs:LVQ8, svs:LVQ4x8, svs:LeanVec4x8
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-2}"; sets="${2:-netflix,siftsmall}"; kinds="${3:-hnsw,svs:FP32}"
target="${CARGO_TARGET_DIR:-$repo/target}"
cd "$repo"
cargo build --quiet --release -p annlab-bench-wasm --example parity_native
cargo build --quiet --release -p annlab-bench-wasm --target wasm32-unknown-unknown
mkdir -p bench/out
out="bench/out/parity.jsonl"
: > "$out"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) on $(nproc) cores" >&2
for r in $(seq 1 "$rounds"); do
  echo "== round $r: native" >&2
  "$target/release/examples/parity_native" "$sets" "$kinds" 3 | tee -a "$out" >&2
  echo "== round $r: wasm" >&2
  node bench/parity.mjs "$target/wasm32-unknown-unknown/release/annlab_bench_wasm.wasm" "$sets" "$kinds" 3 | tee -a "$out" >&2
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
node bench/parity.mjs --table "$out"
