//! Production planning: the capacity/cost form and the projection it asks for. Every figure
//! comes from `annlab_export::capacity` (the CLI's `annlab plan` calls the same `project`);
//! this module only turns the typed form and the chosen configuration into its input.

use annlab_export::capacity::{self, Candidate, CapacityInput, CapacityPlan, Growth, Rates};
use annlab_export::facts::{parse_byte_size, parse_document_count};
use annlab_export::input::KeyType;
use annlab_export::rehearsal::{self, BuildRate, MigrationNames, Rehearsal, RehearsalInput};
use annlab_export::ProductionFacts;
use annlab_protocol::report::{Algorithm, CompareReport};
use annlab_protocol::runner::IndexSpec;
use leptos::prelude::{Get, With};

use crate::plan_export::BuiltSpecs;
use crate::state::AppState;

/// The planning form as typed (text fields; parsed by the exporter's parsers).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningForm {
    /// Empty = the export form's documents, else the indexed vectors.
    pub documents_now: String,
    /// `5%` or `100000` (per month).
    pub growth: String,
    pub horizon_months: String,
    pub shards: String,
    /// Empty = no limit. Bytes or with a kb/mb/gb suffix.
    pub shard_memory: String,
    pub reads_per_month: String,
    pub rates: Rates,
}

impl Default for PlanningForm {
    fn default() -> Self {
        Self {
            documents_now: String::new(),
            growth: "5%".into(),
            horizon_months: "24".into(),
            shards: "1".into(),
            shard_memory: String::new(),
            reads_per_month: "10000000".into(),
            rates: Rates::ILLUSTRATIVE,
        }
    }
}

/// The candidates the plan compares: HNSW (the baseline) and the chosen SVS configuration.
pub fn candidates(built: &BuiltSpecs) -> Vec<Candidate> {
    vec![
        Candidate {
            name: "HNSW".into(),
            spec: IndexSpec::Hnsw {
                params: built.hnsw,
                ef_sweep: Vec::new(),
            },
        },
        Candidate {
            name: "SVS-VAMANA".into(),
            spec: IndexSpec::Svs {
                params: built.svs,
                target: built.target,
                runtime_sweep: Vec::new(),
            },
        },
    ]
}

/// What the panel shows: the plan, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    Unavailable(String),
    Invalid(String),
    Ready {
        plan: CapacityPlan,
        /// Where the configuration came from (grid choice or the single comparison).
        source: &'static str,
        limit: Option<u64>,
        rehearsal: Box<Rehearsed>,
    },
}

/// The SVS-VAMANA build of this tab the rehearsal's indexing time is scaled from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredBuild {
    pub rate: BuildRate,
    pub vectors_per_second: f64,
    /// Which build: the grid's chosen configuration or the comparison's run.
    pub source: &'static str,
}

/// The migration rehearsal, or why it cannot be made.
#[derive(Debug, Clone, PartialEq)]
pub enum Rehearsed {
    Ready {
        rehearsal: Rehearsal,
        /// `None`: no SVS build of this tab has a usable time; `why_no_rate` says what is
        /// needed.
        build: Option<MeasuredBuild>,
        why_no_rate: Option<String>,
    },
    Invalid(String),
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.trim()
        .replace([',', '_'], "")
        .parse()
        .map_err(|_| format!("{what}: `{text}` is not a number."))
}

/// The form as `capacity::project`'s input.
pub fn capacity_input(
    form: &PlanningForm,
    built: &BuiltSpecs,
    dim: usize,
    default_documents: u64,
    key_type: KeyType,
) -> Result<CapacityInput, String> {
    let documents_now = match form.documents_now.trim() {
        "" => default_documents,
        t => parse_document_count(t).map_err(|e| e.to_string())?,
    };
    let growth: Growth = capacity::parse_growth(&form.growth).map_err(|e| e.to_string())?;
    let horizon_months: u32 = number(&form.horizon_months, "Horizon")?;
    let shards: u32 = number(&form.shards, "Shards")?;
    let shard_memory = match form.shard_memory.trim() {
        "" => None,
        t => Some(parse_byte_size(t).map_err(|e| format!("Memory per shard: {e}."))?),
    };
    Ok(CapacityInput {
        documents_now,
        growth,
        horizon_months: horizon_months.min(120),
        dim,
        vector_type: built.hnsw.element_type,
        key_type,
        shards: Some(shards),
        shard_memory,
        reads_per_month: number(&form.reads_per_month, "Reads per month")?,
        writes_per_month: None,
        rates: form.rates,
        candidates: candidates(built),
    })
}

