//! annlab-worker: the app's orchestration, free of JS, so it builds for wasm32 and is tested
//! natively.
//!
//! - [`role`]: a Web Worker's state by role ([`role::WorkerRole`]: data, index, helper) and
//!   [`role::Worker::handle`], which the worker bin calls for every message.
//! - [`jobs`]: parsing, evaluation sets, building and measuring one index.
//! - [`shared`]: the SVS-VAMANA build split across helper workers, as a state machine.
//! - [`warm_up`]: a small build when a worker starts, so the browser's optimising compiler is
//!   done before the first real one.
//! - [`scheduler`]: the page's side, a pure state machine: events in, commands out (post,
//!   spawn, terminate, link, view updates).
//! - [`view`]: the platform-free view values the scheduler updates.
//! - [`scatter`]: the 2-D view (projected points, neighbour marks, pixel mapping, CSV).
//! - [`share_link`]: a setup written into the URL fragment and read back.
//! - [`embed`]: embed mode's URL, preset, slider stops and height message.
//! - [`session`]: the session file (setup, results and decision in one JSON document).
//! - [`tab_memory`]: what a build holds in each worker, estimated before it starts.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod embed;
pub mod jobs;
pub mod role;
pub mod scatter;
pub mod scheduler;
pub mod session;
pub mod share_link;
pub mod shared;
pub mod tab_memory;
#[cfg(test)]
mod test_support;
pub mod view;
pub mod warm_up;
