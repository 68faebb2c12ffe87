//! Vamana graph behaviour on seeded synthetic data: recall floors per metric, determinism,
//! progress and cancellation, search-buffer rules, search history, range search.

use annlab_core::flat::exact_knn;
use annlab_core::metric::Metric;
use annlab_core::quant::{train_codec_store, CodecKind};
use annlab_core::rng::synthetic_clustered;
use annlab_core::store::{FullPrecisionStore, VectorStore};
use annlab_core::vamana::{
    build_vamana, BatchLists, BuildConfig, ListsError, NeighborGenerator, SearchParams,
    VamanaBuildState, VamanaBuilder, VamanaError, VamanaGraph, VamanaInsertion, VamanaSearcher,
};
use annlab_core::{distance, with_codec_store, Matrix, NoControl};

const SEED: u64 = 20_240_521;

fn data(rows: usize, dim: usize, seed: u64) -> Matrix {
    Matrix::new(dim, synthetic_clustered(rows, dim, 8, seed)).unwrap()
}

struct Fixture {
    store: FullPrecisionStore<f32>,
    graph: VamanaGraph,
    queries: Matrix,
    truth: Vec<Vec<u32>>,
}

fn fixture(metric: Metric, seed: u64) -> Fixture {
    let all = data(2_100, 24, seed);
    let base = all.select_rows(&(0..2_000).collect::<Vec<_>>()).unwrap();
    let mut queries = all
        .select_rows(&(2_000..2_100).collect::<Vec<_>>())
        .unwrap();
    let truth = exact_knn(&base, &queries, metric, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.into_iter().map(|n| n.id).collect())
        .collect();
    if metric.normalizes() {
        for i in 0..queries.rows() {
            distance::normalize(queries.row_mut(i));
        }
    }
    let store = FullPrecisionStore::<f32>::from_matrix(&base, metric).unwrap();
    let graph = build_vamana(&store, BuildConfig::redis(16, 64, metric), &mut NoControl).unwrap();
    Fixture {
        store,
        graph,
        queries,
        truth,
    }
}

fn recall(f: &Fixture, params: &SearchParams) -> (f64, f64) {
    let mut searcher = VamanaSearcher::new();
    let mut hits = 0usize;
    let mut dist = 0usize;
    for (q, truth) in f.queries.iter_rows().zip(&f.truth) {
        let (res, c) = searcher.search(&f.graph, &f.store, q, 10, params);
        hits += res.iter().filter(|n| truth.contains(&n.id)).count();
        dist += c;
    }
    let nq = f.queries.rows() as f64;
    (hits as f64 / (nq * 10.0), dist as f64 / nq)
}

#[test]
fn recall_floor_for_every_metric() {
    for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
        let f = fixture(metric, SEED);
        assert!(f.graph.mean_degree() <= 16.0);
        let (r, _) = recall(&f, &SearchParams::with_window(64));
        assert!(
            r >= 0.95,
            "metric {metric}, seed {SEED}, R=16 L=64 W=64: recall {r:.3} < 0.95"
        );
    }
}

#[test]
fn same_seed_same_graph_and_degree_bound() {
    let a = fixture(Metric::L2, SEED);
    let b = fixture(Metric::L2, SEED);
    assert_eq!(a.graph, b.graph, "seed {SEED}: graphs differ");
    for id in 0..a.graph.len() as u32 {
        let nb = a.graph.neighbors(id);
        assert!(nb.len() <= 16);
        assert!(!nb.contains(&id), "self loop at {id}");
        let mut sorted = nb.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), nb.len(), "duplicate edge at {id}");
    }
    assert_eq!(a.graph.bytes(), 2_000 * 17 * 4);
}

