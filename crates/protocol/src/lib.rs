//! annlab-protocol: what the CLI, the Web Workers and the plan exporter agree on.
//!
//! - [`report`]: the `annlab compare --json` document (names are a stable contract).
//! - [`spec`]: `--hnsw` / `--svs` spec strings (Redis attribute names, runtime sweeps).
//! - [`prepare`]: the one data preparation (unusable rows, queries, ground truth) that the
//!   CLI and the app's data worker both call.
//! - [`runner`]: builds one index, sweeps its runtime parameters, measures recall, latency and
//!   memory. Timing comes from a caller-supplied [`runner::Clock`], so the same code runs
//!   natively and in a worker.
//! - [`decide`]: grids, Pareto fronts, the optimizer under budgets, the compression advisor
//!   and the go/no-go (issue #17), shared by `annlab sweep`, the app and the plan.
//! - [`shard`]: Redis Cluster simulated on the data (key slots, one index per shard, the
//!   coordinator's SHARD_K_RATIO merge).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod compare;
pub mod decide;
pub mod prepare;
pub mod report;
pub mod runner;
pub mod shard;
pub mod spec;
pub mod worker;
