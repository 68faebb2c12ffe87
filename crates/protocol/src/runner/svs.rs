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
//!   and the extra point what Redis answers today. Appending keeps sweep positions aligned
//!   with other runs (the "vs HNSW" recall pairs points by position).
//!
//! Memory: our exact bytes ([`SvsIndex::memory`]); `redis_index_bytes_estimate` from
//! [`annlab_core::svs::memory`]; `document_bytes` = n · dim · sizeof(TYPE).

use annlab_core::flat::FlatIndex;
use annlab_core::svs::memory::{document_bytes, redis_index_bytes_estimate};
use annlab_core::svs::validate::{resolve_runtime, validate_params_for_annlab};
use annlab_core::svs::{
    Compression, SearchHistory, SvsError, SvsIndex, SvsParams, SvsRuntime, Target,
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

/// Builds SVS-VAMANA as `target` would (Intel codecs, or GlobalSQ8 on generic builds), timed,
/// then measures each runtime setting of `runtime_sweep` (the index default window when the
/// sweep is empty).
pub fn run_svs(
    eval: &EvalSet,
    params: SvsParams,
    target: Target,
    runtime_sweep: &[SvsRuntime],
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<RunOutcome, RunError> {
    let started = clock.now_seconds();
    let index = SvsIndex::build(&eval.base, eval.metric, &params, target, control)
        .map_err(run_error)?;
    let build_seconds = clock.now_seconds() - started;

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
    m
}

/// Keys `parse_svs_spec` accepts.
pub const SVS_SPEC_KEYS: [&str; 11] = [
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
/// the first is also the index default). `search_buffer_capacity` and `use_search_history`
/// (on/off/auto) apply to every point. `compression` is case-insensitive and also accepts
/// annlab's `GlobalSQ8`. Values the server would reject come back as
/// [`SpecError::Rejected`] carrying the server's text (e.g. `m=16` gives
/// "Bad arguments for algorithm SVS-VAMANA: M").
pub fn parse_svs_spec(spec: &str) -> Result<(SvsParams, Vec<SvsRuntime>), SpecError> {
    let mut params = SvsParams::default();
    let mut windows: Vec<usize> = Vec::new();
    let mut capacity = None;
    let mut history = SearchHistory::Auto;
    for entry in parse_entries(spec)? {
        let key = entry.key.as_str();
        match key {
            "type" => {
                let v = entry.single()?;
                params.element_type = if v.eq_ignore_ascii_case("float32") {
                    ElementType::Float32
                } else if v.eq_ignore_ascii_case("float16") {
                    ElementType::Float16
                } else {
                    return Err(rejected(
                        key,
                        annlab_core::svs::SvsParamError::UnsupportedType.to_string(),
                    ));
                };
            }
            "graph_max_degree" => params.graph_max_degree = single_usize(&entry)?,
            "construction_window_size" => {
                params.construction_window_size = single_usize(&entry)?
            }
            "search_window_size" => windows = entry.usizes()?,
            "search_buffer_capacity" => capacity = Some(single_usize(&entry)?),
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
                        annlab_core::svs::SvsParamError::BadValue {
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
    let runtimes = if windows.is_empty() {
        vec![SvsRuntime {
            search_window_size: None,
            search_buffer_capacity: capacity,
            use_search_history: history,
        }]
    } else {
        windows
            .iter()
            .map(|&w| SvsRuntime {
                search_window_size: Some(w),
                search_buffer_capacity: capacity,
                use_search_history: history,
            })
            .collect()
    };
    Ok((params, runtimes))
}

fn single_usize(entry: &crate::spec::SpecEntry) -> Result<usize, SpecError> {
    let v = entry.single()?;
    v.parse()
        .map_err(|_| bad(&entry.key, v, "non-negative integer"))
}
