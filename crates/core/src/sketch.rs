//! Exact-decision pre-screening for graph construction.
//!
//! Most distances a build computes are only compared with a threshold: a searched neighbour is
//! kept only if it beats the worst of a full buffer (about 80 % are not), and a pruning step
//! only asks whether a kept neighbour covers a candidate. A [`BuildSketch`] holds every row as
//! 16-bit integer codes with a per-row scale (`x̂ = scale · a`, |a| ≤ 4095) and, from an exact
//! integer dot product of two code rows, gives an interval that is *guaranteed* to contain the
//! f32 distance the exact kernels would compute. When the whole interval lies on one side of the
//! threshold the decision is known without touching the f32 rows (half the bytes, and about
//! half the arithmetic); otherwise the exact distance is computed. Decisions, and so the graph,
//! are therefore exactly those of the unscreened build (tested bit for bit).
//!
//! The interval, for rows x, y with code rows x̂, ŷ and errors e = x − x̂:
//! - |x·y − x̂·ŷ| ≤ ‖x̂‖‖e_y‖ + ‖e_x‖‖ŷ‖ + ‖e_x‖‖e_y‖ (Cauchy–Schwarz on the three cross terms);
//! - the f32 kernels differ from the real value by at most γ·Σ|x_i y_i| ≤ γ‖x‖‖y‖ for
//!   dot products, and by at most γ·‖x − y‖² for squared L2, with γ = (d + 20)·2⁻²³ (any
//!   summation order, FMA or not; twice the textbook γ_d for margin);
//! - IP/COSINE distances are 1 − dot (one more f32 rounding), L2 uses ‖x‖² + ‖y‖² − 2x·y;
//! - every per-row norm is computed in f64 and rounded up, and the f32 ends are rounded outward.
//!
//! Only stores whose distances are f32 kernels over exactly the decoded rows qualify
//! ([`crate::store::VectorStore::exact_f32_rows`]); compressed stores build unscreened.

use crate::distance::{code_dot_1x4_kernel, CodeBatch4Kernel, CODE_I16_MAX};
use crate::store::VectorStore;

/// Code rows are padded with zeros to a multiple of this, so the SIMD loops have no tail.
const CODE_PAD: usize = 16;

/// i16 slots before each row's codes holding its [`RowBounds`] (five f32 as bit halves): the
/// constants arrive with the row's first cache line, which the code kernel loads anyway,
/// instead of costing a miss of their own.
const HEADER: usize = 16;

/// Rows start on a cache line (64 bytes, in i16 slots): so the header always shares its line
/// with the first codes. (With unaligned rows, every other row's header had a line of its own:
/// 31 % of the interval code's samples stalled on it, jitdump profile.)
const LINE: usize = 32;

/// Magnitudes beyond which f32 kernels could overflow: such data builds unscreened.
const MAX_SAFE_NORM: f64 = 1e18;

/// Largest sketch made (bytes of codes): beyond it (about 80,000 × 768 rows) the build runs
/// unscreened rather than hold another half of the f32 data in every building worker.
pub const MAX_SKETCH_BYTES: usize = 128 << 20;

/// Per-row constants of the interval, as f32 upper bounds (rounded up from f64).
#[derive(Debug, Clone, Copy, Default)]
struct RowBounds {
    /// The code scale (exact: the codes decode to `scale · a` with this f32).
    scale: f32,
    /// ‖x̂‖.
    code_norm: f32,
    /// ‖x − x̂‖.
    error_norm: f32,
    /// ‖x‖.
    norm: f32,
    /// ‖x‖².
    sq_norm: f32,
}

/// 16-bit codes of every row of a store, with the constants that bound the exact distance.
#[derive(Debug)]
pub struct BuildSketch {
    inner_product: bool,
    /// i16 slots per row: [`HEADER`], the codes (the dimension padded to [`CODE_PAD`]), zero
    /// padding to a whole number of lines.
    stride: usize,
    /// Codes per row (the dimension padded to [`CODE_PAD`]).
    code_len: usize,
    /// Where row 0 starts in `codes` (the first line boundary of the allocation).
    first: usize,
    codes: Vec<i16>,
    /// γ: the relative rounding allowance of the exact f32 kernels.
    rounding: f32,
    kernel: CodeBatch4Kernel,
}

/// `f32::EPSILON / 2`: the unit roundoff u of f32.
const UNIT: f32 = f32::EPSILON / 2.0;

