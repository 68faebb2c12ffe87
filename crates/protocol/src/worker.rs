//! The Web Worker message protocol between the app (UI thread) and its workers.
//!
//! Messages are serde enums tagged by `type`, serialised to JS objects with serde-wasm-bindgen.
//! Every message travels in an [`Envelope`] carrying the protocol version and a job id, so a
//! reply can be matched to its request and replies from a cancelled job can be dropped.
//!
//! Big arrays (file bytes, vectors, ground-truth ids) never go through serde: a message names
//! them by [`Slot`], and the bridge sends the `ArrayBuffer`s next to the message (as
//! transferables where the sender no longer needs them). This keeps this module platform-free
//! and a 13 MB matrix free of per-number JS conversions.
//!
//! Compatibility: new information goes into new variants or new `#[serde(default)]` fields;
//! unknown variants are answered with [`WorkerEvent::Error`] rather than a crash.
//!
//! One enum per channel: [`PageRequest`] (page → worker, by role), [`WorkerEvent`] (worker →
//! page), [`ShareJob`] / [`ShareReply`] (building worker ↔ helper, over their port) and
//! [`Continuation`] (a worker to itself).

use serde::{Deserialize, Serialize};

use crate::report::RunReport;
use crate::runner::IndexSpec;

/// Bumped when a message changes incompatibly.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message plus its routing data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub v: u32,
    /// Job id chosen by the app; every event of a job echoes it.
    pub job: u64,
    pub body: T,
}

impl<T> Envelope<T> {
    pub fn new(job: u64, body: T) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            job,
            body,
        }
    }
}

/// Index of an `ArrayBuffer` sent alongside the message.
pub type Slot = u32;

/// What an uploaded file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    Base,
    Queries,
    GroundTruth,
}

/// A row-major f32 matrix whose values are in buffer `slot` (`rows * dim` little-endian f32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRef {
    pub rows: usize,
    pub dim: usize,
    pub slot: Slot,
}

/// Neighbour ids (`rows * k` u32, row-major, nearest first) in buffer `slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdsRef {
    pub rows: usize,
    pub k: usize,
    pub slot: Slot,
}

/// Where the queries come from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuerySource {
    /// `count` base rows drawn with `seed` and removed from the base (held out).
    HeldOut { count: usize, seed: u64 },
    /// An uploaded query matrix.
    Uploaded { queries: MatrixRef },
}

/// What the page posts to a worker, by the worker's role. A worker takes the role of its first
/// request and refuses the others' requests, so a helper is never given a page job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", content = "request", rename_all = "snake_case")]
pub enum PageRequest {
    Data(DataRequest),
    Index(IndexRequest),
    Helper(HelperRequest),
}

/// Page → the data worker (parsing, evaluation sets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DataRequest {
    /// Parse a file whose bytes are in buffer `bytes`.
    ParseFile {
        name: String,
        role: FileRole,
        bytes: Slot,
    },
    /// Generate a seeded synthetic base in the worker (never sent from the page); answers
    /// [`WorkerEvent::ParsedVectors`] as a parsed file does.
    Synthesize(SyntheticSpec),
    /// Split queries off (or take the uploaded ones) and compute exact ground truth, unless
    /// `ground_truth` is given (it is then checked against the base).
    Prepare {
        base: MatrixRef,
        queries: QuerySource,
        metric: annlab_core::Metric,
        k: usize,
        #[serde(default)]
        ground_truth: Option<IdsRef>,
    },
    /// Project the prepared base and queries to 2-D (PCA fitted on a seeded sample of
    /// `fit_rows` base rows, rows preprocessed for `metric`); answers
    /// [`WorkerEvent::Projected`].
    Project(ProjectRequest),
}

/// A [`DataRequest::Project`]: the prepared (indexed) base and the queries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProjectRequest {
    pub base: MatrixRef,
    pub queries: MatrixRef,
    pub metric: annlab_core::Metric,
    pub fit_rows: usize,
    pub seed: u64,
}

