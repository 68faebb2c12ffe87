//! Platform-free models of the playground: form values, validation with Redis's error texts,
//! run states and derived views. Components read these through [`AppState`] (provided as
//! context); only `worker_bridge` and `browser_io` talk to the browser.

use std::sync::Arc;

use annlab_core::hnsw::HnswParams;
use annlab_core::svs::{self, Compression, SvsParams, SvsRuntime, Target};
use annlab_core::{ElementType, Metric};
use annlab_protocol::report::{Algorithm, RunReport, SearchPoint};
use annlab_protocol::runner::{IndexSpec, RunOutcome};
use annlab_protocol::worker::DatasetSummary;
use leptos::prelude::*;

pub use annlab_worker::scheduler::ViewUpdate;
pub use annlab_worker::view::{
    eta_seconds, DatasetView, EvalView, IndexKind, LoadedFile, Progress, RunState, TruthStatus,
};

/// Settings shared by both indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct CommonForm {
    pub metric: Metric,
    /// Whether the user picked the metric (otherwise the data's suggestion is applied).
    pub metric_chosen: bool,
    pub k: String,
    pub element_type: ElementType,
    /// Held-out queries when no query file is loaded.
    pub queries: String,
    pub seed: String,
}

impl Default for CommonForm {
    fn default() -> Self {
        Self {
            metric: Metric::Cosine,
            metric_chosen: false,
            k: "10".into(),
            element_type: ElementType::Float32,
            queries: "200".into(),
            seed: "42".into(),
        }
    }
}

/// The HNSW panel, as typed (validated on build and on every change).
#[derive(Debug, Clone, PartialEq)]
pub struct HnswForm {
    pub m: String,
    pub ef_construction: String,
    pub ef_runtime: String,
    pub sweep: String,
}

impl Default for HnswForm {
    fn default() -> Self {
        let d = HnswParams::default();
        Self {
            m: d.m.to_string(),
            ef_construction: d.ef_construction.to_string(),
            ef_runtime: d.ef_runtime.to_string(),
            sweep: "10/20/50/100/200".into(),
        }
    }
}

/// The SVS-VAMANA panel, as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct SvsForm {
    pub graph_max_degree: String,
    pub construction_window_size: String,
    pub search_window_size: String,
    pub compression: Option<Compression>,
    /// Empty = the Redis default (10,240 when compressed).
    pub training_threshold: String,
    /// Empty = DIM/2 for LeanVec.
    pub reduce: String,
    pub sweep: String,
    pub target: Target,
    /// How the modelled server inserts after its first block (its WORKERS setting).
    pub insertion: svs::Insertion,
}

impl Default for SvsForm {
    fn default() -> Self {
        Self {
            graph_max_degree: svs::params::DEFAULT_GRAPH_MAX_DEGREE.to_string(),
            construction_window_size: svs::params::DEFAULT_CONSTRUCTION_WINDOW_SIZE.to_string(),
            search_window_size: svs::params::DEFAULT_SEARCH_WINDOW_SIZE.to_string(),
            // Redis's default is no compression; the panel suggests LVQ for learners.
            compression: None,
            training_threshold: String::new(),
            reduce: String::new(),
            sweep: "10/20/50/100/200".into(),
            target: Target::Intel,
            insertion: svs::Insertion::Batched,
        }
    }
}

/// One validation message, attached to a Redis attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Redis attribute name (`M`, `GRAPH_MAX_DEGREE`, …) or a UI field name.
    pub attr: &'static str,
    pub message: String,
}

fn field_error(attr: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        attr,
        message: message.into(),
    }
}

