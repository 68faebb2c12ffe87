//! From measurements to a decision: build grids, Pareto fronts, an optimizer under budgets, a
//! measured compression advisor and the go/no-go (issue #17). Platform-free: the CLI's
//! `annlab sweep`, the app and the exported PLAN.md call these same functions.
//!
//! - [`grid`]: `/` lists on build parameters expand to a cartesian grid of [`IndexSpec`]s
//!   ([`grid::expand_hnsw`], [`grid::expand_svs`]); `/` lists on runtime parameters stay each
//!   build's runtime sweep. [`grid::spec_key`] names a build config (don't rebuild it).
//! - [`memory`]: [`memory_at`], the Redis memory model of one run at the production document
//!   count (index + documents + flat buffer), the one formula behind every memory figure here.
//! - [`pareto`]: [`pareto::frontier`] and [`pareto::classify`]: non-dominated points on
//!   recall@k against QPS or against memory at the production count.
//! - [`optimizer`]: [`optimizer::optimize`] picks the fastest point under a recall floor and
//!   p95 / memory / build-time budgets, per algorithm and overall, with each constraint's
//!   slack; when nothing qualifies it names the binding constraint(s) and the nearest points.
//! - [`advisor`] - [`advisor::redisvl_rule`] (RedisVL's CompressionAdvisor rule, reproduced)
//!   and [`advisor::advise`], the measured compression comparison and recommendation.
//! - [`go_no_go`]: [`go_no_go::evaluate`], the migration notebook's decision framework applied
//!   to a measured HNSW baseline and SVS candidate.
//!
//! Points are addressed as [`PointRef`] `{run, point}`: indexes into `CompareReport::runs` and
//! that run's `search`. A point whose runtime map says `served_by` (the flat buffer Redis
//! answers from below TRAINING_THRESHOLD) is not a configuration and is never a candidate
//! ([`is_candidate`]).
//!
//! [`IndexSpec`]: crate::runner::IndexSpec

use serde::{Deserialize, Serialize};

use crate::prepare::DroppedRows;
use crate::report::{CompareReport, SearchPoint};

pub mod advisor;
pub mod go_no_go;
pub mod grid;
pub mod memory;
pub mod optimizer;
pub mod pareto;

pub use memory::{memory_at, MemoryAtCount};

/// One measured point: `runs[run].search[point]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PointRef {
    pub run: usize,
    pub point: usize,
}

/// Why a decision input does not fit the report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecideError {
    #[error("run {run} is not in the report ({runs} runs)")]
    NoSuchRun { run: usize, runs: usize },
    #[error("run {run} has no search point {point} ({points} points)")]
    NoSuchPoint {
        run: usize,
        point: usize,
        points: usize,
    },
    #[error("dims must be positive, got {dims}")]
    ZeroDims { dims: usize },
}

/// True when the point measures a configuration (not the flat buffer Redis serves from before
/// training, whose runtime map holds `served_by`).
pub fn is_candidate(point: &SearchPoint) -> bool {
    !point.runtime.contains_key("served_by")
}

/// Every candidate point of the report, in run then point order.
pub fn candidates(report: &CompareReport) -> impl Iterator<Item = (PointRef, &SearchPoint)> {
    report.runs.iter().enumerate().flat_map(|(run, r)| {
        r.search
            .iter()
            .enumerate()
            .filter(|(_, p)| is_candidate(p))
            .map(move |(point, p)| (PointRef { run, point }, p))
    })
}

/// `annlab sweep --json`: compare's document (flattened, so anything that reads a
/// [`CompareReport`] reads it) plus the frontier and, with `--optimize`, the optimizer.
///
/// A wrapper rather than new fields on [`CompareReport`]: the report is built by struct
/// literal in several crates, and the compare contract stays byte for byte the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepDocument {
    #[serde(flatten)]
    pub report: CompareReport,
    /// Base rows the shared preparation dropped (as in `annlab compare --json`).
    #[serde(default)]
    pub dropped_rows: DroppedRows,
    /// The non-dominated points on recall@k against QPS ([`pareto::frontier`] with
    /// [`pareto::Objective::QpsHigher`]), in increasing recall.
    #[serde(default)]
    pub pareto: Vec<PointRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<optimizer::OptimizerResult>,
}

#[cfg(test)]
pub(crate) mod test_support {
    use serde_json::{Map, Value};

    use crate::report::{
        Algorithm, CompareReport, DatasetInfo, Latency, MemoryReport, RunReport, SearchPoint,
    };
    use annlab_core::svs::Target;

    pub fn point(runtime: (&str, u64), recall: f64, qps: f64, p95: f64) -> SearchPoint {
        let mut m = Map::new();
        m.insert(runtime.0.into(), Value::from(runtime.1));
        SearchPoint {
            runtime: m,
            recall_at_k: recall,
            tie_aware_recall_at_k: recall,
            qps,
            latency_us: Latency {
                p50: p95 / 2.0,
                p95,
                p99: p95 * 1.5,
                ..Latency::default()
            },
            distance_computations_mean: 0.0,
            timed_queries: 0,
            recall_vs_hnsw: None,
        }
    }

    pub fn hnsw_run(m: u64, points: Vec<SearchPoint>) -> RunReport {
        let mut params = Map::new();
        params.insert("type".into(), Value::from("float32"));
        params.insert("m".into(), Value::from(m));
        params.insert("ef_construction".into(), Value::from(200));
        params.insert("ef_runtime".into(), Value::from(10));
        params.insert("epsilon".into(), Value::from(0.01));
        RunReport {
            algorithm: Algorithm::Hnsw,
            params,
            target: Target::Intel,
            build_seconds: 1.0,
            memory: MemoryReport::default(),
            search: points,
            effective: None,
            notes: vec![],
        }
    }

    pub fn svs_run(compression: Option<&str>, degree: u64, points: Vec<SearchPoint>) -> RunReport {
        let mut params = Map::new();
        params.insert("type".into(), Value::from("float32"));
        params.insert("graph_max_degree".into(), Value::from(degree));
        params.insert("construction_window_size".into(), Value::from(200));
        params.insert("search_window_size".into(), Value::from(10));
        params.insert("epsilon".into(), Value::from(0.01));
        if let Some(c) = compression {
            params.insert("compression".into(), Value::from(c));
        }
        RunReport {
            algorithm: Algorithm::SvsVamana,
            params,
            target: Target::Intel,
            build_seconds: 2.0,
            memory: MemoryReport::default(),
            search: points,
            effective: None,
            notes: vec![],
        }
    }

    pub fn report(runs: Vec<RunReport>) -> CompareReport {
        CompareReport {
            dataset: DatasetInfo {
                n: 10_000,
                dim: 128,
                metric: "l2".into(),
                queries: 100,
                k: 10,
            },
            runs,
        }
    }
}
