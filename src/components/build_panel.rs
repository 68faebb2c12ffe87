//! Build and cancel, with a progress bar and ETA per index.

use leptos::prelude::*;

use crate::state::{format_seconds, AppState, IndexKind, RunState};
use crate::worker_bridge::WorkerBridge;

/// Build/cancel buttons and the progress of both workers.
#[component]
pub fn BuildPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let bridge = expect_context::<WorkerBridge>();
    let busy = move || state.busy();
    let can_build = move || state.data.dataset.with(Option::is_some) && !busy();
    view! {
        <section class="panel build" aria-labelledby="build-h">
            <h2 id="build-h">"3 · Build"</h2>
            <div class="buttons">
                <button type="submit" class="primary" data-testid="build-button" disabled=move || !can_build()>
                    "Build both indexes"
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid="cancel-button"
                    disabled=move || !busy()
                    on:click=move |_| bridge.cancel()
                >
                    "Cancel"
                </button>
                {move || {
                    state
                        .runs.build_wall_seconds
                        .get()
                        .map(|s| {
                            view! {
                                <span
                                    class="wall"
                                    data-testid="build-wall"
                                    data-value=s
                                    data-built=state.runs.both_built_seconds.get()
                                >
                                    {match state.runs.both_built_seconds.get() {
                                        Some(b) => format!(
                                            "Both built in {}; results (searches measured) in {}",
                                            format_seconds(b),
                                            format_seconds(s),
                                        ),
                                        None => format!("Both finished in {}", format_seconds(s)),
                                    }}
                                </span>
                            }
                        })
                }}
            </div>
            <p class="help">
                "Each index builds in its own Web Worker, in parallel (SVS-VAMANA shares its batches with helper workers on the cores HNSW leaves free); searches are timed after both builds. The page stays responsive."
            </p>
            {move || {
                state
                    .runs.preparing
                    .get()
                    .map(|p| {
                        view! {
                            <div class="progress-row" data-testid="progress-prepare">
                                <span class="name">"Queries + exact ground truth"</span>
                                <progress max="1" value=p.fraction()></progress>
                                <span class="status">{format!("{} {:.0}%", p.phase, p.fraction() * 100.0)}</span>
                            </div>
                        }
                    })
            }}
            {IndexKind::BOTH.into_iter().map(|kind| view! { <RunProgress kind/> }).collect_view()}
        </section>
    }
}

/// One index's progress bar (`progress-hnsw` / `progress-svs`); the embed widget shows it too.
#[component]
pub fn RunProgress(kind: IndexKind) -> impl IntoView {
    let state = expect_context::<AppState>();
    let run = state.run(kind);
    let value = move || match run.get() {
        RunState::Running(p) => p.fraction(),
        RunState::Done(_) => 1.0,
        _ => 0.0,
    };
    let status = move || match run.get() {
        RunState::Idle => "idle".to_string(),
        RunState::Preparing => "waiting for ground truth".to_string(),
        RunState::Running(p) => {
            let eta = p
                .eta_seconds
                .map(|s| format!(" · ETA {}", format_seconds(s)))
                .unwrap_or_default();
            if p.total == 0 {
                p.phase
            } else {
                format!("{} {:.0}%{eta}", p.phase, p.fraction() * 100.0)
            }
        }
        RunState::Done(o) => format!("done · built in {}", format_seconds(o.report.build_seconds)),
        RunState::Failed(e) => format!("failed: {e}"),
        RunState::Cancelled => "cancelled".to_string(),
    };
    let state_name = move || match run.get() {
        RunState::Idle => "idle",
        RunState::Preparing => "preparing",
        RunState::Running(_) => "running",
        RunState::Done(_) => "done",
        RunState::Failed(_) => "failed",
        RunState::Cancelled => "cancelled",
    };
    view! {
        <div class=format!("progress-row {}", kind.id())>
            <span class="name">{kind.label()}</span>
            <progress
                max="1"
                value=value
                data-testid=format!("progress-{}", kind.id())
                data-state=state_name
                data-value=value
                aria-label=format!("{} build progress", kind.label())
            ></progress>
            <span class="status" role="status">{status}</span>
        </div>
    }
}
