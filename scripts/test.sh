#!/usr/bin/env bash
# Runs every annlab test: formatting, lints, native tests, the core's wasm32 build, the
# wasm-bindgen protocol tests, the release app build, browser end-to-end tests and the export
# checks against RedisVL/redis-py and a real redis-server. Installs whatever is missing first.
#
# Usage: scripts/test.sh            (everything)
#        SKIP_E2E=1 scripts/test.sh (skip the browser stage)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

bash scripts/install-tools.sh --browser || { echo "tool installation failed"; exit 1; }

passed=0
failed=0
failed_names=()
stage() {
  local name="$1"; shift
  echo
  echo "=== stage: $name"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "=== stage ok: $name ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    echo "=== stage FAILED: $name ($((SECONDS - t0)) s)"
  fi
}

native_tests() {
  cargo test --workspace --exclude annlab-app --exclude annlab-bench-wasm 2>&1 &&
    cargo test -p annlab-app --lib 2>&1 # the form validation in state.rs
}
core_wasm_build() {
  cargo build -p annlab-core -p annlab-formats -p annlab-protocol -p annlab-worker -p annlab-export \
    --target wasm32-unknown-unknown --release
}
app_lints() { cargo clippy -p annlab-app --target wasm32-unknown-unknown --all-targets -- -D warnings; }
native_lints() {
  cargo clippy --workspace --exclude annlab-app --all-targets -- -D warnings
}

stage "cargo fmt" cargo fmt --all -- --check
stage "clippy (native crates)" native_lints
stage "clippy (app, wasm32)" app_lints
stage "native tests" native_tests
stage "core wasm32 build" core_wasm_build
stage "app release build (trunk)" trunk build --release
# Also runs the wasm-bindgen worker-protocol tests (Node) before driving Chromium.
if [ "${SKIP_E2E:-0}" != 1 ]; then
  stage "browser end-to-end" env SKIP_BUILD=1 bash tests/e2e/run.sh
fi
stage "redis stack: HNSW memory, assess" bash tests/redis_stack/run.sh
stage "export checks (python)" bash tests/python/run.sh
stage "redis cluster: migrate.py" bash tests/cluster/run.sh

echo
if [ "$failed" -gt 0 ]; then echo "failed stages: ${failed_names[*]}"; fi
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
