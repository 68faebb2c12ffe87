"""`annlab assess` against a real query engine (Redis Stack 7.4: search 2.10.5 + ReJSON 2.8.3).

Writes an HNSW index over HASH documents (with a few wrong-length blobs) and one over JSON
documents (with one document lacking the vector path), runs assess on both over RESP2 and
RESP3, and checks: FT.INFO parsing, SCAN sampling counts, blob decoding, the wrong-length count,
the KNN baseline recall against exact search computed here with numpy, auth failure, ACL denial,
the MODULE LIST fallback, a missing index, an index without a vector field, an unreachable host,
--probe-compression refused by 2.10, and that no key or index changes in any run (DUMP digests).
Ends with the round trip assess -> compare --facts -> export -> migrate.py --dry-run.

    python assess.py --port 16379 --annlab target/debug/annlab
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import redis

from common import connect, stop, wait_for_ping

N_HASH = 3000
N_JSON = 2000
DIM = 64
K = 10
BAD_BLOBS = 3
QUERIES = 60
RECALL_TOLERANCE = 1e-9  # the same queries on the same graph: the figures must agree exactly


def vectors(n, d, seed):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((16, d)).astype(np.float32)
    return (centres[rng.integers(0, 16, n)] + 0.4 * rng.standard_normal((n, d))).astype(np.float32)


def wait_indexed(r, index):
    import time

    for _ in range(600):
        raw = r.execute_command("FT.INFO", index)
        info = dict(zip(raw[::2], raw[1::2]))
        if float(info[b"percent_indexed"]) >= 1.0 and int(info[b"indexing"]) == 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{index} did not finish indexing")


def setup(r):
    r.flushall()
    hv = vectors(N_HASH, DIM, 1)
    pipe = r.pipeline(transaction=False)
    for i in range(N_HASH):
        pipe.hset(f"hdoc:{i}", mapping={"v": hv[i].tobytes(), "genre": f"g{i % 7}", "n": i})
    for j in range(BAD_BLOBS):
        pipe.hset(f"hdoc:bad:{j}", mapping={"v": b"x" * (12 + j), "genre": "bad"})
    jv = vectors(N_JSON, DIM, 2)
    for i in range(N_JSON):
        pipe.execute_command(
            "JSON.SET", f"jdoc:{i}", "$", json.dumps({"emb": jv[i].tolist(), "label": f"l{i % 5}"})
        )
    pipe.execute_command("JSON.SET", "jdoc:nopath", "$", json.dumps({"label": "none"}))
    pipe.set("other:1", "not indexed")
    pipe.execute()
    r.execute_command(
        "FT.CREATE", "hidx", "ON", "HASH", "PREFIX", 1, "hdoc:", "SCHEMA",
        "v", "VECTOR", "HNSW", 10, "TYPE", "FLOAT32", "DIM", DIM, "DISTANCE_METRIC", "COSINE",
        "M", 16, "EF_CONSTRUCTION", 100,
        "genre", "TAG", "n", "NUMERIC", "SORTABLE",
    )
    r.execute_command(
        "FT.CREATE", "jidx", "ON", "JSON", "PREFIX", 1, "jdoc:", "SCHEMA",
        "$.emb", "AS", "emb", "VECTOR", "HNSW", 8, "TYPE", "FLOAT32", "DIM", DIM,
        "DISTANCE_METRIC", "L2", "EF_RUNTIME", 20,
        "$.label", "AS", "label", "TAG",
    )
    r.execute_command("FT.CREATE", "tagonly", "ON", "HASH", "PREFIX", 1, "hdoc:", "SCHEMA", "genre", "TAG")
    wait_indexed(r, "hidx")
    wait_indexed(r, "jidx")
    # Users: a good one, one without FT.* rights, one without MODULE LIST.
    r.execute_command("ACL", "SETUSER", "assessor", "reset", "on", ">right-pass", "~*", "+@all")
    r.execute_command("ACL", "SETUSER", "noft", "reset", "on", ">pw", "~*", "+@all",
                      "-ft.info", "-ft.search", "-ft._list", "-ft.debug")
    r.execute_command("ACL", "SETUSER", "nomodule", "reset", "on", ">pw", "~*", "+@all", "-module")
    return hv, jv


def digest(r):
    """sha256 over every key's DUMP, the index list and the ACL-free keyspace size."""
    h = hashlib.sha256()
    keys = sorted(r.scan_iter(count=1000))
    for k in keys:
        h.update(k + b"\0" + (r.dump(k) or b"") + b"\0")
    for name in sorted(r.execute_command("FT._LIST")):
        h.update(b"index:" + name + b"\0")
    return h.hexdigest(), len(keys)


