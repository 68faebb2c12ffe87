//! The go/no-go: the decision framework of the HNSW → SVS-VAMANA migration notebook
//! (redis-developer/redis-ai-resources `python-recipes/vector-search/06_hnsw_to_svs_vamana_migration.ipynb`,
//! "Step 10: Migration Decision Framework"), applied to measurements.
//!
//! The notebook's rule (facts only, no code taken):
//! - memory savings = (HNSW index − SVS index) / HNSW index, from `vector_index_sz_mb`;
//!   it meets the threshold when ≥ 5 %;
//! - search quality = recall@10 of SVS against HNSW; it meets the floor when ≥ 0.85;
//! - both → RECOMMENDED; savings only → CONDITIONAL; quality only → LIMITED BENEFIT;
//!   neither → NOT RECOMMENDED.
//!
//! annlab's measured version:
//! - savings use [`super::MemoryAtCount::redis_index_bytes`] (the `vector_index_sz_mb`
//!   model) of both runs at the production document count, not at the sample size; the
//!   saving on the total (documents included) is reported beside it;
//! - quality is met only when recall@k against exact search **and**, when the report has it,
//!   recall against HNSW (`recall_vs_hnsw`, measured against the report's first HNSW run at its
//!   highest-recall point) both reach the floor: the notebook had no ground truth, annlab does,
//!   and a candidate that merely copies a weak baseline should not pass.

use serde::{Deserialize, Serialize};

use super::{memory_at, DecideError};
use crate::report::{CompareReport, RunReport, SearchPoint};

/// The framework's two thresholds (the notebook's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Minimum index-memory saving, as a fraction (0.05 = 5 %).
    pub memory_savings_min: f64,
    pub recall_floor: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            memory_savings_min: 0.05,
            recall_floor: 0.85,
        }
    }
}

/// The four outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Recommended,
    Conditional,
    LimitedBenefit,
    NotRecommended,
}

impl Verdict {
    /// As the notebook prints it.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Recommended => "RECOMMENDED",
            Verdict::Conditional => "CONDITIONAL",
            Verdict::LimitedBenefit => "LIMITED BENEFIT",
            Verdict::NotRecommended => "NOT RECOMMENDED",
        }
    }
}

/// The decision with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoNoGo {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    /// Index-memory saving at the production count, as a fraction.
    pub savings: f64,
    /// Saving on index + flat buffer + documents, as a fraction.
    pub total_savings: f64,
    pub baseline_index_bytes: u64,
    pub candidate_index_bytes: u64,
    pub recall_vs_exact: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall_vs_hnsw: Option<f64>,
    pub thresholds: Thresholds,
    pub doc_count: u64,
}

fn point_of(
    report: &CompareReport,
    run: usize,
    point: usize,
) -> Result<(&RunReport, &SearchPoint), DecideError> {
    let r = report.runs.get(run).ok_or(DecideError::NoSuchRun {
        run,
        runs: report.runs.len(),
    })?;
    let p = r.search.get(point).ok_or(DecideError::NoSuchPoint {
        run,
        point,
        points: r.search.len(),
    })?;
    Ok((r, p))
}

/// [`evaluate`] for `(run, point)` indexes into `report`.
pub fn evaluate_in(
    report: &CompareReport,
    baseline: (usize, usize),
    candidate: (usize, usize),
    thresholds: &Thresholds,
    doc_count: u64,
) -> Result<GoNoGo, DecideError> {
    let b = point_of(report, baseline.0, baseline.1)?;
    let c = point_of(report, candidate.0, candidate.1)?;
    Ok(evaluate(report, b, c, thresholds, doc_count))
}

