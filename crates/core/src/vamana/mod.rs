//! Vamana graph index as Intel SVS builds and searches it (spec §3.1, §3.2).
//!
//! - [`graph`]: the fixed-degree adjacency (`(R + 1) × u32` per node, as SVS allocates it).
//! - [`build`]: two-pass batched construction with robust pruning, progress and cancellation.
//! - [`prune`]: the heuristic (alpha) pruning rule for L2 and inner-product metrics.
//! - [`search`]: greedy beam search with a window and a larger buffer for re-ranking,
//!   optional search history, and EPSILON range search.
//!
//! Everything is generic over [`crate::store::VectorStore`], so the hot loops are monomorphised
//! per codec. Work is sequential and deterministic: the same data and configuration give the
//! same graph on every platform.

pub mod buffer;
pub mod build;
pub mod graph;
pub mod medoid;
pub mod prune;
pub mod search;
pub mod visited;

pub use build::{
    build_vamana, BatchLists, BuildConfig, BuildProgress, ListsError, NeighborGenerator, PruneSet,
    VamanaBuildState, VamanaBuilder, VamanaError, VamanaInsertion,
};
pub use graph::VamanaGraph;
pub use search::{SearchParams, VamanaSearcher};
