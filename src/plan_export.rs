//! Export glue: the comparison report of the finished runs, the production-facts form and the
//! migration-plan bundle built from both (`annlab-export`). Platform-free apart from reading
//! [`AppState`] signals; the panel only renders what this returns.

use annlab_core::hnsw::HnswParams;
use annlab_core::svs::{SvsParams, Target};
use annlab_core::Metric;
use annlab_export::facts::{parse_byte_size, parse_document_count, DEFAULT_RECALL_THRESHOLD};
use annlab_export::{Bundle, FactsInput, Measured, PlanInput, PlanInputError, ProductionFacts};
use annlab_protocol::decide::go_no_go::Thresholds;
use annlab_protocol::decide::optimizer::OptimizerResult;
use annlab_protocol::report::{Algorithm, CompareReport, DatasetInfo};
use annlab_protocol::runner::IndexSpec;
use leptos::prelude::{Get, With};

use crate::explore::{PlanPick, ThresholdsForm};

use crate::state::{AppState, IndexKind};

/// File name of the comparison JSON download (same document as `annlab compare --json`).
pub const COMPARE_JSON: &str = "annlab-compare.json";
/// File name of the zipped plan bundle.
pub const PLAN_ZIP: &str = "annlab-migration-plan.zip";
/// The SVS point the plan exports must reach this recall against HNSW (the CLI's default).
pub const RECALL_THRESHOLD: f64 = DEFAULT_RECALL_THRESHOLD;

/// The production facts as typed in the export panel.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductionForm {
    pub index_name: String,
    /// Key prefixes, comma-separated.
    pub prefix: String,
    pub vector_field: String,
    /// Empty = the number of indexed vectors.
    pub doc_count: String,
    /// Empty = unknown / unlimited. Bytes, or with a kb/mb/gb/tb suffix (powers of 1024).
    pub maxmemory: String,
    /// `None` = follow the target the SVS index was measured for.
    pub intel_build: Option<bool>,
    /// Facts read from a live index by `annlab assess` (key type, vector path, other fields,
    /// the measured baseline): the plan takes them as they are; the typed fields above win.
    pub assessed: Option<ProductionFacts>,
}

impl Default for ProductionForm {
    fn default() -> Self {
        let d = ProductionFacts::default();
        Self {
            index_name: d.index_name,
            prefix: d.prefixes.first().cloned().unwrap_or_default(),
            vector_field: d.vector_field,
            doc_count: String::new(),
            maxmemory: String::new(),
            intel_build: None,
            assessed: None,
        }
    }
}

/// The parameters the finished runs were built with (recorded when a build starts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuiltSpecs {
    pub hnsw: HnswParams,
    pub svs: SvsParams,
    pub target: Target,
    pub metric: Metric,
}

impl BuiltSpecs {
    /// `None` unless `hnsw` and `svs` are an HNSW and an SVS-VAMANA spec.
    pub fn from_specs(hnsw: &IndexSpec, svs: &IndexSpec, metric: Metric) -> Option<Self> {
        match (hnsw, svs) {
            (
                IndexSpec::Hnsw { params: h, .. },
                IndexSpec::Svs {
                    params: s, target, ..
                },
            ) => Some(Self {
                hnsw: *h,
                svs: *s,
                target: *target,
                metric,
            }),
            _ => None,
        }
    }
}

/// What the export panel can offer right now.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanState {
    /// No plan yet, and why (e.g. only one index was built).
    Unavailable(String),
    /// The facts (or the report) would make a wrong plan: the messages to show.
    Invalid(Vec<String>),
    Ready(Bundle),
}

/// The comparison of the finished runs (tracked: re-runs when runs or settings change).
pub fn compare_report(state: &AppState) -> Option<CompareReport> {
    let eval = state.runs.eval.get()?;
    let runs: Vec<_> = IndexKind::BOTH
        .into_iter()
        .filter_map(|k| state.outcome(k).get())
        .map(|o| o.report.clone())
        .collect();
    if runs.is_empty() {
        return None;
    }
    let common = state.forms.common.get();
    Some(CompareReport {
        dataset: DatasetInfo {
            n: eval.n,
            dim: state
                .data
                .dataset
                .with(|d| d.as_ref().map_or(0, |d| d.summary.dim)),
            metric: common.metric.lower_name().to_string(),
            queries: eval.queries,
            k: common.k.trim().parse().unwrap_or(10),
        },
        runs,
    })
}

