//! Incremental construction in row order, in caller-sized chunks (so a Web Worker can report
//! progress and stop between chunks).
//!
//! Each insert follows hnswlib/VecSim: draw the level ⌊−ln U / ln M⌋ from the seeded ChaCha8
//! stream, descend greedily (ef = 1) to that level, then on every level from there down to 0
//! run a beam of max(EF_CONSTRUCTION, M), keep M neighbours with heuristic 2, link both ways,
//! and re-prune any neighbour list that overflows (M on upper levels, M0 = 2M on level 0)
//! with the same heuristic.

use rand::Rng;

use super::access::HnswStore;
use super::graph::Graph;
use super::heap::Far;
use super::index::Hnsw;
use super::search::{greedy_descent, Beam, BeamBuffers};

use super::{HnswError, HnswParams};
use crate::control::{BuildControl, Cancelled};
use crate::neighbor::Neighbor;
use crate::rng::{seeded, SeededRng};

/// Rows inserted between two progress reports of [`Hnsw::build`].
pub const PROGRESS_CHUNK: usize = 512;

/// Builds an [`Hnsw`] a chunk at a time.
pub struct HnswBuilder<S: HnswStore> {
    store: S,
    params: HnswParams,
    graph: Graph,
    rng: SeededRng,
    next: usize,
    scratch: BuildScratch,
}

/// Buffers reused by every insert.
#[derive(Default)]
struct BuildScratch {
    beam: BeamBuffers,
    /// Beam results sorted nearest first.
    sorted: Vec<Neighbor>,
    /// Neighbours kept by the heuristic.
    kept: Vec<Neighbor>,
    /// Re-prune candidates of an overflowing list.
    overflow: Vec<Neighbor>,
    overflow_kept: Vec<Neighbor>,
    /// Decoded rows (only used by FP16/BF16 stores).
    query_row: Vec<f32>,
    heuristic_row: Vec<f32>,
}

impl<S: HnswStore> HnswBuilder<S> {
    /// Validates `params` (as Redis/VecSim would) and prepares an empty graph over `store`.
    pub fn new(store: S, params: HnswParams) -> Result<Self, HnswError> {
        params.validate()?;
        let n = store.len();
        if n >= u32::MAX as usize {
            return Err(HnswError::TooManyVectors { len: n });
        }
        let graph = Graph::new(n, params.m, params.m0());
        let mut scratch = BuildScratch::default();
        scratch.beam.visited.reset(n);
        Ok(Self {
            rng: seeded(params.seed),
            store,
            params,
            graph,
            next: 0,
            scratch,
        })
    }

