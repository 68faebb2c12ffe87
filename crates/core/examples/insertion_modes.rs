//! Recall@10 of the two insertion modes a Redis server's WORKERS setting selects
//! ([`VamanaInsertion`]): one batched build of every row (WORKERS > 0) against a first block
//! built in two passes and every later row inserted alone (WORKERS 0). FP32, Redis's build
//! settings (R = 32, L = 200), one query at a time.
//!
//! ```text
//! insertion_modes [clustered|siftsmall|all] [rows]
//! ```
//! `clustered` is 64 seeded clusters in 128 dimensions, L2, `rows` base rows (default 50,000)
//! plus 500 queries from the same clusters.
#[path = "../tests/vamana_support/datasets.rs"]
mod datasets;

use std::time::Instant;

use annlab_core::flat::exact_knn;
use annlab_core::rng::synthetic_clustered;
use annlab_core::store::FullPrecisionStore;
use annlab_core::vamana::{
    BuildConfig, SearchParams, VamanaBuilder, VamanaInsertion, VamanaSearcher,
};
use annlab_core::{Matrix, Metric};

const WINDOWS: [usize; 3] = [10, 50, 100];

fn clustered(rows: usize) -> datasets::Dataset {
    const DIM: usize = 128;
    const QUERIES: usize = 500;
    let all = synthetic_clustered(rows + QUERIES, DIM, 64, 2026);
    let (base, queries) = all.split_at(rows * DIM);
    let base = Matrix::new(DIM, base.to_vec()).expect("base");
    let queries = Matrix::new(DIM, queries.to_vec()).expect("queries");
    let truth = exact_knn(&base, &queries, Metric::L2, 10)
        .expect("truth")
        .into_iter()
        .map(|hits| hits.into_iter().map(|h| h.id).collect())
        .collect();
    datasets::Dataset {
        name: "clustered-64",
        base,
        queries,
        truth,
        metric: Metric::L2,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("all");
    let rows: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let mut sets = Vec::new();
    if which == "all" || which == "clustered" {
        sets.push(clustered(rows));
    }
    if which == "all" || which == "siftsmall" {
        sets.extend(datasets::siftsmall());
    }
    println!("| data | mode | first block | build s | distances | recall@10 @ 10 | @ 50 | @ 100 |");
    println!("|---|---|---|---|---|---|---|---|");
    for ds in &sets {
        let store = FullPrecisionStore::<f32>::from_matrix(&ds.base, ds.metric).expect("store");
        let n = ds.base.rows();
        let modes = [
            VamanaInsertion::Batched,
            VamanaInsertion::Incremental { first_block: 1024 },
            VamanaInsertion::Incremental {
                first_block: 10_240,
            },
        ];
        for insertion in modes {
            if insertion != VamanaInsertion::Batched && insertion.first_block(n) >= n {
                continue;
            }
            let config = BuildConfig {
                insertion,
                ..BuildConfig::redis(32, 200, ds.metric)
            };
            let t0 = Instant::now();
            let mut builder = VamanaBuilder::new(&store, config).expect("builder");
            while !builder.step(4096).finished {}
            let secs = t0.elapsed().as_secs_f64();
            let distances = builder.distance_computations();
            let graph = builder.finish();
            let mut searcher = VamanaSearcher::new();
            let mut cells = Vec::new();
            for w in WINDOWS {
                let params = SearchParams::with_window(w);
                let ids: Vec<Vec<u32>> = ds
                    .queries
                    .iter_rows()
                    .map(|q| {
                        let mut q = q.to_vec();
                        if ds.metric.normalizes() {
                            annlab_core::distance::normalize(&mut q);
                        }
                        let (hits, _) = searcher.search(&graph, &store, &q, 10, &params);
                        hits.iter().map(|h| h.id).collect()
                    })
                    .collect();
                cells.push(format!("{:.4}", datasets::recall(&ids, &ds.truth, 10)));
            }
            println!(
                "| {} ({n} × {}) | {} | {} | {secs:.1} | {distances} | {} |",
                ds.name,
                ds.base.dim(),
                insertion.label(),
                insertion.first_block(n),
                cells.join(" | ")
            );
        }
    }
}
