//! HNSW structure: determinism, degree bounds, range queries, cancellation, validation and
//! the memory report.

use annlab_core::hnsw::{AnyHnsw, Hnsw, HnswBuilder, HnswError, HnswParams};
use annlab_core::store::FullPrecisionStore;
use annlab_core::{flat, Matrix, Metric, NoControl};

fn synthetic(n: usize, dim: usize, seed: u64) -> Matrix {
    Matrix::new(dim, annlab_core::rng::synthetic_clustered(n, dim, 8, seed)).unwrap()
}

fn build(m: &Matrix, metric: Metric, params: HnswParams) -> Hnsw<FullPrecisionStore<f32>> {
    let store = FullPrecisionStore::<f32>::from_matrix(m, metric).unwrap();
    Hnsw::build(store, params, &mut NoControl).unwrap()
}

/// Every list of every node, level by level.
fn adjacency(h: &Hnsw<FullPrecisionStore<f32>>) -> Vec<Vec<Vec<u32>>> {
    (0..h.len() as u32)
        .map(|id| {
            (0..=h.level_of(id))
                .map(|l| h.neighbors(id, l).to_vec())
                .collect()
        })
        .collect()
}

#[test]
fn same_seed_gives_the_same_graph_and_another_seed_does_not() {
    let data = synthetic(1500, 24, 3);
    let p = HnswParams {
        m: 8,
        ef_construction: 64,
        ..HnswParams::default()
    };
    let a = build(&data, Metric::L2, p);
    let b = build(&data, Metric::L2, p);
    assert_eq!(adjacency(&a), adjacency(&b), "seed {}", p.seed);
    assert_eq!(a.entry_point(), b.entry_point());
    let c = build(&data, Metric::L2, HnswParams { seed: 101, ..p });
    assert_ne!(
        adjacency(&a),
        adjacency(&c),
        "seeds 100 and 101 should differ"
    );
}

#[test]
fn chunked_build_equals_one_shot_build() {
    let data = synthetic(900, 16, 5);
    let p = HnswParams {
        m: 6,
        ef_construction: 40,
        ..HnswParams::default()
    };
    let store = FullPrecisionStore::<f32>::from_matrix(&data, Metric::Cosine).unwrap();
    let mut builder = HnswBuilder::new(store, p).unwrap();
    let mut chunks = 0;
    while builder.insert_next(37) > 0 {
        chunks += 1;
    }
    assert_eq!(chunks, 900usize.div_ceil(37));
    assert_eq!(builder.progress(), (900, 900));
    let chunked = builder.finish();
    assert_eq!(
        adjacency(&chunked),
        adjacency(&build(&data, Metric::Cosine, p))
    );
}

#[test]
fn degrees_respect_m_and_m0_and_levels_follow_one_over_ln_m() {
    let data = synthetic(4000, 16, 9);
    let p = HnswParams {
        m: 4,
        ef_construction: 32,
        ..HnswParams::default()
    };
    let h = build(&data, Metric::L2, p);
    let mut upper_nodes = 0;
    for id in 0..h.len() as u32 {
        assert!(h.neighbors(id, 0).len() <= 8, "node {id} exceeds M0");
        assert!(!h.neighbors(id, 0).is_empty(), "node {id} is isolated");
        for l in 1..=h.level_of(id) {
            assert!(
                h.neighbors(id, l).len() <= 4,
                "node {id} level {l} exceeds M"
            );
            assert!(h.neighbors(id, l).iter().all(|&nb| h.level_of(nb) >= l));
        }
        assert!(!h.neighbors(id, 0).contains(&id), "self loop at {id}");
        upper_nodes += usize::from(h.level_of(id) > 0);
    }
    // P(level ≥ 1) = 1/M = 0.25: expect 1000 of 4000 (±5 sigma ≈ 137).
    assert!(
        (860..1140).contains(&upper_nodes),
        "{upper_nodes} nodes above level 0 (seed 100)"
    );
    assert_eq!(h.level_of(h.entry_point().unwrap()), h.max_level());
}

