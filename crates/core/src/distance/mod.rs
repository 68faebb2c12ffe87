//! Distance kernels.
//!
//! [`reference`] holds the scalar oracle for every kernel. The public functions here dispatch to
//! the fastest available path (x86_64 AVX2+FMA, AVX-512F for the f32 pair and 1×4 kernels, detected
//! at run time; wasm32 `simd128` chosen at compile time) and fall back to the reference. SIMD results differ from the reference only by
//! float reassociation (and FMA's single rounding on x86); the tolerances are named in the tests
//! (`tests/distance_props.rs`).
//!
//! Every function accepts slices of any length: the common prefix (the shorter length) is used,
//! so mismatched inputs never panic.

use half::{bf16, f16};

use crate::metric::Metric;

pub mod reference;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm;
#[cfg(target_arch = "x86_64")]
mod x86;
#[cfg(target_arch = "x86_64")]
mod x86_512;

/// Which kernel family the dispatcher uses on this machine/build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelPath {
    /// The scalar reference loops.
    Scalar,
    /// x86_64 AVX2 + FMA for f32 and BF16 (FP16 rows use the reference: no F16C).
    Avx2Fma,
    /// x86_64 AVX2 + FMA + F16C: every kernel vectorised.
    Avx2FmaF16c,
    /// x86_64 AVX-512F on top of AVX2 + FMA + F16C: the f32 pair and 1×4 kernels run 16 lanes
    /// wide, everything else as [`KernelPath::Avx2FmaF16c`].
    Avx512,
    /// wasm32 `simd128` (selected at compile time).
    WasmSimd128,
}

impl KernelPath {
    pub fn name(self) -> &'static str {
        match self {
            KernelPath::Scalar => "scalar",
            KernelPath::Avx2Fma => "avx2+fma",
            KernelPath::Avx2FmaF16c => "avx2+fma+f16c",
            KernelPath::Avx512 => "avx512f+avx2+fma+f16c",
            KernelPath::WasmSimd128 => "wasm-simd128",
        }
    }
}

/// The kernel family selected for this process.
pub fn kernel_path() -> KernelPath {
    #[cfg(target_arch = "x86_64")]
    {
        x86_level()
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        KernelPath::WasmSimd128
    }
    #[cfg(not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    )))]
    {
        KernelPath::Scalar
    }
}

/// Cached CPU feature detection: 0 = not yet detected, otherwise `1 + KernelPath index`.
/// A relaxed atomic is enough: every thread computes the same value.
#[cfg(target_arch = "x86_64")]
fn x86_level() -> KernelPath {
    use std::sync::atomic::{AtomicU8, Ordering};
    static LEVEL: AtomicU8 = AtomicU8::new(0);
    match LEVEL.load(Ordering::Relaxed) {
        1 => KernelPath::Scalar,
        2 => KernelPath::Avx2Fma,
        3 => KernelPath::Avx2FmaF16c,
        4 => KernelPath::Avx512,
        _ => {
            let (path, code) =
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                    match (
                        is_x86_feature_detected!("f16c"),
                        is_x86_feature_detected!("avx512f"),
                    ) {
                        (true, true) => (KernelPath::Avx512, 4),
                        (true, false) => (KernelPath::Avx2FmaF16c, 3),
                        _ => (KernelPath::Avx2Fma, 2),
                    }
                } else {
                    (KernelPath::Scalar, 1)
                };
            LEVEL.store(code, Ordering::Relaxed);
            path
        }
    }
}

/// Dispatches one kernel: `$x86` needs AVX2+FMA (plus F16C when `$f16c` is true).
macro_rules! dispatch {
    ($name:ident($($arg:expr),*), f16c = $f16c:expr, avx512) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if x86_level() == KernelPath::Avx512 {
                // SAFETY: x86_level() confirmed at run time that the CPU supports AVX-512F.
                return unsafe { x86_512::$name($($arg),*) };
            }
        }
        dispatch!($name($($arg),*), f16c = $f16c)
    }};
    ($name:ident($($arg:expr),*), f16c = $f16c:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            let level = x86_level();
            let ok = match level {
                KernelPath::Avx2FmaF16c | KernelPath::Avx512 => true,
                KernelPath::Avx2Fma => !$f16c,
                _ => false,
            };
            if ok {
                // SAFETY: x86_level() confirmed at run time that the CPU supports every feature
                // the kernel is compiled with (AVX2, FMA, and F16C when required).
                return unsafe { x86::$name($($arg),*) };
            }
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            return wasm::$name($($arg),*);
        }
        #[allow(unreachable_code)]
        reference::$name($($arg),*)
    }};
}

