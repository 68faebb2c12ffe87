//! HNSW following VecSim/hnswlib.

pub mod params;

pub use params::HnswParams;
