//! Fixed synthetic comparisons for the snapshot tests and the `render_snapshots` example.
//! The figures are plausible, not measured: the snapshots test rendering, not annlab's engines.
#![allow(dead_code)]

use annlab_core::svs::{Compression, SvsParams, Target};
use annlab_core::{ElementType, Metric};
use annlab_export::{HnswFacts, KeyType, OtherField, OtherFieldKind, PlanInput, ProductionFacts};
use annlab_protocol::report::{
    Algorithm, CompareReport, DatasetInfo, EffectiveConfig, Latency, MemoryReport, RunReport,
    SearchPoint,
};
use serde_json::{json, Map, Value};

fn map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Figures are rounded to one decimal so they survive a JSON round trip exactly.
fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn point(runtime: Value, recall: f64, vs_hnsw: Option<f64>, p50: f64) -> SearchPoint {
    SearchPoint {
        runtime: map(runtime),
        recall_at_k: recall,
        tie_aware_recall_at_k: ((recall + 0.002).min(1.0) * 1000.0).round() / 1000.0,
        qps: round1(1e6 / (p50 * 1.1)),
        latency_us: Latency {
            p50,
            p95: round1(p50 * 1.6),
            p99: round1(p50 * 2.1),
        },
        distance_computations_mean: p50 * 9.0,
        timed_queries: 0,
        recall_vs_hnsw: vs_hnsw,
    }
}

fn memory(n: usize, vector: u64, graph: u64, other: u64, redis: u64, doc: u64) -> MemoryReport {
    let n = n as u64;
    MemoryReport {
        vector_bytes: vector * n,
        graph_bytes: graph * n,
        other_bytes: other,
        index_bytes: (vector + graph) * n + other,
        redis_index_bytes_estimate: redis * n,
        document_bytes: doc * n,
    }
}

fn hnsw_run(n: usize, dim: usize, type_size: u64, m: usize, points: Vec<SearchPoint>) -> RunReport {
    let data = dim as u64 * type_size;
    RunReport {
        algorithm: Algorithm::Hnsw,
        params: map(json!({"m": m, "ef_construction": 200, "type": "float32"})),
        target: Target::Intel,
        build_seconds: 4.2,
        memory: memory(
            n,
            data,
            32 + 8 * m as u64 + 20,
            4096,
            data + 32 + 8 * m as u64 + 20 + 9,
            data,
        ),
        search: points,
        effective: None,
        notes: Vec::new(),
    }
}

/// LVQ4x8 on 384-d cosine, same prefix, HASH, with filter fields.
pub fn lvq4x8_384_cosine() -> PlanInput {
    let n = 8_575;
    let hnsw = hnsw_run(
        n,
        384,
        4,
        16,
        vec![
            point(json!({"ef_runtime": 10}), 0.912, None, 61.0),
            point(json!({"ef_runtime": 20}), 0.951, None, 88.0),
            point(json!({"ef_runtime": 50}), 0.984, None, 160.0),
        ],
    );
    let svs = RunReport {
        algorithm: Algorithm::SvsVamana,
        params: map(json!({
            "graph_max_degree": 32, "construction_window_size": 200,
            "compression": "LVQ4x8", "training_threshold": 10240, "type": "float32"
        })),
        target: Target::Intel,
        build_seconds: 6.9,
        memory: memory(n, 581, 132, 1536 * 4, 581 + 132 + 64, 1536),
        search: vec![
            point(json!({"search_window_size": 10}), 0.861, Some(0.874), 38.0),
            point(json!({"search_window_size": 20}), 0.932, Some(0.941), 52.0),
            point(json!({"search_window_size": 40}), 0.972, Some(0.968), 81.0),
            point(json!({"search_window_size": 80}), 0.991, Some(0.975), 140.0),
        ],
        effective: Some(EffectiveConfig {
            compression: Some("LVQ4x8".into()),
            reduced_dim: None,
            training_threshold: Some(10_240),
            redis_serves_flat_buffer: true,
        }),
        notes: vec!["n = 8575 < TRAINING_THRESHOLD 10240: Redis would still answer from the flat buffer; the graph shown is what Redis builds at the threshold".into()],
    };
    PlanInput {
        report: CompareReport {
            dataset: DatasetInfo {
                n,
                dim: 384,
                metric: "cosine".into(),
                queries: 500,
                k: 10,
            },
            runs: vec![hnsw, svs],
        },
        hnsw_run: 0,
        svs_run: 1,
        svs_point: 2,
        production: ProductionFacts {
            index_name: "products".into(),
            prefixes: vec!["product:".into()],
            key_type: KeyType::Hash,
            vector_field: "embedding".into(),
            vector_type: ElementType::Float32,
            dim: 384,
            metric: Metric::Cosine,
            current_hnsw: HnswFacts {
                m: 16,
                ef_construction: 200,
                ef_runtime: 20,
                epsilon: 0.01,
            },
            document_count: 2_000_000,
            monthly_growth: 0.03,
            growth_horizon_months: 12,
            intel_build: true,
            maxmemory_bytes: Some(16 * 1024 * 1024 * 1024),
            other_fields: vec![
                OtherField {
                    name: "genre".into(),
                    kind: OtherFieldKind::Tag,
                    path: None,
                },
                OtherField {
                    name: "title".into(),
                    kind: OtherFieldKind::Text,
                    path: None,
                },
                OtherField {
                    name: "year".into(),
                    kind: OtherFieldKind::Numeric,
                    path: None,
                },
            ],
            ..ProductionFacts::default()
        },
        svs: SvsParams {
            element_type: ElementType::Float32,
            graph_max_degree: 32,
            construction_window_size: 200,
            search_window_size: 40,
            epsilon: 0.01,
            compression: Some(Compression::Lvq4x8),
            training_threshold: None,
            reduce: None,
            seed: 42,
            insertion: Default::default(),
        },
        target: Target::Intel,
        decision: None,
    }
}

