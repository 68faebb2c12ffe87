//! The shared visited set ([`crate::visited`]), at its HNSW path.

pub use crate::visited::VisitedSet;