/// A value parsed by annlab-core, or its error (core's text) pushed at `attr`.
fn parsed<E: std::fmt::Display>(
    result: Result<usize, E>,
    attr: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<usize> {
    result
        .map_err(|e| errors.push(field_error(attr, e.to_string())))
        .ok()
}

/// A `/`-separated list of positive integers (a runtime sweep).
fn parse_sweep(text: &str, attr: &'static str, errors: &mut Vec<FieldError>) -> Vec<usize> {
    let mut out = Vec::new();
    for part in text.split(['/', ',', ' ']).filter(|p| !p.trim().is_empty()) {
        match part.trim().parse::<usize>() {
            Ok(v) if v >= 1 => {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            _ => {
                errors.push(field_error(
                    attr,
                    format!("{attr} sweep: `{}` is not a positive integer", part.trim()),
                ));
                return Vec::new();
            }
        }
    }
    out
}

/// Validated common settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Common {
    pub metric: Metric,
    pub k: usize,
    pub element_type: ElementType,
    pub queries: usize,
    pub seed: u64,
}

pub fn validate_common(form: &CommonForm) -> Result<Common, Vec<FieldError>> {
    let mut errors = Vec::new();
    let k = match form.k.trim().parse::<usize>() {
        Ok(k) if (1..=1000).contains(&k) => k,
        _ => {
            errors.push(field_error("k", "k must be an integer from 1 to 1000"));
            0
        }
    };
    let queries = match form.queries.trim().parse::<usize>() {
        Ok(q) if (1..=10_000).contains(&q) => q,
        _ => {
            errors.push(field_error(
                "queries",
                "held-out queries must be an integer from 1 to 10000",
            ));
            0
        }
    };
    let seed = form.seed.trim().parse::<u64>().unwrap_or_else(|_| {
        errors.push(field_error("seed", "seed must be a non-negative integer"));
        0
    });
    if errors.is_empty() {
        Ok(Common {
            metric: form.metric,
            k,
            element_type: form.element_type,
            queries,
            seed,
        })
    } else {
        Err(errors)
    }
}

/// HNSW attributes as FT.CREATE and VecSim check them (annlab-core's rules and texts), plus
/// the EF_RUNTIME sweep.
pub fn validate_hnsw(form: &HnswForm, common: &Common) -> Result<IndexSpec, Vec<FieldError>> {
    use annlab_core::hnsw::params::parse_attribute;
    let mut errors = Vec::new();
    let m = parsed(parse_attribute("M", &form.m), "M", &mut errors);
    let ef_c = parsed(
        parse_attribute("EF_CONSTRUCTION", &form.ef_construction),
        "EF_CONSTRUCTION",
        &mut errors,
    );
    let ef_r = parsed(
        parse_attribute("EF_RUNTIME", &form.ef_runtime),
        "EF_RUNTIME",
        &mut errors,
    );
    let mut sweep = parse_sweep(&form.sweep, "EF_RUNTIME", &mut errors);
    if let (true, Some(ef_r)) = (sweep.is_empty(), ef_r) {
        sweep.push(ef_r);
    }
    // A field that did not parse takes its (valid) default, so only typed values are judged.
    let d = HnswParams::default();
    let params = HnswParams {
        m: m.unwrap_or(d.m),
        ef_construction: ef_c.unwrap_or(d.ef_construction),
        ef_runtime: ef_r.unwrap_or(d.ef_runtime),
        element_type: common.element_type,
        ..d
    };
    if let Err(e) = params.validate() {
        errors.push(field_error(e.attribute().unwrap_or("HNSW"), e.to_string()));
    }
    if errors.is_empty() {
        Ok(IndexSpec::Hnsw {
            params,
            ef_sweep: sweep,
        })
    } else {
        Err(errors)
    }
}

/// SVS-VAMANA attributes as FT.CREATE checks them (annlab-core's rules and texts; each field
/// as it parses, then the cross-attribute rules, first error first as the server answers), the
/// exporter's REDUCE < DIM once `dim` is known, plus the window sweep.
pub fn validate_svs(
    form: &SvsForm,
    common: &Common,
    dim: Option<usize>,
) -> Result<IndexSpec, Vec<FieldError>> {
    use annlab_core::svs::validate::parse_integer_attribute;
    let mut errors = Vec::new();
    let integer = |attr: &'static str, text: &str, errors: &mut Vec<FieldError>| {
        parsed(parse_integer_attribute(attr, text), attr, errors)
    };
    let r = integer("GRAPH_MAX_DEGREE", &form.graph_max_degree, &mut errors);
    let l = integer(
        "CONSTRUCTION_WINDOW_SIZE",
        &form.construction_window_size,
        &mut errors,
    );
    let w = integer("SEARCH_WINDOW_SIZE", &form.search_window_size, &mut errors);
    let optional = |attr: &'static str, text: &str, errors: &mut Vec<FieldError>| {
        if text.trim().is_empty() {
            None
        } else {
            integer(attr, text, errors)
        }
    };
    let training_threshold = optional("TRAINING_THRESHOLD", &form.training_threshold, &mut errors);
    let reduce = optional("REDUCE", &form.reduce, &mut errors);
    let mut sweep = parse_sweep(&form.sweep, "SEARCH_WINDOW_SIZE", &mut errors);
    if let (true, Some(w)) = (sweep.is_empty(), w) {
        sweep.push(w);
    }
    let d = SvsParams::default();
    let params = SvsParams {
        element_type: common.element_type,
        graph_max_degree: r.unwrap_or(d.graph_max_degree),
        construction_window_size: l.unwrap_or(d.construction_window_size),
        search_window_size: w.unwrap_or(d.search_window_size),
        compression: form.compression,
        training_threshold,
        reduce,
        insertion: form.insertion,
        ..d
    };
    // No server rule but DIM > 0 depends on DIM, so an unknown DIM is checked as 1.
    if let Err(e) = svs::validate_params(&params, dim.unwrap_or(1)) {
        errors.push(field_error(
            e.attribute().unwrap_or("SVS-VAMANA"),
            e.to_string(),
        ));
    } else if let Some(Err(e)) = dim.map(|dim| annlab_export::svs_check::check_reduce(reduce, dim))
    {
        errors.push(field_error("REDUCE", e.to_string()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(IndexSpec::Svs {
        params,
        target: form.target,
        runtime_sweep: sweep
            .into_iter()
            .map(|w| SvsRuntime {
                search_window_size: Some(w),
                ..SvsRuntime::default()
            })
            .collect(),
    })
}

/// The search point shown as an index's headline figure: the one at the index's default
/// runtime setting (EF_RUNTIME / SEARCH_WINDOW_SIZE from the panel), else the first.
pub fn headline_point(report: &RunReport, default_runtime: Option<usize>) -> Option<usize> {
    let key = match report.algorithm {
        Algorithm::Hnsw => "ef_runtime",
        Algorithm::SvsVamana => "search_window_size",
        Algorithm::Flat => return (!report.search.is_empty()).then_some(0),
    };
    let at_default = default_runtime.and_then(|d| {
        report
            .search
            .iter()
            .position(|p| runtime_value(p, key) == Some(d))
    });
    at_default.or_else(|| (!report.search.is_empty()).then_some(0))
}

/// A runtime parameter's value at a search point.
pub fn runtime_value(point: &SearchPoint, key: &str) -> Option<usize> {
    point
        .runtime
        .get(key)
        // A JS number may come back as a float (`10.0`) through serde-wasm-bindgen.
        .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)))
        .map(|v| v as usize)
}

