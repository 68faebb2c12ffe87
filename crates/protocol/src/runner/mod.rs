//! Run orchestration shared by the CLI and the Web Workers.
//!
//! One *run* = build one index, then search every query one at a time for each runtime setting
//! of its sweep, timing each query with the caller's [`Clock`] and scoring results against the
//! exact ground truth. Index-specific arms live in their own files ([`flat`], and the HNSW and
//! SVS arms); this module holds what they share.

use annlab_core::distance;
use annlab_core::flat as exact;
use annlab_core::{CoreError, Matrix, Metric, Neighbor};
use serde_json::{Map, Value};

use crate::report::{Latency, RunReport, SearchPoint};

pub mod flat;
pub mod hnsw;
pub mod svs;

/// What to build and sweep: the closed set of index kinds at the UI/worker/CLI boundary.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "algorithm", rename_all = "snake_case")]
pub enum IndexSpec {
    Flat {
        element_type: annlab_core::ElementType,
    },
    Hnsw {
        params: annlab_core::hnsw::HnswParams,
        /// EF_RUNTIME values to sweep (each point is searched with max(ef, k)).
        ef_sweep: Vec<usize>,
    },
    Svs {
        params: annlab_core::svs::SvsParams,
        target: annlab_core::svs::Target,
        /// Runtime settings to sweep (SEARCH_WINDOW_SIZE, SEARCH_BUFFER_CAPACITY, …).
        runtime_sweep: Vec<annlab_core::svs::SvsRuntime>,
    },
}

/// A finished run: its report and, per search point, the result ids of every query (used to
/// compute recall against another index, e.g. SVS vs HNSW).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub report: RunReport,
    pub results: Vec<Vec<Vec<u32>>>,
}

/// Builds and measures one index.
pub fn run_spec(
    eval: &EvalSet,
    spec: &IndexSpec,
    clock: &dyn Clock,
    control: &mut dyn annlab_core::BuildControl,
) -> Result<RunOutcome, RunError> {
    let built = build_spec(eval, spec, clock, control)?;
    measure_spec(eval, spec, &built, clock)
}

/// An index built from an [`IndexSpec`] and not yet measured. The app keeps it between the two
/// steps so that it can measure searches only once no other index is building (a build on the
/// other core would skew the QPS figures).
pub enum BuiltSpec {
    Flat(flat::BuiltFlat),
    Hnsw(hnsw::BuiltHnsw),
    Svs(svs::BuiltSvs),
}

impl BuiltSpec {
    /// Seconds the build took.
    pub fn build_seconds(&self) -> f64 {
        match self {
            BuiltSpec::Flat(b) => b.build_seconds,
            BuiltSpec::Hnsw(b) => b.build_seconds,
            BuiltSpec::Svs(b) => b.build_seconds,
        }
    }
}

/// Builds one index (timed). Sweep values that can be checked without an index are checked
/// first, so a bad sweep fails before a long build.
pub fn build_spec(
    eval: &EvalSet,
    spec: &IndexSpec,
    clock: &dyn Clock,
    control: &mut dyn annlab_core::BuildControl,
) -> Result<BuiltSpec, RunError> {
    Ok(match spec {
        IndexSpec::Flat { element_type } => {
            BuiltSpec::Flat(flat::build_flat(eval, *element_type, clock)?)
        }
        IndexSpec::Hnsw { params, ef_sweep } => {
            hnsw::validate_ef_sweep(ef_sweep)?;
            BuiltSpec::Hnsw(hnsw::build_hnsw(eval, *params, clock, control)?)
        }
        IndexSpec::Svs { params, target, .. } => {
            BuiltSpec::Svs(svs::build_svs(eval, *params, *target, clock, control)?)
        }
    })
}

/// Measures the sweep of `spec` on an index [`build_spec`] built from the same spec.
pub fn measure_spec(
    eval: &EvalSet,
    spec: &IndexSpec,
    built: &BuiltSpec,
    clock: &dyn Clock,
) -> Result<RunOutcome, RunError> {
    match (spec, built) {
        (IndexSpec::Flat { .. }, BuiltSpec::Flat(b)) => flat::measure_flat(eval, b, clock),
        (IndexSpec::Hnsw { ef_sweep, .. }, BuiltSpec::Hnsw(b)) => {
            hnsw::measure_hnsw(eval, b, ef_sweep, clock)
        }
        (IndexSpec::Svs { runtime_sweep, .. }, BuiltSpec::Svs(b)) => {
            svs::measure_svs(eval, b, runtime_sweep, clock)
        }
        _ => Err(RunError::Index(
            "the built index does not match the spec to measure".into(),
        )),
    }
}