#[test]
fn entry_point_is_the_row_nearest_the_mean() {
    let f = fixture(Metric::L2, SEED);
    let n = f.store.len();
    let dim = f.store.dim();
    let mut mean = vec![0.0f64; dim];
    let mut row = Vec::new();
    for id in 0..n as u32 {
        f.store.decode_row(id, &mut row);
        mean.iter_mut()
            .zip(&row)
            .for_each(|(m, &x)| *m += f64::from(x));
    }
    let mean: Vec<f32> = mean.iter().map(|m| (m / n as f64) as f32).collect();
    let best = (0..n as u32)
        .min_by(|&a, &b| {
            let (mut ra, mut rb) = (Vec::new(), Vec::new());
            f.store.decode_row(a, &mut ra);
            f.store.decode_row(b, &mut rb);
            distance::l2sq(&mean, &ra).total_cmp(&distance::l2sq(&mean, &rb))
        })
        .unwrap();
    assert_eq!(f.graph.entry_point(), best);
}

#[test]
fn progress_runs_two_passes_and_cancel_stops() {
    let base = data(500, 8, 3);
    let store = FullPrecisionStore::<f32>::from_matrix(&base, Metric::L2).unwrap();
    let mut phases = Vec::new();
    let mut control = |phase: &str, done: usize, total: usize| {
        assert!(done <= total);
        phases.push(phase.to_string());
        true
    };
    build_vamana(&store, BuildConfig::redis(8, 20, Metric::L2), &mut control).unwrap();
    assert!(phases.iter().any(|p| p == "pass 1/2"));
    assert_eq!(phases.last().map(String::as_str), Some("pass 2/2"));

    let mut calls = 0;
    let mut cancel = |_: &str, _: usize, _: usize| {
        calls += 1;
        calls < 3
    };
    let err = build_vamana(&store, BuildConfig::redis(8, 20, Metric::L2), &mut cancel);
    assert_eq!(err, Err(VamanaError::Cancelled));

    let mut b = VamanaBuilder::new(&store, BuildConfig::redis(8, 20, Metric::L2)).unwrap();
    let p = b.step(10);
    assert_eq!(
        (p.phase, p.done, p.total, p.finished),
        ("pass 1/2", 10, 500, false)
    );
}

#[test]
fn invalid_configs_are_errors() {
    let base = data(10, 4, 1);
    let store = FullPrecisionStore::<f32>::from_matrix(&base, Metric::L2).unwrap();
    let mut c = BuildConfig::redis(0, 10, Metric::L2);
    assert_eq!(
        VamanaBuilder::new(&store, c).err(),
        Some(VamanaError::ZeroDegree)
    );
    c.graph_max_degree = 4;
    c.window_size = 0;
    assert_eq!(
        VamanaBuilder::new(&store, c).err(),
        Some(VamanaError::ZeroWindow)
    );
    let empty =
        FullPrecisionStore::<f32>::from_matrix(&Matrix::with_dim(4).unwrap(), Metric::L2).unwrap();
    assert_eq!(
        VamanaBuilder::new(&empty, BuildConfig::redis(4, 10, Metric::L2)).err(),
        Some(VamanaError::Empty)
    );
}

#[test]
fn redis_build_defaults() {
    let l2 = BuildConfig::redis(32, 200, Metric::L2);
    assert_eq!(l2.alpha, 1.2);
    assert_eq!(l2.max_candidate_pool_size, 600);
    assert_eq!(l2.prune_to, 28);
    assert!(l2.use_full_search_history);
    assert_eq!(BuildConfig::redis(32, 200, Metric::Ip).alpha, 0.95);
    assert_eq!(BuildConfig::redis(32, 200, Metric::Cosine).alpha, 0.95);
    assert_eq!(annlab_core::vamana::build::batch_count(10_000), 40);
    assert_eq!(annlab_core::vamana::build::batch_count(1_000_000), 245);
}

/// Builds `store` with and without the sketch pre-screen; returns both graphs and their f32
/// distance counts.
fn screened_and_exact<S: VectorStore>(store: &S, config: BuildConfig) -> [(VamanaGraph, u64); 2] {
    [true, false].map(|prescreen| {
        let mut builder = VamanaBuilder::new(
            store,
            BuildConfig {
                prescreen,
                ..config
            },
        )
        .unwrap();
        while !builder.step(97).finished {}
        let computed = builder.distance_computations();
        (builder.finish(), computed)
    })
}

