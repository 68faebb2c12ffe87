//! LeanVec4x8 / LeanVec8x8 (spec §3.5): a PCA-projected LVQ primary plus a full-dimension LVQ8
//! secondary.
//!
//! Training: μ = per-dimension mean of the training rows; `W` (d′×d, orthonormal rows) = the d′
//! leading eigenvectors of their covariance ([`super::pca`], LeanVec-ID; no query sample, as in
//! Redis). Each row `x` is stored as `[LVQ-B of y = W(x − μ) : P_B(d′) bytes][LVQ8 of x − μ :
//! d + 5 bytes]`. The projected data are centred by construction (their training mean is
//! `W·0`), so the primary uses no second mean.
//!
//! Primary distance (graph traversal), with `ŷ` the decoded primary and the query projected once:
//! - IP/COSINE: `1 − (q·μ + (Wq)·ŷ)`, i.e. the inner product with `μ + Wᵀŷ`;
//! - L2: `‖W(q − μ) − ŷ‖² + (‖q − μ‖² − ‖W(q − μ)‖²)`: the squared distance to `μ + Wᵀŷ`, whose
//!   second term (the query's energy outside the subspace) is a per-query constant that keeps
//!   primary distances on the scale of true distances.
//!
//! `rerank_distance` scores the LVQ8 secondary exactly like an LVQ8 store.
//!
//! Graph construction uses the primary alone, as SVS's LeanVec build adaptor does (traversal,
//! candidate pool and prune; only searches re-rank with the secondary). A stored row as a query
//! therefore starts from its own primary: with `q = μ + Wᵀŷᵢ`, `Wq = Wμ + ŷᵢ` and
//! `q·μ = μ·μ + ŷᵢ·Wμ` (L2: `W(q − μ) = ŷᵢ`, nothing outside the subspace), so aiming a scorer
//! at a row costs O(d′ + d), not a d′×d projection.
//!
//! REDUCE: 0 is rejected ([`QuantError::ZeroReduce`]); REDUCE ≥ DIM (UNCERTAIN what SVS does) is
//! clamped to DIM, so the primary is a PCA rotation of the full vector.

use crate::control::BuildControl;
use crate::metric::Metric;
use crate::store::{QueryScorer, VectorStore};

use super::error::QuantError;
use super::lvq::{encode_one_level, PreparedOneLevel};
use super::lvq_codec::{decode_primary, padded_dims, primary_code_bytes, primary_record_bytes};
use super::pca::principal_directions;
use super::prep::{dataset_mean, TrainingInput};
use super::records::{centre, decode_origin, Records};
use super::simd::Isa;

/// Bits of the full-dimension secondary.
const SECONDARY_BITS: u32 = 8;

/// The reduced dimension LeanVec actually uses for a requested REDUCE (clamped to DIM).
pub fn effective_reduced_dim(reduce: usize, dim: usize) -> usize {
    reduce.min(dim)
}

/// LeanVec rows.
#[derive(Debug, Clone)]
pub struct LeanVecStore {
    dim: usize,
    reduced_dim: usize,
    metric: Metric,
    primary_bits: u32,
    mean: Vec<f32>,
    /// Row-major `reduced_dim × dim`.
    projection: Vec<f32>,
    /// `Wμ` (d′ values) and `μ·μ`: what a stored row's primary query needs besides `ŷ`.
    projected_mean: Vec<f32>,
    mean_norm_sq: f32,
    primary_code_bytes: usize,
    primary_bytes: usize,
    data: Records,
    isa: Isa,
}

