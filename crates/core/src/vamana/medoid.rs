//! The entry point: the stored vector nearest (in L2) to the component-wise mean.

use crate::distance;
use crate::store::VectorStore;

/// Id of the row nearest to the mean of all rows (decoded), ties to the lower id. `None` when
/// the store is empty.
pub fn medoid<S: VectorStore>(store: &S) -> Option<u32> {
    medoid_of_first(store, store.len())
}

/// Id of the row nearest to the mean of rows `0..rows` (clamped to the store), among those
/// rows: the entry point of a graph first built over them.
pub fn medoid_of_first<S: VectorStore>(store: &S, rows: usize) -> Option<u32> {
    let n = rows.min(store.len());
    if n == 0 {
        return None;
    }
    let dim = store.dim();
    let mut sum = vec![0.0f64; dim];
    let mut row = Vec::with_capacity(dim);
    for id in 0..n as u32 {
        store.decode_row(id, &mut row);
        for (s, &x) in sum.iter_mut().zip(&row) {
            *s += f64::from(x);
        }
    }
    let mean: Vec<f32> = sum.iter().map(|&s| (s / n as f64) as f32).collect();
    let mut best: Option<(f32, u32)> = None;
    for id in 0..n as u32 {
        store.decode_row(id, &mut row);
        let d = distance::l2sq(&mean, &row);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, id));
        }
    }
    best.map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;
    use crate::metric::Metric;
    use crate::store::FullPrecisionStore;

    #[test]
    fn picks_the_row_nearest_the_mean() {
        let m = Matrix::new(1, vec![0.0, 10.0, 4.0, 6.0]).unwrap();
        let store = FullPrecisionStore::<f32>::from_matrix(&m, Metric::L2).unwrap();
        assert_eq!(medoid(&store), Some(2));
    }
}
