//! Production planning: the capacity/cost form and the projection it asks for. Every figure
//! comes from `annlab_export::capacity` (the CLI's `annlab plan` calls the same `project`);
//! this module only turns the typed form and the chosen configuration into its input.

use annlab_export::capacity::{self, Candidate, CapacityInput, CapacityPlan, Growth, Rates};
use annlab_export::facts::{parse_byte_size, parse_document_count};
use annlab_export::input::KeyType;
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
    },
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
        Ok(plan) => Planned::Ready {
            plan,
            source,
            limit: input.shard_memory,
        },
        Err(e) => Planned::Invalid(e.to_string()),
    }
}
