//! Export: the HNSW → SVS-VAMANA migration plan (one zip, or file by file) and the comparison
//! as the `annlab compare --json` document.

use leptos::prelude::*;

use crate::components::field::FormField;
use crate::plan_export::{self, PlanState, ProductionForm};
use crate::state::AppState;
use crate::worker_bridge;

/// The export panel; `data-testid="export-button"` downloads the plan zip.
#[component]
pub fn ExportPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = state.forms.production;
    let report = Memo::new(move |_| plan_export::compare_report(&state));
    let plan = Memo::new(move |_| plan_export::plan_state(&state));
    let bundle = move || match plan.get() {
        PlanState::Ready(b) => Some(b),
        _ => None,
    };
    let download_zip = move |_| match plan.get_untracked() {
        PlanState::Ready(b) => worker_bridge::download(
            state,
            plan_export::PLAN_ZIP,
            &annlab_export::bundle_zip(&b),
            "application/zip",
        ),
        PlanState::Invalid(messages) => {
            state.push_error(format!("Cannot export the plan: {}", messages.join(" ")))
        }
        PlanState::Unavailable(why) => state.push_error(why),
    };
    let download_json = move |_| match report
        .get_untracked()
        .map(|r| serde_json::to_vec_pretty(&r))
    {
        Some(Ok(bytes)) => {
            worker_bridge::download(state, plan_export::COMPARE_JSON, &bytes, "application/json")
        }
        Some(Err(e)) => state.push_error(format!("could not export: {e}")),
        None => state.push_error("Nothing to export yet: build first."),
    };
    let download_file = move |name: &str| {
        if let PlanState::Ready(b) = plan.get_untracked() {
            if let Some(f) = b.file(name) {
                worker_bridge::download(state, &f.name, f.contents.as_bytes(), &f.mime);
            }
        }
    };
    let doc_placeholder = Signal::derive(move || {
        state.runs.eval.with(|e| {
            e.as_ref()
                .map_or("indexed vectors".into(), |e| e.n.to_string())
        })
    });
    let intel_checked = move || {
        let target = state
            .runs
            .built_specs
            .with(|b| b.map_or_else(|| state.forms.svs.with(|f| f.target), |b| b.target));
        let from_target = annlab_export::facts::default_intel_build(target);
        form.with(|f| f.intel_build.unwrap_or(from_target))
    };
    view! {
        <section class="panel export" aria-labelledby="export-h">
            <h3 id="export-h">"Export the migration plan"</h3>
            <p class="help">
                "PLAN.md, redis-cli scripts to migrate and roll back, a RedisVL schema, Python \
                 migration and validation scripts and a vector-db-benchmark experiment, for the \
                 fastest SVS-VAMANA setting with recall ≥ 0.9 against HNSW."
            </p>
            {move || {
                let metric = state.forms.common.with(|c| c.metric);
                state.explore.plan_pair(metric).map(|(_, _, _, label)| {
                    view! {
                        <p class="plan-source" data-testid="plan-source">
                            "The plan uses the grid's choice: " <strong>{label}</strong>
                            " (the optimizer's per algorithm, or the point you clicked)."
                        </p>
                    }
                })
            }}
            {move || {
                form.with(|f| {
                    f.assessed.as_ref().map(|a| {
                        let baseline = a.measured_baseline.map_or(String::new(), |b| {
                            format!(
                                " PLAN.md records its measured recall@{}: {:.4}{} (annlab assess, within the sample).",
                                b.k,
                                b.recall_at_k,
                                b.ef_runtime.map_or(String::new(), |e| format!(" at EF_RUNTIME {e}"))
                            )
                        });
                        view! {
                            <p class="help" data-testid="export-assessed">
                                {format!(
                                    "Prefilled from annlab assess: {} index {}, vector field {}{}.{baseline}",
                                    a.key_type.redis_name(),
                                    a.index_name,
                                    a.vector_field,
                                    a.vector_path.as_ref().map_or(String::new(), |p| format!(" at {p}")),
                                )}
                            </p>
                        }
                    })
                })
            }}
            <fieldset class="facts">
                <legend>"Production facts"</legend>
                <div class="facts-grid">
                    <FormField form id="fact-index" label="Index name" get=|f: &ProductionForm| f.index_name.clone()
                        set=|f, v| f.index_name = v placeholder="idx".to_string()/>
                    <FormField form id="fact-prefix" label="Key prefixes (comma-separated)" get=|f: &ProductionForm| f.prefix.clone()
                        set=|f, v| f.prefix = v placeholder="doc:".to_string()/>
                    <FormField form id="fact-field" label="Vector field" get=|f: &ProductionForm| f.vector_field.clone()
                        set=|f, v| f.vector_field = v placeholder="embedding".to_string()/>
                    <FormField form id="fact-docs" label="Documents" get=|f: &ProductionForm| f.doc_count.clone()
                        set=|f, v| f.doc_count = v placeholder=doc_placeholder numeric=true/>
                    <FormField form id="fact-maxmemory" label="maxmemory" get=|f: &ProductionForm| f.maxmemory.clone()
                        set=|f, v| f.maxmemory = v placeholder="unknown (e.g. 16gb)".to_string()/>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="fact-intel"
                            prop:checked=intel_checked
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                form.update(|f| f.intel_build = Some(on));
                            }
                        />
                        "Intel build of Redis (LVQ/LeanVec served natively)"
                    </label>
                </div>
            </fieldset>
            <p class="field-error" role="alert" data-testid="export-error">
                {move || match plan.get() {
                    PlanState::Invalid(messages) => messages.join(" "),
                    _ => String::new(),
                }}
            </p>
            {move || match plan.get() {
                PlanState::Unavailable(why) if report.with(Option::is_some) => {
                    view! { <p class="help">{why}</p> }.into_any()
                }
                _ => ().into_any(),
            }}
            <div class="export-actions">
                <button
                    type="button"
                    class="primary"
                    data-testid="export-button"
                    disabled=move || plan.with(|p| matches!(p, PlanState::Unavailable(_)))
                    on:click=download_zip
                >
                    "Download plan (.zip)"
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid="export-json"
                    disabled=move || report.with(Option::is_none)
                    on:click=download_json
                >
                    "Comparison JSON"
                </button>
            </div>
            <Show when=move || bundle().is_some()>
                <ul class="export-files" aria-label="Plan files">
                    {move || {
                        bundle()
                            .map(|b| {
                                b.files
                                    .iter()
                                    .map(|f| {
                                        let name = f.name.clone();
                                        let label = f.name.clone();
                                        let testid = format!("export-file-{}", f.name);
                                        view! {
                                            <li>
                                                <button
                                                    type="button"
                                                    class="link"
                                                    data-testid=testid
                                                    on:click=move |_| download_file(&name)
                                                >
                                                    {label}
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            })
                    }}
                </ul>
            </Show>
        </section>
    }
}
