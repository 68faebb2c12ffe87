//! NumPy `.npy` files, format versions 1.0, 2.0 and 3.0.
//!
//! Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length (u16 LE for
//! v1, u32 LE for v2/v3), then a Python literal dict with `descr`, `fortran_order` and `shape`
//! (latin-1 text for v1/v2, UTF-8 for v3), then the raw data.
//!
//! Decisions:
//! * Only 1-d (one vector / one ground-truth row) and 2-d arrays are accepted.
//! * `fortran_order: True` 2-d arrays are transposed into row-major order (friendlier than an
//!   error; the transposition is noted in [`SourceInfo::notes`]).
//! * The data must be exactly as long as the shape says: shorter is
//!   [`FormatError::DeclaredShapeTooLarge`], longer is [`FormatError::TrailingBytes`]. The
//!   declared size is computed with checked arithmetic and compared with the bytes present
//!   before anything is allocated.

use crate::dtype::{self, Dtype, ID_DTYPES, VECTOR_DTYPES};
use crate::error::FormatError;
use crate::format::Format;
use crate::model::{NeighborFile, ParseOptions, SourceInfo, VectorFile};
use crate::pyliteral::{self, PyValue};

/// The first six bytes of every `.npy` file.
pub(crate) const NPY_MAGIC: [u8; 6] = *b"\x93NUMPY";

const SHAPE_EXPECTED: &str = "expected a 1-d (one vector) or 2-d (rows x dim) array";

/// A validated header plus the data bytes it describes.
struct NpyArray<'a> {
    dtype: Dtype,
    fortran_order: bool,
    rows: usize,
    cols: usize,
    data: &'a [u8],
}

/// Parses a `.npy` file holding vectors.
pub fn parse_npy_vectors(bytes: &[u8], options: &ParseOptions) -> Result<VectorFile, FormatError> {
    let array = read_array(bytes, options, Dtype::is_vector_type, VECTOR_DTYPES)?;
    let (rows, dim) = (array.rows, array.cols);
    let mut stored = Vec::with_capacity(rows * dim);
    dtype::decode_f32(array.data, array.dtype, &mut stored);
    let mut source = SourceInfo::new(Format::Npy, array.dtype.descr());
    let data = if array.fortran_order && rows > 1 {
        source
            .notes
            .push("transposed from Fortran (column-major) order".to_owned());
        transpose(&stored, rows, dim)
    } else {
        stored
    };
    Ok(VectorFile::plain(rows, dim, data, source))
}

/// Parses a `.npy` file holding integer ground-truth ids (`rows` × `k`).
pub fn parse_npy_neighbors(
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<NeighborFile, FormatError> {
    let array = read_array(bytes, options, Dtype::is_id_type, ID_DTYPES)?;
    let (rows, k) = (array.rows, array.cols);
    let mut stored = Vec::with_capacity(rows * k);
    let fortran = array.fortran_order;
    dtype::decode_ids(array.data, array.dtype, &mut stored, |i| {
        if fortran {
            (i % rows, i / rows)
        } else {
            (i / k, i % k)
        }
    })?;
    let mut source = SourceInfo::new(Format::Npy, array.dtype.descr());
    let flat = if fortran && rows > 1 {
        source
            .notes
            .push("transposed from Fortran (column-major) order".to_owned());
        transpose(&stored, rows, k)
    } else {
        stored
    };
    let ids = flat.chunks_exact(k).map(<[u32]>::to_vec).collect();
    Ok(NeighborFile {
        rows,
        k,
        ids,
        source,
    })
}

/// Reorders column-major `rows` × `cols` values into row-major order.
fn transpose<T: Copy + Default>(column_major: &[T], rows: usize, cols: usize) -> Vec<T> {
    let mut out = vec![T::default(); rows * cols];
    for (c, column) in column_major.chunks_exact(rows).enumerate() {
        for (r, &value) in column.iter().enumerate() {
            if let Some(slot) = out.get_mut(r * cols + c) {
                *slot = value;
            }
        }
    }
    out
}

fn read_array<'a>(
    bytes: &'a [u8],
    options: &ParseOptions,
    accepts: fn(Dtype) -> bool,
    expected_dtypes: &'static str,
) -> Result<NpyArray<'a>, FormatError> {
    options.check_bytes(bytes.len())?;
    let (header, data_offset) = split_header(bytes)?;
    let dict = pyliteral::parse(header, data_offset as u64 - header.len() as u64)?;
    let fields = HeaderFields::from_dict(dict, header_is_utf8(bytes))?;

    let dtype = Dtype::parse(&fields.descr)
        .filter(|&d| accepts(d))
        .ok_or_else(|| FormatError::UnsupportedDtype {
            descr: fields.descr.clone(),
            expected: expected_dtypes,
        })?;
    let (rows, cols) = match fields.shape.as_slice() {
        [cols] => (1, *cols),
        [rows, cols] => (*rows, *cols),
        _ => {
            return Err(FormatError::UnsupportedShape {
                shape: fields.shape,
                expected: SHAPE_EXPECTED,
            })
        }
    };
    let overflow = || FormatError::ShapeOverflow {
        shape: fields.shape.clone(),
    };
    let values = rows.checked_mul(cols).ok_or_else(overflow)?;
    let declared_bytes = values.checked_mul(dtype.size as u64).ok_or_else(overflow)?;
    let data = bytes.get(data_offset..).unwrap_or(&[]);
    let available_bytes = data.len() as u64;
    if declared_bytes > available_bytes {
        return Err(FormatError::DeclaredShapeTooLarge {
            declared_bytes,
            available_bytes,
        });
    }
    if rows == 0 {
        return Err(FormatError::ZeroRows);
    }
    if cols == 0 {
        return Err(FormatError::ZeroDim);
    }
    if declared_bytes < available_bytes {
        return Err(FormatError::TrailingBytes {
            byte_offset: data_offset as u64 + declared_bytes,
            extra_bytes: available_bytes - declared_bytes,
        });
    }
    options.check_values(values)?;
    // Both fit in usize now: their product is at most the input length.
    let rows = usize::try_from(rows).map_err(|_| overflow())?;
    let cols = usize::try_from(cols).map_err(|_| overflow())?;
    Ok(NpyArray {
        dtype,
        fortran_order: fields.fortran_order,
        rows,
        cols,
        data,
    })
}

