//! Candidate entries for the search heaps: ordered by distance, ties by the lower id, so every
//! traversal is deterministic.

use std::cmp::Ordering;

use crate::neighbor::Neighbor;

/// A node and its distance to the current query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cand {
    pub dist: f32,
    pub id: u32,
}

impl Cand {
    #[inline]
    pub fn new(id: u32, dist: f32) -> Self {
        Self { dist, id }
    }

    #[inline]
    pub fn cmp_closer(&self, other: &Self) -> Ordering {
        self.dist
            .total_cmp(&other.dist)
            .then_with(|| self.id.cmp(&other.id))
    }

    pub fn neighbor(self) -> Neighbor {
        Neighbor::new(self.id, self.dist)
    }
}

/// Max-heap order: the farthest entry on top (the result set's worst hit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Far(pub Cand);

impl Eq for Far {}
impl PartialOrd for Far {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Far {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_closer(&other.0)
    }
}

/// Min-heap order: the nearest entry on top (the next candidate to expand).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Near(pub Cand);

impl Eq for Near {}
impl PartialOrd for Near {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Near {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.cmp_closer(&self.0)
    }
}
