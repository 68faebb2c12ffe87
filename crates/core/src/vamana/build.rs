//! Two-pass batched Vamana construction as SVS runs it for Redis (spec §3.1).
//!
//! - Entry point: the row nearest to the mean ([`super::medoid`]).
//! - Two passes over all nodes in id order: pass 1 prunes back edges with alpha = 1, pass 2 with
//!   the configured alpha. Neighbour generation uses the configured alpha in both passes (SVS
//!   passes its build alpha there on purpose).
//! - Per node: greedy search with window L; the candidate pool is the full search history (every
//!   scored node) plus the node's current neighbours, sorted and capped at
//!   `max_candidate_pool_size` (3·L in Redis), then robust-pruned to ≤ R.
//! - Nodes run in max(40, ⌈n/4096⌉) sequential batches of ⌈n / batches⌉ nodes. As in SVS's
//!   `generate_neighbors`, every node of a batch searches the graph as it stood when the batch
//!   began; the batch's new lists are written when the batch ends. Then back edges are added:
//!   appended while the target has fewer than R neighbours; a full target (even one that already
//!   has the edge, as SVS checks fullness first) collects the edge as overflow, and its list
//!   plus overflow is re-pruned to `prune_to` (R − 4 in Redis).
//!
//! The work is sequential and has no randomness, so a build is a pure function of the data and
//! the configuration (the index seed only feeds codec training). [`VamanaBuilder::step`] runs a
//! bounded number of nodes so callers can report progress and cancel between chunks.

use crate::control::BuildControl;
use crate::metric::Metric;
use crate::neighbor::Neighbor;
use crate::store::{QueryScorer, VectorStore};

use super::graph::{AddEdge, VamanaGraph};
use super::medoid::medoid;
use super::prune::{build_distance, robust_prune, score_ids, PruneScratch};
use super::search::VamanaSearcher;

/// Graph construction parameters (SVS `VamanaBuildParameters`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuildConfig {
    /// GRAPH_MAX_DEGREE (R).
    pub graph_max_degree: usize,
    /// CONSTRUCTION_WINDOW_SIZE (L).
    pub window_size: usize,
    pub alpha: f32,
    pub max_candidate_pool_size: usize,
    /// Degree an overflowing node is re-pruned to.
    pub prune_to: usize,
    pub use_full_search_history: bool,
}

/// Redis's fixed build alpha: 1.2 for L2, 0.95 for IP and COSINE (VecSim `svs_utils.h`).
pub fn default_alpha(metric: Metric) -> f32 {
    if metric.is_inner_product() {
        0.95
    } else {
        1.2
    }
}

/// Redis's prune_to for a given R: R − 4. UNCERTAIN below R = 5 (the subtraction would leave
/// nothing); annlab then keeps R.
pub fn default_prune_to(graph_max_degree: usize) -> usize {
    if graph_max_degree > 4 {
        graph_max_degree - 4
    } else {
        graph_max_degree
    }
}

impl BuildConfig {
    /// The configuration Redis derives from FT.CREATE: alpha by metric, candidate pool
    /// 3 × L, prune_to R − 4, full search history.
    pub fn redis(graph_max_degree: usize, construction_window_size: usize, metric: Metric) -> Self {
        Self {
            graph_max_degree,
            window_size: construction_window_size,
            alpha: default_alpha(metric),
            max_candidate_pool_size: 3 * construction_window_size,
            prune_to: default_prune_to(graph_max_degree),
            use_full_search_history: true,
        }
    }
}

/// Why a build failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VamanaError {
    #[error("cannot build a Vamana graph over an empty data set")]
    Empty,
    #[error("GRAPH_MAX_DEGREE must be at least 1")]
    ZeroDegree,
    #[error("CONSTRUCTION_WINDOW_SIZE must be at least 1")]
    ZeroWindow,
    #[error("{rows} rows exceed the 32-bit id space")]
    TooManyRows { rows: usize },
    #[error("build cancelled")]
    Cancelled,
}

impl From<crate::control::Cancelled> for VamanaError {
    fn from(_: crate::control::Cancelled) -> Self {
        VamanaError::Cancelled
    }
}

/// Where a build stands after a [`VamanaBuilder::step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildProgress {
    /// `"pass 1/2"` or `"pass 2/2"`.
    pub phase: &'static str,
    /// Nodes finished in this pass.
    pub done: usize,
    /// Nodes per pass.
    pub total: usize,
    pub finished: bool,
}

