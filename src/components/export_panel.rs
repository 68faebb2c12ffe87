//! Export: the comparison as the `annlab compare --json` document.

use annlab_protocol::report::{CompareReport, DatasetInfo};
use leptos::prelude::*;

use crate::state::{AppState, IndexKind};
use crate::worker_bridge;

/// Builds the report of the finished runs, if any.
fn report(state: &AppState) -> Option<CompareReport> {
    let eval = state.eval.get_untracked()?;
    let runs: Vec<_> = IndexKind::BOTH
        .into_iter()
        .filter_map(|k| state.run(k).get_untracked().outcome())
        .map(|o| o.report.clone())
        .collect();
    if runs.is_empty() {
        return None;
    }
    let common = state.common.get_untracked();
    Some(CompareReport {
        dataset: DatasetInfo {
            n: eval.n,
            dim: state
                .dataset
                .with_untracked(|d| d.as_ref().map_or(0, |d| d.summary.dim)),
            metric: common.metric.lower_name().to_string(),
            queries: eval.queries,
            k: common.k.trim().parse().unwrap_or(10),
        },
        runs,
    })
}

/// The export button (`data-testid="export-button"`).
#[component]
pub fn ExportPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ready = move || {
        IndexKind::BOTH
            .iter()
            .any(|k| state.run(*k).with(|r| r.outcome().is_some()))
    };
    let export = move |_| match report(&state).map(|r| serde_json::to_vec_pretty(&r)) {
        Some(Ok(bytes)) => {
            worker_bridge::download(state, "annlab-compare.json", &bytes, "application/json")
        }
        Some(Err(e)) => state.push_error(format!("could not export: {e}")),
        None => state.push_error("Nothing to export yet: build first."),
    };
    view! {
        <section class="panel export" aria-labelledby="export-h">
            <h3 id="export-h">"Export"</h3>
            <p class="help">
                "Download the comparison (the same JSON as " <code>"annlab compare --json"</code>
                ") to feed the migration plan."
            </p>
            <button type="button" class="primary" data-testid="export-button" disabled=move || !ready() on:click=export>
                "Export comparison JSON"
            </button>
        </section>
    }
}