/// A pair kernel (f32 query against a row of `E`) resolved once for this machine, so hot loops
/// pay one indirect call per distance instead of re-running the feature dispatch.
#[derive(Clone, Copy)]
pub struct PairKernel<E: 'static> {
    // Invariant: only built by `resolve_pair`, after the CPU was checked for every feature the
    // kernel is compiled with; that is what makes calling it sound.
    kernel: unsafe fn(&[f32], &[E]) -> f32,
}

impl<E> std::fmt::Debug for PairKernel<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairKernel")
    }
}

impl<E> PairKernel<E> {
    /// Runs the kernel over the common prefix of `query` and `row`.
    #[inline]
    pub fn call(&self, query: &[f32], row: &[E]) -> f32 {
        // SAFETY: `resolve_pair` checked the CPU features this kernel needs (see the field).
        unsafe { (self.kernel)(query, row) }
    }
}

/// Picks the kernel the dispatcher would use on this machine. `$x86` needs AVX2+FMA (plus F16C
/// when `f16c` is true).
macro_rules! resolve_pair {
    ($name:ident, $elem:ty, f16c = $f16c:expr, avx512) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if x86_level() == KernelPath::Avx512 {
                return PairKernel::<$elem> {
                    kernel: x86_512::$name,
                };
            }
        }
        resolve_pair!($name, $elem, f16c = $f16c)
    }};
    ($name:ident, $elem:ty, f16c = $f16c:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            let ok = match x86_level() {
                KernelPath::Avx2FmaF16c | KernelPath::Avx512 => true,
                KernelPath::Avx2Fma => !$f16c,
                _ => false,
            };
            if ok {
                return PairKernel::<$elem> { kernel: x86::$name };
            }
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            return PairKernel::<$elem> {
                kernel: wasm::$name,
            };
        }
        #[allow(unreachable_code)]
        PairKernel::<$elem> {
            kernel: reference::$name,
        }
    }};
}

/// Resolved `dot` for f32 rows.
pub fn dot_kernel() -> PairKernel<f32> {
    resolve_pair!(dot, f32, f16c = false, avx512)
}
/// Resolved `l2sq` for f32 rows.
pub fn l2sq_kernel() -> PairKernel<f32> {
    resolve_pair!(l2sq, f32, f16c = false, avx512)
}
/// Resolved `dot_f16`.
pub fn dot_f16_kernel() -> PairKernel<f16> {
    resolve_pair!(dot_f16, f16, f16c = true)
}
/// Resolved `l2sq_f16`.
pub fn l2sq_f16_kernel() -> PairKernel<f16> {
    resolve_pair!(l2sq_f16, f16, f16c = true)
}
/// Resolved `dot_bf16`.
pub fn dot_bf16_kernel() -> PairKernel<bf16> {
    resolve_pair!(dot_bf16, bf16, f16c = false)
}
/// Resolved `l2sq_bf16`.
pub fn l2sq_bf16_kernel() -> PairKernel<bf16> {
    resolve_pair!(l2sq_bf16, bf16, f16c = false)
}

/// A one-query × four-row f32 kernel resolved once for this machine (see [`PairKernel`]).
#[derive(Clone, Copy)]
pub struct Batch4Kernel {
    // Invariant: only built by `resolve_batch4`, after the CPU feature check.
    kernel: unsafe fn(&[f32], [&[f32]; 4]) -> [f32; 4],
}

impl std::fmt::Debug for Batch4Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batch4Kernel")
    }
}

impl Batch4Kernel {
    /// Scores `query` against four rows (common prefix of all five slices).
    #[inline]
    pub fn call(&self, query: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
        // SAFETY: `resolve_batch4` checked the CPU features this kernel needs.
        unsafe { (self.kernel)(query, rows) }
    }
}

macro_rules! resolve_batch4 {
    ($name:ident) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if x86_level() == KernelPath::Avx512 {
                return Batch4Kernel {
                    kernel: x86_512::$name,
                };
            }
            if matches!(x86_level(), KernelPath::Avx2Fma | KernelPath::Avx2FmaF16c) {
                return Batch4Kernel { kernel: x86::$name };
            }
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            return Batch4Kernel {
                kernel: wasm::$name,
            };
        }
        #[allow(unreachable_code)]
        Batch4Kernel {
            kernel: reference::$name,
        }
    }};
}

