//! Vector storage seen by graph indexes: prepare a query once, then score many stored rows.
//!
//! Graph algorithms (HNSW, Vamana) are generic over [`VectorStore`], so the hot loop is
//! monomorphised per element type or codec. Distances follow the crate convention (smaller is
//! closer, Redis semantics). Inputs to `scorer` must already be preprocessed for the metric
//! (normalised for COSINE); [`FullPrecisionStore::from_matrix`] does that for stored rows.

use crate::element::Element;
use crate::error::CoreError;
use crate::matrix::Matrix;
use crate::metric::Metric;

/// Scores stored rows against one prepared query.
///
/// Out-of-range ids are the same in every store: a row id past the end scores +∞ (the worst
/// distance, so a corrupt link is never preferred), and a scorer made by
/// [`VectorStore::scorer_for_row`] from such an id scores +∞ against every row.
pub trait QueryScorer {
    /// Distance from the prepared query to stored row `id`, using the primary (traversal)
    /// representation.
    fn distance(&self, id: u32) -> f32;

    /// Distance used to re-rank final candidates: two-level codecs (LVQ4x4, LVQ4x8, LeanVec)
    /// add the residual or the full-dimension secondary here. One-level stores use the
    /// primary distance.
    fn rerank_distance(&self, id: u32) -> f32 {
        self.distance(id)
    }

    /// Primary distances to four stored rows at once (stores with a batched kernel load each
    /// query chunk once for the four rows). The values may differ from [`distance`]'s by float
    /// reassociation, so a caller that relies on one id always scoring the same value (a
    /// search without a visited set) uses `distance` only.
    ///
    /// [`distance`]: QueryScorer::distance
    fn distance4(&self, ids: [u32; 4]) -> [f32; 4] {
        ids.map(|id| self.distance(id))
    }
}

/// A read-only collection of stored vectors that a graph index traverses.
pub trait VectorStore: Send + Sync {
    type Scorer<'a>: QueryScorer
    where
        Self: 'a;

    /// Number of stored rows.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Vector dimension.
    fn dim(&self) -> usize;

    fn metric(&self) -> Metric;

    /// Prepares an external query (already preprocessed for the metric).
    fn scorer<'a>(&'a self, query: &[f32]) -> Self::Scorer<'a>;

    /// Prepares stored row `id` as a query (used while building the graph): through
    /// [`decode_row`](Self::decode_row), except that a store may measure a level from the row's
    /// own code of that level (LeanVec's primary from its reduced code, as SVS's build does).
    fn scorer_for_row<'a>(&'a self, id: u32) -> Self::Scorer<'a>;

    /// Re-aims `scorer` at stored row `id`: afterwards it scores exactly as
    /// [`scorer_for_row`](Self::scorer_for_row)`(id)` would. Codec scorers reuse their own
    /// buffers, so pruning, which measures from every kept neighbour, decodes into memory it
    /// already holds instead of allocating a scorer per neighbour.
    fn aim_at_row<'a>(&'a self, scorer: &mut Self::Scorer<'a>, id: u32) {
        *scorer = self.scorer_for_row(id);
    }

    /// Row `id` decoded to f32 (lossy for compressed stores).
    fn decode_row(&self, id: u32, out: &mut Vec<f32>);

    /// Bytes held by the stored vectors (codes plus per-vector constants).
    fn vector_bytes(&self) -> u64;

    /// Bytes of shared codec state (means, scales, projection matrices).
    fn codec_bytes(&self) -> u64 {
        0
    }

    /// Whether [`QueryScorer::rerank_distance`] uses a second level (changes SVS's default
    /// search buffer capacity to floor(1.5 × window)).
    fn is_two_level(&self) -> bool {
        false
    }

    /// Whether graph construction measures the candidate pool and the prune with
    /// [`QueryScorer::rerank_distance`], following SVS's build adaptors: two-level LVQ does
    /// (primary traversal, then primary + residual), LeanVec does not (its whole build uses the
    /// reduced primary), one-level stores have only one representation.
    fn builds_on_full_representation(&self) -> bool {
        self.is_two_level()
    }

    /// Whether every distance is an f32 kernel over exactly the rows [`Self::decode_row`]
    /// returns (uncompressed stores), so a [`crate::sketch::BuildSketch`] can bound it.
    fn exact_f32_rows(&self) -> bool {
        false
    }

    /// Hints the CPU to start loading row `id`; graph traversals call it for a batch of
    /// neighbours before scoring them so the loads overlap. A no-op by default.
    #[inline]
    fn prefetch_vector(&self, _id: u32) {}
}

