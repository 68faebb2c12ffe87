//! `annlab exact`: exact ground truth (ids, optionally distances) of queries against a base.

use std::path::PathBuf;
use std::time::Instant;

use annlab_core::Metric;
use anyhow::{bail, Context, Result};

use crate::io;

/// Compute exact top-k ground truth (ties broken by the lower base row) and write it.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base vectors.
    #[arg(long)]
    base: PathBuf,
    /// Query vectors.
    #[arg(long)]
    queries: PathBuf,
    /// Distance metric: l2 (squared Euclidean), ip (1 - dot) or cosine (1 - cos).
    #[arg(long)]
    metric: Metric,
    /// Neighbours per query.
    #[arg(long, default_value_t = 100)]
    k: usize,
    /// Output ids: `.npy` (int32, shape (queries, k)) or `.ivecs`.
    #[arg(long)]
    out: PathBuf,
    /// Also write the distances: `.npy` (float32) or `.fvecs`.
    #[arg(long)]
    distances_out: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
    let base = io::read_matrix(&args.base, "base")?;
    let queries = io::read_matrix(&args.queries, "queries")?;
    io::check_same_dim(&base, &queries)?;
    if args.k == 0 {
        bail!("--k must be at least 1");
    }
    if args.k > base.rows() {
        bail!(
            "--k {} is larger than the {} base vectors",
            args.k,
            base.rows()
        );
    }
    let started = Instant::now();
    let hits = annlab_core::flat::exact_knn(&base, &queries, args.metric, args.k)
        .context("exact search failed")?;
    let seconds = started.elapsed().as_secs_f64();
    let ids: Vec<Vec<u32>> = hits
        .iter()
        .map(|row| row.iter().map(|n| n.id).collect())
        .collect();
    io::write_ids(&args.out, &ids)?;
    if let Some(path) = &args.distances_out {
        let distances: Vec<Vec<f32>> = hits
            .iter()
            .map(|row| row.iter().map(|n| n.distance).collect())
            .collect();
        io::write_distances(path, &distances)?;
    }
    eprintln!(
        "exact: {} queries x {} base vectors (dim {}, {}), k = {}: {:.3} s -> {}",
        queries.rows(),
        base.rows(),
        base.dim(),
        args.metric.lower_name(),
        args.k,
        seconds,
        args.out.display()
    );
    Ok(())
}
