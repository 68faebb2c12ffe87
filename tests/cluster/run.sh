#!/usr/bin/env bash
# migrate.py against a real Redis Cluster: 3 masters of Debian's redis-server (no query engine)
# in cluster mode on 127.0.0.1:17001-17003 (ANNLAB_CLUSTER_PORTS overrides), throw-away
# directories, `redis-cli --cluster create`, then check_cluster.py (HASH keys across slots,
# migrate.py --dry-run: cluster detection, INFO memory on every master, key sampling from every
# shard, FT.* refused with "no query engine on this cluster", every key's DUMP unchanged). The
# servers are stopped and their directories removed at the end, also on failure.
#
#   tests/cluster/run.sh        (from anywhere; needs python3 with venv, cargo, apt-get or redis-server)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
read -r -a ports <<<"${ANNLAB_CLUSTER_PORTS:-17001 17002 17003}"

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's redis-server for the cluster check"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1 \
      || (apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1)
  fi
fi
command -v redis-server >/dev/null || { echo "redis-server is missing (apt-get install redis-server)"; exit 1; }

py="$(bash "$root/scripts/test-venv.sh" "$here")"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for port in "${ports[@]}"; do
  if redis-cli -h 127.0.0.1 -p "$port" PING >/dev/null 2>&1; then
    echo "port $port is in use; set ANNLAB_CLUSTER_PORTS"; exit 1
  fi
  mkdir -p "$work/$port"
  redis-server --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
    --cluster-config-file "$work/$port/nodes.conf" --dir "$work/$port" \
    --save "" --appendonly no --logfile "$work/$port/redis.log" &
  pids+=("$!")
done
for port in "${ports[@]}"; do
  for _ in $(seq 1 100); do
    redis-cli -h 127.0.0.1 -p "$port" PING >/dev/null 2>&1 && break
    sleep 0.1
  done
done
addresses=()
for port in "${ports[@]}"; do addresses+=("127.0.0.1:$port"); done
redis-cli --cluster create "${addresses[@]}" --cluster-yes >"$work/create.log"
for _ in $(seq 1 100); do
  redis-cli -h 127.0.0.1 -p "${ports[0]}" CLUSTER INFO | grep -q 'cluster_state:ok' && break
  sleep 0.1
done

(cd "$root" && cargo run --quiet -p annlab-export --example render_snapshots -- "$work/bundles" >/dev/null)
"$py" "$here/check_cluster.py" --bundle "$work/bundles/cluster-3-shards" --ports "${ports[@]}"
