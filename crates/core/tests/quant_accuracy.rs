//! Codec accuracy: reconstruction error bounds, fast scorers against the scalar decode oracle,
//! code-domain kernels against their scalar bodies, PCA sanity and ranking quality.

use annlab_core::control::NoControl;
use annlab_core::distance::{metric_distance, reference};
use annlab_core::quant::simd::{self, Isa};
use annlab_core::quant::{train_codec_store, CodecKind, CodecStore, LeanVecStore};
use annlab_core::rng::{seeded, synthetic_clustered};
use annlab_core::store::{QueryScorer, VectorStore};
use annlab_core::{Matrix, Metric};
use rand::Rng;

/// f32 slack of reconstruction arithmetic, relative to the magnitudes involved.
const ARITH_REL: f32 = 4.0 * f32::EPSILON;
/// Fast scorer vs decode-then-reference distance, relative to the magnitude of the terms
/// (`‖q‖² + ‖x̂‖²` for L2, `‖q‖·(‖x̂‖ + ‖μ‖) + 1` for IP). Covers reassociation and FMA.
const SCORER_REL_TOL: f32 = 2e-5;
/// SIMD kernels vs their scalar bodies, relative to `Σ|terms|`.
const KERNEL_REL_TOL: f32 = 1e-5;

fn rows_for(metric: Metric, data: &Matrix) -> Vec<Vec<f32>> {
    data.iter_rows()
        .map(|r| {
            let mut v = r.to_vec();
            if metric.normalizes() {
                assert!(annlab_core::distance::normalize(&mut v));
            }
            v
        })
        .collect()
}

fn train(kind: CodecKind, data: &Matrix, metric: Metric, training: usize) -> CodecStore {
    train_codec_store(kind, data, metric, training, 42, &mut NoControl)
        .unwrap_or_else(|e| panic!("{kind:?} {metric}: {e}"))
}

fn norm(v: &[f32]) -> f32 {
    reference::dot(v, v).sqrt()
}

#[test]
fn lvq_reconstruction_stays_within_half_a_step() {
    // Seeds and dims chosen to cover 4-bit block padding (100, 200) and odd residual packing.
    for (seed, dim) in [(1u64, 100usize), (2, 200), (3, 101)] {
        let n = 400;
        let data = Matrix::new(dim, synthetic_clustered(n, dim, 6, seed)).unwrap();
        for metric in [Metric::L2, Metric::Cosine] {
            let rows = rows_for(metric, &data);
            for kind in [
                CodecKind::Lvq4,
                CodecKind::Lvq8,
                CodecKind::Lvq4x4,
                CodecKind::Lvq4x8,
            ] {
                let store = train(kind, &data, metric, 300);
                let CodecStore::Lvq(s) = &store else { panic!() };
                let residual_bits = s.residual_bits();
                let (mut primary, mut full) = (Vec::new(), Vec::new());
                let mut worst_ratio = 0.0f32;
                for (id, x) in rows.iter().enumerate() {
                    let id = id as u32;
                    let (scale, bias) = s.constants(id);
                    s.decode_primary_row(id, &mut primary);
                    s.decode_row(id, &mut full);
                    let bound = if residual_bits == 0 {
                        scale / 2.0
                    } else {
                        scale / (1u32 << (residual_bits + 1)) as f32
                    };
                    for i in 0..dim {
                        let mu = s.mean()[i];
                        let slack =
                            ARITH_REL * (x[i].abs() + mu.abs() + bias.abs() + 256.0 * scale);
                        let e1 = (x[i] - primary[i]).abs();
                        assert!(
                            e1 <= scale / 2.0 + slack,
                            "{kind:?} {metric} seed={seed} dim={dim} row={id} i={i}: primary error {e1} > {scale}/2"
                        );
                        let e2 = (x[i] - full[i]).abs();
                        assert!(
                            e2 <= bound + slack,
                            "{kind:?} {metric} seed={seed} dim={dim} row={id} i={i}: error {e2} > {bound}"
                        );
                        if bound > 0.0 {
                            worst_ratio = worst_ratio.max(e2 / bound);
                        }
                    }
                }
                // The bound is tight: some component uses most of it.
                assert!(
                    worst_ratio > 0.8,
                    "{kind:?} {metric} seed={seed}: {worst_ratio}"
                );
            }
        }
    }
}

