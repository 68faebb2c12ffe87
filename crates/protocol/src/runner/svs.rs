//! The SVS-VAMANA arm of the compare runner.
//!
//! A run builds [`SvsIndex`] as the target would (Intel codecs, or GlobalSQ8 for any
//! COMPRESSION on generic builds), timed with the caller's clock, then measures each runtime
//! setting of the sweep.
//!
//! Search points:
//! - One point per runtime setting, in sweep order, searched on the graph. Its runtime map holds
//!   `search_window_size` (the window actually used), `search_buffer_capacity` when the setting
//!   gave one, and `use_search_history` when it is not `AUTO`.
//! - When Redis would still answer from its flat buffer (compressed and n < TRAINING_THRESHOLD,
//!   `effective.redis_serves_flat_buffer`), one more point is appended **after** the sweep,
//!   measured by exact brute force over the full-precision vectors, with the runtime map
//!   `{"served_by": "flat_buffer"}`. The sweep points then show what the trained index does,
//!   and the extra point what Redis answers today. Appending keeps the sweep points first, in
//!   the order they were requested.
//!
//! Memory: our exact bytes ([`SvsIndex::memory`]); `redis_index_bytes_estimate` from
//! [`annlab_core::svs::memory`]; `document_bytes` = n · dim · sizeof(TYPE).

use annlab_core::flat::FlatIndex;
use annlab_core::svs::memory::{document_bytes, redis_index_bytes_estimate};
use annlab_core::svs::validate::{resolve_runtime, validate_params_for_annlab};
use annlab_core::svs::{
    Compression, Insertion, SearchHistory, SvsError, SvsIndex, SvsParams, SvsRuntime, Target,
};
use annlab_core::vamana::VamanaSearcher;
use annlab_core::{BuildControl, ElementType};
use serde_json::{Map, Value};

use super::{measure_search, Clock, EvalSet, RunError, RunOutcome, SearchOutput};
use crate::report::{Algorithm, EffectiveConfig, MemoryReport, RunReport};
use crate::spec::{parse_entries, SpecError};

fn run_error(e: SvsError) -> RunError {
    if e.is_cancelled() {
        return RunError::Cancelled;
    }
    match e {
        SvsError::Param(p) => RunError::InvalidParameter(p.to_string()),
        SvsError::Core(c) => RunError::Core(c),
        other => RunError::Index(other.to_string()),
    }
}

/// A built SVS-VAMANA index waiting to be measured.
pub struct BuiltSvs {
    index: SvsIndex,
    params: SvsParams,
    target: Target,
    pub build_seconds: f64,
}

impl BuiltSvs {
    /// An index built elsewhere (e.g. with helper workers), with its build time.
    pub fn from_index(index: SvsIndex, build_seconds: f64) -> Self {
        Self {
            params: *index.params(),
            target: index.target(),
            index,
            build_seconds,
        }
    }
}

