//! The FLAT arm: exact search measured like any other index.
//!
//! The index is [`FlatIndex`] (rows of the requested element type, scanned linearly, as Redis's
//! brute-force index does). Its one search point has an empty runtime, since FLAT has no
//! runtime parameters; with FLOAT16/BFLOAT16 storage its recall can fall just below 1.
//!
//! Memory: `vector_bytes` is exact; `redis_index_bytes_estimate` is the model of
//! [`annlab_core::flat::redis_flat_memory_estimate`] (whole 1024-vector data blocks plus the
//! id→label array and label hash, ~49 B per vector); `document_bytes` is `n · dim · sizeof(type)`, the vector blobs the
//! HASH documents hold outside the index.

use annlab_core::flat::FlatIndex;
use annlab_core::ElementType;
use serde_json::{Map, Value};

use super::{measure_search, Clock, EvalSet, RunError, RunOutcome, SearchOutput};
use crate::report::{Algorithm, MemoryReport, RunReport, Target};

/// A built FLAT index waiting to be measured.
pub struct BuiltFlat {
    index: FlatIndex,
    element_type: ElementType,
    pub build_seconds: f64,
}

/// Builds a FLAT index over `eval.base` stored as `element_type`, timed.
pub fn build_flat(
    eval: &EvalSet,
    element_type: ElementType,
    clock: &dyn Clock,
) -> Result<BuiltFlat, RunError> {
    let started = clock.now_seconds();
    let index = FlatIndex::build(&eval.base, eval.metric, element_type)?;
    Ok(BuiltFlat {
        index,
        element_type,
        build_seconds: clock.now_seconds() - started,
    })
}

/// Builds a FLAT index over `eval.base` stored as `element_type` and measures it.
pub fn run_flat(
    eval: &EvalSet,
    element_type: ElementType,
    clock: &dyn Clock,
) -> Result<RunOutcome, RunError> {
    let built = build_flat(eval, element_type, clock)?;
    measure_flat(eval, &built, clock)
}

/// Measures a built FLAT index (one search point).
pub fn measure_flat(
    eval: &EvalSet,
    built: &BuiltFlat,
    clock: &dyn Clock,
) -> Result<RunOutcome, RunError> {
    let BuiltFlat {
        index,
        element_type,
        build_seconds,
    } = built;
    let (element_type, build_seconds) = (*element_type, *build_seconds);
    let k = eval.k;
    let (point, ids) = measure_search(eval, clock, Map::new(), |query| {
        let (hits, computed) = index.search(query, k)?;
        Ok(SearchOutput {
            hits,
            distance_computations: computed as usize,
        })
    })?;

    let n = index.len() as u64;
    let document_bytes = n * index.dim() as u64 * element_type.size_bytes() as u64;
    let memory = MemoryReport::from_breakdown(
        index.memory(),
        index.redis_memory_estimate().index_bytes(),
        document_bytes,
    );
    let mut params = Map::new();
    params.insert("type".into(), Value::from(element_type.lower_name()));
    Ok(RunOutcome {
        report: RunReport {
            algorithm: Algorithm::Flat,
            params,
            // FLAT behaves the same on every target; the comparison relabels it.
            target: Target::default(),
            build_seconds,
            memory,
            search: vec![point],
            effective: None,
            notes: Vec::new(),
        },
        results: vec![ids],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::test_support::{synthetic_eval, TickClock};
    use annlab_core::Metric;

    fn eval(metric: Metric, seed: u64) -> EvalSet {
        synthetic_eval(metric, seed, 280, 20, 4)
    }

    #[test]
    fn float32_flat_is_exact_for_every_metric() {
        for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
            let e = eval(metric, 7);
            let out = run_flat(&e, ElementType::Float32, &TickClock::default()).unwrap();
            let p = &out.report.search[0];
            assert_eq!(p.tie_aware_recall_at_k, 1.0, "metric {metric}, seed 7");
            assert_eq!(p.distance_computations_mean, 280.0);
            assert!(p.runtime.is_empty());
            assert_eq!(out.results[0].len(), 20);
            assert_eq!(out.report.params["type"], "float32");
        }
    }

    #[test]
    fn half_precision_flat_keeps_high_recall_and_halves_vector_bytes() {
        let e = eval(Metric::L2, 11);
        let clock = TickClock::default();
        let full = run_flat(&e, ElementType::Float32, &clock).unwrap();
        let half = run_flat(&e, ElementType::Float16, &clock).unwrap();
        assert!(
            half.report.search[0].tie_aware_recall_at_k >= 0.95,
            "seed 11"
        );
        let (fm, hm) = (full.report.memory, half.report.memory);
        assert_eq!(fm.vector_bytes, 280 * 16 * 4);
        assert_eq!(hm.vector_bytes, 280 * 16 * 2);
        assert_eq!(fm.index_bytes, fm.vector_bytes);
        assert_eq!(fm.document_bytes, 280 * 16 * 4);
        // One whole aligned 1024-row block, 16 B per slot, 32 B per label node, fixed part.
        assert_eq!(
            fm.redis_index_bytes_estimate,
            (1024 * 16 * 4 + 72) + 1024 * 16 + 280 * 32 + 1300
        );
        assert_eq!(half.report.params["type"], "float16");
    }
}
