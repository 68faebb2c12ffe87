"""Writes the seeded 50k+ benchmark set both reference benches read (bench/svs, bench/hnswlib)
and annlab's examples read as `synth50k`: clustered Gaussian rows (64 centres, per-dimension
noise as large as the centres' spread, so neighbours are not trivial), normalised for COSINE,
1,000 queries from the same mixture (not in the base) and their exact top-100 by inner product.

    python bench/synth/make.py [out_dir=bench/out/synth50k] [rows=50000] [dim=384]

Files: synth_base.npy (float32), synth_query.npy (float32), synth_gt_top100.npy (int32).
"""

import os
import sys

import numpy as np

SEED = 20261206
CENTRES = 64
QUERIES = 1000
TOP = 100


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "out", "synth50k")
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    dim = int(sys.argv[3]) if len(sys.argv) > 3 else 384
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    centres = rng.standard_normal((CENTRES, dim)).astype(np.float32)

    def sample(n):
        labels = rng.integers(0, CENTRES, n)
        x = centres[labels] + rng.standard_normal((n, dim)).astype(np.float32)
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    base, queries = sample(rows), sample(QUERIES)
    gt = np.empty((QUERIES, TOP), dtype=np.int32)
    for start in range(0, QUERIES, 100):
        sims = queries[start : start + 100] @ base.T
        top = np.argpartition(-sims, TOP, axis=1)[:, :TOP]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1, kind="stable")
        gt[start : start + 100] = np.take_along_axis(top, order, axis=1)
    np.save(os.path.join(out, "synth_base.npy"), base)
    np.save(os.path.join(out, "synth_query.npy"), queries)
    np.save(os.path.join(out, "synth_gt_top100.npy"), gt)
    print(f"wrote {out}: {rows} x {dim} base, {QUERIES} queries, top-{TOP} truth (COSINE)")


if __name__ == "__main__":
    main()
