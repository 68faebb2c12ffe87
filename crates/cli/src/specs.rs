//! `--hnsw` / `--svs` spec strings to [`IndexSpec`]s (the parsing itself lives next to each
//! runner in annlab-protocol).

use annlab_core::svs::Target;
use annlab_protocol::decide::grid;
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

/// Parses one `--svs` spec, to be built as `target` would. Besides the Redis attributes it takes
/// `insertion=batched|incremental`: the server's WORKERS > 0 or WORKERS 0 graph insertion.
pub fn svs(spec: &str, target: Target) -> Result<IndexSpec> {
    let (params, runtime_sweep) =
        parse_svs_spec(spec).with_context(|| format!("invalid --svs spec `{spec}`"))?;
    Ok(IndexSpec::Svs {
        params,
        target,
        runtime_sweep,
    })
}

/// Expands one `--hnsw` grid spec (`sweep`): a `/` list on a build parameter makes one run
/// per value ([`annlab_protocol::decide::grid`]).
pub fn hnsw_grid(spec: &str) -> Result<Vec<IndexSpec>> {
    grid::expand_hnsw(spec).with_context(|| format!("invalid --hnsw spec `{spec}`"))
}

/// Expands one `--svs` grid spec (`sweep`), each run built as `target` would.
pub fn svs_grid(spec: &str, target: Target) -> Result<Vec<IndexSpec>> {
    grid::expand_svs(spec, target).with_context(|| format!("invalid --svs spec `{spec}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_core::svs::Insertion;

    #[test]
    fn svs_spec_takes_the_insertion_mode() {
        let spec = svs("graph_max_degree=32,insertion=incremental", Target::Generic).unwrap();
        let IndexSpec::Svs { params, .. } = spec else {
            panic!("not an SVS spec");
        };
        assert_eq!(params.insertion, Insertion::Incremental);
        let IndexSpec::Svs { params, .. } = svs("", Target::Intel).unwrap() else {
            panic!("not an SVS spec");
        };
        assert_eq!(params.insertion, Insertion::Batched);
        assert!(svs("insertion=sometimes", Target::Intel).is_err());
    }
}