class Runner:
    def __init__(self, annlab, port, r):
        self.annlab, self.port, self.r = annlab, port, r
        self.before = digest(r)
        self.work = tempfile.mkdtemp(prefix="annlab-assess-")
        self.count = 0
        self.failures = []

    def url(self, user=None, password=None, resp3=False, port=None):
        auth = f"{user}:{password}@" if user else ""
        q = "?protocol=resp3" if resp3 else ""
        return f"redis://{auth}127.0.0.1:{port or self.port}{q}"

    def run(self, *args, expect_ok=True, env=None):
        self.count += 1
        out = os.path.join(self.work, f"out{self.count}")
        cmd = [self.annlab, "assess", "--out", out, "--queries", str(QUERIES), *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})})
        after = digest(self.r)
        if after != self.before:
            self.fail(f"run {self.count} changed the keyspace: {' '.join(args)}")
        leftovers = [n for n in os.listdir(self.work) if "annlab-tmp" in n]
        if leftovers:
            self.fail(f"run {self.count} left temporary folders {leftovers}")
        if "panicked" in p.stderr:
            self.fail(f"run {self.count} panicked: {p.stderr}")
        if expect_ok and p.returncode != 0:
            self.fail(f"run {self.count} failed: {' '.join(args)}\n{p.stderr}")
            return None, p.stderr
        if not expect_ok:
            if p.returncode == 0:
                self.fail(f"run {self.count} succeeded but should fail: {' '.join(args)}")
            if os.path.exists(out):
                self.fail(f"run {self.count} failed but wrote {out}")
            return None, p.stderr
        return out, p.stderr

    def fail(self, msg):
        print("FAIL:", msg)
        self.failures.append(msg)

    def check(self, cond, msg):
        if not cond:
            self.fail(msg)


def load(out):
    with open(os.path.join(out, "facts.json")) as f:
        facts = json.load(f)
    with open(os.path.join(out, "meta.json")) as f:
        meta = json.load(f)
    return facts, meta, np.load(os.path.join(out, "vectors.npy"))


def exact_topk(base, queries, metric, k):
    if metric == "cosine":
        b = base / np.linalg.norm(base, axis=1, keepdims=True)
        q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        d = 1 - q @ b.T
    elif metric == "ip":
        d = 1 - queries @ base.T
    else:
        d = (queries**2).sum(1)[:, None] - 2 * queries @ base.T + (base**2).sum(1)[None, :]
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def server_recall(r, index, field, ids, vecs, query_keys, ef, k):
    """Recall@k of the server's KNN at EF_RUNTIME=ef vs numpy exact search over the sample."""
    row = {key: i for i, key in enumerate(ids)}
    qrows = [row[key] for key in query_keys]
    truth = exact_topk(vecs, vecs[qrows], METRIC[index], k)
    total = 0.0
    for qi, qr in enumerate(qrows):
        res = r.execute_command(
            "FT.SEARCH", index, f"*=>[KNN $K @{field} $B EF_RUNTIME $E]", "NOCONTENT",
            "LIMIT", 0, k, "PARAMS", 6, "K", k, "B", vecs[qr].astype(np.float32).tobytes(),
            "E", ef, "DIALECT", 2,
        )
        got = {row.get(key.decode(), -1) for key in res[1:]}
        total += len(got & set(truth[qi].tolist())) / k
    return total / len(qrows)


