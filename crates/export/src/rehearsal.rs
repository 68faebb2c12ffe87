//! A rehearsal of the blue/green migration as the exported plan runs it (migrate.py's
//! `preflight`, `create`, `wait`, `validate`, `switch`, then PLAN.md's post-migration
//! checklist: the observation window and `FT.DROPINDEX` of the HNSW index), with the memory
//! of one shard over time and the rollback at each step. Platform-free, no clock: durations
//! come from the inputs.
//!
//! Per shard (`n = ⌈documents / shards⌉`, the largest shard when slots are split evenly;
//! every shard runs the same steps in parallel on its own documents):
//! - old index: the HNSW candidate's Redis model at `n` until it is dropped, then 0;
//! - new index after `c` vectors are indexed: the SVS candidate's Redis model at `c`
//!   ([`Candidate::index_bytes`]). Below TRAINING_THRESHOLD that model *is* the flat buffer of
//!   full-precision vectors (reported as its part [`Candidate::flat_buffer_bytes`]); at the
//!   threshold the shard trains its compression and the compressed graph replaces the buffer;
//! - documents: `n·(dim·sizeof(TYPE) + key overhead)`, counted once (both indexes read the
//!   same keys: the plan creates the SVS index on the same prefix);
//! - total = old + new + documents. Its maximum is the migration peak, the same figure as
//!   [`crate::capacity::project`]'s `peak_per_shard` at this document and shard count, and it
//!   lasts from the end of the indexing to the drop of the old index.
//!
//! The indexing time is `n / rate`, where the rate (vectors/s) is what the caller measured
//! (the app: its own SVS build in this tab). That is an extrapolation: a Redis server indexes
//! with its own threads (WORKERS) on its own hardware, and the time does not stay linear in n.

use annlab_core::ElementType;
use annlab_protocol::runner::IndexSpec;
use serde::{Deserialize, Serialize};

use crate::capacity::{key_overhead_bytes, Candidate};
use crate::input::KeyType;

/// The names the migration's commands use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationNames {
    pub old_index: String,
    pub new_index: String,
    pub alias: String,
}

impl MigrationNames {
    /// The plan's defaults for an HNSW index `index`: `<index>_svs` and alias `<index>_live`.
    pub fn for_index(index: &str) -> Self {
        Self {
            old_index: index.to_string(),
            new_index: default_new_index(index),
            alias: default_alias(index),
        }
    }
}

/// The SVS index the plan creates when none is named.
pub fn default_new_index(index: &str) -> String {
    format!("{index}_svs")
}

/// The alias the plan switches when none is named.
pub fn default_alias(index: &str) -> String {
    format!("{index}_live")
}

/// A measured build: `vectors` indexed in `seconds` (wall time of the build).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BuildRate {
    pub vectors: u64,
    pub seconds: f64,
}

impl BuildRate {
    /// Vectors per second, or an error when the timer could not resolve the build.
    pub fn per_second(&self) -> Result<f64, RehearsalError> {
        if self.vectors == 0 || !self.seconds.is_finite() || self.seconds <= 0.0 {
            return Err(RehearsalError::BuildTime {
                vectors: self.vectors,
                seconds: self.seconds,
            });
        }
        Ok(self.vectors as f64 / self.seconds)
    }
}

/// Everything the rehearsal reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RehearsalInput {
    pub documents: u64,
    pub shards: u32,
    pub dim: usize,
    /// TYPE of the stored vectors (the document blobs).
    pub vector_type: ElementType,
    pub key_type: KeyType,
    /// The HNSW index serving today.
    pub hnsw: Candidate,
    /// The SVS-VAMANA index the plan creates.
    pub svs: Candidate,
    /// Days the HNSW index is kept after the switch (the plan's rollback window).
    pub observation_days: u32,
    /// The measured SVS build the indexing time is scaled from; `None` = not measured (the
    /// timeline then has no times).
    pub svs_build: Option<BuildRate>,
    /// The measured HNSW build, to say how long rebuilding HNSW would take after the drop.
    pub hnsw_build: Option<BuildRate>,
    pub names: MigrationNames,
}