impl LeanVecStore {
    /// Trains μ and the projection on the first `training` preprocessed rows, then encodes every
    /// row.
    pub(crate) fn train(
        input: &TrainingInput<'_>,
        primary_bits: u32,
        reduce: usize,
        control: &mut dyn BuildControl,
    ) -> Result<Self, QuantError> {
        let dim = input.dim;
        if reduce == 0 {
            return Err(QuantError::ZeroReduce);
        }
        let reduced_dim = effective_reduced_dim(reduce, dim);
        let mean = dataset_mean(input.rows, dim, input.training, control)?;
        let projection =
            principal_directions(input.rows, dim, &mean, input.training, reduced_dim, control)?;
        let primary_code_bytes = primary_code_bytes(primary_bits, reduced_dim);
        let primary_bytes = primary_record_bytes(primary_bits, reduced_dim);
        let stride = primary_bytes + primary_record_bytes(SECONDARY_BITS, dim);
        let mut centred = vec![0.0f32; dim];
        let mut projected = vec![0.0f32; reduced_dim];
        let data = Records::encode(input, stride, control, |row, x, record| {
            centre(x, &mean, &mut centred);
            project(&projection, dim, &centred, &mut projected);
            let (head, tail) = record.split_at_mut(primary_bytes);
            encode_one_level(primary_bits, &projected, head, row)?;
            encode_one_level(SECONDARY_BITS, &centred, tail, row)?;
            Ok(())
        })?;
        let mut projected_mean = vec![0.0f32; reduced_dim];
        project(&projection, dim, &mean, &mut projected_mean);
        let mean_norm_sq = crate::distance::dot(&mean, &mean);
        Ok(Self {
            dim,
            reduced_dim,
            metric: input.metric,
            primary_bits,
            mean,
            projection,
            projected_mean,
            mean_norm_sq,
            primary_code_bytes,
            primary_bytes,
            data,
            isa: Isa::detect(),
        })
    }

    /// d′, the dimension of the primary.
    pub fn reduced_dim(&self) -> usize {
        self.reduced_dim
    }

    /// Bits of the primary codes (4 or 8).
    pub fn primary_bits(&self) -> u32 {
        self.primary_bits
    }

    /// The trained per-dimension mean μ.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The projection `W`, row-major `reduced_dim × dim`.
    pub fn projection(&self) -> &[f32] {
        &self.projection
    }

    /// `W·v` (d′ values).
    pub fn project(&self, v: &[f32], out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.reduced_dim, 0.0);
        project(&self.projection, self.dim, v, out);
    }

    #[inline]
    fn record(&self, id: u32) -> &[u8] {
        self.data.get(id)
    }

    /// The decoded primary `ŷ` of row `id` in the reduced space (d′ values).
    pub fn decode_primary_reduced(&self, id: u32, out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.reduced_dim, 0.0);
        decode_primary(self.primary_bits, self.record(id), out);
    }

    fn prepare(&self, query: &[f32], origin_missing: bool) -> LeanVecScorer<'_> {
        let mut scorer = self.unprepared_scorer(origin_missing);
        self.prepare_into(query, &mut scorer);
        scorer
    }

    /// A scorer with empty buffers, to be prepared or aimed.
    fn unprepared_scorer(&self, origin_missing: bool) -> LeanVecScorer<'_> {
        let empty = || PreparedOneLevel {
            q: Vec::new(),
            sum_q: 0.0,
            offset: 0.0,
            pad: 0.0,
        };
        LeanVecScorer {
            store: self,
            primary: empty(),
            secondary: empty(),
            origin_missing,
            full: Vec::new(),
            centred: Vec::new(),
            row: Vec::new(),
        }
    }

    /// Prepares `query` into `scorer`'s buffers: projected for the primary, at full dimension
    /// for the secondary.
    fn prepare_into(&self, query: &[f32], scorer: &mut LeanVecScorer<'_>) {
        let LeanVecScorer {
            primary,
            secondary,
            full,
            centred,
            ..
        } = scorer;
        full.clear();
        full.extend((0..self.dim).map(|i| query.get(i).copied().unwrap_or(0.0)));
        let padded = padded_dims(self.primary_bits, self.reduced_dim);
        let q = &mut primary.q;
        q.reserve(padded);
        let (sum_q, offset) = if self.metric.is_inner_product() {
            self.project(full, q);
            (
                super::simd::lane_sum(q),
                crate::distance::dot(full, &self.mean),
            )
        } else {
            centred.clear();
            centred.extend(full.iter().zip(&self.mean).map(|(v, m)| v - m));
            self.project(centred, q);
            let outside = crate::distance::dot(centred, centred) - crate::distance::dot(q, q);
            (0.0, outside.max(0.0))
        };
        q.resize(padded, 0.0);
        primary.sum_q = sum_q;
        primary.offset = offset;
        primary.pad = (padded - self.reduced_dim) as f32;
        secondary.reset(self.metric, SECONDARY_BITS, full, &self.mean);
    }
}

