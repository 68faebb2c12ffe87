#!/usr/bin/env bash
# Side-by-side: annlab's Vamana vs Intel SVS (PyPI scalable-vs, `import svs`), uncompressed,
# same R, L = 200, alpha (1.2 L2 / 0.95 IP), W sweep, one thread, one query at a time.
#
#   [ROUNDS=3] bench/svs/run.sh [siftsmall|netflix|synth50k|all] [R,R]
#   (synth50k: bench/synth/make.py's seeded 50,000 × 384 COSINE set, made on first use)
#
# Each side runs ROUNDS times, alternating; the best build time and best QPS per window count.
#
# Intel SVS runs in a subprocess per configuration: on non-Intel CPUs scalable-vs 0.5.0 exits
# the process when asked for LVQ/LeanVec, so only uncompressed data is ever requested here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/bench/.venv-svs"
which="${1:-all}"
rs="${2:-32,64}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet scalable-vs numpy

case "$which" in *synth50k*)
  [ -f "$root/bench/out/synth50k/synth_base.npy" ] || "$venv/bin/python" "$root/bench/synth/make.py" ;;
esac

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build --release -p annlab-core --example svs_bench_ours)
ours="$CARGO_TARGET_DIR/release/examples/svs_bench_ours"

sets=()
case "$which" in
  all) sets=(siftsmall netflix) ;;
  *) sets=("$which") ;;
esac
for ds in "${sets[@]}"; do
  "$venv/bin/python" "$here/compare.py" --dataset "$ds" --r "$rs" --ours "$ours" --rounds "${ROUNDS:-3}"
done
