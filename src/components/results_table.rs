//! The headline figures per index and the full sweep table.

use std::sync::Arc;

use annlab_protocol::report::Latency;
use annlab_protocol::runner::{RunOutcome, BATCH_TICKS};
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
            {move || {
                let memory = state.runs.wasm_memory.get();
                let total: u64 = memory.values().sum();
                (total > 0 && state.runs.eval.with(Option::is_some)).then(|| {
                    let parts: Vec<String> = memory
                        .iter()
                        .map(|(w, b)| format!("{w} {}", crate::state::format_bytes(*b)))
                        .collect();
                    view! {
                        <p class="help" data-testid="wasm-memory" data-value=total>
                            {format!(
                                "Measured: the workers' wasm memories sum to {} ({}), each its \
                                 peak since the page opened; the page's own JS heap is not counted.",
                                crate::state::format_bytes(total),
                                parts.join(" · ")
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
                {move || {
                    let latency = IndexKind::BOTH.into_iter().find_map(|kind| {
                        state
                            .outcome(kind)
                            .get()
                            .and_then(|o| o.report.search.first().map(|p| p.latency_us))
                    })?;
                    timer_note(&latency, crate::browser_io::cross_origin_isolated())
                        .map(|note| view! { <p class="help" data-testid="timer-note">{note}</p> })
                }}
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
                    <td title=latency_title(&p.latency_us)>{latency_cell(p.latency_us.p50, &p.latency_us)}</td>
                    <td title=latency_title(&p.latency_us)>{latency_cell(p.latency_us.p95, &p.latency_us)}</td>
                    <td title=latency_title(&p.latency_us)>{latency_cell(p.latency_us.p99, &p.latency_us)}</td>
                    <td>{format!("{:.0}", p.distance_computations_mean)}</td>
                </tr>
            }
            .into_any()
        })
        .collect()
}

/// A latency figure (µs) as the timer can back it: never "0": a figure below the timer's
/// step reads "< step" (the query was faster than the timer can show).
pub fn latency_cell(us: f64, latency: &Latency) -> String {
    let step = latency.resolution_us;
    if us <= 0.0 || (!latency.is_batched() && step > 0.0 && us < step) {
        if step >= 1.0 {
            format!("< {step:.0}")
        } else {
            "< 1".to_string()
        }
    } else if us < 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.0}")
    }
}

/// Hover text of a latency cell: how it was timed.
fn latency_title(latency: &Latency) -> String {
    if latency.is_batched() {
        format!(
            "percentile of the mean latency of batches of {} consecutive queries ({:.0} µs timer)",
            latency.batch, latency.resolution_us
        )
    } else if latency.resolution_us > 0.0 {
        format!(
            "each query timed alone ({:.0} µs timer)",
            latency.resolution_us
        )
    } else {
        "each query timed alone".to_string()
    }
}

/// Which timer the latency figures rest on, said under the sweep table.
pub fn timer_note(latency: &Latency, isolated: Option<bool>) -> Option<String> {
    let step = latency.resolution_us;
    if step <= 0.0 {
        return None;
    }
    let why = match isolated {
        Some(false) => {
            " (this page is not cross-origin isolated, so the browser coarsens performance.now())"
        }
        Some(true) => " (cross-origin isolated page)",
        None => "",
    };
    Some(if latency.is_batched() {
        format!(
            "Latencies rest on a {step:.0} µs timer{why}. One query is faster than the timer can \
             resolve, so p50/p95/p99 are percentiles of the mean latency of batches of \
             consecutive queries, each batch at least {BATCH_TICKS:.0} timer steps long (hover a \
             cell for its batch size); tails of single queries are not resolved. Serve the app \
             with COOP/COEP headers (scripts/serve.sh) for per-query percentiles."
        )
    } else {
        format!(
            "Latencies rest on a {step:.0} µs timer{why}; each query is timed alone; figures below \
             one timer step read \"< {step:.0}\"."
        )
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_cells_never_read_zero() {
        let coarse = Latency {
            resolution_us: 100.0,
            ..Latency::default()
        };
        assert_eq!(latency_cell(0.0, &coarse), "< 100");
        assert_eq!(latency_cell(60.0, &coarse), "< 100");
        assert_eq!(latency_cell(300.0, &coarse), "300");
        let batched = Latency {
            batch: 50,
            ..coarse
        };
        assert_eq!(latency_cell(41.6, &batched), "42");
        assert_eq!(latency_cell(0.0, &Latency::default()), "< 1");
        assert_eq!(latency_cell(3.25, &Latency::default()), "3.2");
        assert!(timer_note(&Latency::default(), None).is_none());
        let note = timer_note(&batched, Some(false)).unwrap();
        assert!(note.contains("100 µs timer") && note.contains("not cross-origin isolated"));
    }
}