/// Builds SVS-VAMANA as `target` would (Intel codecs, or GlobalSQ8 on generic builds), timed.
pub fn build_svs(
    eval: &EvalSet,
    params: SvsParams,
    target: Target,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<BuiltSvs, RunError> {
    let started = clock.now_seconds();
    let index =
        SvsIndex::build(&eval.base, eval.metric, &params, target, control).map_err(run_error)?;
    Ok(BuiltSvs {
        index,
        params,
        target,
        build_seconds: clock.now_seconds() - started,
    })
}

/// Builds SVS-VAMANA (see [`build_svs`]), then measures each runtime setting of
/// `runtime_sweep` (the index default window when the sweep is empty).
pub fn run_svs(
    eval: &EvalSet,
    params: SvsParams,
    target: Target,
    runtime_sweep: &[SvsRuntime],
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<RunOutcome, RunError> {
    let built = build_svs(eval, params, target, clock, control)?;
    measure_svs(eval, &built, runtime_sweep, clock)
}

/// Measures each runtime setting of `runtime_sweep` on a built index.
pub fn measure_svs(
    eval: &EvalSet,
    built: &BuiltSvs,
    runtime_sweep: &[SvsRuntime],
    clock: &dyn Clock,
) -> Result<RunOutcome, RunError> {
    let BuiltSvs {
        index,
        params,
        target,
        build_seconds,
    } = built;
    let (params, target, build_seconds) = (*params, *target, *build_seconds);
    let default_sweep = [SvsRuntime::default()];
    let sweep = if runtime_sweep.is_empty() {
        &default_sweep[..]
    } else {
        runtime_sweep
    };
    let k = eval.k;
    let mut searcher = VamanaSearcher::new();
    let mut points = Vec::with_capacity(sweep.len() + 1);
    let mut results = Vec::with_capacity(sweep.len() + 1);
    for runtime in sweep {
        let resolved = resolve_runtime(runtime, params.search_window_size, index.is_two_level())
            .map_err(|e| RunError::InvalidParameter(e.to_string()))?;
        let mut map = Map::new();
        map.insert("search_window_size".into(), Value::from(resolved.window));
        if runtime.search_window_size.is_some() && runtime.search_buffer_capacity.is_some() {
            map.insert(
                "search_buffer_capacity".into(),
                Value::from(resolved.capacity),
            );
        }
        if runtime.use_search_history != SearchHistory::Auto {
            map.insert(
                "use_search_history".into(),
                Value::from(history_name(runtime.use_search_history)),
            );
        }
        let (point, ids) = measure_search(eval, clock, map, |query| {
            let (hits, computed) = index
                .search(&mut searcher, query, k, runtime)
                .map_err(run_error)?;
            Ok(SearchOutput {
                hits,
                distance_computations: computed,
            })
        })?;
        points.push(point);
        results.push(ids);
    }

    let effective = index.effective().clone();
    if effective.redis_serves_flat_buffer {
        let flat = FlatIndex::build(&eval.base, eval.metric, stored_type(params.element_type))?;
        let mut map = Map::new();
        map.insert("served_by".into(), Value::from("flat_buffer"));
        let (point, ids) = measure_search(eval, clock, map, |query| {
            let (hits, computed) = flat.search(query, k)?;
            Ok(SearchOutput {
                hits,
                distance_computations: computed as usize,
            })
        })?;
        points.push(point);
        results.push(ids);
    }

    let n = index.len();
    let dim = index.dim();
    let memory = MemoryReport::from_breakdown(
        index.memory(),
        redis_index_bytes_estimate(n, dim, &params, target),
        document_bytes(n, dim, params.element_type),
    );
    Ok(RunOutcome {
        report: RunReport {
            algorithm: Algorithm::SvsVamana,
            params: params_map(&params),
            target,
            build_seconds,
            memory,
            search: points,
            effective: Some(EffectiveConfig {
                compression: Some(effective.compression_name.to_string()),
                reduced_dim: effective.reduced_dim,
                training_threshold: effective.training_threshold,
                redis_serves_flat_buffer: effective.redis_serves_flat_buffer,
            }),
            notes: effective.notes,
        },
        results,
    })
}

fn stored_type(t: ElementType) -> ElementType {
    match t {
        ElementType::Float16 => ElementType::Float16,
        ElementType::Float32 | ElementType::Bfloat16 => ElementType::Float32,
    }
}

fn history_name(h: SearchHistory) -> &'static str {
    match h {
        SearchHistory::On => "ON",
        SearchHistory::Off => "OFF",
        SearchHistory::Auto => "AUTO",
    }
}

/// Build parameters with Redis attribute names in lower snake case.
pub fn params_map(params: &SvsParams) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), Value::from(params.element_type.lower_name()));
    m.insert(
        "graph_max_degree".into(),
        Value::from(params.graph_max_degree),
    );
    m.insert(
        "construction_window_size".into(),
        Value::from(params.construction_window_size),
    );
    m.insert(
        "search_window_size".into(),
        Value::from(params.search_window_size),
    );
    m.insert("epsilon".into(), Value::from(params.epsilon));
    if let Some(c) = params.compression {
        m.insert("compression".into(), Value::from(c.redis_name()));
    }
    if let Some(t) = params.training_threshold {
        m.insert("training_threshold".into(), Value::from(t));
    }
    if let Some(r) = params.reduce {
        m.insert("reduce".into(), Value::from(r));
    }
    // Only when it is not the default, so batched reports keep their shape.
    if params.insertion != Insertion::Batched {
        m.insert("insertion".into(), Value::from(params.insertion.name()));
    }
    m
}

/// Keys `parse_svs_spec` accepts.
pub const SVS_SPEC_KEYS: [&str; 12] = [
    "type",
    "graph_max_degree",
    "construction_window_size",
    "search_window_size",
    "search_buffer_capacity",
    "use_search_history",
    "epsilon",
    "compression",
    "training_threshold",
    "reduce",
    "seed",
    "insertion",
];

fn bad(key: &str, value: &str, expected: &'static str) -> SpecError {
    SpecError::BadValue {
        key: key.to_string(),
        value: value.to_string(),
        expected,
    }
}

fn rejected(key: &str, message: String) -> SpecError {
    SpecError::Rejected {
        key: key.to_string(),
        message,
    }
}