/// Relative and absolute slack on every interval, far above the few f32 roundings made while
/// computing it (each at most u relative), so the interval stays a guaranteed enclosure.
const SLACK_REL: f32 = 1e-3;
const SLACK_ABS: f32 = 1e-30;

/// The smallest f32 ≥ `x` (for non-negative bounds computed in f64).
fn up_f32(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x {
        f.next_up()
    } else {
        f
    }
}

/// A non-negative f64 bound rounded up a little (f64 rounding in its computation), as f32.
fn bound(x: f64) -> f32 {
    up_f32(x * (1.0 + 1e-12))
}

impl BuildSketch {
    /// Codes `store`'s rows, or `None` when its distances are not f32 kernels over its decoded
    /// rows (compressed stores), or its values are large enough to risk f32 overflow.
    pub fn from_store<S: VectorStore>(store: &S) -> Option<Self> {
        if !store.exact_f32_rows() || store.is_empty() {
            return None;
        }
        let dim = store.dim();
        let code_len = dim.div_ceil(CODE_PAD).max(1) * CODE_PAD;
        let stride = (HEADER + code_len).div_ceil(LINE) * LINE;
        let n = store.len();
        let rows_len = n.checked_mul(stride)?;
        if rows_len.checked_mul(std::mem::size_of::<i16>())? > MAX_SKETCH_BYTES {
            return None;
        }
        // A failed allocation means no sketch, never an abort. The vector never grows after
        // this, so the line boundary found here stays put.
        let mut codes: Vec<i16> = Vec::new();
        codes.try_reserve_exact(rows_len + LINE).ok()?;
        codes.resize(rows_len + LINE, 0);
        let misaligned = (codes.as_ptr() as usize / std::mem::size_of::<i16>()) % LINE;
        let first = (LINE - misaligned) % LINE;
        let mut row = Vec::with_capacity(dim);
        let max_code = f64::from(CODE_I16_MAX);
        let rows = codes.get_mut(first..first + rows_len)?;
        for (id, out) in rows.chunks_exact_mut(stride).enumerate() {
            store.decode_row(id as u32, &mut row);
            let max_abs = row.iter().fold(0.0f64, |m, &x| m.max(f64::from(x).abs()));
            if !max_abs.is_finite() || max_abs * (dim as f64).sqrt() > MAX_SAFE_NORM {
                return None;
            }
            // An f32 scale, so the decoded codes are exactly what the bounds describe.
            let scale = if max_abs > 0.0 {
                (max_abs / max_code) as f32
            } else {
                0.0
            };
            let scale64 = f64::from(scale);
            let (mut code_sq, mut error_sq, mut sq) = (0.0f64, 0.0f64, 0.0f64);
            let (header, code_slots) = out.split_at_mut(HEADER);
            for (slot, &x) in code_slots.iter_mut().zip(&row) {
                let x = f64::from(x);
                let a = if scale64 > 0.0 {
                    (x / scale64).round().clamp(-max_code, max_code)
                } else {
                    0.0
                };
                // |a| ≤ 4095, so the cast is exact.
                *slot = a as i16;
                let decoded = a * scale64;
                code_sq += decoded * decoded;
                error_sq += (x - decoded) * (x - decoded);
                sq += x * x;
            }
            let bounds = RowBounds {
                scale,
                code_norm: bound(code_sq.sqrt()),
                error_norm: bound(error_sq.sqrt()),
                norm: bound(sq.sqrt()),
                sq_norm: bound(sq),
            };
            bounds.write(header);
        }
        Some(Self {
            inner_product: store.metric().is_inner_product(),
            stride,
            code_len,
            first,
            codes,
            rounding: (dim as f32 + 20.0) * f32::EPSILON,
            kernel: code_dot_1x4_kernel(),
        })
    }

    /// Row `id`'s codes and constants (`None` past the end).
    #[inline]
    fn row(&self, id: u32) -> Option<(&[i16], RowBounds)> {
        let start = self.first + id as usize * self.stride;
        let row = self.codes.get(start..start + self.stride)?;
        let (header, codes) = row.split_at(HEADER);
        Some((codes.get(..self.code_len)?, RowBounds::read(header)))
    }

    fn code_row(&self, id: u32) -> &[i16] {
        self.row(id).map_or(&[], |(codes, _)| codes)
    }

