//! Embed mode (`?embed`): the compact widget a documentation page shows in an iframe. It builds
//! a bundled sample once with both runtime sweeps covering the sliders' stops, so a slider only
//! picks a measured point; a compression change rebuilds. The preset, stops and message format
//! are `annlab_worker::embed`'s.

use std::sync::Arc;

use annlab_core::svs::Compression;
use annlab_worker::embed::{
    compression_name, full_app_query, nearest_stop, parse_query, EmbedPreset, COMPRESSIONS,
};
use annlab_worker::share_link::{decode, encode, DatasetRef};
use leptos::prelude::*;

use crate::browser_io;
use crate::components::build_panel::RunProgress;
use crate::components::error_banner::ErrorBanner;
use crate::components::results_table::{default_runtime, latency_cell};
use crate::state::{
    format_bytes, format_seconds, headline_point, runtime_value, AppState, IndexKind,
};
use crate::worker_bridge::{WorkerBridge, SAMPLES};

/// Whether the page was opened as an embed (`?embed` in the query string).
pub fn requested() -> bool {
    parse_query(&browser_io::location_search()).embed
}

fn fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The widget as the whole page: its own state and workers, as the full app has.
#[component]
pub fn EmbedApp() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    let bridge = WorkerBridge::start(state);
    provide_context(bridge);
    let query = parse_query(&browser_io::location_search());
    let ids: Vec<&str> = SAMPLES.iter().map(|s| s.id).collect();
    let preset = EmbedPreset::from_link(decode(&fragment()), &ids);
    state.forms.apply_shared(&preset.setup);
    bridge.load_sample(&preset.sample);
    if let Err(e) = browser_io::post_height_changes(query.id.clone()) {
        leptos::logging::warn!("annlab: no height messages: {e}");
    }

    // One build when the base has loaded; a compression change builds again (its select);
    // the sliders never build.
    Effect::new(move |_| {
        if state.data.dataset.with(Option::is_some) {
            bridge.build(state);
        }
    });

    let sample = SAMPLES.iter().find(|s| s.id == preset.sample).copied();
    let sample_id = preset.sample.clone();
    // The full app at the widget's current setup (sliders and compression included).
    let full_app = move || {
        let mut setup = state.forms.shared();
        setup.dataset = Some(DatasetRef::Sample(sample_id.clone()));
        format!(
            "{}{}#{}",
            browser_io::location_base(),
            full_app_query(&browser_io::location_search()),
            encode(&setup)
        )
    };
    let notes = preset.notes.clone();
    view! {
        <div class="embed" data-testid="embed">
            <header class="embed-head">
                <strong class="embed-name">"annlab"</strong>
                <span class="embed-data">{sample.map(|s| s.label)}</span>
                <a href=full_app target="_blank" rel="noopener" data-testid="embed-open">
                    "Open in annlab ↗"
                </a>
            </header>
            {(!notes.is_empty())
                .then(|| {
                    view! {
                        <p class="embed-notes" data-testid="embed-notes">
                            {format!("From the link: {}.", notes.join("; "))}
                        </p>
                    }
                })}
            <ErrorBanner/>
            <div class="embed-controls">
                <StopSlider kind=IndexKind::Hnsw stops=preset.ef_stops.clone()/>
                <StopSlider kind=IndexKind::Svs stops=preset.window_stops.clone()/>
                <CompressionSelect/>
            </div>
            <p class="embed-how">
                "Sliders pick a point already measured (one build searched at every stop); a compression change rebuilds both indexes."
            </p>
            <Loading/>
            <Results/>
        </div>
    }
}

/// A runtime slider over the measured stops (EF_RUNTIME or SEARCH_WINDOW_SIZE): it sets the
/// panel's value, which picks the headline point, as the full app's panel does.
#[component]
fn StopSlider(kind: IndexKind, stops: Vec<usize>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let stops = Arc::new(stops);
    let max = stops.len().saturating_sub(1);
    let name = kind.runtime_param().to_ascii_uppercase();
    let id = format!("embed-{}", kind.id());
    let value = {
        let stops = stops.clone();
        move || {
            let current = default_runtime(&state, kind).unwrap_or(0);
            stops.get(nearest_stop(&stops, current)).copied()
        }
    };
    let index = {
        let stops = stops.clone();
        move || nearest_stop(&stops, default_runtime(&state, kind).unwrap_or(0))
    };
    let on_input = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(v) = input
            .value()
            .parse::<usize>()
            .ok()
            .and_then(|i| stops.get(i))
        else {
            return;
        };
        let text = v.to_string();
        match kind {
            IndexKind::Hnsw => state.forms.hnsw.update(|f| f.ef_runtime = text),
            IndexKind::Svs => state.forms.svs.update(|f| f.search_window_size = text),
        }
    };
    let shown = value.clone();
    view! {
        <div class=format!("embed-slider {}", kind.id())>
            <label for=id.clone()>
                {format!("{} {name}", kind.label())}
                " "
                <output for=id.clone() data-testid=format!("{id}-value")>{move || shown().map(|v| v.to_string())}</output>
            </label>
            <input
                type="range"
                id=id.clone()
                data-testid=id
                min="0"
                max=max.to_string()
                step="1"
                prop:value=move || index().to_string()
                aria-valuetext=move || value().map(|v| format!("{name} {v}"))
                on:input=on_input
            />
        </div>
    }
}

