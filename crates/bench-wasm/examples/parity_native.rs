//! The native side of `bench/parity.sh`: builds and searches the same indexes as
//! `bench/parity.mjs` does in wasm, through the same `annlab_bench_wasm::index` functions, on
//! the shared data, and prints one JSON record per (dataset, index).
//!
//! ```text
//! parity_native [netflix,siftsmall] [hnsw,svs:FP32,svs:LVQ8,...] [repeat]
//! ```
#[path = "../../core/tests/vamana_support/datasets.rs"]
mod datasets;

use std::time::Instant;

use annlab_bench_wasm::index::{codec, pair_scan, Bench, HnswBench, SvsBench};

/// EF_RUNTIME / SEARCH_WINDOW_SIZE points (the same list as bench/parity.mjs).
const PARAMS: [usize; 5] = [10, 20, 50, 100, 200];
const K: usize = 10;
/// Each search point runs at least this long (many passes), so one pass's noise matters less.
const MIN_SECONDS: f64 = 0.3;

fn codec_code(name: &str) -> u32 {
    match name {
        "FP32" => 0,
        "LVQ8" => 1,
        "LVQ4x8" => 2,
        "LeanVec4x8" => 3,
        other => panic!("unknown codec {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sets = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("netflix,siftsmall");
    let kinds = args.get(2).map(String::as_str).unwrap_or("hnsw,svs:FP32");
    let repeat: usize = args.get(3).map(|s| s.parse().expect("repeat")).unwrap_or(3);
    for set in sets.split(',') {
        let ds = match set {
            "netflix" => datasets::netflix(),
            "siftsmall" => datasets::siftsmall(),
            other => panic!("unknown dataset {other}"),
        }
        .expect("shared data (../shared/data) not found");
        // The pair kernel alone over all query × base pairs (best of 3; the copy of the data
        // is inside the timer, as it is in wasm where the export copies from host memory).
        let mut best = f64::INFINITY;
        let mut sum = 0.0;
        for _ in 0..3 {
            let t = Instant::now();
            sum = pair_scan(&ds.base.clone(), &ds.queries.clone(), ds.metric);
            best = best.min(t.elapsed().as_secs_f64());
        }
        let pairs = (ds.base.rows() * ds.queries.rows()) as f64;
        println!(
            "{{\"side\":\"native\",\"dataset\":\"{set}\",\"kind\":\"pair-kernel\",\"ns_per_pair\":{:.2},\"checksum\":{sum}}}",
            best * 1e9 / pairs
        );
        for kind in kinds.split(',') {
            let t = Instant::now();
            let mut bench = if kind == "hnsw" {
                Bench::Hnsw(HnswBench::build(&ds.base, ds.metric, 16, 200).expect("hnsw build"))
            } else {
                let name = kind.strip_prefix("svs:").expect("hnsw or svs:CODEC");
                let c = codec(codec_code(name)).expect("codec");
                Bench::Svs(SvsBench::build(&ds.base, ds.metric, 32, 200, c).expect("svs build"))
            };
            let build = t.elapsed().as_secs_f64();
            let mut points = Vec::new();
            for p in PARAMS {
                let mut out = vec![u32::MAX; ds.queries.rows() * K];
                bench.search_all(&ds.queries, K, p, &mut out);
                // Best pass of at least `repeat` passes and MIN_SECONDS in all (as parity.mjs).
                let (mut best, mut passes, started) = (f64::INFINITY, 0, Instant::now());
                while passes < repeat.max(1) || started.elapsed().as_secs_f64() < MIN_SECONDS {
                    let t = Instant::now();
                    bench.search_all(&ds.queries, K, p, &mut out);
                    best = best.min(t.elapsed().as_secs_f64());
                    passes += 1;
                }
                let ids: Vec<Vec<u32>> = out.chunks(K).map(<[u32]>::to_vec).collect();
                let recall = datasets::recall(&ids, &ds.truth, K);
                let qps = ds.queries.rows() as f64 / best;
                points.push(format!(
                    "{{\"param\":{p},\"qps\":{qps:.1},\"recall\":{recall:.4}}}"
                ));
            }
            println!(
                "{{\"side\":\"native\",\"dataset\":\"{set}\",\"kind\":\"{kind}\",\"build_seconds\":{build:.3},\"points\":[{}]}}",
                points.join(",")
            );
        }
    }
}