/// `out[r] = W[r]·v`.
fn project(projection: &[f32], dim: usize, v: &[f32], out: &mut [f32]) {
    for (o, w) in out.iter_mut().zip(projection.chunks_exact(dim.max(1))) {
        *o = crate::distance::dot(w, v);
    }
}

/// A query prepared for [`LeanVecStore`]: projected once for the primary, kept at full
/// dimension for the secondary.
pub struct LeanVecScorer<'a> {
    store: &'a LeanVecStore,
    primary: PreparedOneLevel,
    secondary: PreparedOneLevel,
    /// Made by `scorer_for_row` from an out-of-range id: every distance is +∞.
    origin_missing: bool,
    /// The query at full dimension, (L2) centred, and the decoded stored row it came from:
    /// buffers `aim_at_row` reuses.
    full: Vec<f32>,
    centred: Vec<f32>,
    row: Vec<f32>,
}

impl QueryScorer for LeanVecScorer<'_> {
    #[inline]
    fn distance(&self, id: u32) -> f32 {
        let s = self.store;
        let record = s.record(id);
        if record.is_empty() || self.origin_missing {
            return f32::INFINITY;
        }
        self.primary.score(
            s.isa,
            s.metric,
            s.primary_bits,
            record,
            s.primary_code_bytes,
        )
    }

    fn rerank_distance(&self, id: u32) -> f32 {
        let s = self.store;
        let secondary = match s.record(id).get(s.primary_bytes..) {
            Some(secondary) if !secondary.is_empty() && !self.origin_missing => secondary,
            _ => return f32::INFINITY,
        };
        self.secondary
            .score(s.isa, s.metric, SECONDARY_BITS, secondary, s.dim)
    }
}

impl VectorStore for LeanVecStore {
    type Scorer<'a> = LeanVecScorer<'a>;

    fn len(&self) -> usize {
        self.data.len()
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn metric(&self) -> Metric {
        self.metric
    }

    fn scorer<'a>(&'a self, query: &[f32]) -> Self::Scorer<'a> {
        self.prepare(query, false)
    }

    fn scorer_for_row<'a>(&'a self, id: u32) -> Self::Scorer<'a> {
        let mut scorer = self.unprepared_scorer(false);
        self.aim_at_row(&mut scorer, id);
        scorer
    }

    /// Each level measures from the row's own code of that level (see the module notes).
    fn aim_at_row<'a>(&'a self, scorer: &mut Self::Scorer<'a>, id: u32) {
        let mut row = std::mem::take(&mut scorer.row);
        scorer.origin_missing = decode_origin(self, id, &mut row);
        scorer
            .secondary
            .reset(self.metric, SECONDARY_BITS, &row, &self.mean);
        scorer.row = row;
        let primary = &mut scorer.primary;
        self.decode_primary_reduced(id, &mut primary.q);
        let (sum_q, offset) = if self.metric.is_inner_product() {
            let offset = self.mean_norm_sq + crate::distance::dot(&primary.q, &self.projected_mean);
            primary
                .q
                .iter_mut()
                .zip(&self.projected_mean)
                .for_each(|(q, m)| *q += m);
            (super::simd::lane_sum(&primary.q), offset)
        } else {
            (0.0, 0.0)
        };
        let padded = padded_dims(self.primary_bits, self.reduced_dim);
        primary.q.resize(padded, 0.0);
        primary.sum_q = sum_q;
        primary.offset = offset;
        primary.pad = (padded - self.reduced_dim) as f32;
    }

    /// The best reconstruction: `μ +` the LVQ8 secondary.
    fn decode_row(&self, id: u32, out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.dim, 0.0);
        let secondary = self.record(id).get(self.primary_bytes..).unwrap_or(&[]);
        decode_primary(SECONDARY_BITS, secondary, out);
        out.iter_mut().zip(&self.mean).for_each(|(o, m)| *o += m);
    }

    #[inline]
    fn prefetch_vector(&self, id: u32) {
        crate::store::prefetch_slice(self.record(id));
    }

    fn vector_bytes(&self) -> u64 {
        self.data.bytes()
    }

    fn codec_bytes(&self) -> u64 {
        ((self.mean.len() + self.projection.len()) * std::mem::size_of::<f32>()) as u64
    }

    fn is_two_level(&self) -> bool {
        true
    }
}
