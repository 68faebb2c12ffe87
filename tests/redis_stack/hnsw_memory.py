"""Checks annlab's HNSW memory model against a real query engine (Redis Stack 7.4, search 2.10).

For each shape and M (and two FLAT shapes: the layout of SVS's flat buffer) it loads HASH documents with FLOAT32 vectors (a seeded Gaussian mixture),
creates an HNSW index over them, waits for percent_indexed = 1, reads FT.INFO
vector_index_sz_mb and compares it with `annlab memory --algorithm hnsw` (the Rust model, not a
re-implementation). Fails when a ratio leaves 1 +/- TOLERANCE. Prints one table row per case.

    python hnsw_memory.py --port 16379 --annlab target/debug/annlab
"""

import json
import subprocess
import sys
import time

import numpy as np

from common import connect

TOLERANCE = 0.05
SHAPES = [(2_000, 1536), (10_000, 128), (20_000, 768)]
MS = [8, 16, 32, 64]
# FLAT is also the layout of SVS's flat buffer before training, which 2.10 cannot create.
FLAT_SHAPES = [(5_000, 768), (10_000, 128)]
EF_CONSTRUCTION = 100
CLUSTERS = 32


def vectors(n, d, seed):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((CLUSTERS, d)).astype(np.float32)
    picks = rng.integers(0, CLUSTERS, n)
    noise = rng.standard_normal((n, d)).astype(np.float32)
    return centres[picks] + 0.5 * noise


def info(r, index):
    raw = r.execute_command("FT.INFO", index)
    return dict(zip(raw[::2], raw[1::2]))


def server_bytes(r, n, d, m, data, algorithm="HNSW"):
    r.flushall()
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        pipe.hset(f"doc:{i}", "v", data[i].tobytes())
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    attrs = ["TYPE", "FLOAT32", "DIM", d, "DISTANCE_METRIC", "L2"]
    if algorithm == "HNSW":
        attrs += ["M", m, "EF_CONSTRUCTION", EF_CONSTRUCTION]
    r.execute_command("FT.CREATE", "mem", "ON", "HASH", "PREFIX", 1, "doc:", "SCHEMA",
                      "v", "VECTOR", algorithm, len(attrs), *attrs)
    deadline = time.time() + 600
    while True:
        fields = info(r, "mem")
        if float(fields[b"percent_indexed"]) >= 1.0:
            break
        if time.time() > deadline:
            raise RuntimeError(f"indexing {n} x {d} M={m} did not finish")
        time.sleep(0.2)
    return round(float(fields[b"vector_index_sz_mb"]) * 2**20)


def model_bytes(annlab, n, d, m, algorithm="hnsw"):
    cmd = [annlab, "memory", "--algorithm", algorithm, "--n", str(n), "--dim", str(d),
           "--type", "float32"]
    if algorithm == "hnsw":
        cmd += ["--m", str(m), "--ef-construction", str(EF_CONSTRUCTION)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["total_bytes"]


def main():
    args, r = connect()
    modules = {m[b"name"].decode(): m[b"ver"] for m in
               (dict(zip(x[::2], x[1::2])) for x in r.execute_command("MODULE", "LIST"))}
    print(f"server: redis {r.info()['redis_version']}, search {modules.get('search')}")
    print(f"{'shape':>14} {'M':>3} {'server bytes':>13} {'model bytes':>13} {'ratio':>7}")
    failures = []
    cases = [("HNSW", n, d, m, seed) for seed, (n, d) in enumerate(SHAPES) for m in MS]
    cases += [("FLAT", n, d, 0, 10 + seed) for seed, (n, d) in enumerate(FLAT_SHAPES)]
    data, data_key = None, None
    for algorithm, n, d, m, seed in cases:
        if data_key != (n, d, seed):
            data, data_key = vectors(n, d, seed), (n, d, seed)
        server = server_bytes(r, n, d, m, data, algorithm)
        model = model_bytes(args.annlab, n, d, m, algorithm.lower())
        ratio = model / server
        ok = abs(ratio - 1.0) <= TOLERANCE
        label = f"{m:>3}" if algorithm == "HNSW" else "  -"
        print(f"{n:>7,} x {d:<5} {label} {server:>13,} {model:>13,} {ratio:>7.4f}"
              f"{'  ' + algorithm if algorithm != 'HNSW' else ''}"
              f"{'' if ok else '  OUT OF RANGE'}", flush=True)
        if not ok:
            failures.append((algorithm, n, d, m, ratio))
    r.flushall()
    print("note: search 2.10 and 8.2 share VecSim's HNSW layout; the model targets 8.2's "
          "figures (live-redis-figures.md), and 2.10 only differs in the incoming-edge "
          "buffers, which follow the data")
    if failures:
        print(f"hnsw memory: {len(failures)} case(s) outside +/-{TOLERANCE:.0%}")
        return 1
    print(f"hnsw memory: all {len(cases)} cases within +/-{TOLERANCE:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
