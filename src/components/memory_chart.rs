//! Memory: per-index breakdown bars (vectors / graph / other) and the Redis-level view with the
//! migration peak.

use annlab_protocol::report::MemoryReport;
use leptos::prelude::*;

use crate::state::{format_bytes, migration_memory, AppState, IndexKind};

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

/// Redis view: index estimate + document blobs, and the peak while both indexes exist.
#[component]
fn RedisView() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let (Some(h), Some(s)) = (state.runs.hnsw_outcome.get(), state.runs.svs_outcome.get())
        else {
            return view! { <p class="help">"Build both to see the migration view."</p> }
                .into_any();
        };
        let mm = migration_memory(&h.report, &s.report);
        let scale = mm.peak.max(1);
        let row = |label: &'static str, index: u64, docs: u64, testid: &'static str| {
            view! {
                <div class="bar-row">
                    <span class="name">{label}</span>
                    <div class="bar">
                        <span class="seg index" style:width=pct(index, scale)></span>
                        <span class="seg docs" style:width=pct(docs, scale)></span>
                    </div>
                    <span class="total" data-testid=testid data-value={index + docs}>{format_bytes(index + docs)}</span>
                </div>
            }
        };
        view! {
            <h4>"In Redis (vector_index_sz_mb model + HASH blobs)"</h4>
            <div class="legend">
                <span class="swatch index"></span>"index"
                <span class="swatch docs"></span>"documents (full-precision blobs, shared)"
            </div>
            {row("HNSW", mm.hnsw_index, mm.documents, "redis-hnsw-total")}
            {row("SVS", mm.svs_index, mm.documents, "redis-svs-total")}
            <div class="bar-row peak">
                <span class="name">"Migration peak"</span>
                <div class="bar">
                    <span class="seg index" style:width=pct(mm.hnsw_index, scale)></span>
                    <span class="seg index2" style:width=pct(mm.svs_index, scale)></span>
                    <span class="seg docs" style:width=pct(mm.documents, scale)></span>
                </div>
                <span class="total" data-testid="redis-migration-peak" data-value=mm.peak>{format_bytes(mm.peak)}</span>
            </div>
            <p class="help">
                "While the SVS index builds next to HNSW (FT.ALIASUPDATE switch), both indexes and the shared documents are held at once."
            </p>
        }
        .into_any()
    }
}
