//! Pure parsers for vector files: `.npy`, `.fvecs`/`.bvecs`/`.ivecs`, JSON, CSV/TSV and ground
//! truth, all over `&[u8]` (no I/O, no panics on any input, builds for wasm32).
//!
//! ```
//! use annlab_formats::{detect, inspect, parse_vectors, Format, ParseOptions};
//!
//! let bytes = b"1,0\n0.6,0.8\n";
//! let format = detect("vectors.csv", bytes);
//! assert_eq!(format, Format::Csv);
//! let file = parse_vectors(format, bytes, &ParseOptions::default()).unwrap();
//! assert_eq!((file.rows, file.dim), (2, 2));
//! assert!(inspect(&file).unit_normalized);
//! ```
//!
//! Allocation is bounded: inputs longer than [`ParseOptions::max_bytes`] are refused up front,
//! binary headers are checked against the bytes actually present before anything is allocated,
//! and no parser produces more than [`ParseOptions::max_values`] values.

mod delimited;
mod dtype;
mod error;
mod format;
mod inspect;
mod json;
mod model;
mod npy;
mod pyliteral;
mod vecs;

use std::io::Read;

pub use delimited::{parse_delimited_vectors, parse_projector_metadata};
pub use error::FormatError;
pub use format::{detect, Format};
pub use inspect::{
    inspect, DataReport, Finding, MetricKind, RowList, Severity, MAX_LISTED_ROWS,
    UNIT_NORM_TOLERANCE,
};
pub use json::parse_json_vectors;
pub use model::{NeighborFile, ParseOptions, SourceInfo, VectorFile};
pub use npy::{parse_npy_neighbors, parse_npy_vectors, write_npy};
pub use vecs::{parse_ivecs_neighbors, parse_vecs_vectors, write_fvecs};

/// Parses vectors stored in `format`.
pub fn parse_vectors(
    format: Format,
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<VectorFile, FormatError> {
    match format {
        Format::Npy => parse_npy_vectors(bytes, options),
        Format::Fvecs | Format::Bvecs | Format::Ivecs => parse_vecs_vectors(format, bytes, options),
        Format::Json => parse_json_vectors(bytes, options),
        Format::Csv | Format::Tsv => parse_delimited_vectors(format, bytes, options),
        Format::Unknown => Err(FormatError::UnknownFormat {
            name: String::new(),
        }),
    }
}

/// Parses ground truth (`.ivecs` or an integer `.npy`).
pub fn parse_neighbors(
    format: Format,
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<NeighborFile, FormatError> {
    match format {
        Format::Npy => parse_npy_neighbors(bytes, options),
        Format::Ivecs => parse_ivecs_neighbors(bytes, options),
        other => Err(FormatError::NotGroundTruthFormat {
            format: other.name(),
        }),
    }
}

/// Detects the format from `name` and the bytes, then parses vectors.
pub fn parse_named_vectors(
    name: &str,
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<VectorFile, FormatError> {
    match detect(name, bytes) {
        Format::Unknown => Err(FormatError::UnknownFormat {
            name: name.to_owned(),
        }),
        format => parse_vectors(format, bytes, options),
    }
}

/// Reads all of `reader`, refusing more than `max_bytes` (without buffering past the limit).
pub fn read_limited(reader: impl Read, max_bytes: u64) -> Result<Vec<u8>, FormatError> {
    let mut bytes = Vec::new();
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(FormatError::TooLarge {
            bytes: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    Ok(bytes)
}
