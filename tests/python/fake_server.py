"""An in-process stand-in for a Redis 8.2 server with the query engine, speaking RESP2 reply
shapes (flat lists, bytes), so migrate.py's whole flow runs without a server.

It only exercises migrate.py's control flow and parsing; the reply shapes follow the research
notes (FT.INFO attribute names, MODULE LIST entries). The acceptance check runs the happy path
against a real Redis 8.x as well.
"""

import struct

import redis

SIZES = {"FLOAT32": ("f", 4), "FLOAT16": ("e", 2)}


def _b(x):
    return x if isinstance(x, bytes) else str(x).encode("utf-8")


def _s(x):
    return x.decode("utf-8") if isinstance(x, bytes) else str(x)


class FakePipeline:
    def __init__(self, server):
        self.server = server
        self.ops = []

    def hgetall(self, key):
        self.ops.append(("hgetall", key))

    def hset(self, key, mapping):
        self.ops.append(("hset", key, mapping))

    def set(self, key, value):
        self.ops.append(("set", key, value))

    def execute(self):
        out = []
        for op in self.ops:
            out.append(getattr(self.server, op[0])(*op[1:]))
        self.ops = []
        return out


class FakeRedis:
    """Keyspace of hashes plus FT.* commands, enough for migrate.py."""

    def __init__(self, module_version=80200, used_memory=1 << 20, maxmemory=0, compression_reported=None,
                 debug="_FT.DEBUG", workers=0, workers_config="8.x", resp3=False):
        """debug: the debug command that exists ("_FT.DEBUG" as in the open-source build,
        "FT.DEBUG", or None). workers_config: "8.x" answers CONFIG GET search-workers, "2.x"
        only FT.CONFIG GET WORKERS, "refused" neither. resp3: map-shaped config replies."""
        self.debug = debug
        self.workers = workers
        self.workers_config = workers_config
        self.resp3 = resp3
        self.commands = []
        self.aborted = False
        self.background_polls = 0
        self.data = {}
        self.strings = {}
        self.indexes = {}
        self.aliases = {}
        self.module_version = module_version
        self.used_memory = used_memory
        self.maxmemory = maxmemory
        self.compression_reported = compression_reported
        self.writes = []
        self.connection_pool = type("P", (), {"connection_kwargs": {}})()
        self.polls = 0

    # -- plain commands
    def ping(self):
        return True

    def info(self, section):
        if section == "server":
            return {"redis_version": "8.2.1"}
        return {"used_memory": self.used_memory, "maxmemory": self.maxmemory}

    def hgetall(self, key):
        return dict(self.data.get(_b(key), {}))

    def hget(self, key, field):
        return self.data.get(_b(key), {}).get(_b(field))

    def hset(self, key, mapping):
        self.writes.append(("HSET", key))
        self.data.setdefault(_b(key), {}).update({_b(k): _b(v) if not isinstance(v, bytes) else v for k, v in mapping.items()})
        return len(mapping)

    def get(self, key):
        return self.strings.get(_b(key))

    def set(self, key, value):
        self.writes.append(("SET", key))
        self.strings[_b(key)] = _b(value)
        return True

    def delete(self, key):
        self.writes.append(("DEL", key))
        return 1 if self.strings.pop(_b(key), None) is not None else 0

    def scan(self, cursor=0, match=None, count=10, _type=None):
        prefix = match[:-1].replace(b"\\", b"") if match else b""
        keys = sorted(k for k in self.data if k.startswith(prefix))
        batch = keys[cursor:cursor + count]
        nxt = cursor + count
        return (0 if nxt >= len(keys) else nxt), batch

    def pipeline(self, transaction=False):
        return FakePipeline(self)

    # -- the query engine
    def execute_command(self, *args):
        if self.aborted:
            raise redis.ConnectionError("Connection refused (the server aborted)")
        name = _s(args[0]).upper()
        rest = args[1:]
        self.commands.append(tuple(a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a) for a in args))
        if name in ("_FT.DEBUG", "FT.DEBUG"):
            return self.ft_debug(name, rest)
        if name == "CONFIG" and _s(rest[0]).upper() == "GET":
            key = _s(rest[1])
            if self.workers_config == "refused":
                raise redis.ResponseError("NOPERM User default has no permissions to run the 'config|get' command")
            if self.workers_config == "8.x" and key.lower() == "search-workers":
                return {b"search-workers": _b(self.workers)} if self.resp3 else [b"search-workers", _b(self.workers)]
            return {} if self.resp3 else []
        if name == "FT.CONFIG":
            if self.workers_config == "refused":
                raise redis.ResponseError("NOPERM User default has no permissions to run the 'FT.CONFIG' command")
            if _s(rest[1]).upper() == "WORKERS":
                return {b"WORKERS": _b(self.workers)} if self.resp3 else [[b"WORKERS", _b(self.workers)]]
            return {} if self.resp3 else []
        if name == "MODULE":
            return [[b"name", b"search", b"ver", self.module_version, b"path", b"", b"args", []]]
        if name == "FT.INFO":
            return self.ft_info(_s(rest[0]))
        if name == "FT.CREATE":
            self.writes.append(("FT.CREATE",) + tuple(rest))
            return self.ft_create([_s(a) for a in rest])
        if name == "FT.SEARCH":
            return self.ft_search(_s(rest[0]), _s(rest[1]), rest)
        if name in ("FT.ALIASADD", "FT.ALIASUPDATE"):
            self.writes.append((name,) + tuple(rest))
            alias, index = _s(rest[0]), _s(rest[1])
            if index not in self.indexes:
                raise redis.ResponseError("Unknown index name (or name is an alias itself)")
            if name == "FT.ALIASADD" and alias in self.aliases:
                raise redis.ResponseError("Alias already exists")
            self.aliases[alias] = index
            return b"OK"
        raise redis.ResponseError("unknown command '%s'" % _s(args[0]))

    def ft_debug(self, name, rest):
        if name != self.debug:
            # What the open-source server answers (redis-py drops the "ERR " prefix).
            raise redis.ResponseError("unknown command '%s', with args beginning with: %s"
                                      % (name, " ".join("'%s'" % _s(a) for a in rest)))
        if _s(rest[0]).upper() != "VECSIM_INFO":
            raise redis.ResponseError("Unknown subcommand")
        self.resolve(_s(rest[1]))
        self.background_polls += 1
        # Still moving vectors on the first poll, done after it.
        busy = 1 if self.background_polls == 1 else 0
        return [b"ALGORITHM", b"TIERED", b"TIERED_SVS_TRAINING_THRESHOLD", 10240,
                b"BACKGROUND_INDEXING", busy, b"MEMORY", 1572864,
                b"FRONTEND_INDEX", [b"ALGORITHM", b"FLAT", b"INDEX_SIZE", 0],
                b"BACKEND_INDEX", [b"ALGORITHM", b"SVS", b"INDEX_SIZE", 30]]

    def add_index(self, name, prefixes, field, algorithm, attrs, others=()):
        self.indexes[name] = {"prefixes": prefixes, "field": field, "algorithm": algorithm,
                              "attrs": attrs, "others": list(others), "key_type": "HASH"}

    def ft_create(self, t):
        name = t[0]
        if name in self.indexes:
            raise redis.ResponseError("Index already exists")
        n = int(t[4])
        prefixes = t[5:5 + n]
        schema = t[t.index("SCHEMA") + 1:]
        v = schema.index("VECTOR")
        field = schema[v - 1]
        count = int(schema[v + 2])
        pairs = schema[v + 3:v + 3 + count]
        attrs = {pairs[i].lower(): pairs[i + 1] for i in range(0, count, 2)}
        others = []
        i = 0
        while i < v - 1:
            fname, kind = schema[i], schema[i + 1]
            others.append((fname, kind))
            i += {"TAG": 4, "TEXT": 4, "NUMERIC": 2}[kind]
        self.add_index(name, prefixes, field, "SVS-VAMANA", attrs, others)
        return b"OK"

    def resolve(self, name):
        name = self.aliases.get(name, name)
        if name not in self.indexes:
            raise redis.ResponseError("Unknown index name")
        return name

    def ft_info(self, name):
        real = self.resolve(name)
        idx = self.indexes[real]
        a = idx["attrs"]
        vec = [b"identifier", _b(idx["field"]), b"attribute", _b(idx["field"]), b"type", b"VECTOR",
               b"algorithm", _b(idx["algorithm"]), b"data_type", _b(a["type"]), b"dim", int(a["dim"]),
               b"distance_metric", _b(a["distance_metric"])]
        if idx["algorithm"] == "HNSW":
            vec += [b"M", int(a["m"]), b"ef_construction", int(a["ef_construction"])]
        else:
            compression = a.get("compression", "NO_COMPRESSION")
            if self.compression_reported and "compression" in a:
                compression = self.compression_reported
            vec += [b"graph_max_degree", int(a["graph_max_degree"]),
                    b"construction_window_size", int(a["construction_window_size"]),
                    b"compression", _b(compression)]
            if "training_threshold" in a:
                vec += [b"training_threshold", int(a["training_threshold"])]
        attributes = [vec]
        for fname, kind in idx["others"]:
            entry = [b"identifier", _b(fname), b"attribute", _b(fname), b"type", _b(kind)]
            if kind == "TAG":
                entry += [b"SEPARATOR", b","]
            if kind == "TEXT":
                entry += [b"WEIGHT", b"1"]
            attributes.append(entry)
        docs = len(self.docs(real))
        self.polls += 1
        done = idx["algorithm"] == "HNSW" or self.polls > 2
        return [b"index_name", _b(real), b"index_options", [],
                b"index_definition", [b"key_type", b"HASH", b"prefixes", [_b(p) for p in idx["prefixes"]],
                                      b"default_score", b"1"],
                b"attributes", attributes, b"num_docs", docs, b"max_doc_id", docs,
                b"hash_indexing_failures", 0, b"indexing", 0 if done else 1,
                b"percent_indexed", b"1" if done else b"0.5", b"vector_index_sz_mb", b"1.5"]

    def docs(self, index):
        idx = self.indexes[index]
        return [k for k in self.data if any(k.startswith(_b(p)) for p in idx["prefixes"])]

    def ft_search(self, name, query, rest):
        real = self.resolve(name)
        idx = self.indexes[real]
        assert query.startswith("*=>[KNN "), query
        words = query.rstrip("]").split()
        params = {words[i].upper(): words[i + 1] for i in range(len(words) - 1)}
        if "SEARCH_BUFFER_CAPACITY" in params and "SEARCH_WINDOW_SIZE" in params:
            if int(params["SEARCH_BUFFER_CAPACITY"]) < int(params["SEARCH_WINDOW_SIZE"]):
                # The real server aborts (SIGABRT) here; so does this one.
                self.aborted = True
                raise redis.ConnectionError("Connection closed by server (SIGABRT)")
        fmt, size = SIZES[idx["attrs"]["type"]]
        rest = list(rest)
        blob = rest[rest.index("vec") + 1]
        k = int(rest[rest.index("LIMIT") + 2])
        dim = len(blob) // size
        q = struct.unpack("<%d%s" % (dim, fmt), blob)
        scored = []
        for key in self.docs(real):
            raw = self.data[key].get(_b(idx["field"]))
            if raw is None or len(raw) != dim * size:
                continue
            v = struct.unpack("<%d%s" % (dim, fmt), raw)
            scored.append((sum((x - y) ** 2 for x, y in zip(q, v)), key))
        scored.sort()
        hits = [key for _, key in scored[:k]]
        return [len(hits)] + hits
