//! `annlab compare --facts` with a fixture `facts.json` (the shape `annlab assess` writes), and
//! assess's refusals that need no server. The live-server tests are tests/redis_stack/assess.py.

use std::path::{Path, PathBuf};

use annlab_formats::write_npy;

mod common;

use common::{annlab, scratch};

const SUITE: &str = "facts";

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// FIXTURE: an assess output folder for a JSON index `prod_idx` on two prefixes (L2, dim 16,
/// HNSW M 8 / EF_CONSTRUCTION 50 / EF_RUNTIME 10), with 400 seeded vectors.
fn assess_folder(dir: &Path) -> PathBuf {
    let (rows, dim) = (400, 16);
    let mut state = 12345u64;
    let data: Vec<f32> = (0..rows * dim)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect();
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(
        dir.join("vectors.npy"),
        write_npy("<f4", &[rows, dim], false, &bytes),
    )
    .unwrap();
    let facts = serde_json::json!({
        "format": "annlab-assess",
        "version": 1,
        "production": {
            "index_name": "prod_idx",
            "prefixes": ["item:", "x:"],
            "key_type": "json",
            "vector_field": "emb",
            "vector_path": "$.emb",
            "vector_type": "float32",
            "dim": dim,
            "metric": "l2",
            "current_hnsw": {"m": 8, "ef_construction": 50, "ef_runtime": 10, "epsilon": 0.01},
            "document_count": 123456,
            "maxmemory_bytes": 4294967296u64,
            "other_fields": [{"name": "label", "kind": "tag", "path": "$.label"}]
        },
        "baseline": {
            "k": 5,
            "runtime_param": "EF_RUNTIME",
            "points": [
                {"runtime": 10, "recall_at_k": 0.91},
                {"runtime": 50, "recall_at_k": 0.99}
            ]
        }
    });
    let path = dir.join("facts.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&facts).unwrap()).unwrap();
    path
}

#[test]
fn compare_facts_prefills_the_run_and_the_plan() {
    let dir = scratch(SUITE, "prefill");
    let facts = assess_folder(&dir);
    let plan = dir.join("plan");
    let out = annlab(&[
        "compare",
        "--facts",
        p(&facts),
        "--holdout",
        "20",
        "--svs",
        "graph_max_degree=16,construction_window_size=32,search_window_size=20",
        "--export",
        p(&plan),
        "--json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dataset"]["k"], 5);
    assert_eq!(report["dataset"]["metric"], "l2");
    let hnsw = &report["runs"][0];
    assert_eq!(hnsw["params"]["m"], 8);
    assert_eq!(hnsw["params"]["ef_construction"], 50);
    assert_eq!(
        hnsw["search"].as_array().unwrap().len(),
        2,
        "EF_RUNTIME 10 and 50"
    );
    assert!(err.contains("production baseline (annlab assess"), "{err}");
    assert!(err.contains("0.9100"), "{err}");
    let redis = std::fs::read_to_string(plan.join("migrate.redis")).unwrap();
    let create = redis.lines().find(|l| l.starts_with("FT.CREATE")).unwrap();
    assert!(
        create.starts_with(r#"FT.CREATE prod_idx_svs ON JSON PREFIX 2 "item:" "x:""#),
        "{create}"
    );
    assert!(
        create.contains(r#""$.emb" AS emb VECTOR SVS-VAMANA"#),
        "{create}"
    );
    assert!(create.contains(r#""$.label" AS label TAG"#), "{create}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_facts_refuses_other_json() {
    let dir = scratch(SUITE, "other");
    let path = dir.join("facts.json");
    std::fs::write(&path, r#"{"production": {}}"#).unwrap();
    let out = annlab(&["compare", "--facts", p(&path)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not an `annlab assess` facts.json"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn assess_unreachable_writes_nothing() {
    let dir = scratch(SUITE, "unreachable");
    let out_dir = dir.join("out");
    let out = annlab(&[
        "assess",
        "--url",
        "redis://127.0.0.1:1",
        "--index",
        "idx",
        "--out",
        p(&out_dir),
        "--timeout",
        "2",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("cannot connect to redis://127.0.0.1:1"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out_dir.exists());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no temporary folder left"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