/// The plan for the current runs and facts (tracked).
pub fn plan_state(state: &AppState) -> PlanState {
    // A grid's choice (the optimizer's, or a clicked point) wins over the single comparison.
    let metric = state.forms.common.with(|c| c.metric);
    if let Some((report, built, svs_point, _)) = state.explore.plan_pair(metric) {
        let form = state.forms.production.get();
        let input = plan_input_with(&report, &built, &form, Some((1, svs_point + 1)));
        let explored = state.explore.explored.get();
        let decision = state.explore.decision.get();
        let input = match (input, explored, decision.as_ref().and_then(|d| d.pick)) {
            (Ok(mut input), Some(e), Some(pick)) => {
                let thresholds = state.explore.thresholds.with(ThresholdsForm::thresholds);
                let optimizer = decision.as_ref().and_then(|d| d.result.as_ref().ok());
                match thresholds {
                    Ok(thresholds) => attach_decision(
                        &mut input,
                        &GridDecision {
                            grid: &e.report,
                            pick,
                            optimizer,
                            thresholds: &thresholds,
                        },
                    )
                    .map(|()| input),
                    Err(why) => Err(PlanError::Invalid(vec![sentence(&why)])),
                }
            }
            (input, _, _) => input,
        };
        return match input {
            Ok(input) => bundle_state(input, state.cluster.facts()),
            Err(PlanError::Unavailable(why)) => PlanState::Unavailable(why),
            Err(PlanError::Invalid(messages)) => PlanState::Invalid(messages),
        };
    }
    let Some(report) = compare_report(state) else {
        return PlanState::Unavailable("Build both indexes to get a migration plan.".into());
    };
    let Some(built) = state.runs.built_specs.get() else {
        return PlanState::Unavailable("Build both indexes to get a migration plan.".into());
    };
    let form = state.forms.production.get();
    match plan_input(&report, &built, &form) {
        Ok(input) => bundle_state(input, state.cluster.facts()),
        Err(PlanError::Unavailable(why)) => PlanState::Unavailable(why),
        Err(PlanError::Invalid(messages)) => PlanState::Invalid(messages),
    }
}

/// The bundle of `input`; after a cluster simulation, a plan for that cluster (PLAN.md's
/// section 4a from `annlab_export`, as `annlab compare --shards --export` writes it).
fn bundle_state(mut input: PlanInput, cluster: Option<annlab_export::ClusterFacts>) -> PlanState {
    if let Some(cluster) = cluster {
        input.production.cluster = Some(cluster);
    }
    match annlab_export::build_bundle(&input) {
        Ok(bundle) => PlanState::Ready(bundle),
        Err(e) => PlanState::Invalid(vec![e.to_string()]),
    }
}

/// Why no [`PlanInput`] could be derived.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanError {
    Unavailable(String),
    Invalid(Vec<String>),
}

impl ProductionForm {
    /// The form prefilled from an assessed index's production facts.
    pub fn from_assessed(p: &ProductionFacts) -> Self {
        Self {
            index_name: p.index_name.clone(),
            prefix: p.prefixes.join(", "),
            vector_field: p.vector_field.clone(),
            doc_count: p.document_count.to_string(),
            maxmemory: p.maxmemory_bytes.map_or(String::new(), |b| b.to_string()),
            intel_build: None,
            assessed: Some(p.clone()),
        }
    }