#[test]
fn lvq_scale_is_not_wastefully_large() {
    let dim = 96;
    let data = Matrix::new(dim, synthetic_clustered(200, dim, 3, 4)).unwrap();
    for (kind, levels) in [(CodecKind::Lvq8, 255.0f32), (CodecKind::Lvq4, 15.0)] {
        let store = train(kind, &data, Metric::L2, 200);
        let CodecStore::Lvq(s) = &store else { panic!() };
        for (id, x) in data.iter_rows().enumerate() {
            let centred: Vec<f32> = x.iter().zip(s.mean()).map(|(v, m)| v - m).collect();
            let lo = centred.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = centred.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let (scale, bias) = s.constants(id as u32);
            assert!(bias <= lo, "{kind:?} row {id}: bias {bias} > min {lo}");
            // Directed f16 rounding costs at most ~2^-10 relative on each constant.
            let ideal = (hi - lo) / levels;
            assert!(
                scale <= ideal * (1.0 + 2e-3) + lo.abs() * 2e-3 / levels,
                "{kind:?} row {id}: scale {scale} vs ideal {ideal}"
            );
        }
    }
}

#[test]
fn sq8_reconstruction_stays_within_half_a_global_step() {
    let (dim, n, training) = (64, 500, 300);
    let data = Matrix::new(dim, synthetic_clustered(n, dim, 4, 21)).unwrap();
    for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
        let rows = rows_for(metric, &data);
        let store = train(CodecKind::GlobalSq8, &data, metric, training);
        let CodecStore::GlobalSq8(s) = &store else {
            panic!()
        };
        let (min, step) = (s.min(), s.step());
        let max = min + 255.0 * step;
        let mut out = Vec::new();
        for (id, x) in rows.iter().enumerate() {
            s.decode_row(id as u32, &mut out);
            for i in 0..dim {
                let slack = ARITH_REL * (x[i].abs() + min.abs() + max.abs());
                // Outside the training range values are clamped.
                let target = x[i].clamp(min, max);
                let e = (target - out[i]).abs();
                assert!(
                    e <= step / 2.0 + slack,
                    "{metric} row={id} i={i}: {e} > {step}/2 (seed 21)"
                );
                if id < training {
                    assert_eq!(target, x[i], "training rows are inside the range");
                }
            }
        }
    }
}

#[test]
fn sq8_clamps_values_outside_the_training_range() {
    let dim = 4;
    let mut values = vec![0.0f32; 10 * dim];
    for (i, v) in values.iter_mut().enumerate().take(8 * dim) {
        *v = (i % 7) as f32 - 3.0; // training range [-3, 3]
    }
    values[9 * dim] = 100.0;
    values[9 * dim + 1] = -100.0;
    let m = Matrix::new(dim, values).unwrap();
    let store = train(CodecKind::GlobalSq8, &m, Metric::L2, 8);
    let mut out = Vec::new();
    store.decode_row(9, &mut out);
    assert!(
        (out[0] - 3.0).abs() < 1e-5 && (out[1] + 3.0).abs() < 1e-5,
        "{out:?}"
    );
}

