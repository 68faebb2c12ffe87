//! Checks of `annlab_protocol::decide` against brute force and against outputs RedisVL and
//! the migration notebook printed themselves.
//!
//! Random tables come from a fixed-seed splitmix64; axis values are drawn from small sets so
//! that ties (equal QPS, equal recall, equal memory) occur often.

use annlab_core::svs::{Compression, Target};
use annlab_protocol::decide::advisor::{redisvl_estimate_memory_savings, redisvl_rule};
use annlab_protocol::decide::go_no_go::{evaluate_in, Thresholds, Verdict};
use annlab_protocol::decide::grid::{expand_hnsw, expand_svs};
use annlab_protocol::decide::optimizer::{optimize, Budgets, Constraint, Outcome};
use annlab_protocol::decide::pareto::{classify, frontier, MemoryAt, Objective, ParetoEntry};
use annlab_protocol::decide::{memory_at, PointRef};
use annlab_protocol::report::{
    Algorithm, CompareReport, DatasetInfo, Latency, MemoryReport, RunReport, SearchPoint,
};
use annlab_protocol::runner::IndexSpec;
use serde_json::{Map, Value};

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

fn dataset() -> DatasetInfo {
    DatasetInfo {
        n: 10_000,
        dim: 128,
        metric: "l2".into(),
        queries: 100,
        k: 10,
    }
}

fn point(rng: &mut SplitMix, key: &str, value: u64) -> SearchPoint {
    let mut runtime = Map::new();
    runtime.insert(key.into(), Value::from(value));
    let p95 = rng.pick(&[80.0, 120.0, 200.0, 350.0]);
    SearchPoint {
        runtime,
        recall_at_k: rng.pick(&[0.7, 0.8, 0.85, 0.9, 0.95, 0.99]),
        tie_aware_recall_at_k: 0.0,
        qps: rng.pick(&[1000.0, 2000.0, 3000.0, 5000.0]),
        latency_us: Latency {
            p50: p95 / 2.0,
            p95,
            p99: p95 * 2.0,
            ..Latency::default()
        },
        distance_computations_mean: 0.0,
        timed_queries: 0,
        recall_vs_hnsw: None,
    }
}

fn random_run(rng: &mut SplitMix) -> RunReport {
    let mut params = Map::new();
    params.insert("type".into(), Value::from("float32"));
    let (algorithm, key) = if rng.below(2) == 0 {
        params.insert("m".into(), Value::from(rng.pick(&[8u64, 16, 32])));
        params.insert("ef_construction".into(), Value::from(200));
        (Algorithm::Hnsw, "ef_runtime")
    } else {
        params.insert(
            "graph_max_degree".into(),
            Value::from(rng.pick(&[16u64, 32, 64])),
        );
        if let Some(c) = rng.pick(&[None, Some("LVQ8"), Some("LVQ4"), Some("LVQ4x8")]) {
            params.insert("compression".into(), Value::from(c));
        }
        (Algorithm::SvsVamana, "search_window_size")
    };
    let points = 1 + rng.below(5);
    let search = (0..points).map(|i| point(rng, key, 10 * (i + 1))).collect();
    RunReport {
        algorithm,
        params,
        target: Target::Intel,
        build_seconds: rng.pick(&[1.0, 5.0, 20.0]),
        memory: MemoryReport::default(),
        search,
        effective: None,
        notes: vec![],
    }
}

fn random_report(rng: &mut SplitMix) -> CompareReport {
    let runs = 1 + rng.below(5);
    CompareReport {
        dataset: dataset(),
        runs: (0..runs).map(|_| random_run(rng)).collect(),
    }
}

