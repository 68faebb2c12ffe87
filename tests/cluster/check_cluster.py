"""migrate.py --dry-run against a real 3-master Redis Cluster without a query engine.

run.sh starts the cluster; this script loads HASH documents across slots, records the DUMP
digest of every key on every master, runs migrate.py --dry-run (exported for a 3-shard
cluster) and checks that
- it detects the cluster and lists every master,
- it reads INFO memory on every master (and refuses when one master lacks headroom),
- it samples validation keys from every shard,
- the FT.* steps refuse with "no query engine on this cluster",
- no key changed (DUMP digests before and after).
Prints one line per check and exits 1 when one fails.

    python check_cluster.py --bundle DIR --ports 17001 17002 17003
"""

import argparse
import hashlib
import importlib.util
import os
import subprocess
import sys

import numpy as np
import redis
from redis.cluster import ClusterNode, RedisCluster

DOCUMENTS = 600
failures = 0


def check(ok, what, detail=""):
    global failures
    failures += not ok
    print("%s %s%s" % ("ok  " if ok else "FAIL", what, "" if ok else "\n     " + detail))


def load_config(bundle):
    spec = importlib.util.spec_from_file_location("migrate_plan", os.path.join(bundle, "migrate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CONFIG


def digests(masters):
    """sha256 of DUMP for every key on every master."""
    out = {}
    for m in masters:
        for key in m.scan_iter(count=1000):
            out[key] = hashlib.sha256(m.dump(key)).hexdigest()
    return out


def run_dry(bundle, port):
    p = subprocess.run([sys.executable, os.path.join(bundle, "migrate.py"), "--dry-run",
                        "--url", "redis://127.0.0.1:%d" % port],
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--ports", type=int, nargs="+", required=True)
    args = ap.parse_args()
    config = load_config(args.bundle)
    check(config["cluster"] is not None and config["cluster"]["shards"] == 3, "the bundle is planned for 3 shards")

    rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", p) for p in args.ports])
    masters = [redis.Redis(host="127.0.0.1", port=p) for p in args.ports]
    prefix = config["old_prefixes"][0]
    rng = np.random.default_rng(18)
    dtype = np.float16 if config["old_type"] == "FLOAT16" else np.float32
    for i in range(DOCUMENTS):
        v = rng.standard_normal(config["dim"]).astype(dtype)
        rc.hset("%s%d" % (prefix, i), mapping={config["vector_field"]: v.tobytes(), "title": "t%d" % i})
    for i in range(20):
        rc.set("other:%d" % i, "x")  # outside the prefix: must not be sampled
    per_master = [m.dbsize() for m in masters]
    check(all(n > 0 for n in per_master), "keys land on every master %s" % per_master)
    before = digests(masters)

    code, out, err = run_dry(args.bundle, args.ports[0])
    check("cluster: 3 masters" in out, "migrate.py detects the cluster", out + err)
    for p in args.ports:
        check(("master 127.0.0.1:%d:" % p) in out, "INFO memory read on master %d" % p, out)
    check("documents under %s on all masters: %d" % (prefix if " " not in prefix else prefix, DOCUMENTS) in out
          or ("on all masters: %d" % DOCUMENTS) in out, "documents counted on every master", out)
    check("from 3 of 3 masters" in out, "validation keys sampled from every shard", out)
    check(code == 4 and "no query engine on this cluster" in err, "FT.* steps refuse (exit 4)",
          "exit %d\n%s" % (code, err))
    check(digests(masters) == before, "every key's DUMP digest is unchanged after --dry-run")

    # One master without headroom: the per-master check names it and stops (exit 6).
    tight = masters[1]
    used = int(tight.info("memory")["used_memory"])
    for m in masters:
        m.config_set("maxmemory", str(1 << 30))
    tight.config_set("maxmemory", str(used + 4096))
    try:
        code, out, err = run_dry(args.bundle, args.ports[0])
    finally:
        for m in masters:
            m.config_set("maxmemory", "0")
    check(code == 6 and ("master 127.0.0.1:%d" % args.ports[1]) in err, "a master short of memory stops the dry run (exit 6)",
          "exit %d\n%s%s" % (code, out, err))
    check("free of maxmemory" in out, "masters with headroom are reported", out)
    check(digests(masters) == before, "every key's DUMP digest is unchanged after the second --dry-run")

    print("cluster checks: %d failed" % failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