/// The decode-then-reference oracle of the primary distance and of the rerank distance.
fn oracle(store: &CodecStore, metric: Metric, q: &[f32], id: u32) -> (f32, f32, f32) {
    let mut full = Vec::new();
    store.decode_row(id, &mut full);
    let rerank = metric_distance(metric, q, &full);
    let scale_full = if metric.is_inner_product() {
        norm(q) * norm(&full) + 1.0
    } else {
        reference::dot(q, q) + reference::dot(&full, &full)
    };
    match store {
        CodecStore::Lvq(s) => {
            let mut primary = Vec::new();
            s.decode_primary_row(id, &mut primary);
            let scale = if metric.is_inner_product() {
                norm(q) * (norm(&primary) + norm(s.mean())) + 1.0
            } else {
                reference::dot(q, q) + reference::dot(&primary, &primary)
            };
            (
                metric_distance(metric, q, &primary),
                rerank,
                scale.max(scale_full),
            )
        }
        CodecStore::LeanVec(s) => (leanvec_primary_oracle(s, metric, q, id), rerank, {
            let m = norm(s.mean());
            if metric.is_inner_product() {
                norm(q) * (norm(&full) + 2.0 * m) + 1.0
            } else {
                4.0 * (reference::dot(q, q) + reference::dot(&full, &full) + m * m)
            }
        }),
        _ => (rerank, rerank, scale_full),
    }
}

fn leanvec_primary_oracle(s: &LeanVecStore, metric: Metric, q: &[f32], id: u32) -> f32 {
    let mut y = Vec::new();
    s.decode_primary_reduced(id, &mut y);
    let mut qp = Vec::new();
    if metric.is_inner_product() {
        s.project(q, &mut qp);
        1.0 - (reference::dot(q, s.mean()) + reference::dot(&qp, &y))
    } else {
        let centred: Vec<f32> = q.iter().zip(s.mean()).map(|(a, m)| a - m).collect();
        s.project(&centred, &mut qp);
        let outside = (reference::dot(&centred, &centred) - reference::dot(&qp, &qp)).max(0.0);
        reference::l2sq(&qp, &y) + outside
    }
}

#[test]
fn fast_scorers_match_the_decode_oracle() {
    let kinds = |dim: usize| {
        [
            CodecKind::Float32,
            CodecKind::Float16,
            CodecKind::GlobalSq8,
            CodecKind::Lvq4,
            CodecKind::Lvq8,
            CodecKind::Lvq4x4,
            CodecKind::Lvq4x8,
            CodecKind::LeanVec4x8 { reduce: dim / 2 },
            CodecKind::LeanVec8x8 { reduce: dim / 3 },
        ]
    };
    for (seed, dim) in [(5u64, 130usize), (6, 257)] {
        let n = 300;
        let data = Matrix::new(dim, synthetic_clustered(n, dim, 5, seed)).unwrap();
        let queries = Matrix::new(dim, synthetic_clustered(8, dim, 5, seed + 100)).unwrap();
        for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
            let qs = rows_for(metric, &queries);
            for kind in kinds(dim) {
                let store = train(kind, &data, metric, 200);
                let mut worst = 0.0f32;
                annlab_core::with_codec_store!(&store, s => {
                    for q in &qs {
                        let scorer = s.scorer(q);
                        for id in (0..n as u32).step_by(7) {
                            let (p, r, scale) = oracle(&store, metric, q, id);
                            let (fp, fr) = (scorer.distance(id), scorer.rerank_distance(id));
                            for (fast, slow, what) in [(fp, p, "primary"), (fr, r, "rerank")] {
                                let err = (fast - slow).abs() / scale;
                                worst = worst.max(err);
                                assert!(
                                    err <= SCORER_REL_TOL,
                                    "{kind:?} {metric} seed={seed} dim={dim} id={id} {what}: fast {fast} vs oracle {slow}"
                                );
                            }
                        }
                    }
                    // Rows prepared as queries score themselves through their reconstruction
                    // (LeanVec's primary through its own primary: checked below).
                    let own = s.scorer_for_row(3);
                    let mut row = Vec::new();
                    s.decode_row(3, &mut row);
                    let direct = s.scorer(&row);
                    assert_eq!(own.rerank_distance(5).to_bits(), direct.rerank_distance(5).to_bits());
                    if !matches!(kind, CodecKind::LeanVec4x8 { .. } | CodecKind::LeanVec8x8 { .. }) {
                        assert_eq!(own.distance(5).to_bits(), direct.distance(5).to_bits());
                    }
                    // Out-of-range ids do not panic.
                    assert_eq!(own.distance(n as u32 + 10), if matches!(kind, CodecKind::Float32 | CodecKind::Float16) { own.distance(n as u32 + 10) } else { f32::INFINITY });
                });
                assert!(worst.is_finite());
            }
        }
    }
}

