#!/usr/bin/env bash
# Builds annlab-bench-wasm for wasm32 with and without simd128 and runs bench/flat-wasm.mjs.
# Usage: bench/flat-wasm.sh [rows dim queries k]   (defaults 10000 768 100 10)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
wasm="annlab_bench_wasm.wasm"
cd "$repo"
# Separate target dirs: RUSTFLAGS differ, so sharing one would rebuild everything each time.
# RUSTFLAGS (even when set) overrides the `+simd128` of .cargo/config.toml, so the scalar build
# states `-simd128` explicitly.
RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR="$target/wasm-simd" \
  cargo build --release -p annlab-bench-wasm --target wasm32-unknown-unknown
RUSTFLAGS="-C target-feature=-simd128" CARGO_TARGET_DIR="$target/wasm-scalar" \
  cargo build --release -p annlab-bench-wasm --target wasm32-unknown-unknown
node bench/flat-wasm.mjs \
  "$target/wasm-simd/wasm32-unknown-unknown/release/$wasm" \
  "$target/wasm-scalar/wasm32-unknown-unknown/release/$wasm" "$@"
