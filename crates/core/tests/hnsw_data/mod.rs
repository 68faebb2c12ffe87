//! Loaders for the shared evaluation sets (`../shared/data`), used by the HNSW tests, the
//! `hnsw_table` example and the benches. Minimal readers: NumPy v1/v2 `.npy` (little-endian
//! `<f4`/`<i4`, C order) and TEXMEX `fvecs`/`ivecs`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A base/query/ground-truth triple.
pub struct Dataset {
    pub name: &'static str,
    pub dim: usize,
    pub base: Vec<f32>,
    pub queries: Vec<f32>,
    /// Exact neighbour ids per query, nearest first.
    pub truth: Vec<Vec<u32>>,
    pub metric: annlab_core::Metric,
}

impl Dataset {
    pub fn base_rows(&self) -> usize {
        self.base.len() / self.dim
    }

    pub fn query_rows(&self) -> usize {
        self.queries.len() / self.dim
    }

    pub fn query(&self, q: usize) -> &[f32] {
        &self.queries[q * self.dim..(q + 1) * self.dim]
    }
}

/// `/work/shared/data` or `../shared/data` relative to the workspace root, when present.
pub fn data_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("ANNLAB_DATA").map(PathBuf::from),
        Some(manifest.join("../../../shared/data")),
        Some(PathBuf::from("/work/shared/data")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("siftsmall").is_dir())
}

fn read_npy(path: &Path) -> (Vec<usize>, String, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{}", path.display());
    let (header_len, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        )
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).unwrap();
    assert!(header.contains("'fortran_order': False"), "{header}");
    let descr = header.split("'descr':").nth(1).unwrap();
    let descr = descr.split('\'').nth(1).unwrap().to_string();
    let shape = header.split("'shape':").nth(1).unwrap();
    let shape = &shape[shape.find('(').unwrap() + 1..shape.find(')').unwrap()];
    let shape = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (shape, descr, bytes[start + header_len..].to_vec())
}

fn le_f32(raw: &[u8]) -> Vec<f32> {
    raw.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn le_i32(raw: &[u8]) -> Vec<i32> {
    raw.chunks_exact(4)
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn npy_f32(path: &Path) -> (usize, Vec<f32>) {
    let (shape, descr, raw) = read_npy(path);
    assert_eq!(descr, "<f4", "{}", path.display());
    (shape[1], le_f32(&raw))
}

fn npy_i32_rows(path: &Path) -> Vec<Vec<u32>> {
    let (shape, descr, raw) = read_npy(path);
    assert_eq!(descr, "<i4", "{}", path.display());
    le_i32(&raw)
        .chunks(shape[1])
        .map(|r| r.iter().map(|&x| x as u32).collect())
        .collect()
}

/// TEXMEX vectors: per row an int32 dimension followed by that many 4-byte values.
fn vecs_rows(path: &Path) -> (usize, Vec<Vec<u8>>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let d = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let rows = bytes
        .chunks_exact(4 + 4 * d)
        .map(|r| r[4..].to_vec())
        .collect();
    (d, rows)
}

pub fn netflix(dir: &Path) -> Dataset {
    let d = dir.join("netflix-minilm");
    let (dim, base) = npy_f32(&d.join("netflix_minilm384_base.npy"));
    let (_, queries) = npy_f32(&d.join("netflix_minilm384_query.npy"));
    let truth = npy_i32_rows(&d.join("netflix_minilm384_gt_top100.npy"));
    Dataset {
        name: "netflix-minilm",
        dim,
        base,
        queries,
        truth,
        metric: annlab_core::Metric::Cosine,
    }
}

/// The seeded 50k × 384 COSINE set `bench/synth/make.py` writes (`bench/out/synth50k`, or
/// `ANNLAB_SYNTH_DIR`).
pub fn synth50k() -> Dataset {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let d = std::env::var_os("ANNLAB_SYNTH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../bench/out/synth50k"));
    let (dim, base) = npy_f32(&d.join("synth_base.npy"));
    let (_, queries) = npy_f32(&d.join("synth_query.npy"));
    let truth = npy_i32_rows(&d.join("synth_gt_top100.npy"));
    Dataset {
        name: "synth50k",
        dim,
        base,
        queries,
        truth,
        metric: annlab_core::Metric::Cosine,
    }
}

pub fn siftsmall(dir: &Path) -> Dataset {
    let d = dir.join("siftsmall");
    let (dim, base) = vecs_rows(&d.join("siftsmall_base.fvecs"));
    let (_, queries) = vecs_rows(&d.join("siftsmall_query.fvecs"));
    let (_, truth) = vecs_rows(&d.join("siftsmall_groundtruth.ivecs"));
    Dataset {
        name: "siftsmall",
        dim,
        base: base.iter().flat_map(|r| le_f32(r)).collect(),
        queries: queries.iter().flat_map(|r| le_f32(r)).collect(),
        truth: truth
            .iter()
            .map(|r| le_i32(r).into_iter().map(|x| x as u32).collect())
            .collect(),
        metric: annlab_core::Metric::L2,
    }
}

/// Mean recall@k: |returned[..k] ∩ truth[..k]| / k.
pub fn recall(returned: &[Vec<u32>], truth: &[Vec<u32>], k: usize) -> f64 {
    let total: f64 = returned
        .iter()
        .zip(truth)
        .map(|(r, t)| r.iter().take(k).filter(|id| t[..k].contains(id)).count() as f64 / k as f64)
        .sum();
    total / returned.len() as f64
}
