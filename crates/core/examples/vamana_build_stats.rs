//! Build-cost diagnostics for the Vamana builder: wall time, distance computations and
//! nanoseconds per distance for Redis's build settings on one shared data set (FP32).
//!
//! ```text
//! vamana_build_stats <siftsmall|netflix> [R] [L] [first-N-rows]
//! ```
//!
//! `ANNLAB_PRESCREEN=1` builds with the sketch pre-screen (`BuildConfig::prescreen`, the
//! default in wasm only): the graph fingerprint must not change, only the time and the number
//! of f32 distances. `ANNLAB_CODEC=LVQ4x8` (any `CodecKind` name: GlobalSQ8, LVQ4, LVQ8, LVQ4x4,
//! LVQ4x8, LeanVec4x8, LeanVec8x8; REDUCE = DIM/2) builds over that codec instead of FP32,
//! trained on every row.
#[path = "../tests/vamana_support/datasets.rs"]
mod datasets;

use std::time::Instant;

use annlab_core::quant::{train_codec_store, CodecKind};
use annlab_core::svs::Compression;
use annlab_core::vamana::{BuildConfig, VamanaBuilder};
use annlab_core::{with_codec_store, NoControl};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ds = match args.get(1).map(String::as_str) {
        Some("netflix") => datasets::netflix(),
        _ => datasets::siftsmall(),
    }
    .expect("shared data not found");
    let r: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(32);
    let l: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(200);
    let rows: usize = args
        .get(4)
        .and_then(|s| s.parse().ok())
        .unwrap_or(ds.base.rows())
        .min(ds.base.rows());
    let base = annlab_core::Matrix::new(
        ds.base.dim(),
        ds.base.as_slice()[..rows * ds.base.dim()].to_vec(),
    )
    .expect("subset");
    let mut config = BuildConfig::redis(r, l, ds.metric);
    config.prescreen = std::env::var_os("ANNLAB_PRESCREEN").is_some();
    let codec_name = std::env::var("ANNLAB_CODEC").unwrap_or_else(|_| "FP32".into());
    let kind = match codec_name.as_str() {
        "FP32" => CodecKind::Float32,
        other => CodecKind::from_compression(
            Some(other.parse::<Compression>().expect("codec name")),
            annlab_core::ElementType::Float32,
            base.dim(),
            None,
        ),
    };
    let store = train_codec_store(kind, &base, ds.metric, rows, 0, &mut NoControl).expect("store");
    let t0 = Instant::now();
    let (computed, graph) = with_codec_store!(&store, s => {
        let mut builder = VamanaBuilder::new(s, config).expect("builder");
        while !builder.step(1024).finished {}
        (builder.distance_computations(), builder.finish())
    });
    let secs = t0.elapsed().as_secs_f64();
    // Order-sensitive fingerprint of the adjacency lists: equal graphs give equal values.
    let mut fingerprint: u64 = 0xcbf2_9ce4_8422_2325;
    for node in 0..graph.len() as u32 {
        for &nb in graph
            .neighbors(node)
            .iter()
            .chain(std::iter::once(&u32::MAX))
        {
            fingerprint = (fingerprint ^ u64::from(nb)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!(
        "{{\"dataset\": \"{}\", \"codec\": \"{codec_name}\", \"r\": {r}, \"l\": {l}, \"prescreen\": {}, \"build_s\": {secs:.3}, \"distances\": {computed}, \"per_node\": {:.0}, \"ns_per_distance\": {:.1}, \"mean_degree\": {:.2}, \"graph_fingerprint\": \"{fingerprint:016x}\"}}",
        ds.name,
        config.prescreen,
        computed as f64 / rows as f64,
        secs * 1e9 / computed as f64,
        graph.mean_degree()
    );
}
