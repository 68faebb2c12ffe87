//! The platform-free values the page shows about data and runs. The [`crate::scheduler`]
//! produces them; the app's state models hold them in signals.

use annlab_protocol::prepare::DroppedRows;
use std::sync::Arc;

use annlab_protocol::runner::RunOutcome;
use annlab_protocol::worker::DatasetSummary;

/// The two indexes the playground builds side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexKind {
    Hnsw,
    Svs,
}

impl IndexKind {
    pub const BOTH: [IndexKind; 2] = [IndexKind::Hnsw, IndexKind::Svs];

    /// Short id used in test ids and CSS classes (`hnsw`, `svs`).
    pub fn id(self) -> &'static str {
        match self {
            IndexKind::Hnsw => "hnsw",
            IndexKind::Svs => "svs",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            IndexKind::Hnsw => "HNSW",
            IndexKind::Svs => "SVS-VAMANA",
        }
    }

    /// Redis name of the runtime parameter swept for this index.
    pub fn runtime_param(self) -> &'static str {
        match self {
            IndexKind::Hnsw => "ef_runtime",
            IndexKind::Svs => "search_window_size",
        }
    }
}

/// A loaded file (base vectors, queries or ground truth).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedFile {
    pub name: String,
    pub rows: usize,
    /// Vector dimension, or k for ground truth.
    pub width: usize,
}

/// The base data set as the UI knows it (the vectors themselves stay in the bridge).
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetView {
    pub name: String,
    pub summary: DatasetSummary,
    /// A title per file row, when the data has them.
    pub titles: Option<Arc<Vec<String>>>,
    /// Bumped on every load, so cached preparations are invalidated.
    pub version: u64,
}

/// Progress of a worker job.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub phase: String,
    pub done: usize,
    pub total: usize,
    /// Seconds left by linear extrapolation within the phase, once it can be estimated.
    pub eta_seconds: Option<f64>,
}

impl Progress {
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).clamp(0.0, 1.0)
        }
    }
}

/// Linear ETA: the rest of the phase at the rate seen so far.
pub fn eta_seconds(elapsed_seconds: f64, done: usize, total: usize) -> Option<f64> {
    if done == 0 || total == 0 || done >= total || elapsed_seconds <= 0.2 {
        return None;
    }
    Some(elapsed_seconds / done as f64 * (total - done) as f64)
}

/// Where one index's run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RunState {
    Idle,
    /// Waiting for queries and ground truth.
    Preparing,
    Running(Progress),
    Done(Arc<RunOutcome>),
    Failed(String),
    Cancelled,
}

impl RunState {
    pub fn is_busy(&self) -> bool {
        matches!(self, RunState::Preparing | RunState::Running(_))
    }

    pub fn outcome(&self) -> Option<Arc<RunOutcome>> {
        match self {
            RunState::Done(o) => Some(o.clone()),
            _ => None,
        }
    }
}

/// A finished cluster simulation: the settings it ran with and one run per spec.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardOutcome {
    pub shards: usize,
    pub key_prefix: String,
    pub ratios: Vec<f64>,
    pub k: usize,
    pub runs: Vec<annlab_protocol::worker::ShardRun>,
}

/// The cluster simulation, as the cluster panel shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ShardState {
    #[default]
    Idle,
    /// Waiting for queries and ground truth.
    Preparing,
    Running(Progress),
    Done(Arc<ShardOutcome>),
    Failed(String),
    Cancelled,
}

impl ShardState {
    pub fn is_busy(&self) -> bool {
        matches!(self, ShardState::Preparing | ShardState::Running(_))
    }
}

/// The evaluation set of the last build: which file rows were queries and base rows.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalView {
    /// Original file row of each query (held-out queries), if any.
    pub query_rows: Option<Arc<Vec<usize>>>,
    /// Original file row of each indexed base row.
    pub base_rows: Arc<Vec<usize>>,
    /// Exact top-k ids per query (indexed-base ids).
    pub truth: Arc<Vec<Vec<u32>>>,
    pub n: usize,
    pub queries: usize,
    /// The base rows the shared preparation dropped, and why.
    pub dropped_rows: DroppedRows,
    pub ground_truth_seconds: f64,
}

/// Queries and exact ground truth for the current inputs, prepared ahead of a build.
#[derive(Debug, Clone, PartialEq)]
pub enum TruthStatus {
    NotPrepared,
    Computing,
    Ready {
        queries: usize,
        seconds: f64,
        /// What the shared preparation dropped (shown under the data summary).
        dropped_rows: DroppedRows,
    },
}

/// A grid's overall progress: configurations ended so far, and an ETA for the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GridProgress {
    pub total: usize,
    /// Built and measured in this grid.
    pub built: usize,
    /// Taken from an earlier build of the same configuration on the same data.
    pub reused: usize,
    pub failed: usize,
    pub cancelled: usize,
    /// Seconds left: the configurations not ended at the mean rate of those that ended.
    pub eta_seconds: Option<f64>,
    pub running: bool,
    /// From the click to the last result, once the grid ended.
    pub wall_seconds: Option<f64>,
}

impl GridProgress {
    pub fn ended(&self) -> usize {
        self.built + self.reused + self.failed + self.cancelled
    }
}
