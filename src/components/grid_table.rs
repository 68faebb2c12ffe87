//! The grid's results: one row per measured point of every finished configuration, sortable,
//! filling as configurations finish; CSV and JSON (`annlab sweep --json`'s model) downloads.

use leptos::prelude::*;

use crate::explore::{self, SortKey};
use crate::state::{format_bytes, format_seconds, AppState};
use crate::worker_bridge;

const COLUMNS: [(SortKey, &str); 7] = [
    (SortKey::Config, "config"),
    (SortKey::Runtime, "runtime"),
    (SortKey::Recall, "recall@k"),
    (SortKey::Qps, "QPS"),
    (SortKey::P95, "p95 µs"),
    (SortKey::Build, "build"),
    (SortKey::Memory, "memory at N"),
];

/// The results table (`data-testid="grid-table"`).
#[component]
pub fn GridTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ex = state.explore;
    let rows = Memo::new(move |_| {
        let e = ex.explored.get()?;
        let n = ex.doc_count(&e);
        let (key, desc) = ex.sort.get();
        Some((explore::table_rows(&e, n, key, desc), n, e))
    });
    let download_csv = move |_| {
        if let Some((r, n, _)) = rows.get_untracked() {
            let csv = explore::table_csv(&r, n);
            worker_bridge::download(state, "annlab-grid.csv", csv.as_bytes(), "text/csv");
        }
    };
    let download_json = move |_| {
        let Some((_, _, e)) = rows.get_untracked() else {
            return;
        };
        let n = e.report.dataset.n;
        let budgets = ex.budgets.with_untracked(|b| b.budgets(n).ok());
        match serde_json::to_vec_pretty(&e.sweep_document(budgets.as_ref())) {
            Ok(bytes) => {
                worker_bridge::download(state, "annlab-sweep.json", &bytes, "application/json")
            }
            Err(e) => state.push_error(format!("could not export: {e}")),
        }
    };
    let sort_by = move |key: SortKey| {
        ex.sort.update(|s| {
            *s = if s.0 == key {
                (key, !s.1)
            } else {
                (
                    key,
                    !matches!(
                        key,
                        SortKey::Config
                            | SortKey::Runtime
                            | SortKey::P95
                            | SortKey::Memory
                            | SortKey::Build
                    ),
                )
            }
        })
    };
    view! {
        <section class="panel grid-results" aria-labelledby="grid-results-h">
            <h3 id="grid-results-h">"Grid results"</h3>
            {move || match rows.get() {
                None => view! { <p class="empty">"No grid result yet: run a grid or import a sweep JSON."</p> }.into_any(),
                Some((list, n, e)) => {
                    let (key, desc) = ex.sort.get();
                    let count = list.len();
                    let caption = format!(
                        "{} points of {} configurations ({}); memory is the Redis model at N = {} documents; ◆ on the recall/QPS frontier, ◇ on the recall/memory frontier. Click a row to select it.",
                        count,
                        e.report.runs.len(),
                        if e.source == "grid" { "grid run in this tab".to_string() } else { format!("imported from {}", e.source) },
                        n
                    );
                    view! {
                        <div class="buttons">
                            <button type="button" class="secondary" data-testid="grid-csv" on:click=download_csv>"Download CSV"</button>
                            <button type="button" class="secondary" data-testid="grid-json" on:click=download_json>"Download JSON"</button>
                        </div>
                        <div class="table-wrap">
                            <table class="sweep grid-table" data-testid="grid-table" data-rows=count>
                                <caption>{caption}</caption>
                                <thead>
                                    <tr>
                                        <th></th>
                                        {COLUMNS
                                            .into_iter()
                                            .map(|(k, label)| {
                                                let arrow = if k == key { if desc { " ▼" } else { " ▲" } } else { "" };
                                                view! {
                                                    <th aria-sort=if k == key { if desc { "descending" } else { "ascending" } } else { "none" }>
                                                        <button type="button" class="link" data-testid=format!("sort-{label}") on:click=move |_| sort_by(k)>
                                                            {format!("{label}{arrow}")}
                                                        </button>
                                                    </th>
                                                }
                                            })
                                            .collect_view()}
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|r| {
                                            let at = r.at;
                                            let selected = move || ex.selected.get() == Some(at);
                                            let marks = format!(
                                                "{}{}",
                                                if r.on_qps_front { "◆" } else { "" },
                                                if r.on_memory_front { "◇" } else { "" }
                                            );
                                            view! {
                                                <tr
                                                    class=if r.algorithm == annlab_protocol::report::Algorithm::Hnsw { "hnsw" } else { "svs" }
                                                    class:selected=selected
                                                    data-run=at.run
                                                    data-point=at.point
                                                    on:click=move |_| ex.selected.set(Some(at))
                                                >
                                                    <td class="front">{marks}</td>
                                                    <td>{r.config}</td>
                                                    <td>{r.runtime}</td>
                                                    <td>{format!("{:.3}", r.recall)}</td>
                                                    <td>{format!("{:.0}", r.qps)}</td>
                                                    <td>{if r.p95_us > 0.0 { format!("{:.0}", r.p95_us) } else { "below timer resolution".to_string() }}</td>
                                                    <td>{format_seconds(r.build_seconds)}</td>
                                                    <td>{format_bytes(r.memory_bytes)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
