//! SVS-VAMANA attributes with Redis names and defaults (spec §1.4, VecSim `svs_utils.h`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::element::ElementType;

pub const DEFAULT_GRAPH_MAX_DEGREE: usize = 32;
pub const DEFAULT_CONSTRUCTION_WINDOW_SIZE: usize = 200;
pub const DEFAULT_SEARCH_WINDOW_SIZE: usize = 10;
pub const DEFAULT_EPSILON: f64 = 0.01;
pub const DEFAULT_TRAINING_THRESHOLD: usize = 10_240;
/// TRAINING_THRESHOLD may not be lower than VecSim's DEFAULT_BLOCK_SIZE.
pub const MIN_TRAINING_THRESHOLD: usize = 1_024;
/// VecSim silently clamps TRAINING_THRESHOLD to this (svs_tiered.h).
pub const MAX_TRAINING_THRESHOLD: usize = 102_400;

/// A Redis `COMPRESSION` value. `GlobalSQ8` is output-only in Redis (what FT.INFO reports when a
/// generic build falls back); annlab can also build it directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Compression {
    #[serde(rename = "LVQ4")]
    Lvq4,
    #[serde(rename = "LVQ8")]
    Lvq8,
    #[serde(rename = "LVQ4x4")]
    Lvq4x4,
    #[serde(rename = "LVQ4x8")]
    Lvq4x8,
    #[serde(rename = "LeanVec4x8")]
    LeanVec4x8,
    #[serde(rename = "LeanVec8x8")]
    LeanVec8x8,
    #[serde(rename = "GlobalSQ8")]
    GlobalSq8,
}

impl Compression {
    /// Every value FT.CREATE accepts (GlobalSQ8 is not one of them).
    pub const ACCEPTED_BY_REDIS: [Compression; 6] = [
        Compression::Lvq4,
        Compression::Lvq8,
        Compression::Lvq4x4,
        Compression::Lvq4x8,
        Compression::LeanVec4x8,
        Compression::LeanVec8x8,
    ];

    /// The exact enum case Redis and RedisVL use.
    pub fn redis_name(self) -> &'static str {
        match self {
            Compression::Lvq4 => "LVQ4",
            Compression::Lvq8 => "LVQ8",
            Compression::Lvq4x4 => "LVQ4x4",
            Compression::Lvq4x8 => "LVQ4x8",
            Compression::LeanVec4x8 => "LeanVec4x8",
            Compression::LeanVec8x8 => "LeanVec8x8",
            Compression::GlobalSq8 => "GlobalSQ8",
        }
    }

    pub fn is_leanvec(self) -> bool {
        matches!(self, Compression::LeanVec4x8 | Compression::LeanVec8x8)
    }

    /// Two-level codecs re-rank with a residual or secondary; their default search buffer
    /// capacity is floor(1.5 × window).
    pub fn is_two_level(self) -> bool {
        matches!(
            self,
            Compression::Lvq4x4
                | Compression::Lvq4x8
                | Compression::LeanVec4x8
                | Compression::LeanVec8x8
        )
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.redis_name())
    }
}

/// The compression name is not one Redis accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown compression `{0}` (expected LVQ4, LVQ8, LVQ4x4, LVQ4x8, LeanVec4x8 or LeanVec8x8)"
)]
pub struct UnknownCompression(pub String);

impl FromStr for Compression {
    type Err = UnknownCompression;

    /// Case-insensitive, like the server. `GlobalSQ8` parses too (annlab-only input).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        [
            Compression::Lvq4,
            Compression::Lvq8,
            Compression::Lvq4x4,
            Compression::Lvq4x8,
            Compression::LeanVec4x8,
            Compression::LeanVec8x8,
            Compression::GlobalSq8,
        ]
        .into_iter()
        .find(|c| c.redis_name().eq_ignore_ascii_case(t))
        .ok_or_else(|| UnknownCompression(s.to_string()))
    }
}

/// SVS-VAMANA attributes. Build-time ones go into FT.CREATE; `search_*`/`use_search_history`
/// are query-time (SEARCH_WINDOW_SIZE is both: an index default and a query override).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SvsParams {
    pub element_type: ElementType,
    pub graph_max_degree: usize,
    pub construction_window_size: usize,
    pub search_window_size: usize,
    pub epsilon: f64,
    pub compression: Option<Compression>,
    /// `None` means the default (10,240) when compressed.
    pub training_threshold: Option<usize>,
    /// LeanVec target dimension; `None` means DIM/2.
    pub reduce: Option<usize>,
    /// Seed for anything random in build or training.
    pub seed: u64,
    /// Which server WORKERS setting the graph build models (not an FT.CREATE attribute).
    /// Absent in older JSON: batched; not written when batched, so earlier files and bundles
    /// stay byte for byte the same.
    #[serde(default, skip_serializing_if = "Insertion::is_batched")]
    pub insertion: Insertion,
}

impl Default for SvsParams {
    fn default() -> Self {
        Self {
            element_type: ElementType::Float32,
            graph_max_degree: DEFAULT_GRAPH_MAX_DEGREE,
            construction_window_size: DEFAULT_CONSTRUCTION_WINDOW_SIZE,
            search_window_size: DEFAULT_SEARCH_WINDOW_SIZE,
            epsilon: DEFAULT_EPSILON,
            compression: None,
            training_threshold: None,
            reduce: None,
            seed: 42,
            insertion: Insertion::Batched,
        }
    }
}

/// How the server inserts rows into the graph, which its WORKERS setting decides
/// (`FT.CONFIG GET WORKERS`, or `CONFIG GET search-workers` on 8.x); see
/// [`crate::vamana::VamanaInsertion`] for what each does and the sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Insertion {
    /// WORKERS > 0: the flat buffer moves to the graph in batches.
    #[default]
    Batched,
    /// WORKERS 0: a first block is built, then every vector is inserted alone.
    Incremental,
}

impl Insertion {
    pub fn is_batched(&self) -> bool {
        *self == Insertion::Batched
    }

    /// What the mode models, in the server's terms.
    pub fn label(self) -> &'static str {
        match self {
            Insertion::Batched => "WORKERS > 0 (batched)",
            Insertion::Incremental => "WORKERS 0 (incremental)",
        }
    }

    /// The spec-string value (`insertion=batched|incremental`).
    pub fn name(self) -> &'static str {
        match self {
            Insertion::Batched => "batched",
            Insertion::Incremental => "incremental",
        }
    }
}

impl FromStr for Insertion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "batched" => Ok(Insertion::Batched),
            "incremental" => Ok(Insertion::Incremental),
            other => Err(format!(
                "unknown insertion `{other}` (expected batched or incremental)"
            )),
        }
    }
}

/// The hardware/build an SVS index runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Intel CPU with Redis's proprietary SVS optimisations: LVQ and LeanVec are real.
    #[default]
    Intel,
    /// Redis Open Source or a non-Intel CPU: every COMPRESSION becomes GlobalSQ8 and REDUCE is
    /// ignored.
    Generic,
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "intel" => Ok(Target::Intel),
            "generic" => Ok(Target::Generic),
            other => Err(format!(
                "unknown target `{other}` (expected intel or generic)"
            )),
        }
    }
}

/// Query-time SVS parameters (spec §1.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SvsRuntime {
    pub search_window_size: Option<usize>,
    /// Ignored unless `search_window_size` is also set (as in Redis).
    pub search_buffer_capacity: Option<usize>,
    pub use_search_history: SearchHistory,
}

/// `USE_SEARCH_HISTORY ON|OFF|AUTO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SearchHistory {
    On,
    Off,
    #[default]
    Auto,
}
