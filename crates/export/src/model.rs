//! The resolved migration: validated names, the prefix strategy, the chosen measurements and
//! the FT.CREATE tokens. Every renderer reads this, so they cannot disagree.

use annlab_core::svs::params::DEFAULT_TRAINING_THRESHOLD;
use annlab_core::svs::{Compression, SvsParams, Target};
use annlab_core::{ElementType, Metric};
use annlab_protocol::report::{Algorithm, DatasetInfo, RunReport, SearchPoint};
use serde_json::Value;

use crate::error::ExportError;
use crate::input::{KeyType, OtherFieldKind, PlanInput};
use crate::names::{check_json_path, check_name, prefixes_overlap};
use crate::projection::Projection;
use crate::svs_check::check_svs;

/// Re-encoding of HASH documents to a new prefix when the vector TYPE changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reencode {
    pub from: ElementType,
    pub to: ElementType,
    /// `(old prefix, new prefix)` pairs.
    pub prefixes: Vec<(String, String)>,
    /// Where migrate.py keeps its SCAN cursor so an interrupted copy resumes.
    pub marker_key: String,
}

/// A non-vector field with its JSON path resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub kind: OtherFieldKind,
    pub path: Option<String>,
}

/// Everything the renderers need.
#[derive(Debug, Clone)]
pub struct Resolved<'a> {
    pub input: &'a PlanInput,
    pub dataset: &'a DatasetInfo,
    pub old_index: String,
    pub new_index: String,
    pub alias: String,
    pub key_type: KeyType,
    pub old_prefixes: Vec<String>,
    /// The new index's prefixes: the old ones unless re-encoding.
    pub new_prefixes: Vec<String>,
    pub reencode: Option<Reencode>,
    pub vector_field: String,
    pub vector_path: Option<String>,
    pub other_fields: Vec<Field>,
    pub dim: usize,
    pub metric: Metric,
    /// The chosen SVS config with every default made explicit.
    pub svs: SvsParams,
    pub target: Target,
    pub hnsw_run: &'a RunReport,
    pub svs_run: &'a RunReport,
    pub svs_point: &'a SearchPoint,
    pub svs_point_index: usize,
    /// The HNSW point compared against, and whether its EF_RUNTIME equals production's.
    pub hnsw_point: &'a SearchPoint,
    pub hnsw_point_exact: bool,
    pub memory: Projection,
    /// FT.CREATE arguments, in the order redis-py/RedisVL send them.
    pub create_tokens: Vec<String>,
    /// Per-shard figures when the plan is for a Redis Cluster.
    pub cluster: Option<crate::capacity::ClusterPlan>,
}

fn run<'a>(
    input: &'a PlanInput,
    which: &'static str,
    index: usize,
    expected: Algorithm,
) -> Result<&'a RunReport, ExportError> {
    let runs = &input.report.runs;
    let r = runs.get(index).ok_or(ExportError::RunOutOfRange {
        which,
        index,
        len: runs.len(),
    })?;
    if r.algorithm != expected {
        return Err(ExportError::WrongAlgorithm {
            which,
            index,
            expected: expected.redis_name(),
            found: r.algorithm.redis_name(),
        });
    }
    Ok(r)
}

/// The integer or string a report parameter holds, as text.
fn param_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Refuses a chosen config that is not the one measured (when the report names the value).
fn check_measured(
    run: &RunReport,
    point: &SearchPoint,
    svs: &SvsParams,
) -> Result<(), ExportError> {
    let expect = |attribute: &'static str, measured: Option<&Value>, chosen: String| match measured
    {
        Some(v) if !param_text(v).eq_ignore_ascii_case(&chosen) => {
            Err(ExportError::ConfigMismatch {
                attribute,
                measured: param_text(v),
                chosen,
            })
        }
        _ => Ok(()),
    };
    expect(
        "graph_max_degree",
        run.params.get("graph_max_degree"),
        svs.graph_max_degree.to_string(),
    )?;
    expect(
        "construction_window_size",
        run.params.get("construction_window_size"),
        svs.construction_window_size.to_string(),
    )?;
    let compression = svs
        .compression
        .map_or("NO_COMPRESSION", Compression::redis_name);
    match run.params.get("compression") {
        Some(Value::Null) | None => {
            if svs.compression.is_some() && run.params.contains_key("compression") {
                return Err(ExportError::ConfigMismatch {
                    attribute: "compression",
                    measured: "NO_COMPRESSION".to_string(),
                    chosen: compression.to_string(),
                });
            }
        }
        Some(v) => {
            let m = param_text(v);
            let none = m.eq_ignore_ascii_case("NO_COMPRESSION") || m.eq_ignore_ascii_case("none");
            if (none && svs.compression.is_some())
                || (!none && !m.eq_ignore_ascii_case(compression))
            {
                return Err(ExportError::ConfigMismatch {
                    attribute: "compression",
                    measured: m,
                    chosen: compression.to_string(),
                });
            }
        }
    }
    expect(
        "search_window_size",
        point.runtime.get("search_window_size"),
        svs.search_window_size.to_string(),
    )
}

