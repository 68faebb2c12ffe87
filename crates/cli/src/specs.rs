//! `--hnsw` / `--svs` spec strings to [`IndexSpec`]s (the parsing itself lives next to each
//! runner in annlab-protocol).

use annlab_core::svs::Target;
use annlab_protocol::runner::hnsw::parse_hnsw_spec;
use annlab_protocol::runner::svs::parse_svs_spec;
use annlab_protocol::runner::IndexSpec;
use anyhow::{Context, Result};

/// Parses one `--hnsw` spec.
pub fn hnsw(spec: &str) -> Result<IndexSpec> {
    let (params, ef_sweep) =
        parse_hnsw_spec(spec).with_context(|| format!("invalid --hnsw spec `{spec}`"))?;
    Ok(IndexSpec::Hnsw { params, ef_sweep })
}

/// Parses one `--svs` spec, to be built as `target` would.
pub fn svs(spec: &str, target: Target) -> Result<IndexSpec> {
    let (params, runtime_sweep) =
        parse_svs_spec(spec).with_context(|| format!("invalid --svs spec `{spec}`"))?;
    Ok(IndexSpec::Svs {
        params,
        target,
        runtime_sweep,
    })
}
