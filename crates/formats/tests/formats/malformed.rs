//! Every file in `tests/malformed/` must give its specific error (or, for files that parse, its
//! specific `inspect` finding) and never panic.

use std::collections::BTreeSet;
use std::path::PathBuf;

use annlab_formats::{
    detect, inspect, parse_named_vectors, parse_neighbors, parse_projector_metadata, FormatError,
    MetricKind, ParseOptions, Severity,
};

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/malformed"
    ))
}

fn read(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn vectors(name: &str) -> FormatError {
    match parse_named_vectors(name, &read(name), &ParseOptions::default()) {
        Ok(file) => panic!(
            "{name}: expected an error, parsed {}x{}",
            file.rows, file.dim
        ),
        Err(err) => err,
    }
}

fn neighbors(name: &str) -> FormatError {
    let bytes = read(name);
    match parse_neighbors(detect(name, &bytes), &bytes, &ParseOptions::default()) {
        Ok(file) => panic!("{name}: expected an error, parsed {}x{}", file.rows, file.k),
        Err(err) => err,
    }
}

fn projector(name: &str, rows: usize) -> FormatError {
    match parse_projector_metadata(&read(name), rows) {
        Ok(meta) => panic!("{name}: expected an error, parsed {} rows", meta.len()),
        Err(err) => err,
    }
}

/// Parses `name` (which must succeed) and returns the error findings for `metric`.
fn error_findings(name: &str, metric: MetricKind) -> Vec<(&'static str, Vec<usize>)> {
    let file = parse_named_vectors(name, &read(name), &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{name}: should parse, got {e}"));
    inspect(&file)
        .findings(metric)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.code, f.rows))
        .collect()
}

macro_rules! expect {
    ($name:literal, $got:expr, $($pattern:tt)+) => {{
        let err = $got;
        assert!(matches!(err, $($pattern)+), "{}: unexpected error {:?} ({err})", $name, err);
        eprintln!("{:<36} {err}", $name);
        // The message is shown to users: it must say something.
        assert!(err.to_string().len() > 10, "{}: message too short: {err}", $name);
        $name
    }};
}

