//! The result model: the `annlab compare --json` contract.
//!
//! Field names are stable; checks, the app's export and the migration plan read them. New
//! information goes into new optional fields, never into renamed ones.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The whole `--json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareReport {
    pub dataset: DatasetInfo,
    pub runs: Vec<RunReport>,
}

/// The data set the runs were measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Base vectors indexed.
    pub n: usize,
    pub dim: usize,
    /// `l2`, `ip` or `cosine`.
    pub metric: String,
    /// Number of queries searched.
    pub queries: usize,
    pub k: usize,
}

/// Which index a run built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    #[serde(rename = "FLAT")]
    Flat,
    #[serde(rename = "HNSW")]
    Hnsw,
    #[serde(rename = "SVS-VAMANA")]
    SvsVamana,
}

impl Algorithm {
    pub fn redis_name(self) -> &'static str {
        match self {
            Algorithm::Flat => "FLAT",
            Algorithm::Hnsw => "HNSW",
            Algorithm::SvsVamana => "SVS-VAMANA",
        }
    }
}

pub use annlab_core::svs::Target;

/// One built index and its runtime sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub algorithm: Algorithm,
    /// Build parameters with Redis attribute names in lower snake case, as requested.
    pub params: Map<String, Value>,
    pub target: Target,
    pub build_seconds: f64,
    pub memory: MemoryReport,
    pub search: Vec<SearchPoint>,
    /// What the index actually ran as, when that differs from what was asked (e.g. GlobalSQ8
    /// under the generic target, or the flat buffer below TRAINING_THRESHOLD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<EffectiveConfig>,
    /// Human-readable notes about this run (fallbacks, clamped values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Memory of one index. `index_bytes = vector_bytes + graph_bytes + other_bytes` (our own
/// structures, exact); the Redis figures come from documented models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemoryReport {
    pub vector_bytes: u64,
    pub graph_bytes: u64,
    pub other_bytes: u64,
    pub index_bytes: u64,
    /// What Redis's `vector_index_sz_mb` would report for this index (a documented model).
    pub redis_index_bytes_estimate: u64,
    /// Raw vector blobs kept in the HASH documents (not part of the index).
    pub document_bytes: u64,
}

impl MemoryReport {
    pub fn from_breakdown(
        b: annlab_core::MemoryBreakdown,
        redis_index_bytes_estimate: u64,
        document_bytes: u64,
    ) -> Self {
        Self {
            vector_bytes: b.vector_bytes,
            graph_bytes: b.graph_bytes,
            other_bytes: b.other_bytes,
            index_bytes: b.index_bytes(),
            redis_index_bytes_estimate,
            document_bytes,
        }
    }
}

/// Measurements at one runtime setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchPoint {
    /// Runtime parameters with Redis names in lower snake case (`ef_runtime`,
    /// `search_window_size`, `search_buffer_capacity`, …).
    pub runtime: Map<String, Value>,
    pub recall_at_k: f64,
    pub tie_aware_recall_at_k: f64,
    /// Queries per second, one query at a time on one thread.
    pub qps: f64,
    pub latency_us: Latency,
    pub distance_computations_mean: f64,
    /// Searches behind `qps` and `latency_us`: the query set, repeated while one pass took
    /// less than the minimum measuring time (0: not recorded, as in reports from before this
    /// field; omitted from the JSON then).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timed_queries: usize,
    /// Recall@k of this run's results measured against the results of the first HNSW run at
    /// its highest tie-aware-recall point (the "vs HNSW baseline" view), when an HNSW run exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall_vs_hnsw: Option<f64>,
}

/// Latency percentiles in microseconds, and the timer they rest on.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// Resolution of the clock behind the figures, in µs (0: finer than the figures need, as
    /// natively; omitted from the JSON then).
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub resolution_us: f64,
    /// Queries per timed batch. 0 or 1: each query was timed alone (per-query percentiles).
    /// More: the clock was too coarse for one query, so the percentiles are of batch means
    /// (each batch many clock ticks long); tails of single queries are then not resolved.
    #[serde(default, skip_serializing_if = "at_most_one")]
    pub batch: usize,
}

impl Latency {
    /// Whether the percentiles are of batch means rather than of single queries.
    pub fn is_batched(&self) -> bool {
        self.batch > 1
    }
}

fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

fn at_most_one(n: &usize) -> bool {
    *n <= 1
}

/// What an index really ran as.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EffectiveConfig {
    /// The compression actually built (`NO_COMPRESSION`, `GlobalSQ8`, `LVQ4x8`, …), as FT.INFO
    /// would report it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// LeanVec's reduced dimension, when LeanVec really ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduced_dim: Option<usize>,
    /// TRAINING_THRESHOLD in force (after Redis's clamp), when compression is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_threshold: Option<usize>,
    /// True when Redis would still answer from the flat buffer (n < threshold): the graph
    /// shown is what Redis builds once the threshold is reached.
    #[serde(default)]
    pub redis_serves_flat_buffer: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
