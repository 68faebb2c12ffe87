//! Minimal readers for the shared evaluation data (tests and examples only; the formats crate
//! owns the real parsers). Returns `None` when the data directory is absent.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use annlab_core::{Matrix, Metric};

/// A loaded data set: base, queries, exact top-k ids per query.
pub struct Dataset {
    pub name: &'static str,
    pub base: Matrix,
    pub queries: Matrix,
    pub truth: Vec<Vec<u32>>,
    pub metric: Metric,
}

/// `../shared/data` relative to the repo root, or `/work/shared/data`.
pub fn data_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("../../../shared/data"),
        PathBuf::from("/work/shared/data"),
    ];
    candidates.into_iter().find(|p| p.is_dir())
}

fn read_vecs(path: &PathBuf) -> Option<(usize, Vec<[u8; 4]>)> {
    let bytes = std::fs::read(path).ok()?;
    let d = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let stride = 4 + 4 * d;
    let mut out = Vec::with_capacity(bytes.len() / 4);
    for rec in bytes.chunks_exact(stride) {
        for c in rec[4..].chunks_exact(4) {
            out.push([c[0], c[1], c[2], c[3]]);
        }
    }
    Some((d, out))
}

fn read_npy(path: &PathBuf) -> Option<(Vec<usize>, Vec<[u8; 4]>)> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.get(0..6)? != b"\x93NUMPY" {
        return None;
    }
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(bytes.get(10..10 + header_len)?).ok()?;
    let shape_start = header.find("'shape': (")? + 10;
    let shape_end = shape_start + header[shape_start..].find(')')?;
    let shape: Vec<usize> = header[shape_start..shape_end]
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let data = bytes[10 + header_len..]
        .chunks_exact(4)
        .map(|c| [c[0], c[1], c[2], c[3]])
        .collect();
    Some((shape, data))
}

fn to_f32(v: &[[u8; 4]]) -> Vec<f32> {
    v.iter().map(|b| f32::from_le_bytes(*b)).collect()
}

fn to_rows(v: &[[u8; 4]], cols: usize, k: usize) -> Vec<Vec<u32>> {
    v.chunks_exact(cols)
        .map(|r| {
            r.iter()
                .take(k)
                .map(|b| i32::from_le_bytes(*b) as u32)
                .collect()
        })
        .collect()
}

pub fn siftsmall() -> Option<Dataset> {
    let dir = data_dir()?.join("siftsmall");
    let (d, base) = read_vecs(&dir.join("siftsmall_base.fvecs"))?;
    let (_, queries) = read_vecs(&dir.join("siftsmall_query.fvecs"))?;
    let (gd, gt) = read_vecs(&dir.join("siftsmall_groundtruth.ivecs"))?;
    Some(Dataset {
        name: "siftsmall",
        base: Matrix::new(d, to_f32(&base)).ok()?,
        queries: Matrix::new(d, to_f32(&queries)).ok()?,
        truth: to_rows(&gt, gd, 100),
        metric: Metric::L2,
    })
}

pub fn netflix() -> Option<Dataset> {
    let dir = data_dir()?.join("netflix-minilm");
    let files = [
        "netflix_minilm384_base.npy",
        "netflix_minilm384_query.npy",
        "netflix_minilm384_gt_top100.npy",
    ];
    npy_set(&dir, files, "netflix-minilm", Metric::Cosine)
}

/// A set stored as three `.npy` files: base and queries (f32 rows), exact neighbours (i32 rows).
fn npy_set(
    dir: &Path,
    [base, queries, gt]: [&str; 3],
    name: &'static str,
    metric: Metric,
) -> Option<Dataset> {
    let (bs, base) = read_npy(&dir.join(base))?;
    let (_, queries) = read_npy(&dir.join(queries))?;
    let (gs, gt) = read_npy(&dir.join(gt))?;
    let d = *bs.get(1)?;
    Some(Dataset {
        name,
        base: Matrix::new(d, to_f32(&base)).ok()?,
        queries: Matrix::new(d, to_f32(&queries)).ok()?,
        truth: to_rows(&gt, *gs.get(1)?, 100),
        metric,
    })
}

/// The seeded 50k × 384 COSINE set `bench/synth/make.py` writes (into `bench/out/synth50k`, or
/// `ANNLAB_SYNTH_DIR`); `None` until it has been made.
pub fn synth50k() -> Option<Dataset> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("ANNLAB_SYNTH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../bench/out/synth50k"));
    let files = ["synth_base.npy", "synth_query.npy", "synth_gt_top100.npy"];
    npy_set(&dir, files, "synth50k", Metric::Cosine)
}

/// A data set by its bench name (`siftsmall`, `netflix`, `synth50k`).
pub fn by_name(name: &str) -> Option<Dataset> {
    match name {
        "netflix" => netflix(),
        "synth50k" => synth50k(),
        _ => siftsmall(),
    }
}

/// Mean recall@k of result id lists against the truth.
pub fn recall(results: &[Vec<u32>], truth: &[Vec<u32>], k: usize) -> f64 {
    let mut total = 0.0;
    for (r, t) in results.iter().zip(truth) {
        let t = &t[..k.min(t.len())];
        total += r.iter().take(k).filter(|id| t.contains(id)).count() as f64 / k as f64;
    }
    total / results.len().max(1) as f64
}
