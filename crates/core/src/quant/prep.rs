//! Input checks and metric preprocessing shared by every codec, plus training statistics.

use std::borrow::Cow;

use crate::control::{BuildControl, Cancelled};
use crate::matrix::Matrix;
use crate::metric::Metric;

use super::error::QuantError;

/// What every codec trains on: the preprocessed rows ([`preprocess`]), their dimension and
/// metric, and how many leading rows train ([`training_count`]); every row is encoded.
#[derive(Debug, Clone, Copy)]
pub struct TrainingInput<'a> {
    pub rows: &'a [f32],
    pub dim: usize,
    pub metric: Metric,
    pub training: usize,
}

impl TrainingInput<'_> {
    /// Number of rows to encode.
    pub fn total(&self) -> usize {
        self.rows.len() / self.dim.max(1)
    }
}

/// Rows per progress report / cancellation check.
pub const CHUNK_ROWS: usize = 1024;

/// The rows as the index stores them: checked for finiteness and, under COSINE, normalised
/// (zero vectors rejected). Borrowed when no normalisation is needed.
pub fn preprocess(data: &Matrix, metric: Metric) -> Result<Cow<'_, [f32]>, QuantError> {
    if data.rows() == 0 {
        return Err(QuantError::Empty);
    }
    if let Some((row, col)) = data.find_non_finite() {
        return Err(QuantError::NonFinite { row, col });
    }
    if !metric.normalizes() {
        return Ok(Cow::Borrowed(data.as_slice()));
    }
    let mut out = data.as_slice().to_vec();
    for (row, v) in out.chunks_exact_mut(data.dim()).enumerate() {
        if !crate::distance::normalize(v) {
            return Err(QuantError::ZeroVectorUnderCosine { row });
        }
    }
    Ok(Cow::Owned(out))
}

/// How many leading rows train the codec: `min(training_rows, rows)`, at least 1.
pub fn training_count(rows: usize, training_rows: usize) -> Result<usize, QuantError> {
    if training_rows == 0 {
        return Err(QuantError::NoTrainingRows);
    }
    Ok(training_rows.min(rows))
}

/// Reports progress; maps a `false` answer to [`QuantError::Cancelled`].
pub fn report(
    control: &mut dyn BuildControl,
    phase: &str,
    done: usize,
    total: usize,
) -> Result<(), QuantError> {
    if control.progress(phase, done, total) {
        Ok(())
    } else {
        Err(QuantError::Cancelled(Cancelled))
    }
}

/// Per-dimension mean of the first `count` rows (accumulated in f64).
pub fn dataset_mean(
    rows: &[f32],
    dim: usize,
    count: usize,
    control: &mut dyn BuildControl,
) -> Result<Vec<f32>, QuantError> {
    let mut sum = vec![0.0f64; dim];
    let training = rows.get(..count * dim).unwrap_or(rows);
    for (chunk_index, chunk) in training.chunks(CHUNK_ROWS * dim).enumerate() {
        for row in chunk.chunks_exact(dim) {
            for (s, &v) in sum.iter_mut().zip(row) {
                *s += f64::from(v);
            }
        }
        report(
            control,
            "training",
            ((chunk_index + 1) * CHUNK_ROWS).min(count),
            count,
        )?;
    }
    let inv = 1.0 / count.max(1) as f64;
    Ok(sum.iter().map(|s| (s * inv) as f32).collect())
}