/// LeanVec4x8 with REDUCE on 1536-d IP, FLOAT16: HASH documents stored as FLOAT32 today,
/// so they are re-encoded to a new prefix.
pub fn leanvec4x8_1536_fp16() -> PlanInput {
    let n = 20_000;
    let hnsw = hnsw_run(
        n,
        1536,
        4,
        16,
        vec![
            point(json!({"ef_runtime": 10}), 0.884, None, 190.0),
            point(json!({"ef_runtime": 40}), 0.962, None, 360.0),
            point(json!({"ef_runtime": 100}), 0.987, None, 720.0),
        ],
    );
    let svs = RunReport {
        algorithm: Algorithm::SvsVamana,
        params: map(json!({
            "graph_max_degree": 64, "construction_window_size": 300,
            "compression": "LeanVec4x8", "reduce": 768, "training_threshold": 20480,
            "type": "float16"
        })),
        target: Target::Intel,
        build_seconds: 31.5,
        memory: memory(n, 1930, 260, 768 * 1536 * 4, 1930 + 260 + 64, 3072),
        search: vec![
            point(json!({"search_window_size": 20}), 0.921, Some(0.925), 150.0),
            point(json!({"search_window_size": 30}), 0.949, Some(0.951), 190.0),
            point(json!({"search_window_size": 60}), 0.975, Some(0.971), 310.0),
        ],
        effective: Some(EffectiveConfig {
            compression: Some("LeanVec4x8".into()),
            reduced_dim: Some(768),
            training_threshold: Some(20_480),
            redis_serves_flat_buffer: false,
        }),
        notes: Vec::new(),
    };
    PlanInput {
        report: CompareReport {
            dataset: DatasetInfo {
                n,
                dim: 1536,
                metric: "ip".into(),
                queries: 1000,
                k: 10,
            },
            runs: vec![hnsw, svs],
        },
        hnsw_run: 0,
        svs_run: 1,
        svs_point: 1,
        production: ProductionFacts {
            index_name: "rag-chunks".into(),
            alias: Some("rag".into()),
            prefixes: vec!["chunk:".into()],
            key_type: KeyType::Hash,
            vector_field: "vector".into(),
            vector_type: ElementType::Float32,
            dim: 1536,
            metric: Metric::Ip,
            current_hnsw: HnswFacts {
                m: 16,
                ef_construction: 200,
                ef_runtime: 40,
                epsilon: 0.01,
            },
            document_count: 5_000_000,
            monthly_growth: 0.05,
            growth_horizon_months: 6,
            intel_build: true,
            maxmemory_bytes: None,
            other_fields: vec![OtherField {
                name: "tenant".into(),
                kind: OtherFieldKind::Tag,
                path: None,
            }],
            validation_queries: 300,
            recall_threshold: 0.92,
            rollback_window_days: 14,
            ..ProductionFacts::default()
        },
        svs: SvsParams {
            element_type: ElementType::Float16,
            graph_max_degree: 64,
            construction_window_size: 300,
            search_window_size: 30,
            epsilon: 0.01,
            compression: Some(Compression::LeanVec4x8),
            training_threshold: Some(20_480),
            reduce: Some(768),
            seed: 7,
            insertion: Default::default(),
        },
        target: Target::Intel,
        decision: None,
    }
}

