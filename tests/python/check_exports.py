#!/usr/bin/env python3
"""Checks the exported migration bundles against the real tools (run through run.sh).

For every bundle directory:
  - schema.yaml loads with RedisVL's IndexSchema.from_yaml;
  - the FT.CREATE tokens in migrate.redis (split the way redis-cli splits them) equal the tokens
    RedisVL + redis-py send from SearchIndex.create(), captured without a server, and equal
    migrate.py's CONFIG["create_args"];
  - migrate.py and validate.py pass py_compile and pyflakes;
  - the zip holds every file, byte for byte, and passes zipfile's CRC test.
Then the facts PLAN.md states about RedisVL are checked against the installed RedisVL, and
migrate.py --dry-run runs against a real Debian redis-server (no query engine), which must
exit 4 with the "no query engine" message and leave the data unchanged.
"""

import argparse
import contextlib
import importlib.util
import io
import os
import py_compile
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile

import redis
from redis.exceptions import ResponseError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from redisvl.index import SearchIndex
from redisvl.schema import IndexSchema

BUNDLE_FILES = [
    "PLAN.md",
    "migrate.redis",
    "rollback.redis",
    "schema.yaml",
    "migrate.py",
    "validate.py",
    "vector-db-benchmark-experiment.json",
]

RESULTS = {"passed": 0, "failed": 0}


def check(name, fn):
    try:
        fn()
    except Exception as e:  # a failed check must not stop the others
        RESULTS["failed"] += 1
        print("FAIL %s: %s" % (name, e))
        if os.environ.get("VERBOSE"):
            traceback.print_exc()
        return
    RESULTS["passed"] += 1
    print("ok   %s" % name)


# ---------------------------------------------------------------------------------------
# Helpers


def split_redis_cli(line):
    """Tokens of one redis-cli line, following redis-cli's sdssplitargs rules."""
    data = line.encode("utf-8")
    out = []
    i = 0
    while i < len(data):
        while i < len(data) and data[i : i + 1].isspace():
            i += 1
        if i >= len(data):
            break
        cur = bytearray()
        if data[i : i + 1] == b'"':
            i += 1
            while True:
                if i >= len(data):
                    raise ValueError("unterminated quotes: " + line)
                c = data[i : i + 1]
                if c == b"\\" and data[i + 1 : i + 2] == b"x":
                    cur.append(int(data[i + 2 : i + 4], 16))
                    i += 4
                elif c == b"\\":
                    nxt = data[i + 1 : i + 2]
                    cur += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"a": b"\a"}.get(nxt, nxt)
                    i += 2
                elif c == b'"':
                    if i + 1 < len(data) and not data[i + 1 : i + 2].isspace():
                        raise ValueError("closing quote not followed by a space: " + line)
                    i += 1
                    break
                else:
                    cur += c
                    i += 1
        elif data[i : i + 1] == b"'":
            raise ValueError("single quotes are not used by the exporter: " + line)
        else:
            while i < len(data) and not data[i : i + 1].isspace():
                cur += data[i : i + 1]
                i += 1
        out.append(cur.decode("utf-8"))
    return out


