//! LVQ-B one-level (LVQ4, LVQ8) and two-level (LVQ4x4, LVQ4x8) stores (spec §3.3, §3.4).
//!
//! Every row is centred on the global per-dimension mean μ of the training rows and encoded
//! per vector (see [`super::lvq_codec`] for the record layout). A row's record is the one-level
//! primary (`P_B(d)` bytes) followed, for two-level codecs, by the residual (`⌈R·d/8⌉` bytes).
//!
//! Scoring never decodes: with `x̂ = μ + bias + scale·c (+ δ·(k − centre))`,
//! - IP/COSINE: `1 − (q·μ + bias·Σq + scale·Σ q_i c_i [+ δ·Σ q_i k_i − δ·centre·Σq])`, with `q·μ`
//!   and `Σq` prepared once per query;
//! - L2: `Σ (q_i − μ_i − bias − scale·c_i)²` over the codes, with `q − μ` prepared once. Padding
//!   dimensions of 4-bit blocks (query 0, code 0) each add exactly `bias²`, which is subtracted.

use crate::control::BuildControl;
use crate::metric::Metric;
use crate::store::{QueryScorer, VectorStore};

use super::error::QuantError;
use super::lvq_codec::{
    self, add_residual, decode_primary, encode_primary, encode_residual, padded_dims,
    primary_code_bytes, primary_record_bytes, read_constants, residual_bytes, residual_centre,
    residual_step, BLOCK_BYTES, BLOCK_DIMS,
};
use super::prep::{dataset_mean, TrainingInput};
use super::records::{centre, decode_origin, Records};
use super::simd::{self, Isa};

/// A query prepared for scoring one-level LVQ records of one code space.
#[derive(Debug, Clone)]
pub(crate) struct PreparedOneLevel {
    /// IP: the query; L2: the query minus the code space's mean. Zero-padded to the code
    /// dimensions.
    pub q: Vec<f32>,
    /// IP: `Σ q` over real dimensions.
    pub sum_q: f32,
    /// Added to the similarity (IP: `q·μ`) or to the distance (L2: terms outside the codes).
    pub offset: f32,
    /// Number of padding dimensions (L2 correction).
    pub pad: f32,
}

impl PreparedOneLevel {
    /// Prepares `query` against codes of `bits` bits over `dim` dimensions centred on `mean`.
    pub fn new(metric: Metric, bits: u32, query: &[f32], mean: &[f32]) -> Self {
        let mut prepared = Self {
            q: Vec::new(),
            sum_q: 0.0,
            offset: 0.0,
            pad: 0.0,
        };
        prepared.reset(metric, bits, query, mean);
        prepared
    }

    /// Prepares `query` as [`new`](Self::new) does, reusing `q`'s allocation.
    pub fn reset(&mut self, metric: Metric, bits: u32, query: &[f32], mean: &[f32]) {
        let dim = mean.len();
        let padded = padded_dims(bits, dim);
        let q = &mut self.q;
        q.clear();
        q.reserve(padded);
        q.extend_from_slice(query.get(..dim).unwrap_or(query));
        q.resize(dim, 0.0);
        let (sum_q, offset) = if metric.is_inner_product() {
            (simd::lane_sum(q), crate::distance::dot(q, mean))
        } else {
            q.iter_mut().zip(mean).for_each(|(v, m)| *v -= m);
            (0.0, 0.0)
        };
        q.resize(padded, 0.0);
        self.sum_q = sum_q;
        self.offset = offset;
        self.pad = (padded - dim) as f32;
    }

    /// Distance to a one-level record (codes of `code_bytes` bytes, then the constants).
    #[inline(always)]
    pub fn score(
        &self,
        isa: Isa,
        metric: Metric,
        bits: u32,
        record: &[u8],
        code_bytes: usize,
    ) -> f32 {
        let (scale, bias) = read_constants(record, code_bytes);
        let codes = record.get(..code_bytes).unwrap_or(&[]);
        if metric.is_inner_product() {
            let dot = if bits == 4 {
                simd::dot_u4_blocked(isa, &self.q, codes)
            } else {
                simd::dot_u8(isa, &self.q, codes)
            };
            1.0 - (self.offset + bias * self.sum_q + scale * dot)
        } else {
            let l2 = if bits == 4 {
                simd::l2_u4_blocked(isa, &self.q, bias, scale, codes) - self.pad * bias * bias
            } else {
                simd::l2_u8(isa, &self.q, bias, scale, codes)
            };
            l2.max(0.0) + self.offset
        }
    }
}

/// Encodes one centred row into a one-level record, mapping the f16 range error to `row`.
pub(crate) fn encode_one_level(
    bits: u32,
    centred: &[f32],
    record: &mut [u8],
    row: usize,
) -> Result<(f32, f32), QuantError> {
    encode_primary(bits, centred, record)
        .map_err(|lvq_codec::OutOfHalfRange| QuantError::OutOfHalfRange { row })
}