/// FP32 without compression on L2, JSON documents, a non-Intel server.
pub fn fp32_l2_none() -> PlanInput {
    let n = 10_000;
    let hnsw = hnsw_run(
        n,
        128,
        4,
        16,
        vec![
            point(json!({"ef_runtime": 10}), 0.947, None, 22.0),
            point(json!({"ef_runtime": 50}), 0.995, None, 48.0),
        ],
    );
    let svs = RunReport {
        algorithm: Algorithm::SvsVamana,
        params: map(json!({
            "graph_max_degree": 32, "construction_window_size": 200, "type": "float32"
        })),
        target: Target::Generic,
        build_seconds: 2.4,
        memory: memory(n, 512, 132, 0, 512 + 132 + 64, 512),
        search: vec![
            point(json!({"search_window_size": 10}), 0.958, Some(0.951), 19.0),
            point(json!({"search_window_size": 50}), 0.997, Some(0.993), 41.0),
        ],
        effective: Some(EffectiveConfig {
            compression: Some("NO_COMPRESSION".into()),
            ..EffectiveConfig::default()
        }),
        notes: Vec::new(),
    };
    PlanInput {
        report: CompareReport {
            dataset: DatasetInfo {
                n,
                dim: 128,
                metric: "l2".into(),
                queries: 100,
                k: 10,
            },
            runs: vec![hnsw, svs],
        },
        hnsw_run: 0,
        svs_run: 1,
        svs_point: 0,
        production: ProductionFacts {
            index_name: "sift".into(),
            new_index_name: Some("sift_vamana".into()),
            prefixes: vec!["sift:".into()],
            key_type: KeyType::Json,
            vector_field: "vec".into(),
            vector_path: Some("$.vec".into()),
            vector_type: ElementType::Float32,
            dim: 128,
            metric: Metric::L2,
            current_hnsw: HnswFacts {
                m: 16,
                ef_construction: 200,
                ef_runtime: 10,
                epsilon: 0.01,
            },
            document_count: 1_000_000,
            monthly_growth: 0.0,
            growth_horizon_months: 12,
            intel_build: false,
            maxmemory_bytes: Some(4 * 1024 * 1024 * 1024),
            ..ProductionFacts::default()
        },
        svs: SvsParams {
            element_type: ElementType::Float32,
            graph_max_degree: 32,
            construction_window_size: 200,
            search_window_size: 10,
            epsilon: 0.01,
            compression: None,
            training_threshold: None,
            reduce: None,
            seed: 42,
            insertion: Default::default(),
        },
        target: Target::Generic,
        decision: None,
    }
}