METRIC = {"hidx": "cosine", "jidx": "l2"}


def check_outputs(t, out, index, written, id_prefix, n_usable, n_read, invalid_field, rt_default):
    facts, meta, vecs = load(out)
    p = facts["production"]
    t.check(p["index_name"] == index, f"{index}: index_name {p['index_name']}")
    t.check(vecs.dtype == np.float32 and vecs.shape == (n_usable, DIM), f"{index}: vectors {vecs.shape}")
    t.check(len(meta["ids"]) == n_usable, f"{index}: {len(meta['ids'])} ids")
    t.check(facts["sample"]["read"] == n_read, f"{index}: read {facts['sample']['read']} != {n_read}")
    t.check(facts["sample"]["usable"] == n_usable, f"{index}: usable {facts['sample']['usable']}")
    inv = facts["sample"]["invalid"]
    want_bad = n_read - n_usable
    t.check(inv[invalid_field] == want_bad and sum(
        inv[f] for f in ("missing_vector", "wrong_length", "not_numeric")) == want_bad,
        f"{index}: invalid counts {inv}")
    # Blob decoding: every row equals what the test wrote under that key.
    rows = [int(k[len(id_prefix):]) for k in meta["ids"]]
    t.check(np.array_equal(vecs, written[rows]), f"{index}: decoded vectors differ from the written ones")
    t.check(p["dim"] == DIM and p["metric"] == METRIC[index], f"{index}: dim/metric {p['dim']} {p['metric']}")
    t.check(p["current_hnsw"]["ef_runtime"] == rt_default, f"{index}: ef_runtime {p['current_hnsw']}")
    t.check(p["document_count"] == facts["index"]["num_docs"], f"{index}: document_count")
    t.check(facts["server"]["search_module_version"] == 21005 or
            facts["server"]["search_version_source"].startswith("probe"),
            f"{index}: module version {facts['server']}")
    t.check(facts["server"]["svs_vamana_supported"] is False, f"{index}: SVS support should be false on 2.10")
    b = facts["baseline"]
    t.check(b["points"][0]["runtime"] == rt_default and b["points"][0]["is_index_default"],
            f"{index}: first point {b['points'][0]}")
    t.check([pt["runtime"] for pt in b["points"]] == [rt_default, 50, 100, 200],
            f"{index}: runtimes {[pt['runtime'] for pt in b['points']]}")
    t.check("upper-bound proxy" in b["note"], f"{index}: the note must say upper-bound proxy")
    field = facts["vector_field"]["attribute"]
    rows_recall = []
    for pt in b["points"]:
        mine = server_recall(t.r, index, field, meta["ids"], vecs, b["query_keys"], pt["runtime"], b["k"])
        rows_recall.append((pt["runtime"], pt["recall_at_k"], mine))
        t.check(abs(mine - pt["recall_at_k"]) <= RECALL_TOLERANCE,
                f"{index}: EF {pt['runtime']}: assess recall {pt['recall_at_k']} vs test {mine}")
    t.check(rows_recall[-1][1] >= 0.95, f"{index}: recall at EF 200 only {rows_recall[-1][1]}")
    for ef, a, m in rows_recall:
        print(f"  {index}: EF_RUNTIME {ef:>3}: recall@{b['k']} assess {a:.4f}, test (numpy exact) {m:.4f}")
    return facts, meta, vecs