/// Human-readable byte size (binary units).
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

/// Seconds with a sensible precision.
pub fn format_seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// The messages shown under the data summary for the chosen metric.
pub fn data_warnings(summary: &DatasetSummary, metric: Metric) -> Vec<String> {
    let rows = |c: &annlab_protocol::worker::RowCount| {
        let list: Vec<String> = c.first.iter().map(usize::to_string).collect();
        let more = if c.count > c.first.len() { ", …" } else { "" };
        format!("{} row(s) ({}{more})", c.count, list.join(", "))
    };
    let mut out = Vec::new();
    if summary.nan_rows.count > 0 {
        out.push(format!("{} contain NaN", rows(&summary.nan_rows)));
    }
    if summary.inf_rows.count > 0 {
        out.push(format!("{} contain infinity", rows(&summary.inf_rows)));
    }
    if summary.zero_rows.count > 0 {
        out.push(match metric {
            Metric::Cosine => format!(
                "{} are zero vectors: COSINE cannot normalise them",
                rows(&summary.zero_rows)
            ),
            Metric::Ip => format!(
                "{} are zero vectors: at IP distance 1 from everything",
                rows(&summary.zero_rows)
            ),
            Metric::L2 => format!("{} are zero vectors", rows(&summary.zero_rows)),
        });
    }
    if summary.duplicate_ids.count > 0 {
        out.push(format!(
            "{} repeat an earlier id: a Redis key would be overwritten",
            rows(&summary.duplicate_ids)
        ));
    }
    if metric == Metric::Ip && !summary.unit_normalized {
        out.push("IP on vectors that are not unit-normalised is not cosine similarity".into());
    }
    if metric != summary.suggested_metric {
        out.push(format!(
            "The data suggests {} (norms {:.3}…{:.3}); you chose {}",
            summary.suggested_metric.redis_name(),
            summary.norm_min,
            summary.norm_max,
            metric.redis_name()
        ));
    }
    out.extend(summary.notes.iter().cloned());
    out
}

/// The loaded files and the preparation of their evaluation set.
#[derive(Clone, Copy)]
pub struct DataModel {
    pub dataset: RwSignal<Option<DatasetView>>,
    pub query_file: RwSignal<Option<LoadedFile>>,
    pub truth_file: RwSignal<Option<LoadedFile>>,
    /// File loading / parsing progress.
    pub loading: RwSignal<Option<Progress>>,
    /// Whether the queries and ground truth of the current inputs are ready.
    pub truth_status: RwSignal<TruthStatus>,
    /// The `annlab assess` output the base came from (its facts and measured baseline).
    pub assessed: RwSignal<Option<Arc<AssessedSample>>>,
    /// The uploaded base's name and content hash (for a shareable link's fingerprint).
    pub upload_hash: RwSignal<Option<(String, u64)>>,
}