/// A monotonic clock in seconds (`Instant` natively, `performance.now()` in a worker).
pub trait Clock {
    fn now_seconds(&self) -> f64;

    /// The smallest step the clock can show, in seconds (0: finer than a microsecond). A page
    /// that is not cross-origin isolated gets `performance.now()` coarsened to 100 µs.
    fn resolution_seconds(&self) -> f64 {
        0.0
    }
}

/// A clock at most this coarse times each query alone (cross-origin isolated Chromium: 5 µs).
pub const FINE_CLOCK_SECONDS: f64 = 5e-6;

/// With a coarser clock, queries are timed in batches at least this many clock steps long,
/// so one batch's reading is within 1/[`BATCH_TICKS`] (5 %) of its true duration.
pub const BATCH_TICKS: f64 = 20.0;

/// Batches timed at least (percentiles of fewer means say little).
pub const MIN_BATCHES: usize = 20;

/// Errors a run can end with. Messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A parameter was rejected (the text follows the Redis server's error where one exists).
    #[error("{0}")]
    InvalidParameter(String),
    #[error("ground truth has {got} rows but there are {expected} queries")]
    GroundTruthRows { expected: usize, got: usize },
    #[error("ground truth row {row} has {got} ids, fewer than k = {k}")]
    GroundTruthTooShort { row: usize, got: usize, k: usize },
    #[error("ground truth row {row} names base row {id}, but the base has {n} rows")]
    GroundTruthIdOutOfRange { row: usize, id: usize, n: usize },
    #[error("build cancelled")]
    Cancelled,
    #[error("{0}")]
    Index(String),
}

/// Exact neighbours of each query (ids nearest first; at least k per query).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroundTruth {
    pub ids: Vec<Vec<u32>>,
}

impl GroundTruth {
    /// Computes exact ground truth with the FLAT engine.
    pub fn exact(
        base: &Matrix,
        queries: &Matrix,
        metric: Metric,
        k: usize,
    ) -> Result<Self, RunError> {
        let hits = exact::exact_knn(base, queries, metric, k)?;
        Ok(Self {
            ids: hits
                .into_iter()
                .map(|row| row.into_iter().map(|n| n.id).collect())
                .collect(),
        })
    }
}

/// Everything a run is measured against: base and queries (preprocessed copies for exact
/// distances), the metric, k and the ground truth.
#[derive(Debug, Clone)]
pub struct EvalSet {
    /// Base vectors as given (indexes apply their own preprocessing).
    pub base: Matrix,
    /// Queries as given.
    pub queries: Matrix,
    pub metric: Metric,
    pub k: usize,
    pub truth: GroundTruth,
    prepared_base: Matrix,
    prepared_queries: Matrix,
    /// Exact distance of each query's k-th true neighbour (tie-aware recall threshold).
    kth_true_distance: Vec<f32>,
}

impl EvalSet {
    /// Validates shapes and ground truth and precomputes the tie-aware thresholds.
    pub fn new(
        base: Matrix,
        queries: Matrix,
        metric: Metric,
        k: usize,
        truth: GroundTruth,
    ) -> Result<Self, RunError> {
        if k == 0 {
            return Err(CoreError::ZeroK.into());
        }
        if base.dim() != queries.dim() {
            return Err(CoreError::DimensionMismatch {
                expected: base.dim(),
                got: queries.dim(),
            }
            .into());
        }
        if base.is_empty() || queries.is_empty() {
            return Err(CoreError::Empty.into());
        }
        if truth.ids.len() != queries.rows() {
            return Err(RunError::GroundTruthRows {
                expected: queries.rows(),
                got: truth.ids.len(),
            });
        }
        for (row, ids) in truth.ids.iter().enumerate() {
            if ids.len() < k {
                return Err(RunError::GroundTruthTooShort {
                    row,
                    got: ids.len(),
                    k,
                });
            }
            if let Some(&id) = ids.iter().find(|&&id| id as usize >= base.rows()) {
                return Err(RunError::GroundTruthIdOutOfRange {
                    row,
                    id: id as usize,
                    n: base.rows(),
                });
            }
        }
        let prepared_base = exact::prepared(&base, metric)?;
        let prepared_queries = exact::prepared(&queries, metric)?;
        let kth_true_distance = truth
            .ids
            .iter()
            .enumerate()
            .map(|(q, ids)| {
                let id = ids[k - 1] as usize;
                distance::metric_distance(metric, prepared_queries.row(q), prepared_base.row(id))
            })
            .collect();
        Ok(Self {
            base,
            queries,
            metric,
            k,
            truth,
            prepared_base,
            prepared_queries,
            kth_true_distance,
        })
    }

