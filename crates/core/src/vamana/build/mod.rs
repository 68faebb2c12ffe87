//! Two-pass batched Vamana construction as SVS runs it for Redis (spec §3.1).
//!
//! - Entry point: the row nearest to the mean ([`super::medoid`]).
//! - [`VamanaInsertion::Incremental`] (what a WORKERS 0 server does) runs the two passes over a
//!   first block only, then inserts every later row alone with one pass at the build alpha.
//! - Two passes over all nodes in id order: pass 1 prunes back edges with alpha = 1, pass 2 with
//!   the configured alpha. Neighbour generation uses the configured alpha in both passes (SVS
//!   passes its build alpha there on purpose).
//! - Per node: greedy search with window L; the candidate pool is the full search history plus
//!   the node's current neighbours not in it, sorted and capped at `max_candidate_pool_size`
//!   (3·L in Redis), then robust-pruned to ≤ R. The "history" is what SVS's search tracker
//!   records: every node the search *expanded* (the entry point first), not every neighbour it
//!   scored. (Pooling every scored node, as annlab did before, gave pools of 600 instead of
//!   ~250–350 candidates, ~40 % more distances per build and a graph whose recall at small
//!   windows was 0.012–0.015 below SVS's.)
//! - Nodes run in max(40, ⌈n/4096⌉) sequential batches of ⌈n / batches⌉ nodes. As in SVS's
//!   `generate_neighbors`, every node of a batch searches the graph as it stood when the batch
//!   began; the batch's new lists are written when the batch ends. Then back edges are added:
//!   appended while the target has fewer than R neighbours; a full target (even one that already
//!   has the edge, as SVS checks fullness first) collects the edge as overflow, and its list
//!   plus overflow is re-pruned to `prune_to` (R − 4 in Redis).
//!
//! The work is sequential and has no randomness, so a build is a pure function of the data and
//! the configuration (the index seed only feeds codec training). With
//! [`BuildConfig::prescreen`], threshold decisions that 16-bit row codes settle skip the f32
//! rows ([`crate::sketch`]); the graph is the same bit for bit. [`VamanaBuilder::step`] runs a
//! bounded number of nodes so callers can report progress and cancel between chunks.
//!
//! Files: [`generate`] makes one node's list (and re-prunes a back-edge target), `state` runs
//! the passes and batches, [`handout`] holds what travels to and from helper generators.

pub mod generate;
pub mod handout;
mod state;

use crate::metric::Metric;

pub use generate::NeighborGenerator;
pub use handout::{BatchLists, ListsError, PruneSet};
pub use state::{build_vamana, BuildProgress, VamanaBuildState, VamanaBuilder};

/// Graph construction parameters (SVS `VamanaBuildParameters`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildConfig {
    /// GRAPH_MAX_DEGREE (R).
    pub graph_max_degree: usize,
    /// CONSTRUCTION_WINDOW_SIZE (L).
    pub window_size: usize,
    pub alpha: f32,
    pub max_candidate_pool_size: usize,
    /// Degree an overflowing node is re-pruned to.
    pub prune_to: usize,
    pub use_full_search_history: bool,
    /// Decide most threshold comparisons from 16-bit codes first ([`crate::sketch`]): same
    /// graph, fewer f32 distances. Only uncompressed stores can be screened. On by default in
    /// WebAssembly, where it makes the netflix build 15–20 % faster; off natively, where the
    /// prefetched f32 rows already cost about what the codes do (measured: no gain).
    pub prescreen: bool,
    /// How the rows enter the graph: all at once, or a first block then one at a time.
    pub insertion: VamanaInsertion,
}

