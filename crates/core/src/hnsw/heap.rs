//! The search heaps' orders over the crate's one candidate type, [`Neighbor`]: by distance,
//! ties by the lower id ([`Neighbor::cmp_by_distance`]), so every traversal is deterministic.

use std::cmp::Ordering;

use crate::neighbor::Neighbor;

/// Max-heap order: the farthest entry on top (the result set's worst hit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Far(pub Neighbor);

impl Eq for Far {}
impl PartialOrd for Far {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Far {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_by_distance(&other.0)
    }
}

/// Min-heap order: the nearest entry on top (the next candidate to expand).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Near(pub Neighbor);

impl Eq for Near {}
impl PartialOrd for Near {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Near {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.cmp_by_distance(&self.0)
    }
}