    /// Appends to `out`, for every id of `ids`, an interval `(lo, hi)` that contains the f32
    /// distance the exact kernels compute between rows `from` and `id`.
    pub fn intervals(&self, from: u32, ids: &[u32], out: &mut Vec<(f32, f32)>) {
        let Some((query, p)) = self.row(from) else {
            out.extend(ids.iter().map(|_| (f32::NEG_INFINITY, f32::INFINITY)));
            return;
        };
        let from_pair = FromRow::new(&p, self.rounding);
        out.reserve(ids.len());
        for (k, chunk) in ids.chunks(4).enumerate() {
            #[cfg(target_arch = "x86_64")]
            for &id in ids.iter().skip((k + 2) * 4).take(4) {
                crate::store::prefetch_slice(self.code_row(id));
            }
            #[cfg(not(target_arch = "x86_64"))]
            let _ = k;
            let four = [0, 1, 2, 3].map(|k| chunk.get(k).copied().unwrap_or(chunk[0]));
            let dots = self.kernel.call(query, four.map(|id| self.code_row(id)));
            for (&id, &dot) in chunk.iter().zip(&dots) {
                out.push(match self.row(id) {
                    Some((_, c)) if self.inner_product => from_pair.inner_product(&c, dot),
                    Some((_, c)) => from_pair.l2(&c, dot, self.rounding),
                    None => (f32::NEG_INFINITY, f32::INFINITY),
                });
            }
        }
    }
}

impl RowBounds {
    fn fields(&self) -> [f32; 5] {
        [
            self.scale,
            self.code_norm,
            self.error_norm,
            self.norm,
            self.sq_norm,
        ]
    }

    /// Stores the five f32 as bit halves in `header` (at least 10 slots).
    fn write(&self, header: &mut [i16]) {
        for (pair, value) in header.chunks_exact_mut(2).zip(self.fields()) {
            let bits = value.to_bits();
            pair[0] = bits as u16 as i16;
            pair[1] = (bits >> 16) as u16 as i16;
        }
    }

    #[inline]
    fn read(header: &[i16]) -> Self {
        let mut fields = [0.0f32; 5];
        for (value, pair) in fields.iter_mut().zip(header.chunks_exact(2)) {
            *value = f32::from_bits(u32::from(pair[0] as u16) | (u32::from(pair[1] as u16) << 16));
        }
        let [scale, code_norm, error_norm, norm, sq_norm] = fields;
        Self {
            scale,
            code_norm,
            error_norm,
            norm,
            sq_norm,
        }
    }
}

/// The terms of the interval that depend only on the row measured from.
struct FromRow {
    scale: f32,
    /// ‖x̂_p‖ + ‖e_p‖ (multiplies ‖e_c‖).
    code_plus_error: f32,
    error_norm: f32,
    /// γ‖x_p‖ (multiplies ‖x_c‖).
    rounding_norm: f32,
    sq_norm: f32,
}

impl FromRow {
    fn new(p: &RowBounds, rounding: f32) -> Self {
        Self {
            scale: p.scale,
            code_plus_error: p.code_norm + p.error_norm,
            error_norm: p.error_norm,
            rounding_norm: rounding * p.norm,
            sq_norm: p.sq_norm,
        }
    }

    /// ‖x̂_p‖‖e_c‖ + ‖e_p‖‖x̂_c‖ + ‖e_p‖‖e_c‖, and the approximate dot product.
    // Each f32 operation in these functions rounds by at most u relative; `SLACK_REL` covers
    // them all.
    #[inline]
    fn sketch(&self, c: &RowBounds, codes_dot: i64) -> (f32, f32) {
        let approx_dot = (self.scale * c.scale) * codes_dot as f32;
        let error = c.error_norm * self.code_plus_error + self.error_norm * c.code_norm;
        (approx_dot, error)
    }

    #[inline]
    fn inner_product(&self, c: &RowBounds, codes_dot: i64) -> (f32, f32) {
        let (approx_dot, sketch_error) = self.sketch(c, codes_dot);
        let center = 1.0 - approx_dot;
        let width =
            (sketch_error + self.rounding_norm * c.norm + 8.0 * UNIT * (1.0 + approx_dot.abs()))
                * (1.0 + SLACK_REL)
                + SLACK_ABS;
        (center - width, center + width)
    }

