#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping what is already present.
# Safe to run repeatedly; CI and a fresh machine start with none of these.
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen version in Cargo.lock
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[install-tools] %s\n' "$*" >&2; }

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
  esac
done

if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v trunk >/dev/null || ! trunk --version | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (crates.io build, a few minutes)"
  cargo install -q trunk --version "$TRUNK_VERSION" --locked || cargo install -q trunk --version "$TRUNK_VERSION"
fi

if ! command -v wasm-bindgen >/dev/null || ! wasm-bindgen --version | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # No --locked: its lockfile can name crate versions the registry lacks.
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-opt: binaryen 132 from npm (wasm-opt compiled to wasm, run by Node), wrapped as
# ~/.cargo/bin/wasm-opt. Debian's binaryen 108 breaks wasm-bindgen 0.2.130's externref table.
BINARYEN_VERSION=132
if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  command -v npm >/dev/null || { log "npm is needed for binaryen (apt-get install nodejs npm)"; exit 1; }
  dir="$HOME/.cache/annlab-tools/binaryen-$BINARYEN_VERSION"
  log "installing binaryen $BINARYEN_VERSION (npm) into $dir"
  mkdir -p "$dir" "$HOME/.cargo/bin"
  npm install --prefix "$dir" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >/dev/null
  printf '#!/bin/sh\nexec node "%s/node_modules/binaryen/bin/wasm-opt" "$@"\n' "$dir" >"$HOME/.cargo/bin/wasm-opt"
  chmod +x "$HOME/.cargo/bin/wasm-opt"
fi

apt_packages=()
if [ "$want_browser" = 1 ]; then
  [ -x /usr/bin/chromium ] || apt_packages+=(chromium)
  command -v python3 >/dev/null || apt_packages+=(python3)
  command -v redis-server >/dev/null || apt_packages+=(redis-server)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  log "apt-get install ${apt_packages[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi
log "tools ready: $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version)"
