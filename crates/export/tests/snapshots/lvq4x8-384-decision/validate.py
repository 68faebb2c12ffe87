#!/usr/bin/env python3
"""Recall table of the SVS-VAMANA index against the HNSW index, measured on the server.

Read-only. Runs the same KNN queries on both indexes (documents sampled from the index with a
fixed seed, or your own query vectors with --queries FILE, a JSON list of float lists) and
prints recall@k of SVS vs HNSW and client latencies, per SEARCH_WINDOW_SIZE:

  python3 validate.py --url redis://localhost:6379 --windows 20,40,80
  REDIS_URL=rediss://user:pass@host:port python3 validate.py --queries queries.json

  python3 validate.py --search-window 40 --buffer-capacity 80

--buffer-capacity sends SEARCH_BUFFER_CAPACITY with every SVS query. A capacity below any
window is refused with exit code 2 before anything is sent: Redis aborts (SIGABRT) on such a
query instead of answering it.

It uses the plan inside migrate.py: keep both files in the same directory. The exit code is
migrate.py's (0 ok, 2 refused request, 8 recall below the threshold, 3 connection, ...).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import migrate  # noqa: E402


if __name__ == "__main__":
    sys.exit(migrate.main(["validate"] + sys.argv[1:]))
