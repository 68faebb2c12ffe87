//! Exact k-NN (FLAT): the ground-truth engine and the FLAT index of the comparisons.
//!
//! [`exact_knn`] is blocked for cache reuse: the base is cut into blocks of about
//! [`BASE_BLOCK_BYTES`] (kept in L2), and for each block every group of
//! [`distance::TILE_QUERIES`] queries is scored against it with the 4 × 2 tile microkernel, so a
//! row chunk is loaded once for four queries. L2 is computed directly from differences (no
//! `‖a‖² + ‖b‖² − 2a·b` expansion, whose cancellation would break exactness on near ties), so
//! every distance equals the reference `l2sq`/`dot` up to float reassociation.
//!
//! Tie order: by distance, then by the lower id ([`Neighbor::cmp_by_distance`] via [`TopK`]).

use half::{bf16, f16};

use crate::distance;
use crate::element::ElementType;
use crate::error::CoreError;
use crate::matrix::Matrix;
use crate::memory::MemoryBreakdown;
use crate::metric::Metric;
use crate::neighbor::{Neighbor, TopK};
use crate::store::{FullPrecisionStore, QueryScorer, VectorStore};

/// Target size of one base block: about half of a typical per-core L2, so the block stays cached
/// while all query groups stream over it.
pub const BASE_BLOCK_BYTES: usize = 256 * 1024;
const MIN_BLOCK_ROWS: usize = 16;
const MAX_BLOCK_ROWS: usize = 1024;

/// Exact top-`k` of every query, best first, ties by lower id. Vectors are normalised for
/// COSINE (on copies). Distances follow Redis semantics. Uses the SIMD tile kernels.
pub fn exact_knn(
    base: &Matrix,
    queries: &Matrix,
    metric: Metric,
    k: usize,
) -> Result<Vec<Vec<Neighbor>>, CoreError> {
    check_inputs(base, queries, k)?;
    let base = prepared(base, metric)?;
    let queries = prepared(queries, metric)?;
    Ok(knn_blocked(&base, &queries, metric, k))
}