#[test]
fn range_query_matches_brute_force() {
    let data = synthetic(2000, 12, 11);
    let queries = synthetic(20, 12, 12);
    let p = HnswParams {
        m: 16,
        ef_construction: 100,
        ..HnswParams::default()
    };
    let h = build(&data, Metric::L2, p);
    let exact = flat::exact_knn(&data, &queries, Metric::L2, 30).unwrap();
    let mut scratch = h.new_scratch();
    let (mut found_total, mut truth_total) = (0usize, 0usize);
    for (qi, q) in queries.iter_rows().enumerate() {
        // Radius = the 20th exact distance, so about 20 rows qualify.
        let radius = exact[qi][19].distance;
        let truth: Vec<u32> = exact[qi]
            .iter()
            .filter(|n| n.distance <= radius)
            .map(|n| n.id)
            .collect();
        let out = h.range_search(q, radius, 0.01, &mut scratch).unwrap();
        assert!(out.hits.iter().all(|n| n.distance <= radius), "query {qi}");
        assert!(out.hits.windows(2).all(|w| w[0].distance <= w[1].distance));
        let wide = h.range_search(q, radius, 0.5, &mut scratch).unwrap();
        assert!(
            wide.hits.len() >= out.hits.len(),
            "larger epsilon never finds less (query {qi})"
        );
        assert!(wide.distance_computations >= out.distance_computations);
        found_total += wide.hits.iter().filter(|n| truth.contains(&n.id)).count();
        truth_total += truth.len();
    }
    let recall = found_total as f64 / truth_total as f64;
    assert!(
        recall >= 0.95,
        "range recall {recall:.3} at epsilon 0.5 (seed 11)"
    );
}

#[test]
fn build_reports_progress_and_can_be_cancelled() {
    let data = synthetic(1200, 8, 13);
    let store = FullPrecisionStore::<f32>::from_matrix(&data, Metric::L2).unwrap();
    let mut calls = Vec::new();
    let mut stop_after_first_chunk = |phase: &str, done: usize, total: usize| {
        calls.push((phase.to_string(), done, total));
        done == 0
    };
    let err = Hnsw::build(store, HnswParams::default(), &mut stop_after_first_chunk).err();
    assert!(matches!(err, Some(HnswError::Cancelled(_))));
    assert_eq!(
        calls,
        vec![
            ("insert".to_string(), 0, 1200),
            ("insert".to_string(), 512, 1200)
        ]
    );
}

#[test]
fn invalid_parameters_and_queries_are_typed_errors() {
    let data = synthetic(50, 8, 1);
    for m in [1, 40_000] {
        let p = HnswParams {
            m,
            ..HnswParams::default()
        };
        let err = AnyHnsw::build(&data, Metric::L2, p, &mut NoControl).err();
        assert!(matches!(err, Some(HnswError::InvalidM { .. })), "m = {m}");
    }
    let h = build(&data, Metric::Cosine, HnswParams::default());
    let mut s = h.new_scratch();
    assert!(matches!(
        h.search(&[1.0; 7], 5, 10, &mut s),
        Err(HnswError::QueryDimension { .. })
    ));
    assert!(matches!(
        h.search(&[0.0; 8], 5, 10, &mut s),
        Err(HnswError::QueryNotNormalizable)
    ));
    assert!(matches!(
        h.search(&[1.0; 8], 0, 10, &mut s),
        Err(HnswError::ZeroK)
    ));
    // ef below k is raised to k.
    assert_eq!(h.search(&[1.0; 8], 20, 1, &mut s).unwrap().hits.len(), 20);
}

#[test]
fn memory_report_counts_our_bytes_and_the_redis_model() {
    let data = synthetic(1000, 32, 2);
    let p = HnswParams {
        m: 16,
        ..HnswParams::default()
    };
    let h = AnyHnsw::build(&data, Metric::L2, p, &mut NoControl).unwrap();
    let mem = h.memory();
    assert_eq!(mem.vector_bytes, 1000 * 32 * 4);
    // Level-0 block: 1000 × (1 + 32) u32, plus per-node offsets and levels, plus upper lists.
    assert!(mem.graph_bytes >= 1000 * 33 * 4 + 1000 * 5);
    assert_eq!(mem.other_bytes, 2000);
    assert_eq!(h.document_bytes(), 1000 * 32 * 4);
    let est = h.redis_index_bytes_estimate();
    assert_eq!(
        est,
        annlab_core::hnsw::redis_index_bytes_estimate(
            1000,
            32,
            annlab_core::ElementType::Float32,
            16
        )
    );
    let half = AnyHnsw::build(
        &data,
        Metric::L2,
        HnswParams {
            element_type: annlab_core::ElementType::Float16,
            ..p
        },
        &mut NoControl,
    )
    .unwrap();
    assert_eq!(half.memory().vector_bytes, 1000 * 32 * 2);
    assert!(half.redis_index_bytes_estimate() < est);
}
