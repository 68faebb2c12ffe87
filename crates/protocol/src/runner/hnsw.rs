//! The HNSW arm of the compare runner.
//!
//! Builds [`AnyHnsw`] over the evaluation base (timed with the caller's clock, including the
//! conversion to the stored TYPE), then searches every query once per EF_RUNTIME of the sweep.
//! Memory is reported three ways: our exact bytes, the Redis `vector_index_sz_mb` model
//! (`annlab_core::hnsw::memory`) and the raw document blobs.

use annlab_core::hnsw::{AnyHnsw, HnswError, HnswParams};
use annlab_core::{BuildControl, ElementType};
use serde_json::{Map, Value};

use super::{measure_search, Clock, EvalSet, RunError, RunOutcome, SearchOutput};
use crate::report::{Algorithm, MemoryReport, RunReport, Target};
use crate::spec::{parse_entries, SpecEntry, SpecError};

/// Keys `parse_hnsw_spec` accepts.
pub const HNSW_SPEC_KEYS: [&str; 6] = [
    "m",
    "ef_construction",
    "ef_runtime",
    "epsilon",
    "type",
    "seed",
];

fn run_error(e: HnswError) -> RunError {
    match e {
        HnswError::Cancelled(_) => RunError::Cancelled,
        HnswError::InvalidM { .. }
        | HnswError::InvalidParameter { .. }
        | HnswError::InvalidRuntimeValue { .. } => RunError::InvalidParameter(e.to_string()),
        HnswError::Core(c) => RunError::Core(c),
        other => RunError::Index(other.to_string()),
    }
}

/// A built HNSW index waiting to be measured.
pub struct BuiltHnsw {
    index: AnyHnsw,
    params: HnswParams,
    pub build_seconds: f64,
}

/// Rejects an EF_RUNTIME of 0 in the sweep (Redis requires ≥ 1), with the server's text.
pub fn validate_ef_sweep(ef_sweep: &[usize]) -> Result<(), RunError> {
    ef_sweep
        .iter()
        .try_for_each(|&ef| HnswParams::validate_runtime_ef(ef))
        .map_err(run_error)
}

/// Builds HNSW with `params`, timed with `clock`.
pub fn build_hnsw(
    eval: &EvalSet,
    params: HnswParams,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<BuiltHnsw, RunError> {
    params.validate().map_err(run_error)?;
    let started = clock.now_seconds();
    let index = AnyHnsw::build(&eval.base, eval.metric, params, control).map_err(run_error)?;
    Ok(BuiltHnsw {
        index,
        params,
        build_seconds: clock.now_seconds() - started,
    })
}

/// Builds HNSW with `params` (timed), then measures each EF_RUNTIME of `ef_sweep` (an empty
/// sweep measures the index default `params.ef_runtime`). Each point searches with
/// max(ef, k), as Redis does.
pub fn run_hnsw(
    eval: &EvalSet,
    params: HnswParams,
    ef_sweep: &[usize],
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<RunOutcome, RunError> {
    validate_ef_sweep(ef_sweep)?;
    let built = build_hnsw(eval, params, clock, control)?;
    measure_hnsw(eval, &built, ef_sweep, clock)
}

/// Measures each EF_RUNTIME of `ef_sweep` on a built index.
pub fn measure_hnsw(
    eval: &EvalSet,
    built: &BuiltHnsw,
    ef_sweep: &[usize],
    clock: &dyn Clock,
) -> Result<RunOutcome, RunError> {
    validate_ef_sweep(ef_sweep)?;
    let BuiltHnsw {
        index,
        params,
        build_seconds,
    } = built;
    let (params, build_seconds) = (*params, *build_seconds);
    let sweep: Vec<usize> = if ef_sweep.is_empty() {
        vec![params.ef_runtime]
    } else {
        ef_sweep.to_vec()
    };
    let k = eval.k;
    let mut scratch = index.new_scratch();
    let mut points = Vec::with_capacity(sweep.len());
    let mut results = Vec::with_capacity(sweep.len());
    for &ef in &sweep {
        let mut runtime = Map::new();
        runtime.insert("ef_runtime".into(), Value::from(ef));
        let (point, ids) = measure_search(eval, clock, runtime, |q| {
            let out = index.search(q, k, ef, &mut scratch).map_err(run_error)?;
            Ok(SearchOutput {
                hits: out.hits,
                distance_computations: out.distance_computations,
            })
        })?;
        points.push(point);
        results.push(ids);
    }

    let mut notes = vec![format!(
        "levels drawn from ChaCha8 seeded with {} (hnswlib's default seed is 100)",
        params.seed
    )];
    if params.ef_construction < params.m {
        notes.push(format!(
            "EF_CONSTRUCTION {} is below M; VecSim builds with max(EF_CONSTRUCTION, M) = {}",
            params.ef_construction,
            params.effective_ef_construction()
        ));
    }
    if sweep.iter().any(|&ef| ef < k) {
        notes.push(format!(
            "EF_RUNTIME values below k = {k} search with k, as Redis does"
        ));
    }
    Ok(RunOutcome {
        report: RunReport {
            algorithm: Algorithm::Hnsw,
            params: params_map(&params),
            target: Target::default(),
            build_seconds,
            memory: MemoryReport::from_breakdown(
                index.memory(),
                index.redis_index_bytes_estimate(),
                index.document_bytes(),
            ),
            search: points,
            effective: None,
            notes,
        },
        results,
    })
}

/// Build parameters with Redis attribute names in lower snake case.
pub fn params_map(params: &HnswParams) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), Value::from(params.element_type.lower_name()));
    m.insert("m".into(), Value::from(params.m));
    m.insert(
        "ef_construction".into(),
        Value::from(params.ef_construction),
    );
    m.insert("ef_runtime".into(), Value::from(params.ef_runtime));
    m.insert("epsilon".into(), Value::from(params.epsilon));
    m
}

