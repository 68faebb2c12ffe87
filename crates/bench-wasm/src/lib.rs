//! wasm32 benchmarks driven from Node: exact k-NN GFLOP/s (`bench/flat-wasm.mjs`), the
//! Vamana build time on synthetic data (`bench/vamana-wasm.mjs`), and both index builds on a
//! real dataset (`bench/build-wasm-data.mjs`); built indexes behind handles for the
//! hnswlib-wasm race page (`bench/race/`) and the wasm/native parity bench (`bench/parity.sh`).
//!
//! The crate is built twice, with and without `-C target-feature=+simd128`; the same exports
//! then measure the simd128 kernels and the scalar reference. No wasm-bindgen: plain `extern "C"`
//! exports, and the host supplies `env.now()` (milliseconds, `performance.now()`).
//!
//! Natively (`cargo test`) a monotonic clock is not available in this platform-free setting, so
//! `now` is only imported on wasm32; elsewhere the timing exports return 0.

use annlab_core::distance::{self, reference, KernelPath};
use annlab_core::flat::{exact_knn, flops_per_distance};
use annlab_core::{rng, Matrix, Metric};

pub mod index;
use index::{Bench, HnswBench, SvsBench};

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "env")]
extern "C" {
    /// Host clock in milliseconds.
    fn now() -> f64;
}

fn clock_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        // SAFETY: `now` is a host import with no arguments and no memory access.
        unsafe { now() }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// 1 when this build uses the simd128 kernels, 0 for the scalar reference.
#[no_mangle]
pub extern "C" fn uses_simd() -> u32 {
    u32::from(distance::kernel_path() == KernelPath::WasmSimd128)
}

/// Runs exact k-NN on seeded synthetic data (`rows × dim` base, `queries` queries, metric 0 = L2,
/// 1 = IP) `repeats` times and returns the best GFLOP/s, or a negative value on bad input.
#[no_mangle]
pub extern "C" fn bench_exact_knn(
    rows: u32,
    dim: u32,
    queries: u32,
    k: u32,
    metric: u32,
    repeats: u32,
) -> f64 {
    let metric = if metric == 0 { Metric::L2 } else { Metric::Ip };
    let (rows, dim, nq) = (rows as usize, dim as usize, queries as usize);
    let Ok(base) = Matrix::new(dim, rng::synthetic_clustered(rows, dim, 16, 42)) else {
        return -1.0;
    };
    let Ok(qs) = Matrix::new(dim, rng::synthetic_clustered(nq, dim, 16, 43)) else {
        return -1.0;
    };
    let flops = (rows * nq) as f64 * flops_per_distance(metric, dim) as f64;
    let mut best_ms = f64::INFINITY;
    for _ in 0..repeats.max(1) {
        let start = clock_ms();
        if exact_knn(&base, &qs, metric, k as usize).is_err() {
            return -2.0;
        }
        best_ms = best_ms.min(clock_ms() - start);
    }
    if best_ms > 0.0 {
        flops / (best_ms * 1e6)
    } else {
        0.0
    }
}