/// An `annlab assess` output loaded as the base: shown while the base is its vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessedSample {
    pub facts: annlab_export::facts::AssessedFacts,
    /// The name the vectors were loaded under (the base's [`DatasetView::name`]).
    pub base_name: String,
}

impl DataModel {
    fn new() -> Self {
        Self {
            dataset: RwSignal::new(None),
            query_file: RwSignal::new(None),
            truth_file: RwSignal::new(None),
            loading: RwSignal::new(None),
            truth_status: RwSignal::new(TruthStatus::NotPrepared),
            assessed: RwSignal::new(None),
            upload_hash: RwSignal::new(None),
        }
    }

    /// The assess output of the current base, if it came from one (tracked).
    pub fn assessed_base(&self) -> Option<Arc<AssessedSample>> {
        let name = self.dataset.with(|d| d.as_ref().map(|d| d.name.clone()))?;
        self.assessed.get().filter(|a| a.base_name == name)
    }

    /// A new base: the query and ground-truth files and the preparation that belonged to
    /// the old one go.
    pub fn replace_base(&self, dataset: DatasetView) {
        self.truth_status.set(TruthStatus::NotPrepared);
        self.query_file.set(None);
        self.truth_file.set(None);
        self.dataset.set(Some(dataset));
    }

    pub fn is_loaded_untracked(&self) -> bool {
        self.dataset.with_untracked(Option::is_some)
    }

    /// The base's dimension, if one is loaded.
    pub fn dim_untracked(&self) -> Option<usize> {
        self.dataset
            .with_untracked(|d| d.as_ref().map(|d| d.summary.dim))
    }
}

/// The forms, as typed.
#[derive(Clone, Copy)]
pub struct FormsModel {
    pub common: RwSignal<CommonForm>,
    pub hnsw: RwSignal<HnswForm>,
    pub svs: RwSignal<SvsForm>,
    /// Production facts for the migration plan.
    pub production: RwSignal<crate::plan_export::ProductionForm>,
}

impl FormsModel {
    fn new() -> Self {
        Self {
            common: RwSignal::new(CommonForm::default()),
            hnsw: RwSignal::new(HnswForm::default()),
            svs: RwSignal::new(SvsForm::default()),
            production: RwSignal::new(Default::default()),
        }
    }

    /// Prefills every form from an `annlab assess` facts.json: the metric, k and TYPE, the
    /// HNSW panel (M, EF_CONSTRUCTION, EF_RUNTIME, the measured EF_RUNTIMEs as the sweep) and
    /// the production facts.
    pub fn prefill_assessed(&self, facts: &annlab_export::facts::AssessedFacts) {
        let p = &facts.production;
        self.common.update(|c| {
            c.metric = p.metric;
            c.metric_chosen = true;
            c.k = facts.baseline.k.to_string();
            c.element_type = p.vector_type;
        });
        let sweep = facts.runtime_sweep();
        self.hnsw.update(|h| {
            h.m = p.current_hnsw.m.to_string();
            h.ef_construction = p.current_hnsw.ef_construction.to_string();
            h.ef_runtime = p.current_hnsw.ef_runtime.to_string();
            if !sweep.is_empty() {
                h.sweep = sweep
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join("/");
            }
        });
        self.production
            .set(crate::plan_export::ProductionForm::from_assessed(p));
    }

    /// The forms as a link carries them (tracked). A field that is not a whole number as typed
    /// is left out: a link holds only what the form could build.
    pub fn shared(&self) -> annlab_worker::share_link::SharedSetup {
        use annlab_worker::share_link::SharedSetup;
        let n = |t: &str| t.trim().parse::<usize>().ok();
        let sweep = |t: &str| {
            let mut errors = Vec::new();
            let v = parse_sweep(t, "sweep", &mut errors);
            (errors.is_empty() && !v.is_empty()).then_some(v)
        };
        let c = self.common.get();
        let h = self.hnsw.get();
        let s = self.svs.get();
        SharedSetup {
            dataset: None,
            metric: Some(c.metric),
            k: n(&c.k),
            element_type: Some(c.element_type),
            queries: n(&c.queries),
            seed: c.seed.trim().parse().ok(),
            target: Some(s.target),
            m: n(&h.m),
            ef_construction: n(&h.ef_construction),
            ef_runtime: n(&h.ef_runtime),
            ef_sweep: sweep(&h.sweep),
            graph_max_degree: n(&s.graph_max_degree),
            construction_window_size: n(&s.construction_window_size),
            search_window_size: n(&s.search_window_size),
            compression: Some(s.compression),
            training_threshold: n(&s.training_threshold),
            reduce: n(&s.reduce),
            window_sweep: sweep(&s.sweep),
            insertion: Some(s.insertion),
            panel: None,
            grid: Default::default(),
            pick: None,
        }
    }

