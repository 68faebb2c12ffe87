//! The traversal kernels shared by build and query: greedy descent (ef = 1) through the upper
//! levels, the ef-bounded beam on one level, and VecSim's epsilon range walk on level 0.
//!
//! Every kernel takes the distance as a closure over node ids, so the build (a stored row as
//! query) and searches (a preprocessed external query) share the code and monomorphise.

use std::collections::BinaryHeap;

use super::graph::Graph;
use super::heap::{Far, Near};
use super::visited::VisitedSet;
use crate::neighbor::Neighbor;

/// Reusable per-searcher buffers. Keep one per thread/worker and pass it to every query, so
/// searches do not allocate beyond their result vector.
#[derive(Debug, Clone, Default)]
pub struct SearchScratch {
    pub(crate) beam: BeamBuffers,
    /// The preprocessed (normalised for COSINE) query.
    pub(crate) query: Vec<f32>,
}

/// The buffers of one beam search, shared by the build's and the queries' scratch so both
/// hand them to [`Beam`] the same way.
#[derive(Debug, Clone, Default)]
pub(crate) struct BeamBuffers {
    pub visited: VisitedSet,
    pub candidates: BinaryHeap<Near>,
    pub results: BinaryHeap<Far>,
    /// Unvisited neighbours of the node being expanded (prefetched, then scored).
    pub pending: Vec<u32>,
    /// Distances of `pending`.
    pub pending_dist: Vec<f32>,
}

impl SearchScratch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes currently held (the visited tags dominate: 2 bytes per node).
    pub fn bytes(&self) -> u64 {
        self.beam.visited.bytes()
            + (self.beam.candidates.capacity() * std::mem::size_of::<Near>()
                + self.beam.results.capacity() * std::mem::size_of::<Far>()
                + self.query.capacity() * std::mem::size_of::<f32>()) as u64
    }
}

/// Greedy descent from `start` (at `graph.max_level()`) down to `stop_level + 1`: on each level,
/// move to any closer neighbour until none is closer. Returns the closest node found and adds
/// the distances computed to `count`.
#[inline]
pub(crate) fn greedy_descent<D: FnMut(u32) -> f32>(
    graph: &Graph,
    mut cur: Neighbor,
    from_level: usize,
    stop_level: usize,
    dist: &mut D,
    count: &mut usize,
) -> Neighbor {
    let mut level = from_level;
    while level > stop_level {
        let mut changed = true;
        while changed {
            changed = false;
            for &nb in graph.neighbors(cur.id, level) {
                let d = dist(nb);
                *count += 1;
                if d < cur.distance {
                    cur = Neighbor::new(nb, d);
                    changed = true;
                }
            }
        }
        level -= 1;
    }
    cur
}

/// One ef-bounded beam search: its `ef` and its buffers.
pub(crate) struct Beam<'a> {
    /// How many nearest nodes the beam keeps (ef).
    pub ef: usize,
    pub bufs: &'a mut BeamBuffers,
}

impl Beam<'_> {
    /// The ef-bounded best-first beam on one level (hnswlib's `searchBaseLayer`). On return,
    /// `results` holds up to `ef` nearest nodes found (a max-heap). The visited set must be
    /// reset by the caller. The unvisited neighbours of each expanded node are prefetched as a
    /// batch before any of them is scored, so their loads overlap. Returns the distances
    /// computed.
    #[inline]
    pub(crate) fn search_level<D: FnMut(&[u32], &mut Vec<f32>), P: Fn(u32)>(
        self,
        graph: &Graph,
        level: usize,
        entry: Neighbor,
        score: &mut D,
        prefetch: &P,
    ) -> usize {
        let Beam { ef, bufs } = self;
        let BeamBuffers {
            visited,
            candidates,
            results,
            pending,
            pending_dist,
        } = bufs;
        let mut count = 0;
        candidates.clear();
        results.clear();
        visited.insert(entry.id);
        candidates.push(Near(entry));
        results.push(Far(entry));
        let mut bound = entry.distance;
        while let Some(Near(cur)) = candidates.pop() {
            if cur.distance > bound && results.len() >= ef {
                break;
            }
            pending.clear();
            for &nb in graph.neighbors(cur.id, level) {
                if visited.insert(nb) {
                    prefetch(nb);
                    pending.push(nb);
                }
            }
            pending_dist.clear();
            score(pending, pending_dist);
            count += pending.len();
            for (&nb, &d) in pending.iter().zip(pending_dist.iter()) {
                if results.len() < ef || d < bound {
                    let c = Neighbor::new(nb, d);
                    candidates.push(Near(c));
                    results.push(Far(c));
                    if results.len() > ef {
                        results.pop();
                    }
                    if let Some(Far(worst)) = results.peek() {
                        bound = worst.distance;
                    }
                }
            }
        }
        count
    }
}

/// VecSim's level-0 range query: the radius, the epsilon and the buffers of one walk.
pub(crate) struct RangeWalk<'a> {
    pub radius: f32,
    pub epsilon: f64,
    pub visited: &'a mut VisitedSet,
    pub candidates: &'a mut BinaryHeap<Near>,
}

impl RangeWalk<'_> {
    /// VecSim's level-0 range walk (`searchRangeBottomLayer`): collects every visited node within
    /// `radius` into `out`; returns the distances computed.
    ///
    /// The walk keeps a *dynamic range*, initially the entry's distance (or `radius` when the entry
    /// is inside it). Expanding a candidate closer than the dynamic range but still ≥ `radius`
    /// shrinks the range to that distance, so it never drops below `radius`. A neighbour becomes a
    /// candidate when its distance is < range·(1 + epsilon), and the walk stops when the nearest
    /// open candidate is beyond that boundary. Larger epsilon explores further past the radius
    /// (better recall, more distances).
    pub(crate) fn run<D: FnMut(u32) -> f32>(
        self,
        graph: &Graph,
        entry: Neighbor,
        dist: &mut D,
        out: &mut Vec<Neighbor>,
    ) -> usize {
        let RangeWalk {
            radius,
            epsilon,
            visited,
            candidates,
        } = self;
        let mut count = 0;
        let widen = |range: f32| (f64::from(range) * (1.0 + epsilon)) as f32;
        candidates.clear();
        visited.insert(entry.id);
        let mut range = entry.distance;
        if entry.distance <= radius {
            out.push(entry);
            range = radius;
        }
        let mut boundary = widen(range);
        candidates.push(Near(entry));
        while let Some(Near(cur)) = candidates.peek().copied() {
            if cur.distance > boundary {
                break;
            }
            candidates.pop();
            if cur.distance < range && cur.distance >= radius {
                range = cur.distance;
                boundary = widen(range);
            }
            for &nb in graph.neighbors(cur.id, 0) {
                if !visited.insert(nb) {
                    continue;
                }
                let d = dist(nb);
                count += 1;
                if d < boundary {
                    candidates.push(Near(Neighbor::new(nb, d)));
                    if d <= radius {
                        out.push(Neighbor::new(nb, d));
                    }
                }
            }
        }
        count
    }
}
