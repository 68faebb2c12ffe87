//! The page: header, data and parameter panels, build controls and the comparison dashboard.

use leptos::prelude::*;

use crate::components::{
    build_panel::BuildPanel, common_params::CommonParams, data_panel::DataPanel,
    error_banner::ErrorBanner, export_panel::ExportPanel, memory_chart::MemoryChart,
    params_hnsw::ParamsHnsw, params_svs::ParamsSvs, query_explorer::QueryExplorer,
    results_table::ResultsTable, sweep_plot::SweepPlot,
};
use crate::state::AppState;
use crate::worker_bridge;

/// The whole app. Creates the state, provides it as context and starts the workers.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    worker_bridge::init(state);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        worker_bridge::build(state);
    };
    view! {
        <header class="top">
            <h1>"annlab"</h1>
            <p class="tagline">
                "HNSW and SVS-VAMANA, built side by side in this tab with Redis's parameters. "
                <strong>"Your vectors never leave the browser."</strong>
            </p>
        </header>
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
                <ExportPanel/>
            </section>
        </main>
        <footer class="foot">
            "annlab models Redis 8.2+ behaviour; figures are measured in this browser, one query at a time."
        </footer>
    }
}