const PHASES: [&str; 2] = ["pass 1/2", "pass 2/2"];

/// Number of sequential batches for `n` nodes: max(40, ⌈n / 4096⌉).
pub fn batch_count(n: usize) -> usize {
    40usize.max(n.div_ceil(4096))
}

/// An in-progress build over a store.
pub struct VamanaBuilder<'s, S: VectorStore> {
    store: &'s S,
    config: BuildConfig,
    graph: VamanaGraph,
    pass: usize,
    next_node: usize,
    batch_start: usize,
    batch_size: usize,
    searcher: VamanaSearcher,
    history: Vec<Neighbor>,
    pool: Vec<Neighbor>,
    pruned: Vec<u32>,
    edges: Vec<u32>,
    overflow: Vec<(u32, u32)>,
    /// New lists of the current batch, applied when it ends: node ids, and for each the end
    /// offset of its list in `update_ids`.
    update_nodes: Vec<u32>,
    update_ends: Vec<usize>,
    update_ids: Vec<u32>,
    prune_scratch: PruneScratch,
    distance_computations: u64,
}

impl<'s, S: VectorStore> VamanaBuilder<'s, S> {
    /// Validates the configuration and picks the entry point.
    pub fn new(store: &'s S, config: BuildConfig) -> Result<Self, VamanaError> {
        let n = store.len();
        if config.graph_max_degree == 0 {
            return Err(VamanaError::ZeroDegree);
        }
        if config.window_size == 0 {
            return Err(VamanaError::ZeroWindow);
        }
        if u32::try_from(n).is_err() {
            return Err(VamanaError::TooManyRows { rows: n });
        }
        let entry = medoid(store).ok_or(VamanaError::Empty)?;
        Ok(Self {
            store,
            config,
            graph: VamanaGraph::empty(n, config.graph_max_degree, entry),
            pass: 0,
            next_node: 0,
            batch_start: 0,
            batch_size: n.div_ceil(batch_count(n)).max(1),
            searcher: VamanaSearcher::new(),
            history: Vec::new(),
            pool: Vec::new(),
            pruned: Vec::with_capacity(config.graph_max_degree),
            edges: Vec::with_capacity(config.graph_max_degree),
            overflow: Vec::new(),
            update_nodes: Vec::new(),
            update_ends: Vec::new(),
            update_ids: Vec::new(),
            prune_scratch: PruneScratch::default(),
            distance_computations: 0,
        })
    }

    /// Processes up to `max_nodes` nodes (at least one) and reports where the build stands.
    pub fn step(&mut self, max_nodes: usize) -> BuildProgress {
        let n = self.graph.len();
        let mut budget = max_nodes.max(1);
        while self.pass < 2 && budget > 0 {
            self.generate_neighbors(self.next_node as u32);
            self.next_node += 1;
            budget -= 1;
            let batch_end = (self.batch_start + self.batch_size).min(n);
            if self.next_node >= batch_end {
                let alpha = if self.pass == 0 {
                    1.0
                } else {
                    self.config.alpha
                };
                self.apply_batch_updates();
                self.add_reverse_edges(self.batch_start, batch_end, alpha);
                self.batch_start = batch_end;
            }
            if self.next_node >= n {
                self.pass += 1;
                self.next_node = 0;
                self.batch_start = 0;
            }
        }
        self.progress()
    }

    /// The current progress without doing work.
    pub fn progress(&self) -> BuildProgress {
        let n = self.graph.len();
        if self.pass >= 2 {
            BuildProgress {
                phase: PHASES[1],
                done: n,
                total: n,
                finished: true,
            }
        } else {
            BuildProgress {
                phase: PHASES[self.pass],
                done: self.next_node,
                total: n,
                finished: false,
            }
        }
    }

    /// Distances computed so far (search, pool and pruning).
    pub fn distance_computations(&self) -> u64 {
        self.distance_computations
    }

    /// The graph as it stands (complete once [`BuildProgress::finished`]).
    pub fn finish(self) -> VamanaGraph {
        self.graph
    }