/// The projection for the current choice and form (tracked).
pub fn planned(state: &AppState, form: &PlanningForm) -> Planned {
    let metric = state.forms.common.with(|c| c.metric);
    let (report, built, source) = match state.explore.plan_pair(metric) {
        Some((report, built, _, _)) => (report, built, "the grid's chosen configuration"),
        None => {
            let Some(report) = crate::plan_export::compare_report(state) else {
                return Planned::Unavailable(
                    "Build both indexes (or choose a grid point) to plan capacity.".into(),
                );
            };
            let Some(built) = state.runs.built_specs.get() else {
                return Planned::Unavailable(
                    "Build both indexes (or choose a grid point) to plan capacity.".into(),
                );
            };
            (report, built, "the comparison's runs")
        }
    };
    let production = state.forms.production.get();
    let default_documents =
        parse_document_count(production.doc_count.trim()).unwrap_or(report.dataset.n as u64);
    let key_type = production
        .assessed
        .as_ref()
        .map_or(KeyType::Hash, |p| p.key_type);
    let input = match capacity_input(
        form,
        &built,
        report.dataset.dim,
        default_documents,
        key_type,
    ) {
        Ok(i) => i,
        Err(e) => return Planned::Invalid(e),
    };
    match capacity::project(&input) {
        Ok(plan) => {
            let names = names(production.assessed.as_ref(), &production.index_name);
            let rehearsal = Box::new(rehearsed(&input, &plan, &report, source, names));
            Planned::Ready {
                plan,
                source,
                limit: input.shard_memory,
                rehearsal,
            }
        }
        Err(e) => Planned::Invalid(e.to_string()),
    }
}

/// The names the plan's commands use: assessed facts first, else the plan's defaults.
fn names(assessed: Option<&ProductionFacts>, index_name: &str) -> MigrationNames {
    let mut names = MigrationNames::for_index(index_name);
    if let Some(p) = assessed.filter(|p| p.index_name == index_name) {
        if let Some(n) = &p.new_index_name {
            names.new_index = n.clone();
        }
        if let Some(a) = &p.alias {
            names.alias = a.clone();
        }
    }
    names
}

/// The SVS (or HNSW) run's build in `report`: the indexed vectors and its measured seconds.
fn build_of(report: &CompareReport, algorithm: Algorithm) -> Option<BuildRate> {
    report
        .runs
        .iter()
        .find(|r| r.algorithm == algorithm)
        .map(|r| BuildRate {
            vectors: report.dataset.n as u64,
            seconds: r.build_seconds,
        })
}

/// The rehearsal of the migration the capacity plan starts with (month 0: today's documents
/// on the shards the SVS candidate needs), timed by this tab's SVS build.
pub fn rehearsed(
    input: &CapacityInput,
    plan: &CapacityPlan,
    report: &CompareReport,
    source: &'static str,
    names: MigrationNames,
) -> Rehearsed {
    let (Some(hnsw), Some(svs)) = (
        input
            .candidates
            .iter()
            .find(|c| matches!(c.spec, IndexSpec::Hnsw { .. })),
        input
            .candidates
            .iter()
            .find(|c| matches!(c.spec, IndexSpec::Svs { .. })),
    ) else {
        return Rehearsed::Invalid(
            "The rehearsal needs an HNSW and an SVS-VAMANA configuration.".into(),
        );
    };
    let shards = plan
        .candidates
        .iter()
        .find(|c| c.name == svs.name)
        .and_then(|c| c.months.first())
        .map_or(input.shards.unwrap_or(1), |m| m.shards);
    let (build, why_no_rate) = match build_of(report, Algorithm::SvsVamana) {
        None => (
            None,
            Some("No indexing time: it is scaled from the SVS-VAMANA build measured in this tab, and none has finished. Build the SVS-VAMANA index (Build, or a grid) to see it.".to_string()),
        ),
        Some(rate) => match rate.per_second() {
            Ok(v) => (
                Some(MeasuredBuild {
                    rate,
                    vectors_per_second: v,
                    source,
                }),
                None,
            ),
            Err(e) => (None, Some(format!("No indexing time: {e}."))),
        },
    };
    let r = rehearsal::rehearse(&RehearsalInput {
        documents: input.documents_now,
        shards,
        dim: input.dim,
        vector_type: input.vector_type,
        key_type: input.key_type,
        hnsw: hnsw.clone(),
        svs: svs.clone(),
        observation_days: ProductionFacts::default().rollback_window_days,
        svs_build: build.map(|b| b.rate),
        hnsw_build: build_of(report, Algorithm::Hnsw),
        names,
    });
    match r {
        Ok(rehearsal) => Rehearsed::Ready {
            rehearsal,
            build,
            why_no_rate,
        },
        Err(e) => Rehearsed::Invalid(e.to_string()),
    }
}