fn random_budgets(rng: &mut SplitMix) -> Budgets {
    Budgets {
        recall_floor: rng.pick(&[0.8, 0.9, 0.95, 0.99]),
        p95_us: rng.pick(&[None, Some(100.0), Some(200.0), Some(350.0)]),
        memory_bytes: rng.pick(&[
            None,
            Some(300_000_000),
            Some(700_000_000),
            Some(900_000_000),
        ]),
        build_seconds: rng.pick(&[None, Some(2.0), Some(10.0)]),
        doc_count: 1_000_000,
    }
}

/// One row of the brute-force table.
struct Row {
    at: PointRef,
    algorithm: Algorithm,
    recall: f64,
    qps: f64,
    p95: f64,
    memory: u64,
    build: f64,
}

fn table(report: &CompareReport, doc_count: u64) -> Vec<Row> {
    let mut rows = Vec::new();
    for (run, r) in report.runs.iter().enumerate() {
        let memory = memory_at(r, &report.dataset, doc_count).total;
        for (point, p) in r.search.iter().enumerate() {
            rows.push(Row {
                at: PointRef { run, point },
                algorithm: r.algorithm,
                recall: p.recall_at_k,
                qps: p.qps,
                p95: p.latency_us.p95,
                memory,
                build: r.build_seconds,
            });
        }
    }
    rows
}

fn meets(row: &Row, b: &Budgets, skip: Option<Constraint>) -> bool {
    let ok = |c: Constraint, cond: bool| skip == Some(c) || cond;
    ok(Constraint::RecallFloor, row.recall >= b.recall_floor)
        && ok(Constraint::P95Us, b.p95_us.is_none_or(|l| row.p95 <= l))
        && ok(
            Constraint::MemoryBytes,
            b.memory_bytes.is_none_or(|l| row.memory <= l),
        )
        && ok(
            Constraint::BuildSeconds,
            b.build_seconds.is_none_or(|l| row.build <= l),
        )
}

/// Highest QPS, then higher recall, then less memory, then earlier run and point.
fn brute_best(rows: &[&Row], b: &Budgets) -> Option<PointRef> {
    let mut best: Option<&Row> = None;
    for r in rows.iter().filter(|r| meets(r, b, None)) {
        let better = match best {
            None => true,
            Some(c) => {
                r.qps > c.qps
                    || (r.qps == c.qps && r.recall > c.recall)
                    || (r.qps == c.qps && r.recall == c.recall && r.memory < c.memory)
            }
        };
        if better {
            best = Some(r);
        }
    }
    best.map(|r| r.at)
}

fn check_outcome(outcome: &Outcome, rows: &[&Row], b: &Budgets) {
    let expected = brute_best(rows, b);
    match outcome {
        Outcome::Chosen(c) => {
            assert_eq!(Some(c.best.metrics.point_ref()), expected);
            for s in &c.best.slack {
                assert!(s.slack >= 0.0, "chosen point violates {:?}", s.constraint);
            }
        }
        Outcome::Infeasible(inf) => {
            assert_eq!(expected, None);
            assert!(!rows.is_empty());
            assert!(!inf.binding.is_empty());
            // A constraint is binding alone exactly when dropping it lets some row qualify.
            let alone: Vec<Constraint> = [
                Constraint::RecallFloor,
                Constraint::P95Us,
                Constraint::MemoryBytes,
                Constraint::BuildSeconds,
            ]
            .into_iter()
            .filter(|&c| rows.iter().any(|r| meets(r, b, Some(c))))
            .filter(|&c| match c {
                Constraint::RecallFloor => true,
                Constraint::P95Us => b.p95_us.is_some(),
                Constraint::MemoryBytes => b.memory_bytes.is_some(),
                Constraint::BuildSeconds => b.build_seconds.is_some(),
            })
            .collect();
            if !alone.is_empty() {
                assert_eq!(inf.binding, alone);
            }
        }
        Outcome::NoCandidates => assert!(rows.is_empty()),
    }
}

