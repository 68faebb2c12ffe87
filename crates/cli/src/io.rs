//! Reading vector and ground-truth files, writing neighbour files.
//!
//! Formats are detected by `annlab-formats` from the file name and first bytes. Outputs are
//! chosen by extension: `.npy` (NumPy v1.0, little-endian) or `.ivecs`/`.fvecs` (TEXMEX).

use std::path::Path;

use annlab_core::Matrix;
use annlab_formats::{NeighborFile, ParseOptions, VectorFile};
use anyhow::{bail, Context, Result};

/// Reads and parses a vector file; `what` names it in error messages ("base", "queries").
pub fn read_vectors(path: &Path, what: &str) -> Result<VectorFile> {
    let bytes = read_bytes(path, what)?;
    annlab_formats::parse_named_vectors(&file_name(path), &bytes, &ParseOptions::default())
        .with_context(|| format!("cannot parse {what} file {}", path.display()))
}

/// Reads a vector file as a matrix, values as they are (`compare` hands them to
/// `annlab_protocol::prepare`, which drops unusable rows and reports them).
pub fn read_raw_matrix(path: &Path, what: &str) -> Result<Matrix> {
    let file = read_vectors(path, what)?;
    Matrix::new(file.dim, file.data)
        .with_context(|| format!("{what} file {} has an invalid shape", path.display()))
}

/// Reads a vector file as a matrix, refusing NaN/Inf values (they make every distance
/// meaningless; `annlab inspect` lists the rows).
pub fn read_matrix(path: &Path, what: &str) -> Result<Matrix> {
    let matrix = read_raw_matrix(path, what)?;
    if let Some((row, col)) = matrix.find_non_finite() {
        bail!(
            "{what} file {}: row {row} has a NaN or infinite value at column {col} (run `annlab inspect` for details)",
            path.display()
        );
    }
    Ok(matrix)
}

/// Reads ground truth (`.ivecs` or an integer `.npy`).
pub fn read_neighbors(path: &Path) -> Result<NeighborFile> {
    let bytes = read_bytes(path, "ground-truth")?;
    let name = file_name(path);
    let format = annlab_formats::detect(&name, &bytes);
    annlab_formats::parse_neighbors(format, &bytes, &ParseOptions::default())
        .with_context(|| format!("cannot parse ground-truth file {}", path.display()))
}

/// Checks that queries have the base's dimension.
pub fn check_same_dim(base: &Matrix, queries: &Matrix) -> Result<()> {
    if base.dim() != queries.dim() {
        bail!(
            "dimension mismatch: the base vectors have dimension {}, the queries {}",
            base.dim(),
            queries.dim()
        );
    }
    Ok(())
}

fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open {what} file {}", path.display()))?;
    annlab_formats::read_limited(file, ParseOptions::DEFAULT_MAX_BYTES)
        .with_context(|| format!("cannot read {what} file {}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Writes `rows` (each of the same length) of ids as `.npy` (`<i4`) or `.ivecs`.
pub fn write_ids(path: &Path, rows: &[Vec<u32>]) -> Result<()> {
    let cols = rows.first().map_or(0, Vec::len);
    let mut values = Vec::with_capacity(rows.len() * cols);
    for row in rows {
        for &id in row {
            let id = i32::try_from(id).with_context(|| format!("id {id} does not fit in int32"))?;
            values.push(id);
        }
    }
    let bytes = match extension(path).as_str() {
        "npy" => annlab_formats::write_npy(
            "<i4",
            &[rows.len(), cols],
            false,
            &values
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
        ),
        "ivecs" => texmex(cols, values.iter().map(|v| v.to_le_bytes())),
        other => bail!(
            "cannot write ids to {}: unsupported extension `{other}` (use .npy or .ivecs)",
            path.display()
        ),
    };
    write(path, &bytes)
}

/// Writes distances as `.npy` (`<f4`) or `.fvecs`.
pub fn write_distances(path: &Path, rows: &[Vec<f32>]) -> Result<()> {
    let cols = rows.first().map_or(0, Vec::len);
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    let bytes = match extension(path).as_str() {
        "npy" => annlab_formats::write_npy(
            "<f4",
            &[rows.len(), cols],
            false,
            &flat
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
        ),
        "fvecs" => annlab_formats::write_fvecs(cols, &flat),
        other => bail!(
            "cannot write distances to {}: unsupported extension `{other}` (use .npy or .fvecs)",
            path.display()
        ),
    };
    write(path, &bytes)
}

/// TEXMEX rows: each row an i32 count then `cols` 4-byte values.
fn texmex(cols: usize, values: impl Iterator<Item = [u8; 4]>) -> Vec<u8> {
    let mut out = Vec::new();
    let header = (cols as i32).to_le_bytes();
    for (i, v) in values.enumerate() {
        if i % cols.max(1) == 0 {
            out.extend_from_slice(&header);
        }
        out.extend_from_slice(&v);
    }
    out
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_npy_and_ivecs() {
        let dir = std::env::temp_dir().join(format!("annlab-cli-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rows = vec![vec![3u32, 1, 2], vec![0, 9, 7]];
        for name in ["gt.npy", "gt.ivecs"] {
            let path = dir.join(name);
            write_ids(&path, &rows).unwrap();
            let back = read_neighbors(&path).unwrap();
            assert_eq!(back.ids, rows, "{name}");
        }
        assert!(write_ids(&dir.join("gt.txt"), &rows).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