/// SVS-VAMANA's COMPRESSION: a change rebuilds (disabled while a build runs).
#[component]
fn CompressionSelect() -> impl IntoView {
    let state = expect_context::<AppState>();
    let bridge = expect_context::<WorkerBridge>();
    let form = state.forms.svs;
    view! {
        <div class="embed-compression">
            <label for="embed-compression">"SVS-VAMANA COMPRESSION"</label>
            <select
                id="embed-compression"
                data-testid="embed-compression"
                disabled=move || state.busy()
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    form.update(|f| f.compression = v.parse::<Compression>().ok());
                    bridge.build(state);
                }
                prop:value=move || form.with(|f| compression_name(f.compression))
            >
                {COMPRESSIONS
                    .into_iter()
                    .map(|c| {
                        let name = compression_name(c);
                        view! { <option value=name>{name}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// Loading, preparing and building, while any of it runs.
#[component]
fn Loading() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.busy()>
            <div class="embed-progress" data-testid="embed-progress" aria-live="polite">
                {move || {
                    state
                        .data
                        .loading
                        .get()
                        .map(|p| view! { <p class="help">{format!("Loading the sample: {}", p.phase)}</p> })
                }}
                {move || {
                    state
                        .runs
                        .preparing
                        .get()
                        .map(|p| {
                            view! {
                                <p class="help">
                                    {format!("Queries + exact ground truth: {} {:.0}%", p.phase, p.fraction() * 100.0)}
                                </p>
                            }
                        })
                }}
                {IndexKind::BOTH.into_iter().map(|kind| view! { <RunProgress kind/> }).collect_view()}
            </div>
        </Show>
    }
}

/// One index's figures at its slider's point.
#[derive(Debug, Clone, PartialEq)]
struct Figures {
    /// `EF_RUNTIME 50` / `SEARCH_WINDOW_SIZE 20`.
    at: String,
    runtime: Option<usize>,
    recall: f64,
    memory: u64,
    latency: String,
    qps: f64,
    build_seconds: f64,
}

/// `kind`'s figures at the point its slider picks (tracked), once it is built.
fn figures(state: AppState, kind: IndexKind) -> Option<Figures> {
    let outcome = state.outcome(kind).get()?;
    let r = &outcome.report;
    let point = headline_point(r, default_runtime(&state, kind)).and_then(|i| r.search.get(i))?;
    let runtime = runtime_value(point, kind.runtime_param());
    Some(Figures {
        // A zero-width space after each `_` lets SEARCH_WINDOW_SIZE wrap at its words.
        at: runtime.map_or_else(String::new, |v| {
            let name = kind.runtime_param().to_ascii_uppercase();
            format!("{} {v}", name.replace('_', "_\u{200b}"))
        }),
        runtime,
        recall: point.recall_at_k,
        memory: r.memory.index_bytes,
        latency: latency_cell(point.latency_us.p50, &point.latency_us),
        qps: point.qps,
        build_seconds: r.build_seconds,
    })
}

/// One row of the results table: a label and one cell per index.
fn row(
    state: AppState,
    label: &'static str,
    field: &'static str,
    cell: fn(&Figures) -> (String, String),
) -> impl IntoView {
    view! {
        <tr>
            <th scope="row">{label}</th>
            {IndexKind::BOTH
                .into_iter()
                .map(|kind| {
                    let figures = move || figures(state, kind);
                    view! {
                        <td
                            class=kind.id()
                            data-testid=format!("embed-{}-{field}", kind.id())
                            data-value=move || figures().map(|f| cell(&f).1)
                        >
                            {move || figures().map_or_else(|| "…".to_string(), |f| cell(&f).0)}
                        </td>
                    }
                })
                .collect_view()}
        </tr>
    }
}

/// Both indexes' figures side by side: the runtime point, recall, memory, latency, QPS, build.
#[component]
fn Results() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <table class="embed-table" data-testid="embed-results">
            <thead>
                <tr>
                    <td></td>
                    {IndexKind::BOTH
                        .into_iter()
                        .map(|kind| view! { <th scope="col" class=kind.id()>{kind.label()}</th> })
                        .collect_view()}
                </tr>
            </thead>
            <tbody>
                {row(state, "measured at", "at", |f| {
                    (f.at.clone(), f.runtime.map(|v| v.to_string()).unwrap_or_default())
                })}
                {row(state, "recall@k", "recall", |f| (format!("{:.3}", f.recall), f.recall.to_string()))}
                {row(state, "index memory", "memory", |f| (format_bytes(f.memory), f.memory.to_string()))}
                {row(state, "p50 latency", "latency", |f| (format!("{} µs", f.latency), String::new()))}
                {row(state, "QPS", "qps", |f| (format!("{:.0}", f.qps), f.qps.to_string()))}
                {row(state, "build time", "build", |f| {
                    (format_seconds(f.build_seconds), f.build_seconds.to_string())
                })}
            </tbody>
        </table>
    }
}
