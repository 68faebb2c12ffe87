#!/usr/bin/env python3
"""Derive the bundled sample datasets in www/sample/ from ../shared/data (dependency-free).

- netflix-2k.f16.npy: 2,000 rows of netflix-minilm (384-d, unit norm) as little-endian float16,
  rows spread evenly over the base (row i*8575//2000), plus netflix-2k.meta.json with one
  {title, type, year, genres} record per row.
- siftsmall-2k.bvecs: the first 2,000 SIFT base vectors as uint8 .bvecs (SIFT values are
  integers 0..255, so this is lossless).
- manifest.json: what the app's sample picker lists.

Usage (from the repo root): python3 scripts/make-sample.py [--data ../shared/data]
"""

import argparse
import ast
import json
import os
import struct
import sys

SAMPLE_ROWS = 2000


def read_npy_f32(path):
    """Returns (rows, dim, flat list of floats) for a C-order little-endian float32 .npy v1."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:6] != b"\x93NUMPY":
        sys.exit(f"{path}: not a .npy file")
    major = blob[6]
    if major == 1:
        (hlen,) = struct.unpack_from("<H", blob, 8)
        start = 10
    else:
        (hlen,) = struct.unpack_from("<I", blob, 8)
        start = 12
    header = ast.literal_eval(blob[start : start + hlen].decode("latin1"))
    if header["descr"] != "<f4" or header["fortran_order"]:
        sys.exit(f"{path}: expected C-order <f4, got {header}")
    rows, dim = header["shape"]
    data = struct.unpack_from(f"<{rows * dim}f", blob, start + hlen)
    return rows, dim, data


def npy_bytes_f16(rows, dim, values):
    header = "{'descr': '<f2', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, dim)
    # Pad so the data starts on a 64-byte boundary, as numpy does (magic 6 + version 2 + len 2).
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    out = bytearray(b"\x93NUMPY\x01\x00")
    out += struct.pack("<H", len(header))
    out += header.encode("latin1")
    out += struct.pack(f"<{len(values)}e", *values)
    return bytes(out)


def make_netflix(data_dir, out_dir):
    src = os.path.join(data_dir, "netflix-minilm")
    rows, dim, data = read_npy_f32(os.path.join(src, "netflix_minilm384_base.npy"))
    with open(os.path.join(src, "netflix_minilm384_meta.json"), encoding="utf-8") as f:
        meta = json.load(f)["base"]
    picked = [i * rows // SAMPLE_ROWS for i in range(SAMPLE_ROWS)]
    values = []
    records = []
    for r in picked:
        values.extend(data[r * dim : (r + 1) * dim])
        m = meta[r]
        records.append(
            {
                "title": m.get("title"),
                "type": m.get("type"),
                "year": m.get("release_year"),
                "genres": ", ".join(m.get("genres") or []),
            }
        )
    name = f"netflix-{SAMPLE_ROWS // 1000}k"
    with open(os.path.join(out_dir, f"{name}.f16.npy"), "wb") as f:
        f.write(npy_bytes_f16(SAMPLE_ROWS, dim, values))
    with open(os.path.join(out_dir, f"{name}.meta.json"), "w", encoding="utf-8") as f:
        json.dump({"source_rows": picked, "rows": records}, f, ensure_ascii=False, separators=(",", ":"))
    return {
        "id": name,
        "label": f"Netflix titles, MiniLM 384-d ({SAMPLE_ROWS:,} rows, FP16, cosine)",
        "vectors": f"sample/{name}.f16.npy",
        "meta": f"sample/{name}.meta.json",
        "metric": "cosine",
        "rows": SAMPLE_ROWS,
        "dim": dim,
    }


def make_sift(data_dir, out_dir):
    path = os.path.join(data_dir, "siftsmall", "siftsmall_base.fvecs")
    with open(path, "rb") as f:
        blob = f.read()
    out = bytearray()
    offset = 0
    dim = 0
    for _ in range(SAMPLE_ROWS):
        (dim,) = struct.unpack_from("<i", blob, offset)
        vals = struct.unpack_from(f"<{dim}f", blob, offset + 4)
        offset += 4 + 4 * dim
        if any(v != int(v) or not 0 <= v <= 255 for v in vals):
            sys.exit("siftsmall: value not representable as uint8")
        out += struct.pack("<i", dim)
        out += bytes(int(v) for v in vals)
    name = f"siftsmall-{SAMPLE_ROWS // 1000}k"
    with open(os.path.join(out_dir, f"{name}.bvecs"), "wb") as f:
        f.write(out)
    return {
        "id": name,
        "label": f"SIFT small 128-d ({SAMPLE_ROWS:,} rows, uint8, L2)",
        "vectors": f"sample/{name}.bvecs",
        "meta": None,
        "metric": "l2",
        "rows": SAMPLE_ROWS,
        "dim": dim,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data"))
    args = ap.parse_args()
    out_dir = os.path.join(repo, "www", "sample")
    os.makedirs(out_dir, exist_ok=True)
    samples = [make_netflix(args.data, out_dir), make_sift(args.data, out_dir)]
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"samples": samples}, f, indent=1)
    for s in samples:
        print(s["id"], s["vectors"])


if __name__ == "__main__":
    main()