/// A seeded, clustered synthetic base (`annlab_core::rng::synthetic_clustered`, the
/// generator the benches use): the same spec gives the same vectors everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntheticSpec {
    pub rows: usize,
    pub dim: usize,
    pub clusters: usize,
    pub seed: u64,
}

impl SyntheticSpec {
    /// Largest synthetic base: as many values as the parser accepts from a file.
    pub const MAX_VALUES: usize = 1 << 27;
    /// The benches' synthetic set (`SYNTHETIC_CLUSTERS` clusters): the race's data is the
    /// app's for the same rows, dim and seed.
    pub fn with_default_clusters(rows: usize, dim: usize, seed: u64) -> Self {
        Self {
            rows,
            dim,
            clusters: annlab_core::rng::SYNTHETIC_CLUSTERS,
            seed,
        }
    }

    /// The file-like name the dataset is shown under.
    pub fn name(&self) -> String {
        format!("synthetic-{}x{}-seed{}", self.rows, self.dim, self.seed)
    }

    /// The spec a [`SyntheticSpec::name`] was made from.
    pub fn from_name(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("synthetic-")?;
        let (shape, seed) = rest.split_once("-seed")?;
        let (rows, dim) = shape.split_once('x')?;
        Some(Self::with_default_clusters(
            rows.parse().ok()?,
            dim.parse().ok()?,
            seed.parse().ok()?,
        ))
    }

    /// `None` when the spec can be generated, else why not.
    pub fn problem(&self) -> Option<String> {
        if self.rows < 2 || self.dim < 2 {
            return Some("a synthetic base needs at least 2 rows and 2 dimensions".into());
        }
        if self.rows.saturating_mul(self.dim) > Self::MAX_VALUES {
            return Some(format!(
                "{} × {} is {} values; the limit is {} (as for a file)",
                self.rows,
                self.dim,
                self.rows.saturating_mul(self.dim),
                Self::MAX_VALUES
            ));
        }
        None
    }
}

/// Build one index on a prepared data set and measure its runtime sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    pub spec: IndexSpec,
    pub base: MatrixRef,
    pub queries: MatrixRef,
    pub truth: IdsRef,
    pub metric: annlab_core::Metric,
    pub k: usize,
    /// The worker answers [`WorkerEvent::Built`] after the build and keeps the index until a
    /// [`IndexRequest::Measure`] arrives (the app measures searches only when no other build
    /// competes for the CPU).
    #[serde(default)]
    pub hold_measure: bool,
    /// SVS-VAMANA only: how many helper workers share each build batch (0: build alone).
    /// Helper `i` must have been linked with [`IndexRequest::LinkHelper`] first; the worker
    /// sends it [`ShareJob`]s over that link and waits for their [`ShareReply`] (or
    /// [`IndexRequest::HelperLost`]) between batches.
    #[serde(default)]
    pub helpers: usize,
    /// SVS-VAMANA only: helpers may also join while the build runs (a
    /// [`IndexRequest::LinkHelper`] after the `Run`); without linked helpers the worker then
    /// returns to its message loop between batches so that a link is seen.
    #[serde(default)]
    pub accept_helpers: bool,
}

/// Build `spec` once over a small seeded synthetic set and drop it (for SVS-VAMANA, as a
/// shared build with an in-process helper, so both roles' code runs). Browsers start
/// WebAssembly in a baseline tier and compile a function with the optimising tier only after
/// it has run for a while, on background threads; doing that before the first real build
/// keeps the compiles, and the slower baseline code, out of it. Answers
/// [`WorkerEvent::WarmedUp`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarmUpRequest {
    pub spec: IndexSpec,
    pub metric: annlab_core::Metric,
}