#[test]
fn prescreening_builds_the_same_graph_with_fewer_f32_distances() {
    assert_eq!(
        BuildConfig::redis(32, 200, Metric::L2).prescreen,
        cfg!(target_arch = "wasm32")
    );
    // Clustered data (many near ties), awkward dimensions, every metric, FP32 and FP16 rows.
    for (metric, dim, seed) in [
        (Metric::L2, 24, SEED),
        (Metric::Ip, 37, SEED + 1),
        (Metric::Cosine, 64, SEED + 2),
        (Metric::L2, 130, SEED + 3),
    ] {
        let base = data(1_500, dim, seed);
        let config = BuildConfig::redis(16, 48, metric);
        let store = FullPrecisionStore::<f32>::from_matrix(&base, metric).unwrap();
        let [(screened, fewer), (exact, all)] = screened_and_exact(&store, config);
        assert_eq!(
            screened, exact,
            "{metric} d={dim}: pre-screening changed the graph"
        );
        assert!(
            fewer * 2 < all,
            "{metric} d={dim}: {fewer} f32 distances screened vs {all} exact"
        );
        let half = FullPrecisionStore::<half::f16>::from_matrix(&base, metric).unwrap();
        let [(screened, _), (exact, _)] = screened_and_exact(&half, config);
        assert_eq!(
            screened, exact,
            "{metric} d={dim} FP16: pre-screening changed the graph"
        );
    }
    // Compressed stores are never screened: same graph, same work.
    let base = data(1_200, 32, SEED);
    let config = BuildConfig::redis(16, 48, Metric::L2);
    let codec =
        train_codec_store(CodecKind::Lvq8, &base, Metric::L2, 600, 1, &mut NoControl).unwrap();
    let [(a, ca), (b, cb)] = with_codec_store!(&codec, s => screened_and_exact(s, config));
    assert_eq!((a, ca), (b, cb));
}

#[test]
fn history_off_gives_same_hits_with_more_distances() {
    let f = fixture(Metric::L2, SEED);
    let on = SearchParams::with_window(50);
    let off = SearchParams {
        use_history: false,
        ..on
    };
    let mut s = VamanaSearcher::new();
    let (mut on_total, mut off_total) = (0, 0);
    for q in f.queries.iter_rows() {
        let (a, ca) = s.search(&f.graph, &f.store, q, 10, &on);
        let (b, cb) = s.search(&f.graph, &f.store, q, 10, &off);
        assert_eq!(a, b, "seed {SEED}: history changed the hits");
        on_total += ca;
        off_total += cb;
    }
    assert!(off_total > on_total, "{off_total} <= {on_total}");
}

#[test]
fn larger_window_is_not_worse_and_buffer_grows_to_k() {
    let f = fixture(Metric::L2, SEED);
    let (r10, d10) = recall(&f, &SearchParams::with_window(10));
    let (r100, d100) = recall(&f, &SearchParams::with_window(100));
    assert!(r100 >= r10 && d100 > d10, "{r10} {r100} {d10} {d100}");
    // A window of 2 with k = 10 still returns 10 hits (buffer grown to k).
    let mut s = VamanaSearcher::new();
    let q = f.queries.row(0);
    let (hits, _) = s.search(&f.graph, &f.store, q, 10, &SearchParams::with_window(2));
    assert_eq!(hits.len(), 10);
    assert_eq!(SearchParams::with_window(2).for_k(10), (10, 10));
    let p = SearchParams {
        window: 10,
        capacity: 15,
        use_history: true,
    };
    assert_eq!(p.for_k(12), (10, 15));
    // Hits are sorted and carry Redis distances.
    for w in hits.windows(2) {
        assert!(w[0].distance <= w[1].distance);
    }
    let exact = distance::l2sq(q, f.store.row(hits[0].id));
    assert!((hits[0].distance - exact).abs() <= 1e-3 * exact.max(1.0));
}