#[test]
fn optimizer_matches_brute_force_on_random_tables() {
    let mut rng = SplitMix(17);
    let mut chosen = 0;
    let mut infeasible = 0;
    for _ in 0..400 {
        let report = random_report(&mut rng);
        let b = random_budgets(&mut rng);
        let rows = table(&report, b.doc_count);
        let result = optimize(&report, &b);
        let all: Vec<&Row> = rows.iter().collect();
        check_outcome(&result.overall, &all, &b);
        match result.overall {
            Outcome::Chosen(_) => chosen += 1,
            Outcome::Infeasible(_) => infeasible += 1,
            Outcome::NoCandidates => {}
        }
        for a in &result.per_algorithm {
            let subset: Vec<&Row> = rows.iter().filter(|r| r.algorithm == a.algorithm).collect();
            check_outcome(&a.outcome, &subset, &b);
        }
    }
    // Both branches are exercised.
    assert!(
        chosen > 50 && infeasible > 50,
        "{chosen} chosen, {infeasible} infeasible"
    );
}

fn brute_dominates(a: &ParetoEntry, b: &ParetoEntry, objective: Objective) -> bool {
    let x_better_or_equal = match objective {
        Objective::QpsHigher => a.x >= b.x,
        Objective::MemoryLower => a.x <= b.x,
    };
    a.recall >= b.recall && x_better_or_equal && (a.recall != b.recall || a.x != b.x)
}

#[test]
fn frontier_points_are_non_dominated_and_the_rest_dominated() {
    let mut rng = SplitMix(4242);
    let memory = MemoryAt {
        doc_count: 1_000_000,
    };
    for _ in 0..300 {
        let report = random_report(&mut rng);
        for objective in [Objective::QpsHigher, Objective::MemoryLower] {
            let classified = classify(&report, objective, &memory);
            let entries: Vec<ParetoEntry> = classified.iter().map(|c| c.entry).collect();
            assert_eq!(entries.len(), table(&report, 1).len());
            for c in &classified {
                let dominated = entries
                    .iter()
                    .any(|o| brute_dominates(o, &c.entry, objective));
                match c.dominated_by {
                    None => assert!(!dominated, "frontier point {:?} is dominated", c.entry),
                    Some(by) => {
                        let o = entries
                            .iter()
                            .find(|e| e.point_ref() == by)
                            .expect("dominating point exists");
                        assert!(brute_dominates(o, &c.entry, objective));
                    }
                }
            }
            let front = frontier(&report, objective, &memory);
            assert_eq!(
                front.len(),
                classified.iter().filter(|c| c.on_frontier()).count()
            );
            assert!(front.windows(2).all(|w| w[0].recall <= w[1].recall));
        }
    }
}

