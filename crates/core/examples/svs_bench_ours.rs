//! annlab's side of `bench/svs/run.sh`: uncompressed Vamana with Redis's build settings on one
//! data set, one thread, one query at a time. Prints one JSON object per R.
//!
//! ```text
//! svs_bench_ours <siftsmall|netflix|synth50k> <R[,R]> <W[,W...]>
//! ```
#[path = "../tests/vamana_support/datasets.rs"]
mod datasets;

use std::time::Instant;

use annlab_core::svs::{SvsIndex, SvsParams, SvsRuntime, Target};
use annlab_core::vamana::VamanaSearcher;
use annlab_core::NoControl;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let ds = datasets::by_name(args.get(1).map(String::as_str).unwrap_or("siftsmall"))
        .expect("data not found (synth50k: run bench/synth/make.py first)");
    let list = |i: usize, default: &str| -> Vec<usize> {
        args.get(i)
            .map(String::as_str)
            .unwrap_or(default)
            .split(',')
            .map(|x| x.parse().expect("integer list"))
            .collect()
    };
    for r in list(2, "32") {
        let params = SvsParams {
            graph_max_degree: r,
            construction_window_size: 200,
            ..SvsParams::default()
        };
        let t0 = Instant::now();
        let index = SvsIndex::build(&ds.base, ds.metric, &params, Target::Intel, &mut NoControl)
            .expect("build");
        let build = t0.elapsed().as_secs_f64();
        let mut searcher = VamanaSearcher::new();
        let mut points = Vec::new();
        for w in list(3, "10,20,50,100,200") {
            let runtime = SvsRuntime {
                search_window_size: Some(w),
                ..SvsRuntime::default()
            };
            for q in ds.queries.iter_rows().take(20) {
                index
                    .search(&mut searcher, q, 10, &runtime)
                    .expect("search");
            }
            let t = Instant::now();
            let ids: Vec<Vec<u32>> = ds
                .queries
                .iter_rows()
                .map(|q| {
                    let (hits, _) = index
                        .search(&mut searcher, q, 10, &runtime)
                        .expect("search");
                    hits.iter().map(|h| h.id).collect()
                })
                .collect();
            let qps = ds.queries.rows() as f64 / t.elapsed().as_secs_f64();
            let recall = datasets::recall(&ids, &ds.truth, 10);
            points.push(format!(
                "{{\"w\": {w}, \"recall\": {recall:.4}, \"qps\": {qps:.1}}}"
            ));
        }
        println!(
            "{{\"impl\": \"annlab\", \"dataset\": \"{}\", \"r\": {r}, \"build_s\": {build:.3}, \"points\": [{}]}}",
            ds.name,
            points.join(", ")
        );
    }
}
