//! The grid explorer's model: the grid form, the configurations of the grid that runs (each
//! with its own state), the imported `annlab sweep --json` document, and the report every
//! decision view reads. The decisions themselves (expansion, frontier, optimizer, advisor,
//! go/no-go, memory at the production count) are `annlab_protocol::decide`'s.

use std::sync::Arc;

use annlab_core::svs::{Compression, Target};
use annlab_core::ElementType;
use annlab_export::facts::{parse_byte_size, parse_document_count};
use annlab_protocol::compare::attach_recall_vs_hnsw;
use annlab_protocol::decide::go_no_go::Thresholds;
use annlab_protocol::decide::optimizer::{Budgets, OptimizerResult};
use annlab_protocol::decide::pareto::{self, MemoryAt, Objective};
use annlab_protocol::decide::{self, grid, memory_at, PointRef, SweepDocument};
use annlab_protocol::report::{Algorithm, CompareReport, DatasetInfo, RunReport, SearchPoint};
use annlab_protocol::runner::{IndexSpec, RunOutcome};
use annlab_worker::scheduler::GridConfig;
use annlab_worker::view::{GridProgress, IndexKind, RunState};
use leptos::prelude::*;
use serde_json::Value;

pub use annlab_worker::share_link::GRID_COMPRESSIONS as SVS_CHOICES;

/// The grid form, as typed: `/` lists per parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct GridForm {
    pub hnsw: bool,
    pub m: String,
    pub ef_construction: String,
    pub ef_runtime: String,
    pub svs: bool,
    pub graph_max_degree: String,
    pub construction_window_size: String,
    /// Chosen entries of [`SVS_CHOICES`].
    pub compressions: Vec<String>,
    /// REDUCE values for the LeanVec compressions (empty: the server's default, DIM/2).
    pub reduce: String,
    pub search_window_size: String,
    /// SEARCH_BUFFER_CAPACITY for the two-level codecs (empty: the default).
    pub search_buffer_capacity: String,
    pub target: Target,
}

impl Default for GridForm {
    fn default() -> Self {
        Self {
            hnsw: true,
            m: "8/16/32/64".into(),
            ef_construction: "100/200/400".into(),
            ef_runtime: "10/20/50/100/200".into(),
            svs: true,
            graph_max_degree: "32/64".into(),
            construction_window_size: "100/200".into(),
            compressions: vec!["none".into(), "LVQ4x8".into(), "LeanVec4x8".into()],
            reduce: String::new(),
            search_window_size: "10/20/50/100/200".into(),
            search_buffer_capacity: String::new(),
            target: Target::Intel,
        }
    }
}

fn pair(key: &str, value: &str) -> Option<String> {
    let v: String = value.split_whitespace().collect();
    (!v.is_empty()).then(|| format!("{key}={v}"))
}

fn join(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts.into_iter().flatten().collect::<Vec<_>>().join(",")
}

fn is_two_level(c: &str) -> bool {
    c.parse::<Compression>()
        .is_ok_and(Compression::is_two_level)
}

impl GridForm {
    /// The form as a link carries it (a list that does not parse is left out).
    pub fn link(&self) -> annlab_worker::share_link::GridLink {
        let list = |t: &str| {
            let v: Option<Vec<usize>> = t
                .split(['/', ',', ' '])
                .filter(|p| !p.trim().is_empty())
                .map(|p| p.trim().parse().ok().filter(|&v| v > 0))
                .collect();
            v.filter(|v| !v.is_empty())
        };
        annlab_worker::share_link::GridLink {
            hnsw: Some(self.hnsw),
            m: list(&self.m),
            ef_construction: list(&self.ef_construction),
            ef_runtime: list(&self.ef_runtime),
            svs: Some(self.svs),
            graph_max_degree: list(&self.graph_max_degree),
            construction_window_size: list(&self.construction_window_size),
            search_window_size: list(&self.search_window_size),
            compressions: Some(self.compressions.clone()),
        }
    }

