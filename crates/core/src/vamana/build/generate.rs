//! Neighbour generation: a node's new list from a graph snapshot (greedy search, candidate
//! pool, robust prune), and the re-prune of a back-edge target.

use std::ops::Range;

use crate::neighbor::Neighbor;
use crate::sketch::BuildSketch;
use crate::store::{QueryScorer, VectorStore};

use super::super::graph::VamanaGraph;
use super::super::prune::{build_distance, robust_prune, score_ids, PruneScratch};
use super::super::search::{BuildTrace, SearchParams, VamanaSearcher};
use super::super::visited::VisitedSet;
use super::handout::{BatchLists, PruneSet};
use super::BuildConfig;

/// Generates a node's new neighbour list against a graph snapshot: greedy search (full
/// history), candidate pool, robust prune. Owns only scratch space, so a helper can hold one
/// next to its own copy of the store and graph.
#[derive(Default)]
pub struct NeighborGenerator {
    searcher: VamanaSearcher,
    history: Vec<Neighbor>,
    pool: Vec<Neighbor>,
    pub(super) pruned: Vec<u32>,
    pub(super) edges: Vec<u32>,
    prune_scratch: PruneScratch,
    /// Ids already in the candidate pool (the graph neighbours join only if absent).
    pooled: VisitedSet,
    /// Codes of the store's rows, made on first use when the build pre-screens.
    sketch: Option<BuildSketch>,
    /// Whether `sketch` was made (or found impossible) for a store of `sketch_rows` rows.
    sketch_rows: Option<usize>,
}

impl NeighborGenerator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the sketch of `store` the first time a pre-screening build needs it.
    fn ensure_sketch<S: VectorStore>(&mut self, store: &S, config: &BuildConfig) {
        if !config.prescreen {
            self.sketch = None;
            self.sketch_rows = None;
            return;
        }
        if self.sketch_rows != Some(store.len()) {
            self.sketch = BuildSketch::from_store(store);
            self.sketch_rows = Some(store.len());
        }
    }

    /// Lists for `nodes` against `graph` (the graph as it stood at the batch start).
    pub fn generate_lists<S: VectorStore>(
        &mut self,
        store: &S,
        graph: &VamanaGraph,
        config: &BuildConfig,
        nodes: Range<u32>,
    ) -> BatchLists {
        let mut lists = BatchLists::default();
        for node in nodes {
            lists.distance_computations += self.generate(store, graph, config, node) as u64;
            lists.push(node, &self.pruned);
        }
        lists
    }

    /// Prunes every target of `set` (see [`PruneSet`]): the new lists, in target order.
    /// Malformed offsets read as empty candidate lists.
    pub fn prune_back_edges<S: VectorStore>(
        &mut self,
        store: &S,
        config: &BuildConfig,
        set: &PruneSet,
    ) -> BatchLists {
        let mut lists = BatchLists::default();
        let mut start = 0usize;
        for (&target, &end) in set.targets.iter().zip(&set.ends) {
            let end = end as usize;
            let candidates = set.candidates.get(start..end).unwrap_or(&[]);
            start = end.max(start);
            lists.distance_computations +=
                self.prune_target(store, config, set.alpha, target, candidates) as u64;
            lists.push(target, &self.pruned);
        }
        lists
    }

    /// Re-prunes `target` over `candidates` into `self.pruned` (SVS's back-edge step: score,
    /// sort, cap at the pool size, robust prune to `prune_to`); returns the distances computed.
    pub(super) fn prune_target<S: VectorStore>(
        &mut self,
        store: &S,
        config: &BuildConfig,
        alpha: f32,
        target: u32,
        candidates: &[u32],
    ) -> usize {
        self.ensure_sketch(store, config);
        let full_representation = store.builds_on_full_representation();
        let scorer = store.scorer_for_row(target);
        // Few rows (R plus the overflow): load them all at once.
        for &id in candidates {
            store.prefetch_vector(id);
        }
        self.pool.clear();
        score_ids(
            &scorer,
            candidates,
            !full_representation,
            |s, id| build_distance(s, id, full_representation),
            |_| {},
            &mut self.pool,
        );
        let scored = self.pool.len();
        self.pool.sort_unstable_by_key(Neighbor::order_key);
        self.pool.truncate(config.max_candidate_pool_size);
        scored
            + robust_prune(
                store,
                &self.pool,
                alpha,
                config.prune_to,
                self.sketch.as_ref(),
                &mut self.prune_scratch,
                &mut self.pruned,
            )
    }

    /// Generates the new list of `node` into `self.pruned`; returns the distances computed.
    pub(super) fn generate<S: VectorStore>(
        &mut self,
        store: &S,
        graph: &VamanaGraph,
        config: &BuildConfig,
        node: u32,
    ) -> usize {
        self.ensure_sketch(store, config);
        let full_representation = store.builds_on_full_representation();
        let scorer = store.scorer_for_row(node);
        self.history.clear();
        let history = if config.use_full_search_history {
            Some(&mut self.history)
        } else {
            None
        };
        // The build's search: window L, capacity L, visited set on.
        let sizes = SearchParams::with_window(config.window_size);
        let trace = BuildTrace {
            history,
            screen: self.sketch.as_ref().map(|s| (s, node)),
        };
        let mut computed = self.searcher.greedy(graph, store, &scorer, &sizes, trace);
        // The pool: every expanded node (full history) or the final buffer, then the node's
        // current neighbours that are not in it yet, as SVS's `generate_neighbors` does.
        self.pool.clear();
        if config.use_full_search_history {
            self.pool
                .extend(self.history.iter().filter(|c| c.id != node).copied());
        } else {
            self.pool
                .extend(self.searcher.buffer.iter().filter(|c| c.id != node));
        }
        self.pooled.reset(graph.len());
        self.pooled.insert(node);
        for c in &self.pool {
            self.pooled.insert(c.id);
        }
        self.edges.clear();
        for &id in graph.neighbors(node) {
            if self.pooled.insert(id) {
                // Few rows (at most R): load them all at once.
                store.prefetch_vector(id);
                self.edges.push(id);
            }
        }
        score_ids(
            &scorer,
            &self.edges,
            !full_representation,
            |s, id| build_distance(s, id, full_representation),
            |_| {},
            &mut self.pool,
        );
        computed += self.edges.len();
        if full_representation {
            // Traversal used primary codes; the pool is ordered by the full representation.
            for c in self.pool.iter_mut() {
                c.distance = scorer.rerank_distance(c.id);
            }
            computed += self.pool.len();
        }
        let cap = config.max_candidate_pool_size;
        if self.pool.len() > cap && cap > 0 {
            // Only the nearest `cap` survive: select them before sorting.
            self.pool
                .select_nth_unstable_by_key(cap - 1, Neighbor::order_key);
            self.pool.truncate(cap);
        }
        self.pool.sort_unstable_by_key(Neighbor::order_key);
        self.pool.truncate(cap);
        computed += robust_prune(
            store,
            &self.pool,
            config.alpha,
            config.graph_max_degree,
            self.sketch.as_ref(),
            &mut self.prune_scratch,
            &mut self.pruned,
        );
        computed
    }
}
