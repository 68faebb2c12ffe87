//! annlab-app: the browser playground (Leptos CSR). `main.rs` mounts [`app::App`];
//! `bin/worker.rs` is the Web Worker that parses files and builds indexes.
//!
//! Layering: [`state`] holds platform-free models; [`components`] render them and hold no
//! algorithm code; [`worker_bridge`] is the only module that owns workers; [`browser_io`]
//! does the remaining browser I/O (files, same-origin fetches, downloads); [`plan_export`]
//! derives the migration plan from the runs; [`worker_codec`] turns worker messages into JS
//! values and back. What the workers do and how the page schedules them is `annlab-worker`,
//! free of JS.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod app;
pub mod assess_drop;
pub mod browser_io;
pub mod cluster;
pub mod components;
pub mod explore;
pub mod plan_export;
pub mod planning;
pub mod session;
pub mod state;
pub mod worker_bridge;
pub mod worker_codec;