    /// Restores what a link carries; the other fields keep their values.
    pub fn apply_link(&mut self, g: &annlab_worker::share_link::GridLink) {
        let text = |v: &Vec<usize>| v.iter().map(usize::to_string).collect::<Vec<_>>().join("/");
        if let Some(b) = g.hnsw {
            self.hnsw = b;
        }
        if let Some(b) = g.svs {
            self.svs = b;
        }
        for (field, value) in [
            (&mut self.m, &g.m),
            (&mut self.ef_construction, &g.ef_construction),
            (&mut self.ef_runtime, &g.ef_runtime),
            (&mut self.graph_max_degree, &g.graph_max_degree),
            (
                &mut self.construction_window_size,
                &g.construction_window_size,
            ),
            (&mut self.search_window_size, &g.search_window_size),
        ] {
            if let Some(v) = value {
                *field = text(v);
            }
        }
        if let Some(c) = &g.compressions {
            self.compressions = c.clone();
        }
    }

    /// The grid as `annlab sweep` SPEC strings (`--hnsw …`, `--svs …`): one HNSW spec, and
    /// one SVS spec per group of compressions that take the same keys (uncompressed,
    /// FP16, single-level, two-level with SEARCH_BUFFER_CAPACITY, LeanVec with REDUCE).
    pub fn spec_strings(&self, element_type: ElementType) -> (Vec<String>, Vec<String>) {
        let ty = element_type.lower_name();
        let hnsw = if self.hnsw {
            vec![join([
                pair("type", ty),
                pair("m", &self.m),
                pair("ef_construction", &self.ef_construction),
                pair("ef_runtime", &self.ef_runtime),
            ])]
        } else {
            Vec::new()
        };
        let mut svs = Vec::new();
        if self.svs {
            let graph = |ty: &str| {
                [
                    pair("type", ty),
                    pair("graph_max_degree", &self.graph_max_degree),
                    pair("construction_window_size", &self.construction_window_size),
                    pair("search_window_size", &self.search_window_size),
                ]
            };
            let chosen = |pred: &dyn Fn(&str) -> bool| -> Vec<&str> {
                SVS_CHOICES
                    .iter()
                    .copied()
                    .filter(|c| self.compressions.iter().any(|x| x == c) && pred(c))
                    .collect()
            };
            if chosen(&|c| c == "none").len() == 1 {
                svs.push(join(graph(ty)));
            }
            if chosen(&|c| c == "FP16").len() == 1 {
                svs.push(join(graph("float16")));
            }
            let codec = |c: &str| c != "none" && c != "FP16";
            let single = chosen(&|c| codec(c) && !is_two_level(c));
            if !single.is_empty() {
                let mut p = graph(ty).to_vec();
                p.push(pair("compression", &single.join("/")));
                svs.push(join(p));
            }
            let lvq2 = chosen(&|c| codec(c) && is_two_level(c) && !c.starts_with("LeanVec"));
            let leanvec = chosen(&|c| c.starts_with("LeanVec"));
            for (group, reduce) in [(lvq2, None), (leanvec, Some(&self.reduce))] {
                if group.is_empty() {
                    continue;
                }
                let mut p = graph(ty).to_vec();
                p.push(pair("compression", &group.join("/")));
                p.push(pair("search_buffer_capacity", &self.search_buffer_capacity));
                if let Some(r) = reduce {
                    p.push(pair("reduce", r));
                }
                svs.push(join(p));
            }
        }
        (hnsw, svs)
    }

    /// The grid's configurations, expanded by `decide::grid`, each keyed by what it builds
    /// and how it is searched (a reused result must have the same runtime points).
    pub fn configs(&self, element_type: ElementType) -> Result<Vec<GridConfig>, String> {
        let (hnsw, svs) = self.spec_strings(element_type);
        let mut out = Vec::new();
        for s in &hnsw {
            let specs = grid::expand_hnsw(s).map_err(|e| format!("HNSW grid `{s}`: {e}"))?;
            out.extend(specs.into_iter().map(|spec| config(IndexKind::Hnsw, spec)));
        }
        for s in &svs {
            let specs =
                grid::expand_svs(s, self.target).map_err(|e| format!("SVS grid `{s}`: {e}"))?;
            out.extend(specs.into_iter().map(|spec| config(IndexKind::Svs, spec)));
        }
        if out.is_empty() {
            return Err("The grid is empty: tick HNSW or SVS-VAMANA (and a compression).".into());
        }
        if out.len() > grid::MAX_GRID_BUILDS {
            return Err(format!(
                "The grid has {} builds; at most {} run in one grid.",
                out.len(),
                grid::MAX_GRID_BUILDS
            ));
        }
        Ok(out)
    }
}

