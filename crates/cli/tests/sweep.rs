//! End-to-end tests of `annlab sweep` on a small synthetic base (the real data sets are
//! swept by hand; see the issue #17 report).

use std::path::Path;
use std::process::Output;

use annlab_formats::write_npy;
use annlab_protocol::decide::optimizer::Outcome;
use annlab_protocol::decide::pareto::{classify, MemoryAt, Objective};
use annlab_protocol::decide::SweepDocument;

mod common;

use common::{annlab, scratch};

const SUITE: &str = "sweep";

fn base(dir: &Path) -> String {
    let (rows, dim) = (800, 8);
    let data = annlab_core::rng::synthetic_clustered(rows, dim, 6, 7);
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    let path = dir.join("base.npy");
    std::fs::write(&path, write_npy("<f4", &[rows, dim], false, &bytes)).unwrap();
    path.to_str().unwrap().to_string()
}

fn sweep(base: &str, optimize: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "--base",
        base,
        "--metric",
        "l2",
        "--hnsw",
        "m=4/8,ef_construction=20/40,ef_runtime=10/40",
        "--svs",
        "graph_max_degree=8/16,construction_window_size=20,search_window_size=10/40",
        "--optimize",
        optimize,
    ];
    args.extend_from_slice(extra);
    annlab(&args)
}

#[test]
fn sweep_json_has_one_run_per_build_a_valid_front_and_the_optimizer() {
    let dir = scratch(SUITE, "json");
    let base = base(&dir);
    let out = sweep(&base, "recall_floor=0.5,doc_count=100000", &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: SweepDocument = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc.report.runs.len(), 6, "4 HNSW builds + 2 SVS builds");
    assert!(doc.report.runs.iter().all(|r| r.search.len() == 2));
    // The pareto array is exactly the front.
    let front: Vec<_> = classify(
        &doc.report,
        Objective::QpsHigher,
        &MemoryAt { doc_count: 100_000 },
    )
    .into_iter()
    .filter(|c| c.on_frontier())
    .map(|c| c.entry.point_ref())
    .collect();
    let mut listed = doc.pareto.clone();
    listed.sort();
    let mut expected = front;
    expected.sort();
    assert_eq!(listed, expected);
    let opt = doc.optimizer.expect("optimizer object");
    assert_eq!(opt.budgets.doc_count, 100_000);
    assert!(matches!(opt.overall, Outcome::Chosen(_)));
    assert_eq!(opt.per_algorithm.len(), 2);
    // The JSON still reads as compare's document.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["dataset"]["n"].is_number() && v["dropped_rows"].is_array());
}

#[test]
fn impossible_budgets_name_the_binding_constraint_and_export_the_decision() {
    let dir = scratch(SUITE, "infeasible");
    let base = base(&dir);
    let plan = dir.join("plan");
    let out = sweep(
        &base,
        "recall_floor=0.5,p95_us=0.0001",
        &["--export", plan.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Pareto front, recall@10 against QPS"),
        "{text}"
    );
    assert!(text.contains("the p95 latency budget binds"), "{text}");
    let md = std::fs::read_to_string(plan.join("PLAN.md")).unwrap();
    assert!(md.contains("## Decision"));
    assert!(md.contains("No configuration meets the budgets"));
    assert!(md.contains("Go/no-go"));
}

#[test]
fn bad_budgets_and_grids_fail_with_a_message() {
    let dir = scratch(SUITE, "bad");
    let base = base(&dir);
    let out = sweep(&base, "p95_us=100", &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("recall_floor"));
    // compare still refuses a build list.
    let out = annlab(&[
        "compare", "--base", &base, "--metric", "l2", "--hnsw", "m=4/8",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("takes one value"));
}
