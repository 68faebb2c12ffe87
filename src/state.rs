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

/// The server's text for a bad attribute value (RediSearch `spec.c`).
fn bad_value(algorithm: &str, attr: &'static str) -> FieldError {
    field_error(
        attr,
        format!("Bad arguments for vector similarity {algorithm} index `{attr}`"),
    )
}

/// An integer ≥ `min`, or the server's bad-value error.
fn parse_int(
    text: &str,
    min: usize,
    algorithm: &str,
    attr: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<usize> {
    match text.trim().parse::<usize>() {
        Ok(v) if v >= min => Some(v),
        _ => {
            errors.push(bad_value(algorithm, attr));
            None
        }
    }
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

/// HNSW attributes as FT.CREATE would check them (spec §1.3), plus the EF_RUNTIME sweep.
pub fn validate_hnsw(form: &HnswForm, common: &Common) -> Result<IndexSpec, Vec<FieldError>> {
    let mut errors = Vec::new();
    let m = parse_int(&form.m, 1, "HNSW", "M", &mut errors);
    if let Some(m) = m {
        // VecSim refuses M ≤ 1 and 2M > 65535 when it creates the index.
        if m <= 1 || 2 * m > 65_535 {
            errors.push(field_error(
                "M",
                "Bad arguments for vector similarity HNSW index `M` (VecSim needs 1 < M ≤ 32767)",
            ));
        }
    }
    let ef_c = parse_int(
        &form.ef_construction,
        1,
        "HNSW",
        "EF_CONSTRUCTION",
        &mut errors,
    );
    let ef_r = parse_int(&form.ef_runtime, 1, "HNSW", "EF_RUNTIME", &mut errors);
    let mut sweep = parse_sweep(&form.sweep, "EF_RUNTIME", &mut errors);
    if let (true, Some(ef_r)) = (sweep.is_empty(), ef_r) {
        sweep.push(ef_r);
    }
    match (m, ef_c, ef_r, errors.is_empty()) {
        (Some(m), Some(ef_construction), Some(ef_runtime), true) => Ok(IndexSpec::Hnsw {
            params: HnswParams {
                m,
                ef_construction,
                ef_runtime,
                element_type: common.element_type,
                ..HnswParams::default()
            },
            ef_sweep: sweep,
        }),
        _ => Err(errors),
    }
}

/// SVS-VAMANA attributes as FT.CREATE would check them (spec §1.4), plus the window sweep.
/// `dim` enables the REDUCE check.
pub fn validate_svs(
    form: &SvsForm,
    common: &Common,
    dim: Option<usize>,
) -> Result<IndexSpec, Vec<FieldError>> {
    let mut errors = Vec::new();
    if common.element_type == ElementType::Bfloat16 {
        errors.push(field_error(
            "TYPE",
            "Not supported data type is given. Expected: FLOAT16, FLOAT32",
        ));
    }
    let r = parse_int(
        &form.graph_max_degree,
        1,
        "SVS-VAMANA",
        "GRAPH_MAX_DEGREE",
        &mut errors,
    );
    let l = parse_int(
        &form.construction_window_size,
        1,
        "SVS-VAMANA",
        "CONSTRUCTION_WINDOW_SIZE",
        &mut errors,
    );
    let w = parse_int(
        &form.search_window_size,
        1,
        "SVS-VAMANA",
        "SEARCH_WINDOW_SIZE",
        &mut errors,
    );
    let training_threshold = if form.training_threshold.trim().is_empty() {
        None
    } else if form.compression.is_none() {
        errors.push(field_error(
            "TRAINING_THRESHOLD",
            "TRAINING_THRESHOLD is irrelevant when compression was not requested",
        ));
        None
    } else {
        match form.training_threshold.trim().parse::<usize>() {
            Ok(t) if t >= svs::params::MIN_TRAINING_THRESHOLD => Some(t),
            Ok(_) => {
                errors.push(field_error(
                    "TRAINING_THRESHOLD",
                    "Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)",
                ));
                None
            }
            Err(_) => {
                errors.push(bad_value("SVS-VAMANA", "TRAINING_THRESHOLD"));
                None
            }
        }
    };
    let reduce = if form.reduce.trim().is_empty() {
        None
    } else if !form.compression.is_some_and(Compression::is_leanvec) {
        errors.push(field_error(
            "REDUCE",
            "REDUCE is irrelevant when compression is not of type LeanVec",
        ));
        None
    } else {
        match form.reduce.trim().parse::<usize>() {
            Ok(v) if v >= 1 => {
                if dim.is_some_and(|d| v >= d) {
                    // Redis does not check this; RedisVL does, and a projection cannot grow.
                    errors.push(field_error(
                        "REDUCE",
                        format!(
                            "REDUCE must be smaller than DIM ({}); Redis accepts it but RedisVL rejects it",
                            dim.unwrap_or(0)
                        ),
                    ));
                }
                Some(v)
            }
            _ => {
                errors.push(bad_value("SVS-VAMANA", "REDUCE"));
                None
            }
        }
    };
    let mut sweep = parse_sweep(&form.sweep, "SEARCH_WINDOW_SIZE", &mut errors);
    if let (true, Some(w)) = (sweep.is_empty(), w) {
        sweep.push(w);
    }
    match (r, l, w, errors.is_empty()) {
        (
            Some(graph_max_degree),
            Some(construction_window_size),
            Some(search_window_size),
            true,
        ) => {
            let params = SvsParams {
                element_type: common.element_type,
                graph_max_degree,
                construction_window_size,
                search_window_size,
                compression: form.compression,
                training_threshold,
                reduce,
                ..SvsParams::default()
            };
            // The server's own rules (annlab-core), as a last word over the field checks.
            if let Some(dim) = dim {
                if let Err(e) = svs::validate_params(&params, dim) {
                    return Err(vec![field_error("SVS-VAMANA", e.to_string())]);
                }
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
        _ => Err(errors),
    }
}

/// Where the TRAINING_THRESHOLD lifecycle stands for `n` indexed vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingState {
    /// Threshold in force after Redis's clamp, when compression is on.
    pub threshold: Option<usize>,
    pub n: usize,
    /// n < threshold: Redis would still answer from the uncompressed flat buffer.
    pub serves_flat_buffer: bool,
    /// Plain-language explanation.
    pub text: String,
}

pub fn training_state(form: &SvsForm, n: usize) -> TrainingState {
    let Some(c) = form.compression else {
        return TrainingState {
            threshold: None,
            n,
            serves_flat_buffer: false,
            text: "No compression: nothing to train. Redis builds the graph in batches of 1,024 \
                   vectors as they arrive."
                .into(),
        };
    };
    let asked = form
        .training_threshold
        .trim()
        .parse::<usize>()
        .unwrap_or(svs::params::DEFAULT_TRAINING_THRESHOLD);
    let threshold = asked.min(svs::params::MAX_TRAINING_THRESHOLD);
    let codec = match form.target {
        Target::Intel => c.redis_name().to_string(),
        Target::Generic => format!("GlobalSQ8 (asked for {})", c.redis_name()),
    };
    let serves_flat_buffer = n < threshold;
    let text = if serves_flat_buffer {
        format!(
            "{n} vectors < TRAINING_THRESHOLD {threshold}: Redis would still answer from the \
             uncompressed flat buffer (brute force). Shown here: the {codec} graph Redis builds \
             once {threshold} vectors have arrived."
        )
    } else {
        format!(
            "{n} vectors ≥ TRAINING_THRESHOLD {threshold}: Redis trains {codec} on the first \
             {threshold} vectors, then builds the compressed graph."
        )
    };
    TrainingState {
        threshold: Some(threshold),
        n,
        serves_flat_buffer,
        text,
    }
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

/// Memory of the Redis-level migration view for the two runs (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationMemory {
    pub documents: u64,
    pub hnsw_index: u64,
    pub svs_index: u64,
    /// Both indexes plus the shared documents, while the new index builds next to the old.
    pub peak: u64,
}

pub fn migration_memory(hnsw: &RunReport, svs: &RunReport) -> MigrationMemory {
    let documents = hnsw.memory.document_bytes.max(svs.memory.document_bytes);
    let hnsw_index = hnsw.memory.redis_index_bytes_estimate;
    let svs_index = svs.memory.redis_index_bytes_estimate;
    MigrationMemory {
        documents,
        hnsw_index,
        svs_index,
        peak: documents + hnsw_index + svs_index,
    }
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
        out.push(format!(
            "{} contain NaN: dropped before building",
            rows(&summary.nan_rows)
        ));
    }
    if summary.inf_rows.count > 0 {
        out.push(format!(
            "{} contain infinity: dropped before building",
            rows(&summary.inf_rows)
        ));
    }
    if summary.zero_rows.count > 0 {
        out.push(match metric {
            Metric::Cosine => format!(
                "{} are zero vectors: COSINE cannot normalise them, so they are dropped",
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
}

impl DataModel {
    fn new() -> Self {
        Self {
            dataset: RwSignal::new(None),
            query_file: RwSignal::new(None),
            truth_file: RwSignal::new(None),
            loading: RwSignal::new(None),
            truth_status: RwSignal::new(TruthStatus::NotPrepared),
        }
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

/// Every reactive piece of app state, shared through context, in small models.
#[derive(Clone, Copy)]
pub struct AppState {
    pub data: DataModel,
    pub forms: FormsModel,
    pub runs: RunsModel,
    pub errors: ErrorsModel,
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
        let busy = Memo::new(move |_| runs.is_busy() || loading.with(Option::is_some));
        Self {
            data,
            forms: FormsModel::new(),
            runs,
            errors: ErrorsModel {
                list: RwSignal::new(Vec::new()),
            },
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
                self.data.replace_base(*dataset);
            }
            ViewUpdate::QueryFile(f) => self.data.query_file.set(f),
            ViewUpdate::TruthFile(f) => self.data.truth_file.set(f),
            ViewUpdate::Eval(e) => self.runs.eval.set(e),
            ViewUpdate::BuildWall(s) => self.runs.build_wall_seconds.set(s),
            ViewUpdate::AllBuilt(s) => self.runs.both_built_seconds.set(s),
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

    #[test]
    fn server_error_texts_are_reported_inline() {
        let c = common();
        let form = SvsForm {
            training_threshold: "500".into(),
            ..SvsForm::default()
        };
        let e = validate_svs(&form, &c, Some(8)).unwrap_err();
        assert_eq!(
            e[0].message,
            "TRAINING_THRESHOLD is irrelevant when compression was not requested"
        );
        let form = SvsForm {
            compression: Some(Compression::Lvq8),
            training_threshold: "500".into(),
            reduce: "4".into(),
            ..SvsForm::default()
        };
        let msgs: Vec<String> = validate_svs(&form, &c, Some(8))
            .unwrap_err()
            .into_iter()
            .map(|e| e.message)
            .collect();
        assert!(msgs.contains(
            &"Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)".into()
        ));
        assert!(
            msgs.contains(&"REDUCE is irrelevant when compression is not of type LeanVec".into())
        );
        let bad = HnswForm {
            m: "x".into(),
            ..HnswForm::default()
        };
        assert_eq!(
            validate_hnsw(&bad, &c).unwrap_err()[0].message,
            "Bad arguments for vector similarity HNSW index `M`"
        );
    }

    #[test]
    fn eta_is_linear_in_the_phase() {
        assert_eq!(eta_seconds(2.0, 50, 100), Some(2.0));
        assert_eq!(eta_seconds(2.0, 0, 100), None);
    }
}