#[test]
fn redisvl_rule_reproduces_what_redisvl_printed() {
    // The migration notebook (redis-developer/redis-ai-resources,
    // python-recipes/vector-search/06_hnsw_to_svs_vamana_migration.ipynb, Step 5) at 768 dims:
    // memory → LVQ4, balanced → LVQ4x4, "performance" → LVQ4x4 (not a RedisVL priority name:
    // it takes the balanced branch), all float32 with no REDUCE.
    for (priority, compression) in [
        ("memory", Compression::Lvq4),
        ("balanced", Compression::Lvq4x4),
        ("performance", Compression::Lvq4x4),
    ] {
        let a = redisvl_rule(768, priority).unwrap();
        assert_eq!(a.compression, compression, "{priority}");
        assert_eq!(a.datatype, "float32");
        assert_eq!(a.reduce, None);
    }
    // redis/redis-vl-python tests/unit/test_compression_advisor.py: (dims, priority) →
    // (compression, datatype, reduce, graph_max_degree, construction_window_size, W).
    #[allow(clippy::type_complexity)] // one row of the upstream table, as written there
    let cases: [(
        usize,
        &str,
        Compression,
        &str,
        Option<usize>,
        usize,
        usize,
        usize,
    ); 8] = [
        (
            1536,
            "memory",
            Compression::LeanVec4x8,
            "float16",
            Some(768),
            64,
            300,
            20,
        ),
        (
            1536,
            "speed",
            Compression::LeanVec4x8,
            "float16",
            Some(384),
            64,
            300,
            40,
        ),
        (
            1536,
            "balanced",
            Compression::LeanVec4x8,
            "float16",
            Some(768),
            64,
            300,
            30,
        ),
        (
            2048,
            "balanced",
            Compression::LeanVec4x8,
            "float16",
            Some(1024),
            64,
            300,
            30,
        ),
        (
            384,
            "memory",
            Compression::Lvq4,
            "float32",
            None,
            40,
            250,
            20,
        ),
        (
            384,
            "speed",
            Compression::Lvq4x8,
            "float32",
            None,
            40,
            250,
            20,
        ),
        (
            768,
            "balanced",
            Compression::Lvq4x4,
            "float32",
            None,
            40,
            250,
            20,
        ),
        (
            1024,
            "speed",
            Compression::LeanVec4x8,
            "float16",
            Some(256),
            64,
            300,
            40,
        ),
    ];
    for (dims, priority, compression, datatype, reduce, degree, cws, w) in cases {
        let a = redisvl_rule(dims, priority).unwrap();
        assert_eq!(
            (
                a.compression,
                a.datatype.as_str(),
                a.reduce,
                a.graph_max_degree,
                a.construction_window_size,
                a.search_window_size
            ),
            (compression, datatype, reduce, degree, cws, w),
            "{dims} {priority}"
        );
    }
    // Threshold boundary: 1023 stays LVQ/float32, 1024 is LeanVec/float16; 512 speed has no REDUCE.
    let low = redisvl_rule(1023, "balanced").unwrap();
    assert_eq!((low.datatype.as_str(), low.reduce), ("float32", None));
    let high = redisvl_rule(1024, "balanced").unwrap();
    assert_eq!(high.compression, Compression::LeanVec4x8);
    assert_eq!(high.datatype, "float16");
    assert_eq!(redisvl_rule(512, "speed").unwrap().reduce, None);
    assert!(redisvl_rule(0, "memory").is_err());
    // The docstring examples of redisvl/utils/compression.py.
    assert_eq!(
        redisvl_rule(384, "speed").unwrap().compression,
        Compression::Lvq4x8
    );
    assert_eq!(redisvl_rule(1536, "balanced").unwrap().reduce, Some(768));

    // estimate_memory_savings, the same test file.
    let s = redisvl_estimate_memory_savings;
    assert_eq!(s(Some(Compression::Lvq4), 384, None), 87.5);
    assert_eq!(s(Some(Compression::Lvq4x4), 768, None), 75.0);
    assert_eq!(s(Some(Compression::LeanVec4x8), 1536, Some(768)), 81.2);
    assert_eq!(s(Some(Compression::LeanVec4x8), 1536, None), 62.5);
    assert_eq!(s(Some(Compression::LeanVec8x8), 2048, Some(1024)), 75.0);
    assert_eq!(s(None, 512, None), 0.0);
    assert_eq!(s(Some(Compression::Lvq4), 333, None), 87.5);
    assert_eq!(
        redisvl_rule(1536, "memory")
            .unwrap()
            .estimated_memory_savings_pct,
        81.2
    );
}

fn run_with(
    algorithm: Algorithm,
    redis_bytes: u64,
    recall: f64,
    vs_hnsw: Option<f64>,
) -> RunReport {
    // No shape in params: memory_at scales the measured figure (here: the notebook's FT.INFO).
    let mut runtime = Map::new();
    runtime.insert("k".into(), Value::from(10));
    RunReport {
        algorithm,
        params: Map::new(),
        target: Target::Intel,
        build_seconds: 1.0,
        memory: MemoryReport {
            redis_index_bytes_estimate: redis_bytes,
            ..MemoryReport::default()
        },
        search: vec![SearchPoint {
            runtime,
            recall_at_k: recall,
            tie_aware_recall_at_k: recall,
            qps: 1000.0,
            latency_us: Latency::default(),
            distance_computations_mean: 0.0,
            timed_queries: 0,
            recall_vs_hnsw: vs_hnsw,
        }],
        effective: None,
        notes: vec![],
    }
}