    #[inline]
    fn l2(&self, c: &RowBounds, codes_dot: i64, rounding: f32) -> (f32, f32) {
        let (approx_dot, sketch_error) = self.sketch(c, codes_dot);
        let norms = self.sq_norm + c.sq_norm;
        let center = norms - 2.0 * approx_dot;
        let real_width = 2.0 * sketch_error + 8.0 * UNIT * (norms + 2.0 * approx_dot.abs());
        let width = (real_width + rounding * (center.max(0.0) + real_width)) * (1.0 + SLACK_REL)
            + SLACK_ABS;
        ((center - width).max(0.0), center + width)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;
    use crate::metric::Metric;
    use crate::store::{FullPrecisionStore, QueryScorer};

    fn check(metric: Metric, rows: usize, dim: usize, values: Vec<f32>) -> f64 {
        let m = Matrix::new(dim, values).unwrap();
        let store = FullPrecisionStore::<f32>::from_matrix(&m, metric).unwrap();
        let sketch = BuildSketch::from_store(&store).unwrap();
        let ids: Vec<u32> = (0..rows as u32).collect();
        let mut widest = 0.0f64;
        let mut intervals = Vec::new();
        for p in 0..rows as u32 {
            intervals.clear();
            sketch.intervals(p, &ids, &mut intervals);
            let scorer = store.scorer_for_row(p);
            for chunk in ids.chunks(4) {
                let four = [0, 1, 2, 3].map(|k| chunk.get(k).copied().unwrap_or(chunk[0]));
                let exact4 = scorer.distance4(four);
                for (k, &id) in chunk.iter().enumerate() {
                    let (lo, hi) = intervals[id as usize];
                    for exact in [exact4[k], scorer.distance(id)] {
                        assert!(
                            lo <= exact && exact <= hi,
                            "{metric:?} {p}->{id}: {exact} outside [{lo}, {hi}]"
                        );
                    }
                    widest = widest.max(f64::from(hi - lo));
                }
            }
        }
        widest
    }

    #[test]
    fn intervals_hold_the_exact_kernel_distances() {
        let (rows, dim) = (40, 77);
        let mut rng = crate::rng::seeded(7);
        let mut values: Vec<f32> = (0..rows * dim)
            .map(|_| rand::Rng::random_range(&mut rng, -1.0f32..1.0))
            .collect();
        // Awkward rows: one huge component, all zero, near-duplicates, tiny values.
        values[dim * 3] = 1e4;
        values[dim * 5..dim * 6].fill(0.0);
        let (first, rest) = values.split_at_mut(dim * 8);
        rest[..dim].copy_from_slice(&first[dim * 7..dim * 8]);
        rest[0] += 1e-6;
        values[dim * 10..dim * 11]
            .iter_mut()
            .for_each(|x| *x *= 1e-30);
        for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
            let mut data = values.clone();
            if metric == Metric::Cosine {
                // COSINE rejects zero (and underflowing) rows.
                data[dim * 5] = 1.0;
                data[dim * 10] = 1.0;
            }
            check(metric, rows, dim, data);
        }
    }

    #[test]
    fn intervals_are_tight_for_normalised_embeddings() {
        let (rows, dim) = (30, 384);
        let data = crate::rng::synthetic_clustered(rows, dim, 4, 11);
        let widest = check(Metric::Cosine, rows, dim, data);
        assert!(widest < 2e-3, "interval width {widest}");
    }

    #[test]
    fn huge_values_or_too_many_rows_are_not_sketched() {
        let m = Matrix::new(2, vec![1e30, 0.0, 1.0, 2.0]).unwrap();
        let store = FullPrecisionStore::<f32>::from_matrix(&m, Metric::L2).unwrap();
        assert!(BuildSketch::from_store(&store).is_none());
        // Just past the size cap: 16 codes + 16 header slots per row of 2 dims.
        let rows = MAX_SKETCH_BYTES / (32 * 2) + 1;
        let m = Matrix::new(2, vec![0.5; rows * 2]).unwrap();
        let store = FullPrecisionStore::<f32>::from_matrix(&m, Metric::L2).unwrap();
        assert!(BuildSketch::from_store(&store).is_none());
        let m = Matrix::new(2, vec![0.5; (rows - 1) * 2]).unwrap();
        let store = FullPrecisionStore::<f32>::from_matrix(&m, Metric::L2).unwrap();
        assert!(BuildSketch::from_store(&store).is_some());
    }
}
