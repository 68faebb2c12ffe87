//! Exact k-NN (FLAT): the ground-truth engine.
//!
//! Placeholder scalar implementation; the blocked SIMD version replaces the body while keeping
//! these signatures.

use crate::distance;
use crate::error::CoreError;
use crate::matrix::Matrix;
use crate::metric::Metric;
use crate::neighbor::{Neighbor, TopK};

/// Exact top-`k` of every query, best first, ties by lower id. Vectors are normalised for
/// COSINE (on copies). Distances follow Redis semantics.
pub fn exact_knn(
    base: &Matrix,
    queries: &Matrix,
    metric: Metric,
    k: usize,
) -> Result<Vec<Vec<Neighbor>>, CoreError> {
    if k == 0 {
        return Err(CoreError::ZeroK);
    }
    if base.dim() != queries.dim() {
        return Err(CoreError::DimensionMismatch {
            expected: base.dim(),
            got: queries.dim(),
        });
    }
    let base = prepared(base, metric)?;
    let queries = prepared(queries, metric)?;
    Ok(queries
        .iter_rows()
        .map(|q| {
            let mut top = TopK::new(k);
            for (i, row) in base.iter_rows().enumerate() {
                top.push(Neighbor::new(
                    i as u32,
                    distance::metric_distance(metric, q, row),
                ));
            }
            top.into_sorted_vec()
        })
        .collect())
}

/// A copy of `m` normalised when the metric needs it.
pub fn prepared(m: &Matrix, metric: Metric) -> Result<Matrix, CoreError> {
    if let Some((row, col)) = m.find_non_finite() {
        return Err(CoreError::NonFinite { row, col });
    }
    let mut out = m.clone();
    if metric.normalizes() {
        for row in 0..out.rows() {
            if !distance::normalize(out.row_mut(row)) {
                return Err(CoreError::ZeroVectorUnderCosine { row });
            }
        }
    }
    Ok(out)
}
