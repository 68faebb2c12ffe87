//! Multi-run orchestration behind `annlab compare` (and the app's compare view).
//!
//! 1. [`crate::prepare::prepare`]: the data set as measured (shared with the app's data
//!    worker).
//! 2. [`run_compare`]: builds and measures every [`IndexSpec`] in order, then fills
//!    `recall_vs_hnsw` (see [`attach_recall_vs_hnsw`]).
//!
//! Platform-free: timing comes from the caller's [`Clock`], progress goes to its
//! [`BuildControl`].

use annlab_core::svs::Target;
use annlab_core::{BuildControl, CoreError};

use crate::report::{Algorithm, CompareReport, DatasetInfo};
use crate::runner::{self, Clock, EvalSet, IndexSpec, RunError, RunOutcome};

/// Default k of `annlab compare`.
pub const DEFAULT_K: usize = 10;
/// Default seed of `annlab compare`.
pub const DEFAULT_SEED: u64 = 42;
/// Most queries held out by default.
pub const MAX_DEFAULT_HOLDOUT: usize = 200;

/// What to compare and how.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompareRequest {
    pub k: usize,
    /// Seed of the held-out query sample.
    pub seed: u64,
    /// Queries to hold out of the base when no query file is given.
    pub holdout_queries: usize,
    /// Hardware the comparison models; FLAT and HNSW runs are labelled with it (SVS specs
    /// carry their own target, which changes what they build).
    pub target: Target,
    pub specs: Vec<IndexSpec>,
}

impl CompareRequest {
    /// A request with the CLI defaults for a base of `n` rows.
    pub fn with_defaults(n: usize, specs: Vec<IndexSpec>) -> Self {
        Self {
            k: DEFAULT_K,
            seed: DEFAULT_SEED,
            holdout_queries: default_holdout(n),
            target: Target::default(),
            specs,
        }
    }
}

/// Default number of held-out queries for a base of `n` rows: `min(200, n / 10)`, at least 1.
pub fn default_holdout(n: usize) -> usize {
    (n / 10).clamp(1, MAX_DEFAULT_HOLDOUT)
}

/// Why a comparison could not be set up or run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error("nothing to compare: no index specs")]
    NoSpecs,
    /// `error` is deliberately not a `source`: it is already in the message, and a source
    /// would print it a second time in an error chain (`{:#}`).
    #[error("{algorithm} run {position}: {error}")]
    Run {
        algorithm: &'static str,
        /// 1-based position among the specs.
        position: usize,
        error: RunError,
    },
    #[error(transparent)]
    Eval(#[from] RunError),
}

impl From<CoreError> for CompareError {
    fn from(e: CoreError) -> Self {
        Self::Eval(RunError::Core(e))
    }
}

/// The `dataset` block of the report.
pub fn dataset_info(eval: &EvalSet) -> DatasetInfo {
    DatasetInfo {
        n: eval.base.rows(),
        dim: eval.base.dim(),
        metric: eval.metric.lower_name().to_string(),
        queries: eval.queries.rows(),
        k: eval.k,
    }
}

/// Short label of a spec, for progress lines and errors.
pub fn spec_algorithm(spec: &IndexSpec) -> Algorithm {
    match spec {
        IndexSpec::Flat { .. } => Algorithm::Flat,
        IndexSpec::Hnsw { .. } => Algorithm::Hnsw,
        IndexSpec::Svs { .. } => Algorithm::SvsVamana,
    }
}

