//! The native side of `bench/vamana-wasm.mjs`: the same seeded data and build settings.
//!
//! ```text
//! vamana_native [rows dim R L metric(0=L2,1=COSINE)]
//! ```
use std::time::Instant;

use annlab_core::store::FullPrecisionStore;
use annlab_core::vamana::{build_vamana, BuildConfig};
use annlab_core::{rng, Matrix, Metric, NoControl};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("integer argument"))
        .collect();
    let arg = |i: usize, d: usize| args.get(i).copied().unwrap_or(d);
    let (rows, dim, r, l) = (arg(0, 8575), arg(1, 384), arg(2, 32), arg(3, 200));
    let metric = if arg(4, 1) == 0 {
        Metric::L2
    } else {
        Metric::Cosine
    };
    let base = Matrix::new(dim, rng::synthetic_clustered(rows, dim, 64, 7)).expect("data");
    let store = FullPrecisionStore::<f32>::from_matrix(&base, metric).expect("store");
    let t = Instant::now();
    build_vamana(&store, BuildConfig::redis(r, l, metric), &mut NoControl).expect("build");
    println!(
        "native vamana build: {rows} x {dim}, R={r}, L={l}, metric={metric:?}: {:.2} s",
        t.elapsed().as_secs_f64()
    );
}