fn config(kind: IndexKind, spec: IndexSpec) -> GridConfig {
    let runtime = match &spec {
        IndexSpec::Hnsw { ef_sweep, .. } => format!("{ef_sweep:?}"),
        IndexSpec::Svs { runtime_sweep, .. } => format!("{runtime_sweep:?}"),
        IndexSpec::Flat { .. } => String::new(),
    };
    GridConfig {
        kind,
        key: format!("{}|runtime={runtime}", grid::spec_key(&spec)),
        spec,
    }
}

/// One configuration of the grid and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    pub kind: IndexKind,
    pub spec: IndexSpec,
    pub label: String,
    pub state: RunState,
    /// Its result came from an earlier build of the same configuration on this data.
    pub reused: bool,
}

fn num(params: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    params.get(key).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// A run's configuration in one line, from its parameters (`M=16 EFC=200`, `R=32 L=200
/// LVQ4x8`): the same for a grid's runs and an imported document's.
pub fn run_label(run: &RunReport) -> String {
    let p = &run.params;
    let ty = num(p, "type").unwrap_or_default().to_ascii_uppercase();
    let ty = if ty == "FLOAT32" || ty.is_empty() {
        String::new()
    } else {
        format!(" {ty}")
    };
    match run.algorithm {
        Algorithm::Hnsw => format!(
            "HNSW M={} EFC={}{ty}",
            num(p, "m").unwrap_or_default(),
            num(p, "ef_construction").unwrap_or_default()
        ),
        Algorithm::SvsVamana => {
            let compression = num(p, "compression").unwrap_or_else(|| "none".into());
            let reduce = num(p, "reduce")
                .map(|r| format!(" reduce={r}"))
                .unwrap_or_default();
            let target = match run.target {
                Target::Intel => "",
                Target::Generic => " generic",
            };
            format!(
                "SVS R={} L={} {compression}{reduce}{ty}{target}",
                num(p, "graph_max_degree").unwrap_or_default(),
                num(p, "construction_window_size").unwrap_or_default()
            )
        }
        Algorithm::Flat => format!("FLAT{ty}"),
    }
}

/// A config label for a spec before it ran (the grid's queued rows).
pub fn spec_label(spec: &IndexSpec) -> String {
    match spec {
        IndexSpec::Hnsw { params, .. } => {
            let ty = match params.element_type {
                ElementType::Float32 => String::new(),
                t => format!(" {}", t.lower_name().to_ascii_uppercase()),
            };
            format!("HNSW M={} EFC={}{ty}", params.m, params.ef_construction)
        }
        IndexSpec::Svs { params, target, .. } => {
            let compression = params
                .compression
                .map_or("none".to_string(), |c| c.redis_name().to_string());
            let reduce = params
                .reduce
                .map(|r| format!(" reduce={r}"))
                .unwrap_or_default();
            let ty = match params.element_type {
                ElementType::Float32 => String::new(),
                t => format!(" {}", t.lower_name().to_ascii_uppercase()),
            };
            let target = match target {
                Target::Intel => "",
                Target::Generic => " generic",
            };
            format!(
                "SVS R={} L={} {compression}{reduce}{ty}{target}",
                params.graph_max_degree, params.construction_window_size
            )
        }
        IndexSpec::Flat { .. } => "FLAT".into(),
    }
}

/// A point's runtime setting in one line (`ef_runtime=50`).
pub fn runtime_label(point: &SearchPoint) -> String {
    point
        .runtime
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the decision views read: a report, a label per run and, for a grid run in this tab,
/// each run's outcome (its result ids, for recall against HNSW and the query explorer).
#[derive(Debug, Clone, PartialEq)]
pub struct Explored {
    pub report: CompareReport,
    pub labels: Vec<String>,
    pub outcomes: Vec<Option<Arc<RunOutcome>>>,
    /// The spec of each run, when this tab built it.
    pub specs: Vec<Option<IndexSpec>>,
    /// `grid` or the imported file's name.
    pub source: String,
}

impl Explored {
    /// The grid's finished configurations, in grid order.
    pub fn from_grid(rows: &[GridRow], dataset: DatasetInfo) -> Option<Self> {
        let done: Vec<(IndexSpec, Arc<RunOutcome>)> = rows
            .iter()
            .filter_map(|r| r.state.outcome().map(|o| (r.spec.clone(), o)))
            .collect();
        if done.is_empty() {
            return None;
        }
        Some(Self {
            report: CompareReport {
                dataset,
                runs: done.iter().map(|(_, o)| o.report.clone()).collect(),
            },
            labels: done.iter().map(|(_, o)| run_label(&o.report)).collect(),
            specs: done.iter().map(|(s, _)| Some(s.clone())).collect(),
            outcomes: done.into_iter().map(|(_, o)| Some(o)).collect(),
            source: "grid".into(),
        })
    }

    pub fn from_import(name: &str, report: CompareReport) -> Self {
        Self {
            labels: report.runs.iter().map(run_label).collect(),
            outcomes: vec![None; report.runs.len()],
            specs: vec![None; report.runs.len()],
            report,
            source: name.to_string(),
        }
    }

    pub fn label(&self, r: PointRef) -> String {
        let run = self.labels.get(r.run).cloned().unwrap_or_default();
        let point = self
            .report
            .runs
            .get(r.run)
            .and_then(|x| x.search.get(r.point))
            .map(runtime_label)
            .unwrap_or_default();
        format!("{run} · {point}")
    }

    pub fn point(&self, r: PointRef) -> Option<(&RunReport, &SearchPoint)> {
        let run = self.report.runs.get(r.run)?;
        Some((run, run.search.get(r.point)?))
    }

    /// The document `annlab sweep --json` prints, for this report: the frontier on recall
    /// against QPS and, given budgets, the optimizer.
    pub fn sweep_document(&self, budgets: Option<&Budgets>) -> SweepDocument {
        let memory = MemoryAt {
            doc_count: self.report.dataset.n as u64,
        };
        SweepDocument {
            report: self.report.clone(),
            dropped_rows: Default::default(),
            pareto: pareto::frontier(&self.report, Objective::QpsHigher, &memory)
                .iter()
                .map(|e| e.point_ref())
                .collect(),
            optimizer: budgets.map(|b| decide::optimizer::optimize(&self.report, b)),
            advisor: None,
        }
    }

    /// A two-run report of one HNSW and one SVS point with SVS's recall against that HNSW
    /// run (from their result ids when this tab ran them): what the go/no-go and the plan
    /// read. Returns the report and the two points' indexes in it.
    pub fn pair(&self, hnsw: PointRef, svs: PointRef) -> Option<(CompareReport, usize, usize)> {
        let h = self.report.runs.get(hnsw.run)?;
        let s = self.report.runs.get(svs.run)?;
        let (Some(Some(ho)), Some(Some(so))) =
            (self.outcomes.get(hnsw.run), self.outcomes.get(svs.run))
        else {
            let report = CompareReport {
                dataset: self.report.dataset.clone(),
                runs: vec![h.clone(), s.clone()],
            };
            return Some((report, hnsw.point, svs.point));
        };
        let mut outcomes = vec![(**ho).clone(), (**so).clone()];
        attach_recall_vs_hnsw(&mut outcomes, self.report.dataset.k);
        let report = CompareReport {
            dataset: self.report.dataset.clone(),
            runs: outcomes.into_iter().map(|o| o.report).collect(),
        };
        Some((report, hnsw.point, svs.point))
    }
}

/// Parses an `annlab sweep --json` (or `annlab compare --json`) document.
pub fn parse_import(bytes: &[u8]) -> Result<CompareReport, String> {
    let doc: SweepDocument = serde_json::from_slice(bytes)
        .map_err(|e| format!("not an `annlab sweep --json` document: {e}"))?;
    if doc.report.runs.is_empty() {
        return Err("the document has no runs".into());
    }
    Ok(doc.report)
}

/// Table columns the results can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Config,
    Runtime,
    Recall,
    Qps,
    P95,
    Build,
    Memory,
}

/// One row of the results table: a measured point of a finished configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub at: PointRef,
    pub algorithm: Algorithm,
    pub config: String,
    pub runtime: String,
    pub recall: f64,
    pub qps: f64,
    pub p95_us: f64,
    pub build_seconds: f64,
    /// `decide::memory_at(..).total` at the production count.
    pub memory_bytes: u64,
    pub on_qps_front: bool,
    pub on_memory_front: bool,
}