/// The same result as [`exact_knn`] from a plain loop over the scalar reference kernels, one
/// query against every row. It is the oracle of the blocked version and the scalar baseline of
/// the benchmarks.
pub fn exact_knn_reference(
    base: &Matrix,
    queries: &Matrix,
    metric: Metric,
    k: usize,
) -> Result<Vec<Vec<Neighbor>>, CoreError> {
    check_inputs(base, queries, k)?;
    let base = prepared(base, metric)?;
    let queries = prepared(queries, metric)?;
    Ok(queries
        .iter_rows()
        .map(|q| {
            let mut top = TopK::new(k);
            for (id, row) in (0u32..).zip(base.iter_rows()) {
                let d = match metric {
                    Metric::L2 => distance::reference::l2sq(q, row),
                    Metric::Ip | Metric::Cosine => 1.0 - distance::reference::dot(q, row),
                };
                top.push(Neighbor::new(id, d));
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

/// Floating-point operations counted per distance by the GFLOP/s benchmarks: a multiply and an
/// add per component for dot products, plus the subtraction for L2.
pub fn flops_per_distance(metric: Metric, dim: usize) -> u64 {
    let per_component = match metric {
        Metric::L2 => 3,
        Metric::Ip | Metric::Cosine => 2,
    };
    per_component * dim as u64
}

fn check_inputs(base: &Matrix, queries: &Matrix, k: usize) -> Result<(), CoreError> {
    if k == 0 {
        return Err(CoreError::ZeroK);
    }
    if base.dim() != queries.dim() {
        return Err(CoreError::DimensionMismatch {
            expected: base.dim(),
            got: queries.dim(),
        });
    }
    check_id_range(base.rows())
}

/// Ids are `u32`; more rows than that cannot be named.
fn check_id_range(rows: usize) -> Result<(), CoreError> {
    let limit = u32::MAX as usize;
    if rows > limit {
        return Err(CoreError::IdOutOfRange {
            id: rows - 1,
            len: limit,
        });
    }
    Ok(())
}

/// Base rows per block for `dim`: about [`BASE_BLOCK_BYTES`], even (tiles take row pairs).
fn block_rows(dim: usize) -> usize {
    let rows = BASE_BLOCK_BYTES / (dim.max(1) * std::mem::size_of::<f32>());
    rows.clamp(MIN_BLOCK_ROWS, MAX_BLOCK_ROWS) & !1
}

/// The blocked scan on prepared inputs (same dimension, validated).
fn knn_blocked(base: &Matrix, queries: &Matrix, metric: Metric, k: usize) -> Vec<Vec<Neighbor>> {
    const GROUP: usize = distance::TILE_QUERIES;
    let num_queries = queries.rows();
    let num_rows = base.rows();
    let mut tops: Vec<TopK> = (0..num_queries).map(|_| TopK::new(k)).collect();
    if num_queries == 0 || num_rows == 0 {
        return tops.into_iter().map(TopK::into_sorted_vec).collect();
    }
    let step = block_rows(base.dim());
    let last_query = num_queries - 1;
    let last_row = num_rows - 1;
    for block_start in (0..num_rows).step_by(step) {
        let block_end = (block_start + step).min(num_rows);
        for (group, group_tops) in tops.chunks_mut(GROUP).enumerate() {
            // A short last group repeats its last query; the extra results are dropped.
            let first = group * GROUP;
            let q: [&[f32]; GROUP] =
                std::array::from_fn(|j| queries.row((first + j).min(last_query)));
            for r0 in (block_start..block_end).step_by(2) {
                // An odd last row is scored twice and pushed once.
                let r1 = (r0 + 1).min(last_row);
                let rows = [base.row(r0), base.row(r1)];
                let tile = match metric {
                    Metric::L2 => distance::l2sq_tile(&q, &rows),
                    Metric::Ip | Metric::Cosine => {
                        distance::dot_tile(&q, &rows).map(|pair| pair.map(|d| 1.0 - d))
                    }
                };
                // Row counts were checked against u32::MAX by `check_inputs`.
                let (id0, id1) = (r0 as u32, r1 as u32);
                for (top, d) in group_tops.iter_mut().zip(tile) {
                    top.push(Neighbor::new(id0, d[0]));
                    if r1 != r0 {
                        top.push(Neighbor::new(id1, d[1]));
                    }
                }
            }
        }
    }
    tops.into_iter().map(TopK::into_sorted_vec).collect()
}

/// Rows per VecSim FLAT data block (`DEFAULT_BLOCK_SIZE`; FLAT's `BLOCK_SIZE` is parsed but
/// overridden by min(1024, memory-limit / element)).
pub const REDIS_FLAT_BLOCK_SIZE: u64 = 1024;
/// Per id slot of the brute-force index: the id→label entry (`size_t`) and one label-hash
/// bucket pointer, both sized to the block capacity.
pub const REDIS_FLAT_SLOT_BYTES: u64 = 8 + 8;
/// Per vector: one label→id hash node (next pointer, key, value = 24 B) plus the allocator's
/// 8-byte header.
pub const REDIS_FLAT_LABEL_NODE_BYTES: u64 = 32;
/// Per data block: the allocator header plus at most 64 B of alignment slack.
pub const REDIS_FLAT_BLOCK_OVERHEAD_BYTES: u64 = 8 + 64;
/// The index object and its empty containers (search 2.10 measures 1.1–1.4 KB).
pub const REDIS_FLAT_FIXED_BYTES: u64 = 1_300;

/// Estimated `vector_index_sz_mb` of a VecSim brute-force (FLAT) index of `num_vectors`
/// vectors, from its allocation layout; it is also the flat buffer of a tiered index.
///
/// ```text
/// vector_bytes = ⌈n/1024⌉ · (1024 · dim · sizeof(T) + 72)      whole aligned data blocks
/// other_bytes  = capacity · 16 + n · 32 + ~1.3 KB               id→label array, label hash
/// ```
/// That is ~48–49 B per vector on top of the data, which both search 2.10 and the live 8.2
/// server show. Hash buckets are counted at one per slot (libstdc++ rounds up to a prime, up
/// to ~0.8 B per vector more).
///
/// Sources read (layout facts only):
/// - RedisAI/VectorSimilarity:src/VecSim/algorithms/brute_force/brute_force.h (blocks, idToLabelMapping)
/// - RedisAI/VectorSimilarity:src/VecSim/algorithms/brute_force/brute_force_single.h (labelToIdLookup)
/// - RedisAI/VectorSimilarity:src/VecSim/memory/vecsim_malloc.cpp (allocation header)
pub fn redis_flat_memory_estimate(
    num_vectors: u64,
    dim: usize,
    element: ElementType,
) -> MemoryBreakdown {
    if num_vectors == 0 {
        return MemoryBreakdown::default();
    }
    let blocks = num_vectors.div_ceil(REDIS_FLAT_BLOCK_SIZE);
    let row_bytes = dim as u64 * element.size_bytes() as u64;
    MemoryBreakdown {
        vector_bytes: blocks
            * (REDIS_FLAT_BLOCK_SIZE * row_bytes + REDIS_FLAT_BLOCK_OVERHEAD_BYTES),
        graph_bytes: 0,
        other_bytes: blocks * REDIS_FLAT_BLOCK_SIZE * REDIS_FLAT_SLOT_BYTES
            + num_vectors * REDIS_FLAT_LABEL_NODE_BYTES
            + REDIS_FLAT_FIXED_BYTES,
    }
}

/// Rows in one of the three storage precisions.
#[derive(Debug, Clone)]
enum FlatStorage {
    Float32(FullPrecisionStore<f32>),
    Float16(FullPrecisionStore<f16>),
    Bfloat16(FullPrecisionStore<bf16>),
}

/// A brute-force index over FP32, FP16 or BF16 rows: every search scores every row with the
/// mixed-precision kernels (f32 query × stored row).
#[derive(Debug, Clone)]
pub struct FlatIndex {
    storage: FlatStorage,
}

impl FlatIndex {
    /// Stores (and for COSINE normalises) every row of `data` as `element`.
    ///
    /// Errors on non-finite values, on zero vectors under COSINE and on more than `u32::MAX`
    /// rows.
    pub fn build(data: &Matrix, metric: Metric, element: ElementType) -> Result<Self, CoreError> {
        check_id_range(data.rows())?;
        let storage = match element {
            ElementType::Float32 => {
                FlatStorage::Float32(FullPrecisionStore::from_matrix(data, metric)?)
            }
            ElementType::Float16 => {
                FlatStorage::Float16(FullPrecisionStore::from_matrix(data, metric)?)
            }
            ElementType::Bfloat16 => {
                FlatStorage::Bfloat16(FullPrecisionStore::from_matrix(data, metric)?)
            }
        };
        Ok(Self { storage })
    }

    pub fn len(&self) -> usize {
        match &self.storage {
            FlatStorage::Float32(s) => s.len(),
            FlatStorage::Float16(s) => s.len(),
            FlatStorage::Bfloat16(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dim(&self) -> usize {
        match &self.storage {
            FlatStorage::Float32(s) => s.dim(),
            FlatStorage::Float16(s) => s.dim(),
            FlatStorage::Bfloat16(s) => s.dim(),
        }
    }

    pub fn metric(&self) -> Metric {
        match &self.storage {
            FlatStorage::Float32(s) => s.metric(),
            FlatStorage::Float16(s) => s.metric(),
            FlatStorage::Bfloat16(s) => s.metric(),
        }
    }

    pub fn element_type(&self) -> ElementType {
        match &self.storage {
            FlatStorage::Float32(_) => ElementType::Float32,
            FlatStorage::Float16(_) => ElementType::Float16,
            FlatStorage::Bfloat16(_) => ElementType::Bfloat16,
        }
    }

    /// The exact top-`k` of `query` (raw; normalised here for COSINE), best first, ties by lower
    /// id, and the number of distance computations (every stored row).
    pub fn search(&self, query: &[f32], k: usize) -> Result<(Vec<Neighbor>, u64), CoreError> {
        if k == 0 {
            return Err(CoreError::ZeroK);
        }
        if query.len() != self.dim() {
            return Err(CoreError::DimensionMismatch {
                expected: self.dim(),
                got: query.len(),
            });
        }
        if let Some(col) = query.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::NonFinite { row: 0, col });
        }
        let mut q = query.to_vec();
        if self.metric().normalizes() && !distance::normalize(&mut q) {
            return Err(CoreError::ZeroVectorUnderCosine { row: 0 });
        }
        let hits = match &self.storage {
            FlatStorage::Float32(s) => scan(s, &q, k),
            FlatStorage::Float16(s) => scan(s, &q, k),
            FlatStorage::Bfloat16(s) => scan(s, &q, k),
        };
        Ok((hits, self.len() as u64))
    }

    /// Exact bytes of the stored rows (no graph, no other state).
    pub fn memory(&self) -> MemoryBreakdown {
        let vector_bytes = match &self.storage {
            FlatStorage::Float32(s) => s.vector_bytes(),
            FlatStorage::Float16(s) => s.vector_bytes(),
            FlatStorage::Bfloat16(s) => s.vector_bytes(),
        };
        MemoryBreakdown {
            vector_bytes,
            graph_bytes: 0,
            other_bytes: 0,
        }
    }

    /// What Redis would use for the same rows, see [`redis_flat_memory_estimate`].
    pub fn redis_memory_estimate(&self) -> MemoryBreakdown {
        redis_flat_memory_estimate(self.len() as u64, self.dim(), self.element_type())
    }
}

/// Scores every row of `store` against the prepared query.
fn scan<S: VectorStore>(store: &S, query: &[f32], k: usize) -> Vec<Neighbor> {
    let scorer = store.scorer(query);
    let mut top = TopK::new(k);
    // `FlatIndex::build` checked that the row count fits in u32.
    for id in 0..store.len() as u32 {
        top.push(Neighbor::new(id, scorer.distance(id)));
    }
    top.into_sorted_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    fn matrix(rows: usize, dim: usize, seed: u64) -> Matrix {
        Matrix::new(dim, rng::synthetic_clustered(rows, dim, 8, seed)).unwrap()
    }

    /// Small integers: every distance is exact in f32 whatever the summation order, so the
    /// blocked SIMD path must equal the reference bit for bit (ids, order and distances).
    fn integer_matrix(rows: usize, dim: usize, seed: u64) -> Matrix {
        let data = rng::synthetic_clustered(rows, dim, 4, seed)
            .iter()
            .map(|v| v.round())
            .collect();
        Matrix::new(dim, data).unwrap()
    }

    #[test]
    fn blocked_equals_reference_on_integer_data() {
        // Odd counts exercise the padded query group and the odd last row; 1100 rows at dim 61
        // span two base blocks.
        for (rows, nq, dim, seed) in [
            (1100, 7, 61, 1),
            (37, 5, 8, 2),
            (3, 1, 1, 3),
            (600, 9, 130, 4),
        ] {
            let base = integer_matrix(rows, dim, seed);
            let queries = integer_matrix(nq, dim, seed + 100);
            for metric in [Metric::L2, Metric::Ip] {
                let fast = exact_knn(&base, &queries, metric, 10).unwrap();
                let slow = exact_knn_reference(&base, &queries, metric, 10).unwrap();
                assert_eq!(
                    fast, slow,
                    "rows={rows} nq={nq} dim={dim} seed={seed} {metric}"
                );
            }
        }
    }

    #[test]
    fn blocked_matches_reference_on_float_data() {
        let (base, queries) = (matrix(900, 96, 11), matrix(6, 96, 12));
        for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
            let fast = exact_knn(&base, &queries, metric, 20).unwrap();
            let slow = exact_knn_reference(&base, &queries, metric, 20).unwrap();
            for (qi, (f, s)) in fast.iter().zip(&slow).enumerate() {
                for (a, b) in f.iter().zip(s) {
                    // Ids can only swap between near ties; distances agree to float noise.
                    let scale = 1.0 + a.distance.abs().max(b.distance.abs());
                    assert!(
                        (a.distance - b.distance).abs() <= 1e-5 * scale,
                        "seed 11/12 {metric} query {qi}: {a:?} vs {b:?}"
                    );
                }
                let overlap = f.iter().filter(|n| s.iter().any(|m| m.id == n.id)).count();
                assert!(
                    overlap >= 19,
                    "seed 11/12 {metric} query {qi}: overlap {overlap}/20"
                );
            }
        }
    }

    #[test]
    fn rejects_bad_inputs() {
        let base = matrix(10, 4, 1);
        assert_eq!(
            exact_knn(&base, &base, Metric::L2, 0),
            Err(CoreError::ZeroK)
        );
        let q = matrix(2, 5, 1);
        assert!(matches!(
            exact_knn(&base, &q, Metric::L2, 1),
            Err(CoreError::DimensionMismatch {
                expected: 4,
                got: 5
            })
        ));
        let zero = Matrix::new(4, vec![0.0; 4]).unwrap();
        assert_eq!(
            exact_knn(&zero, &base, Metric::Cosine, 1),
            Err(CoreError::ZeroVectorUnderCosine { row: 0 })
        );
    }

    #[test]
    fn k_larger_than_base_returns_all_rows() {
        let base = matrix(5, 3, 4);
        let res = exact_knn(&base, &base, Metric::L2, 50).unwrap();
        assert!(res.iter().all(|r| r.len() == 5));
        let empty = Matrix::with_dim(3).unwrap();
        assert!(exact_knn(&empty, &base, Metric::L2, 3)
            .unwrap()
            .iter()
            .all(Vec::is_empty));
        assert!(exact_knn(&base, &empty, Metric::L2, 3).unwrap().is_empty());
    }

    #[test]
    fn flat_index_fp32_matches_exact_knn() {
        let (base, queries) = (matrix(300, 24, 21), matrix(4, 24, 22));
        for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
            let index = FlatIndex::build(&base, metric, ElementType::Float32).unwrap();
            let expected = exact_knn_reference(&base, &queries, metric, 10).unwrap();
            for (q, exp) in queries.iter_rows().zip(&expected) {
                let (hits, computations) = index.search(q, 10).unwrap();
                assert_eq!(computations, 300);
                let ids: Vec<u32> = hits.iter().map(|n| n.id).collect();
                let exp_ids: Vec<u32> = exp.iter().map(|n| n.id).collect();
                assert_eq!(ids, exp_ids, "seed 21/22 {metric}");
            }
        }
    }

    #[test]
    fn flat_index_half_precision_stays_close() {
        let (base, queries) = (matrix(500, 32, 31), matrix(8, 32, 32));
        let exact = exact_knn(&base, &queries, Metric::L2, 10).unwrap();
        for element in [ElementType::Float16, ElementType::Bfloat16] {
            let index = FlatIndex::build(&base, Metric::L2, element).unwrap();
            assert_eq!(index.element_type(), element);
            let mut hits = 0;
            for (q, exp) in queries.iter_rows().zip(&exact) {
                let (found, _) = index.search(q, 10).unwrap();
                hits += found
                    .iter()
                    .filter(|n| exp.iter().any(|e| e.id == n.id))
                    .count();
            }
            // Floor: rounding rows to 8 (bf16) or 11 (f16) mantissa bits may swap near ties only.
            assert!(hits >= 72, "seed 31/32 {element}: {hits}/80");
        }
    }

    #[test]
    fn flat_index_memory_is_exact() {
        let base = matrix(1500, 10, 41);
        let f32_index = FlatIndex::build(&base, Metric::L2, ElementType::Float32).unwrap();
        assert_eq!(f32_index.memory().index_bytes(), 1500 * 10 * 4);
        let f16_index = FlatIndex::build(&base, Metric::L2, ElementType::Float16).unwrap();
        assert_eq!(f16_index.memory().vector_bytes, 1500 * 10 * 2);
        // Two aligned 1024-row blocks of 10 × 2 bytes; 16 B per slot, 32 B per label node.
        let redis = f16_index.redis_memory_estimate();
        assert_eq!(redis.vector_bytes, 2 * (1024 * 20 + 72));
        assert_eq!(redis.other_bytes, 2048 * 16 + 1500 * 32 + 1300);
        assert_eq!(
            redis_flat_memory_estimate(0, 10, ElementType::Float32).index_bytes(),
            0
        );
    }

    #[test]
    fn flat_index_rejects_bad_queries() {
        let index =
            FlatIndex::build(&matrix(10, 4, 51), Metric::Cosine, ElementType::Float32).unwrap();
        assert_eq!(index.search(&[1.0; 4], 0), Err(CoreError::ZeroK));
        assert!(matches!(
            index.search(&[1.0; 3], 1),
            Err(CoreError::DimensionMismatch { .. })
        ));
        assert_eq!(
            index.search(&[0.0; 4], 1),
            Err(CoreError::ZeroVectorUnderCosine { row: 0 })
        );
        assert!(matches!(
            index.search(&[1.0, f32::NAN, 0.0, 0.0], 1),
            Err(CoreError::NonFinite { row: 0, col: 1 })
        ));
    }
}
