//! Prints the SVS-VAMANA acceptance tables: build seconds, recall@10 and QPS per
//! SEARCH_WINDOW_SIZE for every codec on the shared data sets (one thread, one query at a time).
//!
//! ```text
//! cargo run --release -p annlab-core --example svs_table -- [siftsmall|netflix|all] [R,R] [codec,codec]
//! ```
//! Codec names: FP32, FP16, GlobalSQ8, LVQ4, LVQ8, LVQ4x4, LVQ4x8, LeanVec4x8, LeanVec8x8.
#[path = "../tests/vamana_support/datasets.rs"]
mod datasets;

use std::time::Instant;

use annlab_core::svs::{Compression, SvsIndex, SvsParams, SvsRuntime, Target};
use annlab_core::vamana::VamanaSearcher;
use annlab_core::{ElementType, NoControl};

const WINDOWS: [usize; 5] = [10, 20, 50, 100, 200];
const CODECS: [&str; 9] = [
    "FP32",
    "FP16",
    "GlobalSQ8",
    "LVQ4",
    "LVQ8",
    "LVQ4x4",
    "LVQ4x8",
    "LeanVec4x8",
    "LeanVec8x8",
];

fn params_for(codec: &str, r: usize) -> SvsParams {
    let mut p = SvsParams {
        graph_max_degree: r,
        construction_window_size: 200,
        ..SvsParams::default()
    };
    match codec {
        "FP32" => {}
        "FP16" => p.element_type = ElementType::Float16,
        other => p.compression = Some(other.parse::<Compression>().unwrap()),
    }
    p
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("all");
    let rs: Vec<usize> = args
        .get(2)
        .map(|s| s.split(',').map(|x| x.parse().unwrap()).collect())
        .unwrap_or_else(|| vec![32, 64]);
    let codecs: Vec<String> = args
        .get(3)
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_else(|| CODECS.iter().map(|s| s.to_string()).collect());
    let mut sets = Vec::new();
    if which == "all" || which == "siftsmall" {
        sets.extend(datasets::siftsmall());
    }
    if which == "all" || which == "netflix" {
        sets.extend(datasets::netflix());
    }
    for ds in &sets {
        println!(
            "\n### {} (n = {}, d = {}, {}), k = 10, target intel",
            ds.name,
            ds.base.rows(),
            ds.base.dim(),
            ds.metric
        );
        println!("\n| R | codec | build s | recall / QPS @ 10 | @ 20 | @ 50 | @ 100 | @ 200 |");
        println!("|---|---|---|---|---|---|---|---|");
        for &r in &rs {
            for codec in &codecs {
                let params = params_for(codec, r);
                let t0 = Instant::now();
                let index =
                    SvsIndex::build(&ds.base, ds.metric, &params, Target::Intel, &mut NoControl)
                        .unwrap();
                let build = t0.elapsed().as_secs_f64();
                let mut searcher = VamanaSearcher::new();
                let mut cells = Vec::new();
                for w in WINDOWS {
                    let runtime = SvsRuntime {
                        search_window_size: Some(w),
                        ..SvsRuntime::default()
                    };
                    // Warm-up pass, then the timed pass.
                    for q in ds.queries.iter_rows().take(20) {
                        index.search(&mut searcher, q, 10, &runtime).unwrap();
                    }
                    let t = Instant::now();
                    let mut ids = Vec::with_capacity(ds.queries.rows());
                    for q in ds.queries.iter_rows() {
                        let (hits, _) = index.search(&mut searcher, q, 10, &runtime).unwrap();
                        ids.push(hits.iter().map(|h| h.id).collect::<Vec<_>>());
                    }
                    let qps = ds.queries.rows() as f64 / t.elapsed().as_secs_f64();
                    let recall = datasets::recall(&ids, &ds.truth, 10);
                    cells.push(format!("{recall:.3} / {qps:.0}"));
                }
                println!("| {r} | {codec} | {build:.2} | {} |", cells.join(" | "));
            }
        }
    }
}