    /// Restores the forms from a link: each setting it carries replaces the form's value; the
    /// others take their defaults, so the link alone defines the setup.
    pub fn apply_shared(&self, link: &annlab_worker::share_link::SharedSetup) {
        let (c, h, s) = apply_shared_forms(link);
        self.common.set(c);
        self.hnsw.set(h);
        self.svs.set(s);
    }

    /// The data's metric, unless the user picked one.
    pub fn suggest_metric(&self, suggested: Metric) {
        self.common.update(|c| {
            if !c.metric_chosen {
                c.metric = suggested;
            }
        });
    }

    /// Validated specs for both indexes (`dim` enables the checks that need it), or every
    /// error.
    pub fn specs(
        &self,
        dim: Option<usize>,
    ) -> Result<(Common, IndexSpec, IndexSpec), Vec<FieldError>> {
        let common = validate_common(&self.common.get_untracked())?;
        let hnsw = validate_hnsw(&self.hnsw.get_untracked(), &common);
        let svs = validate_svs(&self.svs.get_untracked(), &common, dim);
        match (hnsw, svs) {
            (Ok(h), Ok(s)) => Ok((common, h, s)),
            (h, s) => Err(h
                .err()
                .unwrap_or_default()
                .into_iter()
                .chain(s.err().unwrap_or_default())
                .collect()),
        }
    }
}

/// The three forms a link describes (see [`FormsModel::apply_shared`]).
pub fn apply_shared_forms(
    link: &annlab_worker::share_link::SharedSetup,
) -> (CommonForm, HnswForm, SvsForm) {
    let text = |v: Option<usize>, default: String| v.map_or(default, |v| v.to_string());
    let sweep = |v: &Option<Vec<usize>>, default: String| {
        v.as_ref().map_or(default, |v| {
            v.iter().map(usize::to_string).collect::<Vec<_>>().join("/")
        })
    };
    let (dc, dh, ds) = (
        CommonForm::default(),
        HnswForm::default(),
        SvsForm::default(),
    );
    let common = CommonForm {
        metric: link.metric.unwrap_or(dc.metric),
        metric_chosen: link.metric.is_some(),
        k: text(link.k, dc.k),
        element_type: link.element_type.unwrap_or(dc.element_type),
        queries: text(link.queries, dc.queries),
        seed: link.seed.map_or(dc.seed, |s| s.to_string()),
    };
    let hnsw = HnswForm {
        m: text(link.m, dh.m),
        ef_construction: text(link.ef_construction, dh.ef_construction),
        ef_runtime: text(link.ef_runtime, dh.ef_runtime),
        sweep: sweep(&link.ef_sweep, dh.sweep),
    };
    let svs = SvsForm {
        graph_max_degree: text(link.graph_max_degree, ds.graph_max_degree),
        construction_window_size: text(link.construction_window_size, ds.construction_window_size),
        search_window_size: text(link.search_window_size, ds.search_window_size),
        compression: link.compression.unwrap_or(ds.compression),
        training_threshold: text(link.training_threshold, ds.training_threshold),
        reduce: text(link.reduce, ds.reduce),
        sweep: sweep(&link.window_sweep, ds.sweep),
        target: link.target.unwrap_or(ds.target),
        insertion: link.insertion.unwrap_or(ds.insertion),
    };
    (common, hnsw, svs)
}

/// The runs of the last build and what was measured about it.
#[derive(Clone, Copy)]
pub struct RunsModel {
    pub hnsw: RwSignal<RunState>,
    pub svs: RwSignal<RunState>,
    /// The finished runs' outcomes, notified only when an outcome appears or changes, not on
    /// every progress event: result views read these, so progress repaints only the bars.
    pub hnsw_outcome: Memo<Option<Arc<RunOutcome>>>,
    pub svs_outcome: Memo<Option<Arc<RunOutcome>>>,
    /// Queries + exact ground truth progress, while a build waits for them.
    pub preparing: RwSignal<Option<Progress>>,
    pub eval: RwSignal<Option<EvalView>>,
    /// Wall time of the last build of both indexes (from the click to the last result).
    pub build_wall_seconds: RwSignal<Option<f64>>,
    /// Seconds from the click until both indexes were built (searches are measured after).
    pub both_built_seconds: RwSignal<Option<f64>>,
    /// Parameters of the last build started (what the finished runs were built with).
    pub built_specs: RwSignal<Option<crate::plan_export::BuiltSpecs>>,
    /// The largest wasm memory each worker reported (bytes; a linear memory only grows).
    pub wasm_memory: RwSignal<std::collections::BTreeMap<String, u64>>,
}