/// Every candidate point as a table row, sorted by `key` (`desc`: largest first).
pub fn table_rows(e: &Explored, doc_count: u64, key: SortKey, desc: bool) -> Vec<TableRow> {
    let memory = MemoryAt { doc_count };
    let front = |objective| -> Vec<PointRef> {
        pareto::frontier(&e.report, objective, &memory)
            .iter()
            .map(|x| x.point_ref())
            .collect()
    };
    let (qps_front, mem_front) = (front(Objective::QpsHigher), front(Objective::MemoryLower));
    let mut rows: Vec<TableRow> = decide::candidates(&e.report)
        .filter_map(|(at, p)| {
            let run = e.report.runs.get(at.run)?;
            Some(TableRow {
                at,
                algorithm: run.algorithm,
                config: e.labels.get(at.run).cloned().unwrap_or_default(),
                runtime: runtime_label(p),
                recall: p.recall_at_k,
                qps: p.qps,
                p95_us: p.latency_us.p95,
                build_seconds: run.build_seconds,
                memory_bytes: memory_at(run, &e.report.dataset, doc_count).total,
                on_qps_front: qps_front.contains(&at),
                on_memory_front: mem_front.contains(&at),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let o = match key {
            SortKey::Config => a.config.cmp(&b.config),
            SortKey::Runtime => a.runtime.cmp(&b.runtime),
            SortKey::Recall => a.recall.total_cmp(&b.recall),
            SortKey::Qps => a.qps.total_cmp(&b.qps),
            SortKey::P95 => a.p95_us.total_cmp(&b.p95_us),
            SortKey::Build => a.build_seconds.total_cmp(&b.build_seconds),
            SortKey::Memory => a.memory_bytes.cmp(&b.memory_bytes),
        };
        let o = if desc { o.reverse() } else { o };
        o.then(a.at.cmp(&b.at))
    });
    rows
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The table as CSV (one line per row, in the order shown).
pub fn table_csv(rows: &[TableRow], doc_count: u64) -> String {
    let mut out = format!(
        "run,point,algorithm,config,runtime,recall_at_k,qps,p95_us,build_seconds,memory_bytes_at_{doc_count},pareto_qps,pareto_memory\n"
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{:.4},{:.1},{:.1},{:.3},{},{},{}\n",
            r.at.run,
            r.at.point,
            r.algorithm.redis_name(),
            csv_field(&r.config),
            csv_field(&r.runtime),
            r.recall,
            r.qps,
            r.p95_us,
            r.build_seconds,
            r.memory_bytes,
            r.on_qps_front,
            r.on_memory_front
        ));
    }
    out
}

/// The optimizer's inputs as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetsForm {
    pub recall_floor: String,
    /// Microseconds; empty = no budget.
    pub p95_us: String,
    /// Bytes or with a kb/mb/gb/tb suffix; empty = no budget.
    pub memory: String,
    /// Seconds; empty = no budget.
    pub build_seconds: String,
    /// Empty = the indexed vectors.
    pub doc_count: String,
}

