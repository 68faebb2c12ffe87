"""Checks annlab's per-key overhead estimate against a real server's `INFO memory`.

Loads N documents (HASH, one FLOAT32 vector field; JSON, the vector as an array) on Redis Stack
7.4 with no index, reads used_memory before and after, and compares the measured bytes per
document minus the vector blob with the estimate `annlab plan` prints (the Rust formula
key_overhead_bytes, read through `annlab plan --json`, not re-implemented). Fails when a
measured figure leaves estimate +/- TOLERANCE of the whole document. Prints one row per case.

    python key_overhead.py --port 16379 --annlab target/debug/annlab
"""

import json
import subprocess
import sys

import numpy as np

from common import connect

N = 20_000
TOLERANCE = 0.05
CASES = [("hash", 128), ("hash", 384), ("hash", 768), ("hash", 1536), ("json", 128), ("json", 384), ("json", 768)]


def used(r):
    return int(r.info("memory")["used_memory"])


def load(r, kind, d):
    rng = np.random.default_rng(7)
    pipe = r.pipeline(transaction=False)
    for i in range(N):
        v = rng.standard_normal(d).astype(np.float32)
        if kind == "hash":
            pipe.hset(f"doc:{i}", "embedding", v.tobytes())
        else:
            pipe.execute_command("JSON.SET", f"doc:{i}", "$", json.dumps({"embedding": v.tolist()}))
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()


def estimate(annlab, kind, d):
    out = subprocess.run(
        [annlab, "plan", "--doc-count", str(N), "--dim", str(d), "--key-type", kind,
         "--hnsw", "m=16", "--horizon", "0", "--rates", "illustrative", "--json"],
        check=True, capture_output=True, text=True).stdout
    m0 = json.loads(out)["candidates"][0]["months"][0]
    return m0["key_overhead_bytes_per_shard"] / N


def main():
    args, r = connect()
    failures = 0
    print(f"{'type':>5} {'dim':>5} {'blob B':>7} {'measured B/key':>15} {'estimate B/key':>15} {'ratio':>6}")
    for kind, d in CASES:
        r.flushall()
        before = used(r)
        load(r, kind, d)
        after = used(r)
        blob = 4 * d
        measured = (after - before) / N - blob
        est = estimate(args.annlab, kind, d)
        # Judge against the whole document: what the capacity plan adds up.
        ratio = (est + blob) / (measured + blob)
        ok = abs(ratio - 1) <= TOLERANCE
        failures += not ok
        print(f"{kind:>5} {d:>5} {blob:>7} {measured:>15.1f} {est:>15.1f} {ratio:>6.3f}{'' if ok else '  FAIL'}")
    r.flushall()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
