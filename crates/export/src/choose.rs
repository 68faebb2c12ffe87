//! Which SVS-VAMANA configuration a comparison exports. Shared by the CLI (`--export`) and the
//! app's export panel so both pick the same point from the same report.
//!
//! Rule: among all points of all SVS runs, the fastest (highest QPS) whose recall against the
//! HNSW baseline (`recall_vs_hnsw`, else `recall_at_k`) reaches the threshold; if none does,
//! the point closest to the baseline (ties: the faster one).

use annlab_protocol::report::{Algorithm, CompareReport};

/// Indices into `report.runs` of the SVS-VAMANA runs, in report order.
pub fn svs_runs(report: &CompareReport) -> impl Iterator<Item = usize> + '_ {
    report
        .runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.algorithm == Algorithm::SvsVamana)
        .map(|(i, _)| i)
}

/// Index into `report.runs` of the first HNSW run (the production baseline).
pub fn hnsw_run(report: &CompareReport) -> Option<usize> {
    report
        .runs
        .iter()
        .position(|r| r.algorithm == Algorithm::Hnsw)
}

/// `(run, point)` of the fastest SVS point reaching `threshold` recall against HNSW, else the
/// one closest to it; `None` when the SVS runs have no search points.
pub fn choose_svs_point(report: &CompareReport, threshold: f64) -> Option<(usize, usize)> {
    let points: Vec<(usize, usize, f64, f64)> = svs_runs(report)
        .flat_map(|run| {
            report.runs[run]
                .search
                .iter()
                .enumerate()
                .map(move |(p, s)| {
                    let vs = s.recall_vs_hnsw.unwrap_or(s.recall_at_k);
                    (run, p, vs, s.qps)
                })
        })
        .collect();
    let fastest_good = points
        .iter()
        .filter(|x| x.2 >= threshold)
        .max_by(|a, b| a.3.total_cmp(&b.3));
    fastest_good
        .or_else(|| {
            points
                .iter()
                .max_by(|a, b| a.2.total_cmp(&b.2).then(a.3.total_cmp(&b.3)))
        })
        .map(|x| (x.0, x.1))
}

/// The SEARCH_WINDOW_SIZE measured at `(run, point)`, which becomes the new index's default.
pub fn point_window(report: &CompareReport, run: usize, point: usize) -> Option<usize> {
    point_runtime_usize(report, run, point, "search_window_size")
}

/// A runtime setting of `(run, point)` as an integer (`search_buffer_capacity`, ...).
pub fn point_runtime_usize(
    report: &CompareReport,
    run: usize,
    point: usize,
    key: &str,
) -> Option<usize> {
    let value = report.runs.get(run)?.search.get(point)?.runtime.get(key)?;
    runtime_usize(value)
}

/// A runtime value as an integer. Through serde-wasm-bindgen a JS number may come back as a
/// float (`50.0`).
pub fn runtime_usize(value: &serde_json::Value) -> Option<usize> {
    value
        .as_u64()
        .or_else(|| value.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        .and_then(|w| usize::try_from(w).ok())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use annlab_protocol::report::{DatasetInfo, RunReport, SearchPoint};
    use serde_json::Value;

    pub(crate) fn run(algorithm: Algorithm, points: &[(f64, f64, usize)]) -> RunReport {
        RunReport {
            algorithm,
            params: Default::default(),
            target: annlab_core::svs::Target::Intel,
            build_seconds: 0.0,
            memory: Default::default(),
            search: points
                .iter()
                .map(|&(recall, qps, w)| SearchPoint {
                    runtime: [("search_window_size".to_string(), Value::from(w as f64))]
                        .into_iter()
                        .collect(),
                    recall_at_k: recall,
                    tie_aware_recall_at_k: recall,
                    qps,
                    latency_us: Default::default(),
                    distance_computations_mean: 0.0,
                    timed_queries: 0,
                    recall_vs_hnsw: Some(recall),
                })
                .collect(),
            effective: None,
            notes: Vec::new(),
        }
    }

    pub(crate) fn report(runs: Vec<RunReport>) -> CompareReport {
        CompareReport {
            dataset: DatasetInfo {
                n: 100,
                dim: 8,
                metric: "l2".into(),
                queries: 10,
                k: 10,
            },
            runs,
        }
    }

    #[test]
    fn picks_the_fastest_point_above_the_threshold_else_the_closest() {
        let r = report(vec![
            run(Algorithm::Hnsw, &[(0.99, 100.0, 10)]),
            run(
                Algorithm::SvsVamana,
                &[(0.85, 900.0, 10), (0.92, 500.0, 20), (0.97, 300.0, 50)],
            ),
        ]);
        assert_eq!(hnsw_run(&r), Some(0));
        assert_eq!(choose_svs_point(&r, 0.90), Some((1, 1)));
        assert_eq!(choose_svs_point(&r, 0.99), Some((1, 2)));
        assert_eq!(point_window(&r, 1, 2), Some(50));
        assert_eq!(point_window(&r, 1, 3), None);
    }
}