    /// Exact distance between query `q` and base row `id`.
    pub fn true_distance(&self, q: usize, id: u32) -> f32 {
        distance::metric_distance(
            self.metric,
            self.prepared_queries.row(q),
            self.prepared_base.row(id as usize),
        )
    }

    /// Recall@k by set overlap and tie-aware recall@k of one query's results.
    ///
    /// Tie-aware (as ann-benchmarks): a returned id counts when its exact distance is ≤ the
    /// k-th true distance + 1e-6 relative (absolute 1e-6 near zero).
    pub fn score_query(&self, q: usize, returned: &[Neighbor]) -> (f64, f64) {
        let k = self.k;
        let truth = &self.truth.ids[q][..k];
        let top = &returned[..returned.len().min(k)];
        let hits = top.iter().filter(|n| truth.contains(&n.id)).count();
        let threshold = self.kth_true_distance[q];
        let slack = 1e-6 * threshold.abs().max(1.0);
        let tie_hits = top
            .iter()
            .filter(|n| self.true_distance(q, n.id) <= threshold + slack)
            .count();
        (hits as f64 / k as f64, tie_hits as f64 / k as f64)
    }
}

/// What one search call returns: hits (best first) and how many distances it computed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchOutput {
    pub hits: Vec<Neighbor>,
    pub distance_computations: usize,
}

/// A pass over the query set shorter than this is repeated (timing only) until the timed
/// searches add up to it: a small query set (200 queries at 20k QPS is 10 ms) otherwise lets
/// one GC pause or JIT tier-up move QPS by 2×.
pub const MIN_MEASURE_SECONDS: f64 = 0.2;

/// At most this many passes over the query set per point.
pub const MAX_MEASURE_PASSES: usize = 200;

/// Runs every query through `search` (one at a time) and scores the results. With a fine
/// clock ([`FINE_CLOCK_SECONDS`]) each query is timed alone, and the query set is repeated,
/// timing only, while the timed passes total less than [`MIN_MEASURE_SECONDS`]. With a coarse
/// clock see [`time_in_batches`]. Recall and distance counts come from the first pass (a
/// search is deterministic); QPS and latency percentiles cover every timed query. Returns the
/// measured point and the result ids per query (for cross-index recall).
pub fn measure_search<F>(
    eval: &EvalSet,
    clock: &dyn Clock,
    runtime: Map<String, Value>,
    mut search: F,
) -> Result<(SearchPoint, Vec<Vec<u32>>), RunError>
where
    F: FnMut(&[f32]) -> Result<SearchOutput, RunError>,
{
    let nq = eval.queries.rows();
    let resolution = clock.resolution_seconds();
    let (outputs, timing) = if resolution <= FINE_CLOCK_SECONDS {
        time_each(eval, clock, &mut search)?
    } else {
        time_in_batches(eval, clock, resolution, &mut search)?
    };
    let Timing {
        mut samples,
        wall,
        timed,
        batch,
    } = timing;
    let qps = if wall > 0.0 { timed as f64 / wall } else { 0.0 };
    let mut recall_sum = 0.0;
    let mut tie_sum = 0.0;
    let mut dist_sum = 0usize;
    let mut results = Vec::with_capacity(nq);
    for (q, out) in outputs.into_iter().enumerate() {
        let (r, t) = eval.score_query(q, &out.hits);
        recall_sum += r;
        tie_sum += t;
        dist_sum += out.distance_computations;
        results.push(out.hits.iter().map(|n| n.id).collect());
    }
    let point = SearchPoint {
        runtime,
        recall_at_k: recall_sum / nq as f64,
        tie_aware_recall_at_k: tie_sum / nq as f64,
        qps,
        latency_us: Latency {
            resolution_us: resolution * 1e6,
            batch,
            ..latency_percentiles(&mut samples)
        },
        distance_computations_mean: dist_sum as f64 / nq as f64,
        timed_queries: timed,
        recall_vs_hnsw: None,
    };
    Ok((point, results))
}