/// Resolved `dot` of one query against four f32 rows.
pub fn dot_1x4_kernel() -> Batch4Kernel {
    resolve_batch4!(dot_1x4)
}
/// Resolved `l2sq` of one query against four f32 rows.
pub fn l2sq_1x4_kernel() -> Batch4Kernel {
    resolve_batch4!(l2sq_1x4)
}

/// Largest code magnitude the 16-bit integer kernels accept: their i32 lanes add 64 steps of
/// two products each before widening, which cannot overflow below this bound.
pub const CODE_I16_MAX: i16 = 4095;

/// A one-code-row × four integer dot kernel resolved once for this machine (see [`PairKernel`]).
#[derive(Clone, Copy)]
pub struct CodeBatch4Kernel {
    // Invariant: only built by `code_dot_1x4_kernel`, after the CPU feature check.
    kernel: unsafe fn(&[i16], [&[i16]; 4]) -> [i64; 4],
}

impl std::fmt::Debug for CodeBatch4Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeBatch4Kernel")
    }
}

impl CodeBatch4Kernel {
    /// Exact integer dot products of `query` with four code rows (common prefix). Every code
    /// must lie within ±[`CODE_I16_MAX`].
    #[inline]
    pub fn call(&self, query: &[i16], rows: [&[i16]; 4]) -> [i64; 4] {
        // SAFETY: `code_dot_1x4_kernel` checked the CPU features this kernel needs.
        unsafe { (self.kernel)(query, rows) }
    }
}

/// Resolved exact integer dot of one 16-bit code row against four.
pub fn code_dot_1x4_kernel() -> CodeBatch4Kernel {
    #[cfg(target_arch = "x86_64")]
    {
        if matches!(
            x86_level(),
            KernelPath::Avx2Fma | KernelPath::Avx2FmaF16c | KernelPath::Avx512
        ) {
            return CodeBatch4Kernel {
                kernel: x86::dot_i16_1x4,
            };
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        return CodeBatch4Kernel {
            kernel: wasm::dot_i16_1x4,
        };
    }
    #[allow(unreachable_code)]
    CodeBatch4Kernel {
        kernel: reference::dot_i16_1x4,
    }
}

/// `[dot(query, rows[0]), …, dot(query, rows[3])]`, with a different summation order than
/// [`dot`] (results agree up to reassociation).
#[inline]
pub fn dot_1x4(query: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
    dot_1x4_kernel().call(query, rows)
}

/// `[l2sq(query, rows[0]), …]`, up to reassociation.
#[inline]
pub fn l2sq_1x4(query: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
    l2sq_1x4_kernel().call(query, rows)
}

/// `sum(a[i] * b[i])`. Extra elements of the longer slice are ignored.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    dispatch!(dot(a, b), f16c = false, avx512)
}

/// `sum((a[i] - b[i])^2)`.
#[inline]
pub fn l2sq(a: &[f32], b: &[f32]) -> f32 {
    dispatch!(l2sq(a, b), f16c = false, avx512)
}

/// Mixed-precision dot product: f32 query, FP16 row.
#[inline]
pub fn dot_f16(q: &[f32], x: &[f16]) -> f32 {
    dispatch!(dot_f16(q, x), f16c = true)
}

/// Mixed-precision squared L2: f32 query, FP16 row.
#[inline]
pub fn l2sq_f16(q: &[f32], x: &[f16]) -> f32 {
    dispatch!(l2sq_f16(q, x), f16c = true)
}

/// Mixed-precision dot product: f32 query, BF16 row.
#[inline]
pub fn dot_bf16(q: &[f32], x: &[bf16]) -> f32 {
    dispatch!(dot_bf16(q, x), f16c = false)
}

/// Mixed-precision squared L2: f32 query, BF16 row.
#[inline]
pub fn l2sq_bf16(q: &[f32], x: &[bf16]) -> f32 {
    dispatch!(l2sq_bf16(q, x), f16c = false)
}

/// Queries scored together by [`dot_tile`] / [`l2sq_tile`].
pub const TILE_QUERIES: usize = 4;
/// Rows scored together by [`dot_tile`] / [`l2sq_tile`].
pub const TILE_ROWS: usize = 2;

/// `out[q][r] = dot(queries[q], rows[r])` for a 4 × 2 tile: each row chunk is loaded once for
/// four queries (the exact k-NN microkernel). Uses the common prefix of all six slices.
#[inline]
pub fn dot_tile(queries: &[&[f32]; TILE_QUERIES], rows: &[&[f32]; TILE_ROWS]) -> [[f32; 2]; 4] {
    dispatch!(dot_tile(queries, rows), f16c = false)
}

