//! What the HNSW loops need from a vector store beyond [`VectorStore`]: distances from a raw
//! f32 slice (no per-query allocation) and a row viewed as f32 (for the neighbour-selection
//! heuristic, which measures stored rows against each other).

use half::{bf16, f16};

use crate::element::{Element, ElementType};
use crate::metric::Metric;
use crate::store::{FullPrecisionStore, VectorStore};

/// A [`VectorStore`] that HNSW can traverse without allocating per distance.
pub trait HnswStore: VectorStore {
    /// Distance from `query` (already preprocessed for the metric) to stored row `id`.
    fn distance_from(&self, query: &[f32], id: u32) -> f32;

    /// Row `id` as f32: borrowed when the rows are stored as f32, otherwise decoded into
    /// `scratch`.
    fn row_f32<'a>(&'a self, id: u32, scratch: &'a mut Vec<f32>) -> &'a [f32];

    /// The Redis `TYPE` the rows are stored as (drives the Redis memory model).
    fn element_type(&self) -> ElementType;

    /// Hints the CPU to start loading row `id` (the traversal calls it for a batch of
    /// neighbours before scoring them). A no-op by default.
    #[inline]
    fn prefetch(&self, _id: u32) {}

    /// Distances from `query` to every row of `ids`, appended to `out` in order. The build
    /// uses it for a node's unvisited neighbours: FP32 stores score four rows per kernel call
    /// (values agree with [`distance_from`](Self::distance_from) up to float reassociation).
    #[inline]
    fn distances_from(&self, query: &[f32], ids: &[u32], out: &mut Vec<f32>) {
        out.extend(ids.iter().map(|&id| self.distance_from(query, id)));
    }
}

/// Asks the CPU to pull the first cache lines of `row` into L1; the hardware prefetcher
/// follows the sequential rest.
#[inline]
fn prefetch_row<T>(row: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p: *const i8 = row.as_ptr().cast();
        // SAFETY: a prefetch is only a hint: it never faults and never reads memory
        // architecturally, whatever the address (and `p` points into a live slice anyway).
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(p);
            _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

#[inline]
fn full_precision_distance<E: Element>(
    store: &FullPrecisionStore<E>,
    query: &[f32],
    id: u32,
) -> f32 {
    let row = store.row(id);
    if row.is_empty() {
        // Out of range: the worst distance, as every store scores it.
        return f32::INFINITY;
    }
    match store.metric() {
        Metric::L2 => E::l2sq_f32(query, row),
        Metric::Ip | Metric::Cosine => 1.0 - E::dot_f32(query, row),
    }
}

impl HnswStore for FullPrecisionStore<f32> {
    #[inline]
    fn distance_from(&self, query: &[f32], id: u32) -> f32 {
        full_precision_distance(self, query, id)
    }

    #[inline]
    fn row_f32<'a>(&'a self, id: u32, _scratch: &'a mut Vec<f32>) -> &'a [f32] {
        self.row(id)
    }

    fn element_type(&self) -> ElementType {
        ElementType::Float32
    }

    #[inline]
    fn prefetch(&self, id: u32) {
        prefetch_row(self.row(id));
    }

    fn distances_from(&self, query: &[f32], ids: &[u32], out: &mut Vec<f32>) {
        use crate::store::QueryScorer;
        let scorer = self.scorer_borrowed(query);
        let mut chunks = ids.chunks_exact(4);
        for four in &mut chunks {
            out.extend(scorer.distance4([four[0], four[1], four[2], four[3]]));
        }
        out.extend(chunks.remainder().iter().map(|&id| scorer.distance(id)));
    }
}

macro_rules! decoded_row_store {
    ($elem:ty) => {
        impl HnswStore for FullPrecisionStore<$elem> {
            #[inline]
            fn distance_from(&self, query: &[f32], id: u32) -> f32 {
                full_precision_distance(self, query, id)
            }

            #[inline]
            fn row_f32<'a>(&'a self, id: u32, scratch: &'a mut Vec<f32>) -> &'a [f32] {
                self.decode_row(id, scratch);
                scratch
            }

            fn element_type(&self) -> ElementType {
                <$elem as Element>::TYPE
            }

            #[inline]
            fn prefetch(&self, id: u32) {
                prefetch_row(self.row(id));
            }
        }
    };
}

decoded_row_store!(f16);
decoded_row_store!(bf16);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;

    #[test]
    fn batched_distances_agree_with_single_ones() {
        let data = crate::rng::synthetic_clustered(40, 19, 3, 7);
        let m = Matrix::new(19, data).unwrap();
        for metric in [Metric::L2, Metric::Cosine, Metric::Ip] {
            let store = FullPrecisionStore::<f32>::from_matrix(&m, metric).unwrap();
            let query = store.row(3).to_vec();
            for len in 0..9 {
                // The last id is unknown when len is odd: +∞ on both paths.
                let ids: Vec<u32> = (0..len)
                    .map(|i| {
                        if i == len - 1 && len % 2 == 1 {
                            99
                        } else {
                            i as u32 * 4
                        }
                    })
                    .collect();
                let mut out = Vec::new();
                store.distances_from(&query, &ids, &mut out);
                assert_eq!(out.len(), ids.len());
                for (&id, &d) in ids.iter().zip(&out) {
                    let single = store.distance_from(&query, id);
                    assert!(
                        d == single || (d - single).abs() <= 1e-4 * single.abs().max(1.0),
                        "{metric:?} id {id}: {d} vs {single}"
                    );
                }
            }
        }
    }
}