impl Default for BudgetsForm {
    fn default() -> Self {
        Self {
            recall_floor: "0.95".into(),
            p95_us: String::new(),
            memory: String::new(),
            build_seconds: String::new(),
            doc_count: String::new(),
        }
    }
}

fn parse_f64(text: &str, what: &str) -> Result<Option<f64>, String> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(Some)
            .ok_or_else(|| format!("{what}: `{t}` is not a non-negative number.")),
    }
}

impl BudgetsForm {
    /// The production document count (the indexed vectors when empty).
    pub fn doc_count(&self, indexed: usize) -> Result<u64, String> {
        match self.doc_count.trim() {
            "" => Ok(indexed as u64),
            t => parse_document_count(t).map_err(|e| e.to_string()),
        }
    }

    pub fn budgets(&self, indexed: usize) -> Result<Budgets, Vec<String>> {
        let mut errors = Vec::new();
        let recall_floor = parse_f64(&self.recall_floor, "recall floor")
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
            .unwrap_or(0.0);
        if recall_floor > 1.0 {
            errors.push("recall floor: at most 1.".into());
        }
        let p95_us = parse_f64(&self.p95_us, "p95 budget")
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let build_seconds = parse_f64(&self.build_seconds, "build-time budget")
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let memory_bytes = match self.memory.trim() {
            "" => None,
            t => parse_byte_size(t)
                .map_err(|e| errors.push(format!("memory budget: {e}.")))
                .ok(),
        };
        let doc_count = self
            .doc_count(indexed)
            .map_err(|e| errors.push(e))
            .unwrap_or(indexed as u64);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Budgets {
            recall_floor,
            p95_us,
            memory_bytes,
            build_seconds,
            doc_count,
        })
    }
}

