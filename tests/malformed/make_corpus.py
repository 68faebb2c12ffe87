#!/usr/bin/env python3
"""Regenerates the malformed-file corpus and its README table.

Usage: python3 tests/malformed/make_corpus.py   (writes next to this script)

Each entry is (file name, how the test reads it, expected result, why). The Rust test
`crates/formats/tests/malformed.rs` asserts the exact error variant for every file; keep the
two lists in step. Only the standard library is used (no numpy), so the bytes are explicit.
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = b"\x93NUMPY"


def npy(header: str, data: bytes = b"", version=(1, 0), raw_header: bytes = None) -> bytes:
    """A .npy file with the given header dict text (padded to 64 bytes, newline-terminated)."""
    body = raw_header if raw_header is not None else header.encode("latin-1")
    prefix = 10 if version[0] == 1 else 12
    total = -(-(prefix + len(body) + 1) // 64) * 64
    body = body + b" " * (total - prefix - len(body) - 1) + b"\n"
    if version[0] == 1:
        length = struct.pack("<H", len(body))
    else:
        length = struct.pack("<I", len(body))
    return MAGIC + bytes(version) + length + body + data


def hdr(descr: str, shape: str, fortran: bool = False) -> str:
    return "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr,
        "True" if fortran else "False",
        shape,
    )


def f32(*values) -> bytes:
    return struct.pack("<%df" % len(values), *values)


def vecs_row(fmt: str, values) -> bytes:
    return struct.pack("<i", len(values)) + struct.pack("<%d%s" % (len(values), fmt), *values)


def fvecs(*rows) -> bytes:
    return b"".join(vecs_row("f", r) for r in rows)


def ivecs(*rows) -> bytes:
    return b"".join(vecs_row("i", r) for r in rows)


VALID_HEADER = npy(hdr("<f4", "(2, 3)"), f32(1, 2, 3, 4, 5, 6))

# (file, reader, expected, why). reader: vectors | neighbors | projector:<rows> | inspect:<metric>
CORPUS = [
    # ---- .npy -------------------------------------------------------------------------------
    ("empty.npy", b"", "vectors", "Empty", "zero bytes"),
    ("bad_magic.npy", b"\x93NUMPX" + VALID_HEADER[6:], "vectors", "BadMagic", "magic is \\x93NUMPX"),
    ("not_npy_text.npy", b"hello world, this is text\n", "vectors", "BadMagic", "a text file named .npy"),
    ("truncated_prefix.npy", MAGIC + b"\x01", "vectors", "TruncatedHeader", "file ends inside the version bytes"),
    ("truncated_header.npy", VALID_HEADER[:40], "vectors", "TruncatedHeader", "header length says 118 bytes, file ends at 40"),
    ("unsupported_version.npy", npy(hdr("<f4", "(1, 1)"), f32(1), version=(4, 0)), "vectors", "UnsupportedNpyVersion", "format version 4.0"),
    ("header_syntax.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ", f32(1, 2, 3, 4, 5, 6)), "vectors", "HeaderSyntax", "dict never closed"),
    ("header_missing_shape.npy", npy("{'descr': '<f4', 'fortran_order': False}", f32(1)), "vectors", "HeaderMissingKey", "no 'shape' key"),
    ("header_shape_not_tuple.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': 'big'}", f32(1)), "vectors", "BadHeaderValue", "'shape' is a string"),
    ("v3_bad_utf8.npy", npy("", f32(1), version=(3, 0), raw_header=b"{'descr': '<f4\xff', 'fortran_order': False, 'shape': (1,), }"), "vectors", "HeaderEncoding", "v3 header with invalid UTF-8"),
    ("unsupported_dtype_c16.npy", npy(hdr("<c16", "(1, 2)"), b"\0" * 32), "vectors", "UnsupportedDtype", "complex128"),
    ("unsupported_dtype_i4_vectors.npy", npy(hdr("<i4", "(1, 2)"), b"\0" * 8), "vectors", "UnsupportedDtype", "int32 is accepted for ground truth only"),
    ("structured_dtype.npy", npy("{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,), }", f32(1, 2)), "vectors", "UnsupportedDtype", "record dtype"),
    ("fortran_order_3d.npy", npy(hdr("<f4", "(2, 2, 2)", fortran=True), f32(*range(8))), "vectors", "UnsupportedShape", "3-d array (Fortran order)"),
    ("scalar_0d.npy", npy(hdr("<f4", "()"), f32(1)), "vectors", "UnsupportedShape", "0-d scalar"),
    ("zero_rows.npy", npy(hdr("<f4", "(0, 4)")), "vectors", "ZeroRows", "shape (0, 4)"),
    ("zero_dim.npy", npy(hdr("<f4", "(3, 0)")), "vectors", "ZeroDim", "shape (3, 0)"),
    ("huge_declared_shape.npy", npy(hdr("<f4", "(1000000000, 1000000)"), f32(1, 2, 3, 4)), "vectors", "DeclaredShapeTooLarge", "declares 4e15 bytes, has 16"),
    ("shape_overflow.npy", npy(hdr("<f8", "(1099511627776, 1099511627776)"), f32(1)), "vectors", "ShapeOverflow", "rows*dim*8 overflows 64 bits"),
    ("npy_data_truncated.npy", npy(hdr("<f4", "(4, 4)"), f32(*range(15))), "vectors", "DeclaredShapeTooLarge", "one value short"),
    ("npy_trailing_bytes.npy", npy(hdr("<f4", "(1, 2)"), f32(1, 2, 3)), "vectors", "TrailingBytes", "4 bytes after the data"),
    ("nan.npy", npy(hdr("<f4", "(2, 2)"), f32(1, float("nan"), 0.5, 0.5)), "inspect:l2", "finding nan", "parses; row 0 has NaN"),
    ("gt_float_dtype.npy", npy(hdr("<f4", "(1, 2)"), f32(1, 2)), "neighbors", "UnsupportedDtype", "ground truth must be integers"),
    ("gt_negative_id.npy", npy(hdr("<i4", "(2, 2)"), struct.pack("<4i", 0, 1, 2, -1)), "neighbors", "NegativeId", "row 1, position 1 is -1"),
    ("gt_id_too_large.npy", npy(hdr("<i8", "(1, 2)"), struct.pack("<2q", 1, 1 << 33)), "neighbors", "IdOutOfRange", "id 2^33 does not fit u32"),
    # ---- .fvecs / .bvecs / .ivecs -------------------------------------------------------------
    ("fvecs_dim_changes.fvecs", fvecs([1, 2, 3], [4, 5, 6], [7, 8]), "vectors", "DimensionChanged", "row 2 has d=2, earlier rows d=3"),
    ("fvecs_truncated_last.fvecs", fvecs([1, 2, 3], [4, 5, 6])[:-2], "vectors", "TruncatedVector", "last row 2 bytes short"),
    ("fvecs_truncated_dim.fvecs", fvecs([1, 2]) + b"\x02\x00\x00", "vectors", "TruncatedVector", "3 stray bytes where a dimension should be"),
    ("fvecs_huge_dim.fvecs", struct.pack("<i", 2**31 - 1) + f32(1, 2), "vectors", "TruncatedVector", "d = 2^31-1 with 8 bytes of data"),
    ("fvecs_negative_dim.fvecs", struct.pack("<i", -5) + f32(1), "vectors", "NegativeDimension", "d = -5"),
    ("dim0.fvecs", struct.pack("<i", 0) * 3, "vectors", "ZeroDim", "d = 0"),
    ("bvecs_truncated.bvecs", struct.pack("<i", 4) + b"\x01\x02\x03\x04" + struct.pack("<i", 4) + b"\x01", "vectors", "TruncatedVector", "second row has 1 of 4 bytes"),
    ("inf.fvecs", fvecs([1, 2], [float("inf"), 0], [3, 4]), "inspect:l2", "finding inf", "parses; row 1 has +inf"),
    ("zero_vector.fvecs", fvecs([0.6, 0.8], [0, 0]), "inspect:cosine", "finding zero_vector", "parses; row 1 is all zeros (error for cosine)"),
    ("ivecs_negative_id.ivecs", ivecs([3, 1, 2], [0, -7, 4]), "neighbors", "NegativeId", "row 1, position 1 is -7"),
    ("ivecs_k_changes.ivecs", ivecs([3, 1, 2], [0, 4]), "neighbors", "DimensionChanged", "k changes from 3 to 2"),
    # ---- JSON ---------------------------------------------------------------------------------
    ("empty.json", b"  \n", "vectors", "Empty", "whitespace only"),
    ("json_empty_array.json", b"[]", "vectors", "ZeroRows", "no rows"),
    ("json_mixed_lengths.json", b"[[0.1, 0.2, 0.3],\n [0.4, 0.5]]\n", "vectors", "VectorLengthChanged", "row 1 has 2 values, row 0 has 3"),
    ("json_strings.json", b'[["0.1", "0.2"]]\n', "vectors", "JsonNotANumber", "numbers written as strings"),
    ("json_null_in_vector.json", b'[{"id": "a", "vector": [0.1, null]}]\n', "vectors", "JsonNotANumber", "null inside a vector"),
    ("json_syntax.json", b"[[1, 2],\n [3, 4,]]\n", "vectors", "Json", "trailing comma (line 2)"),
    ("json_top_object.json", b'{"vectors": [[1, 2]]}\n', "vectors", "JsonStructure", "top level is an object"),
    ("json_mixed_rows.json", b'[[1, 2], {"vector": [3, 4]}]\n', "vectors", "JsonStructure", "array row then object row"),
    ("json_no_vector_field.json", b'[{"id": 1, "name": "x", "tags": ["a"], "more": []}]\n', "vectors", "NoVectorField", "no field holds a number array"),
    ("json_ambiguous.json", b'[{"a": [1, 2], "b": [3, 4]}]\n', "vectors", "AmbiguousVectorField", "two number-array fields, neither a known name"),
    ("json_missing_vector.json", b'[{"id": "a", "embedding": [1, 2]},\n {"id": "b"}]\n', "vectors", "MissingField", "row 1 lacks 'embedding'"),
    ("json_bad_id.json", b'[{"id": {"x": 1}, "embedding": [1, 2]}]\n', "vectors", "BadId", "id is an object"),
    # ---- CSV / TSV ----------------------------------------------------------------------------
    ("empty.csv", b"", "vectors", "Empty", "zero bytes"),
    ("csv_empty_field.csv", b"x,y\n1,2\n3,\n", "vectors", "NotANumber", "line 3, column 2 is empty"),
    ("csv_ragged.csv", b"1,2,3\n4,5,6\n7,8\n", "vectors", "RaggedRow", "line 3 has 2 fields"),
    ("csv_not_a_number.csv", b"id,x,y\na,1,2\nb,3,four\n", "vectors", "NotANumber", "line 3, column 3 is 'four'"),
    ("csv_unclosed_quote.csv", b'id,x\n"a,1\n', "vectors", "UnclosedQuote", "quote opened on line 2 never closed"),
    ("csv_header_only.csv", b"x,y,z\n", "vectors", "ZeroRows", "header without data"),
    ("csv_no_numeric.csv", b"name,genre\nalpha,drama\n", "vectors", "NoNumericColumns", "only text columns"),
    ("csv_not_utf8.csv", b"id\xff,x\na,1\n", "vectors", "NotUtf8", "header is not UTF-8"),
    ("csv_blank_line_then_bad.csv", b"x,y\n1,2\n\n3,four\n", "vectors", "NotANumber", "line 4 (blank line counted)"),
    ("nan.csv", b"0.1,0.2\nnan,0.3\n0.4,NaN\n", "inspect:l2", "finding nan", "parses; rows 1 and 2 have NaN"),
    ("tsv_ragged.tsv", b"1\t2\n3\t4\t5\n", "vectors", "RaggedRow", "line 2 has 3 fields"),
    ("projector_metadata_count.tsv", b"title\tgenre\nA\tdrama\nB\tcomedy\n", "projector:3", "MetadataRowCount", "2 metadata rows for 3 vectors"),
    ("projector_metadata_ragged.tsv", b"title\tgenre\nA\tdrama\nB\n", "projector:2", "RaggedRow", "line 3 has 1 field"),
]


def main() -> None:
    names = set()
    for name, data, *_ in CORPUS:
        assert name not in names, name
        names.add(name)
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    lines = [
        "# Malformed vector files",
        "",
        "Generated by `python3 tests/malformed/make_corpus.py` (do not edit by hand; the files are",
        "committed too). `crates/formats/tests/malformed.rs` reads every file and asserts the exact",
        "`FormatError` variant, or for files that parse, the `inspect` finding.",
        "",
        "Readers: `vectors` = `parse_named_vectors`; `neighbors` = `parse_neighbors`; `projector:N` =",
        "`parse_projector_metadata(bytes, N)`; `inspect:METRIC` = parse, then",
        "`inspect(..).findings(METRIC)` must contain the named error.",
        "",
        "| file | bytes | reader | expected | what is wrong |",
        "|---|---|---|---|---|",
    ]
    for name, data, reader, expected, why in CORPUS:
        lines.append(f"| `{name}` | {len(data)} | {reader} | `{expected}` | {why} |")
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(CORPUS)} files")


if __name__ == "__main__":
    main()