def cluster_refusal(t):
    """A cluster-enabled node (started here, without modules) is refused with a clear message."""
    server = os.environ.get("ANNLAB_REDIS_SERVER")
    if not server or not os.path.exists(server):
        print("  SKIPPED cluster refusal: ANNLAB_REDIS_SERVER is not set (tests/redis_stack/run.sh sets it)")
        return
    port = t.port + 12
    d = tempfile.mkdtemp(prefix="annlab-cluster-")
    proc = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--cluster-enabled", "yes",
         "--cluster-config-file", os.path.join(d, "nodes.conf"), "--dir", d, "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c = redis.Redis(host="127.0.0.1", port=port)
        wait_for_ping(c)
        _, err = t.run("--url", t.url(port=port), "--index", "hidx", expect_ok=False)
        t.check("is a Redis Cluster node" in err, f"cluster node: {err}")
        print(f"  refused as expected: {err.strip().splitlines()[-1][:150]}")
    finally:
        stop(proc, d)


def tls(t):
    """rediss:// through rustls against a TLS-only node with the query engine (a test CA made by
    openssl, trusted through SSL_CERT_FILE); without the CA a clear certificate error."""
    server = os.environ.get("ANNLAB_REDIS_SERVER")
    if not server or not os.path.exists(server) or not shutil.which("openssl"):
        print("  SKIPPED TLS: needs ANNLAB_REDIS_SERVER (run.sh sets it) and openssl")
        return
    d = tempfile.mkdtemp(prefix="annlab-tls-")
    f = lambda n: os.path.join(d, n)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"),
                    "-out", f("ca.pem"), "-days", "1", "-subj", "/CN=annlab test CA"], **quiet)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("key.pem"),
                    "-out", f("srv.csr"), "-subj", "/CN=127.0.0.1"], **quiet)
    with open(f("ext"), "w") as e:
        e.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    subprocess.run(["openssl", "x509", "-req", "-in", f("srv.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"),
                    "-CAcreateserial", "-out", f("cert.pem"), "-days", "1", "-extfile", f("ext")], **quiet)
    port = t.port + 13
    lib = os.path.join(os.path.dirname(os.path.dirname(server)), "lib")
    proc = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", "0", "--tls-port", str(port), "--tls-cert-file", f("cert.pem"),
         "--tls-key-file", f("key.pem"), "--tls-auth-clients", "no", "--dir", d, "--save", "",
         "--appendonly", "no", "--loadmodule", os.path.join(lib, "redisearch.so")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c = redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_ca_certs=f("ca.pem"), protocol=2)
        wait_for_ping(c)
        v = vectors(300, 8, 3)
        for i in range(300):
            c.hset(f"t:{i}", "v", v[i].tobytes())
        c.execute_command("FT.CREATE", "tidx", "ON", "HASH", "PREFIX", 1, "t:", "SCHEMA",
                          "v", "VECTOR", "HNSW", 6, "TYPE", "FLOAT32", "DIM", 8, "DISTANCE_METRIC", "L2")
        wait_indexed(c, "tidx")
        url = f"rediss://127.0.0.1:{port}"
        out, err = t.run("--url", url, "--index", "tidx", "--runtime", "50", env={"SSL_CERT_FILE": f("ca.pem")})
        if out:
            t.check(load(out)[0]["sample"]["usable"] == 300, "TLS: sample")
            print(f"  TLS: {err.strip().splitlines()[3][:100]}")
        _, err = t.run("--url", url, "--index", "tidx", expect_ok=False, env={"SSL_CERT_FILE": "/nonexistent"})
        t.check("cannot connect to rediss://" in err, f"TLS without the CA: {err}")
        print(f"  refused as expected: {err.strip().splitlines()[-1][:150]}")
    finally:
        stop(proc, d)