/// `out[q][r] = l2sq(queries[q], rows[r])` for a 4 × 2 tile (direct differences, no norm
/// expansion, so the result matches [`l2sq`] up to reassociation).
#[inline]
pub fn l2sq_tile(queries: &[&[f32]; TILE_QUERIES], rows: &[&[f32]; TILE_ROWS]) -> [[f32; 2]; 4] {
    dispatch!(l2sq_tile(queries, rows), f16c = false)
}

/// The Redis distance between two f32 vectors that were already preprocessed for `metric`
/// (normalised for COSINE).
#[inline]
pub fn metric_distance(metric: Metric, a: &[f32], b: &[f32]) -> f32 {
    match metric {
        Metric::L2 => l2sq(a, b),
        Metric::Ip | Metric::Cosine => 1.0 - dot(a, b),
    }
}

/// Euclidean norm.
#[inline]
pub fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

/// Normalises `v` in place to unit length. Returns `false` (and leaves `v` unchanged) when the
/// vector has zero (or non-finite) norm, which COSINE cannot handle.
pub fn normalize(v: &mut [f32]) -> bool {
    let n = norm(v);
    if !(n.is_finite() && n > 0.0) {
        return false;
    }
    let inv = 1.0 / n;
    v.iter_mut().for_each(|x| *x *= inv);
    true
}

/// Both x86 f32 families against the reference, whichever one the dispatcher picks here (an
/// AVX-512 machine never runs the AVX2 pair kernels through the public functions).
#[cfg(all(test, target_arch = "x86_64"))]
mod x86_family_tests {
    use super::{reference, x86, x86_512};

    fn close(fast: f32, exact: f32, terms: f32, what: &str) {
        assert!(
            (fast - exact).abs() <= 1e-5 * (terms + 1.0),
            "{what}: {fast} vs {exact}"
        );
    }

    #[test]
    fn avx2_and_avx512_f32_kernels_match_the_reference() {
        let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
        let avx512 = is_x86_feature_detected!("avx512f");
        let mut state = 7u32;
        let mut next = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
        };
        for len in [
            0usize, 1, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 384, 769,
        ] {
            let q: Vec<f32> = (0..len).map(|_| next()).collect();
            let rows: Vec<Vec<f32>> = (0..4).map(|_| (0..len).map(|_| next()).collect()).collect();
            let four = [&rows[0][..], &rows[1][..], &rows[2][..], &rows[3][..]];
            let terms: f32 = q.iter().map(|x| x.abs() * 4.0).sum();
            let (dots, l2s) = (
                four.map(|r| reference::dot(&q, r)),
                four.map(|r| reference::l2sq(&q, r)),
            );
            if avx2 {
                // SAFETY: AVX2 + FMA was detected above.
                let (d4, l4) = unsafe { (x86::dot_1x4(&q, four), x86::l2sq_1x4(&q, four)) };
                for r in 0..4 {
                    // SAFETY: AVX2 + FMA was detected above.
                    close(unsafe { x86::dot(&q, four[r]) }, dots[r], terms, "avx2 dot");
                    close(
                        // SAFETY: AVX2 + FMA was detected above.
                        unsafe { x86::l2sq(&q, four[r]) },
                        l2s[r],
                        terms,
                        "avx2 l2sq",
                    );
                    close(d4[r], dots[r], terms, "avx2 dot_1x4");
                    close(l4[r], l2s[r], terms, "avx2 l2sq_1x4");
                }
            }
            if avx512 {
                // SAFETY: AVX-512F was detected above.
                let (d4, l4) = unsafe { (x86_512::dot_1x4(&q, four), x86_512::l2sq_1x4(&q, four)) };
                for r in 0..4 {
                    close(
                        // SAFETY: AVX-512F was detected above.
                        unsafe { x86_512::dot(&q, four[r]) },
                        dots[r],
                        terms,
                        "avx512 dot",
                    );
                    close(
                        // SAFETY: AVX-512F was detected above.
                        unsafe { x86_512::l2sq(&q, four[r]) },
                        l2s[r],
                        terms,
                        "avx512 l2sq",
                    );
                    close(d4[r], dots[r], terms, "avx512 dot_1x4");
                    close(l4[r], l2s[r], terms, "avx512 l2sq_1x4");
                }
            }
        }
    }
}