impl RunsModel {
    fn new() -> Self {
        let hnsw = RwSignal::new(RunState::Idle);
        let svs = RwSignal::new(RunState::Idle);
        Self {
            hnsw,
            svs,
            hnsw_outcome: outcome_memo(hnsw),
            svs_outcome: outcome_memo(svs),
            preparing: RwSignal::new(None),
            eval: RwSignal::new(None),
            build_wall_seconds: RwSignal::new(None),
            both_built_seconds: RwSignal::new(None),
            built_specs: RwSignal::new(None),
            wasm_memory: RwSignal::new(Default::default()),
        }
    }

    pub fn run(&self, kind: IndexKind) -> RwSignal<RunState> {
        match kind {
            IndexKind::Hnsw => self.hnsw,
            IndexKind::Svs => self.svs,
        }
    }

    /// The outcome of `kind`'s last finished run (see [`RunsModel::hnsw_outcome`]).
    pub fn outcome(&self, kind: IndexKind) -> Memo<Option<Arc<RunOutcome>>> {
        match kind {
            IndexKind::Hnsw => self.hnsw_outcome,
            IndexKind::Svs => self.svs_outcome,
        }
    }

    /// Forgets the runs (a new base makes them meaningless).
    /// Records a worker's reported wasm memory, keeping each worker's largest.
    pub fn worker_memory(&self, worker: annlab_worker::scheduler::WorkerId, bytes: u64) {
        use annlab_worker::scheduler::WorkerId;
        let name = match worker {
            WorkerId::Data => "data".to_string(),
            WorkerId::Index(IndexKind::Hnsw) => "HNSW".to_string(),
            WorkerId::Index(IndexKind::Svs) => "SVS-VAMANA".to_string(),
            WorkerId::Helper(i) => format!("helper {}", i + 1),
            WorkerId::Cluster => "cluster".to_string(),
        };
        if self
            .wasm_memory
            .with_untracked(|m| m.get(&name).is_some_and(|&b| b >= bytes))
        {
            return;
        }
        self.wasm_memory.update(|m| {
            m.insert(name, bytes);
        });
    }

    pub fn reset(&self) {
        self.hnsw.set(RunState::Idle);
        self.svs.set(RunState::Idle);
        self.eval.set(None);
        self.build_wall_seconds.set(None);
    }

    fn is_busy(&self) -> bool {
        self.hnsw.with(RunState::is_busy)
            || self.svs.with(RunState::is_busy)
            || self.preparing.with(Option::is_some)
    }
}

/// The errors shown in the banner (newest last).
#[derive(Clone, Copy)]
pub struct ErrorsModel {
    pub list: RwSignal<Vec<String>>,
}

impl ErrorsModel {
    /// Banner length: older errors go.
    const KEEP: usize = 4;

    pub fn push(&self, message: String) {
        self.list.update(|e| {
            e.push(message);
            if e.len() > Self::KEEP {
                e.remove(0);
            }
        });
    }

    pub fn clear(&self) {
        self.list.set(Vec::new());
    }
}

/// The query the explorer and the 2-D view show (one selection for both), the 2-D view's
/// points, and which index's answers the view marks.
#[derive(Clone, Copy)]
pub struct ExplorerModel {
    /// May exceed the number of queries of a new evaluation set: read it through
    /// [`ExplorerModel::query`].
    pub selected: RwSignal<usize>,
    pub projection: RwSignal<annlab_worker::scatter::ProjectionState>,
    pub marks_for: RwSignal<IndexKind>,
}

impl ExplorerModel {
    fn new() -> Self {
        Self {
            selected: RwSignal::new(0),
            projection: RwSignal::new(Default::default()),
            marks_for: RwSignal::new(IndexKind::Hnsw),
        }
    }

    /// The selected query among `queries` (the last one when the selection is beyond them).
    pub fn query(&self, queries: usize) -> usize {
        self.selected.get().min(queries.saturating_sub(1))
    }

    pub fn select(&self, q: usize) {
        self.selected.set(q);
    }

    /// The next query (or the previous one, `step` < 0) among `queries`, wrapping around.
    pub fn step(&self, queries: usize, step: isize) {
        if queries == 0 {
            return;
        }
        let q = self.selected.get_untracked().min(queries - 1) as isize;
        let n = queries as isize;
        self.selected.set((q + step).rem_euclid(n) as usize);
    }
}

