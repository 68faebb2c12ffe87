//! The page: header, data and parameter panels, build controls and the comparison dashboard.

use leptos::prelude::*;

use crate::components::{
    build_panel::BuildPanel,
    capacity_panel::CapacityPanel,
    cluster_panel::ClusterPanel,
    common_params::CommonParams,
    data_panel::DataPanel,
    decide_panel::{AdvisorPanel, GoNoGoPanel, OptimizerPanel},
    error_banner::ErrorBanner,
    export_panel::ExportPanel,
    grid_form::GridPanel,
    grid_table::GridTable,
    memory_chart::MemoryChart,
    params_hnsw::ParamsHnsw,
    params_svs::ParamsSvs,
    pareto_chart::ParetoChart,
    projection_view::ProjectionPanel,
    query_explorer::QueryExplorer,
    results_table::ResultsTable,
    session_file::SessionFileButtons,
    share_link::ShareLink,
    sweep_plot::SweepPlot,
};
use crate::state::AppState;
use crate::worker_bridge::WorkerBridge;
use annlab_protocol::decide::pareto::Objective;

/// Quiet time after the last input change before queries and ground truth are prepared.
const PREPARE_AFTER: std::time::Duration = std::time::Duration::from_millis(400);

/// Prepares queries and exact ground truth in the data worker once the data and the
/// evaluation settings stop changing, so that Build starts building at once.
fn prepare_when_inputs_settle(state: AppState, bridge: WorkerBridge) {
    let generation = std::rc::Rc::new(std::cell::Cell::new(0u64));
    Effect::new(move |_| {
        state.forms.common.track();
        state.data.dataset.track();
        state.data.query_file.track();
        state.data.truth_file.track();
        let current = generation.get() + 1;
        generation.set(current);
        let generation = generation.clone();
        set_timeout(
            move || {
                if generation.get() == current {
                    bridge.prepare_ahead();
                }
            },
            PREPARE_AFTER,
        );
    });
}

/// The whole app. Creates the state, provides it as context and starts the workers.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    let bridge = WorkerBridge::start(state);
    provide_context(bridge);
    prepare_when_inputs_settle(state, bridge);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        bridge.build(state);
    };
    view! {
        <header class="top">
            <h1>"annlab"</h1>
            <p class="tagline">
                "HNSW and SVS-VAMANA, built side by side in this tab with Redis's parameters. "
                <strong>"Your vectors never leave the browser."</strong>
            </p>
        </header>
        <ShareLink/>
        <SessionFileButtons/>
        <ErrorBanner/>
        <main class="layout">
            <DataPanel/>
            <form class="config" on:submit=on_submit novalidate=true>
                <CommonParams/>
                <div class="params-grid">
                    <ParamsHnsw/>
                    <ParamsSvs/>
                </div>
                <BuildPanel/>
            </form>
            <section class="dashboard" aria-label="Comparison">
                <ResultsTable/>
                <div class="charts">
                    <MemoryChart/>
                    <SweepPlot/>
                </div>
                <QueryExplorer/>
                <ProjectionPanel/>
            </section>
            <section class="explore" aria-label="Grid and decision">
                <GridPanel/>
                <GridTable/>
                <div class="charts">
                    <ParetoChart objective=Objective::QpsHigher/>
                    <ParetoChart objective=Objective::MemoryLower/>
                </div>
                <OptimizerPanel/>
                <GoNoGoPanel/>
                <AdvisorPanel/>
                <ExportPanel/>
            </section>
            <section class="planning-section" aria-label="Production planning">
                <CapacityPanel/>
                <ClusterPanel/>
            </section>
        </main>
        <footer class="foot">
            "annlab models Redis 8.2+ behaviour; figures are measured in this browser, one query at a time."
        </footer>
    }
}