/// Checks magic and version and returns the header text and the offset where data starts.
fn split_header(bytes: &[u8]) -> Result<(&[u8], usize), FormatError> {
    let got_bytes = bytes.len() as u64;
    let truncated = |expected_bytes: u64| FormatError::TruncatedHeader {
        expected_bytes,
        got_bytes,
    };
    let prefix = bytes.get(..6).unwrap_or(bytes);
    if !NPY_MAGIC.starts_with(prefix) {
        let mut found = [0u8; 6];
        for (slot, &b) in found.iter_mut().zip(prefix) {
            *slot = b;
        }
        return Err(FormatError::BadMagic { found });
    }
    let (major, minor) = match (bytes.get(6), bytes.get(7)) {
        (Some(&major), Some(&minor)) => (major, minor),
        _ => return Err(truncated(10)),
    };
    if !(1..=3).contains(&major) || minor != 0 {
        return Err(FormatError::UnsupportedNpyVersion { major, minor });
    }
    let (len_bytes, start) = if major == 1 { (2, 10) } else { (4, 12) };
    let len_field = bytes.get(8..start).ok_or_else(|| truncated(start as u64))?;
    let header_len = len_field
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    debug_assert_eq!(len_field.len(), len_bytes);
    let end = start as u64 + header_len;
    if end > got_bytes {
        return Err(truncated(end));
    }
    let end = end as usize;
    let header = bytes.get(start..end).ok_or_else(|| truncated(end as u64))?;
    Ok((header, end))
}

fn header_is_utf8(bytes: &[u8]) -> bool {
    bytes.get(6) == Some(&3)
}

struct HeaderFields {
    descr: String,
    fortran_order: bool,
    shape: Vec<u64>,
}

impl HeaderFields {
    fn from_dict(dict: PyValue, utf8: bool) -> Result<Self, FormatError> {
        let PyValue::Dict(entries) = dict else {
            return Err(FormatError::BadHeaderValue {
                key: "header",
                expected: "a dict",
                found: dict.kind(),
            });
        };
        let (mut descr, mut fortran_order, mut shape) = (None, None, None);
        for (key, value) in entries {
            let PyValue::Str(key) = key else { continue };
            match key.as_slice() {
                b"descr" => descr = Some(value),
                b"fortran_order" => fortran_order = Some(value),
                b"shape" => shape = Some(value),
                _ => {}
            }
        }
        let descr = match descr.ok_or(FormatError::HeaderMissingKey { key: "descr" })? {
            PyValue::Str(raw) => decode_text(raw, utf8)?,
            PyValue::List(_) => {
                return Err(FormatError::UnsupportedDtype {
                    descr: "a structured (record) dtype".to_owned(),
                    expected: VECTOR_DTYPES,
                })
            }
            other => return Err(field_type_error("descr", "a string", &other)),
        };
        let fortran_order = match fortran_order.ok_or(FormatError::HeaderMissingKey {
            key: "fortran_order",
        })? {
            PyValue::Bool(b) => b,
            other => return Err(field_type_error("fortran_order", "True or False", &other)),
        };
        let shape = match shape.ok_or(FormatError::HeaderMissingKey { key: "shape" })? {
            PyValue::Tuple(items) => items
                .iter()
                .map(|item| match item {
                    PyValue::Int(n) => Ok(*n),
                    other => Err(field_type_error("shape", "a tuple of integers", other)),
                })
                .collect::<Result<Vec<u64>, _>>()?,
            other => return Err(field_type_error("shape", "a tuple of integers", &other)),
        };
        Ok(Self {
            descr,
            fortran_order,
            shape,
        })
    }
}

