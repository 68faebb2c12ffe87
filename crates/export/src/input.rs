//! What the exporter consumes: the measured comparison, the chosen runs and point, and the
//! user's production facts. Everything is serde so the app can send it as JSON and the CLI can
//! read it from a file.

use annlab_core::svs::{SvsParams, Target};
use annlab_core::{ElementType, Metric};
use annlab_protocol::report::CompareReport;
use serde::{Deserialize, Serialize};

/// The whole export request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInput {
    pub report: CompareReport,
    /// Index into `report.runs` of the HNSW baseline.
    pub hnsw_run: usize,
    /// Index into `report.runs` of the chosen SVS-VAMANA run.
    pub svs_run: usize,
    /// Index into the SVS run's `search` points: the chosen runtime setting.
    pub svs_point: usize,
    pub production: ProductionFacts,
    /// The chosen config; `search_window_size` is the chosen runtime window W, which becomes
    /// the index default.
    pub svs: SvsParams,
    /// The target the SVS run was measured for.
    pub target: Target,
    /// What a sweep decided (optimizer, frontier, go/no-go); PLAN.md gets a decision section
    /// only when it is set. Absent from older inputs and not written when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<crate::decision::Decision>,
}

/// How documents are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    #[default]
    Hash,
    Json,
}

impl KeyType {
    pub fn redis_name(self) -> &'static str {
        match self {
            KeyType::Hash => "HASH",
            KeyType::Json => "JSON",
        }
    }

    pub fn lower_name(self) -> &'static str {
        match self {
            KeyType::Hash => "hash",
            KeyType::Json => "json",
        }
    }
}

/// The HNSW index running in production today.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HnswFacts {
    pub m: usize,
    pub ef_construction: usize,
    /// The EF_RUNTIME the application queries with (the index default unless it overrides).
    pub ef_runtime: usize,
    pub epsilon: f64,
}

impl Default for HnswFacts {
    fn default() -> Self {
        use annlab_core::hnsw::params as d;
        Self {
            m: d::DEFAULT_M,
            ef_construction: d::DEFAULT_EF_CONSTRUCTION,
            ef_runtime: d::DEFAULT_EF_RUNTIME,
            epsilon: d::DEFAULT_EPSILON,
        }
    }
}

/// A non-vector field of the index, carried over to the new index so filters keep working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherField {
    pub name: String,
    pub kind: OtherFieldKind,
    /// JSON path (JSON documents only); defaults to `$.<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// The field types the exporter can carry over, with RedisVL's default options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtherFieldKind {
    Tag,
    Text,
    Numeric,
}

/// What the user tells us about production.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductionFacts {
    /// The HNSW index in production.
    pub index_name: String,
    /// The SVS index to create; `None` means `<index_name>_svs`.
    pub new_index_name: Option<String>,
    /// The alias the application queries; `None` means `<index_name>_live`.
    pub alias: Option<String>,
    /// Key prefixes of the HNSW index.
    pub prefixes: Vec<String>,
    /// Prefixes for re-encoded copies (only used when the vector type changes on HASH
    /// documents); `None` means `svs:` + each old prefix.
    pub new_prefixes: Option<Vec<String>>,
    pub key_type: KeyType,
    pub vector_field: String,
    /// JSON path of the vector (JSON documents only); defaults to `$.<vector_field>`.
    pub vector_path: Option<String>,
    /// The TYPE of the vectors stored today.
    pub vector_type: ElementType,
    pub dim: usize,
    pub metric: Metric,
    pub current_hnsw: HnswFacts,
    /// Documents in the index today.
    pub document_count: u64,
    /// Expected growth per month as a fraction (0.05 = 5 %).
    pub monthly_growth: f64,
    /// How far ahead the plan projects memory.
    pub growth_horizon_months: u32,
    /// True when the server is a Redis build with Intel's SVS optimisations on an Intel CPU.
    pub intel_build: bool,
    /// The server's maxmemory, if known (0 / None = unknown or unlimited).
    pub maxmemory_bytes: Option<u64>,
    pub other_fields: Vec<OtherField>,
    /// How many documents migrate.py samples as queries when it validates.
    pub validation_queries: usize,
    /// Minimum recall@k of the SVS index against the HNSW index, measured on the server.
    pub recall_threshold: f64,
    /// Days to keep the HNSW index after the switch.
    pub rollback_window_days: u32,
}

impl Default for ProductionFacts {
    fn default() -> Self {
        Self {
            index_name: "idx".to_string(),
            new_index_name: None,
            alias: None,
            prefixes: vec!["doc:".to_string()],
            new_prefixes: None,
            key_type: KeyType::Hash,
            vector_field: "embedding".to_string(),
            vector_path: None,
            vector_type: ElementType::Float32,
            dim: 384,
            metric: Metric::Cosine,
            current_hnsw: HnswFacts::default(),
            document_count: 1_000_000,
            monthly_growth: 0.0,
            growth_horizon_months: 12,
            intel_build: true,
            maxmemory_bytes: None,
            other_fields: Vec::new(),
            validation_queries: 200,
            recall_threshold: 0.90,
            rollback_window_days: 7,
        }
    }
}
