"""What the Redis Stack checks share: the command line run.sh passes and waiting for a node."""

import argparse
import shutil
import time

import redis


def connect():
    """Parses --port and --annlab (both set by run.sh); returns them and a RESP2 client."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--annlab", required=True)
    args = ap.parse_args()
    return args, redis.Redis(host="127.0.0.1", port=args.port, protocol=2)


def wait_for_ping(c, tries=100):
    """Polls a node that was just started until it answers (or `tries` x 0.1 s pass)."""
    for _ in range(tries):
        try:
            c.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.1)


def stop(proc, d):
    """Stops a throw-away node and removes its directory."""
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(d, ignore_errors=True)
