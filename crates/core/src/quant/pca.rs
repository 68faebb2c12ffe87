//! PCA for LeanVec-ID: the top principal directions of the mean-centred training rows.
//!
//! The d×d covariance is accumulated in blocks of [`CHUNK_ROWS`] rows: each block's `BᵀB` is a
//! single f32 GEMM (nalgebra → matrixmultiply) added into an f64 accumulator, so precision does
//! not degrade with the number of training rows. The symmetric eigen-decomposition is
//! nalgebra's `SymmetricEigen` in f32 (about 3× faster than f64 at d = 768–1536; the top half of
//! the spectrum, which is all LeanVec keeps, is well conditioned in f32). It cannot report
//! progress or be cancelled while it runs (≈1 s at d = 768, ≈10 s at d = 1536 natively).

use nalgebra::{DMatrix, DMatrixView, SymmetricEigen};

use crate::control::BuildControl;

use super::error::QuantError;
use super::prep::{report, CHUNK_ROWS};

/// The `reduced` leading eigenvectors of the covariance of the first `count` rows (centred on
/// `mean`), as a row-major `reduced × dim` matrix. Eigenvectors are ordered by decreasing
/// eigenvalue (ties by index) and signed so that their largest-magnitude component is positive,
/// which makes the result reproducible.
pub fn principal_directions(
    rows: &[f32],
    dim: usize,
    mean: &[f32],
    count: usize,
    reduced: usize,
    control: &mut dyn BuildControl,
) -> Result<Vec<f32>, QuantError> {
    let covariance = covariance(rows, dim, mean, count, control)?;
    let max_iterations = 64 * dim + 1_000;
    let eigen = SymmetricEigen::try_new(covariance, f32::EPSILON, max_iterations)
        .ok_or(QuantError::PcaDidNotConverge { dim })?;
    report(control, "training", count, count)?;

    let mut order: Vec<usize> = (0..dim).collect();
    order.sort_by(|&a, &b| {
        eigen.eigenvalues[b]
            .total_cmp(&eigen.eigenvalues[a])
            .then(a.cmp(&b))
    });
    let mut directions = Vec::with_capacity(reduced * dim);
    for &col in order.iter().take(reduced) {
        let v = eigen.eigenvectors.column(col);
        let pivot = v.iter().fold(
            0.0f32,
            |best, &x| {
                if x.abs() > best.abs() {
                    x
                } else {
                    best
                }
            },
        );
        let sign = if pivot < 0.0 { -1.0 } else { 1.0 };
        directions.extend(v.iter().map(|&x| sign * x));
    }
    Ok(directions)
}

/// `Σ (x − μ)(x − μ)ᵀ / count` over the first `count` rows.
fn covariance(
    rows: &[f32],
    dim: usize,
    mean: &[f32],
    count: usize,
    control: &mut dyn BuildControl,
) -> Result<DMatrix<f32>, QuantError> {
    let training = rows.get(..count * dim).unwrap_or(rows);
    let mut total = vec![0.0f64; dim * dim];
    let mut block_cov = DMatrix::<f32>::zeros(dim, dim);
    let mut centred = Vec::with_capacity(CHUNK_ROWS * dim);
    let mut done = 0;
    for chunk in training.chunks(CHUNK_ROWS * dim) {
        let m = chunk.len() / dim;
        centred.clear();
        for row in chunk.chunks_exact(dim) {
            centred.extend(row.iter().zip(mean).map(|(v, mu)| v - mu));
        }
        // Row-major m×d is column-major d×m: `b` = Bᵀ, and `bt` views the same memory as B.
        let b = DMatrixView::from_slice(&centred, dim, m);
        let bt = DMatrixView::from_slice_with_strides(&centred, m, dim, dim, 1);
        block_cov.gemm(1.0, &b, &bt, 0.0);
        for (t, &c) in total.iter_mut().zip(block_cov.as_slice()) {
            *t += f64::from(c);
        }
        done += m;
        report(control, "training", done, count)?;
    }
    let inv = 1.0 / count.max(1) as f64;
    Ok(DMatrix::from_iterator(
        dim,
        dim,
        total.iter().map(|&t| (t * inv) as f32),
    ))
}
