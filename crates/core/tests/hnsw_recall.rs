//! HNSW recall floors: seeded synthetic data always, and the shared real datasets when
//! `../shared/data` is present (M = 16, EF_CONSTRUCTION = 200, EF_RUNTIME = 100, k = 10).

mod hnsw_data;

use annlab_core::hnsw::{AnyHnsw, HnswParams};
use annlab_core::{flat, ElementType, Matrix, Metric, NoControl};

const K: usize = 10;

/// Builds, searches every query at `ef`, and returns recall@K against `truth`.
fn recall_of(
    base: &Matrix,
    queries: &Matrix,
    truth: &[Vec<u32>],
    metric: Metric,
    params: HnswParams,
    ef: usize,
) -> f64 {
    let index = AnyHnsw::build(base, metric, params, &mut NoControl).unwrap();
    let mut scratch = index.new_scratch();
    let got: Vec<Vec<u32>> = queries
        .iter_rows()
        .map(|q| {
            let out = index.search(q, K, ef, &mut scratch).unwrap();
            out.hits.iter().map(|h| h.id).collect()
        })
        .collect();
    hnsw_data::recall(&got, truth, K)
}

#[test]
fn synthetic_recall_floor_for_every_metric_and_type() {
    let (n, nq, dim, seed) = (2000, 50, 32, 42);
    let data = annlab_core::rng::synthetic_clustered(n + nq, dim, 12, seed);
    let all = Matrix::new(dim, data).unwrap();
    let base = all.select_rows(&(0..n).collect::<Vec<_>>()).unwrap();
    let queries = all.select_rows(&(n..n + nq).collect::<Vec<_>>()).unwrap();
    for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
        let exact = flat::exact_knn(&base, &queries, metric, K).unwrap();
        let truth: Vec<Vec<u32>> = exact
            .iter()
            .map(|r| r.iter().map(|n| n.id).collect())
            .collect();
        for element_type in [
            ElementType::Float32,
            ElementType::Float16,
            ElementType::Bfloat16,
        ] {
            let params = HnswParams {
                m: 16,
                ef_construction: 100,
                element_type,
                ..HnswParams::default()
            };
            let r = recall_of(&base, &queries, &truth, metric, params, 100);
            // BF16 keeps 8 mantissa bits, so its own rounding costs some exact-order recall.
            let floor = if element_type == ElementType::Bfloat16 {
                0.85
            } else {
                0.95
            };
            println!("synthetic seed {seed} {metric} {element_type}: recall@10 = {r:.3}");
            assert!(
                r >= floor,
                "seed {seed}, {metric}, {element_type}: recall {r:.3} < {floor}"
            );
        }
    }
}

#[test]
fn real_datasets_reach_the_acceptance_floor() {
    let Some(dir) = hnsw_data::data_dir() else {
        eprintln!("shared data not found; skipping the real-data floor");
        return;
    };
    for ds in [hnsw_data::netflix(&dir), hnsw_data::siftsmall(&dir)] {
        let base = Matrix::new(ds.dim, ds.base.clone()).unwrap();
        let queries = Matrix::new(ds.dim, ds.queries.clone()).unwrap();
        let params = HnswParams {
            m: 16,
            ef_construction: 200,
            ..HnswParams::default()
        };
        let index = AnyHnsw::build(&base, ds.metric, params, &mut NoControl).unwrap();
        let mut scratch = index.new_scratch();
        println!("{}: M=16 efC=200", ds.name);
        for ef in [10, 50, 100] {
            let got: Vec<Vec<u32>> = queries
                .iter_rows()
                .map(|q| {
                    index
                        .search(q, K, ef, &mut scratch)
                        .unwrap()
                        .hits
                        .iter()
                        .map(|h| h.id)
                        .collect()
                })
                .collect();
            let r = hnsw_data::recall(&got, &ds.truth, K);
            println!("  ef {ef:>3}: recall@10 = {r:.3}");
            if ef == 100 {
                assert!(
                    r >= 0.97,
                    "{}: M=16 efC=200 ef=100 recall {r:.3} < 0.97 (seed 100)",
                    ds.name
                );
            }
        }
    }
}