/// Latency samples (µs) and what they cover.
struct Timing {
    samples: Vec<f64>,
    /// Seconds of the timed searches.
    wall: f64,
    timed: usize,
    /// Queries per sample (1: per query).
    batch: usize,
}

type Outputs = Vec<SearchOutput>;

/// Each query timed alone; passes repeat while they total less than [`MIN_MEASURE_SECONDS`].
fn time_each<F>(
    eval: &EvalSet,
    clock: &dyn Clock,
    search: &mut F,
) -> Result<(Outputs, Timing), RunError>
where
    F: FnMut(&[f32]) -> Result<SearchOutput, RunError>,
{
    let nq = eval.queries.rows();
    let mut samples = Vec::with_capacity(nq);
    let mut outputs = Vec::with_capacity(nq);
    // Search first, score afterwards, so QPS covers only the searches (wall time of the whole
    // loop).
    let mut wall = 0.0;
    let mut passes = 0;
    while passes == 0 || (wall < MIN_MEASURE_SECONDS && passes < MAX_MEASURE_PASSES) {
        let started = clock.now_seconds();
        for q in 0..nq {
            let t0 = clock.now_seconds();
            let out = search(eval.queries.row(q))?;
            samples.push((clock.now_seconds() - t0) * 1e6);
            if passes == 0 {
                outputs.push(out);
            }
        }
        wall += clock.now_seconds() - started;
        passes += 1;
    }
    let timed = samples.len();
    Ok((
        outputs,
        Timing {
            samples,
            wall,
            timed,
            batch: 1,
        },
    ))
}

/// A clock too coarse for one query (a page that is not cross-origin isolated): the first
/// pass is timed whole and gives the mean query time; then batches of consecutive queries
/// (cycling through the query set), each about [`BATCH_TICKS`] clock steps long, are timed
/// and their means are the samples. A batch that read 0 was too short: the batch doubles.
fn time_in_batches<F>(
    eval: &EvalSet,
    clock: &dyn Clock,
    resolution: f64,
    search: &mut F,
) -> Result<(Outputs, Timing), RunError>
where
    F: FnMut(&[f32]) -> Result<SearchOutput, RunError>,
{
    let nq = eval.queries.rows();
    let mut outputs = Vec::with_capacity(nq);
    let started = clock.now_seconds();
    for q in 0..nq {
        outputs.push(search(eval.queries.row(q))?);
    }
    let mut wall = clock.now_seconds() - started;
    let mut timed = nq;
    if nq == 0 {
        return Ok((
            outputs,
            Timing {
                samples: Vec::new(),
                wall,
                timed,
                batch: 1,
            },
        ));
    }
    // A pass that read 0 took under one step: assume one step for the whole pass.
    let per_query = wall.max(resolution) / nq as f64;
    let cap = (MAX_MEASURE_PASSES * nq).max(1);
    let mut batch = ((BATCH_TICKS * resolution / per_query).ceil() as usize).clamp(2, cap);
    let mut samples = Vec::new();
    let mut next = 0usize;
    while timed < cap && (samples.len() < MIN_BATCHES || wall < MIN_MEASURE_SECONDS) {
        let t0 = clock.now_seconds();
        for j in 0..batch {
            search(eval.queries.row((next + j) % nq))?;
        }
        let dt = clock.now_seconds() - t0;
        next = (next + batch) % nq;
        timed += batch;
        wall += dt;
        if dt > 0.0 {
            samples.push(dt * 1e6 / batch as f64);
        } else {
            batch = (batch * 2).min(cap);
        }
    }
    Ok((
        outputs,
        Timing {
            samples,
            wall,
            timed,
            batch,
        },
    ))
}