/// Compares every dispatched kernel with the scalar reference on seeded data of awkward lengths
/// (and bit-exactly on small integers). Returns the number of failed checks (0 = all good).
#[no_mangle]
pub extern "C" fn self_check() -> u32 {
    let mut failures = 0;
    for len in [
        0usize, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 127, 384, 767, 1100,
    ] {
        let a = rng::synthetic_clustered(1, len, 1, len as u64);
        let b = rng::synthetic_clustered(1, len, 1, len as u64 + 1000);
        let ints_a: Vec<f32> = a.iter().map(|v| v.round()).collect();
        let ints_b: Vec<f32> = b.iter().map(|v| v.round()).collect();
        let abs_sum: f32 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x * y).abs() + (x - y) * (x - y))
            .sum();
        let tol = 2.0 * (len as f32 + 2.0) * f32::EPSILON * abs_sum + 1e-30;
        let h: Vec<half::f16> = b.iter().map(|&x| half::f16::from_f32(x)).collect();
        let bh: Vec<half::bf16> = b.iter().map(|&x| half::bf16::from_f32(x)).collect();
        let close = [
            (distance::dot(&a, &b), reference::dot(&a, &b)),
            (distance::l2sq(&a, &b), reference::l2sq(&a, &b)),
            (distance::dot_f16(&a, &h), reference::dot_f16(&a, &h)),
            (distance::l2sq_f16(&a, &h), reference::l2sq_f16(&a, &h)),
            (distance::dot_bf16(&a, &bh), reference::dot_bf16(&a, &bh)),
            (distance::l2sq_bf16(&a, &bh), reference::l2sq_bf16(&a, &bh)),
        ];
        failures += close.iter().filter(|(x, y)| (x - y).abs() > tol).count() as u32;
        let hi: Vec<half::f16> = ints_b.iter().map(|&x| half::f16::from_f32(x)).collect();
        let q = [&ints_a[..], &ints_b[..], &ints_a[..], &ints_b[..]];
        let r = [&ints_b[..], &ints_a[..]];
        let exact = [
            distance::dot(&ints_a, &ints_b) == reference::dot(&ints_a, &ints_b),
            distance::l2sq(&ints_a, &ints_b) == reference::l2sq(&ints_a, &ints_b),
            distance::l2sq_f16(&ints_a, &hi) == reference::l2sq_f16(&ints_a, &hi),
            distance::dot_tile(&q, &r) == reference::dot_tile(&q, &r),
            distance::l2sq_tile(&q, &r) == reference::l2sq_tile(&q, &r),
        ];
        failures += exact.iter().filter(|ok| !**ok).count() as u32;
        // The build sketch's integer kernel is exact: equal to its i64 reference.
        let max = i32::from(distance::CODE_I16_MAX);
        let codes: Vec<i16> = (0..len)
            .map(|i| ((i as i32 * 7919) % (2 * max + 1) - max) as i16)
            .collect();
        let rows = [
            &codes[..],
            &ints_codes(len, 1)[..],
            &ints_codes(len, 2)[..],
            &codes[..],
        ];
        if distance::code_dot_1x4_kernel().call(&codes, rows)
            != reference::dot_i16_1x4(&codes, rows)
        {
            failures += 1;
        }
    }
    failures
}

/// Seeded 16-bit codes within the integer kernels' range.
fn ints_codes(len: usize, seed: i32) -> Vec<i16> {
    let max = i32::from(distance::CODE_I16_MAX);
    (0..len)
        .map(|i| ((i as i32 * 104_729 + seed * 31) % (2 * max + 1) - max) as i16)
        .collect()
}

/// Builds an uncompressed Vamana graph (Redis build settings: R, L, alpha by metric, pool 3L,
/// R − 4) over seeded synthetic clustered data and returns the build time in milliseconds, or a
/// negative value on bad input. Metric 0 = L2, 1 = COSINE. Used by `bench/vamana-wasm.mjs` to
/// compare the wasm build with the native one on the same data.
#[no_mangle]
pub extern "C" fn bench_vamana_build(rows: u32, dim: u32, r: u32, l: u32, metric: u32) -> f64 {
    use annlab_core::store::FullPrecisionStore;
    use annlab_core::vamana::{build_vamana, BuildConfig};
    let metric = if metric == 0 {
        Metric::L2
    } else {
        Metric::Cosine
    };
    let Ok(base) = Matrix::new(
        dim as usize,
        rng::synthetic_clustered(rows as usize, dim as usize, 64, 7),
    ) else {
        return -1.0;
    };
    let Ok(store) = FullPrecisionStore::<f32>::from_matrix(&base, metric) else {
        return -1.0;
    };
    let config = BuildConfig::redis(r as usize, l as usize, metric);
    let started = clock_ms();
    match build_vamana(&store, config, &mut annlab_core::NoControl) {
        Ok(graph) if graph.len() == rows as usize => clock_ms() - started,
        _ => -1.0,
    }
}

/// Reserves `len` f32 (zeroed) in wasm memory for the host to fill with a dataset, and returns
/// its address (0 when `len` is 0). The buffer lives until the instance is dropped: this crate
/// is a benchmark, run once per process.
#[no_mangle]
pub extern "C" fn alloc_f32(len: u32) -> *mut f32 {
    if len == 0 {
        return std::ptr::null_mut();
    }
    Box::leak(vec![0.0f32; len as usize].into_boxed_slice()).as_mut_ptr()
}

/// Copies `rows × dim` f32 from an [`alloc_f32`] buffer into a [`Matrix`].
fn host_matrix(data: *const f32, rows: u32, dim: u32) -> Option<Matrix> {
    let len = (rows as usize).checked_mul(dim as usize)?;
    if data.is_null() || len == 0 {
        return None;
    }
    // SAFETY: the host passes a buffer from `alloc_f32` holding at least rows × dim f32.
    let values = unsafe { std::slice::from_raw_parts(data, len) }.to_vec();
    Matrix::new(dim as usize, values).ok()
}