#[test]
fn simd_kernels_match_scalar_bodies() {
    // Both tokens safe code can hold: the portable one and whatever this CPU detects.
    for isa in [Isa::portable(), Isa::detect()] {
        let mut rng = seeded(77);
        for len in [0usize, 1, 15, 16, 17, 63, 64, 100, 128, 255, 256, 384, 769] {
            let q: Vec<f32> = (0..len).map(|_| rng.random::<f32>() * 4.0 - 2.0).collect();
            let c: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            let bias = rng.random::<f32>() - 0.5;
            let step = rng.random::<f32>() * 0.1;
            let abs_dot: f32 = q
                .iter()
                .zip(&c)
                .map(|(a, b)| (a * f32::from(*b)).abs())
                .sum();
            let check = |fast: f32, slow: f32, mag: f32, what: &str| {
                assert!(
                    (fast - slow).abs() <= KERNEL_REL_TOL * (mag + 1.0),
                    "{what} len={len} isa={isa:?}: {fast} vs {slow}"
                );
            };
            check(
                simd::dot_u8(isa, &q, &c),
                simd::dot_u8_scalar(&q, &c),
                abs_dot,
                "dot_u8",
            );
            let l2_oracle: f32 = q
                .iter()
                .zip(&c)
                .map(|(a, b)| (a - bias - step * f32::from(*b)).powi(2))
                .sum();
            check(
                simd::l2_u8(isa, &q, bias, step, &c),
                l2_oracle,
                l2_oracle,
                "l2_u8",
            );
            check(
                simd::l2_u8_scalar(&q, bias, step, &c),
                l2_oracle,
                l2_oracle,
                "l2_u8_scalar",
            );
            // Sequential nibbles against a per-dimension oracle.
            let nib: Vec<u8> = c.iter().take(len.div_ceil(2)).copied().collect();
            let seq_oracle: f32 = (0..len)
                .map(|i| {
                    let b = nib[i / 2];
                    q[i] * f32::from(if i.is_multiple_of(2) { b & 15 } else { b >> 4 })
                })
                .sum();
            check(
                simd::dot_u4_seq(isa, &q, &nib),
                seq_oracle,
                16.0 * abs_dot / 255.0 + seq_oracle.abs(),
                "dot_u4_seq",
            );
            check(
                simd::dot_u4_seq_scalar(&q, &nib),
                seq_oracle,
                16.0 * abs_dot / 255.0 + seq_oracle.abs(),
                "dot_u4_seq_scalar",
            );
            // Blocked nibbles (padded query).
            let blocks = len.div_ceil(128);
            let mut qp = q.clone();
            qp.resize(blocks * 128, 0.0);
            let packed: Vec<u8> = (0..blocks * 64).map(|_| rng.random()).collect();
            let code = |i: usize| {
                let b = packed[(i / 128) * 64 + (i % 128) % 64];
                if i % 128 < 64 {
                    b & 15
                } else {
                    b >> 4
                }
            };
            let blk_dot: f32 = (0..blocks * 128).map(|i| qp[i] * f32::from(code(i))).sum();
            let blk_l2: f32 = (0..blocks * 128)
                .map(|i| (qp[i] - bias - step * f32::from(code(i))).powi(2))
                .sum();
            let mag: f32 = (0..blocks * 128)
                .map(|i| (qp[i] * f32::from(code(i))).abs())
                .sum();
            check(
                simd::dot_u4_blocked(isa, &qp, &packed),
                blk_dot,
                mag,
                "dot_u4_blocked",
            );
            check(
                simd::dot_u4_blocked_scalar(&qp, &packed),
                blk_dot,
                mag,
                "dot_u4_blocked_scalar",
            );
            check(
                simd::l2_u4_blocked(isa, &qp, bias, step, &packed),
                blk_l2,
                blk_l2,
                "l2_u4_blocked",
            );
            check(
                simd::l2_u4_blocked_scalar(&qp, bias, step, &packed),
                blk_l2,
                blk_l2,
                "l2_u4_blocked_scalar",
            );
            // Two-level LVQ4x8: primary nibbles plus one residual byte per dimension.
            let residual: Vec<u8> = (0..blocks * 128).map(|_| rng.random()).collect();
            let fine = step / 256.0;
            let constants = (bias - fine * 127.5, step, fine);
            let two_level_l2: f32 = (0..blocks * 128)
                .map(|i| {
                    let x = constants.0 + step * f32::from(code(i)) + fine * f32::from(residual[i]);
                    (qp[i] - x).powi(2)
                })
                .sum();
            check(
                simd::l2_u4x8_blocked(isa, &qp, constants, &packed, &residual),
                two_level_l2,
                two_level_l2,
                "l2_u4x8_blocked",
            );
            check(
                simd::l2_u4x8_blocked_scalar(&qp, constants, &packed, &residual),
                two_level_l2,
                two_level_l2,
                "l2_u4x8_blocked_scalar",
            );
        }
    }
}