/// The HNSW point at production's EF_RUNTIME, else the nearest one.
fn pick_hnsw_point(run: &RunReport, ef: usize) -> Option<(&SearchPoint, bool)> {
    let ef_of = |p: &SearchPoint| {
        p.runtime
            .get("ef_runtime")
            .and_then(Value::as_u64)
            .map(|v| v as usize)
    };
    if let Some(p) = run.search.iter().find(|p| ef_of(p) == Some(ef)) {
        return Some((p, true));
    }
    run.search
        .iter()
        .min_by_key(|p| ef_of(p).map_or(usize::MAX, |e| e.abs_diff(ef)))
        .map(|p| (p, false))
}

/// Fills the SVS defaults that FT.CREATE would apply, so every value is written explicitly.
fn explicit_svs(mut svs: SvsParams, dim: usize) -> SvsParams {
    if svs.compression.is_some() && svs.training_threshold.is_none() {
        svs.training_threshold = Some(DEFAULT_TRAINING_THRESHOLD);
    }
    if svs.compression.is_some_and(Compression::is_leanvec) && svs.reduce.is_none() {
        svs.reduce = Some(dim / 2);
    }
    svs
}

impl<'a> Resolved<'a> {
    pub fn new(input: &'a PlanInput) -> Result<Self, ExportError> {
        let p = &input.production;
        let hnsw_run = run(input, "HNSW", input.hnsw_run, Algorithm::Hnsw)?;
        let svs_run = run(input, "SVS", input.svs_run, Algorithm::SvsVamana)?;
        let svs_point =
            svs_run
                .search
                .get(input.svs_point)
                .ok_or(ExportError::PointOutOfRange {
                    index: input.svs_point,
                    len: svs_run.search.len(),
                })?;
        let (hnsw_point, hnsw_point_exact) = pick_hnsw_point(hnsw_run, p.current_hnsw.ef_runtime)
            .ok_or(ExportError::NoHnswPoints)?;

        let dataset = &input.report.dataset;
        if dataset.dim != p.dim {
            return Err(ExportError::DimMismatch {
                measured: dataset.dim,
                production: p.dim,
            });
        }
        let measured_metric: Option<Metric> = dataset.metric.parse().ok();
        if measured_metric != Some(p.metric) {
            return Err(ExportError::MetricMismatch {
                measured: dataset.metric.clone(),
                production: p.metric.lower_name().to_string(),
            });
        }
        check_svs(&input.svs, p.dim)?;
        check_measured(svs_run, svs_point, &input.svs)?;
        crate::svs_check::check_runtime(svs_point, input.svs.search_window_size)?;
        let svs = explicit_svs(input.svs, p.dim);

        check_name("index name", &p.index_name)?;
        let new_index = p
            .new_index_name
            .clone()
            .unwrap_or_else(|| crate::rehearsal::default_new_index(&p.index_name));
        check_name("new index name", &new_index)?;
        let alias = p
            .alias
            .clone()
            .unwrap_or_else(|| crate::rehearsal::default_alias(&p.index_name));
        check_name("alias", &alias)?;
        if new_index == p.index_name {
            return Err(ExportError::NameClash(format!(
                "the new index name {new_index:?} equals the HNSW index name"
            )));
        }
        if alias == p.index_name || alias == new_index {
            return Err(ExportError::NameClash(format!(
                "the alias {alias:?} equals an index name; Redis keeps indexes and aliases in one namespace"
            )));
        }

        if p.prefixes.is_empty() {
            return Err(ExportError::InvalidFacts {
                field: "prefixes",
                reason:
                    "at least one key prefix is needed (an empty prefix list indexes every key)"
                        .to_string(),
            });
        }
        for prefix in &p.prefixes {
            check_name("prefix", prefix)?;
        }

        check_name("vector field", &p.vector_field)?;
        let vector_path = match p.key_type {
            KeyType::Hash => None,
            KeyType::Json => {
                let path = p
                    .vector_path
                    .clone()
                    .unwrap_or_else(|| format!("$.{}", p.vector_field));
                check_json_path("vector path", &path)?;
                Some(path)
            }
        };
        let mut other_fields = Vec::new();
        for f in &p.other_fields {
            check_name("field name", &f.name)?;
            if f.name == p.vector_field || other_fields.iter().any(|o: &Field| o.name == f.name) {
                return Err(ExportError::NameClash(format!(
                    "field {:?} is listed twice",
                    f.name
                )));
            }
            let path = match p.key_type {
                KeyType::Hash => None,
                KeyType::Json => {
                    let path = f.path.clone().unwrap_or_else(|| format!("$.{}", f.name));
                    check_json_path("field path", &path)?;
                    Some(path)
                }
            };
            other_fields.push(Field {
                name: f.name.clone(),
                kind: f.kind,
                path,
            });
        }

        if !(0.0..=1.0).contains(&p.recall_threshold) {
            return Err(ExportError::InvalidFacts {
                field: "recall_threshold",
                reason: format!("{} is not between 0 and 1", p.recall_threshold),
            });
        }
        if !p.monthly_growth.is_finite() || p.monthly_growth < 0.0 {
            return Err(ExportError::InvalidFacts {
                field: "monthly_growth",
                reason: format!("{} is not a non-negative fraction", p.monthly_growth),
            });
        }
        if p.validation_queries == 0 {
            return Err(ExportError::InvalidFacts {
                field: "validation_queries",
                reason: "at least one validation query is needed".to_string(),
            });
        }

        // HASH documents hold the raw blob, whose size must match TYPE: a type change means
        // new blobs under a new prefix. JSON arrays are typeless, so JSON keeps its prefix.
        let reencode = if p.key_type == KeyType::Hash && p.vector_type != svs.element_type {
            let new_prefixes = match &p.new_prefixes {
                Some(n) if n.len() == p.prefixes.len() => n.clone(),
                Some(n) => {
                    return Err(ExportError::InvalidFacts {
                        field: "new_prefixes",
                        reason: format!(
                            "{} new prefixes for {} old ones",
                            n.len(),
                            p.prefixes.len()
                        ),
                    })
                }
                None => p.prefixes.iter().map(|x| format!("svs:{x}")).collect(),
            };
            for n in &new_prefixes {
                check_name("new prefix", n)?;
                for o in &p.prefixes {
                    if prefixes_overlap(n, o) {
                        return Err(ExportError::PrefixOverlap {
                            a: o.clone(),
                            b: n.clone(),
                        });
                    }
                }
            }
            let marker_key = format!("__annlab_migrate__:{new_index}:reencode_cursor");
            if let Some(p) = p
                .prefixes
                .iter()
                .chain(&new_prefixes)
                .find(|x| marker_key.starts_with(x.as_str()))
            {
                return Err(ExportError::PrefixOverlap {
                    a: p.clone(),
                    b: marker_key,
                });
            }
            Some(Reencode {
                from: p.vector_type,
                to: svs.element_type,
                prefixes: p.prefixes.iter().cloned().zip(new_prefixes).collect(),
                marker_key,
            })
        } else {
            None
        };
        let new_prefixes = reencode.as_ref().map_or_else(
            || p.prefixes.clone(),
            |r| r.prefixes.iter().map(|(_, n)| n.clone()).collect(),
        );

        let reencoding = reencode.is_some();
        let memory = Projection::new(input, hnsw_run, svs_run, reencoding);
        let mut resolved = Self {
            input,
            dataset,
            old_index: p.index_name.clone(),
            new_index,
            alias,
            key_type: p.key_type,
            old_prefixes: p.prefixes.clone(),
            new_prefixes,
            reencode,
            vector_field: p.vector_field.clone(),
            vector_path,
            other_fields,
            dim: p.dim,
            metric: p.metric,
            svs,
            target: input.target,
            hnsw_run,
            svs_run,
            svs_point,
            svs_point_index: input.svs_point,
            hnsw_point,
            hnsw_point_exact,
            cluster: p
                .cluster
                .map(|c| crate::capacity::ClusterPlan::new(input, c, reencoding)),
            memory,
            create_tokens: Vec::new(),
        };
        crate::svs_check::check_tokens(&resolved.svs_attributes())?;
        resolved.create_tokens = crate::tokens::ft_create(&resolved);
        Ok(resolved)
    }

