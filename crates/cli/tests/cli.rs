//! End-to-end tests of the `annlab` binary.
//!
//! The exactness tests read the shared data sets from `../shared/data` (relative to the repo
//! root) and skip with a message when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use annlab_formats::{detect, parse_neighbors, parse_vectors, write_npy, ParseOptions};
use serde_json::Value;

mod common;

use common::{annlab, scratch};

const SUITE: &str = "cli";

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch directory for one test.
/// `$ANNLAB_DATA`, `../shared/data` next to the repo, or the machine's `/work/shared/data`.
fn data_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("ANNLAB_DATA").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")),
        Some(PathBuf::from("/work/shared/data")),
    ];
    let found = candidates.into_iter().flatten().find(|d| d.is_dir());
    if found.is_none() {
        eprintln!("skipped: shared data not found (set ANNLAB_DATA)");
    }
    found
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn write_f32_npy(path: &Path, rows: usize, dim: usize, data: &[f32]) {
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, write_npy("<f4", &[rows, dim], false, &bytes)).unwrap();
}

/// (rows, dim, data) of a vector file.
fn read_vectors(path: &Path) -> (usize, usize, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    let format = detect(p(path), &bytes);
    let f = parse_vectors(format, &bytes, &ParseOptions::default()).unwrap();
    (f.rows, f.dim, f.data)
}

fn read_ids(path: &Path) -> Vec<Vec<u32>> {
    let bytes = std::fs::read(path).unwrap();
    let format = detect(p(path), &bytes);
    parse_neighbors(format, &bytes, &ParseOptions::default())
        .unwrap()
        .ids
}

/// Deterministic clustered data (seeded), `rows × dim`.
fn synthetic(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
    annlab_core::rng::synthetic_clustered(rows, dim, 6, seed)
}