#[test]
fn go_no_go_reproduces_the_notebook_and_its_other_branches() {
    let mb = |x: f64| (x * 1024.0 * 1024.0).round() as u64;
    let report = |svs_mb: f64, recall: f64| CompareReport {
        dataset: DatasetInfo {
            n: 20,
            dim: 768,
            metric: "cosine".into(),
            queries: 10,
            k: 10,
        },
        runs: vec![
            run_with(Algorithm::Hnsw, mb(3.2259750366210938), 1.0, None),
            run_with(Algorithm::SvsVamana, mb(svs_mb), recall, Some(recall)),
        ],
    };
    let t = Thresholds::default();
    // The notebook's own run: 3.23 MB → 3.02 MB (6.5 %), recall@10 1.000 → RECOMMENDED.
    let g = evaluate_in(&report(3.017791748046875, 1.0), (0, 0), (1, 0), &t, 20).unwrap();
    assert_eq!(g.verdict, Verdict::Recommended);
    assert!((g.savings - 0.0645).abs() < 0.001, "{}", g.savings);
    // Savings pass, quality fails → CONDITIONAL.
    let g = evaluate_in(&report(1.0, 0.8), (0, 0), (1, 0), &t, 20).unwrap();
    assert_eq!(g.verdict, Verdict::Conditional);
    // Quality holds, savings 1.5 % → LIMITED BENEFIT.
    let g = evaluate_in(&report(3.18, 0.9), (0, 0), (1, 0), &t, 20).unwrap();
    assert_eq!(g.verdict, Verdict::LimitedBenefit);
    // Neither → NOT RECOMMENDED; a bigger SVS index is a negative saving.
    let g = evaluate_in(&report(4.0, 0.5), (0, 0), (1, 0), &t, 20).unwrap();
    assert_eq!(g.verdict, Verdict::NotRecommended);
    assert!(g.savings < 0.0);
    // Exactly at both thresholds passes (the notebook compares with >=).
    let at = Thresholds {
        memory_savings_min: 0.5,
        recall_floor: 0.85,
    };
    let g = evaluate_in(
        &report(3.2259750366210938 / 2.0, 0.85),
        (0, 0),
        (1, 0),
        &at,
        20,
    )
    .unwrap();
    assert_eq!(g.verdict, Verdict::Recommended, "{:?}", g.reasons);
}

#[test]
fn grid_counts() {
    let hnsw = expand_hnsw("m=8/16/32,ef_construction=100/200,ef_runtime=10/50/100").unwrap();
    assert_eq!(hnsw.len(), 6);
    assert!(hnsw
        .iter()
        .all(|s| matches!(s, IndexSpec::Hnsw { ef_sweep, .. } if ef_sweep == &vec![10, 50, 100])));
    // The grids: {8,16,32,64} × {100,200,400} and degree × window × compression.
    assert_eq!(
        expand_hnsw("m=8/16/32/64,ef_construction=100/200/400")
            .unwrap()
            .len(),
        12
    );
    let svs = expand_svs(
        "graph_max_degree=32/64,construction_window_size=100/200,compression=LVQ4/LVQ8/LVQ4x4/LVQ4x8/LeanVec4x8/LeanVec8x8,search_window_size=10/50,search_buffer_capacity=60/100",
        Target::Intel,
    )
    .unwrap();
    assert_eq!(svs.len(), 24);
    assert!(svs
        .iter()
        .all(|s| matches!(s, IndexSpec::Svs { runtime_sweep, .. } if runtime_sweep.len() == 4)));
}