/// Page → an index worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IndexRequest {
    Run(RunRequest),
    /// Measure the sweep of the index held since the last `Run` with `hold_measure`; answers
    /// [`WorkerEvent::RunFinished`].
    Measure,
    /// Before a `Run` with helpers (or during one that accepts helpers): the message also
    /// carries a `MessagePort` (the `port` field next to `msg`) to helper `part`, so that
    /// batch shares and lists go between the two workers directly, not through the page.
    /// During a build, the helper gets work from the next batch on.
    LinkHelper {
        part: usize,
    },
    /// Helper `part` is gone; generate its nodes here.
    HelperLost {
        part: usize,
    },
    WarmUp(WarmUpRequest),
    /// Simulate a Redis Cluster on the prepared set ([`crate::shard::run_sharded`]) for each
    /// spec; answers [`WorkerEvent::ShardsFinished`].
    Shards(ShardRequest),
}

/// One index per shard for each of `specs` (HNSW, SVS-VAMANA), merged as the coordinator
/// does, measured per SHARD_K_RATIO of `ratios`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRequest {
    pub specs: Vec<IndexSpec>,
    pub shards: usize,
    /// Keys are `key_prefix` + row id, as the plan names them.
    pub key_prefix: String,
    pub ratios: Vec<f64>,
    pub base: MatrixRef,
    pub queries: MatrixRef,
    pub truth: IdsRef,
    pub metric: annlab_core::Metric,
    pub k: usize,
}

/// One spec's simulated cluster: its measured report (one search point per runtime setting
/// and ratio, `runtime.shard_k_ratio` set) and what each shard holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRun {
    pub report: RunReport,
    pub cluster: crate::shard::ShardReport,
}

/// Page → a helper worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HelperRequest {
    /// Become a helper of an SVS-VAMANA build: prepare the same store from the same base
    /// (deterministic). The message carries the `MessagePort` to the building worker; shares
    /// arrive and replies leave through it. Answers [`WorkerEvent::HelperReady`].
    Init {
        spec: IndexSpec,
        base: MatrixRef,
        metric: annlab_core::Metric,
    },
    WarmUp(WarmUpRequest),
}

/// Building worker → helper, over their port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShareJob {
    /// Generate the neighbour lists of `start..end` against the graph in `graph_slot`;
    /// answered with [`ShareReply::Lists`].
    GenerateLists(ListsJob),
    /// Re-prune some of a batch's back-edge targets (`annlab_core::vamana::PruneSet`);
    /// answered with [`ShareReply::Pruned`].
    PruneBackEdges(PruneJob),
}

/// Helper → building worker, over their port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShareReply {
    Lists(ListsRef),
    Pruned(PrunedRef),
}

/// A building worker to itself, over a channel of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Continuation {
    /// Go on with the build after returning to the message loop between batches.
    Continue,
}

/// Back-edge prunes handed to a helper: target ids in `targets_slot`, per target the end
/// offset of its candidates in `ends_slot`, the candidate ids in `candidates_slot`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PruneJob {
    pub part: usize,
    pub alpha: f32,
    pub targets_slot: Slot,
    pub ends_slot: Slot,
    pub candidates_slot: Slot,
}

/// A helper's answer to a [`PruneJob`]: per target (in the job's order) the end offset of its
/// new list in `ends_slot`, the ids in `ids_slot`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrunedRef {
    pub part: usize,
    pub distance_computations: u64,
    pub ends_slot: Slot,
    pub ids_slot: Slot,
}

/// A batch share handed to a helper: nodes `start..end`, searched against the graph whose
/// adjacency records (`max_degree + 1` u32 per node: degree, then ids) are in `graph_slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListsJob {
    pub part: usize,
    pub start: u32,
    pub end: u32,
    pub max_degree: usize,
    pub entry_point: u32,
    pub graph_slot: Slot,
}

/// A helper's answer: per node of `start..end` the end offset of its list in buffer
/// `ends_slot`, the ids in `ids_slot`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ListsRef {
    pub part: usize,
    pub start: u32,
    pub end: u32,
    pub distance_computations: u64,
    /// Seconds the helper spent generating (balances the next batches).
    pub seconds: f64,
    pub ends_slot: Slot,
    pub ids_slot: Slot,
}

/// Rows with some property: how many, and the first few (0-based).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RowCount {
    pub count: usize,
    pub first: Vec<usize>,
}