/// The framework on a measured baseline (HNSW run and point) and candidate (SVS run and
/// point) of `report` (whose dataset gives the dimension), at `doc_count` documents.
pub fn evaluate(
    report: &CompareReport,
    baseline: (&RunReport, &SearchPoint),
    candidate: (&RunReport, &SearchPoint),
    thresholds: &Thresholds,
    doc_count: u64,
) -> GoNoGo {
    let d = &report.dataset;
    let bm = memory_at(baseline.0, d, doc_count);
    let cm = memory_at(candidate.0, d, doc_count);
    let fraction = |b: u64, c: u64| {
        if b == 0 {
            0.0
        } else {
            (b as f64 - c as f64) / b as f64
        }
    };
    let savings = fraction(bm.redis_index_bytes(), cm.redis_index_bytes());
    let total_savings = fraction(bm.total, cm.total);
    let recall_vs_exact = candidate.1.recall_at_k;
    let recall_vs_hnsw = candidate.1.recall_vs_hnsw;
    let floor = thresholds.recall_floor;
    let min_saving = thresholds.memory_savings_min;
    let meets_memory = savings >= min_saving;
    let meets_exact = recall_vs_exact >= floor;
    let meets_hnsw = recall_vs_hnsw.is_none_or(|r| r >= floor);
    let meets_quality = meets_exact && meets_hnsw;
    let mark = |ok: bool| if ok { "meets" } else { "misses" };
    let mut reasons = vec![
        format!(
            "index memory at {doc_count} documents: {} → {} bytes, saving {:.1} % ({} the {:.1} % threshold); with the documents the saving is {:.1} %",
            bm.redis_index_bytes(),
            cm.redis_index_bytes(),
            savings * 100.0,
            mark(meets_memory),
            min_saving * 100.0,
            total_savings * 100.0
        ),
        format!(
            "recall@{} against exact search: {recall_vs_exact:.4} ({} the {floor:.2} floor)",
            d.k,
            mark(meets_exact)
        ),
    ];
    match recall_vs_hnsw {
        Some(r) => reasons.push(format!(
            "recall@{} against HNSW: {r:.4} ({} the {floor:.2} floor)",
            d.k,
            mark(r >= floor)
        )),
        None => reasons
            .push("recall against HNSW: not measured (no HNSW run in the report)".to_string()),
    }
    let verdict = match (meets_memory, meets_quality) {
        (true, true) => Verdict::Recommended,
        (true, false) => Verdict::Conditional,
        (false, true) => Verdict::LimitedBenefit,
        (false, false) => Verdict::NotRecommended,
    };
    reasons.push(
        match verdict {
            Verdict::Recommended => "the memory saving passes the threshold and search quality holds",
            Verdict::Conditional => "the memory saving passes but search quality is below the floor: acceptable only if the application tolerates lower recall",
            Verdict::LimitedBenefit => "search quality holds but the memory saving is below the threshold: the migration may not be worth the effort",
            Verdict::NotRecommended => "neither the memory saving nor search quality meets its threshold",
        }
        .to_string(),
    );
    GoNoGo {
        verdict,
        reasons,
        savings,
        total_savings,
        baseline_index_bytes: bm.redis_index_bytes(),
        candidate_index_bytes: cm.redis_index_bytes(),
        recall_vs_exact,
        recall_vs_hnsw,
        thresholds: *thresholds,
        doc_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::test_support::{hnsw_run, point, report, svs_run};

    fn case(compression: Option<&str>, recall: f64, vs_hnsw: Option<f64>) -> GoNoGo {
        case_with(compression, recall, vs_hnsw, &Thresholds::default())
    }

    fn case_with(
        compression: Option<&str>,
        recall: f64,
        vs_hnsw: Option<f64>,
        t: &Thresholds,
    ) -> GoNoGo {
        let mut p = point(("search_window_size", 50), recall, 1000.0, 100.0);
        p.recall_vs_hnsw = vs_hnsw;
        let r = report(vec![
            hnsw_run(16, vec![point(("ef_runtime", 50), 0.99, 1000.0, 100.0)]),
            svs_run(compression, 32, vec![p]),
        ]);
        evaluate_in(&r, (0, 0), (1, 0), t, 1_000_000).unwrap()
    }

    #[test]
    fn the_four_verdicts() {
        assert_eq!(
            case(Some("LVQ8"), 0.95, Some(0.93)).verdict,
            Verdict::Recommended
        );
        assert_eq!(
            case(Some("LVQ8"), 0.80, Some(0.93)).verdict,
            Verdict::Conditional
        );
        // Recall against HNSW below the floor fails quality even with good exact recall.
        assert_eq!(
            case(Some("LVQ8"), 0.95, Some(0.84)).verdict,
            Verdict::Conditional
        );
        // The saving of an uncompressed graph is below a 60 % threshold.
        let strict = Thresholds {
            memory_savings_min: 0.6,
            ..Thresholds::default()
        };
        let none = case_with(None, 0.95, None, &strict);
        assert!(none.savings > 0.0 && none.savings < 0.6, "{}", none.savings);
        assert_eq!(none.verdict, Verdict::LimitedBenefit);
        assert_eq!(
            case_with(None, 0.5, None, &strict).verdict,
            Verdict::NotRecommended
        );
        let ok = case(Some("LVQ4"), 0.9, None);
        assert!(ok.savings > 0.5 && ok.total_savings < ok.savings);
        assert_eq!(ok.reasons.len(), 4);
    }

    #[test]
    fn out_of_range_points_are_errors() {
        let r = report(vec![hnsw_run(16, vec![])]);
        assert!(matches!(
            evaluate_in(&r, (0, 0), (1, 0), &Thresholds::default(), 10),
            Err(DecideError::NoSuchPoint { .. })
        ));
        assert!(matches!(
            evaluate_in(&r, (3, 0), (0, 0), &Thresholds::default(), 10),
            Err(DecideError::NoSuchRun { .. })
        ));
    }
}
