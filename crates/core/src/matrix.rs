//! A dense row-major f32 matrix: the in-memory form of a data set or a query set.

use crate::error::CoreError;

/// Row-major `rows × dim` f32 matrix.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matrix {
    dim: usize,
    data: Vec<f32>,
}

impl Matrix {
    /// Wraps `data` as rows of `dim` components.
    pub fn new(dim: usize, data: Vec<f32>) -> Result<Self, CoreError> {
        if dim == 0 {
            return Err(CoreError::ZeroDimension);
        }
        if !data.len().is_multiple_of(dim) {
            return Err(CoreError::RaggedData {
                len: data.len(),
                dim,
            });
        }
        Ok(Self { dim, data })
    }

    /// An empty matrix with the given dimension.
    pub fn with_dim(dim: usize) -> Result<Self, CoreError> {
        Self::new(dim, Vec::new())
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn rows(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Row `i`. Out-of-range rows give an empty slice rather than a panic.
    #[inline]
    pub fn row(&self, i: usize) -> &[f32] {
        let start = i * self.dim;
        self.data.get(start..start + self.dim).unwrap_or(&[])
    }

    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [f32] {
        let start = i * self.dim;
        self.data
            .get_mut(start..start + self.dim)
            .unwrap_or(&mut [])
    }

    pub fn iter_rows(&self) -> impl ExactSizeIterator<Item = &[f32]> + '_ {
        self.data.chunks_exact(self.dim)
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// Appends a row, checking its length.
    pub fn push_row(&mut self, row: &[f32]) -> Result<(), CoreError> {
        if row.len() != self.dim {
            return Err(CoreError::DimensionMismatch {
                expected: self.dim,
                got: row.len(),
            });
        }
        self.data.extend_from_slice(row);
        Ok(())
    }

    /// A new matrix holding the given rows, in order.
    pub fn select_rows(&self, ids: &[usize]) -> Result<Self, CoreError> {
        let mut out = Vec::with_capacity(ids.len() * self.dim);
        for &id in ids {
            if id >= self.rows() {
                return Err(CoreError::IdOutOfRange {
                    id,
                    len: self.rows(),
                });
            }
            out.extend_from_slice(self.row(id));
        }
        Self::new(self.dim, out)
    }

    /// The first row with a NaN or infinite component, if any.
    pub fn find_non_finite(&self) -> Option<(usize, usize)> {
        let pos = self.data.iter().position(|v| !v.is_finite())?;
        Some((pos / self.dim, pos % self.dim))
    }
}