class CaptureRedis(redis.Redis):
    """A redis.Redis that records commands and answers like an 8.2 server (no socket)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def execute_command(self, *args, **options):
        self.calls.append(args)
        name = str(args[0]).upper()
        if name == "INFO":
            return {"redis_version": "8.2.0"}
        if name.startswith("MODULE"):
            return [{"name": "search", "ver": 80200}]
        if name == "FT.INFO":
            raise ResponseError("Unknown index name")
        return b"OK"


def redisvl_create_tokens(schema_path):
    schema = IndexSchema.from_yaml(schema_path)
    client = CaptureRedis()
    SearchIndex(schema, redis_client=client).create()
    creates = [c for c in client.calls if str(c[0]).upper() == "FT.CREATE"]
    if len(creates) != 1:
        raise AssertionError("expected one FT.CREATE, captured %r" % client.calls)
    return [str(getattr(a, "value", a)) for a in creates[0]]


def migrate_redis_create_tokens(path):
    with open(path, encoding="utf-8") as handle:
        lines = [l.rstrip("\n") for l in handle if l.startswith("FT.CREATE ")]
    if len(lines) != 1:
        raise AssertionError("expected one FT.CREATE line in migrate.redis, found %d" % len(lines))
    return split_redis_cli(lines[0])


def load_migrate(path):
    spec = importlib.util.spec_from_file_location("exported_migrate_%d" % abs(hash(path)), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def diff_tokens(ours, theirs):
    if ours == theirs:
        return None
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a != b:
            return "first difference at token %d: ours %r, RedisVL %r" % (i, a, b)
    return "length differs: ours %d tokens, RedisVL %d" % (len(ours), len(theirs))


# ---------------------------------------------------------------------------------------
# Per-bundle checks


def check_bundle(directory, zip_path):
    name = os.path.basename(directory)
    schema = os.path.join(directory, "schema.yaml")
    migrate = os.path.join(directory, "migrate.py")
    validate = os.path.join(directory, "validate.py")

    def files_present():
        missing = [f for f in BUNDLE_FILES if not os.path.exists(os.path.join(directory, f))]
        assert not missing, "missing %s" % missing

    def schema_loads():
        s = IndexSchema.from_yaml(schema)
        fields = s.to_dict()["fields"]
        vector = [f for f in fields if f["type"] == "vector"][0]
        assert vector["attrs"]["algorithm"] == "svs-vamana", vector

    def tokens_equal_redisvl():
        ours = migrate_redis_create_tokens(os.path.join(directory, "migrate.redis"))
        theirs = redisvl_create_tokens(schema)
        problem = diff_tokens(ours, theirs)
        assert problem is None, problem

    def config_tokens_equal():
        module = load_migrate(migrate)
        ours = migrate_redis_create_tokens(os.path.join(directory, "migrate.redis"))
        assert module.CONFIG["create_args"] == ours, diff_tokens(module.CONFIG["create_args"], ours)

    def compiles():
        for path in (migrate, validate):
            py_compile.compile(path, doraise=True, cfile=os.path.join(tempfile.mkdtemp(), "x.pyc"))

    def pyflakes_clean():
        proc = subprocess.run([sys.executable, "-m", "pyflakes", migrate, validate],
                              capture_output=True, text=True)
        assert proc.returncode == 0, (proc.stdout + proc.stderr).strip()

    def zip_matches():
        with zipfile.ZipFile(zip_path) as z:
            assert z.testzip() is None, "bad CRC"
            assert sorted(z.namelist()) == sorted(BUNDLE_FILES), z.namelist()
            for f in BUNDLE_FILES:
                with open(os.path.join(directory, f), "rb") as handle:
                    assert z.read(f) == handle.read(), f

    check("%s: every file present" % name, files_present)
    check("%s: schema.yaml loads with IndexSchema.from_yaml" % name, schema_loads)
    check("%s: migrate.redis FT.CREATE == RedisVL/redis-py tokens" % name, tokens_equal_redisvl)
    check("%s: migrate.py CONFIG create_args == migrate.redis" % name, config_tokens_equal)
    check("%s: migrate.py/validate.py py_compile" % name, compiles)
    check("%s: migrate.py/validate.py pyflakes" % name, pyflakes_clean)
    check("%s: zip passes zipfile CRC test and matches the files" % name, zip_matches)


def check_hostile(directory):
    module = load_migrate(os.path.join(directory, "migrate.py"))
    c = module.CONFIG

    def names_survive():
        assert c["old_index"] == 'idx"; FLUSHALL; "', c["old_index"]
        assert c["new_index"] == "__import__('os').system('x')", c["new_index"]
        assert c["alias"] == 'al\\ias" "x', c["alias"]
        assert c["old_prefixes"] == ["p\"re'fix\\:*", "caf\u00e9:"], c["old_prefixes"]
        assert c["vector_field"] == "emb-ed\"ding')#", c["vector_field"]

    def query_field_escaped():
        assert module.query_field(c["vector_field"]) == "@emb\\-ed\\\"ding\\'\\)\\#"

    def glob_escaped():
        assert module.glob_escape("p\"re'fix\\:*") == b"p\"re'fix\\\\:\\*"

    check("hostile names: CONFIG holds the exact names", names_survive)
    check("hostile names: @field escaped in queries", query_field_escaped)
    check("hostile names: prefixes escaped in SCAN MATCH", glob_escaped)


def seeded_server(module, docs=30, **kwargs):
    """A fake 8.2 server holding the plan's HNSW index with `docs` documents."""
    import random as _random
    import struct as _struct

    from fake_server import FakeRedis

    c = module.CONFIG
    server = FakeRedis(**kwargs)
    rng = _random.Random(5)
    fmt = {"FLOAT32": "f", "FLOAT16": "e"}[c["old_type"]]
    prefix = c["old_prefixes"][0]
    for i in range(docs):
        vec = [rng.uniform(-1, 1) for _ in range(c["dim"])]
        doc = {c["vector_field"]: _struct.pack("<%d%s" % (c["dim"], fmt), *vec)}
        for f in c["other_fields"]:
            doc[f["name"]] = "x"
        server.hset("%s%d" % (prefix, i), mapping=doc)
    e = c["expected_old"]
    server.add_index(c["old_index"], list(c["old_prefixes"]), c["vector_field"], "HNSW",
                     {"type": e["data_type"], "dim": e["dim"], "distance_metric": e["distance_metric"],
                      "m": e["m"], "ef_construction": e["ef_construction"]},
                     [(f["name"], f["type"]) for f in c["other_fields"]])
    server.aliases[c["alias"]] = c["old_index"]
    server.writes.clear()
    return server


