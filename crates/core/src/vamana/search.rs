//! Greedy beam search over a [`VamanaGraph`] (spec §3.2, §1.8).
//!
//! The buffer keeps `capacity` candidates; the search expands the best `window` of them and
//! stops once all of those are expanded. Two-level codecs traverse with primary codes and then
//! re-rank every buffered candidate with the full representation (which is why their default
//! capacity is 1.5 × window).
//!
//! Search history (`USE_SEARCH_HISTORY`): with history, a visited set (epoch tags) makes each
//! node score at most once per query. Without it, a node reached again is re-scored and then
//! recognised by the buffer (same id, same distance), so results are identical and only the
//! number of distance computations grows. Redis's `AUTO` means "algorithm default"; annlab
//! resolves it to ON because the tag array is cheaper than re-scoring.

use crate::neighbor::Neighbor;
use crate::sketch::BuildSketch;
use crate::store::{QueryScorer, VectorStore};

use super::buffer::SearchBuffer;
use super::graph::VamanaGraph;
use super::prune::score_ids;
use super::visited::VisitedSet;

/// Resolved query-time settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchParams {
    /// SEARCH_WINDOW_SIZE: how many of the best candidates are expanded.
    pub window: usize,
    /// SEARCH_BUFFER_CAPACITY: how many candidates are kept (≥ window).
    pub capacity: usize,
    /// USE_SEARCH_HISTORY resolved to on/off.
    pub use_history: bool,
}

impl SearchParams {
    /// Window `w`, capacity `w`, history on.
    pub fn with_window(window: usize) -> Self {
        Self {
            window,
            capacity: window,
            use_history: true,
        }
    }

    /// The sizes actually used for a top-`k` query: a buffer smaller than `k` grows to `k`
    /// (window and capacity both, as SVS's dynamic index does).
    pub fn for_k(&self, k: usize) -> (usize, usize) {
        let window = self.window.max(1);
        let capacity = self.capacity.max(window);
        if capacity < k {
            (k, k)
        } else {
            (window, capacity)
        }
    }
}

/// What a build's search records beyond the buffer (see [`VamanaSearcher::greedy`]); queries
/// use [`BuildTrace::default`].
#[derive(Default)]
pub(crate) struct BuildTrace<'a> {
    /// Receives every expanded node (full search history).
    pub history: Option<&'a mut Vec<Neighbor>>,
    /// A build sketch and the row the scorer measures from.
    pub screen: Option<(&'a BuildSketch, u32)>,
}

/// Reusable per-thread search scratch (buffer, visited tags, re-rank space).
#[derive(Debug, Clone, Default)]
pub struct VamanaSearcher {
    pub(crate) buffer: SearchBuffer,
    pub(crate) visited: VisitedSet,
    rerank: Vec<Neighbor>,
    /// Unvisited neighbours of the node being expanded, and their distances.
    pending: Vec<u32>,
    scored: Vec<Neighbor>,
    /// Sketch intervals of `pending` (screened builds).
    bounds: Vec<(f32, f32)>,
}

