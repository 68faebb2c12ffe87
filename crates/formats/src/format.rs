//! File formats and their detection from a file name and the first bytes.

use serde::{Deserialize, Serialize};

use crate::npy::NPY_MAGIC;

/// A supported file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// NumPy `.npy` (versions 1.0, 2.0, 3.0).
    Npy,
    /// TEXMEX `.fvecs`: per row an i32 dimension then that many f32 values.
    Fvecs,
    /// TEXMEX `.bvecs`: per row an i32 dimension then that many u8 values.
    Bvecs,
    /// TEXMEX `.ivecs`: per row an i32 dimension then that many i32 values (usually ground truth).
    Ivecs,
    /// JSON: an array of number arrays, or an array of objects holding a vector field.
    Json,
    /// Comma-separated values.
    Csv,
    /// Tab-separated values (also the Embedding Projector vectors file).
    Tsv,
    /// Could not be told apart.
    Unknown,
}

impl Format {
    /// Short lowercase name, as used in file extensions and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Npy => "npy",
            Self::Fvecs => "fvecs",
            Self::Bvecs => "bvecs",
            Self::Ivecs => "ivecs",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Tsv => "tsv",
            Self::Unknown => "unknown",
        }
    }

    /// Whether [`crate::parse_neighbors`] accepts this format.
    pub fn can_hold_ground_truth(self) -> bool {
        matches!(self, Self::Npy | Self::Ivecs)
    }

    fn from_extension(ext: &str) -> Self {
        match ext.to_ascii_lowercase().as_str() {
            "npy" => Self::Npy,
            "fvecs" => Self::Fvecs,
            "bvecs" => Self::Bvecs,
            "ivecs" => Self::Ivecs,
            "json" => Self::Json,
            "csv" => Self::Csv,
            "tsv" | "tab" => Self::Tsv,
            _ => Self::Unknown,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Detects the format of a file from its name and first bytes.
///
/// The `.npy` magic bytes win over the extension; otherwise the extension decides (so a
/// damaged `x.npy` still goes to the `.npy` parser and gets a precise error). Without a known
/// extension (e.g. `.txt`), text is sniffed: a leading `[` means JSON, a tab in the first line
/// TSV, a comma CSV. Binary TEXMEX files cannot be told apart without an extension.
pub fn detect(name: &str, bytes: &[u8]) -> Format {
    if bytes.starts_with(&NPY_MAGIC) {
        return Format::Npy;
    }
    let by_name = name
        .rsplit_once('.')
        .map_or(Format::Unknown, |(_, ext)| Format::from_extension(ext));
    if by_name != Format::Unknown {
        return by_name;
    }
    sniff_text(bytes)
}

fn sniff_text(bytes: &[u8]) -> Format {
    let head = &bytes[..bytes.len().min(4096)];
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => return Format::Json,
        None => return Format::Unknown,
        Some(_) => {}
    }
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or(&[]);
    if first_line.contains(&b'\t') {
        Format::Tsv
    } else if first_line.contains(&b',') {
        Format::Csv
    } else if first_line
        .iter()
        .all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\r')
    {
        // One number per line is a 1-d vector list; treat it as TSV (no delimiter needed).
        Format::Tsv
    } else {
        Format::Unknown
    }
}