/// What the data panel shows about a parsed vector file (measured by `annlab_formats::inspect`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    pub rows: usize,
    pub dim: usize,
    /// `npy`, `fvecs`, …
    pub format: String,
    /// The file's element type (`<f4`, `<f2`, `|u1`, `text`, …).
    pub dtype: String,
    pub norm_min: f64,
    pub norm_mean: f64,
    pub norm_max: f64,
    /// Every row finite with a norm ≈ 1.
    pub unit_normalized: bool,
    /// `cosine` for unit-normalised data, else `l2`.
    pub suggested_metric: annlab_core::Metric,
    pub nan_rows: RowCount,
    pub inf_rows: RowCount,
    pub zero_rows: RowCount,
    pub duplicate_ids: RowCount,
    /// Parser notes (e.g. "transposed a Fortran-order array").
    #[serde(default)]
    pub notes: Vec<String>,
    pub has_texts: bool,
}

/// Events from a worker to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkerEvent {
    /// The worker's wasm module is loaded and its handler installed.
    Ready,
    /// Work in progress; `phase` names the stage ("parse", "ground truth", "insert", …).
    Progress {
        phase: String,
        done: usize,
        total: usize,
    },
    /// A vector file was parsed; its values are in buffer `vectors.slot`.
    ParsedVectors {
        role: FileRole,
        name: String,
        vectors: MatrixRef,
        summary: DatasetSummary,
        /// Per-row titles/texts, when the file had them.
        #[serde(default)]
        texts: Option<Vec<String>>,
    },
    /// A ground-truth file was parsed; ids are in buffer `ids.slot`.
    ParsedNeighbors { name: String, ids: IdsRef },
    /// The evaluation set is ready. `base`, `queries` and `truth` name buffers.
    Prepared {
        base: MatrixRef,
        queries: MatrixRef,
        truth: IdsRef,
        /// For held-out queries: the original file row of each query (to show its title).
        #[serde(default)]
        query_rows: Option<Vec<usize>>,
        /// The original file row of each indexed base row (held-out and dropped rows removed).
        base_rows: Vec<usize>,
        /// Rows dropped before building, and why ([`crate::prepare`]'s policy).
        #[serde(default)]
        dropped_rows: crate::prepare::DroppedRows,
        /// Seconds spent on exact ground truth (0 when uploaded).
        ground_truth_seconds: f64,
    },
    /// A `Run` with `hold_measure` finished building; the index waits for `Measure`.
    Built { build_seconds: f64 },
    /// A run finished. `results[point][query]` are the returned ids.
    RunFinished {
        report: RunReport,
        results: Vec<Vec<Vec<u32>>>,
    },
    /// The job failed; `message` is shown to the user as is.
    Error { message: String },
    /// A helper prepared its store.
    HelperReady,
    /// A [`WarmUpRequest`] finished after `seconds`.
    WarmedUp { seconds: f64 },
    /// A [`ShardRequest`] finished: one run per spec, in the request's order.
    ShardsFinished { runs: Vec<ShardRun> },
    /// A [`ProjectRequest`] finished: `x, y` f32 pairs in buffer `points`, the `base` rows
    /// first, then the `queries`.
    Projected {
        base: usize,
        queries: usize,
        points: Slot,
        /// Share of the fitting sample's variance along each axis.
        explained: [f64; 2],
        fit_rows: usize,
        seconds: f64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_through_json_with_role_and_type_tags() {
        let req = Envelope::new(
            7,
            PageRequest::Data(DataRequest::Prepare {
                base: MatrixRef {
                    rows: 10,
                    dim: 4,
                    slot: 0,
                },
                queries: QuerySource::HeldOut { count: 2, seed: 1 },
                metric: annlab_core::Metric::L2,
                k: 3,
                ground_truth: None,
            }),
        );
        let text = serde_json::to_string(&req).unwrap();
        assert!(text.contains("\"role\":\"data\""), "{text}");
        assert!(text.contains("\"type\":\"prepare\""), "{text}");
        let back: Envelope<PageRequest> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, req);
    }

    #[test]
    fn a_projection_request_and_its_reply_round_trip() {
        let m = |rows, slot| MatrixRef { rows, dim: 8, slot };
        let req = PageRequest::Data(DataRequest::Project(ProjectRequest {
            base: m(100, 0),
            queries: m(5, 1),
            metric: annlab_core::Metric::Cosine,
            fit_rows: 50,
            seed: 3,
        }));
        let text = serde_json::to_string(&req).unwrap();
        assert!(text.contains(r#""type":"project""#), "{text}");
        assert_eq!(serde_json::from_str::<PageRequest>(&text).unwrap(), req);
        let reply = WorkerEvent::Projected {
            base: 100,
            queries: 5,
            points: 0,
            explained: [0.5, 0.25],
            fit_rows: 50,
            seconds: 0.1,
        };
        let text = serde_json::to_string(&reply).unwrap();
        assert_eq!(serde_json::from_str::<WorkerEvent>(&text).unwrap(), reply);
    }

    #[test]
    fn hold_measure_defaults_to_false_and_measure_is_a_bare_tag() {
        let text = r#"{"v":1,"job":3,"body":{"role":"index","request":{"type":"measure"}}}"#;
        let back: Envelope<PageRequest> = serde_json::from_str(text).unwrap();
        assert_eq!(back.body, PageRequest::Index(IndexRequest::Measure));
        let built = serde_json::to_string(&WorkerEvent::Built { build_seconds: 1.5 }).unwrap();
        assert_eq!(built, r#"{"type":"built","build_seconds":1.5}"#);
    }

    #[test]
    fn helper_messages_round_trip_and_helpers_default_to_zero() {
        let job = ListsJob {
            part: 1,
            start: 10,
            end: 20,
            max_degree: 32,
            entry_point: 5,
            graph_slot: 0,
        };
        let lists = ListsRef {
            part: 1,
            start: 10,
            end: 20,
            distance_computations: 99,
            seconds: 0.25,
            ends_slot: 0,
            ids_slot: 1,
        };
        let text = serde_json::to_string(&ShareJob::GenerateLists(job)).unwrap();
        assert!(text.contains(r#""type":"generate_lists""#), "{text}");
        for share in [
            ShareJob::GenerateLists(job),
            ShareJob::PruneBackEdges(PruneJob {
                part: 0,
                alpha: 0.95,
                targets_slot: 0,
                ends_slot: 1,
                candidates_slot: 2,
            }),
        ] {
            let text = serde_json::to_string(&share).unwrap();
            assert_eq!(serde_json::from_str::<ShareJob>(&text).unwrap(), share);
        }
        for reply in [
            ShareReply::Lists(lists),
            ShareReply::Pruned(PrunedRef {
                part: 0,
                distance_computations: 7,
                ends_slot: 0,
                ids_slot: 1,
            }),
        ] {
            let text = serde_json::to_string(&reply).unwrap();
            assert_eq!(serde_json::from_str::<ShareReply>(&text).unwrap(), reply);
        }
        for req in [
            IndexRequest::HelperLost { part: 2 },
            IndexRequest::LinkHelper { part: 1 },
        ] {
            let text = serde_json::to_string(&req).unwrap();
            assert_eq!(serde_json::from_str::<IndexRequest>(&text).unwrap(), req);
        }
        // A share job is not a page request: a helper's port and the page's channel differ.
        let share = serde_json::to_string(&ShareJob::GenerateLists(job)).unwrap();
        assert!(serde_json::from_str::<PageRequest>(&share).is_err());
        // A Run from before the helper fields builds alone.
        let run = r#"{"type":"run","spec":{"algorithm":"flat","element_type":"float32"},
            "base":{"rows":1,"dim":1,"slot":0},"queries":{"rows":1,"dim":1,"slot":1},
            "truth":{"rows":1,"k":1,"slot":2},"metric":"l2","k":1}"#;
        match serde_json::from_str::<IndexRequest>(run) {
            Ok(IndexRequest::Run(run)) => assert_eq!(run.helpers, 0),
            other => panic!("{other:?}"),
        }
    }
}
