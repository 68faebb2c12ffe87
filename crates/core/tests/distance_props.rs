//! Property tests: every dispatched (SIMD) kernel against the scalar reference and an f64 oracle.
//!
//! Tolerances are relative to `S = sum(|term_i|)` (|a_i·b_i| for dot, (a_i−b_i)² for L2). They are
//! the rigorous worst-case bounds for lengths up to [`MAX_LEN`], so a failure is a real bug, not
//! noise:
//! - any f32 summation order of `n` rounded terms is within `γ(n+2)·S` of the exact value, where
//!   `γ(m) = m·u/(1 − m·u)` and `u = 2⁻²⁴` (the +2 covers the rounded product / difference);
//! - two such results (SIMD vs reference) are within twice that of each other.
//!
//! Widening FP16/BF16 to f32 is exact, so the mixed kernels share the same bounds. Tests with
//! small-integer data (every partial sum exact) additionally require bit-identical results, which
//! catches tail and indexing bugs that a relative tolerance could hide.
//!
//! On a machine without AVX2/FMA the dispatcher is the reference and these tests still pass.

use annlab_core::distance::{self, reference};
use half::{bf16, f16};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Longest vector tested.
const MAX_LEN: usize = 1100;
/// `u = 2⁻²⁴`, the unit roundoff of f32.
const UNIT_ROUNDOFF: f64 = 5.960_464_477_539_063e-8;
/// Worst-case error of one f32 kernel against the exact value, relative to `S` (γ(MAX_LEN + 2)).
const KERNEL_VS_EXACT_REL_TOL: f64 =
    (MAX_LEN as f64 + 2.0) * UNIT_ROUNDOFF / (1.0 - (MAX_LEN as f64 + 2.0) * UNIT_ROUNDOFF);
/// Worst-case difference between the SIMD kernel and the reference, relative to `S`.
const SIMD_VS_REFERENCE_REL_TOL: f64 = 2.0 * KERNEL_VS_EXACT_REL_TOL;
/// Absolute floor so an all-zero `S` does not demand exact zero from subnormal noise.
const ABS_FLOOR: f64 = 1e-30;
/// Cases per property (bounded to keep the suite fast).
const CASES: u32 = 256;
/// Fixed proptest seed: failures are reproducible.
const SEED: u64 = 0x5EED_D157;