#[test]
fn leanvec_projection_is_orthonormal_and_captures_a_low_rank_subspace() {
    // Data = offset + A·z with z in R^k: a k-dim affine subspace of R^d.
    let (d, k, n) = (48usize, 6usize, 600usize);
    let mut rng = seeded(31);
    let a: Vec<f32> = (0..d * k).map(|_| rng.random::<f32>() - 0.5).collect();
    let offset: Vec<f32> = (0..d).map(|_| rng.random::<f32>() * 3.0).collect();
    let mut values = Vec::with_capacity(n * d);
    for _ in 0..n {
        let z: Vec<f32> = (0..k).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect();
        for i in 0..d {
            values.push(offset[i] + (0..k).map(|j| a[i * k + j] * z[j]).sum::<f32>());
        }
    }
    let data = Matrix::new(d, values).unwrap();
    let store = train(CodecKind::LeanVec8x8 { reduce: k }, &data, Metric::L2, n);
    let CodecStore::LeanVec(s) = &store else {
        panic!()
    };
    let w = s.projection();
    for r in 0..k {
        for c in 0..k {
            let dot = reference::dot(&w[r * d..(r + 1) * d], &w[c * d..(c + 1) * d]);
            let want = if r == c { 1.0 } else { 0.0 };
            assert!((dot - want).abs() < 1e-4, "W Wᵀ[{r},{c}] = {dot} (seed 31)");
        }
    }
    // μ + Wᵀŷ reconstructs the rows up to the primary's quantisation error.
    let mut y = Vec::new();
    for (id, x) in data.iter_rows().enumerate().step_by(17) {
        s.decode_primary_reduced(id as u32, &mut y);
        let mut recon = s.mean().to_vec();
        for (r, yr) in y.iter().enumerate() {
            for i in 0..d {
                recon[i] += w[r * d + i] * yr;
            }
        }
        let err = reference::l2sq(x, &recon).sqrt();
        let spread = norm(x) + 1.0;
        assert!(err < 0.02 * spread, "row {id}: error {err} (seed 31)");
    }
}

/// Fraction of the exact top-k found by a codec's brute-force top-k.
fn recall_at(k: usize, exact: &[u32], approx: &[u32]) -> f32 {
    approx.iter().filter(|id| exact[..k].contains(id)).count() as f32 / k as f32
}

fn top_k(n: usize, k: usize, score: impl Fn(u32) -> f32) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..n as u32).collect();
    ids.sort_by(|&a, &b| score(a).total_cmp(&score(b)).then(a.cmp(&b)));
    ids.truncate(k);
    ids
}