/// Parses an `--svs` spec: `graph_max_degree=32,construction_window_size=200,
/// search_window_size=10/20/50,compression=LVQ4x8`.
///
/// `search_window_size` is the sweep: each value becomes a query-time SEARCH_WINDOW_SIZE (and
/// the first is also the index default). `search_buffer_capacity` may be swept too (every
/// window with every capacity, windows outermost); `use_search_history` (on/off/auto) applies
/// to every point. `compression` is case-insensitive and also accepts
/// annlab's `GlobalSQ8`. `insertion=batched|incremental` (annlab-only, default batched) picks
/// the server's WORKERS > 0 or WORKERS 0 insertion. Values the server would reject come back as
/// [`SpecError::Rejected`] carrying the server's text (e.g. `m=16` gives
/// "Bad arguments for algorithm SVS-VAMANA: M").
pub fn parse_svs_spec(spec: &str) -> Result<(SvsParams, Vec<SvsRuntime>), SpecError> {
    let mut params = SvsParams::default();
    let mut windows: Vec<usize> = Vec::new();
    let mut capacities: Vec<usize> = Vec::new();
    let mut history = SearchHistory::Auto;
    for entry in parse_entries(spec)? {
        let key = entry.key.as_str();
        match key {
            "type" => {
                let v = entry.single()?;
                params.element_type = annlab_core::svs::validate::parse_redis_type(v)
                    .map_err(|e| rejected(key, e.to_string()))?;
            }
            "graph_max_degree" => params.graph_max_degree = single_usize(&entry)?,
            "construction_window_size" => params.construction_window_size = single_usize(&entry)?,
            "search_window_size" => windows = entry.usizes()?,
            "search_buffer_capacity" => capacities = entry.usizes()?,
            "use_search_history" => {
                let v = entry.single()?;
                history = match v.to_ascii_uppercase().as_str() {
                    "ON" => SearchHistory::On,
                    "OFF" => SearchHistory::Off,
                    "AUTO" => SearchHistory::Auto,
                    _ => return Err(bad(key, v, "ON, OFF or AUTO")),
                };
            }
            "epsilon" => {
                let v = entry.single()?;
                params.epsilon = v.parse().map_err(|_| bad(key, v, "number"))?;
            }
            "compression" => {
                let v = entry.single()?;
                params.compression = Some(v.parse::<Compression>().map_err(|_| {
                    rejected(
                        key,
                        annlab_core::svs::SvsParamError::UnknownValue {
                            attribute: "COMPRESSION",
                        }
                        .to_string(),
                    )
                })?);
            }
            "training_threshold" => params.training_threshold = Some(single_usize(&entry)?),
            "reduce" => params.reduce = Some(single_usize(&entry)?),
            "seed" => {
                let v = entry.single()?;
                params.seed = v.parse().map_err(|_| bad(key, v, "non-negative integer"))?;
            }
            // annlab-only: which server WORKERS setting the build models.
            "insertion" => {
                let v = entry.single()?;
                params.insertion = v
                    .parse::<Insertion>()
                    .map_err(|_| bad(key, v, "insertion (batched or incremental)"))?;
            }
            other => {
                return Err(rejected(
                    other,
                    annlab_core::svs::SvsParamError::UnknownAttribute {
                        token: other.to_ascii_uppercase(),
                    }
                    .to_string(),
                ))
            }
        }
    }
    if let Some(&first) = windows.first() {
        params.search_window_size = first;
    }
    // Dimension is not known here; 1 passes the DIM check and leaves the others to the server.
    validate_params_for_annlab(&params, 1).map_err(|e| rejected("spec", e.to_string()))?;
    // Every window with every capacity; a capacity without a window is kept and, as in Redis,
    // ignored by the search.
    let windows: Vec<Option<usize>> = match windows.is_empty() {
        true => vec![None],
        false => windows.into_iter().map(Some).collect(),
    };
    let capacities: Vec<Option<usize>> = match capacities.is_empty() {
        true => vec![None],
        false => capacities.into_iter().map(Some).collect(),
    };
    let runtimes = windows
        .iter()
        .flat_map(|&w| {
            capacities.iter().map(move |&c| SvsRuntime {
                search_window_size: w,
                search_buffer_capacity: c,
                use_search_history: history,
            })
        })
        .collect();
    Ok((params, runtimes))
}

