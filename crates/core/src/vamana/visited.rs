//! The shared visited set ([`crate::visited`]), at its Vamana path.

pub use crate::visited::VisitedSet;