/// A rehearsal that cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RehearsalError {
    #[error("a shard count must be 1 or more")]
    NoShards,
    #[error(
        "the rehearsal needs an HNSW index to migrate from and an SVS-VAMANA index to migrate to"
    )]
    Candidates,
    #[error("the build of {vectors} vectors took {seconds} s, which the timer did not resolve into a rate; build again with more vectors")]
    BuildTime { vectors: u64, seconds: f64 },
}

/// The steps, in the order the plan runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Preflight,
    Create,
    Indexing,
    Validate,
    Switch,
    Observe,
    DropOld,
}

/// How long a step takes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "seconds")]
pub enum StepDuration {
    /// Scaled from a measured build rate: an extrapolation.
    Extrapolated(f64),
    /// Set by the plan (the observation window).
    Planned(f64),
    /// One command or a few hundred queries: short next to the others, not timed here.
    Brief,
    /// Would be extrapolated, but no build was measured.
    Unknown,
}

impl StepDuration {
    fn seconds(self) -> Option<f64> {
        match self {
            StepDuration::Extrapolated(s) | StepDuration::Planned(s) => Some(s),
            StepDuration::Brief => Some(0.0),
            StepDuration::Unknown => None,
        }
    }
}

/// What one shard holds at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMemory {
    pub old_index: u64,
    /// The SVS index's Redis model (includes `flat_buffer` while untrained).
    pub new_index: u64,
    /// The part of `new_index` that is the full-precision flat buffer.
    pub flat_buffer: u64,
    /// Vector blobs and per-key overhead, counted once.
    pub documents: u64,
}

impl ShardMemory {
    pub fn total(&self) -> u64 {
        self.old_index + self.new_index + self.documents
    }
}

/// One point of the memory curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MemorySample {
    /// Index into [`Rehearsal::steps`].
    pub step: usize,
    /// 0 at the start of the step, 1 at its end.
    pub progress: f64,
    /// Seconds since the migration started; `None` when an earlier step has no time.
    pub seconds: Option<f64>,
    /// Vectors the SVS index of this shard holds.
    pub indexed: u64,
    pub memory: ShardMemory,
}

/// One step of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub kind: StepKind,
    pub title: String,
    /// What runs (migrate.py step and the commands it sends).
    pub action: String,
    /// Seconds since the start; `None` after a step of unknown length.
    pub start_seconds: Option<f64>,
    pub duration: StepDuration,
    /// What one shard holds when the step ends.
    pub memory_at_end: ShardMemory,
    /// How to go back from this step.
    pub rollback: String,
}

/// The whole rehearsal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rehearsal {
    pub shards: u32,
    pub docs_per_shard: u64,
    pub training_threshold: Option<u64>,
    /// Measured SVS build rate (vectors/s) the indexing time is scaled from.
    pub build_rate: Option<f64>,
    pub steps: Vec<Step>,
    pub samples: Vec<MemorySample>,
    /// The largest total and the sample where it first occurs.
    pub peak: MemorySample,
}

impl Rehearsal {
    /// Seconds from `create` to the drop of the old index, when every step has a time.
    pub fn total_seconds(&self) -> Option<f64> {
        self.steps
            .iter()
            .try_fold(0.0, |acc, s| s.duration.seconds().map(|d| acc + d))
    }
}

/// Indexing sample points of one shard: 0, eighths of `n`, and around the threshold.
fn indexing_counts(n: u64, threshold: Option<u64>) -> Vec<u64> {
    let mut counts: Vec<u64> = (0..=8).map(|k| n * k / 8).collect();
    if let Some(t) = threshold.filter(|t| *t > 0 && *t <= n) {
        counts.extend([t - 1, t]);
    }
    counts.sort_unstable();
    counts.dedup();
    counts
}