fn field_type_error(key: &'static str, expected: &'static str, found: &PyValue) -> FormatError {
    FormatError::BadHeaderValue {
        key,
        expected,
        found: found.kind(),
    }
}

fn decode_text(raw: Vec<u8>, utf8: bool) -> Result<String, FormatError> {
    if utf8 {
        String::from_utf8(raw).map_err(|_| FormatError::HeaderEncoding { encoding: "UTF-8" })
    } else {
        // Latin-1: every byte is the code point of the same value.
        Ok(raw.into_iter().map(char::from).collect())
    }
}

/// Builds a `.npy` file (version 1.0 unless the header needs more than 65535 bytes). Used by
/// tests and by callers that export vectors.
pub fn write_npy(descr: &str, shape: &[usize], fortran_order: bool, data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape_text = match dims.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", dims.join(", ")),
    };
    let order = if fortran_order { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape_text}, }}");
    let v1 = header.len() + 11 < 65536;
    let prefix = if v1 { 10 } else { 12 };
    // Pad with spaces so that data starts on a 64-byte boundary, ending with a newline.
    let total = (prefix + header.len() + 1).div_ceil(64) * 64;
    header.push_str(&" ".repeat(total - prefix - header.len() - 1));
    header.push('\n');
    let mut out = Vec::with_capacity(total + data.len());
    out.extend_from_slice(&NPY_MAGIC);
    if v1 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32_bytes(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn round_trips_2d_f32() {
        let file = write_npy("<f4", &[2, 3], false, &f32_bytes(&[1., 2., 3., 4., 5., 6.]));
        let parsed = parse_npy_vectors(&file, &ParseOptions::default()).unwrap();
        assert_eq!((parsed.rows, parsed.dim), (2, 3));
        assert_eq!(parsed.data, vec![1., 2., 3., 4., 5., 6.]);
        assert_eq!(parsed.source.dtype, "<f4");
    }

    #[test]
    fn transposes_fortran_order() {
        // Column-major storage of [[1, 2, 3], [4, 5, 6]].
        let file = write_npy("<f4", &[2, 3], true, &f32_bytes(&[1., 4., 2., 5., 3., 6.]));
        let parsed = parse_npy_vectors(&file, &ParseOptions::default()).unwrap();
        assert_eq!(parsed.data, vec![1., 2., 3., 4., 5., 6.]);
        assert_eq!(parsed.source.notes.len(), 1);
    }

    #[test]
    fn one_d_is_one_vector() {
        let file = write_npy("|u1", &[4], false, &[1, 2, 3, 4]);
        let parsed = parse_npy_vectors(&file, &ParseOptions::default()).unwrap();
        assert_eq!((parsed.rows, parsed.dim), (1, 4));
    }

    #[test]
    fn version_3_utf8_header() {
        let mut file = write_npy("<f4", &[1, 1], false, &f32_bytes(&[7.0]));
        // Rewrite as v2 framing with version byte 3 (same u32 length field).
        let header = file[10..file.len() - 4].to_vec();
        let mut v3 = NPY_MAGIC.to_vec();
        v3.extend_from_slice(&[3, 0]);
        v3.extend_from_slice(&(header.len() as u32).to_le_bytes());
        v3.extend_from_slice(&header);
        v3.extend_from_slice(&f32_bytes(&[7.0]));
        file = v3;
        let parsed = parse_npy_vectors(&file, &ParseOptions::default()).unwrap();
        assert_eq!(parsed.data, vec![7.0]);
    }

    #[test]
    fn neighbors_from_i8_fortran() {
        let ids: Vec<u8> = [0i64, 2, 1, 3]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let file = write_npy("<i8", &[2, 2], true, &ids);
        let gt = parse_npy_neighbors(&file, &ParseOptions::default()).unwrap();
        assert_eq!(gt.ids, vec![vec![0, 1], vec![2, 3]]);
    }

    #[test]
    fn value_limit_is_enforced() {
        let file = write_npy("<f4", &[2, 3], false, &f32_bytes(&[0.0; 6]));
        let err = parse_npy_vectors(&file, &ParseOptions::with_limits(1 << 20, 5)).unwrap_err();
        assert_eq!(
            err,
            FormatError::TooManyValues {
                values: 6,
                limit: 5
            }
        );
    }
}