/// LVQ-B rows (one level, or two levels with an R-bit residual).
#[derive(Debug, Clone)]
pub struct LvqStore {
    dim: usize,
    metric: Metric,
    primary_bits: u32,
    /// 0 for one-level codecs.
    residual_bits: u32,
    mean: Vec<f32>,
    code_bytes: usize,
    primary_bytes: usize,
    data: Records,
    isa: Isa,
}

impl LvqStore {
    /// Trains μ on the first `training` preprocessed rows and encodes every row.
    pub(crate) fn train(
        input: &TrainingInput<'_>,
        primary_bits: u32,
        residual_bits: u32,
        control: &mut dyn BuildControl,
    ) -> Result<Self, QuantError> {
        let dim = input.dim;
        let mean = dataset_mean(input.rows, dim, input.training, control)?;
        let code_bytes = primary_code_bytes(primary_bits, dim);
        let primary_bytes = primary_record_bytes(primary_bits, dim);
        let stride = primary_bytes + residual_bytes(residual_bits, dim);
        let mut centred = vec![0.0f32; dim];
        let mut primary = vec![0.0f32; dim];
        let data = Records::encode(input, stride, control, |row, x, record| {
            centre(x, &mean, &mut centred);
            let (head, tail) = record.split_at_mut(primary_bytes);
            let (scale, _) = encode_one_level(primary_bits, &centred, head, row)?;
            if residual_bits > 0 {
                decode_primary(primary_bits, head, &mut primary);
                encode_residual(residual_bits, &centred, &primary, scale, tail);
            }
            Ok(())
        })?;
        Ok(Self {
            dim,
            metric: input.metric,
            primary_bits,
            residual_bits,
            mean,
            code_bytes,
            primary_bytes,
            data,
            isa: Isa::detect(),
        })
    }

    /// Bits of the primary codes (4 or 8).
    pub fn primary_bits(&self) -> u32 {
        self.primary_bits
    }

    /// Bits of the residual codes (0 for one-level codecs).
    pub fn residual_bits(&self) -> u32 {
        self.residual_bits
    }

    /// The trained per-dimension mean μ.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The record of row `id` (empty when out of range).
    #[inline]
    pub fn record(&self, id: u32) -> &[u8] {
        self.data.get(id)
    }

    /// The stored `(scale, bias)` of row `id`.
    pub fn constants(&self, id: u32) -> (f32, f32) {
        read_constants(self.record(id), self.code_bytes)
    }

    /// Row `id` reconstructed from the primary level only (`μ + bias + scale·c`): what
    /// [`QueryScorer::distance`] scores against.
    pub fn decode_primary_row(&self, id: u32, out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.dim, 0.0);
        decode_primary(self.primary_bits, self.record(id), out);
        out.iter_mut().zip(&self.mean).for_each(|(o, m)| *o += m);
    }

    fn prepare(&self, query: &[f32], origin_missing: bool) -> LvqScorer<'_> {
        LvqScorer {
            store: self,
            prepared: PreparedOneLevel::new(self.metric, self.primary_bits, query, &self.mean),
            origin_missing,
            row: Vec::new(),
        }
    }
}

/// A query prepared for [`LvqStore`].
pub struct LvqScorer<'a> {
    store: &'a LvqStore,
    prepared: PreparedOneLevel,
    /// Made by `scorer_for_row` from an out-of-range id: every distance is +∞.
    origin_missing: bool,
    /// The decoded stored row this scorer measures from (reused by `aim_at_row`).
    row: Vec<f32>,
}

