//! The grid form: `/` lists per build parameter, the compressions to sweep, each build's
//! runtime sweep; Run grid / Cancel with each configuration's progress and the overall ETA;
//! and the import of an `annlab sweep --json` document.

use leptos::prelude::*;

use crate::components::field::Field;
use crate::explore::{self, GridForm, SVS_CHOICES};
use crate::state::{format_seconds, AppState, RunState};
use crate::worker_bridge::WorkerBridge;

/// A `/` list field of the grid form.
#[component]
fn ListField(
    id: &'static str,
    label: &'static str,
    get: fn(&GridForm) -> String,
    set: fn(&mut GridForm, String),
    help: &'static str,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = state.explore.form;
    view! {
        <Field
            id=id
            label=label
            value=Signal::derive(move || form.with(get))
            set=Callback::new(move |v| form.update(|f| set(f, v)))
            error=Signal::derive(|| None::<String>)
            help=help
            placeholder=placeholder
        />
    }
}

/// The grid panel (`data-testid="grid-run"` starts it).
#[component]
pub fn GridPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let bridge = expect_context::<WorkerBridge>();
    let form = state.explore.form;
    let count = Memo::new(move |_| {
        let ty = state.forms.common.with(|c| c.element_type);
        form.with(|f| f.configs(ty))
    });
    let can_run = move || {
        state.data.dataset.with(Option::is_some) && !state.busy.get() && count.with(Result::is_ok)
    };
    let on_import =
        move |ev: leptos::ev::Event| {
            crate::worker_bridge::read_picked(state, &ev, move |name, bytes| {
                match explore::parse_import(&bytes) {
                    Ok(report) => state.explore.import(name, report),
                    Err(e) => state.push_error(format!("{name}: {e}")),
                }
            });
        };
    view! {
        <section class="panel grid-panel" aria-labelledby="grid-h">
            <h2 id="grid-h">"5 · Grid"</h2>
            <p class="intro">
                "A " <code>"/"</code> " list on a build parameter makes a grid (every combination is one build); "
                "a list on a runtime parameter is each build's sweep. Builds queue over the workers, "
                "one HNSW and one SVS-VAMANA at a time; searches are timed when no build runs."
            </p>
            <div class="grid-form">
                <fieldset class="params hnsw">
                    <legend>
                        <label>
                            <input
                                type="checkbox"
                                data-testid="grid-hnsw"
                                prop:checked=move || form.with(|f| f.hnsw)
                                on:change=move |ev| form.update(|f| f.hnsw = event_target_checked(&ev))
                            />
                            " HNSW"
                        </label>
                    </legend>
                    <ListField id="grid-m" label="M" get=|f| f.m.clone() set=|f, v| f.m = v help="For example 8/16/32/64."/>
                    <ListField id="grid-efc" label="EF_CONSTRUCTION" get=|f| f.ef_construction.clone() set=|f, v| f.ef_construction = v help="For example 100/200/400."/>
                    <ListField id="grid-efr" label="EF_RUNTIME sweep" get=|f| f.ef_runtime.clone() set=|f, v| f.ef_runtime = v help="Searched on every HNSW build."/>
                </fieldset>
                <fieldset class="params svs">
                    <legend>
                        <label>
                            <input
                                type="checkbox"
                                data-testid="grid-svs"
                                prop:checked=move || form.with(|f| f.svs)
                                on:change=move |ev| form.update(|f| f.svs = event_target_checked(&ev))
                            />
                            " SVS-VAMANA"
                        </label>
                    </legend>
                    <ListField id="grid-degree" label="GRAPH_MAX_DEGREE" get=|f| f.graph_max_degree.clone() set=|f, v| f.graph_max_degree = v help="For example 32/64."/>
                    <ListField id="grid-cws" label="CONSTRUCTION_WINDOW_SIZE" get=|f| f.construction_window_size.clone() set=|f, v| f.construction_window_size = v help="For example 100/200."/>
                    <div class="field">
                        <span class="label">"COMPRESSION"</span>
                        <div class="choices" data-testid="grid-compressions">
                            {SVS_CHOICES
                                .into_iter()
                                .map(|c| {
                                    view! {
                                        <label class="choice">
                                            <input
                                                type="checkbox"
                                                data-testid=format!("grid-c-{c}")
                                                prop:checked=move || form.with(|f| f.compressions.iter().any(|x| x == c))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    form.update(|f| {
                                                        f.compressions.retain(|x| x != c);
                                                        if on {
                                                            f.compressions.push(c.to_string());
                                                        }
                                                    })
                                                }
                                            />
                                            {c}
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </div>
                        <p class="help">"none = FLOAT32 uncompressed; FP16 = TYPE FLOAT16 uncompressed."</p>
                    </div>
                    <ListField id="grid-reduce" label="REDUCE (LeanVec)" get=|f| f.reduce.clone() set=|f, v| f.reduce = v help="Empty: DIM/2, the server's default." placeholder="DIM/2"/>
                    <ListField id="grid-sws" label="SEARCH_WINDOW_SIZE sweep" get=|f| f.search_window_size.clone() set=|f, v| f.search_window_size = v help="Searched on every SVS build."/>
                    <ListField id="grid-sbc" label="SEARCH_BUFFER_CAPACITY (two-level)" get=|f| f.search_buffer_capacity.clone() set=|f, v| f.search_buffer_capacity = v help="Empty: 1.5 × the window." placeholder="default"/>
                </fieldset>
            </div>
            <div class="buttons">
                <button
                    type="button"
                    class="primary"
                    data-testid="grid-run"
                    disabled=move || !can_run()
                    on:click=move |_| bridge.run_grid(state)
                >
                    {move || match count.get() {
                        Ok(c) => format!("Run grid ({} builds)", c.len()),
                        Err(_) => "Run grid".to_string(),
                    }}
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid="grid-cancel"
                    disabled=move || !state.explore.running()
                    on:click=move |_| bridge.cancel()
                >
                    "Cancel grid"
                </button>
                <label class="button secondary import">
                    "Import sweep JSON"
                    <input type="file" accept=".json,application/json" data-testid="grid-import" on:change=on_import hidden=true/>
                </label>
            </div>
            {move || count.get().err().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <GridProgressView/>
        </section>
    }
}

/// The overall progress and each configuration's state.
#[component]
fn GridProgressView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ex = state.explore;
    let summary = move || {
        ex.progress.get().map(|p| {
            let eta = p
                .eta_seconds
                .map(|s| format!(" · ETA {}", format_seconds(s)))
                .unwrap_or_default();
            let wall = p
                .wall_seconds
                .map(|s| format!(" · wall time {}", format_seconds(s)))
                .unwrap_or_default();
            let reused = if p.reused > 0 {
                format!(", {} reused", p.reused)
            } else {
                String::new()
            };
            let failed = if p.failed > 0 {
                format!(", {} failed", p.failed)
            } else {
                String::new()
            };
            let cancelled = if p.cancelled > 0 {
                format!(", {} cancelled", p.cancelled)
            } else {
                String::new()
            };
            view! {
                <div class="progress-row" data-testid="grid-progress" data-running=if p.running { "true" } else { "false" } data-ended=p.ended() data-total=p.total data-wall=p.wall_seconds>
                    <span class="name">"Grid"</span>
                    <progress max=p.total value=p.ended()></progress>
                    <span class="status" role="status">
                        {format!("{} of {} ended ({} built{reused}{failed}{cancelled}){eta}{wall}", p.ended(), p.total, p.built)}
                    </span>
                </div>
            }
        })
    };
    view! {
        {summary}
        <ol class="grid-configs" data-testid="grid-configs">
            {move || {
                ex.rows
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let (name, value, text) = match &r.state {
                            RunState::Idle => ("queued", 0.0, "queued".to_string()),
                            RunState::Preparing => ("preparing", 0.0, "waiting for ground truth".to_string()),
                            RunState::Running(p) => {
                                let eta = p.eta_seconds.map(|s| format!(" · ETA {}", format_seconds(s))).unwrap_or_default();
                                let text = if p.total == 0 { p.phase.clone() } else { format!("{} {:.0}%{eta}", p.phase, p.fraction() * 100.0) };
                                ("running", p.fraction(), text)
                            }
                            RunState::Done(o) => (
                                "done",
                                1.0,
                                if r.reused {
                                    "reused (built before on this data)".to_string()
                                } else {
                                    format!("built in {}", format_seconds(o.report.build_seconds))
                                },
                            ),
                            RunState::Failed(e) => ("failed", 0.0, format!("failed: {e}")),
                            RunState::Cancelled => ("cancelled", 0.0, "cancelled".to_string()),
                        };
                        view! {
                            <li class=format!("config {} {name}", r.kind.id()) data-testid=format!("grid-config-{i}") data-state=name>
                                <span class="name">{r.label.clone()}</span>
                                <progress max="1" value=value></progress>
                                <span class="status">{text}</span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ol>
    }
}
