//! What the codec stores share: fixed-stride row records, the loop that encodes every row into
//! them, and the decoding of a stored row as a query origin.

use crate::control::BuildControl;
use crate::store::VectorStore;

use super::error::QuantError;
use super::prep::{report, TrainingInput, CHUNK_ROWS};

/// Every row's record, `stride` bytes each, back to back in row order.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    stride: usize,
    data: Vec<u8>,
}

impl Records {
    /// Encodes every row of `input` into its `stride`-byte record with
    /// `encode(row, values, record)`, reporting "encoding" progress every [`CHUNK_ROWS`] rows.
    pub fn encode<F>(
        input: &TrainingInput<'_>,
        stride: usize,
        control: &mut dyn BuildControl,
        mut encode: F,
    ) -> Result<Self, QuantError>
    where
        F: FnMut(usize, &[f32], &mut [u8]) -> Result<(), QuantError>,
    {
        let total = input.total();
        let mut data = vec![0u8; total * stride];
        for (row, (x, record)) in input
            .rows
            .chunks_exact(input.dim.max(1))
            .zip(data.chunks_exact_mut(stride.max(1)))
            .enumerate()
        {
            encode(row, x, record)?;
            if (row + 1) % CHUNK_ROWS == 0 || row + 1 == total {
                report(control, "encoding", row + 1, total)?;
            }
        }
        Ok(Self { stride, data })
    }

    /// The record of row `id` (empty when out of range).
    #[inline]
    pub fn get(&self, id: u32) -> &[u8] {
        let start = id as usize * self.stride;
        self.data.get(start..start + self.stride).unwrap_or(&[])
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.stride).unwrap_or(0)
    }

    /// Bytes of all records.
    pub fn bytes(&self) -> u64 {
        self.data.len() as u64
    }
}

/// `out = x − mean`, component-wise.
pub(crate) fn centre(x: &[f32], mean: &[f32], out: &mut [f32]) {
    for ((c, &v), &m) in out.iter_mut().zip(x).zip(mean) {
        *c = v - m;
    }
}

/// Decodes row `id` of `store` into `row` as the origin of a row scorer; returns whether the
/// id is out of range (such a scorer answers +∞ for every distance).
pub(crate) fn decode_origin<S: VectorStore>(store: &S, id: u32, row: &mut Vec<f32>) -> bool {
    store.decode_row(id, row);
    id as usize >= store.len()
}
