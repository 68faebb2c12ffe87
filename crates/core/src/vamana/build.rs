//! Two-pass batched Vamana construction as SVS runs it for Redis (spec §3.1).
//!
//! - Entry point: the row nearest to the mean ([`super::medoid`]).
//! - Two passes over all nodes in id order: pass 1 prunes back edges with alpha = 1, pass 2 with
//!   the configured alpha. Neighbour generation uses the configured alpha in both passes (SVS
//!   passes its build alpha there on purpose).
//! - Per node: greedy search with window L; the candidate pool is the full search history plus
//!   the node's current neighbours not in it, sorted and capped at `max_candidate_pool_size`
//!   (3·L in Redis), then robust-pruned to ≤ R. The "history" is what SVS's search tracker
//!   records: every node the search *expanded* (the entry point first), not every neighbour it
//!   scored. (Pooling every scored node, as annlab did before, gave pools of 600 instead of
//!   ~250–350 candidates, ~40 % more distances per build and a graph whose recall at small
//!   windows was 0.012–0.015 below SVS's.)
//! - Nodes run in max(40, ⌈n/4096⌉) sequential batches of ⌈n / batches⌉ nodes. As in SVS's
//!   `generate_neighbors`, every node of a batch searches the graph as it stood when the batch
//!   began; the batch's new lists are written when the batch ends. Then back edges are added:
//!   appended while the target has fewer than R neighbours; a full target (even one that already
//!   has the edge, as SVS checks fullness first) collects the edge as overflow, and its list
//!   plus overflow is re-pruned to `prune_to` (R − 4 in Redis).
//!
//! The work is sequential and has no randomness, so a build is a pure function of the data and
//! the configuration (the index seed only feeds codec training). With
//! [`BuildConfig::prescreen`], threshold decisions that 16-bit row codes settle skip the f32
//! rows ([`crate::sketch`]); the graph is the same bit for bit. [`VamanaBuilder::step`] runs a
//! bounded number of nodes so callers can report progress and cancel between chunks.

use std::ops::Range;

use crate::control::BuildControl;
use crate::metric::Metric;
use crate::neighbor::Neighbor;
use crate::sketch::BuildSketch;
use crate::store::{QueryScorer, VectorStore};

use super::graph::{AddEdge, VamanaGraph};
use super::medoid::medoid;
use super::prune::{build_distance, robust_prune, score_ids, PruneScratch};
use super::search::{BuildTrace, SearchParams, VamanaSearcher};
use super::visited::VisitedSet;

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
    /// Decide most threshold comparisons from 16-bit codes first ([`crate::sketch`]): same
    /// graph, fewer f32 distances. Only uncompressed stores can be screened. On by default in
    /// WebAssembly, where it makes the netflix build 15–20 % faster; off natively, where the
    /// prefetched f32 rows already cost about what the codes do (measured: no gain).
    pub prescreen: bool,
}

/// Whether builds pre-screen unless told otherwise (see [`BuildConfig::prescreen`]).
pub const PRESCREEN_BY_DEFAULT: bool = cfg!(target_arch = "wasm32");

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
            prescreen: PRESCREEN_BY_DEFAULT,
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
    /// The builder's own share of the current batch is done and the batch waits for the lists
    /// of the nodes (or back-edge prunes) handed to another generator
    /// ([`VamanaBuildState::delegate`], [`VamanaBuildState::delegate_prunes`]).
    pub awaiting_lists: bool,
}

const PHASES: [&str; 2] = ["pass 1/2", "pass 2/2"];

/// Number of sequential batches for `n` nodes: max(40, ⌈n / 4096⌉).
pub fn batch_count(n: usize) -> usize {
    40usize.max(n.div_ceil(4096))
}

/// New neighbour lists for some nodes of a batch: node ids, and for each the end offset of
/// its list in `ids`. What a helper (another worker or thread) sends back for its share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchLists {
    pub nodes: Vec<u32>,
    pub ends: Vec<u32>,
    pub ids: Vec<u32>,
    /// Distances computed to generate these lists.
    pub distance_computations: u64,
}

