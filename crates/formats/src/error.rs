//! The one error type of the parsers.
//!
//! Positions follow one convention everywhere: `row` is a 0-based vector index (the same number
//! the vector gets as its id), `line` and `column` are 1-based like a text editor shows them, and
//! `byte_offset` is a 0-based offset into the file. Display texts are shown to end users in the
//! browser, so they say what was found and what was expected in plain words.

use thiserror::Error;

/// Why a file could not be read as vectors or ground truth.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum FormatError {
    // ---- general -------------------------------------------------------------------------
    #[error("the file is empty")]
    Empty,
    #[error("the file holds no vectors (0 rows)")]
    ZeroRows,
    #[error("the vectors have dimension 0")]
    ZeroDim,
    /// `bytes` is the input size (at least `limit + 1` when read from a stream that was cut).
    #[error("the file is too large: {bytes} bytes, the limit is {limit} bytes")]
    TooLarge { bytes: u64, limit: u64 },
    /// `values` is the declared count, or the count reached when text parsing stopped.
    #[error("the file has too many values: {values}, the limit is {limit}")]
    TooManyValues { values: u64, limit: u64 },
    #[error("could not tell the file format{}; use .npy, .fvecs, .bvecs, .ivecs, .json, .csv or .tsv", quoted(.name))]
    UnknownFormat { name: String },
    #[error("{format} files cannot hold ground truth; use .ivecs or an integer .npy")]
    NotGroundTruthFormat { format: &'static str },
    #[error("could not read the file: {message}")]
    Io { message: String },

    // ---- .npy ----------------------------------------------------------------------------
    #[error("not a .npy file: it starts with bytes {} instead of 93 4e 55 4d 50 59 (\\x93NUMPY)", hex(.found))]
    BadMagic { found: [u8; 6] },
    #[error("the .npy header is cut short: expected {expected_bytes} bytes, the file has only {got_bytes}")]
    TruncatedHeader { expected_bytes: u64, got_bytes: u64 },
    #[error("unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)")]
    UnsupportedNpyVersion { major: u8, minor: u8 },
    #[error("the .npy header is not valid text ({encoding})")]
    HeaderEncoding { encoding: &'static str },
    #[error("malformed .npy header at byte {byte_offset}: expected {expected}, found {found:?}")]
    HeaderSyntax {
        byte_offset: u64,
        expected: &'static str,
        found: String,
    },
    #[error("the .npy header has no '{key}' entry")]
    HeaderMissingKey { key: &'static str },
    #[error("the .npy header entry '{key}' should be {expected}, found {found}")]
    BadHeaderValue {
        key: &'static str,
        expected: &'static str,
        found: &'static str,
    },
    #[error("unsupported data type '{descr}' (supported: {expected})")]
    UnsupportedDtype {
        descr: String,
        expected: &'static str,
    },
    #[error("unsupported array shape {shape:?}: {expected}")]
    UnsupportedShape {
        shape: Vec<u64>,
        expected: &'static str,
    },
    #[error("the declared shape {shape:?} is too large to describe in bytes")]
    ShapeOverflow { shape: Vec<u64> },
    #[error("the header declares {declared_bytes} bytes of data, but only {available_bytes} bytes follow it")]
    DeclaredShapeTooLarge {
        declared_bytes: u64,
        available_bytes: u64,
    },
    #[error("{extra_bytes} unexpected bytes after the data, starting at byte {byte_offset}")]
    TrailingBytes { byte_offset: u64, extra_bytes: u64 },

    // ---- .fvecs / .bvecs / .ivecs ----------------------------------------------------------
    #[error("row {row} (byte {byte_offset}) has a negative dimension {found}")]
    NegativeDimension {
        row: usize,
        byte_offset: u64,
        found: i64,
    },
    #[error(
        "row {row} (byte {byte_offset}) has dimension {found}, but earlier rows have {expected}"
    )]
    DimensionChanged {
        row: usize,
        byte_offset: u64,
        expected: usize,
        found: usize,
    },
    #[error("row {row} (byte {byte_offset}) is cut short: it needs {expected_bytes} bytes, only {available_bytes} remain")]
    TruncatedVector {
        row: usize,
        byte_offset: u64,
        expected_bytes: u64,
        available_bytes: u64,
    },

    // ---- ground truth --------------------------------------------------------------------
    #[error("ground truth row {row}, position {column}: negative id {value}")]
    NegativeId {
        row: usize,
        column: usize,
        value: i64,
    },
    #[error("ground truth row {row}, position {column}: id {value} is larger than 4294967295")]
    IdOutOfRange {
        row: usize,
        column: usize,
        value: u64,
    },

    // ---- JSON ----------------------------------------------------------------------------
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unexpected JSON at line {line}, column {column}: expected {expected}, found {found}")]
    JsonStructure {
        line: usize,
        column: usize,
        expected: &'static str,
        found: String,
    },
    #[error("row {row} (line {line}): expected a number at position {index}, found {found}")]
    JsonNotANumber {
        row: usize,
        line: usize,
        index: usize,
        found: String,
    },
    #[error("row {row} (line {line}) has {found} values, but earlier rows have {expected}")]
    VectorLengthChanged {
        row: usize,
        line: usize,
        expected: usize,
        found: usize,
    },
    #[error("row {row} (line {line}) has no vector field{}", hint(.candidates))]
    NoVectorField {
        row: usize,
        line: usize,
        candidates: Vec<String>,
    },
    #[error("row {row} (line {line}) has several number-array fields ({}); name the vector field", .fields.join(", "))]
    AmbiguousVectorField {
        row: usize,
        line: usize,
        fields: Vec<String>,
    },
    #[error("row {row} (line {line}) has no '{field}' field")]
    MissingField {
        row: usize,
        line: usize,
        field: String,
    },
    #[error("row {row} (line {line}): the id field '{field}' must be a string or an integer, found {found}")]
    BadId {
        row: usize,
        line: usize,
        field: String,
        found: String,
    },

    // ---- CSV / TSV -----------------------------------------------------------------------
    #[error("line {line} has {found} field{}, but the first row has {expected}", plural(*.found))]
    RaggedRow {
        line: usize,
        expected: usize,
        found: usize,
    },
    #[error("line {line}, column {column}: expected a number, found {text:?}")]
    NotANumber {
        line: usize,
        column: usize,
        text: String,
    },
    #[error("line {line}: a quoted field is never closed")]
    UnclosedQuote { line: usize },
    #[error("line {line} is not valid UTF-8 text")]
    NotUtf8 { line: usize },
    #[error("no column named '{name}' in the header ({})", .header.join(", "))]
    NoSuchColumn { name: String, header: Vec<String> },
    #[error("the file has no numeric columns to use as the vector")]
    NoNumericColumns,
    #[error("the metadata has {found} rows, but there are {expected} vectors")]
    MetadataRowCount { expected: usize, found: usize },
}

fn hex(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(" ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn quoted(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" of '{name}'")
    }
}

fn hint(candidates: &[String]) -> String {
    if candidates.is_empty() {
        " (no field holds an array of numbers)".to_owned()
    } else {
        format!(" (fields: {})", candidates.join(", "))
    }
}

impl From<std::io::Error> for FormatError {
    fn from(err: std::io::Error) -> Self {
        Self::Io {
            message: err.to_string(),
        }
    }
}