/// Range recall against brute force for a radius holding ~30 vectors. Floors: L2 0.95; COSINE
/// 0.80 (this clustered synthetic set is hard for inner-product graphs at small windows). A
/// wider EPSILON must never lower recall, and nothing outside the radius is returned.
#[test]
fn range_search_matches_brute_force() {
    for (metric, floor) in [(Metric::L2, 0.95), (Metric::Cosine, 0.80)] {
        let f = fixture(metric, SEED);
        let mut s = VamanaSearcher::new();
        let params = SearchParams::with_window(20);
        let (mut found, mut found_wide, mut expected) = (0usize, 0usize, 0usize);
        for q in f.queries.iter_rows() {
            let scorer = annlab_core::store::VectorStore::scorer(&f.store, q);
            let mut all: Vec<f32> = (0..f.store.len() as u32)
                .map(|id| annlab_core::store::QueryScorer::distance(&scorer, id))
                .collect();
            all.sort_by(f32::total_cmp);
            let radius = all[29];
            let truth = all.iter().filter(|&&d| d <= radius).count();
            let (hits, _) = s.range_search(&f.graph, &f.store, q, radius, 0.01, &params);
            assert!(hits.iter().all(|h| h.distance <= radius), "metric {metric}");
            let (wide, _) = s.range_search(&f.graph, &f.store, q, radius, 1.0, &params);
            assert!(wide.iter().all(|h| h.distance <= radius), "metric {metric}");
            found += hits.len();
            found_wide += wide.len();
            expected += truth;
        }
        let r = found as f64 / expected as f64;
        let rw = found_wide as f64 / expected as f64;
        assert!(
            r >= floor,
            "metric {metric}, seed {SEED}: range recall {r:.3} < {floor}"
        );
        assert!(
            rw >= r,
            "metric {metric}, seed {SEED}: epsilon 1.0 recall {rw:.3} < {r:.3}"
        );
    }
}

/// Builds with part of every batch handed to a second generator working on a copy of the
/// batch-start graph (as a helper worker does), `share` of the batch going to the helper.
fn build_with_helper<S: VectorStore>(
    store: &S,
    config: BuildConfig,
    share: f64,
) -> (VamanaGraph, u64) {
    let mut state = VamanaBuildState::new(store, config).unwrap();
    let mut helper = NeighborGenerator::new();
    loop {
        if state.at_batch_start() {
            let batch = state.current_batch().unwrap();
            let len = batch.end - batch.start;
            let handed = ((len as f64) * share).round() as u32;
            if handed > 0 {
                let nodes = batch.end - handed..batch.end;
                state.delegate(nodes.clone()).unwrap();
                let g = state.graph();
                let snapshot = VamanaGraph::from_records(
                    g.max_degree(),
                    g.entry_point(),
                    g.records().to_vec(),
                )
                .unwrap();
                let lists = helper.generate_lists(store, &snapshot, state.config(), nodes);
                // Lists arrive while the builder is busy with its own share.
                let p = state.step(store, 3, true);
                assert!(!p.finished);
                if !p.awaiting_lists {
                    let p = state.step(store, usize::MAX, true);
                    assert!(p.awaiting_lists || handed == len);
                }
                state.accept_lists(&lists).unwrap();
            }
        }
        // The same share of the batch's back-edge prunes goes to the helper.
        let prunes = state.back_edges_at_start();
        let handed = ((prunes as f64) * share).round() as usize;
        if handed > 0 {
            let set = state.delegate_prunes(handed).unwrap();
            assert_eq!(set.targets.len(), handed);
            let lists = helper.prune_back_edges(store, state.config(), &set);
            assert!(state.step(store, usize::MAX, true).awaiting_lists);
            state.accept_prunes(&lists).unwrap();
        }
        if state.step(store, usize::MAX, true).finished {
            break;
        }
    }
    let computed = state.distance_computations();
    (state.finish(), computed)
}

