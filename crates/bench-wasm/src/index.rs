//! Built indexes kept between calls, for the hnswlib-wasm race page (`bench/race/`) and the
//! wasm/native parity bench (`bench/parity.sh`).
//!
//! The host builds an index once, then searches it one query at a time. The Rust functions
//! here are what both sides run: the wasm exports in `lib.rs` wrap them, and the native
//! example `parity_native` calls them directly, so the only difference is the compiler target.
//! Timing is the caller's (the page's `performance.now()`, Node's, or `Instant`).

use annlab_core::hnsw::{AnyHnsw, HnswParams, SearchScratch};
use annlab_core::svs::{Compression, SvsIndex, SvsParams, SvsRuntime, Target};
use annlab_core::vamana::VamanaSearcher;
use annlab_core::{Matrix, Metric, NoControl};

/// An HNSW index (FLOAT32) with its search scratch.
pub struct HnswBench {
    index: AnyHnsw,
    scratch: SearchScratch,
}

impl HnswBench {
    /// Builds with `m` and `ef_construction` (the Redis level seed); `None` on bad input.
    pub fn build(base: &Matrix, metric: Metric, m: usize, ef_construction: usize) -> Option<Self> {
        let params = HnswParams {
            m,
            ef_construction,
            ..HnswParams::default()
        };
        let index = AnyHnsw::build(base, metric, params, &mut NoControl).ok()?;
        let scratch = index.new_scratch();
        Some(Self { index, scratch })
    }

    /// Writes the ids of the `k` nearest rows (best first) into `out` and returns how many.
    pub fn search(&mut self, query: &[f32], k: usize, ef: usize, out: &mut [u32]) -> usize {
        match self.index.search(query, k, ef, &mut self.scratch) {
            Ok(found) => fill(found.hits.iter().map(|h| h.id), out),
            Err(_) => 0,
        }
    }
}

/// The codecs the parity and codec-build tables use (FP32 = uncompressed).
pub fn codec(code: u32) -> Option<Option<Compression>> {
    match code {
        0 => Some(None),
        1 => Some(Some(Compression::Lvq8)),
        2 => Some(Some(Compression::Lvq4x8)),
        3 => Some(Some(Compression::LeanVec4x8)),
        _ => None,
    }
}

/// An SVS-VAMANA index as the app builds it (Intel target, Redis build settings) with a
/// searcher.
pub struct SvsBench {
    index: SvsIndex,
    searcher: VamanaSearcher,
}

impl SvsBench {
    /// Builds with GRAPH_MAX_DEGREE `r`, CONSTRUCTION_WINDOW_SIZE `l` and `compression`.
    pub fn build(
        base: &Matrix,
        metric: Metric,
        r: usize,
        l: usize,
        compression: Option<Compression>,
    ) -> Option<Self> {
        let params = SvsParams {
            graph_max_degree: r,
            construction_window_size: l,
            compression,
            ..SvsParams::default()
        };
        let index = SvsIndex::build(base, metric, &params, Target::Intel, &mut NoControl).ok()?;
        Some(Self {
            index,
            searcher: VamanaSearcher::new(),
        })
    }

    /// Like [`HnswBench::search`], with SEARCH_WINDOW_SIZE `window`.
    pub fn search(&mut self, query: &[f32], k: usize, window: usize, out: &mut [u32]) -> usize {
        let runtime = SvsRuntime {
            search_window_size: Some(window),
            ..SvsRuntime::default()
        };
        match self.index.search(&mut self.searcher, query, k, &runtime) {
            Ok((hits, _)) => fill(hits.iter().map(|h| h.id), out),
            Err(_) => 0,
        }
    }
}

/// Scores every query against every base row with the pair kernel a graph search uses (one
/// query row against one stored row) and returns the sum, so the work cannot be skipped. It
/// isolates the kernel's cost on each target from the graph walk around it.
pub fn pair_scan(base: &Matrix, queries: &Matrix, metric: Metric) -> f32 {
    let kernel = if metric == Metric::L2 {
        annlab_core::distance::l2sq
    } else {
        annlab_core::distance::dot
    };
    let mut sum = 0.0f32;
    for q in queries.iter_rows() {
        for row in base.iter_rows() {
            sum += kernel(q, row);
        }
    }
    sum
}

fn fill(ids: impl Iterator<Item = u32>, out: &mut [u32]) -> usize {
    let mut n = 0;
    for (slot, id) in out.iter_mut().zip(ids) {
        *slot = id;
        n += 1;
    }
    n
}

/// Either kind, behind one handle.
pub enum Bench {
    Hnsw(HnswBench),
    Svs(SvsBench),
}

impl Bench {
    /// `param` is EF_RUNTIME for HNSW and SEARCH_WINDOW_SIZE for SVS.
    pub fn search(&mut self, query: &[f32], k: usize, param: usize, out: &mut [u32]) -> usize {
        match self {
            Bench::Hnsw(h) => h.search(query, k, param, out),
            Bench::Svs(s) => s.search(query, k, param, out),
        }
    }

    /// Searches every row of `queries` in turn, one at a time, writing `k` ids per query into
    /// `out` (unfilled slots keep their value). Returns the number of ids written.
    pub fn search_all(
        &mut self,
        queries: &Matrix,
        k: usize,
        param: usize,
        out: &mut [u32],
    ) -> usize {
        let mut written = 0;
        for (q, slots) in queries.iter_rows().zip(out.chunks_mut(k.max(1))) {
            written += self.search(q, k, param, slots);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_core::rng;

    #[test]
    fn both_kinds_find_a_stored_row_first() {
        let base = Matrix::new(16, rng::synthetic_clustered(300, 16, 4, 1)).unwrap();
        let queries = Matrix::new(16, base.row(7).to_vec()).unwrap();
        let mut hnsw = Bench::Hnsw(HnswBench::build(&base, Metric::L2, 8, 50).unwrap());
        let mut svs = Bench::Svs(SvsBench::build(&base, Metric::L2, 16, 50, None).unwrap());
        for b in [&mut hnsw, &mut svs] {
            let mut out = [u32::MAX; 10];
            assert_eq!(b.search_all(&queries, 10, 20, &mut out), 10);
            assert_eq!(out[0], 7);
        }
        assert!(codec(4).is_none());
    }
}