    /// `(inserted, total)` rows.
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.store.len())
    }

    pub fn is_finished(&self) -> bool {
        self.next >= self.store.len()
    }

    /// Inserts up to `max_items` further rows; returns how many were inserted (0 when done).
    pub fn insert_next(&mut self, max_items: usize) -> usize {
        let end = self.next.saturating_add(max_items).min(self.store.len());
        let count = end - self.next;
        while self.next < end {
            self.insert(self.next as u32);
            self.next += 1;
        }
        count
    }

    /// Inserts any rows still missing and returns the index.
    pub fn finish(mut self) -> Hnsw<S> {
        self.insert_next(usize::MAX);
        self.graph.shrink();
        Hnsw::from_parts(self.store, self.params, self.graph)
    }

    /// ⌊−ln U · 1/ln M⌋ with U in (0, 1], so U = 0 cannot occur.
    fn draw_level(&mut self) -> usize {
        let u = 1.0 - self.rng.random::<f64>();
        let level = (-u.ln() * self.params.level_multiplier()).floor();
        // Far beyond any reachable level (P = M^-200); keeps the u8 level bookkeeping exact.
        level.clamp(0.0, 200.0) as usize
    }

    fn insert(&mut self, id: u32) {
        let level = self.draw_level();
        self.graph.add_node(id, level);
        let Some(entry) = self.graph.entry() else {
            self.graph.set_entry(id, level);
            return;
        };
        let max_level = self.graph.max_level();
        let ef = self.params.effective_ef_construction();
        let m = self.params.m;

        let Self {
            store,
            graph,
            scratch,
            ..
        } = self;
        let BuildScratch {
            beam,
            sorted,
            kept,
            overflow,
            overflow_kept,
            query_row,
            heuristic_row,
        } = scratch;
        let store: &S = store;
        let query = store.row_f32(id, query_row);
        let mut dist = |other: u32| store.distance_from(query, other);
        let prefetch = |other: u32| store.prefetch(other);
        let mut count = 0usize;

        let mut cur = Neighbor::new(entry, dist(entry));
        cur = greedy_descent(graph, cur, max_level, level, &mut dist, &mut count);

        for lev in (0..=level.min(max_level)).rev() {
            beam.visited.reset(graph.len());
            // The build does not count its distances (only queries report them).
            Beam { ef, bufs: beam }.search_level(
                graph,
                lev,
                cur,
                &mut |ids: &[u32], out: &mut Vec<f32>| store.distances_from(query, ids, out),
                &prefetch,
            );
            sorted.clear();
            sorted.extend(beam.results.drain().map(|Far(c)| c));
            sorted.sort_unstable_by(Neighbor::cmp_by_distance);
            select_heuristic(store, sorted, m, kept, heuristic_row);
            if let Some(&closest) = kept.first() {
                cur = closest;
            }
            graph.set_neighbors(id, lev, kept.iter().map(|c| c.id));
            let cap = graph.capacity_at(lev);
            for &nb in kept.iter() {
                if graph.try_push(nb.id, lev, id) {
                    continue;
                }
                // `nb`'s list is full: re-select among its links plus the new node, measured
                // from `nb`.
                let nb_row = store.row_f32(nb.id, heuristic_row);
                overflow.clear();
                overflow.push(Neighbor::new(id, nb.distance));
                overflow.extend(
                    graph
                        .neighbors(nb.id, lev)
                        .iter()
                        .map(|&x| Neighbor::new(x, store.distance_from(nb_row, x))),
                );
                overflow.sort_unstable_by(Neighbor::cmp_by_distance);
                select_heuristic(store, overflow, cap, overflow_kept, heuristic_row);
                graph.set_neighbors(nb.id, lev, overflow_kept.iter().map(|c| c.id));
            }
        }
        if level > max_level {
            graph.set_entry(id, level);
        }
    }
}

/// hnswlib's heuristic 2 over `sorted` (nearest first, distances to the base point): keep a
/// candidate unless it is closer to an already kept neighbour than to the base point; stop at
/// `m`. With fewer than `m` candidates all are kept, as in hnswlib.
fn select_heuristic<S: HnswStore>(
    store: &S,
    sorted: &[Neighbor],
    m: usize,
    kept: &mut Vec<Neighbor>,
    row_buf: &mut Vec<f32>,
) {
    kept.clear();
    if sorted.len() <= m {
        kept.extend_from_slice(sorted);
        return;
    }
    for &c in sorted {
        if kept.len() >= m {
            break;
        }
        let row = store.row_f32(c.id, row_buf);
        let diverse = kept
            .iter()
            .all(|k| store.distance_from(row, k.id) >= c.distance);
        if diverse {
            kept.push(c);
        }
    }
}

impl<S: HnswStore> Hnsw<S> {
    /// Builds the whole index, reporting `("insert", done, total)` to `control` every
    /// [`PROGRESS_CHUNK`] rows; stops with [`HnswError::Cancelled`] when it returns `false`.
    pub fn build(
        store: S,
        params: HnswParams,
        control: &mut dyn BuildControl,
    ) -> Result<Self, HnswError> {
        let mut builder = HnswBuilder::new(store, params)?;
        let total = builder.progress().1;
        if !control.progress("insert", 0, total) {
            return Err(Cancelled.into());
        }
        while !builder.is_finished() {
            builder.insert_next(PROGRESS_CHUNK);
            if !control.progress("insert", builder.progress().0, total) {
                return Err(Cancelled.into());
            }
        }
        Ok(builder.finish())
    }
}