#[test]
fn handing_out_part_of_each_batch_gives_the_serial_graph() {
    for metric in [Metric::L2, Metric::Cosine] {
        let base = data(900, 12, SEED + 7);
        let store = FullPrecisionStore::<f32>::from_matrix(&base, metric).unwrap();
        let config = BuildConfig::redis(12, 40, metric);
        let mut serial = VamanaBuilder::new(&store, config).unwrap();
        while !serial.step(usize::MAX).finished {}
        let serial_computed = serial.distance_computations();
        let serial = serial.finish();
        for share in [0.0, 0.3, 0.5, 1.0] {
            let (graph, computed) = build_with_helper(&store, config, share);
            assert_eq!(graph, serial, "{metric:?} share {share}");
            assert_eq!(computed, serial_computed, "{metric:?} share {share}");
        }
    }
    // A two-level codec (traversal on primary codes, pool on the full representation).
    let base = data(600, 16, SEED + 8);
    let store =
        train_codec_store(CodecKind::Lvq4x8, &base, Metric::L2, 600, 1, &mut NoControl).unwrap();
    let config = BuildConfig::redis(10, 30, Metric::L2);
    let serial = with_codec_store!(&store, s => build_vamana(s, config, &mut NoControl)).unwrap();
    let (graph, _) = with_codec_store!(&store, s => build_with_helper(s, config, 0.5));
    assert_eq!(graph, serial);
}

#[test]
fn handed_out_lists_are_checked_and_can_be_reclaimed() {
    let base = data(300, 8, SEED + 9);
    let store = FullPrecisionStore::<f32>::from_matrix(&base, Metric::L2).unwrap();
    let config = BuildConfig::redis(8, 20, Metric::L2);
    let mut state = VamanaBuildState::new(&store, config).unwrap();
    let batch = state.current_batch().unwrap();
    assert_eq!(
        state.accept_lists(&BatchLists::default()),
        Err(ListsError::NotDelegated)
    );
    // Only a tail of the batch can be handed out.
    assert!(state.delegate(batch.start..batch.end - 1).is_err());
    let tail = batch.end - 3..batch.end;
    state.delegate(tail.clone()).unwrap();
    assert_eq!(state.delegated(), Some(tail.clone()));
    let mut helper = NeighborGenerator::new();
    let good = helper.generate_lists(&store, state.graph(), &config, tail.clone());
    let mut wrong_nodes = good.clone();
    wrong_nodes.nodes[0] += 1;
    assert!(matches!(
        state.accept_lists(&wrong_nodes),
        Err(ListsError::WrongNodes { .. })
    ));
    let mut bad_id = good.clone();
    bad_id.ids[0] = 10_000;
    assert_eq!(
        state.accept_lists(&bad_id),
        Err(ListsError::BadList { node: tail.start })
    );
    assert!(state.step(&store, usize::MAX, true).awaiting_lists);
    // The helper is lost: the builder generates the tail itself and goes on.
    state.reclaim(&store).unwrap();
    assert_eq!(state.delegated(), None);
    while !state.step(&store, usize::MAX, false).finished {}
    let serial = build_vamana(&store, config, &mut NoControl).unwrap();
    assert_eq!(state.finish(), serial);
}

