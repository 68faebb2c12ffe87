//! Memory: per-index breakdown bars (vectors / graph / other) and the Redis-level view with the
//! migration peak.

use annlab_export::projection::{plan_memory, MigrationPeak};
use annlab_export::{ExportError, PlanInput};
use annlab_protocol::report::MemoryReport;
use leptos::prelude::*;

use crate::plan_export::{self, ProductionForm};
use crate::state::{format_bytes, AppState, IndexKind};

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0%".into()
    } else {
        format!("{:.2}%", part as f64 * 100.0 / whole as f64)
    }
}

/// The memory chart.
#[component]
pub fn MemoryChart() -> impl IntoView {
    let state = expect_context::<AppState>();
    let reports = move || {
        IndexKind::BOTH
            .into_iter()
            .filter_map(|k| state.outcome(k).get().map(|o| (k, o.report.memory)))
            .collect::<Vec<_>>()
    };
    view! {
        <section class="panel memory" aria-labelledby="memory-h">
            <h3 id="memory-h">"Memory"</h3>
            {move || {
                let rows = reports();
                if rows.is_empty() {
                    return view! { <p class="empty">"No index built yet."</p> }.into_any();
                }
                let scale = rows.iter().map(|(_, m)| m.index_bytes).max().unwrap_or(1).max(1);
                view! {
                    <div class="legend">
                        <span class="swatch vectors"></span>"vectors"
                        <span class="swatch graph"></span>"graph"
                        <span class="swatch other"></span>"other"
                    </div>
                    {rows.into_iter().map(|(k, m)| breakdown(k, m, scale)).collect_view()}
                    <RedisView/>
                }
                .into_any()
            }}
        </section>
    }
}

fn breakdown(kind: IndexKind, m: MemoryReport, scale: u64) -> impl IntoView {
    view! {
        <div class="bar-row">
            <span class="name">{kind.label()}</span>
            <div class="bar" role="img" aria-label=format!(
                "{}: vectors {}, graph {}, other {}",
                kind.label(),
                format_bytes(m.vector_bytes),
                format_bytes(m.graph_bytes),
                format_bytes(m.other_bytes)
            )>
                <span class="seg vectors" style:width=pct(m.vector_bytes, scale)></span>
                <span class="seg graph" style:width=pct(m.graph_bytes, scale)></span>
                <span class="seg other" style:width=pct(m.other_bytes, scale)></span>
            </div>
            <span class="total">{format_bytes(m.index_bytes)}</span>
        </div>
        <p class="detail">
            {format!(
                "vectors {} · graph {} · other {}",
                format_bytes(m.vector_bytes),
                format_bytes(m.graph_bytes),
                format_bytes(m.other_bytes)
            )}
        </p>
    }
}

/// What the Redis view draws: PLAN.md's memory section for the plan the app would export
/// (`annlab_export::projection::plan_memory`), so the chart and PLAN.md show one peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisFigures {
    /// Documents the figures are for (the plan's document count).
    pub documents: u64,
    /// HNSW index + the documents it reads.
    pub hnsw_total: u64,
    /// SVS index + the documents it reads.
    pub svs_total: u64,
    pub peak: MigrationPeak,
}

/// The chart's figures for a plan input.
pub fn redis_figures(input: &PlanInput) -> Result<RedisFigures, ExportError> {
    let m = plan_memory(input)?;
    Ok(RedisFigures {
        documents: m.n_now,
        hnsw_total: m.hnsw_total_now(),
        svs_total: m.svs_total_now(),
        peak: m.peak(),
    })
}

/// The plan input behind the chart: the typed production facts, or the defaults while they do
/// not parse (the export panel shows why).
fn chart_input(state: &AppState) -> Option<PlanInput> {
    let report = plan_export::compare_report(state)?;
    let built = state.runs.built_specs.get()?;
    let form = state.forms.production.get();
    plan_export::plan_input(&report, &built, &form)
        .or_else(|_| plan_export::plan_input(&report, &built, &ProductionForm::default()))
        .ok()
}