impl VamanaSearcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Fills the buffer by greedy search from the entry point, with the sizes and dedupe of
    /// `params` (already resolved for k). With `trace.history`, every node the search expands
    /// (the entry point first) is appended to it: SVS's "full search history" used while
    /// building, which its search tracker records on expansion, not for every scored
    /// neighbour. With `trace.screen` (a build sketch and the row the scorer measures from), a
    /// neighbour is scored exactly only when its sketch interval does not already put it
    /// behind the worst entry of a full buffer (where it would be dropped anyway).
    /// Returns the number of f32 distances computed.
    pub(crate) fn greedy<S: VectorStore, Q: QueryScorer>(
        &mut self,
        graph: &VamanaGraph,
        store: &S,
        scorer: &Q,
        params: &SearchParams,
        trace: BuildTrace<'_>,
    ) -> usize {
        let SearchParams {
            window,
            capacity,
            use_history,
        } = *params;
        let BuildTrace {
            mut history,
            screen,
        } = trace;
        self.buffer.reset(window, capacity);
        if graph.is_empty() {
            return 0;
        }
        if use_history {
            self.visited.reset(graph.len());
        }
        let entry = graph.entry_point();
        let d = scorer.distance(entry);
        let mut computed = 1;
        if use_history {
            self.visited.insert(entry);
        }
        self.buffer.insert(Neighbor::new(entry, d));
        while let Some(node) = self.buffer.next_unexpanded() {
            let id = node.id;
            if let Some(h) = history.as_deref_mut() {
                h.push(node);
            }
            // Collect the unvisited neighbours first so their rows can be prefetched ahead of
            // scoring; scoring order (and so the result) is unchanged.
            self.pending.clear();
            for &nb in graph.neighbors(id) {
                if use_history && !self.visited.insert(nb) {
                    continue;
                }
                self.pending.push(nb);
            }
            if let (Some((sketch, from)), Some(worst)) = (screen, self.buffer.full_worst()) {
                // The buffer's worst only improves while this node's neighbours go in, so one
                // that cannot beat it now is never kept: skip its f32 row. (Only with the
                // visited set, so a skipped node is never offered again.)
                if use_history {
                    self.bounds.clear();
                    sketch.intervals(from, &self.pending, &mut self.bounds);
                    let mut keep = self.bounds.iter().map(|&(lo, _)| lo < worst || lo.is_nan());
                    self.pending.retain(|_| keep.next().unwrap_or(true));
                }
            }
            // Graph construction (the caller keeps the search history) scores four neighbours
            // per batched kernel call: with the visited set each node is scored once. Queries
            // score one at a time, so a query's distances, hits and recall are the same with
            // and without USE_SEARCH_HISTORY (batched sums differ in the last bits). Rows are
            // prefetched a few ahead: enough to hide memory latency without overflowing the
            // CPU's outstanding-miss slots.
            self.scored.clear();
            score_ids(
                scorer,
                &self.pending,
                use_history && history.is_some(),
                |s, id| s.distance(id),
                |id| store.prefetch_vector(id),
                &mut self.scored,
            );
            computed += self.scored.len();
            for &candidate in &self.scored {
                if self.buffer.insert(candidate) {
                    // A kept candidate may be expanded next: start loading its neighbours.
                    graph.prefetch(candidate.id);
                }
            }
        }
        computed
    }

    /// Top-`k` search for a query already preprocessed for the metric (normalised for COSINE).
    /// Returns hits (best first, Redis distances) and the number of distances computed,
    /// re-ranking included.
    pub fn search<S: VectorStore>(
        &mut self,
        graph: &VamanaGraph,
        store: &S,
        query: &[f32],
        k: usize,
        params: &SearchParams,
    ) -> (Vec<Neighbor>, usize) {
        if k == 0 {
            return (Vec::new(), 0);
        }
        let scorer = store.scorer(query);
        let (window, capacity) = params.for_k(k);
        let sizes = SearchParams {
            window,
            capacity,
            use_history: params.use_history,
        };
        let mut computed = self.greedy(graph, store, &scorer, &sizes, BuildTrace::default());
        let hits = if store.is_two_level() {
            computed += self.rerank_buffer(&scorer);
            self.rerank.iter().take(k).copied().collect()
        } else {
            self.buffer.iter().take(k).collect()
        };
        (hits, computed)
    }

    /// Re-scores every buffered candidate with the full representation into `self.rerank`,
    /// sorted best first.
    fn rerank_buffer<Q: QueryScorer>(&mut self, scorer: &Q) -> usize {
        self.rerank.clear();
        self.rerank.extend(
            self.buffer
                .iter()
                .map(|n| Neighbor::new(n.id, scorer.rerank_distance(n.id))),
        );
        self.rerank.sort_by(|a, b| a.cmp_by_distance(b));
        self.rerank.len()
    }

    /// Range query (`VECTOR_RANGE radius` with `$EPSILON`): every vector within `radius` that
    /// the search reaches, best first.
    ///
    /// Boundary rule (documented approximation of VecSim's range search): search with the
    /// window; while more than half of the window lies inside the boundary
    /// `radius + |radius|·epsilon`, double the window and search again, so the final window is
    /// at least twice the number of candidates near the radius. Results are then filtered to
    /// `distance ≤ radius` (re-ranked distances for two-level codecs): a larger EPSILON
    /// explores further but never admits results outside the radius.
    pub fn range_search<S: VectorStore>(
        &mut self,
        graph: &VamanaGraph,
        store: &S,
        query: &[f32],
        radius: f32,
        epsilon: f64,
        params: &SearchParams,
    ) -> (Vec<Neighbor>, usize) {
        let scorer = store.scorer(query);
        let boundary = radius + radius.abs() * epsilon.max(0.0) as f32;
        let n = graph.len().max(1);
        let mut window = params.window.max(1).min(n);
        let mut computed = 0;
        loop {
            let capacity = params.capacity.max(window).min(n.max(window));
            let sizes = SearchParams {
                window,
                capacity,
                use_history: params.use_history,
            };
            computed += self.greedy(graph, store, &scorer, &sizes, BuildTrace::default());
            let inside = self
                .buffer
                .iter()
                .filter(|c| c.distance <= boundary)
                .count();
            if inside * 2 <= window || window >= n {
                break;
            }
            window = (window * 2).min(n);
        }
        let hits = if store.is_two_level() {
            computed += self.rerank_buffer(&scorer);
            self.rerank
                .iter()
                .filter(|h| h.distance <= radius)
                .copied()
                .collect()
        } else {
            self.buffer
                .iter()
                .filter(|h| h.distance <= radius)
                .collect()
        };
        (hits, computed)
    }
}