/// Checks every corpus file and returns the names covered.
fn check_all() -> Vec<&'static str> {
    use FormatError as E;
    vec![
        // .npy
        expect!("empty.npy", vectors("empty.npy"), E::Empty),
        expect!(
            "bad_magic.npy",
            vectors("bad_magic.npy"),
            E::BadMagic {
                found: [0x93, b'N', b'U', b'M', b'P', b'X']
            }
        ),
        expect!(
            "not_npy_text.npy",
            vectors("not_npy_text.npy"),
            E::BadMagic { .. }
        ),
        expect!(
            "truncated_prefix.npy",
            vectors("truncated_prefix.npy"),
            E::TruncatedHeader {
                expected_bytes: 10,
                got_bytes: 7
            }
        ),
        expect!(
            "truncated_header.npy",
            vectors("truncated_header.npy"),
            E::TruncatedHeader {
                expected_bytes: 128,
                got_bytes: 40
            }
        ),
        expect!(
            "unsupported_version.npy",
            vectors("unsupported_version.npy"),
            E::UnsupportedNpyVersion { major: 4, minor: 0 }
        ),
        expect!(
            "header_syntax.npy",
            vectors("header_syntax.npy"),
            E::HeaderSyntax { .. }
        ),
        expect!(
            "header_missing_shape.npy",
            vectors("header_missing_shape.npy"),
            E::HeaderMissingKey { key: "shape" }
        ),
        expect!(
            "header_shape_not_tuple.npy",
            vectors("header_shape_not_tuple.npy"),
            E::BadHeaderValue { key: "shape", .. }
        ),
        expect!(
            "v3_bad_utf8.npy",
            vectors("v3_bad_utf8.npy"),
            E::HeaderEncoding { .. }
        ),
        expect!("unsupported_dtype_c16.npy", vectors("unsupported_dtype_c16.npy"), E::UnsupportedDtype { ref descr, .. } if descr == "<c16"),
        expect!(
            "unsupported_dtype_i4_vectors.npy",
            vectors("unsupported_dtype_i4_vectors.npy"),
            E::UnsupportedDtype { .. }
        ),
        expect!(
            "structured_dtype.npy",
            vectors("structured_dtype.npy"),
            E::UnsupportedDtype { .. }
        ),
        expect!("fortran_order_3d.npy", vectors("fortran_order_3d.npy"), E::UnsupportedShape { ref shape, .. } if shape.len() == 3),
        expect!("scalar_0d.npy", vectors("scalar_0d.npy"), E::UnsupportedShape { ref shape, .. } if shape.is_empty()),
        expect!("zero_rows.npy", vectors("zero_rows.npy"), E::ZeroRows),
        expect!("zero_dim.npy", vectors("zero_dim.npy"), E::ZeroDim),
        expect!(
            "huge_declared_shape.npy",
            vectors("huge_declared_shape.npy"),
            E::DeclaredShapeTooLarge {
                declared_bytes: 4_000_000_000_000_000,
                available_bytes: 16
            }
        ),
        expect!(
            "shape_overflow.npy",
            vectors("shape_overflow.npy"),
            E::ShapeOverflow { .. }
        ),
        expect!(
            "npy_data_truncated.npy",
            vectors("npy_data_truncated.npy"),
            E::DeclaredShapeTooLarge {
                declared_bytes: 64,
                available_bytes: 60
            }
        ),
        expect!(
            "npy_trailing_bytes.npy",
            vectors("npy_trailing_bytes.npy"),
            E::TrailingBytes {
                byte_offset: 136,
                extra_bytes: 4
            }
        ),
        expect!(
            "gt_float_dtype.npy",
            neighbors("gt_float_dtype.npy"),
            E::UnsupportedDtype { .. }
        ),
        expect!(
            "gt_negative_id.npy",
            neighbors("gt_negative_id.npy"),
            E::NegativeId {
                row: 1,
                column: 1,
                value: -1
            }
        ),
        expect!(
            "gt_id_too_large.npy",
            neighbors("gt_id_too_large.npy"),
            E::IdOutOfRange {
                row: 0,
                column: 1,
                value: 8_589_934_592
            }
        ),
        // TEXMEX
        expect!(
            "fvecs_dim_changes.fvecs",
            vectors("fvecs_dim_changes.fvecs"),
            E::DimensionChanged {
                row: 2,
                byte_offset: 32,
                expected: 3,
                found: 2
            }
        ),
        expect!(
            "fvecs_truncated_last.fvecs",
            vectors("fvecs_truncated_last.fvecs"),
            E::TruncatedVector {
                row: 1,
                byte_offset: 16,
                expected_bytes: 16,
                available_bytes: 14
            }
        ),
        expect!(
            "fvecs_truncated_dim.fvecs",
            vectors("fvecs_truncated_dim.fvecs"),
            E::TruncatedVector {
                row: 1,
                expected_bytes: 4,
                available_bytes: 3,
                ..
            }
        ),
        expect!(
            "fvecs_huge_dim.fvecs",
            vectors("fvecs_huge_dim.fvecs"),
            E::TruncatedVector {
                row: 0,
                available_bytes: 12,
                ..
            }
        ),
        expect!(
            "fvecs_negative_dim.fvecs",
            vectors("fvecs_negative_dim.fvecs"),
            E::NegativeDimension {
                row: 0,
                found: -5,
                ..
            }
        ),
        expect!("dim0.fvecs", vectors("dim0.fvecs"), E::ZeroDim),
        expect!(
            "bvecs_truncated.bvecs",
            vectors("bvecs_truncated.bvecs"),
            E::TruncatedVector {
                row: 1,
                byte_offset: 8,
                ..
            }
        ),
        expect!(
            "ivecs_negative_id.ivecs",
            neighbors("ivecs_negative_id.ivecs"),
            E::NegativeId {
                row: 1,
                column: 1,
                value: -7
            }
        ),
        expect!(
            "ivecs_k_changes.ivecs",
            neighbors("ivecs_k_changes.ivecs"),
            E::DimensionChanged {
                row: 1,
                expected: 3,
                found: 2,
                ..
            }
        ),
        // JSON
        expect!("empty.json", vectors("empty.json"), E::Empty),
        expect!(
            "json_empty_array.json",
            vectors("json_empty_array.json"),
            E::ZeroRows
        ),
        expect!(
            "json_mixed_lengths.json",
            vectors("json_mixed_lengths.json"),
            E::VectorLengthChanged {
                row: 1,
                line: 2,
                expected: 3,
                found: 2
            }
        ),
        expect!(
            "json_strings.json",
            vectors("json_strings.json"),
            E::JsonNotANumber {
                row: 0,
                index: 0,
                ..
            }
        ),
        expect!(
            "json_null_in_vector.json",
            vectors("json_null_in_vector.json"),
            E::JsonNotANumber {
                row: 0,
                index: 1,
                ..
            }
        ),
        expect!(
            "json_syntax.json",
            vectors("json_syntax.json"),
            E::Json { line: 2, .. }
        ),
        expect!(
            "json_top_object.json",
            vectors("json_top_object.json"),
            E::JsonStructure { .. }
        ),
        expect!(
            "json_mixed_rows.json",
            vectors("json_mixed_rows.json"),
            E::JsonStructure { .. }
        ),
        expect!(
            "json_no_vector_field.json",
            vectors("json_no_vector_field.json"),
            E::NoVectorField { row: 0, .. }
        ),
        expect!(
            "json_ambiguous.json",
            vectors("json_ambiguous.json"),
            E::AmbiguousVectorField { row: 0, .. }
        ),
        expect!("json_missing_vector.json", vectors("json_missing_vector.json"), E::MissingField { row: 1, line: 2, ref field } if field == "embedding"),
        expect!(
            "json_bad_id.json",
            vectors("json_bad_id.json"),
            E::BadId { row: 0, .. }
        ),
        // CSV / TSV
        expect!("empty.csv", vectors("empty.csv"), E::Empty),
        expect!(
            "csv_empty_field.csv",
            vectors("csv_empty_field.csv"),
            E::NotANumber { line: 3, column: 2, ref text } if text.is_empty()
        ),
        expect!(
            "csv_ragged.csv",
            vectors("csv_ragged.csv"),
            E::RaggedRow {
                line: 3,
                expected: 3,
                found: 2
            }
        ),
        expect!("csv_not_a_number.csv", vectors("csv_not_a_number.csv"), E::NotANumber { line: 3, column: 3, ref text } if text == "four"),
        expect!(
            "csv_unclosed_quote.csv",
            vectors("csv_unclosed_quote.csv"),
            E::UnclosedQuote { line: 2 }
        ),
        expect!(
            "csv_header_only.csv",
            vectors("csv_header_only.csv"),
            E::ZeroRows
        ),
        expect!(
            "csv_no_numeric.csv",
            vectors("csv_no_numeric.csv"),
            E::NoNumericColumns
        ),
        expect!(
            "csv_not_utf8.csv",
            vectors("csv_not_utf8.csv"),
            E::NotUtf8 { line: 1 }
        ),
        expect!(
            "csv_blank_line_then_bad.csv",
            vectors("csv_blank_line_then_bad.csv"),
            E::NotANumber {
                line: 4,
                column: 2,
                ..
            }
        ),
        expect!(
            "tsv_ragged.tsv",
            vectors("tsv_ragged.tsv"),
            E::RaggedRow {
                line: 2,
                expected: 2,
                found: 3
            }
        ),
        expect!(
            "projector_metadata_count.tsv",
            projector("projector_metadata_count.tsv", 3),
            E::MetadataRowCount {
                expected: 3,
                found: 2
            }
        ),
        expect!(
            "projector_metadata_ragged.tsv",
            projector("projector_metadata_ragged.tsv", 2),
            E::RaggedRow {
                line: 3,
                expected: 2,
                found: 1
            }
        ),
    ]
}