impl BatchLists {
    fn push(&mut self, node: u32, list: &[u32]) {
        self.nodes.push(node);
        self.ids.extend_from_slice(list);
        self.ends.push(self.ids.len() as u32);
    }

    fn clear(&mut self) {
        self.nodes.clear();
        self.ends.clear();
        self.ids.clear();
        self.distance_computations = 0;
    }

    /// `(node, list)` pairs; a malformed entry (ends out of order or past `ids`) reads as an
    /// empty list (validated by [`VamanaBuildState::accept_lists`]).
    pub fn iter(&self) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        self.nodes
            .iter()
            .zip(&self.ends)
            .scan(0usize, |start, (&node, &end)| {
                let end = end as usize;
                let list = self.ids.get(*start..end).unwrap_or(&[]);
                *start = end;
                Some((node, list))
            })
    }
}

/// Back-edge prunes of a batch: the targets whose lists overflowed when the batch's back
/// edges were added, each with its candidates (the new sources first, then its current
/// neighbours). Every target's prune reads and writes only its own list, so any subset can be
/// pruned elsewhere (another worker or thread) with the same result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PruneSet {
    /// The pass's alpha (1.0 in the first pass).
    pub alpha: f32,
    pub targets: Vec<u32>,
    /// End offset of each target's candidates in `candidates`.
    pub ends: Vec<u32>,
    pub candidates: Vec<u32>,
}

impl PruneSet {
    fn clear(&mut self) {
        self.targets.clear();
        self.ends.clear();
        self.candidates.clear();
    }

    /// The candidates of target number `i` (empty when `i` or its offsets are out of range).
    fn candidates_of(&self, i: usize) -> &[u32] {
        let start = match i {
            0 => Some(0),
            _ => self.ends.get(i - 1).map(|&e| e as usize),
        };
        start
            .zip(self.ends.get(i))
            .and_then(|(start, &end)| self.candidates.get(start..end as usize))
            .unwrap_or(&[])
    }

    /// Targets `range` (by index; indexes past the end are skipped) as a set of their own.
    pub fn subset(&self, range: Range<usize>) -> PruneSet {
        let mut out = PruneSet {
            alpha: self.alpha,
            ..PruneSet::default()
        };
        for i in range.take_while(|&i| i < self.targets.len()) {
            out.targets.push(self.targets[i]);
            out.candidates.extend_from_slice(self.candidates_of(i));
            out.ends.push(out.candidates.len() as u32);
        }
        out
    }
}

