#!/usr/bin/env bash
# End-to-end tests of the playground: build dist/ with Trunk (release), install playwright-core,
# run the worker-protocol wasm tests in Node, then drive Debian Chromium headless.
#
#   tests/e2e/run.sh              # build + test
#   SKIP_BUILD=1 tests/e2e/run.sh # reuse an existing dist/
#
# Screenshots land in tests/e2e/artifacts/. Needs trunk, wasm-bindgen(-test-runner) 0.2.130,
# wasm-opt and /usr/bin/chromium (see scripts/install-tools.sh). Nothing is downloaded except
# the pinned npm package.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [[ "${SKIP_BUILD:-0}" != "1" || ! -f "$repo/dist/index.html" ]]; then
  (cd "$repo" && trunk build --release)
fi

# Bundle size of what the page loads first (the app's wasm + js, not the worker).
app_wasm="$(ls "$repo"/dist/annlab-app-*_bg.wasm | head -n1)"
app_js="$(ls "$repo"/dist/annlab-app-*.js | head -n1)"
gz_wasm=$(gzip -9 -c "$app_wasm" | wc -c)
gz_js=$(gzip -9 -c "$app_js" | wc -c)
echo "# initial bundle gzip: wasm ${gz_wasm} B + js ${gz_js} B = $((gz_wasm + gz_js)) B"

if [[ "${SKIP_WASM_TESTS:-0}" != "1" ]]; then
  (cd "$repo" && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test -p annlab-app --target wasm32-unknown-unknown --test web_protocol --test wasm_kernels)
fi

cd "$here"
if [[ ! -d node_modules/playwright-core ]]; then
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
node --test --test-concurrency=1 ./*.test.mjs
