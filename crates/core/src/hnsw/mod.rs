//! HNSW as Redis builds it (VecSim, derived from hnswlib; spec §4).
//!
//! - [`HnswParams`]: Redis attribute names and defaults, validated like VecSim.
//! - [`HnswBuilder`] / [`Hnsw::build`]: incremental build in row order with progress and
//!   cancellation; levels come from a ChaCha8 stream seeded with `params.seed`, so the same
//!   seed gives the same graph.
//! - [`Hnsw::search`] (KNN, ef = max(EF_RUNTIME, k)) and [`Hnsw::range_search`] (VecSim's
//!   EPSILON walk), both with a caller-owned [`SearchScratch`].
//! - [`AnyHnsw`]: the closed FP32/FP16/BF16 enum used at the runner/worker boundary.
//! - [`memory`]: the Redis `vector_index_sz_mb` model and document bytes.

mod access;
mod any;
mod build;
mod error;
mod graph;
mod heap;
mod index;
pub mod memory;
pub mod params;
mod search;
mod visited;

pub use access::HnswStore;
pub use any::AnyHnsw;
pub use build::{HnswBuilder, PROGRESS_CHUNK};
pub use error::HnswError;
pub use index::{Hnsw, HnswHits};
pub use memory::{document_bytes, redis_index_bytes_estimate, vecsim_element_size_estimate};
pub use params::HnswParams;
pub use search::SearchScratch;
pub use visited::VisitedSet;
