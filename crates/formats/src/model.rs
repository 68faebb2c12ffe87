//! The common output of every parser and the options they share.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::FormatError;
use crate::format::Format;

/// Vectors read from a file: `rows` × `dim` values, row-major.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VectorFile {
    pub rows: usize,
    pub dim: usize,
    /// Row-major, `rows * dim` values converted to f32.
    pub data: Vec<f32>,
    pub source: SourceInfo,
    /// One id per row when the file names its rows (JSON id field, CSV id column).
    pub ids: Option<Vec<String>>,
    /// One text per row when the file has a text/title field or column.
    pub texts: Option<Vec<String>>,
    /// Remaining per-row fields (JSON object fields, CSV string columns); `None` if there are none.
    pub metadata: Option<Vec<Map<String, Value>>>,
}

impl VectorFile {
    /// Row `i`, or `None` past the end.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        let start = i.checked_mul(self.dim)?;
        self.data.get(start..start.checked_add(self.dim)?)
    }

    pub(crate) fn plain(rows: usize, dim: usize, data: Vec<f32>, source: SourceInfo) -> Self {
        Self {
            rows,
            dim,
            data,
            source,
            ids: None,
            texts: None,
            metadata: None,
        }
    }
}

/// Where the vectors came from and how they were stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    pub format: Format,
    /// NumPy-style element type of the file, e.g. `"<f4"`, `">f2"`, `"|u1"`; `"text"` for
    /// numbers written as text (JSON, CSV).
    pub dtype: String,
    /// What the parser did beyond plain decoding, e.g. transposing a Fortran-order array.
    pub notes: Vec<String>,
}

impl SourceInfo {
    pub(crate) fn new(format: Format, dtype: impl Into<String>) -> Self {
        Self {
            format,
            dtype: dtype.into(),
            notes: Vec::new(),
        }
    }
}

/// Ground truth: for each query row, the ids of its exact nearest base rows, nearest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeighborFile {
    pub rows: usize,
    pub k: usize,
    pub ids: Vec<Vec<u32>>,
    pub source: SourceInfo,
}

/// Limits and column choices shared by all parsers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Refuse inputs longer than this many bytes ([`FormatError::TooLarge`]).
    pub max_bytes: u64,
    /// Refuse files holding more values than this ([`FormatError::TooManyValues`]); this bounds
    /// the output allocation to `4 * max_values` bytes plus per-row metadata.
    pub max_values: u64,
    /// JSON: the field holding the vector; `None` = auto-detect.
    pub vector_field: Option<String>,
    /// JSON field / CSV column holding the row id; `None` = auto (`id`, `_id`, `key`).
    pub id_field: Option<String>,
    /// JSON field / CSV column holding the row text; `None` = auto (`text`, `title`).
    pub text_field: Option<String>,
    /// CSV/TSV: whether the first row is a header; `None` = auto (a non-numeric first row).
    pub header: Option<bool>,
}

impl ParseOptions {
    /// Default limits: 2 GiB of input and 2^28 values (1 GiB of f32). A browser tab should
    /// lower both to what it can hold.
    pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;
    pub const DEFAULT_MAX_VALUES: u64 = 1 << 28;

    /// Options with the given limits and automatic column choices.
    pub fn with_limits(max_bytes: u64, max_values: u64) -> Self {
        Self {
            max_bytes,
            max_values,
            ..Self::default()
        }
    }

    pub(crate) fn check_bytes(&self, len: usize) -> Result<(), FormatError> {
        let bytes = len as u64;
        if bytes > self.max_bytes {
            return Err(FormatError::TooLarge {
                bytes,
                limit: self.max_bytes,
            });
        }
        if bytes == 0 {
            return Err(FormatError::Empty);
        }
        Ok(())
    }

    pub(crate) fn check_values(&self, values: u64) -> Result<(), FormatError> {
        if values > self.max_values {
            return Err(FormatError::TooManyValues {
                values,
                limit: self.max_values,
            });
        }
        Ok(())
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_values: Self::DEFAULT_MAX_VALUES,
            vector_field: None,
            id_field: None,
            text_field: None,
            header: None,
        }
    }
}

/// Auto-detected id field/column names, in order of preference.
pub(crate) const ID_NAMES: [&str; 3] = ["id", "_id", "key"];
/// Auto-detected text field/column names, in order of preference.
pub(crate) const TEXT_NAMES: [&str; 2] = ["text", "title"];
