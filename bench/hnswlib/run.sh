#!/usr/bin/env bash
# Side-by-side HNSW benchmark: PyPI hnswlib vs annlab on the shared datasets, same M, efC and
# ef, one thread, one query at a time. Usage (from anywhere):
#   bench/hnswlib/run.sh [--m 8,16,32] [--efc 200] [--ef 10,20,50,100,200] [--repeat 3] \
#                        [--rounds 2] [--dataset netflix,siftsmall,synth50k]
# synth50k is bench/synth/make.py's seeded 50,000 × 384 COSINE set, made on first use.
# Rounds alternate annlab and hnswlib; the comparison takes the best of each side, which
# damps the noise of a shared machine.
# Environment: ANNLAB_DATA (default /work/shared/data or ../shared/data), CARGO_TARGET_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/bench/.venv"
out="$repo/bench/out"
mkdir -p "$out"

m=8,16,32; efc=200; ef=10,20,50,100,200; repeat=3; datasets=netflix,siftsmall; rounds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --m) m="$2"; shift 2 ;;
    --efc) efc="$2"; shift 2 ;;
    --ef) ef="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --dataset) datasets="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

data="${ANNLAB_DATA:-}"
if [ -z "$data" ]; then
  for d in /work/shared/data "$repo/../shared/data"; do
    [ -d "$d/siftsmall" ] && data="$d" && break
  done
fi
[ -n "$data" ] || { echo "shared data not found; set ANNLAB_DATA" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import hnswlib, numpy" 2>/dev/null; then
  "$venv/bin/pip" install --quiet numpy
  # hnswlib ships as an sdist: it compiles here (needs g++ and python3-dev). Fall back to a
  # build without isolation if the isolated build cannot fetch its build deps.
  "$venv/bin/pip" install --quiet hnswlib \
    || { "$venv/bin/pip" install --quiet pybind11 setuptools wheel \
         && "$venv/bin/pip" install --quiet --no-build-isolation hnswlib; }
fi

case "$datasets" in *synth50k*)
  [ -f "$repo/bench/out/synth50k/synth_base.npy" ] || "$venv/bin/python" "$repo/bench/synth/make.py" ;;
esac

echo "== building annlab example (release)"
(cd "$repo" && cargo build --quiet --release -p annlab-core --example hnsw_table)
bin="${CARGO_TARGET_DIR:-$repo/target}/release/examples/hnsw_table"

ours=(); theirs=()
for r in $(seq 1 "$rounds"); do
  echo "== round $r: annlab"
  ANNLAB_DATA="$data" "$bin" --dataset "$datasets" --m "$m" --efc "$efc" --ef "$ef" \
    --repeat "$repeat" --json "$out/annlab_hnsw.r$r.json"
  echo "== round $r: hnswlib"
  "$venv/bin/python" "$here/hnswlib_run.py" --data "$data" --dataset "$datasets" --m "$m" \
    --efc "$efc" --ef "$ef" --repeat "$repeat" --json "$out/hnswlib.r$r.json"
  ours+=("$out/annlab_hnsw.r$r.json"); theirs+=("$out/hnswlib.r$r.json")
done
echo "== comparison (best of $rounds round(s) per side)"
"$venv/bin/python" "$here/compare.py" "$(IFS=,; echo "${ours[*]}")" "$(IFS=,; echo "${theirs[*]}")"
