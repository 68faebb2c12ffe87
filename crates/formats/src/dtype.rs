//! Binary element types (NumPy `descr` strings) and their bulk decoding.
//!
//! Decoding is one pass over the bytes into a pre-sized `Vec` (no per-value allocation).

use half::f16;

use crate::error::FormatError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Float,
    Int,
    Uint,
}

/// A fixed-size numeric element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dtype {
    pub kind: Kind,
    pub size: usize,
    pub big_endian: bool,
}

pub(crate) const VECTOR_DTYPES: &str =
    "<f4, <f2, <f8, |u1, |i1 and big-endian >f4, >f2, >f8 for vectors";
pub(crate) const ID_DTYPES: &str = "<i4, <i8, <u4, <u8 (or big-endian) for ground truth ids";

impl Dtype {
    pub(crate) const F32_LE: Self = Self {
        kind: Kind::Float,
        size: 4,
        big_endian: false,
    };
    pub(crate) const U8: Self = Self {
        kind: Kind::Uint,
        size: 1,
        big_endian: false,
    };
    pub(crate) const I32_LE: Self = Self {
        kind: Kind::Int,
        size: 4,
        big_endian: false,
    };

    /// Parses a NumPy `descr` such as `<f4`, `>f8`, `|u1`. `=` (native) is read as little-endian,
    /// the byte order of every platform this crate targets (x86-64, aarch64, wasm32).
    pub(crate) fn parse(descr: &str) -> Option<Self> {
        let bytes = descr.as_bytes();
        let (order, rest) = match bytes.first() {
            Some(&b @ (b'<' | b'>' | b'|' | b'=')) => (b, bytes.get(1..).unwrap_or(&[])),
            _ => (b'=', bytes),
        };
        let (&kind_char, size_digits) = rest.split_first()?;
        let kind = match kind_char {
            b'f' => Kind::Float,
            b'i' => Kind::Int,
            b'u' => Kind::Uint,
            _ => return None,
        };
        let size: usize = std::str::from_utf8(size_digits).ok()?.parse().ok()?;
        if !matches!(size, 1 | 2 | 4 | 8) || (order == b'|' && size != 1) {
            return None;
        }
        Some(Self {
            kind,
            size,
            big_endian: order == b'>' && size > 1,
        })
    }

    /// Whether vectors may be stored in this type.
    pub(crate) fn is_vector_type(self) -> bool {
        matches!(
            (self.kind, self.size),
            (Kind::Float, 2 | 4 | 8) | (Kind::Uint, 1) | (Kind::Int, 1)
        )
    }

    /// Whether ground-truth ids may be stored in this type.
    pub(crate) fn is_id_type(self) -> bool {
        matches!((self.kind, self.size), (Kind::Int | Kind::Uint, 4 | 8))
    }

    /// The canonical NumPy spelling, e.g. `<f4`, `|u1`.
    pub(crate) fn descr(self) -> String {
        let order = if self.size == 1 {
            '|'
        } else if self.big_endian {
            '>'
        } else {
            '<'
        };
        let kind = match self.kind {
            Kind::Float => 'f',
            Kind::Int => 'i',
            Kind::Uint => 'u',
        };
        format!("{order}{kind}{}", self.size)
    }
}

fn extend<const N: usize>(data: &[u8], out: &mut Vec<f32>, convert: impl Fn([u8; N]) -> f32) {
    out.extend(
        data.chunks_exact(N)
            .map(|chunk| <[u8; N]>::try_from(chunk).map_or(0.0, &convert)),
    );
}

/// Appends every element of `data` to `out` as f32. `dtype` must satisfy
/// [`Dtype::is_vector_type`] or be little-endian i32; trailing bytes that do not fill an element are ignored (callers
/// check lengths first).
pub(crate) fn decode_f32(data: &[u8], dtype: Dtype, out: &mut Vec<f32>) {
    let be = dtype.big_endian;
    match (dtype.kind, dtype.size) {
        (Kind::Float, 4) if be => extend(data, out, f32::from_be_bytes),
        (Kind::Float, 4) => extend(data, out, f32::from_le_bytes),
        (Kind::Float, 2) if be => extend(data, out, |b| f16::from_be_bytes(b).to_f32()),
        (Kind::Float, 2) => extend(data, out, |b| f16::from_le_bytes(b).to_f32()),
        // Narrowing f64 to f32 is the intended conversion; values beyond f32 become ±inf and
        // are then reported by `inspect`.
        (Kind::Float, 8) if be => extend(data, out, |b| f64::from_be_bytes(b) as f32),
        (Kind::Float, 8) => extend(data, out, |b| f64::from_le_bytes(b) as f32),
        // Only reachable for `.ivecs` read as vectors; ids up to 2^24 convert exactly.
        (Kind::Int, 4) => extend(data, out, |b| i32::from_le_bytes(b) as f32),
        (Kind::Uint, 1) => out.extend(data.iter().map(|&b| f32::from(b))),
        (Kind::Int, 1) => out.extend(data.iter().map(|&b| f32::from(b as i8))),
        _ => {}
    }
}