fn metric_code(metric: u32) -> Metric {
    match metric {
        0 => Metric::L2,
        2 => Metric::Ip,
        _ => Metric::Cosine,
    }
}

/// Like [`bench_vamana_build`] on host data (a real dataset copied into an [`alloc_f32`]
/// buffer); metric 0 = L2, 1 = COSINE, 2 = IP. Milliseconds, or negative on bad input.
#[no_mangle]
pub extern "C" fn bench_vamana_build_data(
    data: *const f32,
    rows: u32,
    dim: u32,
    r: u32,
    l: u32,
    metric: u32,
) -> f64 {
    use annlab_core::store::FullPrecisionStore;
    use annlab_core::vamana::{build_vamana, BuildConfig};
    let metric = metric_code(metric);
    let Some(base) = host_matrix(data, rows, dim) else {
        return -1.0;
    };
    let Ok(store) = FullPrecisionStore::<f32>::from_matrix(&base, metric) else {
        return -1.0;
    };
    let started = clock_ms();
    match build_vamana(
        &store,
        BuildConfig::redis(r as usize, l as usize, metric),
        &mut annlab_core::NoControl,
    ) {
        Ok(graph) if graph.len() == rows as usize => clock_ms() - started,
        _ => -1.0,
    }
}

/// Builds an FP32 HNSW graph (M, EF_CONSTRUCTION, Redis seed) on host data and returns the
/// build time in milliseconds, or negative on bad input.
#[no_mangle]
pub extern "C" fn bench_hnsw_build_data(
    data: *const f32,
    rows: u32,
    dim: u32,
    m: u32,
    ef_construction: u32,
    metric: u32,
) -> f64 {
    use annlab_core::hnsw::{AnyHnsw, HnswParams};
    let Some(base) = host_matrix(data, rows, dim) else {
        return -1.0;
    };
    let params = HnswParams {
        m: m as usize,
        ef_construction: ef_construction as usize,
        ..HnswParams::default()
    };
    let started = clock_ms();
    match AnyHnsw::build(
        &base,
        metric_code(metric),
        params,
        &mut annlab_core::NoControl,
    ) {
        Ok(index) if index.len() == rows as usize => clock_ms() - started,
        _ => -1.0,
    }
}

/// Reserves `len` u32 (zeroed) for result ids, like [`alloc_f32`].
#[no_mangle]
pub extern "C" fn alloc_u32(len: u32) -> *mut u32 {
    if len == 0 {
        return std::ptr::null_mut();
    }
    Box::leak(vec![0u32; len as usize].into_boxed_slice()).as_mut_ptr()
}

/// The seeded synthetic set the race and parity benches share, written into a fresh
/// [`alloc_f32`] buffer of `rows × dim` (null on bad input).
#[no_mangle]
pub extern "C" fn synth_f32(rows: u32, dim: u32, seed: u32) -> *mut f32 {
    let values = synth::clustered(rows as usize, dim as usize, u64::from(seed));
    if values.is_empty() {
        return std::ptr::null_mut();
    }
    Box::leak(values.into_boxed_slice()).as_mut_ptr()
}

pub mod synth {
    //! The synthetic set of the race and parity benches (one home for its recipe).

    /// `rows × dim` clustered values (`SYNTHETIC_CLUSTERS`) from `seed`, as the app generates.
    pub fn clustered(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
        annlab_core::rng::synthetic_clustered(rows, dim, annlab_core::rng::SYNTHETIC_CLUSTERS, seed)
    }
}