def run_flow(module, server, argv):
    module.connect = lambda url: server
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = module.main(argv + ["--url", "redis://fake:1", "--poll", "0"])
    return code, out.getvalue()


def check_flow(directory):
    """migrate.py's whole flow against the in-process fake server (RESP2 reply shapes)."""
    name = os.path.basename(directory)
    path = os.path.join(directory, "migrate.py")

    def happy_path_and_idempotent():
        module = load_migrate(path)
        server = seeded_server(module)
        code, out = run_flow(module, server, [])
        assert code == 0, "exit %d:\n%s" % (code, out)
        creates = [w for w in server.writes if w[0] == "FT.CREATE"]
        assert len(creates) == 1, server.writes
        assert ["FT.CREATE"] + [str(a) for a in creates[0][1:]] == module.CONFIG["create_args"]
        assert server.aliases[module.CONFIG["alias"]] == module.CONFIG["new_index"], server.aliases
        assert "1.000" in out and "(chosen)" in out, out
        before = len(server.writes)
        code, out = run_flow(module, server, [])
        assert code == 0, "second run exit %d:\n%s" % (code, out)
        assert not [w for w in server.writes[before:] if w[0] in ("FT.CREATE", "FT.ALIASUPDATE", "HSET")], \
            server.writes[before:]
        code, out = run_flow(module, server, ["rollback"])
        assert code == 0 and server.aliases[module.CONFIG["alias"]] == module.CONFIG["old_index"], out

    def dry_run_writes_nothing():
        module = load_migrate(path)
        server = seeded_server(module)
        code, out = run_flow(module, server, ["--dry-run"])
        assert code == 0, "exit %d:\n%s" % (code, out)
        assert server.writes == [], server.writes
        assert "[dry run, not sent] FT.CREATE" in out, out

    def failures_have_their_codes():
        module = load_migrate(path)
        code, out = run_flow(module, seeded_server(module), ["--threshold", "1.01"])
        assert code == 8, "recall: exit %d\n%s" % (code, out)
        module = load_migrate(path)
        code, out = run_flow(module, seeded_server(module, used_memory=2 << 20, maxmemory=(2 << 20) + 10), [])
        assert code == 6, "memory: exit %d\n%s" % (code, out)
        module = load_migrate(path)
        code, out = run_flow(module, seeded_server(module, module_version=80012), ["--dry-run"])
        assert code == 4 and "needs Redis 8.2+" in out, "old engine: exit %d\n%s" % (code, out)
        module = load_migrate(path)
        server = seeded_server(module)
        server.indexes[module.CONFIG["old_index"]]["attrs"]["m"] = 32
        code, out = run_flow(module, server, ["--dry-run"])
        assert code == 5 and "m is 32" in out, "mismatch: exit %d\n%s" % (code, out)

    def fallback_is_a_warning():
        module = load_migrate(path)
        if module.CONFIG["expected_new"]["compression"] == "NO_COMPRESSION":
            return
        server = seeded_server(module, compression_reported="GlobalSQ8")
        code, out = run_flow(module, server, ["--no-switch"])
        assert code == 0 and "GlobalSQ8" in out, "exit %d\n%s" % (code, out)
        measured = module.CONFIG["measured_compression"]
        if measured == "GlobalSQ8":
            # The plan measured what the server runs: no warning, a plain statement.
            assert "not the measured" not in out and "warning: FT.INFO reports" not in out, out
            assert "the plan measured GlobalSQ8" in out, out
        else:
            assert "warning: FT.INFO reports compression GlobalSQ8" in out, out
            assert "not the measured %s" % measured in out, out

    def debug_command_open_source_name():
        module = load_migrate(path)
        server = seeded_server(module)
        code, out = run_flow(module, server, ["--no-switch"])
        assert code == 0, "exit %d\n%s" % (code, out)
        used = [cmd[0] for cmd in server.commands if cmd[0].upper().endswith("FT.DEBUG")]
        assert used and used[0] == "_FT.DEBUG", used
        assert "FT.DEBUG" not in used, used
        assert "still being built in the background" in out, out
        assert "cannot tell" not in out, out

    def debug_command_fallback():
        module = load_migrate(path)
        server = seeded_server(module, debug="FT.DEBUG")
        code, out = run_flow(module, server, ["--no-switch"])
        assert code == 0, "exit %d\n%s" % (code, out)
        used = [cmd[0] for cmd in server.commands if cmd[0].upper().endswith("FT.DEBUG")]
        assert used[:2] == ["_FT.DEBUG", "FT.DEBUG"], used
        assert "still being built in the background" in out and "cannot tell" not in out, out

    def debug_command_missing_is_said():
        module = load_migrate(path)
        server = seeded_server(module, debug=None)
        code, out = run_flow(module, server, ["--no-switch"])
        assert code == 0, "exit %d\n%s" % (code, out)
        assert "cannot tell whether the SVS graph is still being built" in out, out
        assert "unknown command 'FT.DEBUG'" in out and "unknown command '_FT.DEBUG'" in out, out

    def indexing_mode_is_printed():
        cases = [
            (dict(workers=0), "WORKERS 0 (incremental), from CONFIG GET search-workers"),
            (dict(workers=2, resp3=True), "WORKERS 2 (batched), from CONFIG GET search-workers"),
            (dict(workers=4, workers_config="2.x"), "WORKERS 4 (batched), from FT.CONFIG GET WORKERS"),
            (dict(workers=0, workers_config="2.x", resp3=True), "WORKERS 0 (incremental), from FT.CONFIG GET WORKERS"),
            (dict(workers_config="refused"), "indexing mode: unknown (CONFIG GET search-workers answered: NOPERM"),
        ]
        for kwargs, want in cases:
            module = load_migrate(path)
            server = seeded_server(module, **kwargs)
            code, out = run_flow(module, server, ["preflight", "--dry-run"])
            assert code == 0, "%r: exit %d\n%s" % (kwargs, code, out)
            assert want in out, "%r: %s" % (kwargs, out)
            assert server.writes == [], server.writes
            assert not [c for c in server.commands if c[0].upper() == "CONFIG" and c[1].upper() != "GET"]

    def capacity_below_window_is_refused():
        module = load_migrate(path)
        server = seeded_server(module)
        window = module.CONFIG["search_window_size"]
        code, out = run_flow(module, server, ["validate", "--buffer-capacity", str(window - 1)])
        assert code == 2, "exit %d\n%s" % (code, out)
        assert "SIGABRT" in out and "SEARCH_BUFFER_CAPACITY %d" % (window - 1) in out, out
        assert server.commands == [], server.commands  # refused before connecting
        module = load_migrate(path)
        server = seeded_server(module)
        code, out = run_flow(module, server, ["run", "--buffer-capacity", str(window), "--windows", str(window + 10)])
        assert code == 2 and "SIGABRT" in out, "exit %d\n%s" % (code, out)
        assert not [w for w in server.writes if w[0] == "FT.CREATE"], server.writes
        # A capacity at or above every window is sent with each query, and the fake server
        # (which aborts like the real one on a smaller capacity) answers.
        module = load_migrate(path)
        server = seeded_server(module)
        code, out = run_flow(module, server, ["--buffer-capacity", str(window + 10), "--windows", str(window + 10)])
        assert code == 0 and not server.aborted, "exit %d\n%s" % (code, out)
        sent = [c[2] for c in server.commands if c[0] == "FT.SEARCH" and c[1] == module.CONFIG["new_index"]]
        assert sent and all("SEARCH_BUFFER_CAPACITY %d]" % (window + 10) in q for q in sent), sent

    check("%s: fake 8.2 server: run, rerun (idempotent), rollback" % name, happy_path_and_idempotent)
    check("%s: fake 8.2 server: the wait asks _FT.DEBUG VECSIM_INFO (open-source name)" % name,
          debug_command_open_source_name)
    check("%s: fake 8.2 server: falls back to FT.DEBUG" % name, debug_command_fallback)
    check("%s: fake 8.2 server: says so when neither debug command exists" % name, debug_command_missing_is_said)
    check("%s: fake server: preflight prints the indexing mode (8.x/2.x, RESP2/RESP3, refused), read-only"
          % name, indexing_mode_is_printed)
    check("%s: fake 8.2 server: a capacity below a window is refused (exit 2) before anything is sent"
          % name, capacity_below_window_is_refused)
    check("%s: fake 8.2 server: --dry-run sends no write" % name, dry_run_writes_nothing)
    check("%s: fake 8.2 server: exit codes 8 recall, 6 memory, 4 old engine, 5 mismatch" % name,
          failures_have_their_codes)
    check("%s: fake 8.2 server: a GlobalSQ8 fallback warns only when the plan measured another codec"
          % name, fallback_is_a_warning)

    def plan_capacity_is_sent():
        module = load_migrate(path)
        capacity = module.CONFIG["search_buffer_capacity"]
        if capacity is None:
            return
        window = module.CONFIG["search_window_size"]
        assert capacity >= window, (capacity, window)
        server = seeded_server(module)
        code, out = run_flow(module, server, ["--no-switch"])
        assert code == 0 and not server.aborted, "exit %d\n%s" % (code, out)
        sent = [c[2] for c in server.commands if c[0] == "FT.SEARCH" and c[1] == module.CONFIG["new_index"]]
        want = "SEARCH_WINDOW_SIZE %d SEARCH_BUFFER_CAPACITY %d]" % (window, capacity)
        assert sent and all(q.endswith(want) for q in sent), sent
        module = load_migrate(path)
        server = seeded_server(module)
        code, out = run_flow(module, server, ["validate", "--windows", str(capacity + 1)])
        assert code == 2 and "SIGABRT" in out and not server.aborted, "exit %d\n%s" % (code, out)

    check("%s: fake 8.2 server: the plan's SEARCH_BUFFER_CAPACITY goes with its window, never below one"
          % name, plan_capacity_is_sent)


