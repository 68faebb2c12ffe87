//! One component per file. Components read [`crate::state::AppState`] from context and call
//! [`crate::worker_bridge`] for anything that leaves the UI thread.

pub mod build_panel;
pub mod capacity_panel;
pub mod chart_downloads;
pub mod cluster_panel;
pub mod common_params;
pub mod data_panel;
pub mod decide_panel;
pub mod embed;
pub mod error_banner;
pub mod export_panel;
pub mod field;
pub mod grid_form;
pub mod grid_table;
pub mod memory_chart;
pub mod params_hnsw;
pub mod params_svs;
pub mod pareto_chart;
pub mod projection_view;
pub mod query_explorer;
pub mod rehearsal;
pub mod results_table;
pub mod session_file;
pub mod share_link;
pub mod sweep_plot;