/// The go/no-go thresholds as typed (percent and recall).
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdsForm {
    pub savings_pct: String,
    pub recall_floor: String,
}

impl Default for ThresholdsForm {
    fn default() -> Self {
        let t = Thresholds::default();
        Self {
            savings_pct: format!("{}", t.memory_savings_min * 100.0),
            recall_floor: format!("{}", t.recall_floor),
        }
    }
}

impl ThresholdsForm {
    pub fn thresholds(&self) -> Result<Thresholds, String> {
        let savings = parse_f64(&self.savings_pct, "memory-savings threshold")?.unwrap_or(5.0);
        let recall = parse_f64(&self.recall_floor, "recall floor")?.unwrap_or(0.85);
        Ok(Thresholds {
            memory_savings_min: savings / 100.0,
            recall_floor: recall,
        })
    }
}

/// Which points the plan export uses: the optimizer's choice per algorithm unless a point
/// of that algorithm was clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanPick {
    pub hnsw: PointRef,
    pub svs: PointRef,
}

impl PlanPick {
    /// The optimizer's choice per algorithm, unless a point of that algorithm is `selected`.
    pub fn new(e: &Explored, result: &OptimizerResult, selected: Option<PointRef>) -> Option<Self> {
        let pick = |algorithm: Algorithm| {
            selected
                .filter(|s| {
                    e.report
                        .runs
                        .get(s.run)
                        .is_some_and(|r| r.algorithm == algorithm)
                })
                .or_else(|| {
                    result
                        .per_algorithm
                        .iter()
                        .find(|a| a.algorithm == algorithm)
                        .and_then(|a| a.outcome.chosen())
                        .map(|c| c.best.metrics.point_ref())
                })
        };
        Some(Self {
            hnsw: pick(Algorithm::Hnsw)?,
            svs: pick(Algorithm::SvsVamana)?,
        })
    }
}

/// The optimizer over the explored report under the typed budgets, and the pair the go/no-go
/// and the plan use.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub doc_count: u64,
    pub result: Result<OptimizerResult, Vec<String>>,
    pub pick: Option<PlanPick>,
}

/// The grid explorer's state, in the manner of [`crate::state::RunsModel`].
#[derive(Clone, Copy)]
pub struct ExploreModel {
    pub form: RwSignal<GridForm>,
    /// The configurations of the grid that runs (or ran last).
    pub rows: RwSignal<Vec<GridRow>>,
    pub progress: RwSignal<Option<GridProgress>>,
    /// The dataset the grid ran on (set when it starts).
    pub dataset: RwSignal<Option<DatasetInfo>>,
    /// An imported `annlab sweep --json` document, and whether the views show it.
    pub imported: RwSignal<Option<(String, CompareReport)>>,
    pub show_import: RwSignal<bool>,
    pub budgets: RwSignal<BudgetsForm>,
    pub thresholds: RwSignal<ThresholdsForm>,
    /// The point clicked in a chart or the table.
    pub selected: RwSignal<Option<PointRef>>,
    /// A link's selected point, selected when the next grid starts (it names a point of it).
    pub link_pick: RwSignal<Option<PointRef>>,
    pub hovered: RwSignal<Option<PointRef>>,
    pub sort: RwSignal<(SortKey, bool)>,
    /// What the decision views read (notified when a configuration finishes, not on
    /// progress).
    pub explored: Memo<Option<Arc<Explored>>>,
    pub decision: Memo<Option<Arc<Decision>>>,
}