fn config() -> Config {
    Config {
        cases: CASES,
        rng_seed: RngSeed::Fixed(SEED),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Pairs of vectors with independent lengths in 0..=MAX_LEN (mismatched lengths use the common
/// prefix). Values span several magnitudes so cancellation occurs.
fn vec_pair() -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    let value = prop_oneof![-1.0f32..1.0, -1000.0f32..1000.0, -1e-3f32..1e-3];
    (0..=MAX_LEN, 0..=8usize).prop_flat_map(move |(len, extra)| {
        (
            prop::collection::vec(value.clone(), len),
            prop::collection::vec(value.clone(), len.saturating_sub(extra)..=len + extra),
        )
    })
}

fn exact_dot(a: &[f32], b: &[f32]) -> (f64, f64) {
    a.iter().zip(b).fold((0.0, 0.0), |(s, abs), (&x, &y)| {
        let t = f64::from(x) * f64::from(y);
        (s + t, abs + t.abs())
    })
}

fn exact_l2(a: &[f32], b: &[f32]) -> (f64, f64) {
    let s = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>();
    (s, s)
}

/// Checks `simd` and `reference` against each other and against the exact value.
fn check(name: &str, simd: f32, reference: f32, (exact, abs_sum): (f64, f64), len: usize) {
    let (simd, reference) = (f64::from(simd), f64::from(reference));
    let pair_tol = SIMD_VS_REFERENCE_REL_TOL * abs_sum + ABS_FLOOR;
    let exact_tol = KERNEL_VS_EXACT_REL_TOL * abs_sum + ABS_FLOOR;
    assert!(
        (simd - reference).abs() <= pair_tol,
        "{name} len={len} seed={SEED:#x}: simd {simd} vs reference {reference} (tol {pair_tol})"
    );
    assert!(
        (simd - exact).abs() <= exact_tol,
        "{name} len={len} seed={SEED:#x}: simd {simd} vs exact {exact} (tol {exact_tol})"
    );
}

fn to_f16(v: &[f32]) -> Vec<f16> {
    v.iter().map(|&x| f16::from_f32(x)).collect()
}

fn to_bf16(v: &[f32]) -> Vec<bf16> {
    v.iter().map(|&x| bf16::from_f32(x)).collect()
}

fn widen<T: Copy>(v: &[T], f: impl Fn(T) -> f32) -> Vec<f32> {
    v.iter().map(|&x| f(x)).collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn f32_kernels_match_reference((a, b) in vec_pair()) {
        let n = a.len().min(b.len());
        check("dot", distance::dot(&a, &b), reference::dot(&a, &b), exact_dot(&a, &b), n);
        check("l2sq", distance::l2sq(&a, &b), reference::l2sq(&a, &b), exact_l2(&a, &b), n);
    }

    #[test]
    fn f16_kernels_match_reference((a, b) in vec_pair()) {
        let n = a.len().min(b.len());
        let row = to_f16(&b);
        let wide = widen(&row, f16::to_f32);
        let (fast, slow) = (distance::dot_f16(&a, &row), reference::dot_f16(&a, &row));
        check("dot_f16", fast, slow, exact_dot(&a, &wide), n);
        let (fast, slow) = (distance::l2sq_f16(&a, &row), reference::l2sq_f16(&a, &row));
        check("l2sq_f16", fast, slow, exact_l2(&a, &wide), n);
    }

    #[test]
    fn bf16_kernels_match_reference((a, b) in vec_pair()) {
        let n = a.len().min(b.len());
        let row = to_bf16(&b);
        let wide = widen(&row, bf16::to_f32);
        let (fast, slow) = (distance::dot_bf16(&a, &row), reference::dot_bf16(&a, &row));
        check("dot_bf16", fast, slow, exact_dot(&a, &wide), n);
        let (fast, slow) = (distance::l2sq_bf16(&a, &row), reference::l2sq_bf16(&a, &row));
        check("l2sq_bf16", fast, slow, exact_l2(&a, &wide), n);
    }

    #[test]
    fn tile_kernels_match_reference(
        (len, vals) in (0..=MAX_LEN)
            .prop_flat_map(|len| (Just(len), prop::collection::vec(-10.0f32..10.0, 6 * len)))
    ) {
        let chunks: Vec<&[f32]> = if len == 0 { vec![&[]; 6] } else { vals.chunks(len).collect() };
        let q = [chunks[0], chunks[1], chunks[2], chunks[3]];
        let r = [chunks[4], chunks[5]];
        let dots = distance::dot_tile(&q, &r);
        let l2s = distance::l2sq_tile(&q, &r);
        for qi in 0..4 {
            for ri in 0..2 {
                let (a, b) = (q[qi], r[ri]);
                check("dot_tile", dots[qi][ri], reference::dot(a, b), exact_dot(a, b), len);
                check("l2sq_tile", l2s[qi][ri], reference::l2sq(a, b), exact_l2(a, b), len);
            }
        }
    }

    #[test]
    fn one_by_four_kernels_match_reference(
        (len, vals) in (0..=MAX_LEN)
            .prop_flat_map(|len| (Just(len), prop::collection::vec(-10.0f32..10.0, 5 * len)))
    ) {
        let chunks: Vec<&[f32]> = if len == 0 { vec![&[]; 5] } else { vals.chunks(len).collect() };
        let q = chunks[0];
        let rows = [chunks[1], chunks[2], chunks[3], chunks[4]];
        let dots = distance::dot_1x4(q, rows);
        let l2s = distance::l2sq_1x4(q, rows);
        for (r, row) in rows.iter().enumerate() {
            check("dot_1x4", dots[r], reference::dot(q, row), exact_dot(q, row), len);
            check("l2sq_1x4", l2s[r], reference::l2sq(q, row), exact_l2(q, row), len);
        }
    }
}

/// Small integers keep every product and partial sum exact in f32, so any summation order must
/// give the identical result: SIMD == reference bit for bit, for every length 0..=MAX_LEN step
/// pattern and every lane/tail split.
#[test]
fn integer_data_is_bit_identical() {
    let lens: Vec<usize> = (0..=70)
        .chain([
            127, 128, 129, 255, 383, 384, 767, 768, 769, 1023, 1099, 1100,
        ])
        .collect();
    for &len in &lens {
        // Values in -8..=8: |products| ≤ 64, sums ≤ 64·1100 < 2^24, squared differences ≤ 256.
        let a: Vec<f32> = (0..len).map(|i| ((i * 7 + 3) % 17) as f32 - 8.0).collect();
        let b: Vec<f32> = (0..len).map(|i| ((i * 5 + 11) % 17) as f32 - 8.0).collect();
        let (h, bh) = (to_f16(&b), to_bf16(&b));
        assert_eq!(
            distance::dot(&a, &b),
            reference::dot(&a, &b),
            "dot len={len}"
        );
        assert_eq!(
            distance::l2sq(&a, &b),
            reference::l2sq(&a, &b),
            "l2sq len={len}"
        );
        assert_eq!(
            distance::dot_f16(&a, &h),
            reference::dot_f16(&a, &h),
            "dot_f16 len={len}"
        );
        assert_eq!(
            distance::l2sq_f16(&a, &h),
            reference::l2sq_f16(&a, &h),
            "l2sq_f16 len={len}"
        );
        assert_eq!(
            distance::dot_bf16(&a, &bh),
            reference::dot_bf16(&a, &bh),
            "dot_bf16 len={len}"
        );
        assert_eq!(
            distance::l2sq_bf16(&a, &bh),
            reference::l2sq_bf16(&a, &bh),
            "l2sq_bf16 len={len}"
        );
        let q = [&a[..], &b[..], &b[..], &a[..]];
        let r = [&b[..], &a[..]];
        assert_eq!(
            distance::dot_tile(&q, &r),
            reference::dot_tile(&q, &r),
            "dot_tile len={len}"
        );
        assert_eq!(
            distance::l2sq_tile(&q, &r),
            reference::l2sq_tile(&q, &r),
            "l2sq_tile len={len}"
        );
        let rows = [&b[..], &a[..], &b[..], &a[..]];
        assert_eq!(
            distance::dot_1x4(&a, rows),
            reference::dot_1x4(&a, rows),
            "dot_1x4 len={len}"
        );
        assert_eq!(
            distance::l2sq_1x4(&a, rows),
            reference::l2sq_1x4(&a, rows),
            "l2sq_1x4 len={len}"
        );
    }
}

/// Mismatched lengths use the common prefix and never panic.
#[test]
fn mismatched_lengths_use_common_prefix() {
    let a: Vec<f32> = (0..37).map(|i| i as f32).collect();
    let b: Vec<f32> = (0..20).map(|i| (i % 3) as f32).collect();
    assert_eq!(distance::dot(&a, &b), reference::dot(&a[..20], &b));
    assert_eq!(distance::l2sq(&b, &a), reference::l2sq(&a[..20], &b));
    assert_eq!(
        distance::dot_f16(&a, &to_f16(&b)),
        reference::dot(&a[..20], &b)
    );
    assert_eq!(
        distance::l2sq_bf16(&a[..5], &to_bf16(&b)),
        reference::l2sq(&a[..5], &b[..5])
    );
    assert_eq!(distance::dot(&[], &a), 0.0);
    let q = [&a[..], &a[..3], &b[..], &a[..]];
    let r = [&b[..], &a[..]];
    let tile = distance::dot_tile(&q, &r);
    // Every pair of the tile uses the common prefix of all six slices (3 here).
    assert_eq!(tile[0][0], reference::dot(&a[..3], &b[..3]));
}

/// FP16 specials convert correctly on every path (the wasm path converts with bit tricks).
#[test]
fn f16_specials_and_subnormals() {
    let specials = [
        0.0f32, -0.0, 1.0, -2.5, 65504.0, 6.1e-5, 5.96e-8, -3.0e-6, 1e-7,
    ];
    let row: Vec<f16> = specials
        .iter()
        .cycle()
        .take(37)
        .map(|&x| f16::from_f32(x))
        .collect();
    let ones = vec![1.0f32; 37];
    assert_eq!(
        distance::dot_f16(&ones, &row),
        reference::dot_f16(&ones, &row)
    );
    let inf_row = vec![f16::INFINITY; 16];
    assert_eq!(distance::dot_f16(&ones[..16], &inf_row), f32::INFINITY);
    let nan_row = vec![f16::NAN; 16];
    assert!(distance::dot_f16(&ones[..16], &nan_row).is_nan());
}

#[test]
fn normalize_and_norm() {
    let mut v: Vec<f32> = (0..1001).map(|i| (i as f32 * 0.37).sin()).collect();
    assert!(distance::normalize(&mut v));
    assert!((distance::norm(&v) - 1.0).abs() < 1e-6);
    let mut zero = vec![0.0f32; 9];
    assert!(!distance::normalize(&mut zero));
    assert_eq!(zero, vec![0.0; 9]);
}

#[test]
fn reports_kernel_path() {
    let path = distance::kernel_path();
    eprintln!("distance kernel path: {}", path.name());
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        assert_ne!(path, distance::KernelPath::Scalar);
    }
}

proptest! {
    #![proptest_config(config())]

    /// The exact integer code kernel equals its i64 reference for every length (tails, several
    /// i32 blocks) and for codes at the ±4095 limit.
    #[test]
    fn code_kernel_is_exact(len in 0usize..2300, seed in any::<u64>(), extreme in any::<bool>()) {
        let max = i32::from(distance::CODE_I16_MAX);
        let mut state = seed | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if extreme {
                if state & 1 == 0 { max as i16 } else { -max as i16 }
            } else {
                ((state % (2 * max as u64 + 1)) as i32 - max) as i16
            }
        };
        let q: Vec<i16> = (0..len).map(|_| next()).collect();
        let rows: Vec<Vec<i16>> = (0..4).map(|_| (0..len).map(|_| next()).collect()).collect();
        let four = [&rows[0][..], &rows[1][..], &rows[2][..], &rows[3][..]];
        let simd = distance::code_dot_1x4_kernel().call(&q, four);
        prop_assert_eq!(simd, reference::dot_i16_1x4(&q, four));
    }
}