/// p50/p95/p99 by the nearest-rank method.
pub fn latency_percentiles(samples: &mut [f64]) -> Latency {
    if samples.is_empty() {
        return Latency::default();
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let pick = |p: f64| {
        let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
        samples[rank.clamp(1, samples.len()) - 1]
    };
    Latency {
        p50: pick(50.0),
        p95: pick(95.0),
        p99: pick(99.0),
        ..Latency::default()
    }
}

/// Mean recall@k of `results` measured against `baseline` (e.g. SVS against HNSW).
pub fn recall_against(results: &[Vec<u32>], baseline: &[Vec<u32>], k: usize) -> f64 {
    annlab_core::recall::recall_at_k(results, baseline, k)
}

/// Fixtures shared by the runner and compare tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::IndexSpec;

    /// FLAT, HNSW (EF_RUNTIME 10 and 40) and SVS-VAMANA with Redis defaults.
    pub fn default_specs() -> Vec<IndexSpec> {
        vec![
            IndexSpec::Flat {
                element_type: annlab_core::ElementType::Float32,
            },
            IndexSpec::Hnsw {
                params: annlab_core::hnsw::HnswParams::default(),
                ef_sweep: vec![10, 40],
            },
            IndexSpec::Svs {
                params: annlab_core::svs::SvsParams::default(),
                target: annlab_core::svs::Target::Intel,
                runtime_sweep: vec![annlab_core::svs::SvsRuntime::default()],
            },
        ]
    }
    use std::cell::Cell;

    use annlab_core::{Matrix, Metric};

    use super::{Clock, EvalSet, GroundTruth};

    /// A clock that advances one microsecond per reading.
    #[derive(Default)]
    pub(crate) struct TickClock(Cell<f64>);

    impl Clock for TickClock {
        fn now_seconds(&self) -> f64 {
            let t = self.0.get() + 1e-6;
            self.0.set(t);
            t
        }
    }

    /// Seeded 16-d clustered data: the first `base_rows` rows are the base, the next
    /// `query_rows` the queries, with exact ground truth at k = 10.
    pub(crate) fn synthetic_eval(
        metric: Metric,
        seed: u64,
        base_rows: usize,
        query_rows: usize,
        clusters: usize,
    ) -> EvalSet {
        let dim = 16;
        let total = base_rows + query_rows;
        let data = annlab_core::rng::synthetic_clustered(total, dim, clusters, seed);
        let all = Matrix::new(dim, data).unwrap();
        let base = all
            .select_rows(&(0..base_rows).collect::<Vec<_>>())
            .unwrap();
        let queries = all
            .select_rows(&(base_rows..total).collect::<Vec<_>>())
            .unwrap();
        let truth = GroundTruth::exact(&base, &queries, metric, 10).unwrap();
        EvalSet::new(base, queries, metric, 10, truth).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        let l = latency_percentiles(&mut v);
        assert_eq!((l.p50, l.p95, l.p99), (50.0, 95.0, 99.0));
    }

    /// A clock that advances `step` seconds per reading.
    struct StepClock {
        step: f64,
        now: std::cell::Cell<f64>,
    }

    impl Clock for StepClock {
        fn now_seconds(&self) -> f64 {
            let t = self.now.get() + self.step;
            self.now.set(t);
            t
        }
    }

    #[test]
    fn short_passes_repeat_until_the_minimum_measuring_time() {
        let eval = test_support::synthetic_eval(annlab_core::Metric::L2, 3, 200, 10, 4);
        let index = annlab_core::flat::FlatIndex::build(
            &eval.base,
            annlab_core::Metric::L2,
            annlab_core::ElementType::Float32,
        )
        .unwrap();
        let measure = |step: f64| {
            let clock = StepClock {
                step,
                now: std::cell::Cell::new(0.0),
            };
            let mut searches = 0;
            let (point, ids) = measure_search(&eval, &clock, Map::new(), |q| {
                searches += 1;
                Ok(SearchOutput {
                    hits: index.search(q, eval.k).unwrap().0,
                    distance_computations: 200,
                })
            })
            .unwrap();
            (point, ids, searches)
        };
        // 10 queries at 1 ms per reading: a pass spans 21 readings (21 ms), so 10 passes
        // reach 0.2 s.
        let (slow_clock, ids, searches) = measure(1e-3);
        assert_eq!(searches, 100);
        assert_eq!(slow_clock.timed_queries, 100);
        assert_eq!(ids.len(), 10);
        assert_eq!(slow_clock.recall_at_k, 1.0);
        assert_eq!(slow_clock.distance_computations_mean, 200.0);
        // One pass already long enough: no repeat.
        let (one_pass, ids_once, searches) = measure(0.1);
        assert_eq!((searches, one_pass.timed_queries), (10, 10));
        assert_eq!(ids_once, ids);
        // A clock that barely moves stops at the pass cap.
        let (capped, _, searches) = measure(1e-9);
        assert_eq!(searches, 10 * MAX_MEASURE_PASSES);
        assert_eq!(capped.timed_queries, 10 * MAX_MEASURE_PASSES);
    }

    /// A browser clock that is not cross-origin isolated: true time advances only as the
    /// searches run; readings are floored to `step`; `reported` is what it says its
    /// resolution is.
    struct CoarseClock {
        now: std::cell::Cell<f64>,
        step: f64,
        reported: f64,
    }

    impl Clock for CoarseClock {
        fn now_seconds(&self) -> f64 {
            (self.now.get() / self.step).floor() * self.step
        }
        fn resolution_seconds(&self) -> f64 {
            self.reported
        }
    }

    #[test]
    fn a_100_us_clock_never_yields_a_0_us_percentile() {
        let eval = test_support::synthetic_eval(annlab_core::Metric::L2, 3, 50, 200, 4);
        let measure = |reported: f64| {
            let clock = CoarseClock {
                now: std::cell::Cell::new(0.0),
                step: 100e-6,
                reported,
            };
            let mut n = 0usize;
            let (point, _) = measure_search(&eval, &clock, Map::new(), |_| {
                // 20 to 59 µs per query, 39.5 µs on average.
                clock.now.set(clock.now.get() + (20 + n % 40) as f64 * 1e-6);
                n += 1;
                Ok(SearchOutput::default())
            })
            .unwrap();
            point
        };
        // Timed one by one, most queries read 0 µs: what the sweep table showed.
        let per_query = measure(0.0);
        assert_eq!(per_query.latency_us.p50, 0.0);
        assert!(!per_query.latency_us.is_batched());

        let p = measure(100e-6);
        let l = p.latency_us;
        assert_eq!(l.resolution_us, 100.0, "the resolution is carried");
        assert!(l.is_batched());
        // Each batch spans at least BATCH_TICKS steps (2 ms).
        assert!(
            l.batch as f64 * 39.5e-6 >= BATCH_TICKS * 100e-6 * 0.9,
            "{l:?}"
        );
        for v in [l.p50, l.p95, l.p99] {
            assert!(v > 0.0, "{l:?}");
            assert!(
                (v - 39.5).abs() < 39.5 * 0.15,
                "batch means within 15 %: {l:?}"
            );
        }
        assert!(p.timed_queries >= MIN_BATCHES * l.batch);
        assert!(
            (p.qps - 1e6 / 39.5).abs() < 1e6 / 39.5 * 0.1,
            "qps {}",
            p.qps
        );
        // The JSON carries it; a native point (fine clock) keeps its old shape.
        let json = serde_json::to_value(l).unwrap();
        assert_eq!(json["resolution_us"], 100.0);
        assert!(serde_json::to_value(Latency::default())
            .unwrap()
            .get("resolution_us")
            .is_none());
    }

    #[test]
    fn build_then_measure_matches_run_spec() {
        use test_support::{default_specs, synthetic_eval, TickClock};
        let eval = synthetic_eval(annlab_core::Metric::L2, 5, 300, 12, 4);
        let specs = default_specs();
        for spec in &specs {
            let whole = run_spec(
                &eval,
                spec,
                &TickClock::default(),
                &mut annlab_core::NoControl,
            )
            .unwrap();
            let clock = TickClock::default();
            let built = build_spec(&eval, spec, &clock, &mut annlab_core::NoControl).unwrap();
            assert!(built.build_seconds() > 0.0);
            let split = measure_spec(&eval, spec, &built, &clock).unwrap();
            assert_eq!(split.results, whole.results, "{spec:?}");
            assert_eq!(split.report.memory, whole.report.memory);
        }
        // A built index only measures with the spec it was built from.
        let clock = TickClock::default();
        let built = build_spec(&eval, &specs[0], &clock, &mut annlab_core::NoControl).unwrap();
        assert!(measure_spec(&eval, &specs[1], &built, &clock).is_err());
    }
}