thread_local! {
    /// Built indexes by handle (wasm is single-threaded here; a handle is an index + 1).
    static INDEXES: std::cell::RefCell<Vec<Option<Bench>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn keep(bench: Option<Bench>) -> i32 {
    let Some(bench) = bench else {
        return -1;
    };
    INDEXES.with(|slots| {
        let mut slots = slots.borrow_mut();
        slots.push(Some(bench));
        i32::try_from(slots.len()).unwrap_or(-1)
    })
}

fn with_index<R>(handle: u32, f: impl FnOnce(&mut Bench) -> R) -> Option<R> {
    INDEXES.with(|slots| {
        let mut slots = slots.borrow_mut();
        let slot = slots.get_mut((handle as usize).checked_sub(1)?)?;
        slot.as_mut().map(f)
    })
}

/// Builds an FP32 HNSW index on host data and keeps it; returns its handle (> 0) or −1.
#[no_mangle]
pub extern "C" fn hnsw_build(
    data: *const f32,
    rows: u32,
    dim: u32,
    m: u32,
    ef_construction: u32,
    metric: u32,
) -> i32 {
    let base = host_matrix(data, rows, dim);
    keep(base.and_then(|b| {
        HnswBench::build(
            &b,
            metric_code(metric),
            m as usize,
            ef_construction as usize,
        )
        .map(Bench::Hnsw)
    }))
}

/// Builds an SVS-VAMANA index (codec 0 = FP32, 1 = LVQ8, 2 = LVQ4x8, 3 = LeanVec4x8) on host
/// data and keeps it; returns its handle (> 0) or −1.
#[no_mangle]
pub extern "C" fn svs_build(
    data: *const f32,
    rows: u32,
    dim: u32,
    r: u32,
    l: u32,
    metric: u32,
    codec: u32,
) -> i32 {
    let (Some(base), Some(compression)) = (host_matrix(data, rows, dim), index::codec(codec))
    else {
        return -1;
    };
    keep(
        SvsBench::build(
            &base,
            metric_code(metric),
            r as usize,
            l as usize,
            compression,
        )
        .map(Bench::Svs),
    )
}

/// One query (`dim` f32 at `query`) against index `handle`: writes up to `k` ids into `out`
/// and returns how many (−1 for an unknown handle). `param` is EF_RUNTIME (HNSW) or
/// SEARCH_WINDOW_SIZE (SVS).
///
/// # Safety
/// `query` must hold `dim` f32 and `out` room for `k` u32 (from alloc_f32 / alloc_u32).
#[no_mangle]
pub unsafe extern "C" fn index_search(
    handle: u32,
    query: *const f32,
    dim: u32,
    k: u32,
    param: u32,
    out: *mut u32,
) -> i32 {
    if query.is_null() || out.is_null() {
        return -1;
    }
    // SAFETY: the host passes `dim` f32 at `query` and `k` u32 at `out`, from alloc_f32/alloc_u32.
    let (q, o) = unsafe {
        (
            std::slice::from_raw_parts(query, dim as usize),
            std::slice::from_raw_parts_mut(out, k as usize),
        )
    };
    with_index(handle, |b| {
        b.search(q, k as usize, param as usize, o) as i32
    })
    .unwrap_or(-1)
}

/// Every query of a `count × dim` block, one at a time inside wasm (no host call between
/// queries), `k` ids per query into `out`. Returns the number of ids written or −1.
///
/// # Safety
/// `queries` must hold `count × dim` f32 and `out` room for `count × k` u32.
#[no_mangle]
pub unsafe extern "C" fn index_search_all(
    handle: u32,
    queries: *const f32,
    count: u32,
    dim: u32,
    k: u32,
    param: u32,
    out: *mut u32,
) -> i32 {
    let Some(qs) = host_matrix(queries, count, dim) else {
        return -1;
    };
    if out.is_null() {
        return -1;
    }
    // SAFETY: the host passes `count × k` u32 at `out`, from alloc_u32.
    let o = unsafe { std::slice::from_raw_parts_mut(out, count as usize * k as usize) };
    with_index(handle, |b| {
        b.search_all(&qs, k as usize, param as usize, o) as i32
    })
    .unwrap_or(-1)
}

/// [`index::pair_scan`] on host data (`rows × dim` base, `count × dim` queries); NaN on bad
/// input.
#[no_mangle]
pub extern "C" fn pair_scan_data(
    data: *const f32,
    rows: u32,
    queries: *const f32,
    count: u32,
    dim: u32,
    metric: u32,
) -> f32 {
    match (
        host_matrix(data, rows, dim),
        host_matrix(queries, count, dim),
    ) {
        (Some(b), Some(q)) => index::pair_scan(&b, &q, metric_code(metric)),
        _ => f32::NAN,
    }
}

/// Frees index `handle` (no-op for an unknown one).
#[no_mangle]
pub extern "C" fn index_drop(handle: u32) {
    INDEXES.with(|slots| {
        if let Some(slot) = (handle as usize)
            .checked_sub(1)
            .and_then(|i| slots.borrow_mut().get_mut(i).map(Option::take))
        {
            drop(slot);
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn self_check_passes_natively() {
        assert_eq!(super::self_check(), 0);
    }
}