impl ExploreModel {
    pub fn new() -> Self {
        let rows: RwSignal<Vec<GridRow>> = RwSignal::new(Vec::new());
        let dataset: RwSignal<Option<DatasetInfo>> = RwSignal::new(None);
        let imported: RwSignal<Option<(String, CompareReport)>> = RwSignal::new(None);
        let show_import = RwSignal::new(false);
        let explored = Memo::new(move |_| {
            if show_import.get() {
                return imported
                    .get()
                    .map(|(name, r)| Arc::new(Explored::from_import(&name, r)));
            }
            // Recomputed on progress too; views below compare the result and repaint only
            // when a configuration finished.
            let dataset = dataset.get()?;
            rows.with(|r| Explored::from_grid(r, dataset)).map(Arc::new)
        });
        let budgets = RwSignal::new(BudgetsForm::default());
        let selected = RwSignal::new(None);
        let decision = Memo::new(move |_| {
            let e = explored.get()?;
            let n = e.report.dataset.n;
            let result = budgets.with(|b| b.budgets(n));
            let doc_count = budgets.with(|b| b.doc_count(n)).unwrap_or(n as u64);
            let result = result.map(|b| decide::optimizer::optimize(&e.report, &b));
            let pick = result
                .as_ref()
                .ok()
                .and_then(|r| PlanPick::new(&e, r, selected.get()));
            Some(Arc::new(Decision {
                doc_count,
                result,
                pick,
            }))
        });
        Self {
            form: RwSignal::new(GridForm::default()),
            rows,
            progress: RwSignal::new(None),
            dataset,
            imported,
            show_import,
            budgets,
            thresholds: RwSignal::new(ThresholdsForm::default()),
            selected,
            link_pick: RwSignal::new(None),
            hovered: RwSignal::new(None),
            sort: RwSignal::new((SortKey::Recall, true)),
            explored,
            decision,
        }
    }

    /// The plan export's input from the grid: the picked HNSW and SVS runs (with SVS's
    /// recall against that HNSW run), the specs they were built with and the picked SVS
    /// point. `None` when no grid
    /// of this tab has a pick (an imported document has no specs to build a plan from).
    pub fn plan_pair(
        &self,
        metric: annlab_core::Metric,
    ) -> Option<(CompareReport, crate::plan_export::BuiltSpecs, usize, String)> {
        let e = self.explored.get()?;
        let pick = self.decision.get()?.pick?;
        let (report, _, svs_point) = e.pair(pick.hnsw, pick.svs)?;
        let (Some(Some(h)), Some(Some(s))) =
            (e.specs.get(pick.hnsw.run), e.specs.get(pick.svs.run))
        else {
            return None;
        };
        let built = crate::plan_export::BuiltSpecs::from_specs(h, s, metric)?;
        let label = format!("{} and {}", e.label(pick.hnsw), e.label(pick.svs));
        Some((report, built, svs_point, label))
    }

    /// A grid starts: one queued row per configuration.
    pub fn start(&self, configs: &[GridConfig], dataset: DatasetInfo) {
        self.rows.set(
            configs
                .iter()
                .map(|c| GridRow {
                    kind: c.kind,
                    spec: c.spec.clone(),
                    label: spec_label(&c.spec),
                    state: RunState::Idle,
                    reused: false,
                })
                .collect(),
        );
        self.dataset.set(Some(dataset));
        self.show_import.set(false);
        self.selected.set(self.link_pick.get_untracked());
        self.link_pick.set(None);
        self.progress.set(None);
    }

    /// Configuration `index` changed state (the scheduler's `GridConfig` update).
    pub fn set_config(&self, index: usize, state: RunState, reused: bool) {
        self.rows.update(|rows| {
            if let Some(r) = rows.get_mut(index) {
                r.state = state;
                r.reused = reused;
            }
        });
    }

