//! Embed mode (`?embed`): the compact widget a documentation page shows in an iframe. It builds
//! a bundled sample once with both runtime sweeps covering the sliders' stops, so a slider only
//! picks a measured point; a compression change rebuilds. The preset, stops and message format
//! are `annlab_worker::embed`'s.

use std::sync::Arc;

use annlab_core::svs::Compression;
use annlab_protocol::runner::RunOutcome;
use annlab_worker::embed::{
    compression_name, full_app_query, nearest_stop, parse_query, EmbedPreset, COMPRESSIONS,
};
use annlab_worker::share_link::{decode, encode, DatasetRef};
use leptos::prelude::*;

use crate::browser_io;
use crate::components::build_panel::RunProgress;
use crate::components::error_banner::ErrorBanner;
use crate::components::results_table::{default_runtime, latency_cell};
use crate::state::{format_bytes, headline_point, runtime_value, AppState, IndexKind};
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

    // One build per base and compression; the sliders never build.
    let compression = Memo::new(move |_| state.forms.svs.with(|f| f.compression));
    Effect::new(move |_| {
        compression.track();
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
            <div class="embed-results">
                {IndexKind::BOTH.into_iter().map(|kind| view! { <Result kind/> }).collect_view()}
            </div>
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

/// One index's figures at the slider's point: recall, memory, p50 latency, QPS.
#[component]
fn Result(kind: IndexKind) -> impl IntoView {
    let state = expect_context::<AppState>();
    let outcome = move || state.outcome(kind).get();
    view! {
        <article class=format!("embed-card {}", kind.id()) aria-label=format!("{} result", kind.label())>
            <h3>{kind.label()}</h3>
            {move || match outcome() {
                None => view! { <p class="empty">"building…"</p> }.into_any(),
                Some(o) => figures(&state, kind, o).into_any(),
            }}
        </article>
    }
}

fn figures(state: &AppState, kind: IndexKind, o: Arc<RunOutcome>) -> impl IntoView {
    let state = *state;
    let id = kind.id();
    let at = move || {
        let r = &o.report;
        let point = headline_point(r, default_runtime(&state, kind)).and_then(|i| r.search.get(i));
        point.map(|p| {
            let runtime = runtime_value(p, kind.runtime_param());
            (
                p.recall_at_k,
                p.qps,
                latency_cell(p.latency_us.p50, &p.latency_us),
                runtime,
                r.memory.index_bytes,
            )
        })
    };
    move || {
        let Some((recall, qps, latency, runtime, memory)) = at() else {
            return view! { <p class="empty">"no search measured"</p> }.into_any();
        };
        let runtime = runtime
            .map(|v| format!(" at {}={v}", kind.runtime_param().to_ascii_uppercase()))
            .unwrap_or_default();
        view! {
            <dl>
                <div>
                    <dt>{format!("recall@k{runtime}")}</dt>
                    <dd data-testid=format!("embed-{id}-recall") data-value=recall>{format!("{recall:.3}")}</dd>
                </div>
                <div>
                    <dt>"index memory"</dt>
                    <dd data-testid=format!("embed-{id}-memory") data-value=memory>{format_bytes(memory)}</dd>
                </div>
                <div>
                    <dt>"p50 latency"</dt>
                    <dd data-testid=format!("embed-{id}-latency")>{format!("{latency} µs")}</dd>
                </div>
                <div>
                    <dt>"QPS"</dt>
                    <dd data-testid=format!("embed-{id}-qps") data-value=qps>{format!("{qps:.0}")}</dd>
                </div>
            </dl>
        }
        .into_any()
    }
}