    /// What FT.INFO will report as `compression` once the index exists.
    pub fn expected_info_compression(&self) -> &'static str {
        match self.svs.compression {
            None => "NO_COMPRESSION",
            Some(c) if self.input.production.intel_build => c.redis_name(),
            Some(_) => "GlobalSQ8",
        }
    }

    /// The SVS attribute pairs in FT.CREATE order (RedisVL's order).
    pub fn svs_attributes(&self) -> Vec<(&'static str, String)> {
        let s = &self.svs;
        let mut attrs = vec![
            ("TYPE", s.element_type.redis_name().to_string()),
            ("DIM", self.dim.to_string()),
            ("DISTANCE_METRIC", self.metric.redis_name().to_string()),
            ("GRAPH_MAX_DEGREE", s.graph_max_degree.to_string()),
            (
                "CONSTRUCTION_WINDOW_SIZE",
                s.construction_window_size.to_string(),
            ),
            ("SEARCH_WINDOW_SIZE", s.search_window_size.to_string()),
            ("EPSILON", crate::quote::py_float(s.epsilon)),
        ];
        if let Some(c) = s.compression {
            attrs.push(("COMPRESSION", c.redis_name().to_string()));
        }
        if let Some(r) = s.reduce {
            attrs.push(("REDUCE", r.to_string()));
        }
        if let Some(t) = s.training_threshold {
            attrs.push(("TRAINING_THRESHOLD", t.to_string()));
        }
        attrs
    }
}