#[test]
fn inspect_reports_shape_norms_and_problems() {
    let dir = scratch(SUITE, "inspect");
    let file = dir.join("v.npy");
    let mut data = vec![
        0.6f32,
        0.8,
        0.0,
        1.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        f32::NAN,
        1.0,
        2.0,
    ];
    data.extend([3.0, 4.0, 0.0]);
    write_f32_npy(&file, 5, 3, &data);

    let out = annlab(&["inspect", p(&file), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert_eq!(v["rows"], 5);
    assert_eq!(v["dim"], 3);
    assert_eq!(v["dtype"], "<f4");
    assert_eq!(v["nan_rows"]["count"], 1);
    assert_eq!(v["nan_rows"]["first"][0], 3);
    assert_eq!(v["zero_rows"]["count"], 1);
    assert_eq!(v["inf_rows"]["count"], 0);
    assert_eq!(v["unit_normalized"], false);
    assert_eq!(v["norm_min"], 0.0);
    assert_eq!(v["norm_max"], 5.0);
    for key in ["norm_mean", "suggested_metric", "findings"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }

    let out = annlab(&["inspect", p(&file), "--metric", "cosine"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "rows              5",
        "dim               3",
        "NaN rows          1 (rows 3)",
        "unit-normalised   no",
        "error (cosine)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }

    let unit = dir.join("unit.npy");
    write_f32_npy(&unit, 2, 2, &[0.6, 0.8, 1.0, 0.0]);
    let out = annlab(&["inspect", p(&unit), "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["unit_normalized"], true);
    assert_eq!(v["suggested_metric"], "cosine");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Tie-aware recall of `ours` against `truth` with exact f64 squared L2 distances.
fn sift_tie_aware_recall(
    base: &[f32],
    queries: &[f32],
    dim: usize,
    ours: &[Vec<u32>],
    truth: &[Vec<u32>],
    k: usize,
) -> (f64, usize) {
    let dist = |q: usize, id: u32| -> f64 {
        let a = &queries[q * dim..(q + 1) * dim];
        let b = &base[id as usize * dim..(id as usize + 1) * dim];
        a.iter()
            .zip(b)
            .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
            .sum()
    };
    let mut hits = 0usize;
    let mut same_ids = 0usize;
    for (q, (o, t)) in ours.iter().zip(truth).enumerate() {
        let threshold = dist(q, t[k - 1]);
        hits += o[..k]
            .iter()
            .filter(|&&id| dist(q, id) <= threshold)
            .count();
        same_ids += o[..k].iter().zip(&t[..k]).filter(|(a, b)| a == b).count();
    }
    (hits as f64 / (ours.len() * k) as f64, same_ids)
}

#[test]
fn exact_reproduces_siftsmall_ground_truth() {
    let Some(data) = data_dir() else { return };
    let dir = scratch(SUITE, "sift");
    let (base_path, query_path) = (
        data.join("siftsmall/siftsmall_base.fvecs"),
        data.join("siftsmall/siftsmall_query.fvecs"),
    );
    for out_name in ["gt.ivecs", "gt.npy"] {
        let out_path = dir.join(out_name);
        let out = annlab(&[
            "exact",
            "--base",
            p(&base_path),
            "--queries",
            p(&query_path),
            "--metric",
            "l2",
            "--k",
            "100",
            "--out",
            p(&out_path),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
        eprintln!("{}", stderr(&out).trim());
    }
    let npy = std::fs::read(dir.join("gt.npy")).unwrap();
    let header = String::from_utf8_lossy(&npy[10..npy.len().min(128)]).into_owned();
    assert_eq!(&npy[..8], b"\x93NUMPY\x01\x00", "npy v1.0");
    assert!(
        header.contains("'descr': '<i4'") && header.contains("'shape': (100, 100)"),
        "{header}"
    );
    let ours = read_ids(&dir.join("gt.ivecs"));
    assert_eq!(
        ours,
        read_ids(&dir.join("gt.npy")),
        ".npy and .ivecs outputs differ"
    );
    let truth = read_ids(&data.join("siftsmall/siftsmall_groundtruth.ivecs"));
    let (_, dim, base) = read_vectors(&base_path);
    let (nq, _, queries) = read_vectors(&query_path);
    assert_eq!((ours.len(), ours[0].len()), (nq, 100));
    let (recall, same) = sift_tie_aware_recall(&base, &queries, dim, &ours, &truth, 100);
    eprintln!(
        "siftsmall: tie-aware recall@100 = {recall}, identical ids {same}/{}",
        nq * 100
    );
    assert_eq!(recall, 1.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exact_reproduces_netflix_top100() {
    let Some(data) = data_dir() else { return };
    let dir = scratch(SUITE, "netflix");
    let nf = data.join("netflix-minilm");
    let (base_path, query_path) = (
        nf.join("netflix_minilm384_base.npy"),
        nf.join("netflix_minilm384_query.npy"),
    );
    let (out_path, dist_path) = (dir.join("gt.npy"), dir.join("d.npy"));
    let out = annlab(&[
        "exact",
        "--base",
        p(&base_path),
        "--queries",
        p(&query_path),
        "--metric",
        "cosine",
        "--k",
        "100",
        "--out",
        p(&out_path),
        "--distances-out",
        p(&dist_path),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    eprintln!("{}", stderr(&out).trim());
    let ours = read_ids(&out_path);
    let shipped = read_ids(&nf.join("netflix_minilm384_gt_top100.npy"));
    let (_, _, shipped_dist) = read_vectors(&nf.join("netflix_minilm384_gt_top100_dist.npy"));
    let (_, _, our_dist) = read_vectors(&dist_path);
    assert_eq!(ours.len(), shipped.len());
    let mut differing = 0;
    for (q, (o, s)) in ours.iter().zip(&shipped).enumerate() {
        let (mut a, mut b) = (o.clone(), s.clone());
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "query {q}: top-100 sets differ");
        for (rank, (x, y)) in o.iter().zip(s).enumerate() {
            if x != y {
                differing += 1;
                // A swapped position must be a near tie: equal distances within float noise.
                let (ours_d, shipped_d) = (our_dist[q * 100 + rank], shipped_dist[q * 100 + rank]);
                assert!(
                    (ours_d - shipped_d).abs() < 1e-5,
                    "query {q} rank {rank}: {ours_d} vs {shipped_d}"
                );
            }
        }
    }
    eprintln!(
        "netflix: {differing} of {} positions differ (all tie-equivalent); sets identical",
        ours.len() * 100
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every key of the `annlab compare --json` contract.
fn check_contract(v: &Value) {
    for key in ["n", "dim", "metric", "queries", "k"] {
        assert!(v["dataset"].get(key).is_some(), "dataset.{key} missing");
    }
    let runs = v["runs"].as_array().expect("runs array");
    assert!(!runs.is_empty());
    for run in runs {
        for key in [
            "algorithm",
            "params",
            "target",
            "build_seconds",
            "memory",
            "search",
        ] {
            assert!(run.get(key).is_some(), "run.{key} missing in {run}");
        }
        for key in [
            "vector_bytes",
            "graph_bytes",
            "other_bytes",
            "index_bytes",
            "redis_index_bytes_estimate",
            "document_bytes",
        ] {
            assert!(run["memory"][key].is_u64(), "memory.{key} missing in {run}");
        }
        let points = run["search"].as_array().expect("search array");
        assert!(!points.is_empty());
        for point in points {
            for key in [
                "runtime",
                "recall_at_k",
                "tie_aware_recall_at_k",
                "qps",
                "latency_us",
                "distance_computations_mean",
            ] {
                assert!(point.get(key).is_some(), "search.{key} missing in {point}");
            }
            for key in ["p50", "p95", "p99"] {
                assert!(
                    point["latency_us"][key].is_number(),
                    "latency_us.{key} missing"
                );
            }
        }
    }
}

#[test]
fn compare_json_is_one_document_with_the_contract_fields() {
    let dir = scratch(SUITE, "compare");
    let (rows, dim) = (1000, 16);
    let base = dir.join("base.npy");
    write_f32_npy(&base, rows, dim, &synthetic(rows, dim, 42));

    let out = annlab(&[
        "compare",
        "--base",
        p(&base),
        "--metric",
        "cosine",
        "--json",
        "--target",
        "generic",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value =
        serde_json::from_str(&stdout(&out)).expect("stdout is exactly one JSON document");
    check_contract(&v);
    assert_eq!(v["dataset"]["n"], 900, "100 of 1000 rows held out");
    assert_eq!(v["dataset"]["queries"], 100);
    assert_eq!(v["dataset"]["k"], 10);
    assert_eq!(v["dataset"]["metric"], "cosine");
    let run = &v["runs"][0];
    assert_eq!(run["algorithm"], "FLAT");
    assert_eq!(run["target"], "generic");
    assert_eq!(run["params"]["type"], "float32");
    assert_eq!(run["search"][0]["tie_aware_recall_at_k"], 1.0);
    assert_eq!(run["search"][0]["distance_computations_mean"], 900.0);
    assert_eq!(run["memory"]["vector_bytes"], 900 * 16 * 4);

    // Same seed, same held-out queries: the data block is reproducible.
    let again = annlab(&[
        "compare",
        "--base",
        p(&base),
        "--metric",
        "cosine",
        "--json",
        "--k",
        "5",
        "--seed",
        "7",
        "--holdout",
        "30",
    ]);
    let w: Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(
        (
            w["dataset"]["n"].as_u64(),
            w["dataset"]["queries"].as_u64(),
            w["dataset"]["k"].as_u64()
        ),
        (Some(970), Some(30), Some(5))
    );

    // Explicit queries and ground truth (written by `annlab exact`).
    let queries = dir.join("q.npy");
    write_f32_npy(&queries, 20, dim, &synthetic(20, dim, 43));
    let gt = dir.join("gt.ivecs");
    let out = annlab(&[
        "exact",
        "--base",
        p(&base),
        "--queries",
        p(&queries),
        "--metric",
        "l2",
        "--k",
        "10",
        "--out",
        p(&gt),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let export = dir.join("export");
    let out = annlab(&[
        "compare",
        "--base",
        p(&base),
        "--queries",
        p(&queries),
        "--ground-truth",
        p(&gt),
        "--metric",
        "l2",
        "--flat-type",
        "float16",
        "--export",
        p(&export),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("dataset: n=1000 dim=16 metric=l2 queries=20 k=10"),
        "{text}"
    );
    assert!(text.contains("FLAT [type=float16]"), "{text}");
    let exported: Value =
        serde_json::from_str(&std::fs::read_to_string(export.join("compare.json")).unwrap())
            .unwrap();
    check_contract(&exported);
    assert!(stderr(&out).contains("no migration plan exported"));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn assert_fails(args: &[&str], needle: &str) {
    let out = annlab(args);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(
        stdout(&out).is_empty(),
        "{args:?} wrote to stdout: {}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains(needle),
        "{args:?}: stderr lacks {needle:?}:\n{err}"
    );
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
}

#[test]
fn errors_exit_non_zero_with_a_message_on_stderr() {
    let dir = scratch(SUITE, "errors");
    let base = dir.join("base.npy");
    write_f32_npy(&base, 50, 8, &synthetic(50, 8, 1));
    let narrow = dir.join("narrow.npy");
    write_f32_npy(&narrow, 5, 4, &synthetic(5, 4, 2));
    let garbage = dir.join("broken.npy");
    std::fs::write(&garbage, b"\x93NUMPY\x01\x00\xff\x00{'descr'").unwrap();
    let missing = dir.join("missing.fvecs");
    let out = dir.join("gt.npy");

    assert_fails(
        &[
            "exact",
            "--base",
            p(&base),
            "--queries",
            p(&base),
            "--metric",
            "manhattan",
            "--k",
            "5",
            "--out",
            p(&out),
        ],
        "manhattan",
    );
    assert_fails(
        &["compare", "--base", p(&base), "--metric", "dot", "--json"],
        "dot",
    );
    assert_fails(&["inspect", p(&missing)], "cannot open input file");
    assert_fails(
        &["compare", "--base", p(&missing), "--metric", "l2", "--json"],
        "cannot open base file",
    );
    assert_fails(&["inspect", p(&garbage)], "cannot parse input file");
    assert_fails(
        &[
            "exact",
            "--base",
            p(&garbage),
            "--queries",
            p(&base),
            "--metric",
            "l2",
            "--k",
            "5",
            "--out",
            p(&out),
        ],
        "cannot parse base file",
    );
    assert_fails(
        &[
            "exact",
            "--base",
            p(&base),
            "--queries",
            p(&narrow),
            "--metric",
            "l2",
            "--k",
            "5",
            "--out",
            p(&out),
        ],
        "dimension mismatch",
    );
    assert_fails(
        &[
            "compare",
            "--base",
            p(&base),
            "--queries",
            p(&narrow),
            "--metric",
            "l2",
            "--json",
        ],
        "dimension mismatch",
    );
    assert_fails(
        &[
            "exact",
            "--base",
            p(&base),
            "--queries",
            p(&base),
            "--metric",
            "l2",
            "--k",
            "51",
            "--out",
            p(&out),
        ],
        "larger than the 50 base vectors",
    );
    assert_fails(
        &[
            "exact",
            "--base",
            p(&base),
            "--queries",
            p(&base),
            "--metric",
            "l2",
            "--k",
            "5",
            "--out",
            p(&dir.join("gt.txt")),
        ],
        "unsupported extension",
    );
    assert_fails(
        &[
            "compare",
            "--base",
            p(&base),
            "--metric",
            "l2",
            "--holdout",
            "50",
            "--json",
        ],
        "cannot hold out 50 queries",
    );
    let short_gt = dir.join("short.ivecs");
    let ok = annlab(&[
        "exact",
        "--base",
        p(&base),
        "--queries",
        p(&base),
        "--metric",
        "l2",
        "--k",
        "3",
        "--out",
        p(&short_gt),
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_fails(
        &[
            "compare",
            "--base",
            p(&base),
            "--queries",
            p(&base),
            "--ground-truth",
            p(&short_gt),
            "--metric",
            "l2",
            "--json",
        ],
        "fewer than k = 10",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compare_hnsw_and_svs_fills_recall_vs_hnsw_and_exports_a_plan() {
    let dir = scratch(SUITE, "plan");
    let (rows, dim) = (2000, 16);
    let base = dir.join("base.npy");
    write_f32_npy(&base, rows, dim, &synthetic(rows, dim, 5));
    let export = dir.join("plan");
    let out = annlab(&[
        "compare",
        "--base",
        p(&base),
        "--metric",
        "cosine",
        "--json",
        "--flat",
        "--hnsw",
        "m=8,ef_construction=64,ef_runtime=10/40",
        "--svs",
        "graph_max_degree=16,construction_window_size=64,search_window_size=10/40",
        "--export",
        p(&export),
        "--index-name",
        "movies",
        "--prefix",
        "movie:",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value =
        serde_json::from_str(&stdout(&out)).expect("stdout is exactly one JSON document");
    check_contract(&v);
    let runs = v["runs"].as_array().unwrap();
    let algorithms: Vec<&str> = runs
        .iter()
        .map(|r| r["algorithm"].as_str().unwrap())
        .collect();
    assert_eq!(algorithms, ["FLAT", "HNSW", "SVS-VAMANA"]);
    let hnsw = &runs[1];
    assert_eq!(hnsw["search"].as_array().unwrap().len(), 2);
    assert_eq!(hnsw["search"][1]["runtime"]["ef_runtime"], 40);
    assert!(hnsw["search"][0].get("recall_vs_hnsw").is_none());
    assert!(hnsw["memory"]["graph_bytes"].as_u64().unwrap() > 0);
    for run in [&runs[0], &runs[2]] {
        for point in run["search"].as_array().unwrap() {
            let r = point["recall_vs_hnsw"]
                .as_f64()
                .expect("recall_vs_hnsw on non-HNSW runs");
            assert!((0.0..=1.0).contains(&r));
        }
    }
    // Modest floors for this small clustered set (seed 5): both graphs find most neighbours.
    let best = |run: &Value| {
        run["search"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["tie_aware_recall_at_k"].as_f64().unwrap())
            .fold(0.0, f64::max)
    };
    assert!(best(hnsw) >= 0.9, "HNSW best recall {}", best(hnsw));
    assert!(best(&runs[2]) >= 0.9, "SVS best recall {}", best(&runs[2]));

    for name in [
        "compare.json",
        "PLAN.md",
        "migrate.redis",
        "rollback.redis",
        "schema.yaml",
        "migrate.py",
        "plan.zip",
    ] {
        assert!(export.join(name).is_file(), "{name} not exported");
    }
    let migrate = std::fs::read_to_string(export.join("migrate.redis")).unwrap();
    assert!(migrate.contains("movies"), "{migrate}");
    assert!(migrate.contains("SVS-VAMANA"), "{migrate}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The file `src/worker_jobs.rs`'s test prepares the app's way: 60 × 8, a NaN in row 5, row 11
/// all zeros.
fn rows_with_unusable(dir: &Path) -> PathBuf {
    let mut data = annlab_core::rng::synthetic_clustered(60, 8, 6, 11);
    data[5 * 8 + 2] = f32::NAN;
    data[11 * 8..12 * 8].fill(0.0);
    let path = dir.join("rows.npy");
    write_f32_npy(&path, 60, 8, &data);
    path
}

#[test]
fn compare_drops_unusable_rows_as_the_app_does_and_reports_them() {
    use annlab_protocol::prepare::{prepare, PrepareInput, Queries};
    let dir = scratch(SUITE, "dropped");
    let base = rows_with_unusable(&dir);
    let args = |metric: &'static str| {
        [
            "compare",
            "--base",
            p(&base),
            "--metric",
            metric,
            "--k",
            "5",
            "--holdout",
            "6",
            "--seed",
            "42",
            "--json",
        ]
        .map(str::to_string)
    };
    let out = Command::new(env!("CARGO_BIN_EXE_annlab"))
        .args(args("cosine"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    check_contract(&v);
    assert_eq!(
        v["dropped_rows"],
        serde_json::json!([
            {"row": 5, "reason": "nan"},
            {"row": 11, "reason": "zero_under_cosine"}
        ])
    );
    assert_eq!(
        (v["dataset"]["n"].as_u64(), v["dataset"]["queries"].as_u64()),
        (Some(52), Some(6))
    );

    // The app's data worker parses the upload with annlab-formats and prepares it with the
    // same function: the same dataset and the same report, printed the same way.
    let (rows, dim, data) = read_vectors(&base);
    assert_eq!(rows, 60);
    let app = prepare(
        PrepareInput {
            base: annlab_core::Matrix::new(dim, data).unwrap(),
            queries: Queries::HeldOut { count: 6, seed: 42 },
            ground_truth: None,
            metric: annlab_core::Metric::Cosine,
            k: 5,
        },
        &NoClock,
        &mut |_: &str, _, _| true,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_value(&app.dropped).unwrap(),
        v["dropped_rows"]
    );
    assert_eq!(
        app.eval.base.rows() as u64,
        v["dataset"]["n"].as_u64().unwrap()
    );
    let err = stderr(&out);
    for line in app.dropped.summary() {
        assert!(
            err.contains(&format!("note: {line}")),
            "{line:?} missing:\n{err}"
        );
    }

    // Under L2 a zero row is usable; the NaN row is still dropped.
    let out = Command::new(env!("CARGO_BIN_EXE_annlab"))
        .args(args("l2"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["dropped_rows"],
        serde_json::json!([{"row": 5, "reason": "nan"}])
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

struct NoClock;

impl annlab_protocol::runner::Clock for NoClock {
    fn now_seconds(&self) -> f64 {
        0.0
    }
}
