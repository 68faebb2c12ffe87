#!/usr/bin/env bash
# Python-side checks of the migration export (issue #6): RedisVL/redis-py token equality,
# schema loading, py_compile + pyflakes, the zip, and migrate.py --dry-run against a real
# Debian redis-server without the query engine. Prints "python checks: N passed, M failed".
#
#   tests/python/run.sh            (from the repository root)
#
# Needs python3 (with venv) and cargo; installs redis-server with apt-get when it is missing
# and we are root. ANNLAB_SKIP_REDIS_SERVER=1 skips the server checks where that is impossible.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$(bash "$root/scripts/test-venv.sh" "$here")"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
(cd "$root" && cargo run --quiet -p annlab-export --example render_snapshots -- "$out" >/dev/null)

if ! command -v redis-server >/dev/null 2>&1 && [ -z "${ANNLAB_SKIP_REDIS_SERVER:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's redis-server (no query engine) for the dry-run check"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1 \
      || (apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1) \
      || echo "could not install redis-server"
  fi
fi

"$py" "$here/check_exports.py" --bundles "$out"