#[test]
fn handed_out_prunes_are_checked_and_can_be_reclaimed() {
    let base = data(300, 8, SEED + 10);
    let store = FullPrecisionStore::<f32>::from_matrix(&base, Metric::L2).unwrap();
    let config = BuildConfig::redis(8, 20, Metric::L2);
    let mut state = VamanaBuildState::new(&store, config).unwrap();
    assert!(state.accept_prunes(&BatchLists::default()).is_err());
    // Run batches until one has back edges to prune.
    let prunes = loop {
        let p = state.step(&store, usize::MAX, true);
        assert!(!p.finished, "no batch overflowed");
        let count = state.back_edges_at_start();
        if count >= 4 {
            break count;
        }
    };
    assert!(state.delegate_prunes(prunes + 1).is_err());
    assert!(state.delegate_prunes(0).is_err());
    let set = state.delegate_prunes(3).unwrap();
    assert_eq!(state.delegated_prunes(), Some(set.clone()));
    assert_eq!(state.back_edges_at_start(), 0, "already handed out");
    let mut helper = NeighborGenerator::new();
    let good = helper.prune_back_edges(&store, &config, &set);
    let mut wrong = good.clone();
    wrong.nodes.swap(0, 1);
    assert!(matches!(
        state.accept_prunes(&wrong),
        Err(ListsError::WrongPrunes { expected: 3 })
    ));
    let mut too_long = good.clone();
    let extra = too_long.ids.len() as u32 + config.graph_max_degree as u32;
    too_long
        .ids
        .extend(std::iter::repeat_n(0, config.graph_max_degree));
    *too_long.ends.last_mut().unwrap() = extra;
    assert!(matches!(
        state.accept_prunes(&too_long),
        Err(ListsError::BadList { .. })
    ));
    assert!(state.step(&store, usize::MAX, true).awaiting_lists);
    // The helper is lost: the builder prunes those targets itself and goes on.
    state.reclaim_prunes(&store).unwrap();
    assert_eq!(state.delegated_prunes(), None);
    while !state.step(&store, usize::MAX, false).finished {}
    let serial = build_vamana(&store, config, &mut NoControl).unwrap();
    assert_eq!(state.finish(), serial);
}

#[test]
fn incremental_insertion_builds_a_first_block_then_inserts_one_row_at_a_time() {
    let f = fixture(Metric::L2, SEED + 21);
    let batched = BuildConfig::redis(16, 64, Metric::L2);
    // A first block covering every row is the batched build.
    let whole = BuildConfig {
        insertion: VamanaInsertion::Incremental { first_block: 5_000 },
        ..batched
    };
    assert_eq!(
        build_vamana(&f.store, whole, &mut NoControl).unwrap(),
        f.graph
    );
    let config = BuildConfig {
        insertion: VamanaInsertion::Incremental { first_block: 300 },
        ..batched
    };
    let mut builder = VamanaBuilder::new(&f.store, config).unwrap();
    let mut phases = Vec::new();
    loop {
        let p = builder.step(97);
        if phases.last() != Some(&(p.phase, p.total)) {
            phases.push((p.phase, p.total));
        }
        if p.finished {
            break;
        }
    }
    assert_eq!(
        phases,
        [
            ("pass 1/2", 300),
            ("pass 2/2", 300),
            ("inserting", 1_700),
            ("inserting", 2_000)
        ]
    );
    let graph = builder.finish();
    assert_ne!(graph, f.graph, "single insertions give another graph");
    // The entry point is the medoid of the first block.
    let first = f.store.len().min(300);
    let mut mean = vec![0.0f64; f.store.dim()];
    let mut row = Vec::new();
    for id in 0..first as u32 {
        f.store.decode_row(id, &mut row);
        mean.iter_mut()
            .zip(&row)
            .for_each(|(m, &x)| *m += f64::from(x));
    }
    let mean: Vec<f32> = mean.iter().map(|m| (m / first as f64) as f32).collect();
    let nearest = (0..first as u32)
        .min_by(|&a, &b| {
            f.store.decode_row(a, &mut row);
            let da = distance::l2sq(&mean, &row);
            f.store.decode_row(b, &mut row);
            da.total_cmp(&distance::l2sq(&mean, &row))
        })
        .unwrap();
    assert_eq!(graph.entry_point(), nearest);
    for node in 0..graph.len() as u32 {
        let nbs = graph.neighbors(node);
        assert!(!nbs.is_empty() && nbs.len() <= 16, "node {node}");
        assert!(nbs
            .iter()
            .all(|&nb| nb != node && (nb as usize) < graph.len()));
    }
    // Seed SEED + 21, window 50: measured 0.99 batched; the floor leaves room for either mode.
    let incremental = Fixture { graph, ..f };
    let (r, _) = recall(&incremental, &SearchParams::with_window(50));
    assert!(r >= 0.9, "incremental recall@10 at window 50: {r}");
}