def check_redisvl_facts():
    """The deviations PLAN.md lists, checked against the installed RedisVL."""
    base = {
        "index": {"name": "i", "prefix": "p:", "storage_type": "hash"},
        "fields": [{"name": "v", "type": "vector", "attrs": {
            "algorithm": "svs-vamana", "dims": 384, "distance_metric": "cosine",
            "datatype": "float32", "graph_max_degree": 32, "construction_window_size": 200,
            "search_window_size": 10, "epsilon": 0.01, "compression": "LVQ4x8"}}],
    }

    def with_attrs(**attrs):
        d = {"index": dict(base["index"]), "fields": [dict(base["fields"][0])]}
        d["fields"][0]["attrs"] = dict(base["fields"][0]["attrs"], **attrs)
        return d

    def lower_case_written_and_rejected():
        s = IndexSchema.from_dict(base)
        written = s.to_dict()["fields"][0]["attrs"]["compression"]
        assert written == "lvq4x8", written
        try:
            IndexSchema.from_dict(with_attrs(compression="lvq4x8"))
        except Exception:
            return
        raise AssertionError("RedisVL accepted a lower-case compression")

    def accepts_what_server_refuses():
        IndexSchema.from_dict(with_attrs(training_threshold=10))
        IndexSchema.from_dict(with_attrs(graph_max_degree=0))

    def defaults_differ():
        d = with_attrs()
        attrs = d["fields"][0]["attrs"]
        for k in ("graph_max_degree", "construction_window_size", "search_window_size", "epsilon", "compression"):
            attrs.pop(k)
        client = CaptureRedis()
        SearchIndex(IndexSchema.from_dict(d), redis_client=client).create()
        tokens = [str(getattr(a, "value", a)) for a in client.calls[-1]]
        for key, value in (("GRAPH_MAX_DEGREE", "40"), ("CONSTRUCTION_WINDOW_SIZE", "250"), ("SEARCH_WINDOW_SIZE", "20")):
            assert tokens[tokens.index(key) + 1] == value, tokens

    check("RedisVL fact: to_dict lower-cases compression, from_dict rejects lower case", lower_case_written_and_rejected)
    check("RedisVL fact: accepts TRAINING_THRESHOLD 10 and GRAPH_MAX_DEGREE 0", accepts_what_server_refuses)
    check("RedisVL fact: defaults 40/250/20 are sent when unset", defaults_differ)


