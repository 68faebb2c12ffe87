//! The built HNSW index and its queries.

use super::access::HnswStore;
use super::graph::Graph;
use super::heap::Far;
use super::memory::{document_bytes, redis_index_bytes_estimate};
use super::search::{greedy_descent, Beam, BeamBuffers, RangeWalk, SearchScratch};
use super::{HnswError, HnswParams};
use crate::distance;
use crate::memory::MemoryBreakdown;
use crate::neighbor::Neighbor;

/// An HNSW graph over a vector store `S` (monomorphised per element type).
pub struct Hnsw<S: HnswStore> {
    store: S,
    params: HnswParams,
    graph: Graph,
}

/// Hits of one query, nearest first, and the number of distances it computed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HnswHits {
    pub hits: Vec<Neighbor>,
    pub distance_computations: usize,
}

impl<S: HnswStore> Hnsw<S> {
    pub(crate) fn from_parts(store: S, params: HnswParams, graph: Graph) -> Self {
        Self {
            store,
            params,
            graph,
        }
    }

    pub fn params(&self) -> &HnswParams {
        &self.params
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Indexed vectors.
    pub fn len(&self) -> usize {
        self.graph.len()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.len() == 0
    }

    /// The entry point (a node of the top level), `None` when empty.
    pub fn entry_point(&self) -> Option<u32> {
        self.graph.entry()
    }

    /// The top level of the graph.
    pub fn max_level(&self) -> usize {
        self.graph.max_level()
    }

    /// The level drawn for node `id`.
    pub fn level_of(&self, id: u32) -> usize {
        self.graph.level_of(id)
    }

    /// Links of node `id` at `level` (empty when it does not reach that level).
    pub fn neighbors(&self, id: u32, level: usize) -> &[u32] {
        self.graph.neighbors(id, level)
    }

    /// Fresh search buffers sized for this index.
    pub fn new_scratch(&self) -> SearchScratch {
        let mut s = SearchScratch::new();
        s.beam.visited.reset(self.len());
        s
    }

    /// Copies `query` into the scratch and normalises it for COSINE.
    fn prepare_query(&self, query: &[f32], scratch: &mut SearchScratch) -> Result<(), HnswError> {
        if query.len() != self.store.dim() {
            return Err(HnswError::QueryDimension {
                expected: self.store.dim(),
                got: query.len(),
            });
        }
        scratch.query.clear();
        scratch.query.extend_from_slice(query);
        if self.store.metric().normalizes() && !distance::normalize(&mut scratch.query) {
            return Err(HnswError::QueryNotNormalizable);
        }
        Ok(())
    }

    /// The `k` nearest stored rows to the raw `query` (normalised inside for COSINE), searched
    /// with a level-0 beam of max(`ef_runtime`, k) after a greedy descent through the upper
    /// levels.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        ef_runtime: usize,
        scratch: &mut SearchScratch,
    ) -> Result<HnswHits, HnswError> {
        if k == 0 {
            return Err(HnswError::ZeroK);
        }
        self.prepare_query(query, scratch)?;
        let Some(entry) = self.graph.entry() else {
            return Ok(HnswHits::default());
        };
        let ef = HnswParams::effective_ef_runtime(ef_runtime, k);
        let SearchScratch { beam, query } = scratch;
        let store = &self.store;
        let q: &[f32] = query;
        let mut dist = |id: u32| store.distance_from(q, id);
        let prefetch = |id: u32| store.prefetch(id);
        let mut count = 1;
        let start = Neighbor::new(entry, dist(entry));
        let start = greedy_descent(
            &self.graph,
            start,
            self.graph.max_level(),
            0,
            &mut dist,
            &mut count,
        );
        beam.visited.reset(self.graph.len());
        count += Beam { ef, bufs: beam }.search_level(
            &self.graph,
            0,
            start,
            // Queries score one neighbour at a time (the pair kernel, as everywhere at query
            // time).
            &mut |ids: &[u32], out: &mut Vec<f32>| {
                out.extend(ids.iter().map(|&id| store.distance_from(q, id)))
            },
            &prefetch,
        );
        while beam.results.len() > k {
            beam.results.pop();
        }
        let mut hits: Vec<Neighbor> = beam.results.drain().map(|Far(c)| c).collect();
        hits.sort_unstable_by(Neighbor::cmp_by_distance);
        Ok(HnswHits {
            hits,
            distance_computations: count,
        })
    }

    /// Every stored row within `radius` of `query` that the epsilon walk reaches (VecSim's
    /// HNSW range query), nearest first. `epsilon` must be finite and ≥ 0; see
    /// [`super::search`] for its meaning.
    pub fn range_search(
        &self,
        query: &[f32],
        radius: f32,
        epsilon: f64,
        scratch: &mut SearchScratch,
    ) -> Result<HnswHits, HnswError> {
        if !(epsilon.is_finite() && epsilon >= 0.0) {
            return Err(HnswError::InvalidRuntimeValue {
                name: "EPSILON",
                value: epsilon.to_string(),
            });
        }
        self.prepare_query(query, scratch)?;
        let Some(entry) = self.graph.entry() else {
            return Ok(HnswHits::default());
        };
        let SearchScratch { beam, query } = scratch;
        let BeamBuffers {
            visited,
            candidates,
            ..
        } = beam;
        let store = &self.store;
        let q: &[f32] = query;
        let mut dist = |id: u32| store.distance_from(q, id);
        let mut count = 1;
        let start = Neighbor::new(entry, dist(entry));
        let start = greedy_descent(
            &self.graph,
            start,
            self.graph.max_level(),
            0,
            &mut dist,
            &mut count,
        );
        visited.reset(self.graph.len());
        let mut found = Vec::new();
        count += RangeWalk {
            radius,
            epsilon,
            visited,
            candidates,
        }
        .run(&self.graph, start, &mut dist, &mut found);
        let mut hits: Vec<Neighbor> = found.into_iter().collect();
        hits.sort_unstable_by(Neighbor::cmp_by_distance);
        Ok(HnswHits {
            hits,
            distance_computations: count,
        })
    }

    /// Exact bytes of our structures: vectors (the store), graph (level-0 block, upper-level
    /// lists, per-node level and upper-list offsets) and other (one search scratch's visited
    /// tags, 2 bytes per node, which every searcher needs).
    pub fn memory(&self) -> MemoryBreakdown {
        MemoryBreakdown {
            vector_bytes: self.store.vector_bytes(),
            graph_bytes: self.graph.bytes(),
            other_bytes: (self.len() * std::mem::size_of::<u16>()) as u64,
        }
    }

    /// What Redis's `vector_index_sz_mb` would report (see [`redis_index_bytes_estimate`]).
    pub fn redis_index_bytes_estimate(&self) -> u64 {
        redis_index_bytes_estimate(
            self.len() as u64,
            self.store.dim() as u64,
            self.store.element_type(),
            self.params.m as u64,
        )
    }

    /// Raw vector blobs the HASH documents keep (not part of the index).
    pub fn document_bytes(&self) -> u64 {
        document_bytes(
            self.len() as u64,
            self.store.dim() as u64,
            self.store.element_type(),
        )
    }
}