def round_trip(t, args):
    """assess -> compare --facts -> export: the plan names the source index's prefixes and field,
    and migrate.py --dry-run on this 2.10 server refuses with EXIT_SERVER (4), keys unchanged."""
    out, _ = t.run("--url", t.url(), "--index", "jidx", "--runtime", "50")
    if not out:
        return
    plan = os.path.join(t.work, "plan")
    p = subprocess.run(
        [t.annlab, "compare", "--facts", os.path.join(out, "facts.json"), "--holdout", "50",
         "--svs", "graph_max_degree=16,construction_window_size=32,search_window_size=20,compression=LVQ8",
         "--export", plan],
        capture_output=True, text=True)
    if p.returncode != 0:
        t.fail(f"compare --facts failed:\n{p.stderr}")
        return
    t.check("production baseline (annlab assess" in p.stderr, f"compare --facts shows no baseline:\n{p.stderr}")
    with open(os.path.join(plan, "migrate.redis")) as f:
        create = next(line for line in f if line.startswith("FT.CREATE"))
    want = ['ON JSON PREFIX 1 "jdoc:"', '"$.emb" AS emb VECTOR SVS-VAMANA', "DIM 64 DISTANCE_METRIC L2",
            '"$.label" AS label TAG']
    for w in want:
        t.check(w in create, f"exported FT.CREATE lacks `{w}`: {create}")
    print(f"  round trip FT.CREATE: {create.strip()[:120]}...")
    d = subprocess.run([sys.executable, os.path.join(plan, "migrate.py"), "--url", t.url(), "--dry-run"],
                       capture_output=True, text=True)
    t.check(d.returncode == 4 and "older than 8.2" in d.stdout + d.stderr or
            d.returncode == 4 and "needs Redis 8.2+" in d.stdout + d.stderr,
            f"migrate.py --dry-run: exit {d.returncode}\n{d.stdout}{d.stderr}")
    t.check(digest(t.r) == t.before, "migrate.py --dry-run changed the keyspace")
    print(f"  migrate.py --dry-run refused with exit {d.returncode}: {(d.stdout + d.stderr).strip().splitlines()[-1]}")