# ---------------------------------------------------------------------------------------
# A real redis-server without the query engine


def free_port():
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snapshot_data(r):
    data = {}
    for key in r.scan_iter(count=1000):
        data[key] = r.dump(key)
    return data


def run_migrate(bundle, args, env=None):
    return subprocess.run([sys.executable, os.path.join(bundle, "migrate.py")] + args,
                          capture_output=True, text=True, timeout=120, env=env)


def check_real_server(bundles):
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("ANNLAB_SKIP_REDIS_SERVER"):
            print("skip real-server checks (ANNLAB_SKIP_REDIS_SERVER set, no redis-server)")
            return
        check("real server: redis-server is installed", lambda: (_ for _ in ()).throw(
            AssertionError("redis-server not found (apt-get install redis-server)")))
        return
    port = free_port()
    workdir = tempfile.mkdtemp()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--daemonize", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = redis.Redis(host="127.0.0.1", port=port, protocol=2)
        for _ in range(100):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        version = r.info("server")["redis_version"]
        print("real server: redis-server %s on port %d (pid %d)" % (version, port, proc.pid))
        r.set("plain", "value")
        r.hset("product:1", mapping={"embedding": b"\x00" * 16, "genre": "x"})
        r.hset("chunk:1", mapping={"vector": b"\x01" * 8})
        before = snapshot_data(r)
        url = "redis://127.0.0.1:%d" % port

        for bundle in bundles:
            name = os.path.basename(bundle)

            def dry_run_refuses(bundle=bundle):
                res = run_migrate(bundle, ["--dry-run", "--url", url])
                out = res.stdout + res.stderr
                assert res.returncode == 4, "exit %d, output:\n%s" % (res.returncode, out)
                assert "this server has no query engine" in out, out
                assert "SVS-VAMANA needs Redis 8.2+" in out, out
                assert "[dry run" in out or "dry run" in out, out

            def data_unchanged():
                after = snapshot_data(r)
                assert after == before, "the data changed: %r -> %r" % (before, after)

            check("%s: migrate.py --dry-run on redis-server %s exits 4 with the no-query-engine message"
                  % (name, version), dry_run_refuses)
            check("%s: the server's data is unchanged after the dry run" % name, data_unchanged)

        first = bundles[0]

        def env_url_and_redaction():
            env = dict(os.environ, REDIS_URL="redis://:s3cret@127.0.0.1:%d" % port)
            res = run_migrate(first, ["preflight"], env=env)
            out = res.stdout + res.stderr
            # Debian's server has no password: AUTH fails -> 3, or is accepted with a warning -> 4.
            assert res.returncode in (3, 4), "exit %d:\n%s" % (res.returncode, out)
            assert "s3cret" not in out, "the password was printed:\n" + out

        def connection_refused():
            res = run_migrate(first, ["preflight", "--url", "redis://127.0.0.1:%d" % free_port()])
            assert res.returncode == 3, "exit %d:\n%s" % (res.returncode, res.stdout + res.stderr)

        def usage_error():
            res = run_migrate(first, ["no-such-step"])
            assert res.returncode == 2, "exit %d" % res.returncode

        def validate_py_refuses_capacity_below_window():
            res = subprocess.run([sys.executable, os.path.join(first, "validate.py"), "--search-window", "20",
                                  "--buffer-capacity", "10", "--url", url],
                                 capture_output=True, text=True, timeout=60)
            out = res.stdout + res.stderr
            assert res.returncode == 2, "exit %d:\n%s" % (res.returncode, out)
            assert "SEARCH_BUFFER_CAPACITY 10 with SEARCH_WINDOW_SIZE 20" in out and "SIGABRT" in out, out
            assert "connected" not in out, out

        def redis_cli_parses_our_quoting():
            cli = shutil.which("redis-cli")
            assert cli, "redis-cli not found"
            hostile = [b for b in bundles if os.path.basename(b) == "hostile-names"][0]
            module = load_migrate(os.path.join(hostile, "migrate.py"))
            names = [module.CONFIG["old_index"], module.CONFIG["new_index"], module.CONFIG["alias"],
                     module.CONFIG["vector_field"]] + module.CONFIG["old_prefixes"]
            script = "".join("ECHO %s\n" % module.cli_token(n) for n in names)
            res = subprocess.run([cli, "-p", str(port)], input=script.encode("utf-8"),
                                 capture_output=True, timeout=30)
            got = res.stdout.decode("utf-8").splitlines()
            assert got == names, "redis-cli read %r, expected %r" % (got, names)

        check("migrate.py: REDIS_URL from the environment, password never printed", env_url_and_redaction)
        check("migrate.py: connection refused exits 3", connection_refused)
        check("migrate.py: an unknown step exits 2", usage_error)
        check("validate.py: SEARCH_BUFFER_CAPACITY 10 below SEARCH_WINDOW_SIZE 20 exits 2 with the reason, "
              "before connecting", validate_py_refuses_capacity_below_window)
        check("real redis-cli reads the quoted hostile names back exactly", redis_cli_parses_our_quoting)
        check("the server's data is unchanged after every run", data_unchanged)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", required=True, help="directory written by the render_snapshots example")
    args = parser.parse_args()
    bundles = sorted(
        os.path.join(args.bundles, d) for d in os.listdir(args.bundles)
        if os.path.isdir(os.path.join(args.bundles, d))
    )
    print("redisvl %s, redis-py %s, python %s" % (
        __import__("redisvl").__version__, redis.__version__, sys.version.split()[0]))
    for bundle in bundles:
        check_bundle(bundle, bundle + ".zip")
        if os.path.basename(bundle) == "hostile-names":
            check_hostile(bundle)
        elif os.path.basename(bundle) in ("lvq4x8-384-cosine", "leanvec4x8-1536-fp16", "lvq8-768-generic"):
            check_flow(bundle)
    check_redisvl_facts()
    check_real_server(bundles)
    print("python checks: %d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    with contextlib.redirect_stderr(io.StringIO()) if os.environ.get("QUIET") else contextlib.nullcontext():
        code = main()
    sys.exit(code)
