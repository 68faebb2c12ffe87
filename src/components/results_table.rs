//! The headline figures per index and the full sweep table.

use std::sync::Arc;

use annlab_protocol::runner::RunOutcome;
use leptos::prelude::*;

use crate::state::{
    format_bytes, format_seconds, headline_point, runtime_value, AppState, IndexKind,
};

/// The index default runtime setting typed in its panel (for the headline point).
pub fn default_runtime(state: &AppState, kind: IndexKind) -> Option<usize> {
    match kind {
        IndexKind::Hnsw => state.forms.hnsw.with(|f| f.ef_runtime.trim().parse().ok()),
        IndexKind::Svs => state
            .forms
            .svs
            .with(|f| f.search_window_size.trim().parse().ok()),
    }
}

/// Headline cards and the sweep table.
#[component]
pub fn ResultsTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    let any_done = move || {
        IndexKind::BOTH
            .iter()
            .any(|k| state.outcome(*k).with(Option::is_some))
    };
    view! {
        <section class="panel results" aria-labelledby="results-h">
            <h2 id="results-h">"4 · Compare"</h2>
            {move || {
                state
                    .runs.eval
                    .get()
                    .map(|e| {
                        view! {
                            <p class="help">
                                {format!(
                                    "{} indexed vectors, {} queries{}; exact ground truth in {}.",
                                    e.n,
                                    e.queries,
                                    if !e.dropped_rows.is_empty() {
                                        format!(", {} unusable rows dropped", e.dropped_rows.len())
                                    } else {
                                        String::new()
                                    },
                                    format_seconds(e.ground_truth_seconds),
                                )}
                            </p>
                        }
                    })
            }}
            <div class="cards">
                {IndexKind::BOTH.into_iter().map(|kind| view! { <Card kind/> }).collect_view()}
            </div>
            <Show when=any_done fallback=|| view! { <p class="empty">"Build to see recall, memory and speed."</p> }>
                <div class="table-wrap">
                    <table class="sweep">
                        <caption>"Runtime sweep (one query at a time, this browser)"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"index"</th>
                                <th scope="col">"runtime"</th>
                                <th scope="col">"recall@k"</th>
                                <th scope="col">"vs HNSW"</th>
                                <th scope="col">"QPS"</th>
                                <th scope="col">"p50 µs"</th>
                                <th scope="col">"p95 µs"</th>
                                <th scope="col">"p99 µs"</th>
                                <th scope="col">"dist/query"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || {
                                IndexKind::BOTH
                                    .into_iter()
                                    .filter_map(|kind| state.outcome(kind).get().map(|o| (kind, o)))
                                    .flat_map(|(kind, o)| sweep_rows(kind, &o))
                                    .collect_view()
                            }}
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}

fn sweep_rows(kind: IndexKind, outcome: &RunOutcome) -> Vec<AnyView> {
    outcome
        .report
        .search
        .iter()
        .map(|p| {
            let rt = runtime_value(p, kind.runtime_param())
                .map(|v| format!("{}={v}", kind.runtime_param().to_ascii_uppercase()))
                .unwrap_or_default();
            view! {
                <tr>
                    <th scope="row">{kind.label()}</th>
                    <td>{rt}</td>
                    <td>{format!("{:.3}", p.recall_at_k)}</td>
                    <td>{p.recall_vs_hnsw.map_or("—".to_string(), |r| format!("{r:.3}"))}</td>
                    <td title=timed_title(p.timed_queries)>{format!("{:.0}", p.qps)}</td>
                    <td>{format!("{:.0}", p.latency_us.p50)}</td>
                    <td>{format!("{:.0}", p.latency_us.p95)}</td>
                    <td>{format!("{:.0}", p.latency_us.p99)}</td>
                    <td>{format!("{:.0}", p.distance_computations_mean)}</td>
                </tr>
            }
            .into_any()
        })
        .collect()
}

/// Hover text for a QPS figure: how many timed searches it comes from.
fn timed_title(timed_queries: usize) -> String {
    format!(
        "{timed_queries} timed searches, one at a time (a short query set is repeated until the timing covers 0.2 s)"
    )
}

/// One index's headline: recall, memory, QPS, build time.
#[component]
fn Card(kind: IndexKind) -> impl IntoView {
    let state = expect_context::<AppState>();
    let outcome = move || state.outcome(kind).get();
    let id = kind.id();
    view! {
        <article class=format!("card {id}") aria-label=format!("{} result", kind.label())>
            <h3>{kind.label()}</h3>
            {move || match outcome() {
                None => view! { <p class="empty">"not built"</p> }.into_any(),
                Some(o) => card_body(&state, kind, o).into_any(),
            }}
        </article>
    }
}

fn card_body(state: &AppState, kind: IndexKind, o: Arc<RunOutcome>) -> impl IntoView {
    let id = kind.id();
    let r = &o.report;
    let point = headline_point(r, default_runtime(state, kind)).and_then(|i| r.search.get(i));
    let recall = point.map_or(0.0, |p| p.recall_at_k);
    let qps = point.map_or(0.0, |p| p.qps);
    let timed = point.map_or(0, |p| p.timed_queries);
    let runtime = point
        .and_then(|p| runtime_value(p, kind.runtime_param()))
        .map(|v| format!(" at {}={v}", kind.runtime_param().to_ascii_uppercase()))
        .unwrap_or_default();
    let memory = r.memory.index_bytes;
    let effective = r
        .effective
        .as_ref()
        .and_then(|e| e.compression.clone())
        .map(|c| format!("runs as {c}"));
    let notes = r.notes.clone();
    view! {
        <dl>
            <div>
                <dt>{format!("recall@k{runtime}")}</dt>
                <dd data-testid=format!("result-{id}-recall") data-value=recall>{format!("{recall:.3}")}</dd>
            </div>
            <div>
                <dt>"index memory"</dt>
                <dd data-testid=format!("result-{id}-memory") data-value=memory>{format_bytes(memory)}</dd>
            </div>
            <div>
                <dt>"QPS"</dt>
                <dd data-testid=format!("result-{id}-qps") data-value=qps title=timed_title(timed)>{format!("{qps:.0}")}</dd>
            </div>
            <div>
                <dt>"build time"</dt>
                <dd data-testid=format!("result-{id}-build") data-value=r.build_seconds>{format_seconds(r.build_seconds)}</dd>
            </div>
        </dl>
        {effective.map(|e| view! { <p class="note">{e}</p> })}
        <ul class="notes">{notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
    }
}
