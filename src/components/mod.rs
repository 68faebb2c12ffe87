//! One component per file. Components read [`crate::state::AppState`] from context and call
//! [`crate::worker_bridge`] for anything that leaves the UI thread.

pub mod build_panel;
pub mod common_params;
pub mod data_panel;
pub mod error_banner;
pub mod export_panel;
pub mod field;
pub mod memory_chart;
pub mod params_hnsw;
pub mod params_svs;
pub mod query_explorer;
pub mod results_table;
pub mod sweep_plot;