/// The rehearsal of `input`'s migration.
pub fn rehearse(input: &RehearsalInput) -> Result<Rehearsal, RehearsalError> {
    if input.shards == 0 {
        return Err(RehearsalError::NoShards);
    }
    if !matches!(input.hnsw.spec, IndexSpec::Hnsw { .. })
        || !matches!(input.svs.spec, IndexSpec::Svs { .. })
    {
        return Err(RehearsalError::Candidates);
    }
    let rate = input.svs_build.map(|b| b.per_second()).transpose()?;
    let hnsw_rate = input.hnsw_build.and_then(|b| b.per_second().ok());
    let n = input.documents.div_ceil(input.shards as u64);
    let dim = input.dim;
    let blob = (dim * input.vector_type.size_bytes()) as u64;
    let documents = n * (blob + key_overhead_bytes(input.key_type, dim, blob));
    let old = input.hnsw.index_bytes(n, dim);
    let threshold = input.svs.training_threshold();
    let svs_at = |c: u64| ShardMemory {
        old_index: old,
        new_index: input.svs.index_bytes(c, dim),
        flat_buffer: input.svs.flat_buffer_bytes(c, dim),
        documents,
    };
    let before = svs_at(0);
    let both = svs_at(n);
    let after = ShardMemory {
        old_index: 0,
        ..both
    };
    let indexing = match rate {
        Some(r) => StepDuration::Extrapolated(n as f64 / r),
        None => StepDuration::Unknown,
    };
    let window = StepDuration::Planned(input.observation_days as f64 * 86_400.0);
    let MigrationNames {
        old_index,
        new_index,
        alias,
    } = &input.names;
    let training = match threshold {
        Some(t) if n < t => format!(
            " Each shard holds {n} documents, below TRAINING_THRESHOLD {t}: it never trains and keeps serving from its flat buffer."
        ),
        Some(t) => format!(
            " Up to {t} vectors per shard sit in the full-precision flat buffer; at {t} the shard trains its compression and the compressed graph replaces the buffer."
        ),
        None => String::new(),
    };
    let rebuild = match hnsw_rate {
        Some(r) => format!(
            " (about {} per shard, extrapolated from the measured HNSW build)",
            human_seconds(n as f64 / r)
        ),
        None => String::new(),
    };
    let steps_spec: [(StepKind, &str, String, StepDuration, ShardMemory, String); 7] = [
        (
            StepKind::Preflight,
            "Preflight",
            format!("migrate.py preflight: server and query engine, {old_index} matches the plan, INFO memory on every master against the per-shard peak."),
            StepDuration::Brief,
            before,
            "Nothing has changed: stop here (migrate.py exits 6 when a shard lacks the memory for both indexes).".to_string(),
        ),
        (
            StepKind::Create,
            "Create SVS-VAMANA on the same prefix",
            format!("migrate.py create: FT.CREATE {new_index} … VECTOR SVS-VAMANA on the prefixes of {old_index}; nothing is copied."),
            StepDuration::Brief,
            before,
            format!("FT.DROPINDEX {new_index} (never DD: the documents are shared). The alias {alias} still points at {old_index}."),
        ),
        (
            StepKind::Indexing,
            "Background indexing",
            format!("migrate.py wait: Redis indexes the existing documents; FT.INFO {new_index} is polled until percent_indexed is 1.{training}"),
            indexing,
            both,
            format!("FT.DROPINDEX {new_index} (never DD) stops the indexing and frees its memory; the application never read it."),
        ),
        (
            StepKind::Validate,
            "Recall validation",
            format!("migrate.py validate: the same KNN queries on {new_index} and {old_index}; fails below the plan's recall threshold."),
            StepDuration::Brief,
            both,
            format!("Below the threshold (exit 8) the alias has not moved: tune and validate again, or FT.DROPINDEX {new_index}."),
        ),
        (
            StepKind::Switch,
            "FT.ALIASUPDATE",
            format!("migrate.py switch: FT.ALIASUPDATE {alias} {new_index} (atomic); the application now reads SVS-VAMANA."),
            StepDuration::Brief,
            both,
            format!("FT.ALIASUPDATE {alias} {old_index} (atomic, rollback.redis)."),
        ),
        (
            StepKind::Observe,
            "Observation window",
            format!("Both indexes stay and both index new writes (same prefix) for {} days: watch latency, result quality and hash_indexing_failures.", input.observation_days),
            window,
            both,
            format!("FT.ALIASUPDATE {alias} {old_index} at any moment of the window (atomic)."),
        ),
        (
            StepKind::DropOld,
            "FT.DROPINDEX of the old index",
            format!("FT.DROPINDEX {old_index} (never DD: the documents are shared with {new_index})."),
            StepDuration::Brief,
            after,
            format!("No quick rollback: {old_index} is gone. Going back means FT.CREATE of the HNSW index and a full background reindex{rebuild}, with {alias} on {new_index} until it is done."),
        ),
    ];
    let mut steps = Vec::with_capacity(steps_spec.len());
    let mut samples = Vec::new();
    let mut clock = Some(0.0);
    for (i, (kind, title, action, duration, end, rollback)) in steps_spec.into_iter().enumerate() {
        let start = clock;
        let at = |p: f64| match (start, duration.seconds()) {
            (Some(s), Some(d)) => Some(s + p * d),
            (Some(s), None) if p == 0.0 => Some(s),
            _ => None,
        };
        if kind == StepKind::Indexing {
            for c in indexing_counts(n, threshold) {
                let p = if n == 0 { 1.0 } else { c as f64 / n as f64 };
                samples.push(MemorySample {
                    step: i,
                    progress: p,
                    seconds: at(p),
                    indexed: c,
                    memory: svs_at(c),
                });
            }
        } else {
            let begin = samples.last().map_or(before, |s: &MemorySample| s.memory);
            let indexed = match kind {
                StepKind::Preflight | StepKind::Create => 0,
                _ => n,
            };
            samples.push(MemorySample {
                step: i,
                progress: 0.0,
                seconds: at(0.0),
                indexed,
                memory: begin,
            });
            samples.push(MemorySample {
                step: i,
                progress: 1.0,
                seconds: at(1.0),
                indexed,
                memory: end,
            });
        }
        steps.push(Step {
            kind,
            title: title.to_string(),
            action,
            start_seconds: start,
            duration,
            memory_at_end: end,
            rollback,
        });
        clock = match (clock, duration.seconds()) {
            (Some(c), Some(d)) => Some(c + d),
            _ => None,
        };
    }
    let peak = samples
        .iter()
        .copied()
        .fold(None::<MemorySample>, |best, s| match best {
            Some(b) if b.memory.total() >= s.memory.total() => Some(b),
            _ => Some(s),
        })
        .unwrap_or(MemorySample {
            step: 0,
            progress: 0.0,
            seconds: Some(0.0),
            indexed: 0,
            memory: before,
        });
    Ok(Rehearsal {
        shards: input.shards,
        docs_per_shard: n,
        training_threshold: threshold,
        build_rate: rate,
        steps,
        samples,
        peak,
    })
}