def main():
    args, r = connect()
    hv, jv = setup(r)
    t = Runner(args.annlab, args.port, r)

    # HASH over RESP2 and RESP3: the same facts and vectors.
    results = {}
    for resp3 in (False, True):
        out, err = t.run("--url", t.url(resp3=resp3), "--index", "hidx")
        if out:
            results[resp3] = check_outputs(t, out, "hidx", hv, "hdoc:", N_HASH, N_HASH + BAD_BLOBS,
                                           "wrong_length", 10)
            f = results[resp3][0]
            t.check(f["production"]["prefixes"] == ["hdoc:"] and f["production"]["key_type"] == "hash",
                    "hidx: prefixes/key type")
            t.check(f["production"]["vector_field"] == "v", "hidx: vector field")
            hn = f["production"]["current_hnsw"]
            t.check((hn["m"], hn["ef_construction"]) == (16, 100), f"hidx: HNSW params {hn}")
            t.check(f["hnsw_sources"]["ef_runtime"] == "FT.DEBUG VECSIM_INFO", f"hidx: {f['hnsw_sources']}")
            kinds = {o["name"]: o["kind"] for o in f["production"]["other_fields"]}
            t.check(kinds == {"genre": "tag", "n": "numeric"}, f"hidx: other fields {kinds}")
            t.check(f["index"]["indexing_failures"] == BAD_BLOBS, f"hidx: failures {f['index']['indexing_failures']}")
            t.check(f["index"]["vector_index_sz_mb"] > 0, "hidx: vector_index_sz_mb")
            t.check(f["server"]["maxmemory_bytes"] == 0 and f["server"]["used_memory_bytes"] > 0, "hidx: memory")
            t.check(f["server"]["cluster_enabled"] is False, "hidx: cluster")
            t.check("wrong length 3" in err, f"hidx: stderr should report the wrong-length count:\n{err}")
    if len(results) == 2:
        a, b = results[False], results[True]
        t.check(a[0]["index"] == b[0]["index"], "hidx: FT.INFO differs between RESP2 and RESP3")
        t.check(a[0]["production"] == b[0]["production"], "hidx: production facts differ RESP2/RESP3")
        t.check(np.array_equal(a[2], b[2]) and a[1] == b[1], "hidx: sample differs RESP2/RESP3")
        t.check(a[1]["metadata"][0].keys() == {"genre", "n"}, f"hidx: metadata {a[1]['metadata'][0]}")

    # JSON over RESP2 and RESP3; EF_RUNTIME 20 comes from FT.DEBUG VECSIM_INFO.
    for resp3 in (False, True):
        out, _ = t.run("--url", t.url(resp3=resp3), "--index", "jidx")
        if out:
            f, meta, _ = check_outputs(t, out, "jidx", jv, "jdoc:", N_JSON, N_JSON + 1, "missing_vector", 20)
            t.check(f["production"]["key_type"] == "json" and f["production"]["vector_path"] == "$.emb",
                    f"jidx: {f['production']['key_type']} {f['production']['vector_path']}")
            t.check(f["production"]["other_fields"] == [{"name": "label", "kind": "tag", "path": "$.label"}],
                    f"jidx: other fields {f['production']['other_fields']}")
            t.check(meta["metadata"][0]["label"].startswith("l"), f"jidx: metadata {meta['metadata'][0]}")

    # The MODULE LIST fallback: a user that may not run MODULE.
    out, _ = t.run("--url", t.url("nomodule", "pw"), "--index", "hidx", "--runtime", "50")
    if out:
        f = load(out)[0]
        t.check(f["server"]["search_version_source"] == "probe (MODULE LIST refused)", f"fallback {f['server']}")
        t.check(f["server"]["svs_vamana_supported"] is False, "fallback: Redis 7.4 < 8.2 means no SVS")

    # --probe-compression on 2.10: a clear refusal with the real version, nothing left behind.
    out, err = t.run("--url", t.url(), "--index", "hidx", "--probe-compression", "--runtime", "50")
    t.check("this server has no SVS-VAMANA (query engine 2.10.5" in err, f"probe message:\n{err}")
    if out:
        p = load(out)[0]["compression_probe"]
        t.check(p["svs_vamana"] is False and p["reported_compression"] is None, f"probe {p}")

    # Bad input: clear messages, non-zero exit, nothing written, no panic.
    bad = [
        ((["--url", t.url(), "--index", "hidx", "--max-invalid", "0"]), "wrong length 3"),
        ((["--url", t.url(), "--index", "jidx", "--max-invalid", "0"]), "jdoc:nopath: no `$.emb`"),
        ((["--url", t.url("assessor", "wrong-pass"), "--index", "hidx"]), "authentication failed"),
        ((["--url", t.url("noft", "pw"), "--index", "hidx"]), "may not run FT.INFO"),
        ((["--url", t.url(), "--index", "nosuch"]), "there is no index (or alias) named `nosuch`"),
        ((["--url", t.url(), "--index", "tagonly"]), "has no vector field"),
        ((["--url", t.url(port=1), "--index", "hidx"]), "cannot connect to redis://127.0.0.1:1"),
        ((["--url", "redis://127.0.0.1:%d" % args.port, "--index", "hidx"]), "authentication failed"),
    ]
    for i, (argv, want) in enumerate(bad):
        env = {"REDIS_USERNAME": "assessor", "REDIS_PASSWORD": "wrong"} if i == len(bad) - 1 else None
        _, err = t.run(*argv, expect_ok=False, env=env)
        t.check(want in err, f"expected `{want}` in:\n{err}")
        print(f"  refused as expected: {err.strip().splitlines()[-1][:150]}")
    # The environment variables also authenticate.
    t.run("--url", t.url(), "--index", "hidx", "--runtime", "50",
          env={"REDIS_USERNAME": "assessor", "REDIS_PASSWORD": "right-pass"})

    cluster_refusal(t)
    tls(t)
    round_trip(t, args)

    shutil.rmtree(t.work, ignore_errors=True)
    print(f"assess: {t.count} runs, keyspace digest unchanged after each: {t.before[0][:16]} ({t.before[1]} keys)")
    if t.failures:
        print(f"{len(t.failures)} checks failed")
        sys.exit(1)
    print("assess: all checks passed")


if __name__ == "__main__":
    main()