impl LvqScorer<'_> {
    /// Two-level L2: reconstructs 128 dimensions at a time into a stack block (centred space,
    /// no heap allocation) and accumulates the squared differences.
    fn rerank_l2(&self, record: &[u8], scale: f32, bias: f32) -> f32 {
        let s = self.store;
        let codes = record.get(..s.code_bytes).unwrap_or(&[]);
        let residual = record.get(s.primary_bytes..).unwrap_or(&[]);
        let step = residual_step(s.residual_bits, scale);
        let base = bias - step * residual_centre(s.residual_bits);
        let (primary_blocks, _) = codes.as_chunks::<BLOCK_BYTES>();
        // Whole blocks with an 8-bit residual: one fused pass over codes and residual.
        let fused = if s.residual_bits == 8 {
            s.dim / BLOCK_DIMS
        } else {
            0
        };
        let mut acc = match (
            self.prepared.q.get(..fused * BLOCK_DIMS),
            codes.get(..fused * BLOCK_BYTES),
            residual.get(..fused * BLOCK_DIMS),
        ) {
            (Some(q), Some(c), Some(k)) if fused > 0 => {
                simd::l2_u4x8_blocked(s.isa, q, (base, scale, step), c, k)
            }
            _ => 0.0,
        };
        let mut block = [0.0f32; BLOCK_DIMS];
        for ((start, q), packed) in (0..s.dim)
            .step_by(BLOCK_DIMS)
            .zip(self.prepared.q.chunks(BLOCK_DIMS))
            .zip(primary_blocks)
            .skip(fused)
        {
            let len = (s.dim - start).min(BLOCK_DIMS);
            // Two-level primaries are always 4-bit blocks: byte j = dims j (low) and 64 + j.
            let (low, high) = block.split_at_mut(BLOCK_BYTES);
            for ((l, h), &byte) in low.iter_mut().zip(high.iter_mut()).zip(packed) {
                *l = f32::from(byte & 0x0f);
                *h = f32::from(byte >> 4);
            }
            let block = block.get_mut(..len).unwrap_or(&mut []);
            if s.residual_bits == 8 {
                let ks = residual.get(start..start + len).unwrap_or(&[]);
                for (a, &k) in block.iter_mut().zip(ks) {
                    *a = base + scale * *a + step * f32::from(k);
                }
            } else {
                let ks = residual
                    .get(start / 2..(start + len).div_ceil(2))
                    .unwrap_or(&[]);
                for (pair, &k) in block.chunks_mut(2).zip(ks) {
                    let mut nibble = [k & 0x0f, k >> 4].into_iter();
                    for a in pair.iter_mut() {
                        let k = nibble.next().unwrap_or(0);
                        *a = base + scale * *a + step * f32::from(k);
                    }
                }
            }
            acc += simd::l2_f32(q.get(..len).unwrap_or(q), block);
        }
        acc
    }
}

impl QueryScorer for LvqScorer<'_> {
    #[inline]
    fn distance(&self, id: u32) -> f32 {
        let s = self.store;
        let record = s.record(id);
        if record.is_empty() || self.origin_missing {
            return f32::INFINITY;
        }
        self.prepared
            .score(s.isa, s.metric, s.primary_bits, record, s.code_bytes)
    }

    fn rerank_distance(&self, id: u32) -> f32 {
        let s = self.store;
        if s.residual_bits == 0 {
            return self.distance(id);
        }
        let record = s.record(id);
        if record.is_empty() || self.origin_missing {
            return f32::INFINITY;
        }
        let (scale, bias) = read_constants(record, s.code_bytes);
        if !s.metric.is_inner_product() {
            return self.rerank_l2(record, scale, bias);
        }
        let p = &self.prepared;
        let codes = record.get(..s.code_bytes).unwrap_or(&[]);
        let residual = record.get(s.primary_bytes..).unwrap_or(&[]);
        let primary_dot = simd::dot_u4_blocked(s.isa, &p.q, codes);
        let real_q = p.q.get(..s.dim).unwrap_or(&p.q);
        let residual_dot = if s.residual_bits == 4 {
            simd::dot_u4_seq(s.isa, real_q, residual)
        } else {
            simd::dot_u8(s.isa, real_q, residual)
        };
        let step = residual_step(s.residual_bits, scale);
        let base = bias - step * residual_centre(s.residual_bits);
        1.0 - (p.offset + base * p.sum_q + scale * primary_dot + step * residual_dot)
    }
}

impl VectorStore for LvqStore {
    type Scorer<'a> = LvqScorer<'a>;

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
        let mut row = Vec::new();
        let missing = decode_origin(self, id, &mut row);
        let mut scorer = self.prepare(&row, missing);
        scorer.row = row;
        scorer
    }

    fn aim_at_row<'a>(&'a self, scorer: &mut Self::Scorer<'a>, id: u32) {
        let mut row = std::mem::take(&mut scorer.row);
        scorer.origin_missing = decode_origin(self, id, &mut row);
        scorer
            .prepared
            .reset(self.metric, self.primary_bits, &row, &self.mean);
        scorer.row = row;
    }

    /// The best reconstruction: `μ + primary (+ residual)`.
    fn decode_row(&self, id: u32, out: &mut Vec<f32>) {
        out.clear();
        out.resize(self.dim, 0.0);
        let record = self.record(id);
        decode_primary(self.primary_bits, record, out);
        if self.residual_bits > 0 {
            let (scale, _) = read_constants(record, self.code_bytes);
            let residual = record.get(self.primary_bytes..).unwrap_or(&[]);
            add_residual(self.residual_bits, residual, scale, out);
        }
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
        (self.mean.len() * std::mem::size_of::<f32>()) as u64
    }

    fn is_two_level(&self) -> bool {
        self.residual_bits > 0
    }
}
