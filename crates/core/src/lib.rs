//! annlab-core: the platform-free heart of annlab.
//!
//! Nothing here touches the web, the file system, threads or the clock: seeds are explicit, and
//! timing is done by the caller (CLI or Web Worker). The crate builds for `wasm32-unknown-unknown`
//! and natively.
//!
//! Distance convention everywhere (as Redis/VecSim reports it): smaller is closer.
//! - L2: squared Euclidean distance.
//! - IP: `1 - dot(a, b)`.
//! - COSINE: `1 - dot(a, b)` on vectors normalised at insert (and the query normalised at search).
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

/// Runs `$body` with `$s` bound to the payload of whichever listed one-field variant `$value`
/// is: the one way a closed enum of stores or indexes reaches monomorphised code
/// ([`with_codec_store!`], HNSW's `AnyHnsw`). Every variant must be listed (the `match` is
/// exhaustive).
#[macro_export]
#[doc(hidden)]
macro_rules! dispatch_variants {
    ($value:expr, [$($variant:path),+ $(,)?], $s:ident => $body:expr) => {
        match $value {
            $($variant($s) => $body,)+
        }
    };
}

pub mod control;
pub mod distance;
pub mod element;
pub mod error;
pub mod flat;
pub mod hnsw;
pub mod matrix;
pub mod memory;
pub mod metric;
pub mod neighbor;
pub mod quant;
pub mod recall;
pub mod rng;
pub mod sketch;
pub mod store;
pub mod svs;
pub mod vamana;
pub mod visited;

pub use control::{BuildControl, Cancelled, NoControl};
pub use element::{Element, ElementType};
pub use error::CoreError;
pub use matrix::Matrix;
pub use memory::MemoryBreakdown;
pub use metric::Metric;
pub use neighbor::Neighbor;
