//! SVS-VAMANA as Redis runs it: parameters, validation, the Intel/generic target, memory.

pub mod params;

pub use params::{Compression, SearchHistory, SvsParams, SvsRuntime, Target};