/// Generates a node's new neighbour list against a graph snapshot: greedy search (full
/// history), candidate pool, robust prune. Owns only scratch space, so a helper can hold one
/// next to its own copy of the store and graph.
#[derive(Default)]
pub struct NeighborGenerator {
    searcher: VamanaSearcher,
    history: Vec<Neighbor>,
    pool: Vec<Neighbor>,
    pruned: Vec<u32>,
    edges: Vec<u32>,
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
    fn prune_target<S: VectorStore>(
        &mut self,
        store: &S,
        config: &BuildConfig,
        alpha: f32,
        target: u32,
        candidates: &[u32],
    ) -> usize {
        self.ensure_sketch(store, config);
        let two_level = store.is_two_level();
        let scorer = store.scorer_for_row(target);
        // Few rows (R plus the overflow): load them all at once.
        for &id in candidates {
            store.prefetch_vector(id);
        }
        self.pool.clear();
        score_ids(
            &scorer,
            candidates,
            !two_level,
            |s, id| build_distance(s, id, two_level),
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
    fn generate<S: VectorStore>(
        &mut self,
        store: &S,
        graph: &VamanaGraph,
        config: &BuildConfig,
        node: u32,
    ) -> usize {
        self.ensure_sketch(store, config);
        let two_level = store.is_two_level();
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

/// Why lists from another generator were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListsError {
    #[error("no nodes of this batch were handed out")]
    NotDelegated,
    #[error("expected lists for nodes {expected_start}..{expected_end}, got another set")]
    WrongNodes {
        expected_start: u32,
        expected_end: u32,
    },
    #[error("the list of node {node} is malformed (too long, or an id out of range)")]
    BadList { node: u32 },
    #[error("expected the lists of the {expected} back-edge prunes handed out, got another set")]
    WrongPrunes { expected: usize },
}

/// Checks that every list of `lists` is well formed: ends in order, at most `max_len` ids,
/// every id below `n`.
fn check_lists(lists: &BatchLists, max_len: usize, n: usize) -> Result<(), ListsError> {
    let mut start = 0usize;
    for (&node, &end) in lists.nodes.iter().zip(&lists.ends) {
        let end = end as usize;
        let ok = end >= start
            && end <= lists.ids.len()
            && end - start <= max_len
            && lists.ids[start..end].iter().all(|&id| (id as usize) < n);
        if !ok {
            return Err(ListsError::BadList { node });
        }
        start = end;
    }
    Ok(())
}

/// An in-progress build, independent of the store it is built over (every call that scores
/// takes the store): a worker can keep it between messages next to the store it owns. Use
/// [`VamanaBuilder`] for a build that runs in one go.
pub struct VamanaBuildState {
    config: BuildConfig,
    graph: VamanaGraph,
    pass: usize,
    next_node: usize,
    batch_start: usize,
    batch_size: usize,
    generator: NeighborGenerator,
    overflow: Vec<(u32, u32)>,
    /// New lists of the current batch, applied when it ends.
    updates: BatchLists,
    /// The tail of the current batch handed to other generators, and whether its lists
    /// arrived.
    delegated: Option<(Range<u32>, bool)>,
    /// Back-edge prunes of the current batch once its lists are in (see [`BackEdges`]).
    back_edges: Option<BackEdges>,
    spare_prunes: PruneSet,
    distance_computations: u64,
}

/// The back-edge stage of a batch: every target of `set`; targets `next..own_end` are still to
/// prune here, `own_end..` were handed out (`Some(received)`).
struct BackEdges {
    set: PruneSet,
    next: usize,
    own_end: usize,
    delegated: Option<bool>,
}

impl VamanaBuildState {
    /// Validates the configuration and picks the entry point.
    pub fn new<S: VectorStore>(store: &S, config: BuildConfig) -> Result<Self, VamanaError> {
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
            config,
            graph: VamanaGraph::empty(n, config.graph_max_degree, entry),
            pass: 0,
            next_node: 0,
            batch_start: 0,
            batch_size: n.div_ceil(batch_count(n)).max(1),
            generator: NeighborGenerator::new(),
            overflow: Vec::new(),
            updates: BatchLists::default(),
            delegated: None,
            back_edges: None,
            spare_prunes: PruneSet::default(),
            distance_computations: 0,
        })
    }

    pub fn config(&self) -> &BuildConfig {
        &self.config
    }

    /// The graph as it stands: during a batch, the graph every node of the batch searches.
    pub fn graph(&self) -> &VamanaGraph {
        &self.graph
    }

    /// The nodes of the current batch (`None` once the build is finished).
    pub fn current_batch(&self) -> Option<Range<u32>> {
        if self.pass >= 2 {
            return None;
        }
        let end = (self.batch_start + self.batch_size).min(self.graph.len());
        Some(self.batch_start as u32..end as u32)
    }

    /// Whether no node of the current batch has been generated or handed out yet.
    pub fn at_batch_start(&self) -> bool {
        self.pass < 2
            && self.next_node == self.batch_start
            && self.delegated.is_none()
            && self.back_edges.is_none()
    }

    /// The number of back-edge prunes of the current batch when none has been done or handed
    /// out yet (the moment to hand some out), else 0.
    pub fn back_edges_at_start(&self) -> usize {
        match &self.back_edges {
            Some(b) if b.next == 0 && b.delegated.is_none() => b.set.targets.len(),
            _ => 0,
        }
    }

    /// Hands the last `count` back-edge prunes of the batch to another generator
    /// ([`NeighborGenerator::prune_back_edges`]); the batch ends once
    /// [`accept_prunes`](Self::accept_prunes) has their lists.
    pub fn delegate_prunes(&mut self, count: usize) -> Result<PruneSet, ListsError> {
        let available = self.back_edges_at_start();
        let back_edges = self.back_edges.as_mut().ok_or(ListsError::NotDelegated)?;
        if count == 0 || count > available {
            return Err(ListsError::WrongPrunes {
                expected: available,
            });
        }
        back_edges.own_end = available - count;
        back_edges.delegated = Some(false);
        Ok(back_edges.set.subset(back_edges.own_end..available))
    }

    /// The handed-out back-edge prunes whose lists have not arrived, if any.
    pub fn delegated_prunes(&self) -> Option<PruneSet> {
        match &self.back_edges {
            Some(b) if b.delegated == Some(false) => {
                Some(b.set.subset(b.own_end..b.set.targets.len()))
            }
            _ => None,
        }
    }

    /// Takes the new lists of the handed-out back-edge prunes (in target order), after
    /// checking they are well formed.
    pub fn accept_prunes(&mut self, lists: &BatchLists) -> Result<(), ListsError> {
        let n = self.graph.len();
        let prune_to = self.config.prune_to;
        let Some(back_edges) = self.back_edges.as_mut() else {
            return Err(ListsError::NotDelegated);
        };
        if back_edges.delegated != Some(false) {
            return Err(ListsError::NotDelegated);
        }
        let expected = back_edges
            .set
            .targets
            .get(back_edges.own_end..)
            .unwrap_or(&[]);
        if lists.nodes != expected || lists.ends.len() != lists.nodes.len() {
            return Err(ListsError::WrongPrunes {
                expected: expected.len(),
            });
        }
        check_lists(lists, prune_to, n)?;
        for (target, list) in lists.iter() {
            self.graph.set_neighbors(target, list);
        }
        self.distance_computations += lists.distance_computations;
        back_edges.delegated = Some(true);
        Ok(())
    }

    /// Prunes the handed-out back edges here (a helper was lost).
    pub fn reclaim_prunes<S: VectorStore>(&mut self, store: &S) -> Result<(), ListsError> {
        let set = self.delegated_prunes().ok_or(ListsError::NotDelegated)?;
        let lists = self.prune_back_edges(store, &set);
        self.accept_prunes(&lists)
    }

    /// Prunes `set` here, with this build's settings.
    pub fn prune_back_edges<S: VectorStore>(&mut self, store: &S, set: &PruneSet) -> BatchLists {
        self.generator.prune_back_edges(store, &self.config, set)
    }

    /// Hands the nodes `nodes` (a tail of the current batch, not generated yet) to another
    /// generator: [`step`](Self::step) skips them, and the batch ends only once
    /// [`accept_lists`](Self::accept_lists) has their lists. Every node of a batch searches
    /// the graph of the batch start, so the result is the graph a serial build gives.
    pub fn delegate(&mut self, nodes: Range<u32>) -> Result<(), ListsError> {
        let batch = self.current_batch().ok_or(ListsError::NotDelegated)?;
        let valid = self.delegated.is_none()
            && nodes.start >= self.next_node as u32
            && nodes.start < nodes.end
            && nodes.end == batch.end;
        if !valid {
            return Err(ListsError::WrongNodes {
                expected_start: self.next_node as u32,
                expected_end: batch.end,
            });
        }
        self.delegated = Some((nodes, false));
        Ok(())
    }

    /// The handed-out nodes whose lists have not arrived, if any.
    pub fn delegated(&self) -> Option<Range<u32>> {
        match &self.delegated {
            Some((nodes, false)) => Some(nodes.clone()),
            _ => None,
        }
    }

    /// Takes the lists of the handed-out nodes (in node order, as
    /// [`NeighborGenerator::generate_lists`] returns them), after checking they are well formed.
    pub fn accept_lists(&mut self, lists: &BatchLists) -> Result<(), ListsError> {
        let Some((nodes, received @ false)) = &mut self.delegated else {
            return Err(ListsError::NotDelegated);
        };
        let expected: Vec<u32> = nodes.clone().collect();
        if lists.nodes != expected || lists.ends.len() != lists.nodes.len() {
            return Err(ListsError::WrongNodes {
                expected_start: nodes.start,
                expected_end: nodes.end,
            });
        }
        check_lists(lists, self.config.graph_max_degree, self.graph.len())?;
        for (node, list) in lists.iter() {
            self.updates.push(node, list);
        }
        self.distance_computations += lists.distance_computations;
        *received = true;
        Ok(())
    }

    /// Generates the lists of `nodes` here, against the graph of the batch start (for a share
    /// whose helper was lost).
    pub fn generate_lists<S: VectorStore>(&mut self, store: &S, nodes: Range<u32>) -> BatchLists {
        self.generator
            .generate_lists(store, &self.graph, &self.config, nodes)
    }

    /// Generates the lists of all handed-out nodes here (a helper was lost).
    pub fn reclaim<S: VectorStore>(&mut self, store: &S) -> Result<(), ListsError> {
        let nodes = self.delegated().ok_or(ListsError::NotDelegated)?;
        let lists = self.generate_lists(store, nodes);
        self.accept_lists(&lists)
    }

    /// Processes up to `max_nodes` nodes (at least one, unless it has to wait for handed-out
    /// lists) and reports where the build stands. With `stop_at_batch_end`, returns after
    /// finishing a batch so the caller can hand out part of the next one.
    pub fn step<S: VectorStore>(
        &mut self,
        store: &S,
        max_nodes: usize,
        stop_at_batch_end: bool,
    ) -> BuildProgress {
        let mut budget = max_nodes.max(1);
        while self.pass < 2 {
            let Some(batch) = self.current_batch() else {
                break;
            };
            if self.back_edges.is_some() {
                if self.prune_own_back_edges(store) {
                    let mut p = self.progress();
                    p.awaiting_lists = true;
                    return p;
                }
                self.end_batch(batch.end as usize);
                if stop_at_batch_end {
                    break;
                }
                continue;
            }
            let own_end = match &self.delegated {
                Some((nodes, _)) => nodes.start as usize,
                None => batch.end as usize,
            };
            if self.next_node < own_end {
                if budget == 0 {
                    break;
                }
                let node = self.next_node as u32;
                let computed = self
                    .generator
                    .generate(store, &self.graph, &self.config, node);
                self.distance_computations += computed as u64;
                self.updates.push(node, &self.generator.pruned);
                self.next_node += 1;
                budget -= 1;
                continue;
            }
            match self.delegated.take() {
                Some((nodes, false)) => {
                    self.delegated = Some((nodes, false));
                    let mut p = self.progress();
                    p.awaiting_lists = true;
                    return p;
                }
                Some((nodes, true)) => self.next_node = nodes.end as usize,
                None => {}
            }
            self.begin_back_edges(batch.start as usize, batch.end as usize);
            if stop_at_batch_end {
                // The caller may hand out some of the prunes first.
                break;
            }
        }
        self.progress()
    }

    /// Applies the batch's lists, adds its back edges, and collects the targets whose lists
    /// overflowed, with their candidates, for pruning.
    fn begin_back_edges(&mut self, start: usize, end: usize) {
        for (node, list) in self.updates.iter() {
            self.graph.set_neighbors(node, list);
        }
        self.updates.clear();
        let g = &mut self.generator;
        self.overflow.clear();
        for node in start as u32..end as u32 {
            g.edges.clear();
            g.edges.extend_from_slice(self.graph.neighbors(node));
            for &other in &g.edges {
                if self.graph.try_add_edge(other, node) == AddEdge::Full {
                    self.overflow.push((other, node));
                }
            }
        }
        self.overflow.sort_unstable();
        self.overflow.dedup();
        let mut set = std::mem::take(&mut self.spare_prunes);
        set.clear();
        set.alpha = if self.pass == 0 {
            1.0
        } else {
            self.config.alpha
        };
        let mut i = 0;
        while i < self.overflow.len() {
            let target = self.overflow[i].0;
            let mut j = i;
            while j < self.overflow.len() && self.overflow[j].0 == target {
                j += 1;
            }
            let sources = &self.overflow[i..j];
            set.targets.push(target);
            set.candidates
                .extend(sources.iter().map(|&(_, source)| source));
            for &id in self.graph.neighbors(target) {
                if !sources.iter().any(|&(_, s)| s == id) {
                    set.candidates.push(id);
                }
            }
            set.ends.push(set.candidates.len() as u32);
            i = j;
        }
        let targets = set.targets.len();
        self.back_edges = Some(BackEdges {
            set,
            next: 0,
            own_end: targets,
            delegated: None,
        });
    }

    /// Prunes the back-edge targets not handed out; returns whether handed-out ones are still
    /// missing.
    fn prune_own_back_edges<S: VectorStore>(&mut self, store: &S) -> bool {
        let Some(b) = self.back_edges.as_mut() else {
            return false;
        };
        while b.next < b.own_end {
            let target = b.set.targets[b.next];
            let candidates = b.set.candidates_of(b.next);
            let computed =
                self.generator
                    .prune_target(store, &self.config, b.set.alpha, target, candidates);
            self.distance_computations += computed as u64;
            self.graph.set_neighbors(target, &self.generator.pruned);
            b.next += 1;
        }
        b.delegated == Some(false)
    }

    /// Moves to the next batch or pass.
    fn end_batch(&mut self, end: usize) {
        self.batch_start = end;
        if let Some(b) = self.back_edges.take() {
            // Its buffers serve the next batch.
            self.spare_prunes = b.set;
        }
        if end >= self.graph.len() {
            self.pass += 1;
            self.next_node = 0;
            self.batch_start = 0;
        }
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
                awaiting_lists: false,
            }
        } else {
            BuildProgress {
                phase: PHASES[self.pass],
                done: self.next_node,
                total: n,
                finished: false,
                awaiting_lists: false,
            }
        }
    }

    /// Distances computed so far (search, pool and pruning), including handed-out nodes.
    pub fn distance_computations(&self) -> u64 {
        self.distance_computations
    }

    /// The graph (complete once [`BuildProgress::finished`]).
    pub fn finish(self) -> VamanaGraph {
        self.graph
    }
}

/// A build over a borrowed store that runs in one go, a chunk of nodes per
/// [`step`](Self::step).
pub struct VamanaBuilder<'s, S: VectorStore> {
    store: &'s S,
    state: VamanaBuildState,
}

impl<'s, S: VectorStore> VamanaBuilder<'s, S> {
    /// Validates the configuration and picks the entry point.
    pub fn new(store: &'s S, config: BuildConfig) -> Result<Self, VamanaError> {
        Ok(Self {
            store,
            state: VamanaBuildState::new(store, config)?,
        })
    }

    /// Processes up to `max_nodes` nodes (at least one) and reports where the build stands.
    pub fn step(&mut self, max_nodes: usize) -> BuildProgress {
        self.state.step(self.store, max_nodes, false)
    }

    /// The current progress without doing work.
    pub fn progress(&self) -> BuildProgress {
        self.state.progress()
    }

    /// Distances computed so far (search, pool and pruning).
    pub fn distance_computations(&self) -> u64 {
        self.state.distance_computations()
    }

    /// The graph as it stands (complete once [`BuildProgress::finished`]).
    pub fn finish(self) -> VamanaGraph {
        self.state.finish()
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