    fn generate_neighbors(&mut self, node: u32) {
        let store = self.store;
        let two_level = store.is_two_level();
        let scorer = store.scorer_for_row(node);
        self.history.clear();
        let history = if self.config.use_full_search_history {
            Some(&mut self.history)
        } else {
            None
        };
        let window = self.config.window_size;
        let mut computed =
            self.searcher
                .greedy(&self.graph, store, &scorer, window, window, true, history);
        self.pool.clear();
        if self.config.use_full_search_history {
            self.pool
                .extend(self.history.iter().filter(|c| c.id != node).copied());
        } else {
            self.pool
                .extend(self.searcher.buffer.iter().filter(|c| c.id != node));
        }
        self.edges.clear();
        for &id in self.graph.neighbors(node) {
            if id != node && !self.searcher.visited.contains(id) {
                // Few rows (at most R): load them all at once.
                store.prefetch_vector(id);
                self.edges.push(id);
            }
        }
        score_ids(
            &scorer,
            &self.edges,
            !two_level,
            |s, id| build_distance(s, id, two_level),
            |_| {},
            &mut self.pool,
        );
        computed += self.edges.len();
        if two_level {
            // Traversal used primary codes; the pool is ordered by the full representation.
            for c in self.pool.iter_mut() {
                c.distance = scorer.rerank_distance(c.id);
            }
            computed += self.pool.len();
        }
        let cap = self.config.max_candidate_pool_size;
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
            self.config.alpha,
            self.config.graph_max_degree,
            &mut self.prune_scratch,
            &mut self.pruned,
        );
        self.update_nodes.push(node);
        self.update_ids.extend_from_slice(&self.pruned);
        self.update_ends.push(self.update_ids.len());
        self.distance_computations += computed as u64;
    }

    /// Writes the lists generated during the batch into the graph.
    fn apply_batch_updates(&mut self) {
        let mut start = 0;
        for (&node, &end) in self.update_nodes.iter().zip(&self.update_ends) {
            let list = self.update_ids.get(start..end).unwrap_or(&[]);
            self.graph.set_neighbors(node, list);
            start = end;
        }
        self.update_nodes.clear();
        self.update_ends.clear();
        self.update_ids.clear();
    }

    fn add_reverse_edges(&mut self, start: usize, end: usize, alpha: f32) {
        self.overflow.clear();
        for node in start as u32..end as u32 {
            self.edges.clear();
            self.edges.extend_from_slice(self.graph.neighbors(node));
            for &other in &self.edges {
                if self.graph.try_add_edge(other, node) == AddEdge::Full {
                    self.overflow.push((other, node));
                }
            }
        }
        self.overflow.sort_unstable();
        self.overflow.dedup();
        let store = self.store;
        let two_level = store.is_two_level();
        let mut i = 0;
        while i < self.overflow.len() {
            let target = self.overflow[i].0;
            let mut j = i;
            while j < self.overflow.len() && self.overflow[j].0 == target {
                j += 1;
            }
            let scorer = store.scorer_for_row(target);
            self.pool.clear();
            self.edges.clear();
            self.edges
                .extend(self.overflow[i..j].iter().map(|&(_, src)| src));
            for &id in self.graph.neighbors(target) {
                if !self.overflow[i..j].iter().any(|&(_, s)| s == id) {
                    self.edges.push(id);
                }
            }
            // Few rows (R plus the overflow): load them all at once.
            for &id in &self.edges {
                store.prefetch_vector(id);
            }
            score_ids(
                &scorer,
                &self.edges,
                !two_level,
                |s, id| build_distance(s, id, two_level),
                |_| {},
                &mut self.pool,
            );
            self.distance_computations += self.pool.len() as u64;
            self.pool.sort_unstable_by_key(Neighbor::order_key);
            self.pool.truncate(self.config.max_candidate_pool_size);
            let computed = robust_prune(
                store,
                &self.pool,
                alpha,
                self.config.prune_to,
                &mut self.prune_scratch,
                &mut self.pruned,
            );
            self.distance_computations += computed as u64;
            self.graph.set_neighbors(target, &self.pruned);
            i = j;
        }
    }
}

/// Builds a graph over `store`, reporting progress to `control` every chunk of nodes and
/// stopping with [`VamanaError::Cancelled`] when it returns `false`.
pub fn build_vamana<S: VectorStore>(
    store: &S,
    config: BuildConfig,
    control: &mut dyn BuildControl,
) -> Result<VamanaGraph, VamanaError> {
    let mut builder = VamanaBuilder::new(store, config)?;
    let chunk = (store.len() / 100).max(32);
    loop {
        let p = builder.step(chunk);
        if !control.progress(p.phase, p.done, p.total) {
            return Err(VamanaError::Cancelled);
        }
        if p.finished {
            return Ok(builder.finish());
        }
    }
}
