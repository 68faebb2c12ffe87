//! `annlab memory --algorithm hnsw|svs|flat --n N --dim D ...`: the Redis memory model's parts
//! as one JSON document (what FT.INFO `vector_index_sz_mb` would report, in bytes). Read-only:
//! it builds nothing, and every figure comes from `annlab_core`'s one model per algorithm.

use annlab_core::flat::redis_flat_memory_estimate;
use annlab_core::hnsw::memory::{redis_memory_estimate as hnsw_memory, RedisHnswShape};
use annlab_core::svs::memory::redis_memory_estimate as svs_memory;

use annlab_core::svs::{effective_config, Compression, SvsParams, Target};
use annlab_core::ElementType;
use anyhow::{bail, Result};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Algorithm {
    Hnsw,
    Svs,
    Flat,
}

/// Print the modelled `vector_index_sz_mb` of an index shape, split into its parts.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    algorithm: Algorithm,
    /// Number of vectors.
    #[arg(long)]
    n: u64,
    #[arg(long)]
    dim: u64,
    /// Vector type (float32, float16, bfloat16).
    #[arg(long = "type", default_value = "float32")]
    element_type: ElementType,
    /// HNSW M.
    #[arg(long, default_value_t = 16)]
    m: u64,
    /// HNSW EF_CONSTRUCTION (shapes the graph, not the allocation; echoed only).
    #[arg(long, default_value_t = 200)]
    ef_construction: u64,
    /// Server WORKERS (HNSW: one visited array per search thread; SVS: the flat-buffer residue).
    #[arg(long, default_value_t = 0)]
    workers: u64,
    /// SVS GRAPH_MAX_DEGREE.
    #[arg(long, default_value_t = 32)]
    graph_max_degree: usize,
    /// SVS COMPRESSION (LVQ4, LVQ8, LVQ4x4, LVQ4x8, LeanVec4x8, LeanVec8x8, GlobalSQ8).
    #[arg(long)]
    compression: Option<Compression>,
    /// SVS TRAINING_THRESHOLD (default 10,240 when compressed).
    #[arg(long)]
    training_threshold: Option<usize>,
    /// SVS REDUCE (LeanVec; default DIM/2).
    #[arg(long)]
    reduce: Option<usize>,
    /// Hardware to model: intel (LVQ/LeanVec real) or generic (every compression is GlobalSQ8).
    #[arg(long, default_value = "intel")]
    target: Target,
}

pub fn run(args: &Args) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(&document(args)?)?);
    Ok(())
}

fn document(args: &Args) -> Result<Value> {
    if args.dim == 0 {
        bail!("--dim must be at least 1");
    }
    let mib = |b: u64| b as f64 / f64::from(1u32 << 20);
    let doc = match args.algorithm {
        Algorithm::Hnsw => {
            if args.m == 0 {
                bail!("--m must be at least 1");
            }
            let parts = hnsw_memory(&RedisHnswShape {
                n: args.n,
                dim: args.dim,
                element_type: args.element_type,
                m: args.m,
                workers: args.workers,
            });
            let (low, high) = parts.incoming_edges_range(args.n);
            json!({
                "algorithm": "HNSW",
                "n": args.n, "dim": args.dim, "type": args.element_type,
                "m": args.m, "ef_construction": args.ef_construction, "workers": args.workers,
                "parts": parts,
                "total_bytes": parts.total(),
                "total_mib": mib(parts.total()),
                "range_bytes": [low, high],
                "range_note": "incoming-edge buffers depend on the data: 3-28 B per vector observed",
            })
        }
        Algorithm::Svs => {
            let n = usize::try_from(args.n)?;
            let dim = usize::try_from(args.dim)?;
            let params = SvsParams {
                element_type: args.element_type,
                graph_max_degree: args.graph_max_degree,
                compression: args.compression,
                training_threshold: args.training_threshold,
                reduce: args.reduce,
                ..SvsParams::default()
            };
            let parts = svs_memory(n, dim, &params, args.target);
            let effective = effective_config(&params, n, dim, args.target);
            let (low, high) = parts.total_range_with_workers();
            let range = if args.workers > 0 {
                [low, high]
            } else {
                [low, low]
            };
            json!({
                "algorithm": "SVS-VAMANA",
                "n": args.n, "dim": args.dim, "type": args.element_type,
                "graph_max_degree": args.graph_max_degree,
                "compression": args.compression, "target": args.target, "workers": args.workers,
                "redis_serves_flat_buffer": effective.redis_serves_flat_buffer,
                "parts": parts,
                "total_bytes": parts.total(),
                "total_mib": mib(parts.total()),
                "range_bytes": range,
                "range_note": "with WORKERS > 0 up to flat_buffer_residue_max more (vectors left in the flat buffer)",
                "notes": effective.notes,
            })
        }
        Algorithm::Flat => {
            let parts =
                redis_flat_memory_estimate(args.n, usize::try_from(args.dim)?, args.element_type);
            json!({
                "algorithm": "FLAT",
                "n": args.n, "dim": args.dim, "type": args.element_type,
                "parts": parts,
                "total_bytes": parts.index_bytes(),
                "total_mib": mib(parts.index_bytes()),
                "range_bytes": [parts.index_bytes(), parts.index_bytes()],
            })
        }
    };
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn doc(line: &str) -> Value {
        let cli =
            Cli::try_parse_from(std::iter::once("memory").chain(line.split_whitespace())).unwrap();
        document(&cli.args).unwrap()
    }

    #[test]
    fn prints_the_core_models_totals() {
        let h = doc("--algorithm hnsw --n 50000 --dim 128 --m 16");
        assert_eq!(
            h["total_bytes"],
            annlab_core::hnsw::redis_index_bytes_estimate(50_000, 128, ElementType::Float32, 16)
        );
        let s = doc(
            "--algorithm svs --n 50000 --dim 128 --compression LVQ8 --target generic --workers 2",
        );
        assert_eq!(s["parts"]["data_bytes"], 49 * 1024 * 128);
        assert!(s["range_bytes"][1].as_u64() > s["range_bytes"][0].as_u64());
        let f = doc("--algorithm flat --n 2000 --dim 64");
        assert_eq!(f["parts"]["vector_bytes"], 2 * (1024 * 256 + 72));
        let cli = Cli::try_parse_from(["memory", "--algorithm", "hnsw", "--n", "5", "--dim", "0"])
            .unwrap();
        assert!(document(&cli.args).is_err());
    }
}
