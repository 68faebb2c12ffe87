//! The batch state of a build: passes, batches, the lists handed out and back edges, advanced
//! a bounded number of nodes per step.

use std::ops::Range;

use crate::control::BuildControl;
use crate::store::VectorStore;

use super::super::graph::{AddEdge, VamanaGraph};
use super::super::medoid::{medoid, medoid_of_first};
use super::generate::NeighborGenerator;
use super::handout::{check_lists, BatchLists, ListsError, PruneSet};
use super::{batch_count, BuildConfig, VamanaError};

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

/// Phase names: the two passes over the first block (every row when batched), then the
/// one-at-a-time insertions of an incremental build.
const PHASES: [&str; 3] = ["pass 1/2", "pass 2/2", "inserting"];

/// An in-progress build, independent of the store it is built over (every call that scores
/// takes the store): a worker can keep it between messages next to the store it owns. Use
/// [`VamanaBuilder`] for a build that runs in one go.
pub struct VamanaBuildState {
    config: BuildConfig,
    graph: VamanaGraph,
    /// Rows of the two-pass batched build (all of them unless insertion is incremental).
    first_block: usize,
    /// 0 and 1: the passes over the first block; 2: single insertions; `passes()`: done.
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
        let first_block = config.insertion.first_block(n);
        // SVS picks the entry point over the rows of its first build and keeps it.
        let entry = if first_block >= n {
            medoid(store)
        } else {
            medoid_of_first(store, first_block)
        }
        .ok_or(VamanaError::Empty)?;
        Ok(Self {
            config,
            graph: VamanaGraph::empty(n, config.graph_max_degree, entry),
            first_block,
            pass: 0,
            next_node: 0,
            batch_start: 0,
            batch_size: first_block.div_ceil(batch_count(first_block)).max(1),
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

    /// Number of phases: the two passes, plus the insertions when some rows come later.
    fn passes(&self) -> usize {
        if self.first_block < self.graph.len() {
            3
        } else {
            2
        }
    }

    /// The node range the current pass covers.
    fn pass_range(&self) -> Range<usize> {
        if self.pass < 2 {
            0..self.first_block
        } else {
            self.first_block..self.graph.len()
        }
    }

    /// The nodes of the current batch (`None` once the build is finished).
    pub fn current_batch(&self) -> Option<Range<u32>> {
        if self.pass >= self.passes() {
            return None;
        }
        let end = (self.batch_start + self.batch_size).min(self.pass_range().end);
        Some(self.batch_start as u32..end as u32)
    }

    /// Whether no node of the current batch has been generated or handed out yet.
    pub fn at_batch_start(&self) -> bool {
        self.pass < self.passes()
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
        while self.pass < self.passes() {
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
        if end >= self.pass_range().end {
            self.pass += 1;
            if self.pass == 2 {
                // Incremental: every later row is a batch of its own (SVS `add_points` of 1).
                self.batch_size = 1;
            }
            let start = self.pass_range().start;
            self.next_node = start;
            self.batch_start = start;
        }
    }

    /// The current progress without doing work.
    pub fn progress(&self) -> BuildProgress {
        let n = self.graph.len();
        if self.pass >= self.passes() {
            BuildProgress {
                phase: PHASES[self.passes() - 1],
                done: n,
                total: n,
                finished: true,
                awaiting_lists: false,
            }
        } else {
            let range = self.pass_range();
            BuildProgress {
                phase: PHASES[self.pass.min(2)],
                done: self.next_node - range.start,
                total: range.len(),
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