fn single_usize(entry: &crate::spec::SpecEntry) -> Result<usize, SpecError> {
    let v = entry.single()?;
    v.parse()
        .map_err(|_| bad(&entry.key, v, "non-negative integer"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::test_support::{synthetic_eval, TickClock};
    use annlab_core::Metric;

    fn eval(metric: Metric, seed: u64) -> EvalSet {
        synthetic_eval(metric, seed, 600, 20, 4)
    }

    fn clock() -> TickClock {
        TickClock::default()
    }

    #[test]
    fn uncompressed_sweep_reports_points_params_and_memory() {
        let e = eval(Metric::L2, 5);
        let (params, sweep) = parse_svs_spec(
            "graph_max_degree=16,construction_window_size=50,search_window_size=10/40",
        )
        .unwrap();
        let out = run_svs(
            &e,
            params,
            Target::Intel,
            &sweep,
            &clock(),
            &mut annlab_core::NoControl,
        )
        .unwrap();
        let r = &out.report;
        assert_eq!(r.search.len(), 2);
        assert_eq!(r.search[0].runtime["search_window_size"], 10);
        assert_eq!(r.search[1].runtime["search_window_size"], 40);
        assert!(
            r.search[1].recall_at_k >= 0.9,
            "seed 5: {}",
            r.search[1].recall_at_k
        );
        assert_eq!(r.params["graph_max_degree"], 16);
        assert_eq!(r.params["type"], "float32");
        let eff = r.effective.as_ref().unwrap();
        assert_eq!(eff.compression.as_deref(), Some("NO_COMPRESSION"));
        assert!(!eff.redis_serves_flat_buffer);
        assert_eq!(r.memory.vector_bytes, 600 * 16 * 4);
        assert_eq!(r.memory.graph_bytes, 600 * 17 * 4);
        // One whole block of 1,024 × (codes + 4·(R+1)), no id map, plus the fixed part.
        assert_eq!(
            r.memory.redis_index_bytes_estimate,
            1024 * (64 + 68) + 1600 + 24
        );
        assert_eq!(r.memory.document_bytes, 600 * 16 * 4);
        assert_eq!(out.results.len(), 2);
    }

    #[test]
    fn insertion_option_parses_reports_and_defaults_to_batched_in_old_json() {
        let (params, _) = parse_svs_spec("insertion=incremental").unwrap();
        assert_eq!(params.insertion, Insertion::Incremental);
        assert_eq!(params_map(&params)["insertion"], "incremental");
        let (batched, _) = parse_svs_spec("insertion=Batched").unwrap();
        assert_eq!(batched.insertion, Insertion::Batched);
        assert!(!params_map(&batched).contains_key("insertion"));
        assert!(matches!(
            parse_svs_spec("insertion=sometimes"),
            Err(SpecError::BadValue { .. })
        ));
        // JSON written before the option existed still parses, as the batched build.
        let old = serde_json::to_value(SvsParams::default()).unwrap();
        assert!(old.get("insertion").is_none(), "batched is not written");
        let parsed: SvsParams = serde_json::from_value(old).unwrap();
        assert_eq!(parsed.insertion, Insertion::Batched);
        // 1,100 rows: a first block of 1,024, then 76 single insertions.
        let e = synthetic_eval(Metric::L2, 4, 1_100, 20, 4);
        let out = run_svs(
            &e,
            params,
            Target::Intel,
            &[SvsRuntime::default()],
            &clock(),
            &mut annlab_core::NoControl,
        )
        .unwrap();
        assert!(
            out.report.search[0].recall_at_k >= 0.5,
            "{}",
            out.report.search[0].recall_at_k
        );
    }

    #[test]
    fn compressed_below_threshold_adds_the_flat_buffer_point_and_generic_falls_back() {
        let e = eval(Metric::Cosine, 9);
        let (params, sweep) = parse_svs_spec(
            "graph_max_degree=16,construction_window_size=50,search_window_size=20,compression=lvq4x8,training_threshold=2048",
        )
        .unwrap();
        let out = run_svs(
            &e,
            params,
            Target::Generic,
            &sweep,
            &clock(),
            &mut annlab_core::NoControl,
        )
        .unwrap();
        let r = &out.report;
        let eff = r.effective.as_ref().unwrap();
        assert_eq!(eff.compression.as_deref(), Some("GlobalSQ8"));
        assert_eq!(eff.training_threshold, Some(2048));
        assert!(eff.redis_serves_flat_buffer);
        assert_eq!(r.search.len(), 2);
        let flat = &r.search[1];
        assert_eq!(flat.runtime["served_by"], "flat_buffer");
        assert_eq!(flat.recall_at_k, 1.0);
        assert!(r.notes.iter().any(|n| n.contains("GlobalSQ8")));
        assert_eq!(r.params["compression"], "LVQ4x8");
        // Flat buffer model: one aligned FP32 block of 1024 rows, 16 B per slot, 32 B per
        // label node, its fixed part, and the empty backend's fixed part.
        assert_eq!(
            r.memory.redis_index_bytes_estimate,
            (1024 * 16 * 4 + 72) + 1024 * 16 + 600 * 32 + 1300 + 1600
        );
    }

    #[test]
    fn runtime_errors_use_clear_texts() {
        let e = eval(Metric::L2, 3);
        let (params, sweep) = parse_svs_spec(
            "graph_max_degree=8,construction_window_size=20,search_window_size=30,search_buffer_capacity=10",
        )
        .unwrap();
        let err = run_svs(
            &e,
            params,
            Target::Intel,
            &sweep,
            &clock(),
            &mut annlab_core::NoControl,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "SEARCH_BUFFER_CAPACITY 10 is below SEARCH_WINDOW_SIZE 30: Redis would abort (SIGABRT) on this query, so annlab refuses it"
        );
        let mut calls = 0;
        let mut cancel = |_: &str, _: usize, _: usize| {
            calls += 1;
            calls < 2
        };
        let (params, sweep) = parse_svs_spec("graph_max_degree=8").unwrap();
        assert_eq!(
            run_svs(&e, params, Target::Intel, &sweep, &clock(), &mut cancel).unwrap_err(),
            RunError::Cancelled
        );
    }

    #[test]
    fn spec_parsing() {
        let (p, rt) = parse_svs_spec(
            "graph_max_degree=64,construction_window_size=300,search_window_size=10/50,compression=LeanVec4x8,reduce=96,training_threshold=4096,epsilon=0.02,type=float16,seed=7,use_search_history=off,search_buffer_capacity=60",
        )
        .unwrap();
        assert_eq!(p.graph_max_degree, 64);
        assert_eq!(p.construction_window_size, 300);
        assert_eq!(p.search_window_size, 10);
        assert_eq!(p.compression, Some(Compression::LeanVec4x8));
        assert_eq!((p.reduce, p.training_threshold), (Some(96), Some(4096)));
        assert_eq!(p.element_type, ElementType::Float16);
        assert_eq!(p.seed, 7);
        assert_eq!(rt.len(), 2);
        assert_eq!(rt[1].search_window_size, Some(50));
        assert_eq!(rt[1].search_buffer_capacity, Some(60));
        assert_eq!(rt[1].use_search_history, SearchHistory::Off);

        let (_, rt) = parse_svs_spec("").unwrap();
        assert_eq!(rt, vec![SvsRuntime::default()]);

        let err = |s: &str| parse_svs_spec(s).unwrap_err().to_string();
        assert_eq!(err("m=16"), "Bad arguments for algorithm SVS-VAMANA: M");
        assert_eq!(
            err("ef_runtime=10"),
            "Bad arguments for algorithm SVS-VAMANA: EF_RUNTIME"
        );
        assert_eq!(
            err("compression=LVQ8x8"),
            "Bad arguments for vector similarity SVS-VAMANA index `COMPRESSION`: Unknown argument"
        );
        assert_eq!(
            err("type=bfloat16"),
            "Not supported data type is given. Expected: FLOAT16, FLOAT32"
        );
        assert_eq!(
            err("type=bogus"),
            "Bad arguments for vector similarity SVS-VAMANA index `TYPE`: Unknown argument"
        );
        assert_eq!(
            err("graph_max_degree=0"),
            "Bad arguments for vector similarity SVS-VAMANA index `GRAPH_MAX_DEGREE`: Value is outside acceptable bounds"
        );
        assert_eq!(
            err("training_threshold=2048"),
            "TRAINING_THRESHOLD is irrelevant when compression was not requested"
        );
        assert_eq!(
            err("compression=LVQ4,training_threshold=1000"),
            "Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)"
        );
        assert_eq!(
            err("compression=LVQ4,reduce=32"),
            "REDUCE is irrelevant when compression is not of type LeanVec"
        );
        assert!(parse_svs_spec("compression=globalsq8").is_ok());
        // A capacity sweep pairs every window with every capacity.
        let (_, rt) =
            parse_svs_spec("search_window_size=10/20,search_buffer_capacity=30/40").unwrap();
        let pairs: Vec<_> = rt
            .iter()
            .map(|r| (r.search_window_size, r.search_buffer_capacity))
            .collect();
        assert_eq!(
            pairs,
            vec![
                (Some(10), Some(30)),
                (Some(10), Some(40)),
                (Some(20), Some(30)),
                (Some(20), Some(40))
            ]
        );
        assert!(parse_svs_spec("search_buffer_capacity=10/x").is_err());
    }
}