/// Decodes ground-truth ids (`dtype` must satisfy [`Dtype::is_id_type`]) into `out`.
/// `position(i)` maps the i-th stored element to its (row, column) for error messages.
pub(crate) fn decode_ids(
    data: &[u8],
    dtype: Dtype,
    out: &mut Vec<u32>,
    position: impl Fn(usize) -> (usize, usize),
) -> Result<(), FormatError> {
    let size = dtype.size;
    for (i, chunk) in data.chunks_exact(size).enumerate() {
        let mut buf = [0u8; 8];
        // Widen to 8 bytes in little-endian order so one conversion serves every width.
        for (j, &b) in chunk.iter().enumerate() {
            let k = if dtype.big_endian { size - 1 - j } else { j };
            if let Some(slot) = buf.get_mut(k) {
                *slot = b;
            }
        }
        let raw = u64::from_le_bytes(buf);
        let value: i128 = match dtype.kind {
            Kind::Int if size == 4 => i128::from(raw as u32 as i32),
            Kind::Int => i128::from(raw as i64),
            _ => i128::from(raw),
        };
        let id = u32::try_from(value).map_err(|_| {
            let (row, column) = position(i);
            if value < 0 {
                FormatError::NegativeId {
                    row,
                    column,
                    value: value as i64,
                }
            } else {
                FormatError::IdOutOfRange {
                    row,
                    column,
                    value: value as u64,
                }
            }
        })?;
        out.push(id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_descr() {
        assert_eq!(Dtype::parse("<f4"), Some(Dtype::F32_LE));
        assert_eq!(Dtype::parse("|u1"), Some(Dtype::U8));
        assert_eq!(
            Dtype::parse(">f2").map(|d| (d.size, d.big_endian)),
            Some((2, true))
        );
        assert_eq!(Dtype::parse(">u1").map(|d| d.big_endian), Some(false));
        assert_eq!(Dtype::parse("<c16"), None);
        assert_eq!(Dtype::parse("|f4"), None);
        assert_eq!(Dtype::parse(""), None);
        assert_eq!(Dtype::parse("<f3"), None);
        assert_eq!(
            Dtype::parse(">i8").map(Dtype::descr).as_deref(),
            Some(">i8")
        );
    }

    #[test]
    fn decodes_every_vector_type() {
        let mut out = Vec::new();
        decode_f32(
            &1.5f32.to_be_bytes(),
            Dtype::parse(">f4").unwrap(),
            &mut out,
        );
        decode_f32(
            &f16::from_f32(-2.0).to_le_bytes(),
            Dtype::parse("<f2").unwrap(),
            &mut out,
        );
        decode_f32(
            &0.25f64.to_be_bytes(),
            Dtype::parse(">f8").unwrap(),
            &mut out,
        );
        decode_f32(&[200, 0xFF], Dtype::parse("|u1").unwrap(), &mut out);
        decode_f32(&[0xFF], Dtype::parse("|i1").unwrap(), &mut out);
        assert_eq!(out, vec![1.5, -2.0, 0.25, 200.0, 255.0, -1.0]);
    }

    #[test]
    fn decodes_ids_and_rejects_negative() {
        let mut out = Vec::new();
        let mut bytes = 7i64.to_be_bytes().to_vec();
        bytes.extend_from_slice(&(-3i64).to_be_bytes());
        let err = decode_ids(&bytes, Dtype::parse(">i8").unwrap(), &mut out, |i| (i, 0));
        assert_eq!(out, vec![7]);
        assert_eq!(
            err,
            Err(FormatError::NegativeId {
                row: 1,
                column: 0,
                value: -3
            })
        );
        let big = (1u64 << 40).to_le_bytes();
        let err = decode_ids(&big, Dtype::parse("<u8").unwrap(), &mut out, |_| (2, 5));
        assert!(matches!(
            err,
            Err(FormatError::IdOutOfRange {
                row: 2,
                column: 5,
                ..
            })
        ));
    }
}
