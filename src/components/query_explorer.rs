//! Pick a query and compare the exact, HNSW and SVS neighbours side by side.

use leptos::prelude::*;

use annlab_worker::scatter::NeighbourMarks;

use crate::components::results_table::default_runtime;
use crate::state::{headline_point, AppState, IndexKind};

/// What `kind`'s last run returned for query `q` at its headline runtime setting (the one
/// the explorer and the 2-D view both show).
pub fn returned_ids(state: &AppState, kind: IndexKind, q: usize) -> Option<Vec<u32>> {
    state.outcome(kind).get().and_then(|o| {
        let p = headline_point(&o.report, default_runtime(state, kind))?;
        o.results.get(p)?.get(q).cloned()
    })
}

/// The query explorer.
#[component]
pub fn QueryExplorer() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Shared with the 2-D view: selecting a query in either shows it in both.
    let explorer = state.explorer;
    let title_of = move |file_row: usize| -> String {
        state.data.dataset.with(|d| {
            d.as_ref()
                .and_then(|d| d.titles.as_ref())
                .and_then(|t| t.get(file_row).cloned())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| format!("row {file_row}"))
        })
    };
    view! {
        <section class="panel explorer" aria-labelledby="explorer-h">
            <h3 id="explorer-h">"Query explorer"</h3>
            {move || {
                let Some(eval) = state.runs.eval.get() else {
                    return view! { <p class="empty">"Build to explore queries."</p> }.into_any();
                };
                let nq = eval.truth.len();
                let q = explorer.query(nq);
                let query_label = eval
                    .query_rows
                    .as_ref()
                    .and_then(|r| r.get(q).copied())
                    .map(&title_of)
                    .unwrap_or_else(|| format!("query {q}"));
                let exact: Vec<u32> = eval.truth.get(q).cloned().unwrap_or_default();
                let base_rows = eval.base_rows.clone();
                let label = move |id: u32| {
                    base_rows
                        .get(id as usize)
                        .map_or_else(|| format!("id {id}"), |&row| title_of(row))
                };
                let column = |name: &'static str, ids: Option<Vec<u32>>, is_exact: bool| {
                    let exact = exact.clone();
                    let label = label.clone();
                    view! {
                        <div class="col">
                            <h4>{name}</h4>
                            {match ids {
                                None => view! { <p class="empty">"not built"</p> }.into_any(),
                                Some(ids) => {
                                    let hits = NeighbourMarks::classify(&exact, &ids).hits.len();
                                    view! {
                                        {(!is_exact).then(|| view! { <p class="hits">{format!("{hits}/{} exact neighbours found", exact.len())}</p> })}
                                        <ol>
                                            {ids
                                                .iter()
                                                .map(|&id| {
                                                    let found = is_exact || exact.contains(&id);
                                                    view! {
                                                        <li class:miss=!found class:hit={found && !is_exact}>
                                                            <span class="title">{label(id)}</span>
                                                            {(!found).then(|| view! { <span class="tag">"not in exact top-k"</span> })}
                                                        </li>
                                                    }
                                                })
                                                .collect_view()}
                                        </ol>
                                    }
                                    .into_any()
                                }
                            }}
                        </div>
                    }
                };
                // The configuration selected in the grid's table or charts, when this tab ran it.
                let selected = state.explore.selected.get().and_then(|at| {
                    let e = state.explore.explored.get()?;
                    let o = e.outcomes.get(at.run)?.clone()?;
                    let ids = o.results.get(at.point)?.get(q).cloned()?;
                    Some((e.label(at), ids))
                });
                let ids_of = |kind: IndexKind| returned_ids(&state, kind, q);
                view! {
                    <div class="query-pick">
                        <label for="query-index">{format!("Query (0–{})", nq.saturating_sub(1))}</label>
                        <input
                            id="query-index"
                            type="number"
                            min="0"
                            max=nq.saturating_sub(1)
                            prop:value=q.to_string()
                            on:input=move |ev| {
                                if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                                    explorer.select(v);
                                }
                            }
                        />
                        <button type="button" class="secondary" on:click=move |_| explorer.select(q.saturating_sub(1))>"‹ prev"</button>
                        <button type="button" class="secondary" on:click=move |_| explorer.select(q + 1)>"next ›"</button>
                    </div>
                    <p class="query-title">{query_label}</p>
                    <div class="columns">
                        {column("Exact", Some(exact.clone()), true)}
                        {column("HNSW", ids_of(IndexKind::Hnsw), false)}
                        {column("SVS-VAMANA", ids_of(IndexKind::Svs), false)}
                        {selected.map(|(name, ids)| view! {
                            <div class="selected-config" data-testid="explorer-selected">
                                <p class="muted">{format!("Selected in the grid: {name}")}</p>
                                {column("Selected", Some(ids), false)}
                            </div>
                        })}
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}