/// Every reactive piece of app state, shared through context, in small models.
#[derive(Clone, Copy)]
pub struct AppState {
    pub data: DataModel,
    pub forms: FormsModel,
    pub runs: RunsModel,
    pub errors: ErrorsModel,
    /// The grid explorer (grids, imports and the decision views).
    pub explore: crate::explore::ExploreModel,
    /// The simulated Redis Cluster (cluster panel).
    pub cluster: crate::cluster::ClusterModel,
    /// The selected query and the 2-D view.
    pub explorer: ExplorerModel,
    /// Whether anything loads, prepares or builds (changes at starts and ends only).
    pub busy: Memo<bool>,
}

/// A memo of one run's outcome that compares outcomes by identity (a new `Done` is a change,
/// a progress event of a running build is not).
fn outcome_memo(run: RwSignal<RunState>) -> Memo<Option<Arc<RunOutcome>>> {
    Memo::new_with_compare(
        move |_| run.with(RunState::outcome),
        |old, new| match (old, new) {
            (Some(Some(a)), Some(Some(b))) => !Arc::ptr_eq(a, b),
            (Some(None), Some(None)) => false,
            _ => true,
        },
    )
}

impl AppState {
    pub fn new() -> Self {
        let data = DataModel::new();
        let runs = RunsModel::new();
        let loading = data.loading;
        let explore = crate::explore::ExploreModel::new();
        let busy = Memo::new(move |_| {
            runs.is_busy() || loading.with(Option::is_some) || explore.running()
        });
        Self {
            data,
            forms: FormsModel::new(),
            runs,
            errors: ErrorsModel {
                list: RwSignal::new(Vec::new()),
            },
            explore,
            cluster: crate::cluster::ClusterModel::new(),
            explorer: ExplorerModel::new(),
            busy,
        }
    }

    /// Shows what the scheduler decided.
    pub fn apply(&self, update: ViewUpdate) {
        match update {
            ViewUpdate::Loading(p) => self.data.loading.set(p),
            ViewUpdate::Preparing(p) => self.runs.preparing.set(p),
            ViewUpdate::TruthStatus(t) => self.data.truth_status.set(t),
            ViewUpdate::Run(kind, run) => self.runs.run(kind).set(run),
            ViewUpdate::BaseReplaced(dataset) => {
                self.forms.suggest_metric(dataset.summary.suggested_metric);
                self.runs.reset();
                self.explore.reset();
                self.cluster.reset();
                self.data.replace_base(*dataset);
            }
            ViewUpdate::QueryFile(f) => self.data.query_file.set(f),
            ViewUpdate::TruthFile(f) => self.data.truth_file.set(f),
            ViewUpdate::Eval(e) => {
                self.explore.eval_prepared(e.as_ref());
                self.runs.eval.set(e);
            }
            ViewUpdate::BuildWall(s) => self.runs.build_wall_seconds.set(s),
            ViewUpdate::AllBuilt(s) => self.runs.both_built_seconds.set(s),
            ViewUpdate::GridConfig {
                index,
                state,
                reused,
            } => self.explore.set_config(index, state, reused),
            ViewUpdate::Grid(p) => self.explore.progress.set(Some(p)),
            ViewUpdate::Shards(s) => self.cluster.apply(s),
            ViewUpdate::Projection(p) => self.explorer.projection.set(p),
            ViewUpdate::Error(message) => self.errors.push(message),
            ViewUpdate::Warn(message) => {
                leptos::logging::warn!("annlab: {message}");
            }
        }
    }

    pub fn run(&self, kind: IndexKind) -> RwSignal<RunState> {
        self.runs.run(kind)
    }

    pub fn push_error(&self, message: impl Into<String>) {
        self.errors.push(message.into());
    }

    /// The outcome of `kind`'s last finished run (see [`RunsModel::hnsw_outcome`]).
    pub fn outcome(&self, kind: IndexKind) -> Memo<Option<Arc<RunOutcome>>> {
        self.runs.outcome(kind)
    }

    pub fn busy(&self) -> bool {
        self.busy.get()
    }