/// Builds and measures every spec of `request` on `eval`, in order.
///
/// Before each run, `control.progress(label, i, total)` is called with a label such as
/// `"HNSW (2/3)"`, `i` runs done of `total`; the runners then report their own build phases.
/// Returning `false` there cancels the comparison.
pub fn run_compare(
    eval: &EvalSet,
    request: &CompareRequest,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<(CompareReport, Vec<RunOutcome>), CompareError> {
    run_compare_with(
        eval,
        request,
        clock,
        control,
        &mut |_, spec, clock, control| runner::run_spec(eval, spec, clock, control),
    )
}

/// One run of [`run_compare_with`]: spec `i` of the request, built and measured.
pub type RunOne<'a> = dyn FnMut(usize, &IndexSpec, &dyn Clock, &mut dyn BuildControl) -> Result<RunOutcome, RunError>
    + 'a;

/// [`run_compare`] with each spec run by `run_one` (e.g. on simulated cluster shards,
/// [`crate::shard::run_compare_sharded`]).
pub fn run_compare_with(
    eval: &EvalSet,
    request: &CompareRequest,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
    run_one: &mut RunOne,
) -> Result<(CompareReport, Vec<RunOutcome>), CompareError> {
    if request.specs.is_empty() {
        return Err(CompareError::NoSpecs);
    }
    let total = request.specs.len();
    let mut outcomes = Vec::with_capacity(total);
    for (i, spec) in request.specs.iter().enumerate() {
        let algorithm = spec_algorithm(spec).redis_name();
        let label = format!("{algorithm} ({}/{total})", i + 1);
        let run_error = |error| CompareError::Run {
            algorithm,
            position: i + 1,
            error,
        };
        if !control.progress(&label, i, total) {
            return Err(run_error(RunError::Cancelled));
        }
        let mut outcome = run_one(i, spec, clock, control).map_err(run_error)?;
        if !matches!(spec, IndexSpec::Svs { .. }) {
            outcome.report.target = request.target;
        }
        outcomes.push(outcome);
    }
    attach_recall_vs_hnsw(&mut outcomes, eval.k);
    let report = CompareReport {
        dataset: dataset_info(eval),
        runs: outcomes.iter().map(|o| o.report.clone()).collect(),
    };
    Ok((report, outcomes))
}

/// Index of the search point with the highest tie-aware recall (the later one on ties: a
/// larger runtime setting is the stronger baseline).
pub fn best_point(outcome: &RunOutcome) -> Option<usize> {
    outcome
        .report
        .search
        .iter()
        .enumerate()
        .max_by(|a, b| {
            a.1.tie_aware_recall_at_k
                .total_cmp(&b.1.tie_aware_recall_at_k)
                .then(a.0.cmp(&b.0))
        })
        .map(|(i, _)| i)
}

/// Fills `recall_vs_hnsw` on every search point of every non-HNSW run.
///
/// The baseline is the **first** HNSW run at its **highest-recall** search point (see
/// [`best_point`]): the answer a tuned HNSW deployment gives, which is what an SVS migration
/// has to match. Points are compared by recall@k of their result ids against the baseline's.
/// Nothing is filled when there is no HNSW run.
pub fn attach_recall_vs_hnsw(outcomes: &mut [RunOutcome], k: usize) {
    let Some(baseline) = outcomes
        .iter()
        .find(|o| o.report.algorithm == Algorithm::Hnsw)
        .and_then(|o| best_point(o).and_then(|p| o.results.get(p)).cloned())
    else {
        return;
    };
    for outcome in outcomes
        .iter_mut()
        .filter(|o| o.report.algorithm != Algorithm::Hnsw)
    {
        for (point, ids) in outcome.report.search.iter_mut().zip(&outcome.results) {
            point.recall_vs_hnsw = Some(runner::recall_against(ids, &baseline, k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::tests::matrix;
    use crate::report::{MemoryReport, RunReport, SearchPoint};
    use crate::runner::test_support::TickClock;
    use annlab_core::{ElementType, Metric};

    #[test]
    fn flat_compare_report_has_one_exact_point() {
        let base = matrix(400, 8, 5);
        let req = CompareRequest {
            target: Target::Generic,
            ..CompareRequest::with_defaults(
                400,
                vec![IndexSpec::Flat {
                    element_type: ElementType::Float32,
                }],
            )
        };
        let input = crate::prepare::PrepareInput {
            base,
            queries: crate::prepare::Queries::HeldOut {
                count: req.holdout_queries,
                seed: req.seed,
            },
            ground_truth: None,
            metric: Metric::Cosine,
            k: req.k,
        };
        let eval = crate::prepare::prepare(input, &TickClock::default(), &mut |_: &str, _, _| true)
            .unwrap()
            .eval;
        let mut labels = Vec::new();
        let mut control = |phase: &str, _: usize, _: usize| {
            labels.push(phase.to_string());
            true
        };
        let (report, outcomes) =
            run_compare(&eval, &req, &TickClock::default(), &mut control).unwrap();
        assert_eq!(labels.first().map(String::as_str), Some("FLAT (1/1)"));
        assert_eq!(report.dataset.n, 360);
        assert_eq!(report.dataset.queries, 40);
        assert_eq!(report.dataset.metric, "cosine");
        assert_eq!(report.runs.len(), 1);
        assert_eq!(report.runs[0].target, Target::Generic);
        assert_eq!(report.runs[0].search[0].tie_aware_recall_at_k, 1.0);
        assert_eq!(report.runs[0].search[0].recall_vs_hnsw, None);
        assert_eq!(outcomes.len(), 1);
    }

    fn fake_outcome(algorithm: Algorithm, points: &[(f64, Vec<Vec<u32>>)]) -> RunOutcome {
        RunOutcome {
            report: RunReport {
                algorithm,
                params: Default::default(),
                target: Target::Intel,
                build_seconds: 0.0,
                memory: MemoryReport::default(),
                search: points
                    .iter()
                    .map(|(r, _)| SearchPoint {
                        runtime: Default::default(),
                        recall_at_k: *r,
                        tie_aware_recall_at_k: *r,
                        qps: 0.0,
                        latency_us: Default::default(),
                        distance_computations_mean: 0.0,
                        timed_queries: 0,
                        recall_vs_hnsw: None,
                    })
                    .collect(),
                effective: None,
                notes: vec![],
            },
            results: points.iter().map(|(_, ids)| ids.clone()).collect(),
        }
    }

    #[test]
    fn recall_vs_hnsw_uses_the_best_hnsw_point() {
        let mut outcomes = vec![
            fake_outcome(Algorithm::Flat, &[(1.0, vec![vec![1, 2]])]),
            fake_outcome(
                Algorithm::Hnsw,
                &[
                    (0.5, vec![vec![1, 9]]),
                    (1.0, vec![vec![1, 2]]),
                    (0.5, vec![vec![7, 8]]),
                ],
            ),
            fake_outcome(
                Algorithm::SvsVamana,
                &[(0.5, vec![vec![1, 3]]), (1.0, vec![vec![2, 1]])],
            ),
        ];
        attach_recall_vs_hnsw(&mut outcomes, 2);
        assert_eq!(outcomes[0].report.search[0].recall_vs_hnsw, Some(1.0));
        assert!(outcomes[1]
            .report
            .search
            .iter()
            .all(|p| p.recall_vs_hnsw.is_none()));
        let svs: Vec<_> = outcomes[2]
            .report
            .search
            .iter()
            .map(|p| p.recall_vs_hnsw)
            .collect();
        assert_eq!(svs, vec![Some(0.5), Some(1.0)]);
    }
}