#[test]
fn codecs_rank_neighbours_well() {
    // Floors (recall@10 by brute force with the primary; rerank of the primary top-30).
    let (n, dim, k) = (2000usize, 128usize, 10usize);
    let data = Matrix::new(dim, synthetic_clustered(n, dim, 10, 55)).unwrap();
    let queries = Matrix::new(dim, synthetic_clustered(20, dim, 10, 56)).unwrap();
    // Measured (seed 55): SQ8 0.97, LVQ4 0.81, LVQ8 0.99, LVQ4x4 0.81/0.98, LVQ4x8 0.81/0.99,
    // LeanVec4x8 0.40-0.47/0.67-0.77, LeanVec8x8 0.45-0.52/0.78-0.86. Isotropic noise is the
    // worst case for PCA, hence LeanVec's low primary recall here.
    let floors = [
        (CodecKind::GlobalSq8, 0.9, 0.9),
        (CodecKind::Lvq4, 0.7, 0.7),
        (CodecKind::Lvq8, 0.95, 0.95),
        (CodecKind::Lvq4x4, 0.7, 0.9),
        (CodecKind::Lvq4x8, 0.7, 0.95),
        (CodecKind::LeanVec4x8 { reduce: 64 }, 0.3, 0.6),
        (CodecKind::LeanVec8x8 { reduce: 64 }, 0.35, 0.7),
    ];
    for metric in [Metric::L2, Metric::Cosine] {
        let rows = rows_for(metric, &data);
        let qs = rows_for(metric, &queries);
        for (kind, primary_floor, rerank_floor) in floors {
            let store = train(kind, &data, metric, 1500);
            let (mut rp, mut rr) = (0.0f32, 0.0f32);
            annlab_core::with_codec_store!(&store, s => {
                for q in &qs {
                    let exact = top_k(n, k, |id| metric_distance(metric, q, &rows[id as usize]));
                    let scorer = s.scorer(q);
                    let primary = top_k(n, 30, |id| scorer.distance(id));
                    rp += recall_at(k, &exact, &primary[..k]);
                    let mut reranked = primary.clone();
                    reranked.sort_by(|&a, &b| {
                        scorer.rerank_distance(a).total_cmp(&scorer.rerank_distance(b)).then(a.cmp(&b))
                    });
                    rr += recall_at(k, &exact, &reranked[..k]);
                }
            });
            let (rp, rr) = (rp / qs.len() as f32, rr / qs.len() as f32);
            println!("{kind:?} {metric}: primary recall@10 {rp:.3}, reranked {rr:.3}");
            assert!(
                rp >= primary_floor,
                "{kind:?} {metric} (seed 55): primary recall {rp} < {primary_floor}"
            );
            assert!(
                rr >= rerank_floor,
                "{kind:?} {metric} (seed 55): reranked recall {rr} < {rerank_floor}"
            );
        }
    }
}

/// Reads a little-endian f32 `.npy` (C order, 2-D) from the shared data directory.
fn read_npy_f32(path: &str) -> Option<Matrix> {
    let bytes = std::fs::read(path).ok()?;
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).ok()?;
    assert!(
        header.contains("'<f4'") && header.contains("False"),
        "{header}"
    );
    let shape = header.split("'shape': (").nth(1)?.split(')').next()?;
    let dim: usize = shape.split(',').nth(1)?.trim().parse().ok()?;
    let values = bytes[10 + header_len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Matrix::new(dim, values).ok()
}

