//! GlobalSQ8: one global scale/offset for every component (Redis's open-source fallback, spec
//! §1.6).
//!
//! Training takes the global min and max over all components of the (normalised) training
//! rows; `step = (max − min)/255` and `code = clamp(round((x − min)/step), 0, 255)`. Values
//! outside the training range (rows after the training prefix) are **clamped** to 0 or 255, so
//! their error can exceed `step/2`; inside the range it is at most `step/2`. A constant data set
//! (max = min) stores every code as 0 and reconstructs exactly. Layout: `d` bytes per vector in
//! dimension order; the two constants are shared f32 values (`codec_bytes` = 8).

use crate::control::BuildControl;
use crate::metric::Metric;
use crate::store::{QueryScorer, VectorStore};

use super::error::QuantError;
use super::prep::{report, TrainingInput};
use super::records::{decode_origin, Records};
use super::simd::{self, Isa};

/// Rows encoded with one global 8-bit scalar quantiser.
#[derive(Debug, Clone)]
pub struct Sq8Store {
    dim: usize,
    metric: Metric,
    min: f32,
    step: f32,
    codes: Records,
    isa: Isa,
}

impl Sq8Store {
    /// Trains on the first `training` rows of the preprocessed `rows` and encodes all of them.
    pub(crate) fn train(
        input: &TrainingInput<'_>,
        control: &mut dyn BuildControl,
    ) -> Result<Self, QuantError> {
        let (rows, dim) = (input.rows, input.dim);
        let prefix = rows.get(..input.training * dim).unwrap_or(rows);
        let (lo, hi) = prefix
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let (min, max) = if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) };
        let step = (max - min) / 255.0;
        report(control, "training", input.training, input.training)?;
        let inv = if step > 0.0 { 1.0 / step } else { 0.0 };
        let codes = Records::encode(input, dim, control, |_, x, record| {
            for (c, &v) in record.iter_mut().zip(x) {
                *c = ((v - min) * inv).round().clamp(0.0, 255.0) as u8;
            }
            Ok(())
        })?;
        Ok(Self {
            dim,
            metric: input.metric,
            min,
            step,
            codes,
            isa: Isa::detect(),
        })
    }

    /// Global offset (the training minimum).
    pub fn min(&self) -> f32 {
        self.min
    }

    /// Global step `(max − min)/255`.
    pub fn step(&self) -> f32 {
        self.step
    }

    /// The codes of row `id` (empty when out of range).
    #[inline]
    pub fn codes(&self, id: u32) -> &[u8] {
        self.codes.get(id)
    }
}

/// A query prepared for [`Sq8Store`]: IP keeps `min·Σq` precomputed.
pub struct Sq8Scorer<'a> {
    store: &'a Sq8Store,
    query: Vec<f32>,
    min_times_sum: f32,
    /// Made by `scorer_for_row` from an out-of-range id: every distance is +∞.
    origin_missing: bool,
}

impl QueryScorer for Sq8Scorer<'_> {
    #[inline]
    fn distance(&self, id: u32) -> f32 {
        let s = self.store;
        let codes = s.codes(id);
        if codes.is_empty() || self.origin_missing {
            return f32::INFINITY;
        }
        match s.metric {
            Metric::L2 => simd::l2_u8(s.isa, &self.query, s.min, s.step, codes),
            Metric::Ip | Metric::Cosine => {
                1.0 - (self.min_times_sum + s.step * simd::dot_u8(s.isa, &self.query, codes))
            }
        }
    }
}

impl Sq8Store {
    fn prepare(&self, mut query: Vec<f32>, origin_missing: bool) -> Sq8Scorer<'_> {
        query.resize(self.dim, 0.0);
        let min_times_sum = self.min * query.iter().sum::<f32>();
        Sq8Scorer {
            store: self,
            query,
            min_times_sum,
            origin_missing,
        }
    }
}

impl VectorStore for Sq8Store {
    type Scorer<'a> = Sq8Scorer<'a>;

    fn len(&self) -> usize {
        self.codes.len()
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn metric(&self) -> Metric {
        self.metric
    }

    fn scorer<'a>(&'a self, query: &[f32]) -> Self::Scorer<'a> {
        self.prepare(query.to_vec(), false)
    }

    fn scorer_for_row<'a>(&'a self, id: u32) -> Self::Scorer<'a> {
        let mut row = Vec::new();
        let missing = decode_origin(self, id, &mut row);
        self.prepare(row, missing)
    }

    fn aim_at_row<'a>(&'a self, scorer: &mut Self::Scorer<'a>, id: u32) {
        let mut row = std::mem::take(&mut scorer.query);
        let missing = decode_origin(self, id, &mut row);
        *scorer = self.prepare(row, missing);
    }

    fn decode_row(&self, id: u32, out: &mut Vec<f32>) {
        out.clear();
        out.extend(
            self.codes(id)
                .iter()
                .map(|&c| self.min + self.step * f32::from(c)),
        );
    }

    #[inline]
    fn prefetch_vector(&self, id: u32) {
        crate::store::prefetch_slice(self.codes(id));
    }

    fn vector_bytes(&self) -> u64 {
        self.codes.bytes()
    }

    fn codec_bytes(&self) -> u64 {
        2 * std::mem::size_of::<f32>() as u64
    }
}