    /// The evaluation set a running grid builds on is prepared: its sizes are the report's.
    pub fn eval_prepared(&self, eval: Option<&annlab_worker::view::EvalView>) {
        let Some(eval) = eval.filter(|_| self.running()) else {
            return;
        };
        self.dataset.update(|d| {
            if let Some(d) = d.as_mut() {
                d.n = eval.n;
                d.queries = eval.queries;
            }
        });
    }

    pub fn import(&self, name: String, report: CompareReport) {
        self.imported.set(Some((name, report)));
        self.show_import.set(true);
        self.selected.set(None);
    }

    /// Forgets the grid (a new base makes it meaningless); an import stays.
    pub fn reset(&self) {
        self.rows.set(Vec::new());
        self.progress.set(None);
        self.dataset.set(None);
        self.selected.set(None);
    }

    pub fn running(&self) -> bool {
        self.progress
            .with(|p| p.as_ref().is_some_and(|p| p.running))
    }

    /// The production document count the memory figures use.
    pub fn doc_count(&self, e: &Explored) -> u64 {
        self.budgets
            .with(|b| b.doc_count(e.report.dataset.n))
            .unwrap_or(e.report.dataset.n as u64)
    }
}

impl Default for ExploreModel {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_one_spec_per_group_of_keys() {
        let form = GridForm {
            m: "8/16".into(),
            ef_construction: "100/200".into(),
            ef_runtime: "10/50".into(),
            compressions: SVS_CHOICES.iter().map(|c| c.to_string()).collect(),
            reduce: "64/128".into(),
            search_buffer_capacity: String::new(),
            ..GridForm::default()
        };
        let (hnsw, svs) = form.spec_strings(ElementType::Float32);
        assert_eq!(
            hnsw,
            vec!["type=float32,m=8/16,ef_construction=100/200,ef_runtime=10/50"]
        );
        assert_eq!(svs.len(), 5, "{svs:#?}");
        assert!(svs[1].starts_with("type=float16,"));
        assert!(svs[2].ends_with("compression=GlobalSQ8/LVQ4/LVQ8"));
        assert!(svs[3].ends_with("compression=LVQ4x4/LVQ4x8"));
        assert!(svs[4].ends_with("compression=LeanVec4x8/LeanVec8x8,reduce=64/128"));
    }

    #[test]
    fn configs_are_expanded_by_decide_and_keyed_by_build_and_runtime() {
        let form = GridForm {
            m: "8/16/32".into(),
            ef_construction: "100/200".into(),
            graph_max_degree: "32/64".into(),
            construction_window_size: "100/200".into(),
            compressions: vec!["none".into(), "LVQ4x8".into(), "LVQ8".into()],
            ..GridForm::default()
        };
        let configs = form.configs(ElementType::Float32).unwrap();
        let hnsw = configs.iter().filter(|c| c.kind == IndexKind::Hnsw).count();
        assert_eq!((hnsw, configs.len() - hnsw), (6, 12));
        let mut keys: Vec<&str> = configs.iter().map(|c| c.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 18, "every config has its own key");
        let other_runtime = GridForm {
            ef_runtime: "10".into(),
            ..form.clone()
        };
        let a = &form.configs(ElementType::Float32).unwrap()[0];
        let b = &other_runtime.configs(ElementType::Float32).unwrap()[0];
        assert_ne!(a.key, b.key, "another runtime sweep is another result");
    }

    #[test]
    fn budgets_parse_with_the_exporters_parsers() {
        let form = BudgetsForm {
            recall_floor: "0.9".into(),
            p95_us: "2000".into(),
            memory: "2GB".into(),
            build_seconds: String::new(),
            doc_count: "1,000,000".into(),
        };
        let b = form.budgets(500).unwrap();
        assert_eq!(b.memory_bytes, Some(2 << 30));
        assert_eq!(b.doc_count, 1_000_000);
        assert_eq!(b.p95_us, Some(2000.0));
        assert_eq!(b.build_seconds, None);
        let bad = BudgetsForm {
            recall_floor: "high".into(),
            memory: "lots".into(),
            ..BudgetsForm::default()
        };
        assert_eq!(bad.budgets(500).unwrap_err().len(), 2);
    }
}