#[test]
fn every_malformed_file_gives_its_specific_error() {
    let mut covered: BTreeSet<&str> = check_all().into_iter().collect();

    // Files that parse but must be flagged by the data checks.
    assert_eq!(
        error_findings("nan.npy", MetricKind::L2),
        vec![("nan", vec![0])]
    );
    assert_eq!(
        error_findings("nan.csv", MetricKind::L2),
        vec![("nan", vec![1, 2])]
    );
    assert_eq!(
        error_findings("inf.fvecs", MetricKind::L2),
        vec![("inf", vec![1])]
    );
    assert_eq!(
        error_findings("zero_vector.fvecs", MetricKind::Cosine),
        vec![("zero_vector", vec![1])]
    );
    assert!(error_findings("zero_vector.fvecs", MetricKind::L2).is_empty());
    covered.extend(["nan.npy", "nan.csv", "inf.fvecs", "zero_vector.fvecs"]);

    let on_disk: BTreeSet<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "README.md" && name != "make_corpus.py")
        .collect();
    let covered: BTreeSet<String> = covered.into_iter().map(str::to_owned).collect();
    assert_eq!(on_disk, covered, "corpus files and test table differ");
    assert!(
        covered.len() >= 25,
        "corpus has only {} files",
        covered.len()
    );
}
