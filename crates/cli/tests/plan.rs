//! `annlab plan` and `annlab compare --shards`, end to end.

use annlab_core::hnsw::HnswParams;
use annlab_core::svs::{Compression, SvsParams, Target};
use annlab_core::ElementType;
use annlab_export::capacity::{self, Candidate, CapacityInput, Growth, Rates};
use annlab_export::KeyType;
use annlab_protocol::runner::IndexSpec;
use serde_json::Value;

mod common;

use common::{annlab, annlab_ok};

/// `annlab plan` for one small HNSW candidate (1,000 documents of dim 4) plus `extra`.
fn small_plan(extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "plan",
        "--hnsw",
        "m=16",
        "--doc-count",
        "1000",
        "--dim",
        "4",
    ];
    args.extend_from_slice(extra);
    annlab(&args)
}

/// The CLI prints exactly what the library's one formula gives for the same inputs (the app
/// calls the same `capacity::project`).
#[test]
fn plan_json_is_the_library_projection() {
    let out = annlab_ok(&[
        "plan",
        "--hnsw",
        "m=16",
        "--svs",
        "compression=LVQ8",
        "--target",
        "generic",
        "--doc-count",
        "2,000,000",
        "--dim",
        "768",
        "--growth",
        "5%/month",
        "--horizon",
        "6",
        "--shard-memory",
        "8GB",
        "--reads-per-month",
        "100000000",
        "--rates",
        "illustrative",
        "--json",
    ]);
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let input = CapacityInput {
        documents_now: 2_000_000,
        growth: Growth::Percent(0.05),
        horizon_months: 6,
        dim: 768,
        vector_type: ElementType::Float32,
        key_type: KeyType::Hash,
        shards: None,
        shard_memory: Some(8 << 30),
        reads_per_month: 100_000_000,
        writes_per_month: None,
        rates: Rates::ILLUSTRATIVE,
        candidates: vec![
            Candidate {
                name: "HNSW m=16".into(),
                spec: IndexSpec::Hnsw {
                    params: HnswParams::default(),
                    ef_sweep: vec![],
                },
            },
            capacity::svs_candidate(
                "SVS-VAMANA compression=LVQ8",
                SvsParams {
                    compression: Some(Compression::Lvq8),
                    ..SvsParams::default()
                },
                Target::Generic,
            ),
        ],
    };
    let want = serde_json::to_value(capacity::project(&input).unwrap()).unwrap();
    assert_same(&got, &want, "");
    assert_eq!(got["illustrative_rates"], Value::Bool(true));

    let csv = small_plan(&["--horizon", "1", "--csv"]);
    let text = String::from_utf8_lossy(&csv.stdout);
    assert_eq!(text.lines().count(), 3);
    assert!(text.starts_with("candidate,month,documents,shards,"));
    let bad = small_plan(&["--growth", "fast"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a growth"));
}

/// Equal JSON, floats to 1e-12 relative (serde_json's float parsing may move the last ulp).
fn assert_same(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                "{at}: {x} vs {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                assert_same(p, q, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, p) in x {
                assert_same(p, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// A 3-shard simulated cluster: per-shard figures in the JSON, the ratio in each point's
/// runtime, and a plan with the cluster section.
#[test]
fn compare_shards_reports_per_shard_figures_and_exports_a_cluster_plan() {
    let dir = std::env::temp_dir().join(format!("annlab-plan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (rows, dim) = (1200usize, 16usize);
    let data = annlab_core::rng::synthetic_clustered(rows, dim, 8, 11);
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    let base = dir.join("base.npy");
    std::fs::write(
        &base,
        annlab_formats::write_npy("<f4", &[rows, dim], false, &bytes),
    )
    .unwrap();
    let export = dir.join("plan");
    let out = annlab_ok(&[
        "compare",
        "--base",
        base.to_str().unwrap(),
        "--metric",
        "l2",
        "--k",
        "10",
        "--shards",
        "3",
        "--hnsw",
        "m=8,ef_runtime=10,shard_k_ratio=1.0/0.5",
        "--svs",
        "graph_max_degree=16,search_window_size=10,shard_k_ratio=1.0/0.2",
        "--json",
        "--export",
        export.to_str().unwrap(),
        "--recall-threshold",
        "0.5",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let shards = doc["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 2);
    let per_shard = shards[0]["per_shard"].as_array().unwrap();
    assert_eq!(per_shard.len(), 3);
    let docs: u64 = per_shard
        .iter()
        .map(|s| s["documents"].as_u64().unwrap())
        .sum();
    assert_eq!(
        docs as usize + doc["dataset"]["queries"].as_u64().unwrap() as usize,
        rows
    );
    assert!(shards[0]["balance"].as_f64().unwrap() >= 1.0);
    let points = doc["runs"][1]["search"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    assert_eq!(points[1]["runtime"]["shard_k_ratio"], Value::from(0.2));
    assert_eq!(points[1]["runtime"]["shards"], Value::from(3));
    let plan = std::fs::read_to_string(export.join("PLAN.md")).unwrap();
    assert!(plan.contains("## 4a. Redis Cluster: 3 shards"), "{plan}");
    let migrate = std::fs::read_to_string(export.join("migrate.py")).unwrap();
    assert!(migrate.contains("\"shards\": 3,"));
    // The same report's runs as `annlab plan` candidates.
    let report = export.join("compare.json");
    let planned = annlab(&[
        "plan",
        "--report",
        report.to_str().unwrap(),
        "--doc-count",
        "100000",
        "--horizon",
        "1",
        "--json",
    ]);
    assert!(
        planned.status.success(),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    let plan_doc: Value = serde_json::from_slice(&planned.stdout).unwrap();
    let names: Vec<&str> = plan_doc["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names[0].starts_with("HNSW ") && names[0].contains("m=8"),
        "{names:?}"
    );
    assert!(
        names[1].starts_with("SVS-VAMANA ") && names[1].contains("graph_max_degree=16"),
        "{names:?}"
    );

    let refused = annlab(&[
        "compare",
        "--base",
        base.to_str().unwrap(),
        "--metric",
        "l2",
        "--hnsw",
        "shard_k_ratio=0.5",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs --shards"));
    let _ = std::fs::remove_dir_all(&dir);
}
