//! annlab-app: the browser playground (Leptos CSR). `main.rs` mounts [`app::App`];
//! `bin/worker.rs` is the Web Worker that parses files and builds indexes.
//!
//! Layering: [`state`] holds platform-free models; [`components`] render them and hold no
//! algorithm code; [`worker_bridge`] is the only module that owns workers; [`browser_io`]
//! does the remaining browser I/O (files, same-origin fetches, downloads); [`plan_export`]
//! derives the migration plan from the runs; [`worker_codec`]
//! and [`worker_jobs`] are the two halves of the worker protocol's plumbing; [`worker_shared`]
//! is the SVS build split across helper workers; [`worker_warm_up`] runs a small build when a
//! worker starts, so the browser's optimising compiler is done before the first real one.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod app;
pub mod browser_io;
pub mod components;
pub mod plan_export;
pub mod state;
pub mod worker_bridge;
pub mod worker_codec;
pub mod worker_jobs;
pub mod worker_shared;
pub mod worker_warm_up;
