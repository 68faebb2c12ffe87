//! Server-side rules for the chosen SVS attributes (spec §1.4), with the server's error texts:
//! `annlab_core::svs::validate_params` on the typed config, `validate_attributes` on the exact
//! tokens FT.CREATE will carry, plus the exporter's own rule that REDUCE < DIM.

use annlab_core::svs::validate::resolve_runtime;
use annlab_core::svs::{validate_attributes, validate_params, SvsParams, SvsRuntime};
use annlab_protocol::report::SearchPoint;

use crate::error::ExportError;

/// Rejects what FT.CREATE would reject for `params` at `dim`.
pub fn check_svs(params: &SvsParams, dim: usize) -> Result<(), ExportError> {
    validate_params(params, dim).map_err(|e| ExportError::InvalidSvs(e.to_string()))?;
    check_reduce(params.reduce, dim)
}

/// REDUCE < DIM. Redis does not check this (spec §1.4); RedisVL does, and a reduction that
/// does not reduce has no meaning.
pub fn check_reduce(reduce: Option<usize>, dim: usize) -> Result<(), ExportError> {
    match reduce {
        Some(r) if r >= dim => Err(ExportError::InvalidSvs(format!(
            "REDUCE ({r}) must be smaller than DIM ({dim})"
        ))),
        _ => Ok(()),
    }
}

/// Runs the server's parser rules over the attribute pairs we are about to emit.
pub fn check_tokens(pairs: &[(&'static str, String)]) -> Result<(), ExportError> {
    validate_attributes(pairs)
        .map(|_| ())
        .map_err(|e| ExportError::InvalidSvs(e.to_string()))
}

/// Refuses a chosen point whose query settings Redis would not survive: the scripts send the
/// point's SEARCH_BUFFER_CAPACITY with its window, and a capacity below the window aborts the
/// server (the rule and its text live in annlab-core).
pub fn check_runtime(point: &SearchPoint, window: usize) -> Result<(), ExportError> {
    let runtime = SvsRuntime {
        search_window_size: Some(window),
        search_buffer_capacity: point
            .runtime
            .get("search_buffer_capacity")
            .and_then(crate::choose::runtime_usize),
        ..SvsRuntime::default()
    };
    resolve_runtime(&runtime, window, false)
        .map(|_| ())
        .map_err(|e| ExportError::InvalidSvs(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_core::svs::Compression;
    use annlab_core::ElementType;

    #[test]
    fn server_rules_with_server_texts() {
        let ok = SvsParams::default();
        assert!(check_svs(&ok, 384).is_ok());
        let tt = SvsParams {
            training_threshold: Some(10),
            compression: Some(Compression::Lvq8),
            ..ok
        };
        assert_eq!(
            check_svs(&tt, 384).unwrap_err().to_string(),
            "Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)"
        );
        let tt_alone = SvsParams {
            training_threshold: Some(2048),
            ..ok
        };
        assert!(check_svs(&tt_alone, 384)
            .unwrap_err()
            .to_string()
            .contains("irrelevant"));
        let reduce = SvsParams {
            reduce: Some(100),
            compression: Some(Compression::Lvq4x8),
            ..ok
        };
        assert!(check_svs(&reduce, 384).is_err());
        let reduce_big = SvsParams {
            reduce: Some(384),
            compression: Some(Compression::LeanVec4x8),
            ..ok
        };
        assert!(check_svs(&reduce_big, 384).is_err());
        let bf16 = SvsParams {
            element_type: ElementType::Bfloat16,
            ..ok
        };
        assert!(check_svs(&bf16, 384).is_err());
        let sq8 = SvsParams {
            compression: Some(Compression::GlobalSq8),
            ..ok
        };
        assert!(check_svs(&sq8, 384).is_err());
    }

    #[test]
    fn a_capacity_below_the_window_is_refused_once() {
        let point = |capacity: Option<u64>| SearchPoint {
            runtime: capacity
                .map(|c| ("search_buffer_capacity".to_string(), c.into()))
                .into_iter()
                .collect(),
            recall_at_k: 0.9,
            tie_aware_recall_at_k: 0.9,
            qps: 1.0,
            latency_us: Default::default(),
            distance_computations_mean: 0.0,
            timed_queries: 0,
            recall_vs_hnsw: None,
        };
        assert!(check_runtime(&point(None), 20).is_ok());
        assert!(check_runtime(&point(Some(20)), 20).is_ok());
        let text = check_runtime(&point(Some(10)), 20).unwrap_err().to_string();
        assert_eq!(
            text,
            "SEARCH_BUFFER_CAPACITY 10 is below SEARCH_WINDOW_SIZE 20: Redis would abort (SIGABRT) on this query, so annlab refuses it"
        );
    }
}
