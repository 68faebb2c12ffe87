//! TEXMEX `.fvecs` / `.bvecs` / `.ivecs`: per row a little-endian i32 dimension `d`, then `d`
//! values (f32, u8 or i32). Every row must have the same dimension.

use crate::dtype::{self, Dtype};
use crate::error::FormatError;
use crate::format::Format;
use crate::model::{NeighborFile, ParseOptions, SourceInfo, VectorFile};

/// One row located in the file: its dimension and value bytes.
struct RawRow<'a> {
    index: usize,
    values: &'a [u8],
}

/// Walks the rows of a TEXMEX file, checking every length before slicing.
struct Rows<'a> {
    bytes: &'a [u8],
    offset: usize,
    index: usize,
    elem_size: usize,
    dim: Option<usize>,
}

impl<'a> Rows<'a> {
    fn new(bytes: &'a [u8], elem_size: usize) -> Self {
        Self {
            bytes,
            offset: 0,
            index: 0,
            elem_size,
            dim: None,
        }
    }

    fn next_row(&mut self) -> Result<Option<RawRow<'a>>, FormatError> {
        let rest = self.bytes.get(self.offset..).unwrap_or(&[]);
        if rest.is_empty() {
            return Ok(None);
        }
        let byte_offset = self.offset as u64;
        let (row, available_bytes) = (self.index, rest.len() as u64);
        let Some(dim_bytes) = rest.first_chunk::<4>() else {
            return Err(FormatError::TruncatedVector {
                row,
                byte_offset,
                expected_bytes: 4,
                available_bytes,
            });
        };
        let found = i32::from_le_bytes(*dim_bytes);
        let found = usize::try_from(found).map_err(|_| FormatError::NegativeDimension {
            row,
            byte_offset,
            found: i64::from(found),
        })?;
        match self.dim {
            None if found == 0 => return Err(FormatError::ZeroDim),
            Some(expected) if expected != found => {
                return Err(FormatError::DimensionChanged {
                    row,
                    byte_offset,
                    expected,
                    found,
                })
            }
            _ => {}
        }
        // `found` < 2^31 and elem_size <= 4, so this cannot overflow u64.
        let expected_bytes = 4 + found as u64 * self.elem_size as u64;
        if expected_bytes > available_bytes {
            return Err(FormatError::TruncatedVector {
                row,
                byte_offset,
                expected_bytes,
                available_bytes,
            });
        }
        let end = 4 + found * self.elem_size;
        let values = rest.get(4..end).unwrap_or(&[]);
        self.dim = Some(found);
        self.offset += end;
        self.index += 1;
        Ok(Some(RawRow { index: row, values }))
    }

    /// Upper bound on the row count once the first row's size is known.
    fn estimated_rows(&self) -> usize {
        let row_bytes = 4 + self.dim.unwrap_or(0) * self.elem_size;
        self.bytes.len() / row_bytes.max(1)
    }
}

fn element(format: Format) -> Option<Dtype> {
    match format {
        Format::Fvecs => Some(Dtype::F32_LE),
        Format::Bvecs => Some(Dtype::U8),
        Format::Ivecs => Some(Dtype::I32_LE),
        _ => None,
    }
}

/// Parses `.fvecs`, `.bvecs` or `.ivecs` (`format` says which) as vectors.
pub fn parse_vecs_vectors(
    format: Format,
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<VectorFile, FormatError> {
    let dtype = element(format).ok_or(FormatError::UnknownFormat {
        name: format.to_string(),
    })?;
    options.check_bytes(bytes.len())?;
    let mut rows = Rows::new(bytes, dtype.size);
    let mut data = Vec::new();
    let mut count = 0;
    while let Some(row) = rows.next_row()? {
        if row.index == 0 {
            let dim = row.values.len() / dtype.size;
            options.check_values((rows.estimated_rows() * dim) as u64)?;
            data.reserve_exact(rows.estimated_rows() * dim);
        }
        dtype::decode_f32(row.values, dtype, &mut data);
        count += 1;
    }
    let dim = rows.dim.ok_or(FormatError::Empty)?;
    Ok(VectorFile::plain(
        count,
        dim,
        data,
        SourceInfo::new(format, dtype.descr()),
    ))
}

/// Parses an `.ivecs` ground-truth file: row `i` lists the ids of query `i`'s neighbours.
pub fn parse_ivecs_neighbors(
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<NeighborFile, FormatError> {
    options.check_bytes(bytes.len())?;
    let mut rows = Rows::new(bytes, 4);
    let mut ids = Vec::new();
    while let Some(row) = rows.next_row()? {
        let k = row.values.len() / 4;
        if row.index == 0 {
            options.check_values((rows.estimated_rows() * k) as u64)?;
            ids.reserve_exact(rows.estimated_rows());
        }
        let mut out = Vec::with_capacity(k);
        dtype::decode_ids(row.values, Dtype::I32_LE, &mut out, |i| (row.index, i))?;
        ids.push(out);
    }
    let k = rows.dim.ok_or(FormatError::Empty)?;
    let source = SourceInfo::new(Format::Ivecs, Dtype::I32_LE.descr());
    Ok(NeighborFile {
        rows: ids.len(),
        k,
        ids,
        source,
    })
}

/// Encodes rows as `.fvecs`. Used by tests and exporters.
pub fn write_fvecs(dim: usize, data: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 4 + data.len() / dim.max(1) * 4);
    for row in data.chunks(dim.max(1)) {
        out.extend_from_slice(&(row.len() as i32).to_le_bytes());
        for v in row {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_fvecs() {
        let bytes = write_fvecs(3, &[1., 2., 3., 4., 5., 6.]);
        let file = parse_vecs_vectors(Format::Fvecs, &bytes, &ParseOptions::default()).unwrap();
        assert_eq!((file.rows, file.dim), (2, 3));
        assert_eq!(file.data, vec![1., 2., 3., 4., 5., 6.]);
    }

    #[test]
    fn bvecs_and_ivecs() {
        let bytes = [2, 0, 0, 0, 7, 255, 2, 0, 0, 0, 0, 1];
        let file = parse_vecs_vectors(Format::Bvecs, &bytes, &ParseOptions::default()).unwrap();
        assert_eq!(file.data, vec![7., 255., 0., 1.]);
        let ivecs: Vec<u8> = [1i32, 5, 1, 9]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let gt = parse_ivecs_neighbors(&ivecs, &ParseOptions::default()).unwrap();
        assert_eq!(gt.ids, vec![vec![5], vec![9]]);
        let vectors = parse_vecs_vectors(Format::Ivecs, &ivecs, &ParseOptions::default()).unwrap();
        assert_eq!(vectors.data, vec![5., 9.]);
    }

    #[test]
    fn huge_declared_dim_does_not_allocate() {
        let bytes = [0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3, 4];
        let err = parse_vecs_vectors(Format::Fvecs, &bytes, &ParseOptions::default());
        assert!(matches!(
            err,
            Err(FormatError::TruncatedVector { row: 0, .. })
        ));
    }
}