/// `0.4 s`, `12.0 s`, `3 min 20 s`, `2.5 h`, `7.0 days`; `< 0.1 s` below a tenth.
pub fn human_seconds(s: f64) -> String {
    if !s.is_finite() {
        return "unknown".to_string();
    }
    if s < 0.1 {
        return "< 0.1 s".to_string();
    }
    if s < 60.0 {
        return format!("{s:.1} s");
    }
    if s < 3_600.0 {
        let m = (s / 60.0).floor();
        return format!("{m:.0} min {:.0} s", s - m * 60.0);
    }
    if s < 86_400.0 {
        return format!("{:.1} h", s / 3_600.0);
    }
    format!("{:.1} days", s / 86_400.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::{self, svs_candidate, CapacityInput, Growth, Rates};
    use annlab_core::hnsw::HnswParams;
    use annlab_core::svs::{Compression, SvsParams, Target};

    fn hnsw() -> Candidate {
        Candidate {
            name: "HNSW".into(),
            spec: IndexSpec::Hnsw {
                params: HnswParams::default(), // M 16, FLOAT32
                ef_sweep: Vec::new(),
            },
        }
    }

    fn lvq8() -> Candidate {
        let params = SvsParams {
            compression: Some(Compression::Lvq8),
            ..SvsParams::default()
        };
        svs_candidate("SVS-VAMANA", params, Target::Generic)
    }

    fn worked_input() -> RehearsalInput {
        RehearsalInput {
            documents: 1_000_000,
            shards: 4,
            dim: 384,
            vector_type: ElementType::Float32,
            key_type: KeyType::Hash,
            hnsw: hnsw(),
            svs: lvq8(),
            observation_days: 7,
            svs_build: Some(BuildRate {
                vectors: 20_000,
                seconds: 8.0,
            }),
            hnsw_build: Some(BuildRate {
                vectors: 20_000,
                seconds: 10.0,
            }),
            names: MigrationNames::for_index("idx"),
        }
    }

    /// The worked example: 1,000,000 documents of 384 x FLOAT32 HASH on 4 shards, HNSW M 16
    /// to SVS LVQ8 (TRAINING_THRESHOLD 10,240), the tab built 20,000 vectors in 8 s, 7 days.
    ///
    ///   per shard n    = 1,000,000 / 4                      = 250,000
    ///   rate           = 20,000 / 8 s                       = 2,500 vectors/s
    ///   indexing       = 250,000 / 2,500                    = 100 s (extrapolated)
    ///   window         = 7 x 86,400                         = 604,800 s
    ///   timeline       preflight 0, create 0, indexing 0-100 s, validate 100, switch 100,
    ///                  observe 100-604,900 s, drop 604,900 s
    ///   documents      = 250,000 x (1,536 + 204 + (1,792-1,536)) = 499,000,000 B
    ///   flat buffer at 10,239 vectors (FLAT model, 10 blocks of 1,024):
    ///     10 x (1,024 x 1,536 + 72) + 10 x 1,024 x 16 + 10,239 x 32 + 1,300 = 16,222,148 B
    ///     new index    = 1,600 (SVS fixed) + 16,222,148      = 16,223,748 B
    ///   at 10,240 the shard trains: no flat buffer, the compressed model S(10,240)
    ///   peak           = H(250,000) + S(250,000) + 499,000,000, from the end of indexing to
    ///                    the drop; after the drop S(250,000) + 499,000,000.
    #[test]
    fn worked_example() {
        let r = rehearse(&worked_input()).unwrap();
        assert_eq!((r.shards, r.docs_per_shard), (4, 250_000));
        assert_eq!(r.training_threshold, Some(10_240));
        assert_eq!(r.build_rate, Some(2_500.0));
        let kinds: Vec<StepKind> = r.steps.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StepKind::Preflight,
                StepKind::Create,
                StepKind::Indexing,
                StepKind::Validate,
                StepKind::Switch,
                StepKind::Observe,
                StepKind::DropOld
            ]
        );
        let starts: Vec<Option<f64>> = r.steps.iter().map(|s| s.start_seconds).collect();
        assert_eq!(
            starts,
            [0.0, 0.0, 0.0, 100.0, 100.0, 100.0, 604_900.0].map(Some)
        );
        assert_eq!(r.steps[2].duration, StepDuration::Extrapolated(100.0));
        assert_eq!(r.steps[5].duration, StepDuration::Planned(604_800.0));
        assert_eq!(r.total_seconds(), Some(604_900.0));

        let h =
            annlab_core::hnsw::redis_index_bytes_estimate(250_000, 384, ElementType::Float32, 16);
        let params = SvsParams {
            compression: Some(Compression::Lvq8),
            ..SvsParams::default()
        };
        let s = |c: usize| {
            annlab_core::svs::memory::redis_index_bytes_estimate(c, 384, &params, Target::Generic)
        };
        let docs = 499_000_000;
        let before = ShardMemory {
            old_index: h,
            new_index: 0,
            flat_buffer: 0,
            documents: docs,
        };
        assert_eq!(r.steps[0].memory_at_end, before);
        assert_eq!(r.steps[1].memory_at_end, before);

        let at = |c: u64| {
            r.samples
                .iter()
                .find(|p| p.step == 2 && p.indexed == c)
                .unwrap()
        };
        let last_flat = at(10_239);
        assert_eq!(last_flat.memory.flat_buffer, 16_222_148);
        assert_eq!(last_flat.memory.new_index, 16_223_748);
        assert_eq!(last_flat.seconds, Some(10_239.0 / 2_500.0));
        let trained = at(10_240);
        assert_eq!(trained.memory.flat_buffer, 0);
        assert_eq!(trained.memory.new_index, s(10_240));
        assert_eq!(at(125_000).memory.new_index, s(125_000));
        assert_eq!(at(125_000).seconds, Some(50.0));

        let both = ShardMemory {
            old_index: h,
            new_index: s(250_000),
            flat_buffer: 0,
            documents: docs,
        };
        for i in 2..=5 {
            assert_eq!(r.steps[i].memory_at_end, both, "step {i}");
        }
        assert_eq!(r.peak.memory.total(), h + s(250_000) + docs);
        assert_eq!((r.peak.step, r.peak.indexed), (2, 250_000));
        assert_eq!(
            r.steps[6].memory_at_end,
            ShardMemory {
                old_index: 0,
                ..both
            }
        );
        // Rollback at each step, with the plan's names.
        assert!(r.steps[2].rollback.starts_with("FT.DROPINDEX idx_svs "));
        assert!(r.steps[4]
            .rollback
            .starts_with("FT.ALIASUPDATE idx_live idx "));
        assert!(r.steps[5].rollback.contains("FT.ALIASUPDATE idx_live idx"));
        assert!(r.steps[6].rollback.starts_with("No quick rollback"));
        // HNSW rebuild: 250,000 / 2,000 per second = 125 s.
        assert!(
            r.steps[6].rollback.contains("about 2 min 5 s per shard"),
            "{}",
            r.steps[6].rollback
        );
    }

    /// The peak is the capacity projection's migration peak for the same shards and documents.
    #[test]
    fn peak_is_the_capacity_plans() {
        let input = worked_input();
        let plan = capacity::project(&CapacityInput {
            documents_now: input.documents,
            growth: Growth::Absolute(0),
            horizon_months: 0,
            dim: input.dim,
            vector_type: input.vector_type,
            key_type: input.key_type,
            shards: Some(input.shards),
            shard_memory: None,
            reads_per_month: 0,
            writes_per_month: None,
            rates: Rates::ILLUSTRATIVE,
            candidates: vec![input.hnsw.clone(), input.svs.clone()],
        })
        .unwrap();
        let m0 = &plan.candidates[1].months[0];
        let r = rehearse(&input).unwrap();
        assert_eq!(
            Some(r.peak.memory.total()),
            m0.peak_per_shard.map(|p| p.total())
        );
        assert_eq!(r.steps[6].memory_at_end.total(), m0.steady_bytes_per_shard);
    }

    /// 200 shards of 5,000 documents: below the threshold a shard never trains, and its SVS
    /// index is the flat buffer (plus the 1,600 B fixed part) until the end.
    #[test]
    fn a_shard_below_the_threshold_keeps_its_flat_buffer() {
        let mut input = worked_input();
        input.shards = 200;
        let r = rehearse(&input).unwrap();
        assert_eq!(r.docs_per_shard, 5_000);
        let end = r.steps[2].memory_at_end;
        let flat = annlab_core::svs::memory::flat_buffer_bytes(5_000, 384, ElementType::Float32);
        assert_eq!(end.flat_buffer, flat);
        assert_eq!(end.new_index, 1_600 + flat);
        assert!(r.steps[2].action.contains("never trains"));
        assert!(r.samples.iter().all(|s| s.indexed <= 5_000));
    }

    /// Without a measured build the indexing has no duration, and nothing after it a time.
    #[test]
    fn without_a_measured_build_there_are_no_times() {
        let mut input = worked_input();
        input.svs_build = None;
        input.hnsw_build = None;
        let r = rehearse(&input).unwrap();
        assert_eq!(r.build_rate, None);
        assert_eq!(r.steps[2].duration, StepDuration::Unknown);
        assert_eq!(r.steps[2].start_seconds, Some(0.0));
        assert!(r.steps[3..].iter().all(|s| s.start_seconds.is_none()));
        assert_eq!(r.total_seconds(), None);
        assert!(!r.steps[6].rollback.contains("extrapolated"));
        input.svs_build = Some(BuildRate {
            vectors: 1000,
            seconds: 0.0,
        });
        assert!(matches!(
            rehearse(&input),
            Err(RehearsalError::BuildTime { .. })
        ));
        input.svs_build = None;
        input.shards = 0;
        assert_eq!(rehearse(&input), Err(RehearsalError::NoShards));
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_seconds(0.01), "< 0.1 s");
        assert_eq!(human_seconds(12.0), "12.0 s");
        assert_eq!(human_seconds(125.0), "2 min 5 s");
        assert_eq!(human_seconds(9_000.0), "2.5 h");
        assert_eq!(human_seconds(604_800.0), "7.0 days");
    }
}