/// LVQ8 requested on a generic (non-Intel) server and measured as the GlobalSQ8 it runs there;
/// the chosen point also pins a SEARCH_BUFFER_CAPACITY above its window.
pub fn lvq8_768_generic() -> PlanInput {
    let n = 12_000;
    let hnsw = hnsw_run(
        n,
        768,
        4,
        16,
        vec![
            point(json!({"ef_runtime": 10}), 0.901, None, 95.0),
            point(json!({"ef_runtime": 40}), 0.973, None, 170.0),
        ],
    );
    let svs = RunReport {
        algorithm: Algorithm::SvsVamana,
        params: map(json!({
            "graph_max_degree": 32, "construction_window_size": 200,
            "compression": "LVQ8", "type": "float32"
        })),
        target: Target::Generic,
        build_seconds: 12.8,
        memory: memory(n, 776, 132, 8, 776 + 132 + 8, 3072),
        search: vec![
            point(json!({"search_window_size": 10}), 0.874, Some(0.881), 60.0),
            point(
                json!({"search_window_size": 20, "search_buffer_capacity": 40}),
                0.948,
                Some(0.952),
                88.0,
            ),
            point(json!({"search_window_size": 40}), 0.979, Some(0.976), 131.0),
        ],
        effective: Some(EffectiveConfig {
            compression: Some("GlobalSQ8".into()),
            reduced_dim: None,
            training_threshold: Some(10_240),
            redis_serves_flat_buffer: false,
        }),
        notes: vec![
            "target generic: COMPRESSION LVQ8 runs as GlobalSQ8 (no Intel SVS optimisations)"
                .into(),
        ],
    };
    PlanInput {
        report: CompareReport {
            dataset: DatasetInfo {
                n,
                dim: 768,
                metric: "l2".into(),
                queries: 200,
                k: 10,
            },
            runs: vec![hnsw, svs],
        },
        hnsw_run: 0,
        svs_run: 1,
        svs_point: 1,
        production: ProductionFacts {
            index_name: "docs".into(),
            prefixes: vec!["doc:".into()],
            key_type: KeyType::Hash,
            vector_field: "embedding".into(),
            vector_type: ElementType::Float32,
            dim: 768,
            metric: Metric::L2,
            current_hnsw: HnswFacts {
                m: 16,
                ef_construction: 200,
                ef_runtime: 40,
                epsilon: 0.01,
            },
            document_count: 3_000_000,
            monthly_growth: 0.02,
            growth_horizon_months: 12,
            intel_build: false,
            maxmemory_bytes: Some(32 * 1024 * 1024 * 1024),
            ..ProductionFacts::default()
        },
        svs: SvsParams {
            element_type: ElementType::Float32,
            graph_max_degree: 32,
            construction_window_size: 200,
            search_window_size: 20,
            epsilon: 0.01,
            compression: Some(Compression::Lvq8),
            training_threshold: None,
            reduce: None,
            seed: 42,
            ..SvsParams::default()
        },
        target: Target::Generic,
        decision: None,
    }
}

/// Names chosen to break quoting: quotes, backslashes, a command after a quote, Python code.
pub fn hostile() -> PlanInput {
    let mut input = lvq4x8_384_cosine();
    let p = &mut input.production;
    p.index_name = "idx\"; FLUSHALL; \"".into();
    p.new_index_name = Some("__import__('os').system('x')".into());
    p.alias = Some("al\\ias\" \"x".into());
    p.prefixes = vec!["p\"re'fix\\:*".into(), "caf\u{e9}:".into()];
    p.vector_field = "emb-ed\"ding')#".into();
    p.other_fields = vec![OtherField {
        name: "ta g\"\\".into(),
        kind: OtherFieldKind::Tag,
        path: None,
    }];
    input
}

/// `lvq4x8_384_cosine` as a sweep exports it: with the optimizer's choice under budgets, the
/// Pareto front and the go/no-go (the decision section of PLAN.md).
pub fn lvq4x8_384_decision() -> PlanInput {
    use annlab_protocol::decide::go_no_go::Thresholds;
    use annlab_protocol::decide::optimizer::{optimize, Budgets};
    let mut input = lvq4x8_384_cosine();
    let budgets = Budgets {
        recall_floor: 0.9,
        p95_us: Some(2000.0),
        memory_bytes: Some(8 << 30),
        build_seconds: None,
        doc_count: input.production.document_count,
    };
    let result = optimize(&input.report, &budgets);
    // As `annlab sweep --export` does: the plan exports the optimizer's SVS choice.
    let svs = result
        .per_algorithm
        .iter()
        .find(|a| a.algorithm == Algorithm::SvsVamana)
        .and_then(|a| a.outcome.chosen())
        .expect("an SVS point qualifies")
        .best
        .metrics;
    input.svs_run = svs.run;
    input.svs_point = svs.point;
    input.svs.search_window_size =
        annlab_export::choose::point_window(&input.report, svs.run, svs.point).expect("window");
    input.decision = Some(
        annlab_export::decision::decide(&input, Some(&result), &Thresholds::default())
            .expect("decision"),
    );
    input
}

/// The snapshot configurations by directory name.
pub fn configurations() -> Vec<(&'static str, PlanInput)> {
    vec![
        ("lvq4x8-384-cosine", lvq4x8_384_cosine()),
        ("lvq4x8-384-decision", lvq4x8_384_decision()),
        ("leanvec4x8-1536-fp16", leanvec4x8_1536_fp16()),
        ("fp32-l2-none", fp32_l2_none()),
        ("lvq8-768-generic", lvq8_768_generic()),
    ]
}