/// Asks the CPU to pull every cache line of `row` (up to 4 KiB) into L1. Rows are scored one
/// after another from scattered addresses, so the hardware prefetcher cannot see them coming;
/// the profile showed the distance kernels stalled on each new line. A no-op off x86_64.
#[inline]
pub(crate) fn prefetch_slice<T>(row: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // Covers a 1024-d f32 row; longer rows are followed by the hardware prefetcher.
        const LINES: usize = 64;
        let bytes = std::mem::size_of_val(row);
        let p: *const i8 = row.as_ptr().cast();
        let mut offset = 0;
        while offset < bytes && offset < LINES * 64 {
            // SAFETY: a prefetch is only a hint: it never faults and never reads memory
            // architecturally, and `p + offset` stays inside the live slice `row`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(offset)) };
            offset += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

/// Uncompressed rows stored as `E` (FP32, FP16 or BF16).
#[derive(Debug, Clone)]
pub struct FullPrecisionStore<E: Element> {
    dim: usize,
    metric: Metric,
    data: Vec<E>,
}

impl<E: Element> FullPrecisionStore<E> {
    /// Converts (and for COSINE normalises) every row of `m`.
    ///
    /// Errors on non-finite values, and on zero vectors under COSINE.
    pub fn from_matrix(m: &Matrix, metric: Metric) -> Result<Self, CoreError> {
        if let Some((row, col)) = m.find_non_finite() {
            return Err(CoreError::NonFinite { row, col });
        }
        let mut data = Vec::with_capacity(m.as_slice().len());
        let mut buf = vec![0.0f32; m.dim()];
        for (row, v) in m.iter_rows().enumerate() {
            buf.copy_from_slice(v);
            if metric.normalizes() && !crate::distance::normalize(&mut buf) {
                return Err(CoreError::ZeroVectorUnderCosine { row });
            }
            data.extend(buf.iter().map(|&x| E::from_f32(x)));
        }
        Ok(Self {
            dim: m.dim(),
            metric,
            data,
        })
    }

    /// A scorer for an external query already preprocessed for the metric, borrowing it
    /// (no copy): for loops that score many rows against one slice.
    pub fn scorer_borrowed<'a>(&'a self, query: &'a [f32]) -> FullPrecisionScorer<'a, E> {
        FullPrecisionScorer::new(self, std::borrow::Cow::Borrowed(query))
    }

    /// Row `id`; empty when `id` is out of range (every scorer then reports +∞ for it, see
    /// [`QueryScorer`]).
    #[inline]
    pub fn row(&self, id: u32) -> &[E] {
        let start = id as usize * self.dim;
        self.data.get(start..start + self.dim).unwrap_or(&[])
    }
}

/// Scorer over a [`FullPrecisionStore`]: the query is held as f32 (borrowed from the store when
/// it is a stored f32 row), and the metric's kernel is resolved once.
pub struct FullPrecisionScorer<'a, E: Element> {
    store: &'a FullPrecisionStore<E>,
    query: std::borrow::Cow<'a, [f32]>,
    kernel: crate::distance::PairKernel<E>,
    /// The one-query × four-row kernel, for f32 rows only.
    batch: Option<crate::distance::Batch4Kernel>,
    /// IP and COSINE report 1 − dot.
    one_minus: bool,
}

impl<'a, E: Element> FullPrecisionScorer<'a, E> {
    fn new(store: &'a FullPrecisionStore<E>, query: std::borrow::Cow<'a, [f32]>) -> Self {
        let (kernel, one_minus) = match store.metric {
            Metric::L2 => (E::l2sq_kernel(), false),
            Metric::Ip | Metric::Cosine => (E::dot_kernel(), true),
        };
        let batch = (E::TYPE == crate::element::ElementType::Float32).then(|| {
            if one_minus {
                crate::distance::dot_1x4_kernel()
            } else {
                crate::distance::l2sq_1x4_kernel()
            }
        });
        Self {
            store,
            query,
            kernel,
            batch,
            one_minus,
        }
    }
}

impl<E: Element> QueryScorer for FullPrecisionScorer<'_, E> {
    #[inline]
    fn distance(&self, id: u32) -> f32 {
        let row = self.store.row(id);
        if row.is_empty() || self.query.is_empty() {
            return f32::INFINITY;
        }
        let raw = self.kernel.call(&self.query, row);
        if self.one_minus {
            1.0 - raw
        } else {
            raw
        }
    }

    #[inline]
    fn distance4(&self, ids: [u32; 4]) -> [f32; 4] {
        let Some(batch) = self.batch else {
            return ids.map(|id| self.distance(id));
        };
        let rows = ids.map(|id| E::as_f32_slice(self.store.row(id)).unwrap_or(&[]));
        if rows
            .iter()
            .any(|r| r.len() != self.query.len() || r.is_empty())
        {
            // An unknown id (empty row) would shorten the common prefix of all four.
            return ids.map(|id| self.distance(id));
        }
        let raw = batch.call(&self.query, rows);
        if self.one_minus {
            raw.map(|d| 1.0 - d)
        } else {
            raw
        }
    }
}

impl<E: Element> VectorStore for FullPrecisionStore<E> {
    type Scorer<'a> = FullPrecisionScorer<'a, E>;

    fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn metric(&self) -> Metric {
        self.metric
    }

    fn scorer<'a>(&'a self, query: &[f32]) -> Self::Scorer<'a> {
        FullPrecisionScorer::new(self, std::borrow::Cow::Owned(query.to_vec()))
    }

    fn scorer_for_row<'a>(&'a self, id: u32) -> Self::Scorer<'a> {
        let row = self.row(id);
        let query = match E::as_f32_slice(row) {
            Some(same) => std::borrow::Cow::Borrowed(same),
            None => std::borrow::Cow::Owned(row.iter().map(|x| x.to_f32()).collect()),
        };
        FullPrecisionScorer::new(self, query)
    }

    fn decode_row(&self, id: u32, out: &mut Vec<f32>) {
        out.clear();
        out.extend(self.row(id).iter().map(|x| x.to_f32()));
    }

    fn vector_bytes(&self) -> u64 {
        (self.data.len() * std::mem::size_of::<E>()) as u64
    }

    #[inline]
    fn prefetch_vector(&self, id: u32) {
        prefetch_slice(self.row(id));
    }

    fn exact_f32_rows(&self) -> bool {
        true
    }
}