fn bad(key: &str, value: &str, expected: &'static str) -> SpecError {
    SpecError::BadValue {
        key: key.to_string(),
        value: value.to_string(),
        expected,
    }
}

/// One positive integer (Redis requires M, EF_CONSTRUCTION and EF_RUNTIME ≥ 1).
fn positive(entry: &SpecEntry) -> Result<usize, SpecError> {
    let v = entry.single()?;
    match v.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(bad(&entry.key, v, "positive integer")),
    }
}

/// Parses an `--hnsw` spec: `m=16,ef_construction=200,ef_runtime=10/20/50/100,type=float32`.
///
/// `ef_runtime` is the sweep; its first value also becomes the index default EF_RUNTIME.
/// Without it the sweep is the default `[10]`. `epsilon` (≥ 0) applies to range queries only;
/// `seed` seeds the level draws (default 100, as hnswlib). `M = 1` parses (FT.CREATE accepts
/// it) and is rejected when the index is built, as VecSim does.
pub fn parse_hnsw_spec(spec: &str) -> Result<(HnswParams, Vec<usize>), SpecError> {
    let mut params = HnswParams::default();
    let mut sweep = Vec::new();
    for entry in parse_entries(spec)? {
        let key = entry.key.as_str();
        match key {
            "m" => params.m = positive(&entry)?,
            "ef_construction" => params.ef_construction = positive(&entry)?,
            "ef_runtime" => {
                sweep = entry.usizes()?;
                if let Some((i, _)) = sweep.iter().enumerate().find(|(_, &ef)| ef == 0) {
                    return Err(bad(key, &entry.values[i], "positive integer"));
                }
            }
            "epsilon" => {
                let v = entry.single()?;
                params.epsilon = match v.parse::<f64>() {
                    Ok(e) if e.is_finite() && e >= 0.0 => e,
                    _ => return Err(bad(key, v, "non-negative number")),
                };
            }
            "type" => {
                let v = entry.single()?;
                params.element_type = v
                    .parse::<ElementType>()
                    .map_err(|_| bad(key, v, "type (float32, float16 or bfloat16)"))?;
            }
            "seed" => {
                let v = entry.single()?;
                params.seed = v.parse().map_err(|_| bad(key, v, "non-negative integer"))?;
            }
            other => {
                return Err(SpecError::UnknownKey {
                    key: other.to_string(),
                    algorithm: "HNSW",
                    known: HNSW_SPEC_KEYS.join(", "),
                })
            }
        }
    }
    if let Some(&first) = sweep.first() {
        params.ef_runtime = first;
    } else {
        sweep.push(params.ef_runtime);
    }
    Ok((params, sweep))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::test_support::{synthetic_eval, TickClock};
    use annlab_core::Metric;

    fn eval(metric: Metric, seed: u64) -> EvalSet {
        synthetic_eval(metric, seed, 1150, 50, 6)
    }

    #[test]
    fn parses_specs_with_sweeps() {
        let (p, sweep) = parse_hnsw_spec(
            "M=32, ef_construction=100, ef_runtime=20/50, type=bfloat16, seed=7, epsilon=0.1",
        )
        .unwrap();
        assert_eq!(
            (p.m, p.ef_construction, p.ef_runtime, p.seed),
            (32, 100, 20, 7)
        );
        assert_eq!(p.element_type, ElementType::Bfloat16);
        assert_eq!(p.epsilon, 0.1);
        assert_eq!(sweep, vec![20, 50]);
        let (d, sweep) = parse_hnsw_spec("").unwrap();
        assert_eq!(d, HnswParams::default());
        assert_eq!(sweep, vec![10]);
        assert!(matches!(
            parse_hnsw_spec("graph_max_degree=3"),
            Err(SpecError::UnknownKey { .. })
        ));
        assert!(matches!(
            parse_hnsw_spec("m=0"),
            Err(SpecError::BadValue { .. })
        ));
        assert!(matches!(
            parse_hnsw_spec("m=8/16"),
            Err(SpecError::NotSweepable { .. })
        ));
        assert!(matches!(
            parse_hnsw_spec("ef_runtime=10/0"),
            Err(SpecError::BadValue { .. })
        ));
        assert!(matches!(
            parse_hnsw_spec("type=int8"),
            Err(SpecError::BadValue { .. })
        ));
        assert!(matches!(
            parse_hnsw_spec("epsilon=-1"),
            Err(SpecError::BadValue { .. })
        ));
    }

    #[test]
    fn runs_a_sweep_and_reports_memory() {
        let e = eval(Metric::Cosine, 5);
        let (params, sweep) = parse_hnsw_spec("m=8,ef_construction=64,ef_runtime=10/64").unwrap();
        let clock = TickClock::default();
        let out = run_hnsw(&e, params, &sweep, &clock, &mut annlab_core::NoControl).unwrap();
        let r = &out.report;
        assert_eq!(r.algorithm, Algorithm::Hnsw);
        assert_eq!(r.search.len(), 2);
        assert_eq!(r.search[1].runtime["ef_runtime"], 64);
        assert!(
            r.search[1].recall_at_k >= 0.9,
            "seed 5: {}",
            r.search[1].recall_at_k
        );
        assert!(r.search[1].distance_computations_mean > r.search[0].distance_computations_mean);
        assert_eq!(r.params["m"], 8);
        assert_eq!(r.params["type"], "float32");
        assert_eq!(r.memory.vector_bytes, 1150 * 16 * 4);
        assert_eq!(r.memory.document_bytes, 1150 * 16 * 4);
        assert_eq!(
            r.memory.index_bytes,
            r.memory.vector_bytes + r.memory.graph_bytes + r.memory.other_bytes
        );
        assert!(r.memory.redis_index_bytes_estimate > r.memory.vector_bytes);
        assert_eq!(out.results[0].len(), 50);
    }

    #[test]
    fn invalid_m_and_cancellation_are_run_errors() {
        let e = eval(Metric::L2, 6);
        let clock = TickClock::default();
        let p = HnswParams {
            m: 1,
            ..HnswParams::default()
        };
        assert!(matches!(
            run_hnsw(&e, p, &[10], &clock, &mut annlab_core::NoControl),
            Err(RunError::InvalidParameter(_))
        ));
        let mut cancel = |_: &str, _: usize, _: usize| false;
        assert_eq!(
            run_hnsw(&e, HnswParams::default(), &[10], &clock, &mut cancel),
            Err(RunError::Cancelled)
        );
    }
}