    /// The typed facts as the exporter takes them, or every message about what does not parse.
    pub fn facts(&self) -> Result<FactsInput, Vec<String>> {
        let mut errors = Vec::new();
        let document_count = match self.doc_count.trim() {
            "" => None,
            text => parse_document_count(text)
                .map_err(|e| errors.push(sentence(&e.to_string())))
                .ok(),
        };
        let maxmemory_bytes = match self.maxmemory.trim() {
            "" => None,
            text => parse_byte_size(text)
                .map_err(|e| errors.push(format!("maxmemory: {e}.")))
                .ok(),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let base = self
            .assessed
            .as_ref()
            .map_or_else(FactsInput::default, FactsInput::from_production);
        Ok(FactsInput {
            index_name: self.index_name.clone(),
            prefixes: self.prefix.split(',').map(str::to_string).collect(),
            vector_field: self.vector_field.clone(),
            document_count,
            maxmemory_bytes,
            recall_threshold: RECALL_THRESHOLD,
            intel_build: self.intel_build,
            ..base
        })
    }
}

/// The spec each run of `report` was built with (the app builds one HNSW and one SVS index).
fn run_specs(report: &CompareReport, built: &BuiltSpecs) -> Vec<IndexSpec> {
    report
        .runs
        .iter()
        .map(|run| match run.algorithm {
            Algorithm::Hnsw => IndexSpec::Hnsw {
                params: built.hnsw,
                ef_sweep: Vec::new(),
            },
            Algorithm::SvsVamana => IndexSpec::Svs {
                params: built.svs,
                target: built.target,
                runtime_sweep: Vec::new(),
            },
            Algorithm::Flat => IndexSpec::Flat {
                element_type: built.hnsw.element_type,
            },
        })
        .collect()
}

/// Derives the exporter's input from a report (HNSW + SVS runs), the parameters they were
/// built with and the typed facts, with `annlab_export::plan_input` (as `annlab compare
/// --export` does). Documents default to the indexed vectors.
pub fn plan_input(
    report: &CompareReport,
    built: &BuiltSpecs,
    form: &ProductionForm,
) -> Result<PlanInput, PlanError> {
    plan_input_with(report, built, form, None)
}

/// [`plan_input`] exporting the SVS point `export_point` (run, point, both 1-based among the
/// SVS runs) instead of the fastest
/// one that reaches the recall threshold (a grid's chosen point).
pub fn plan_input_with(
    report: &CompareReport,
    built: &BuiltSpecs,
    form: &ProductionForm,
    export_point: Option<(usize, usize)>,
) -> Result<PlanInput, PlanError> {
    let mut facts = form.facts().map_err(PlanError::Invalid)?;
    facts.export_point = export_point;
    let specs = run_specs(report, built);
    let measured = Measured {
        report,
        specs: &specs,
        metric: built.metric,
        target: built.target,
        default_document_count: report.dataset.n as u64,
    };
    annlab_export::plan_input(&measured, &facts).map_err(|e| match e {
        PlanInputError::NeedsHnswAndSvs | PlanInputError::NoSearchPoints => {
            PlanError::Unavailable(sentence(&e.to_string()))
        }
        other => PlanError::Invalid(vec![sentence(&other.to_string())]),
    })
}

/// What a grid decided, for the plan made from the grid's choice.
pub struct GridDecision<'a> {
    /// The whole grid's report (the plan's frontier is the grid's, as `annlab sweep`'s).
    pub grid: &'a CompareReport,
    /// The runs and points of `grid` the plan input was made from.
    pub pick: PlanPick,
    /// The optimizer's result the decide panel shows (when its budgets parse).
    pub optimizer: Option<&'a OptimizerResult>,
    /// The go/no-go thresholds as typed in the decide panel.
    pub thresholds: &'a Thresholds,
}

/// Puts the grid's decision into `input` (made from the picked pair, run 0 HNSW and run 1
/// SVS): its report becomes the whole grid, with the picked runs as the pair carries them
/// (recall against that HNSW run), so the optimizer's run indices and the frontier name the
/// grid's runs, as `annlab sweep --export` records them.
pub fn attach_decision(input: &mut PlanInput, d: &GridDecision<'_>) -> Result<(), PlanError> {
    let mut report = d.grid.clone();
    for (from, to) in [
        (input.hnsw_run, d.pick.hnsw.run),
        (input.svs_run, d.pick.svs.run),
    ] {
        match (input.report.runs.get(from), report.runs.get_mut(to)) {
            (Some(run), Some(slot)) => *slot = run.clone(),
            _ => {
                return Err(PlanError::Unavailable(
                    "The grid's choice is not among its runs.".into(),
                ))
            }
        }
    }
    input.report = report;
    input.hnsw_run = d.pick.hnsw.run;
    input.svs_run = d.pick.svs.run;
    let decision = annlab_export::decision::decide(input, d.optimizer, d.thresholds)
        .map_err(|e| PlanError::Invalid(vec![sentence(&e.to_string())]))?;
    input.decision = Some(decision);
    Ok(())
}