/// Reads an `.fvecs` file.
fn read_fvecs(path: &str) -> Option<Matrix> {
    let bytes = std::fs::read(path).ok()?;
    let dim = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let values = bytes
        .chunks_exact(4 * (dim + 1))
        .flat_map(|rec| {
            rec[4..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        })
        .collect();
    Matrix::new(dim, values).ok()
}

/// Brute-force recall of every codec on the shared data sets (skipped when absent).
/// `cargo test -p annlab-core --test quant_accuracy real_data -- --ignored --nocapture`
#[test]
#[ignore = "reads /work/shared/data; run explicitly"]
fn real_data_recall() {
    let sets = [
        (
            "netflix-minilm",
            read_npy_f32("/work/shared/data/netflix-minilm/netflix_minilm384_base.npy"),
            read_npy_f32("/work/shared/data/netflix-minilm/netflix_minilm384_query.npy"),
            Metric::Cosine,
        ),
        (
            "siftsmall",
            read_fvecs("/work/shared/data/siftsmall/siftsmall_base.fvecs"),
            read_fvecs("/work/shared/data/siftsmall/siftsmall_query.fvecs"),
            Metric::L2,
        ),
    ];
    let k = 10;
    for (name, base, queries, metric) in sets {
        let (Some(base), Some(queries)) = (base, queries) else {
            println!("{name}: not found, skipped");
            continue;
        };
        let n = base.rows();
        let dim = base.dim();
        let rows = rows_for(metric, &base);
        let qs: Vec<Vec<f32>> = rows_for(metric, &queries).into_iter().take(100).collect();
        let exact: Vec<Vec<u32>> = qs
            .iter()
            .map(|q| top_k(n, k, |id| metric_distance(metric, q, &rows[id as usize])))
            .collect();
        for kind in [
            CodecKind::Float16,
            CodecKind::GlobalSq8,
            CodecKind::Lvq4,
            CodecKind::Lvq8,
            CodecKind::Lvq4x4,
            CodecKind::Lvq4x8,
            CodecKind::LeanVec4x8 { reduce: dim / 2 },
            CodecKind::LeanVec8x8 { reduce: dim / 2 },
        ] {
            let store = train(kind, &base, metric, n.min(10_240));
            let (mut rp, mut rr) = (0.0f32, 0.0f32);
            annlab_core::with_codec_store!(&store, s => {
                for (q, exact) in qs.iter().zip(&exact) {
                    let scorer = s.scorer(q);
                    let primary = top_k(n, 30, |id| scorer.distance(id));
                    rp += recall_at(k, exact, &primary[..k]);
                    let mut reranked = primary.clone();
                    reranked.sort_by(|&a, &b| {
                        scorer.rerank_distance(a).total_cmp(&scorer.rerank_distance(b)).then(a.cmp(&b))
                    });
                    rr += recall_at(k, exact, &reranked[..k]);
                }
            });
            let m = qs.len() as f32;
            println!(
                "{name} {kind:?}: primary recall@10 {:.3}, primary top-30 reranked {:.3}",
                rp / m,
                rr / m
            );
        }
    }
}

/// A LeanVec row as a query measures its primary from its own primary `ŷ` (SVS's LeanVec build
/// uses the primary for all of construction): the same distances as a query placed at the
/// primary's reconstruction `μ + Wᵀŷ`, without projecting anything.
#[test]
fn leanvec_rows_score_from_their_primary_reconstruction() {
    let (n, dim) = (300, 130);
    let data = Matrix::new(dim, synthetic_clustered(n, dim, 5, 9)).unwrap();
    for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
        for kind in [
            CodecKind::LeanVec4x8 { reduce: dim / 2 },
            CodecKind::LeanVec8x8 { reduce: dim / 3 },
        ] {
            let store = train(kind, &data, metric, 200);
            let CodecStore::LeanVec(s) = &store else {
                panic!()
            };
            let w = s.projection();
            let mut y = Vec::new();
            let mut aimed = s.scorer_for_row(0);
            for from in [3u32, 17, 250] {
                s.decode_primary_reduced(from, &mut y);
                let mut at: Vec<f32> = s.mean().to_vec();
                for (r, &yr) in y.iter().enumerate() {
                    for (a, &wv) in at.iter_mut().zip(&w[r * dim..(r + 1) * dim]) {
                        *a += wv * yr;
                    }
                }
                let direct = s.scorer(&at);
                s.aim_at_row(&mut aimed, from);
                let fresh = s.scorer_for_row(from);
                for to in (0..n as u32).step_by(11) {
                    let (own, want) = (fresh.distance(to), direct.distance(to));
                    let scale = 1.0 + want.abs() + norm(&at) * norm(&at);
                    assert!(
                        (own - want).abs() <= 1e-4 * scale,
                        "{kind:?} {metric} {from}->{to}: row scorer {own} vs reconstruction {want}"
                    );
                    assert_eq!(aimed.distance(to).to_bits(), own.to_bits());
                    assert_eq!(
                        aimed.rerank_distance(to).to_bits(),
                        fresh.rerank_distance(to).to_bits()
                    );
                }
            }
        }
    }
}