/// How a Redis server's tiered SVS index feeds its rows to the graph, which depends on the
/// server's WORKERS (`search-workers` on 8.x):
///
/// - **WORKERS > 0 (batched)**: writes are buffered in the flat frontend and a background job
///   moves the whole buffer at once (`TieredSVSIndex::updateSVSIndex`: the first move builds
///   the graph with `createImpl`, later ones call `addVectors` with the buffer). annlab builds
///   every row as one such batch: two passes, alpha 1 then the build alpha.
/// - **WORKERS 0 (incremental)**: RediSearch switches VecSim to in-place writes
///   (`workersThreadPool_OnDeactivation` sets `VecSim_WriteInPlace`). `TieredSVSIndex::addVector`
///   then buffers only until the training trigger, builds the graph on that first block
///   synchronously, and from then on hands each vector to the backend alone
///   (`addVectors(.., 1)` → SVS `MutableVamanaIndex::add_points`, one construction pass at the
///   build alpha over the new slot, from the first block's entry point).
///
/// Sources (read 2026-12): RedisAI/VectorSimilarity `src/VecSim/algorithms/svs/svs_tiered.h`
/// (`addVector`, `updateSVSIndex`, the trigger thresholds) and `src/VecSim/algorithms/svs/svs.h`
/// (`addVectorsImpl`: `initImpl` on the first rows, `add_points` after);
/// RediSearch/RediSearch `src/util/workers.c` (`workersThreadPool_OnDeactivation`);
/// intel/ScalableVectorSearch `include/svs/index/vamana/dynamic_index.h` (`add_points`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VamanaInsertion {
    /// WORKERS > 0 (batched): every row in one two-pass batched build.
    #[default]
    Batched,
    /// WORKERS 0 (incremental): a two-pass build over the first `first_block` rows (entry
    /// point = their medoid), then every later row inserted alone, in id order, with one pass
    /// at the build alpha.
    Incremental { first_block: usize },
}

impl VamanaInsertion {
    /// How Redis describes the server setting this mode models.
    pub fn label(self) -> &'static str {
        match self {
            VamanaInsertion::Batched => "WORKERS > 0 (batched)",
            VamanaInsertion::Incremental { .. } => "WORKERS 0 (incremental)",
        }
    }

    /// Rows built in the initial two-pass batch for `n` rows (a first block of 0 counts as 1).
    pub fn first_block(self, n: usize) -> usize {
        match self {
            VamanaInsertion::Batched => n,
            VamanaInsertion::Incremental { first_block } => first_block.clamp(1, n.max(1)),
        }
    }
}

/// Whether builds pre-screen unless told otherwise (see [`BuildConfig::prescreen`]).
pub const PRESCREEN_BY_DEFAULT: bool = cfg!(target_arch = "wasm32");

/// Redis's fixed build alpha: 1.2 for L2, 0.95 for IP and COSINE (VecSim `svs_utils.h`).
pub fn default_alpha(metric: Metric) -> f32 {
    if metric.is_inner_product() {
        0.95
    } else {
        1.2
    }
}

/// Redis's prune_to for a given R: R − 4. UNCERTAIN below R = 5 (the subtraction would leave
/// nothing); annlab then keeps R.
pub fn default_prune_to(graph_max_degree: usize) -> usize {
    if graph_max_degree > 4 {
        graph_max_degree - 4
    } else {
        graph_max_degree
    }
}

impl BuildConfig {
    /// The configuration Redis derives from FT.CREATE: alpha by metric, candidate pool
    /// 3 × L, prune_to R − 4, full search history.
    pub fn redis(graph_max_degree: usize, construction_window_size: usize, metric: Metric) -> Self {
        Self {
            graph_max_degree,
            window_size: construction_window_size,
            alpha: default_alpha(metric),
            max_candidate_pool_size: 3 * construction_window_size,
            prune_to: default_prune_to(graph_max_degree),
            use_full_search_history: true,
            prescreen: PRESCREEN_BY_DEFAULT,
            insertion: VamanaInsertion::Batched,
        }
    }
}

/// Why a build failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VamanaError {
    #[error("cannot build a Vamana graph over an empty data set")]
    Empty,
    #[error("GRAPH_MAX_DEGREE must be at least 1")]
    ZeroDegree,
    #[error("CONSTRUCTION_WINDOW_SIZE must be at least 1")]
    ZeroWindow,
    #[error("{rows} rows exceed the 32-bit id space")]
    TooManyRows { rows: usize },
    #[error("build cancelled")]
    Cancelled,
}

impl From<crate::control::Cancelled> for VamanaError {
    fn from(_: crate::control::Cancelled) -> Self {
        VamanaError::Cancelled
    }
}

/// Number of sequential batches for `n` nodes: max(40, ⌈n / 4096⌉).
pub fn batch_count(n: usize) -> usize {
    40usize.max(n.div_ceil(4096))
}