/// A message as a sentence: capitalised, with a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_protocol::report::{Algorithm, Latency, MemoryReport, RunReport, SearchPoint};
    use serde_json::Value;

    fn run(algorithm: Algorithm, key: &str, points: &[(f64, f64, usize)]) -> RunReport {
        RunReport {
            algorithm,
            params: Default::default(),
            target: Target::Intel,
            build_seconds: 0.1,
            memory: MemoryReport::default(),
            search: points
                .iter()
                .map(|&(recall, qps, value)| SearchPoint {
                    runtime: [(key.to_string(), Value::from(value))]
                        .into_iter()
                        .collect(),
                    recall_at_k: recall,
                    tie_aware_recall_at_k: recall,
                    qps,
                    latency_us: Latency::default(),
                    distance_computations_mean: 10.0,
                    timed_queries: 0,
                    recall_vs_hnsw: (algorithm == Algorithm::SvsVamana).then_some(recall),
                })
                .collect(),
            effective: None,
            notes: Vec::new(),
        }
    }

    fn fixture() -> (CompareReport, BuiltSpecs) {
        let report = CompareReport {
            dataset: DatasetInfo {
                n: 1000,
                dim: 16,
                metric: "cosine".into(),
                queries: 20,
                k: 10,
            },
            runs: vec![
                run(Algorithm::Hnsw, "ef_runtime", &[(0.99, 1000.0, 10)]),
                run(
                    Algorithm::SvsVamana,
                    "search_window_size",
                    &[(0.8, 3000.0, 10), (0.95, 2000.0, 20)],
                ),
            ],
        };
        let built = BuiltSpecs {
            hnsw: HnswParams::default(),
            svs: SvsParams::default(),
            target: Target::Generic,
            metric: Metric::Cosine,
        };
        (report, built)
    }

    #[test]
    fn a_plan_from_a_grid_carries_the_decision_on_the_grids_runs() {
        use annlab_protocol::decide::optimizer::{optimize, Budgets};
        use annlab_protocol::decide::PointRef;
        let (pair, built) = fixture();
        // The grid: a second HNSW run before the picked pair, a second SVS run after it.
        let grid = CompareReport {
            dataset: pair.dataset.clone(),
            runs: vec![
                run(Algorithm::Hnsw, "ef_runtime", &[(0.9, 1500.0, 10)]),
                pair.runs[0].clone(),
                pair.runs[1].clone(),
                run(
                    Algorithm::SvsVamana,
                    "search_window_size",
                    &[(0.5, 9000.0, 10)],
                ),
            ],
        };
        let budgets = Budgets {
            recall_floor: 0.9,
            p95_us: None,
            memory_bytes: None,
            build_seconds: None,
            doc_count: 1000,
        };
        let result = optimize(&grid, &budgets);
        let pick = PlanPick {
            hnsw: PointRef { run: 1, point: 0 },
            svs: PointRef { run: 2, point: 1 },
        };
        let thresholds = Thresholds {
            memory_savings_min: 0.2,
            recall_floor: 0.7,
        };
        let mut input =
            plan_input_with(&pair, &built, &ProductionForm::default(), Some((1, 2))).unwrap();
        let d = GridDecision {
            grid: &grid,
            pick,
            optimizer: Some(&result),
            thresholds: &thresholds,
        };
        attach_decision(&mut input, &d).unwrap();
        assert_eq!((input.hnsw_run, input.svs_run, input.svs_point), (1, 2, 1));
        assert_eq!(input.report.runs.len(), 4);
        let decision = input
            .decision
            .as_ref()
            .expect("the grid's plan carries a decision");
        // The panel's thresholds, not the defaults.
        assert_eq!(decision.go_no_go.thresholds, thresholds);
        assert_eq!(decision.budgets, Some(budgets));
        // The frontier is the grid's (its 4th run is the fastest point), in increasing recall.
        let expected = annlab_protocol::decide::pareto::frontier(
            &grid,
            annlab_protocol::decide::pareto::Objective::QpsHigher,
            &annlab_protocol::decide::pareto::MemoryAt { doc_count: 1000 },
        )
        .iter()
        .map(|e| e.point_ref())
        .collect::<Vec<_>>();
        assert_eq!(decision.frontier, expected);
        assert!(decision.frontier.contains(&PointRef { run: 3, point: 0 }));
        // The optimizer's overall choice, named by the grid's run index.
        let chosen = result.overall.chosen().map(|c| c.best.metrics.point_ref());
        assert!(chosen.is_some());
        assert_eq!(decision.chosen, chosen);
        let bundle = annlab_export::build_bundle(&input).unwrap();
        let plan = bundle.files.iter().find(|f| f.name == "PLAN.md").unwrap();
        assert!(plan.contents.contains("## Decision"), "{}", plan.contents);
        assert!(plan.contents.contains("(chosen)"), "{}", plan.contents);
    }

    /// After a 3-shard simulation the app's PLAN.md has the CLI's cluster section (the same
    /// `annlab_export` renderer), with the picked SHARD_K_RATIO; without one, none.
    #[test]
    fn a_simulated_cluster_puts_the_cluster_section_into_the_plan() {
        let (report, built) = fixture();
        let input = plan_input(&report, &built, &ProductionForm::default()).unwrap();
        let outcome = annlab_worker::view::ShardOutcome {
            shards: 3,
            key_prefix: "doc:".into(),
            ratios: vec![1.0, 0.5],
            k: 10,
            runs: Vec::new(),
        };
        let plan_md = |state: PlanState| match state {
            PlanState::Ready(b) => b.file("PLAN.md").unwrap().contents.clone(),
            other => panic!("{other:?}"),
        };
        let facts = crate::cluster::cluster_facts(&outcome, Some(0.5));
        let app = plan_md(bundle_state(input.clone(), Some(facts)));
        assert!(app.contains("## 4a. Redis Cluster: 3 shards"), "{app}");
        assert!(app.contains("SHARD_K_RATIO 0.5:"), "{app}");
        let mut cli = input.clone();
        cli.production.cluster = Some(facts);
        let cli = annlab_export::build_bundle(&cli).unwrap();
        assert_eq!(cli.file("PLAN.md").unwrap().contents, app);
        assert!(!plan_md(bundle_state(input, None)).contains("## 4a."));
    }

    #[test]
    fn derives_the_plan_input_from_the_report_and_the_facts() {
        let (report, built) = fixture();
        let input = plan_input(&report, &built, &ProductionForm::default()).unwrap();
        assert_eq!((input.hnsw_run, input.svs_run, input.svs_point), (0, 1, 1));
        assert_eq!(input.svs.search_window_size, 20);
        assert_eq!(input.production.document_count, 1000);
        assert!(!input.production.intel_build, "follows the generic target");
        let bundle = annlab_export::build_bundle(&input).unwrap();
        assert!(bundle.file("PLAN.md").is_some());
    }

    #[test]
    fn reports_bad_facts_with_the_exporters_parsers() {
        let (report, built) = fixture();
        let form = ProductionForm {
            doc_count: "many".into(),
            maxmemory: "lots".into(),
            ..ProductionForm::default()
        };
        match plan_input(&report, &built, &form) {
            Err(PlanError::Invalid(messages)) => assert_eq!(messages.len(), 2, "{messages:?}"),
            other => panic!("expected two messages, got {other:?}"),
        }
        let ok = ProductionForm {
            doc_count: "2,000".into(),
            maxmemory: "16 GB".into(),
            ..ProductionForm::default()
        };
        let input = plan_input(&report, &built, &ok).unwrap();
        assert_eq!(input.production.document_count, 2000);
        assert_eq!(input.production.maxmemory_bytes, Some(16 << 30));
    }

    #[test]
    fn an_assessed_form_names_the_index_as_facts_json_says() {
        use annlab_export::{KeyType, MeasuredBaseline};
        let (report, built) = fixture();
        let assessed = ProductionFacts {
            index_name: "prod_idx".into(),
            prefixes: vec!["item:".into(), "x:".into()],
            key_type: KeyType::Json,
            vector_field: "emb".into(),
            vector_path: Some("$.emb".into()),
            document_count: 300,
            measured_baseline: Some(MeasuredBaseline {
                k: 10,
                ef_runtime: Some(10),
                recall_at_k: 0.8123,
            }),
            ..ProductionFacts::default()
        };
        let form = ProductionForm::from_assessed(&assessed);
        assert_eq!(form.prefix, "item:, x:");
        let input = plan_input(&report, &built, &form).unwrap();
        let p = &input.production;
        assert_eq!(p.prefixes, vec!["item:".to_string(), "x:".to_string()]);
        assert_eq!(
            (p.key_type, p.vector_path.as_deref()),
            (KeyType::Json, Some("$.emb"))
        );
        assert_eq!(p.document_count, 300);
        let plan = annlab_export::build_bundle(&input).unwrap();
        let md = &plan.file("PLAN.md").unwrap().contents;
        assert!(md.contains("| 0.812 at EF_RUNTIME 10 |"), "{md}");
    }
}