/// Redis view: index estimate + document blobs, and the peak while both indexes exist.
#[component]
fn RedisView() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let (Some(_), Some(_)) = (state.runs.hnsw_outcome.get(), state.runs.svs_outcome.get())
        else {
            return view! { <p class="help">"Build both to see the migration view."</p> }
                .into_any();
        };
        let figures = match chart_input(&state).as_ref().map(redis_figures) {
            Some(Ok(f)) => f,
            Some(Err(e)) => return view! { <p class="help">{e.to_string()}</p> }.into_any(),
            None => {
                return view! { <p class="help">"No migration view for these runs."</p> }.into_any()
            }
        };
        let p = figures.peak;
        let total = p.total();
        let scale = total.max(1);
        let row = |label: &'static str, whole: u64, index: u64, testid: &'static str| {
            view! {
                <div class="bar-row">
                    <span class="name">{label}</span>
                    <div class="bar">
                        <span class="seg index" style:width=pct(index, scale)></span>
                        <span class="seg docs" style:width=pct(whole - index, scale)></span>
                    </div>
                    <span class="total" data-testid=testid data-value=whole>{format_bytes(whole)}</span>
                </div>
            }
        };
        view! {
            <h4>{format!(
                "In Redis at {} documents (vector_index_sz_mb model + HASH blobs)",
                figures.documents
            )}</h4>
            <div class="legend">
                <span class="swatch index"></span>"index"
                <span class="swatch docs"></span>"documents (full-precision blobs, shared)"
            </div>
            {row("HNSW", figures.hnsw_total, p.hnsw_index, "redis-hnsw-total")}
            {row("SVS", figures.svs_total, p.svs_index, "redis-svs-total")}
            <div class="bar-row peak">
                <span class="name">"Migration peak"</span>
                <div class="bar">
                    <span class="seg index" style:width=pct(p.hnsw_index, scale)></span>
                    <span class="seg index2" style:width=pct(p.svs_index, scale)></span>
                    <span class="seg docs" style:width=pct(p.documents + p.new_documents, scale)></span>
                </div>
                <span class="total" data-testid="redis-migration-peak" data-value=total>{format_bytes(total)}</span>
            </div>
            <p class="help">
                "While the SVS index builds next to HNSW (FT.ALIASUPDATE switch), both indexes and the documents (once, plus any re-encoded copies) are held at once; the same figure as PLAN.md."
            </p>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_export::{plan_input, BuiltSpecs};
    use annlab_core::hnsw::HnswParams;
    use annlab_core::svs::{SvsParams, Target};
    use annlab_core::{ElementType, Metric};
    use annlab_export::projection::{human_bytes, MigrationPeak};
    use annlab_protocol::report::{
        Algorithm, CompareReport, DatasetInfo, MemoryReport, RunReport, SearchPoint,
    };
    use serde_json::Value;

    fn run(algorithm: Algorithm, key: &str, memory: MemoryReport) -> RunReport {
        RunReport {
            algorithm,
            params: Default::default(),
            target: Target::Intel,
            build_seconds: 0.1,
            memory,
            search: vec![SearchPoint {
                runtime: [(key.to_string(), Value::from(20))].into_iter().collect(),
                recall_at_k: 0.97,
                tie_aware_recall_at_k: 0.97,
                qps: 1000.0,
                latency_us: Default::default(),
                distance_computations_mean: 10.0,
                timed_queries: 0,
                recall_vs_hnsw: (algorithm == Algorithm::SvsVamana).then_some(0.97),
            }],
            effective: None,
            notes: Vec::new(),
        }
    }

    fn memory(index: u64, docs: u64) -> MemoryReport {
        MemoryReport {
            index_bytes: index,
            redis_index_bytes_estimate: index + 1000,
            document_bytes: docs,
            ..MemoryReport::default()
        }
    }

    /// One set of reports and facts, fed to the chart's figures and to PLAN.md.
    fn peak_both_ways(svs_type: ElementType, form: ProductionForm) -> (MigrationPeak, String) {
        let (n, dim) = (1000, 16);
        let report = CompareReport {
            dataset: DatasetInfo {
                n,
                dim,
                metric: "cosine".into(),
                queries: 20,
                k: 10,
            },
            runs: vec![
                run(
                    Algorithm::Hnsw,
                    "ef_runtime",
                    memory(400_000, (n * dim * 4) as u64),
                ),
                run(
                    Algorithm::SvsVamana,
                    "search_window_size",
                    memory(150_000, (n * dim * svs_type.size_bytes()) as u64),
                ),
            ],
        };
        let built = BuiltSpecs {
            hnsw: HnswParams::default(),
            svs: SvsParams {
                element_type: svs_type,
                ..SvsParams::default()
            },
            target: Target::Intel,
            metric: Metric::Cosine,
        };
        let input = plan_input(&report, &built, &form).unwrap();
        let chart = redis_figures(&input).unwrap();
        let bundle = annlab_export::build_bundle(&input).unwrap();
        let plan = bundle.file("PLAN.md").unwrap().contents.clone();
        let line = plan
            .lines()
            .find(|l| l.starts_with("**Peak while both indexes exist"))
            .unwrap()
            .to_string();
        assert_eq!(chart.peak.total(), plan_memory(&input).unwrap().peak_now);
        (chart.peak, line)
    }

    #[test]
    fn the_memory_chart_and_plan_md_show_the_same_migration_peak() {
        // Defaults: the documents are the indexed vectors, shared by both indexes, counted once.
        let (peak, line) = peak_both_ways(ElementType::Float32, ProductionForm::default());
        assert_eq!(peak.documents, 1000 * 16 * 4);
        assert_eq!(peak.new_documents, 0);
        assert!(peak.hnsw_index > 0 && peak.svs_index > 0);
        assert!(
            line.ends_with(&format!("**{}**.", human_bytes(peak.total()))),
            "{line}"
        );
        // A production count and a FLOAT16 SVS index: the re-encoded copies count too.
        let form = ProductionForm {
            doc_count: "1,000,000".into(),
            ..ProductionForm::default()
        };
        let (peak, line) = peak_both_ways(ElementType::Float16, form);
        assert_eq!(peak.documents, 1_000_000 * 16 * 4);
        assert_eq!(peak.new_documents, 1_000_000 * 16 * 2);
        assert!(
            line.ends_with(&format!("**{}**.", human_bytes(peak.total()))),
            "{line}"
        );
    }
}