    /// Validated specs for both indexes, or every error.
    pub fn specs(&self) -> Result<(Common, IndexSpec, IndexSpec), Vec<FieldError>> {
        self.forms.specs(self.data.dim_untracked())
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn common() -> Common {
        validate_common(&CommonForm::default()).unwrap()
    }

    #[test]
    fn defaults_validate_to_redis_defaults() {
        let c = common();
        let IndexSpec::Hnsw { params, ef_sweep } = validate_hnsw(&HnswForm::default(), &c).unwrap()
        else {
            panic!("not hnsw")
        };
        assert_eq!(
            (params.m, params.ef_construction, params.ef_runtime),
            (16, 200, 10)
        );
        assert_eq!(ef_sweep, vec![10, 20, 50, 100, 200]);
        assert!(validate_svs(&SvsForm::default(), &c, Some(384)).is_ok());
    }

    /// The form shows annlab-core's texts (the server's), never its own copies.
    #[test]
    fn field_errors_are_core_texts_at_their_attribute() {
        use annlab_core::hnsw::params::parse_attribute;
        use annlab_core::svs::SvsParamError;
        let c = common();
        let at = |errors: Vec<FieldError>, attr: &str| -> Vec<String> {
            errors
                .into_iter()
                .filter(|e| e.attr == attr)
                .map(|e| e.message)
                .collect()
        };
        let form = |compression, training_threshold: &str, reduce: &str| SvsForm {
            compression,
            training_threshold: training_threshold.into(),
            reduce: reduce.into(),
            ..SvsForm::default()
        };
        let wide = form(Some(Compression::LeanVec4x8), "", "8");
        let cases = [
            (
                form(None, "500", ""),
                Some(8),
                "TRAINING_THRESHOLD",
                SvsParamError::TrainingThresholdTooLow.to_string(),
            ),
            (
                form(None, "2048", ""),
                None,
                "TRAINING_THRESHOLD",
                SvsParamError::TrainingThresholdWithoutCompression.to_string(),
            ),
            (
                form(Some(Compression::Lvq8), "", "4"),
                Some(8),
                "REDUCE",
                SvsParamError::ReduceWithoutLeanVec.to_string(),
            ),
            (
                wide.clone(),
                Some(8),
                "REDUCE",
                annlab_export::svs_check::check_reduce(Some(8), 8)
                    .unwrap_err()
                    .to_string(),
            ),
        ];
        for (form, dim, attr, expected) in cases {
            let errors = validate_svs(&form, &c, dim).unwrap_err();
            assert_eq!(at(errors, attr), vec![expected], "{form:?}");
        }
        assert!(validate_svs(&wide, &c, Some(16)).is_ok());
        let zero = SvsForm {
            graph_max_degree: "0".into(),
            ..SvsForm::default()
        };
        assert_eq!(
            at(
                validate_svs(&zero, &c, None).unwrap_err(),
                "GRAPH_MAX_DEGREE"
            ),
            vec![
                annlab_core::svs::validate::parse_integer_attribute("GRAPH_MAX_DEGREE", "0")
                    .unwrap_err()
                    .to_string()
            ]
        );
        let bf16 = Common {
            element_type: ElementType::Bfloat16,
            ..c
        };
        assert_eq!(
            at(
                validate_svs(&SvsForm::default(), &bf16, None).unwrap_err(),
                "TYPE"
            ),
            vec![SvsParamError::UnsupportedType.to_string()]
        );
        let hnsw_errors = |m: &str| {
            let form = HnswForm {
                m: m.into(),
                ..HnswForm::default()
            };
            at(validate_hnsw(&form, &c).unwrap_err(), "M")
        };
        assert_eq!(
            hnsw_errors("x"),
            vec![parse_attribute("M", "x").unwrap_err().to_string()]
        );
        let one = HnswParams {
            m: 1,
            ..HnswParams::default()
        };
        assert_eq!(
            hnsw_errors("1"),
            vec![one.validate().unwrap_err().to_string()]
        );
    }

    #[test]
    fn a_link_restores_the_forms_it_was_made_from() {
        use annlab_worker::share_link::{decode, encode, SharedSetup};
        let link = SharedSetup {
            m: Some(32),
            ef_sweep: Some(vec![20, 40]),
            compression: Some(Some(Compression::Lvq8)),
            training_threshold: Some(2048),
            ..SharedSetup::default()
        };
        let (c, h, s) = apply_shared_forms(&decode(&encode(&link)).setup);
        assert_eq!((h.m.as_str(), h.sweep.as_str()), ("32", "20/40"));
        assert_eq!(s.compression, Some(Compression::Lvq8));
        assert_eq!(s.training_threshold, "2048");
        assert_eq!(c, CommonForm::default());
        assert_eq!(h.ef_construction, HnswForm::default().ef_construction);
    }

    #[test]
    fn eta_is_linear_in_the_phase() {
        assert_eq!(eta_seconds(2.0, 50, 100), Some(2.0));
        assert_eq!(eta_seconds(2.0, 0, 100), None);
    }
}
