//! Quick FP32 Vamana check on the shared data: build time, recall and QPS per window.
#[path = "../tests/vamana_support/datasets.rs"]
mod datasets;

use std::time::Instant;

use annlab_core::distance;
use annlab_core::store::FullPrecisionStore;
use annlab_core::vamana::{BuildConfig, SearchParams, VamanaBuilder, VamanaSearcher};

fn main() {
    let r: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    for ds in [datasets::siftsmall(), datasets::netflix()]
        .into_iter()
        .flatten()
    {
        let store = FullPrecisionStore::<f32>::from_matrix(&ds.base, ds.metric).unwrap();
        let config = BuildConfig::redis(r, 200, ds.metric);
        let t0 = Instant::now();
        let mut builder = VamanaBuilder::new(&store, config).unwrap();
        while !builder.step(1024).finished {}
        let dc = builder.distance_computations();
        let graph = builder.finish();
        let build = t0.elapsed().as_secs_f64();
        println!(
            "  build distances per node per pass: {:.0}",
            dc as f64 / ds.base.rows() as f64 / 2.0
        );
        println!(
            "{} R={r} build {build:.2}s mean degree {:.1}",
            ds.name,
            graph.mean_degree()
        );
        let mut queries = ds.queries.clone();
        if ds.metric.normalizes() {
            for i in 0..queries.rows() {
                distance::normalize(queries.row_mut(i));
            }
        }
        let mut searcher = VamanaSearcher::new();
        for w in [10, 20, 50, 100, 200] {
            let params = SearchParams::with_window(w);
            let t = Instant::now();
            let mut res = Vec::new();
            let mut dc = 0;
            for q in queries.iter_rows() {
                let (hits, c) = searcher.search(&graph, &store, q, 10, &params);
                dc += c;
                res.push(hits.iter().map(|h| h.id).collect::<Vec<_>>());
            }
            let secs = t.elapsed().as_secs_f64();
            println!(
                "  W={w:4} recall {:.3} qps {:8.0} dist/q {:.0}",
                datasets::recall(&res, &ds.truth, 10),
                queries.rows() as f64 / secs,
                dc as f64 / queries.rows() as f64
            );
        }
    }
}
