//! Capacity and cost over a growth horizon: the one home of these formulas (`annlab plan`, the
//! app and PLAN.md call them).
//!
//! Per month `m` (0 = today) and candidate:
//! - documents `N(m)`: `N0 + g·m` (absolute growth) or `round(N0·(1+g)^m)` (percent, as
//!   [`crate::projection`] projects);
//! - shards `S`: the given count, or with a per-shard limit the fewest shards whose busiest
//!   shard fits (see [`CapacityInput::shard_memory`]);
//! - per shard, `n = ⌈N/S⌉` documents (the largest shard when slots are split evenly);
//! - index bytes per shard: the core's Redis model at `n` (HNSW/SVS/FLAT), never re-derived;
//! - document blobs per shard `n·dim·sizeof(TYPE)` and key overhead `n·`[`key_overhead_bytes`];
//! - SVS with compression: the flat buffer `flat_buffer_bytes(n)` while the shard is below
//!   TRAINING_THRESHOLD (each shard trains on its own documents). The core's Redis model
//!   already counts it as the index then, so it is reported as a part, never added again;
//! - steady bytes per shard = index + blobs + key overhead;
//! - peak per shard while both indexes exist ([`MigrationPeak`], the one definition): the
//!   baseline (first HNSW candidate) index + this candidate's index + documents counted once
//!   (blobs + key overhead).
//!
//! Cost per month = RAM GiB (steady, all shards) × `ram_gb_month` + shards × `shard_month` +
//! reads/10⁶ × `reads_per_million` + writes/10⁶ × `writes_per_million`; the horizon cost
//! bills months 1..=H, each at its end-of-month size. Writes default to the documents added
//! that month.

use annlab_core::svs::{memory as svs_memory, params as svs_params, SvsParams, Target};
use annlab_core::ElementType;
use annlab_protocol::report::{Algorithm, CompareReport};
use annlab_protocol::runner::hnsw::parse_hnsw_spec;
use annlab_protocol::runner::svs::parse_svs_spec;
use annlab_protocol::runner::IndexSpec;
use serde::{Deserialize, Serialize};

use crate::input::KeyType;
use crate::projection::MigrationPeak;

/// Most shards a plan considers (the 1–16 range widened for large corpora).
pub const MAX_SHARDS: u32 = 1024;

/// Growth per month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Growth {
    /// Documents added each month.
    Absolute(u64),
    /// Fraction per month, compounded (0.05 = 5 %).
    Percent(f64),
}

impl Growth {
    /// Documents after `months` months from `now`.
    pub fn documents(self, now: u64, months: u32) -> u64 {
        match self {
            Growth::Absolute(per_month) => {
                now.saturating_add(per_month.saturating_mul(months as u64))
            }
            Growth::Percent(g) => (now as f64 * (1.0 + g).powi(months as i32)).round() as u64,
        }
    }
}

/// `5%/month`, `5%`, `100000/month`, `100000` → [`Growth`].
pub fn parse_growth(text: &str) -> Result<Growth, CapacityError> {
    let bad = || CapacityError::Growth {
        text: text.to_string(),
    };
    let t = text.trim().to_ascii_lowercase();
    let t = t
        .strip_suffix("/month")
        .or_else(|| t.strip_suffix("/mo"))
        .unwrap_or(&t)
        .trim();
    if let Some(p) = t.strip_suffix('%') {
        let v: f64 = p.trim().parse().map_err(|_| bad())?;
        if !v.is_finite() || v < 0.0 {
            return Err(bad());
        }
        return Ok(Growth::Percent(v / 100.0));
    }
    t.replace([',', '_'], "")
        .parse::<u64>()
        .map(Growth::Absolute)
        .map_err(|_| bad())
}

/// A figure of the plan that does not parse or cannot be computed; shown to users as is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CapacityError {
    #[error("`{text}` is not a growth (e.g. 5%/month or 100000/month)")]
    Growth { text: String },
    #[error("`{text}` is not a rate table (e.g. illustrative or ram_gb_month=10,shard_month=50,reads_per_million=0.1,writes_per_million=0.5): {reason}")]
    Rates { text: String, reason: &'static str },
    #[error("run {run} of the report cannot be planned: {reason}")]
    ReportRun { run: usize, reason: String },
    #[error("no candidate configuration to plan")]
    NoCandidates,
    #[error("a shard count must be 1 to {MAX_SHARDS} (got {0})")]
    ShardCount(u32),
    #[error(
        "even {MAX_SHARDS} shards of {limit} bytes do not hold month {month} of `{candidate}`"
    )]
    DoesNotFit {
        candidate: String,
        month: u32,
        limit: u64,
    },
}

/// The editable rate table (currency-free: the user's own unit per item).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// Per GiB of RAM per month.
    pub ram_gb_month: f64,
    /// Per shard (node) per month.
    pub shard_month: f64,
    pub reads_per_million: f64,
    pub writes_per_million: f64,
}

/// What a rate table shows next to its figures.
pub const ILLUSTRATIVE_LABEL: &str =
    "illustrative rates (round numbers for exploring; not any vendor's price - enter your own)";

impl Rates {
    /// Round numbers to explore with, NOT a vendor's price: always shown with
    /// [`ILLUSTRATIVE_LABEL`].
    pub const ILLUSTRATIVE: Rates = Rates {
        ram_gb_month: 10.0,
        shard_month: 50.0,
        reads_per_million: 0.10,
        writes_per_million: 0.50,
    };

    /// `illustrative`, or `ram_gb_month=..,shard_month=..,reads_per_million=..,
    /// writes_per_million=..` (all four; any order).
    pub fn parse(text: &str) -> Result<Rates, CapacityError> {
        if text.trim().eq_ignore_ascii_case("illustrative") {
            return Ok(Rates::ILLUSTRATIVE);
        }
        let bad = |reason| CapacityError::Rates {
            text: text.to_string(),
            reason,
        };
        let mut slots: [Option<f64>; 4] = [None; 4];
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| bad("each entry is key=value"))?;
            let value: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| bad("a rate is a number >= 0"))?;
            let slot =
                match key.trim() {
                    "ram_gb_month" => 0,
                    "shard_month" => 1,
                    "reads_per_million" => 2,
                    "writes_per_million" => 3,
                    _ => return Err(bad(
                        "keys are ram_gb_month, shard_month, reads_per_million, writes_per_million",
                    )),
                };
            slots[slot] = Some(value);
        }
        match slots {
            [Some(ram_gb_month), Some(shard_month), Some(reads_per_million), Some(writes_per_million)] => {
                Ok(Rates {
                    ram_gb_month,
                    shard_month,
                    reads_per_million,
                    writes_per_million,
                })
            }
            _ => Err(bad("all four rates are needed")),
        }
    }
}

/// Per-key bytes Redis spends on a document besides its vector payload (see
/// [`key_overhead_bytes`]).
///
/// HASH with one vector field above `hash-max-listpack-value` (64 B), so hashtable-encoded
/// (Redis 7.4 `t_hash.c`, `dict.h`, `sds.h`; jemalloc size classes): keyspace dictEntry,
/// key sds, robj, dict struct, 4 buckets, field dictEntry and field sds, ≈ 200–210 B, plus
/// 8–16 B of keyspace bucket. Redis Stack 7.4's `INFO memory` measures 197–204 B (20,000 keys,
/// dims 128/384/768); the constant is that measurement. The value sds (5 B header + 1 NUL) is
/// rounded up to its jemalloc size class, added by [`key_overhead_bytes`]. Rechecked by
/// tests/redis_stack/key_overhead.py.
pub const HASH_KEY_FIXED_BYTES: u64 = 204;

/// JSON: RedisJSON 2.8 keeps a vector as an ijson array of 8 B value slots (capacity grows by
/// doubling, so the next power of two ≥ dim) and one heap number per element. Fitted to Redis
/// Stack 7.4 / RedisJSON 2.8.3 `INFO memory` at dims 128 and 384 (20,000 keys): 96 B per key
/// and 19 B per element besides the slots; tests/redis_stack/key_overhead.py rechecks them,
/// also at a dimension they were not fitted on.
pub const JSON_KEY_FIXED_BYTES: u64 = 96;
/// Bytes per vector element of a RedisJSON document besides its array slot.
pub const JSON_BYTES_PER_ELEMENT: u64 = 19;

/// The jemalloc size class an allocation of `size` bytes lands in (x86_64, 16 B quantum:
/// 8, 16, 32, 48, …, 128, then four classes per power of two).
pub fn jemalloc_size_class(size: u64) -> u64 {
    if size <= 8 {
        return 8;
    }
    if size <= 128 {
        return size.div_ceil(16) * 16;
    }
    let lg = 63 - (size - 1).leading_zeros() as u64; // 2^lg < size ≤ 2^(lg+1)
    let step = 1u64 << (lg - 2);
    size.div_ceil(step) * step
}

/// Bytes one document costs beyond `blob` (its vector payload, `dim·sizeof(TYPE)`): the key's
/// structures and, for HASH, the rounding of the value allocation; for JSON, the number tree
/// minus the blob it replaces.
pub fn key_overhead_bytes(key_type: KeyType, dim: usize, blob: u64) -> u64 {
    match key_type {
        KeyType::Hash => {
            let value_alloc = jemalloc_size_class(blob + 6);
            HASH_KEY_FIXED_BYTES + (value_alloc - blob)
        }
        KeyType::Json => {
            let slots = 8 * (dim as u64).next_power_of_two();
            (JSON_KEY_FIXED_BYTES + slots + JSON_BYTES_PER_ELEMENT * dim as u64)
                .saturating_sub(blob)
        }
    }
}

/// One configuration to plan for: a compare spec (the sweep is ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub name: String,
    pub spec: IndexSpec,
}

impl Candidate {
    fn is_hnsw(&self) -> bool {
        matches!(self.spec, IndexSpec::Hnsw { .. })
    }

    /// The core's Redis model (`vector_index_sz_mb`) of one index over `n` vectors.
    pub fn index_bytes(&self, n: u64, dim: usize) -> u64 {
        match &self.spec {
            IndexSpec::Flat { element_type } => {
                annlab_core::flat::redis_flat_memory_estimate(n, dim, *element_type).index_bytes()
            }
            IndexSpec::Hnsw { params, .. } => annlab_core::hnsw::redis_index_bytes_estimate(
                n,
                dim as u64,
                params.element_type,
                params.m as u64,
            ),
            IndexSpec::Svs { params, target, .. } => {
                svs_memory::redis_index_bytes_estimate(n as usize, dim, params, *target)
            }
        }
    }

    /// TRAINING_THRESHOLD of a compressed SVS index (clamped as VecSim does); `None` otherwise.
    pub fn training_threshold(&self) -> Option<u64> {
        match &self.spec {
            IndexSpec::Svs { params, .. } => training_threshold(params),
            _ => None,
        }
    }

    /// The flat buffer bytes of one shard holding `n` documents (0 once trained or when not
    /// a compressed SVS index).
    pub fn flat_buffer_bytes(&self, n: u64, dim: usize) -> u64 {
        match (&self.spec, self.training_threshold()) {
            (IndexSpec::Svs { params, .. }, Some(t)) if n < t => {
                svs_memory::flat_buffer_bytes(n, dim, params.element_type)
            }
            _ => 0,
        }
    }
}

/// TRAINING_THRESHOLD of `params` when compressed (default 10,240, clamped to 102,400).
pub fn training_threshold(params: &SvsParams) -> Option<u64> {
    params.compression.map(|_| {
        params
            .training_threshold
            .unwrap_or(svs_params::DEFAULT_TRAINING_THRESHOLD)
            .min(svs_params::MAX_TRAINING_THRESHOLD) as u64
    })
}

/// Everything the projection reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityInput {
    pub documents_now: u64,
    pub growth: Growth,
    pub horizon_months: u32,
    pub dim: usize,
    /// TYPE of the stored vectors (the document blobs).
    pub vector_type: ElementType,
    pub key_type: KeyType,
    /// Fixed shard count; with [`CapacityInput::shard_memory`] the starting count.
    pub shards: Option<u32>,
    /// Memory limit per shard: with it the plan reports the month it is crossed and the
    /// shards needed so that the busiest shard's peak fits.
    pub shard_memory: Option<u64>,
    /// Queries per month (for the read cost).
    pub reads_per_month: u64,
    /// Writes per month; `None` = the documents added that month.
    pub writes_per_month: Option<u64>,
    pub rates: Rates,
    /// The first HNSW candidate is the baseline of the migration peak.
    pub candidates: Vec<Candidate>,
}

/// One month of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthRow {
    pub month: u32,
    pub documents: u64,
    pub shards: u32,
    /// Documents of the largest shard (`⌈documents / shards⌉`).
    pub docs_per_shard: u64,
    pub index_bytes_per_shard: u64,
    pub blob_bytes_per_shard: u64,
    pub key_overhead_bytes_per_shard: u64,
    /// The part of `index_bytes_per_shard` that is the flat buffer (untrained shards only).
    pub flat_buffer_bytes_per_shard: u64,
    /// Shards still below TRAINING_THRESHOLD (all or none: the shards are even).
    pub untrained_shards: u32,
    pub steady_bytes_per_shard: u64,
    /// Both indexes during the migration from the baseline; `None` for the baseline itself.
    pub peak_per_shard: Option<MigrationPeak>,
    /// Over every shard.
    pub steady_bytes_total: u64,
    pub cost: f64,
}

/// One candidate over the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidatePlan {
    pub name: String,
    pub months: Vec<MonthRow>,
    /// First month whose busiest-shard need exceeds the limit at the starting shard count.
    pub limit_crossed_month: Option<u32>,
    /// Shards needed at the horizon.
    pub shards_at_horizon: u32,
    /// Cost of months 1..=H.
    pub horizon_cost: f64,
}

/// The whole projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityPlan {
    pub rates: Rates,
    pub illustrative_rates: bool,
    pub candidates: Vec<CandidatePlan>,
    /// Horizon cost of each non-HNSW candidate minus the baseline's (negative = cheaper).
    pub horizon_difference_vs_baseline: Vec<(String, f64)>,
}

impl CapacityPlan {
    /// `name`'s horizon cost difference as a share of the baseline's horizon cost (0.015 =
    /// 1.5 % dearer); `None` without a baseline or when the baseline costs nothing.
    pub fn horizon_difference_share(&self, name: &str) -> Option<f64> {
        let (_, diff) = self
            .horizon_difference_vs_baseline
            .iter()
            .find(|(n, _)| n == name)?;
        let cost = self
            .candidates
            .iter()
            .find(|c| c.name == name)?
            .horizon_cost;
        let baseline = cost - diff;
        (baseline > 0.0).then(|| diff / baseline)
    }
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

struct ShardFigures {
    index: u64,
    blobs: u64,
    overhead: u64,
    flat: u64,
    steady: u64,
    peak: Option<MigrationPeak>,
}

fn shard_figures(
    input: &CapacityInput,
    c: &Candidate,
    baseline: Option<&Candidate>,
    n: u64,
) -> ShardFigures {
    let blob = (input.dim * input.vector_type.size_bytes()) as u64;
    let index = c.index_bytes(n, input.dim);
    let blobs = n * blob;
    let overhead = n * key_overhead_bytes(input.key_type, input.dim, blob);
    let flat = c.flat_buffer_bytes(n, input.dim);
    let peak = baseline.filter(|b| *b != c).map(|b| MigrationPeak {
        hnsw_index: b.index_bytes(n, input.dim),
        svs_index: index,
        documents: blobs + overhead,
        new_documents: 0,
    });
    ShardFigures {
        index,
        blobs,
        overhead,
        flat,
        // `index` includes the flat buffer while untrained (the core's model).
        steady: index + blobs + overhead,
        peak,
    }
}

impl ShardFigures {
    /// What the shard must hold: the migration peak when migrating, else the steady state.
    fn need(&self) -> u64 {
        self.peak
            .map_or(self.steady, |p| p.total().max(self.steady))
    }
}

/// Projects every candidate over the horizon.
pub fn project(input: &CapacityInput) -> Result<CapacityPlan, CapacityError> {
    if input.candidates.is_empty() {
        return Err(CapacityError::NoCandidates);
    }
    let start = input.shards.unwrap_or(1);
    if start == 0 || start > MAX_SHARDS {
        return Err(CapacityError::ShardCount(start));
    }
    let baseline = input.candidates.iter().find(|c| c.is_hnsw());
    let mut plans = Vec::with_capacity(input.candidates.len());
    for c in &input.candidates {
        let mut months = Vec::new();
        let mut crossed = None;
        let mut shards = start;
        for month in 0..=input.horizon_months {
            let docs = input.growth.documents(input.documents_now, month);
            let per = |s: u32| docs.div_ceil(s as u64);
            if let Some(limit) = input.shard_memory {
                if crossed.is_none() && shard_figures(input, c, baseline, per(start)).need() > limit
                {
                    crossed = Some(month);
                }
                // Shards never shrink as the data grows.
                while shard_figures(input, c, baseline, per(shards)).need() > limit {
                    if shards >= MAX_SHARDS {
                        return Err(CapacityError::DoesNotFit {
                            candidate: c.name.clone(),
                            month,
                            limit,
                        });
                    }
                    shards += 1;
                }
            }
            let n = per(shards);
            let f = shard_figures(input, c, baseline, n);
            let previous = month
                .checked_sub(1)
                .map_or(docs, |m| input.growth.documents(input.documents_now, m));
            let writes = input
                .writes_per_month
                .unwrap_or(docs.saturating_sub(previous));
            let steady_total = f.steady * shards as u64;
            let r = &input.rates;
            let cost = steady_total as f64 / GIB * r.ram_gb_month
                + shards as f64 * r.shard_month
                + input.reads_per_month as f64 / 1e6 * r.reads_per_million
                + writes as f64 / 1e6 * r.writes_per_million;
            let untrained = match c.training_threshold() {
                Some(t) if n < t => shards,
                _ => 0,
            };
            months.push(MonthRow {
                month,
                documents: docs,
                shards,
                docs_per_shard: n,
                index_bytes_per_shard: f.index,
                blob_bytes_per_shard: f.blobs,
                key_overhead_bytes_per_shard: f.overhead,
                flat_buffer_bytes_per_shard: f.flat,
                untrained_shards: untrained,
                steady_bytes_per_shard: f.steady,
                peak_per_shard: f.peak,
                steady_bytes_total: steady_total,
                cost,
            });
        }
        let horizon_cost = months.iter().skip(1).map(|m| m.cost).sum();
        plans.push(CandidatePlan {
            name: c.name.clone(),
            shards_at_horizon: shards,
            months,
            limit_crossed_month: crossed,
            horizon_cost,
        });
    }
    let base_cost = baseline
        .and_then(|b| plans.iter().find(|p| p.name == b.name))
        .map(|p| p.horizon_cost);
    let horizon_difference_vs_baseline = match (baseline, base_cost) {
        (Some(b), Some(base)) => plans
            .iter()
            .filter(|p| p.name != b.name)
            .map(|p| (p.name.clone(), p.horizon_cost - base))
            .collect(),
        _ => Vec::new(),
    };
    Ok(CapacityPlan {
        rates: input.rates,
        illustrative_rates: input.rates == Rates::ILLUSTRATIVE,
        candidates: plans,
        horizon_difference_vs_baseline,
    })
}

/// The plan as CSV: one row per candidate and month (bytes per shard unless `_total`).
pub fn to_csv(plan: &CapacityPlan) -> String {
    let mut out = String::from(
        "candidate,month,documents,shards,docs_per_shard,index_bytes_per_shard,blob_bytes_per_shard,\
key_overhead_bytes_per_shard,flat_buffer_bytes_per_shard,untrained_shards,steady_bytes_per_shard,\
peak_bytes_per_shard,steady_bytes_total,monthly_cost\n",
    );
    for c in &plan.candidates {
        for m in &c.months {
            let peak = m
                .peak_per_shard
                .map(|p| p.total().to_string())
                .unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{:.2}\n",
                csv_field(&c.name),
                m.month,
                m.documents,
                m.shards,
                m.docs_per_shard,
                m.index_bytes_per_shard,
                m.blob_bytes_per_shard,
                m.key_overhead_bytes_per_shard,
                m.flat_buffer_bytes_per_shard,
                m.untrained_shards,
                m.steady_bytes_per_shard,
                peak,
                m.steady_bytes_total,
                m.cost
            ));
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// PLAN.md's cluster section: every shard holds `⌈documents / shards⌉` documents (slots are
/// split evenly; `annlab compare --shards` measures the real spread) and its own two indexes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusterPlan {
    pub shards: u32,
    pub shard_k_ratio: Option<f64>,
    pub docs_per_shard: u64,
    /// Both indexes on one shard during the migration.
    pub peak_per_shard: MigrationPeak,
    pub training_threshold: Option<u64>,
    /// Bytes of one shard's flat buffer while it is below the threshold (0 when trained).
    pub flat_buffer_bytes_per_shard: u64,
}

impl ClusterPlan {
    pub fn new(
        input: &crate::PlanInput,
        cluster: crate::input::ClusterFacts,
        reencode: bool,
    ) -> Self {
        let p = &input.production;
        let shards = cluster.shards.max(1);
        let n = p.document_count.div_ceil(shards as u64);
        let hnsw = Candidate {
            name: "HNSW".into(),
            spec: IndexSpec::Hnsw {
                params: annlab_core::hnsw::HnswParams {
                    m: p.current_hnsw.m,
                    element_type: p.vector_type,
                    ..Default::default()
                },
                ef_sweep: Vec::new(),
            },
        };
        let svs = svs_candidate("SVS-VAMANA", input.svs, input.target);
        let blob = (p.dim * p.vector_type.size_bytes()) as u64;
        let new_blob = (p.dim * input.svs.element_type.size_bytes()) as u64;
        let flat = svs.flat_buffer_bytes(n, p.dim);
        Self {
            shards,
            shard_k_ratio: cluster.shard_k_ratio,
            docs_per_shard: n,
            peak_per_shard: MigrationPeak {
                hnsw_index: hnsw.index_bytes(n, p.dim),
                svs_index: svs.index_bytes(n, p.dim),
                documents: n * blob,
                new_documents: if reencode { n * new_blob } else { 0 },
            },
            training_threshold: svs.training_threshold(),
            flat_buffer_bytes_per_shard: flat,
        }
    }

    /// True when a shard is still below TRAINING_THRESHOLD (serving from its flat buffer).
    pub fn below_threshold(&self) -> bool {
        self.training_threshold
            .is_some_and(|t| self.docs_per_shard < t)
    }
}

/// The HNSW and SVS runs of an `annlab compare --json` report as candidates (their build
/// parameters are the spec keys; the sweep is not needed). FLAT runs are skipped.
pub fn candidates_from_report(report: &CompareReport) -> Result<Vec<Candidate>, CapacityError> {
    let mut out = Vec::new();
    for (i, run) in report.runs.iter().enumerate() {
        let spec_text = run
            .params
            .iter()
            .filter(|(k, _)| k.as_str() != "seed")
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(",");
        let bad = |e: annlab_protocol::spec::SpecError| CapacityError::ReportRun {
            run: i,
            reason: e.to_string(),
        };
        let spec = match run.algorithm {
            Algorithm::Hnsw => {
                let (params, _) = parse_hnsw_spec(&spec_text).map_err(bad)?;
                IndexSpec::Hnsw {
                    params,
                    ef_sweep: Vec::new(),
                }
            }
            Algorithm::SvsVamana => {
                let (params, _) = parse_svs_spec(&spec_text).map_err(bad)?;
                IndexSpec::Svs {
                    params,
                    target: run.target,
                    runtime_sweep: Vec::new(),
                }
            }
            Algorithm::Flat => continue,
        };
        out.push(Candidate {
            name: format!("{} {spec_text}", run.algorithm.redis_name()),
            spec,
        });
    }
    Ok(out)
}

/// A default SVS candidate (for tests and examples).
pub fn svs_candidate(name: &str, params: SvsParams, target: Target) -> Candidate {
    Candidate {
        name: name.to_string(),
        spec: IndexSpec::Svs {
            params,
            target,
            runtime_sweep: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_core::hnsw::HnswParams;
    use annlab_core::svs::Compression;

    fn hnsw() -> Candidate {
        Candidate {
            name: "hnsw".into(),
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
        svs_candidate("svs-lvq8", params, Target::Generic)
    }

    fn worked_input() -> CapacityInput {
        CapacityInput {
            documents_now: 100_000,
            growth: Growth::Absolute(50_000),
            horizon_months: 2,
            dim: 384,
            vector_type: ElementType::Float32,
            key_type: KeyType::Hash,
            shards: Some(2),
            shard_memory: None,
            reads_per_month: 10_000_000,
            writes_per_month: None,
            rates: Rates::ILLUSTRATIVE,
            candidates: vec![hnsw(), lvq8()],
        }
    }

    #[test]
    fn parses_growth_and_rates() {
        assert_eq!(parse_growth("5%/month").unwrap(), Growth::Percent(0.05));
        assert_eq!(
            parse_growth("100000/month").unwrap(),
            Growth::Absolute(100_000)
        );
        assert_eq!(parse_growth("1,000").unwrap(), Growth::Absolute(1_000));
        assert!(parse_growth("fast").is_err());
        assert!(parse_growth("-5%").is_err());
        let r =
            Rates::parse("ram_gb_month=3,shard_month=1.5,reads_per_million=0,writes_per_million=2")
                .unwrap();
        assert_eq!(
            (r.ram_gb_month, r.shard_month, r.writes_per_million),
            (3.0, 1.5, 2.0)
        );
        assert_eq!(Rates::parse("Illustrative").unwrap(), Rates::ILLUSTRATIVE);
        assert!(Rates::parse("ram_gb_month=3").is_err());
        assert!(
            Rates::parse("ram=3,shard_month=1,reads_per_million=0,writes_per_million=2").is_err()
        );
    }

    #[test]
    fn growth_compounds_like_the_projection() {
        assert_eq!(Growth::Percent(0.05).documents(1_000_000, 12), 1_795_856);
        assert_eq!(
            Growth::Absolute(100_000).documents(1_000_000, 12),
            2_200_000
        );
    }

    #[test]
    fn jemalloc_classes() {
        let cases = [
            (1, 8),
            (9, 16),
            (24, 32),
            (128, 128),
            (129, 160),
            (1542, 1792),
            (3078, 3584),
        ];
        for (size, class) in cases {
            assert_eq!(jemalloc_size_class(size), class, "{size}");
        }
        // 384 x FLOAT32: the 1,536 B blob + 6 B sds framing lands in the 1,792 B class.
        assert_eq!(key_overhead_bytes(KeyType::Hash, 384, 1536), 204 + 256);
        assert_eq!(
            key_overhead_bytes(KeyType::Json, 384, 1536),
            96 + 8 * 512 + 19 * 384 - 1536
        );
    }

    /// The worked example: 100,000 documents of 384 x FLOAT32 HASH, +50,000 a month, 2 shards,
    /// 10 M reads a month, illustrative rates, over 2 months.
    ///
    /// Month 2: 200,000 documents, 100,000 per shard.
    ///   blobs     = 100,000 x 1,536             = 153,600,000 B
    ///   overhead  = 100,000 x (204 + 1,792-1,536) =  46,000,000 B
    ///   HNSW index = core model H(100,000, 384, FLOAT32, M 16)
    ///   steady    = H + 199,600,000 per shard, x 2 shards
    ///   cost      = 2·steady/2^30 x 10 + 2 x 50 + 10 x 0.10 + 0.05 x 0.50
    /// Month 1: 150,000 documents, 75,000 per shard, writes 50,000.
    /// Horizon cost = month 1 + month 2 (month 0 is today, not billed).
    /// SVS LVQ8: per shard ≥ 10,240 documents, so trained (no flat buffer); its peak is
    /// H + S(100,000) + 199,600,000.
    #[test]
    fn worked_example() {
        let plan = project(&worked_input()).unwrap();
        let h = &plan.candidates[0];
        let m2 = &h.months[2];
        assert_eq!(
            (m2.documents, m2.shards, m2.docs_per_shard),
            (200_000, 2, 100_000)
        );
        assert_eq!(m2.blob_bytes_per_shard, 153_600_000);
        assert_eq!(m2.key_overhead_bytes_per_shard, 46_000_000);
        let hi =
            annlab_core::hnsw::redis_index_bytes_estimate(100_000, 384, ElementType::Float32, 16);
        assert_eq!(m2.index_bytes_per_shard, hi);
        assert_eq!(m2.steady_bytes_per_shard, hi + 199_600_000);
        assert_eq!(m2.steady_bytes_total, 2 * (hi + 199_600_000));
        assert_eq!(m2.peak_per_shard, None);
        let gib = 1024.0 * 1024.0 * 1024.0;
        let cost2 = 2.0 * (hi + 199_600_000) as f64 / gib * 10.0 + 100.0 + 1.0 + 0.025;
        assert!((m2.cost - cost2).abs() < 1e-9, "{} vs {cost2}", m2.cost);

        let h1 =
            annlab_core::hnsw::redis_index_bytes_estimate(75_000, 384, ElementType::Float32, 16);
        let steady1 = h1 + 75_000 * (1536 + 460);
        let cost1 = 2.0 * steady1 as f64 / gib * 10.0 + 100.0 + 1.0 + 0.025;
        assert!((h.horizon_cost - (cost1 + cost2)).abs() < 1e-9);
        // Month 0 has no writes unless given.
        let cost0 = 2.0 * h.months[0].steady_bytes_per_shard as f64 / gib * 10.0 + 101.0;
        assert!((h.months[0].cost - cost0).abs() < 1e-9);

        let s = &plan.candidates[1];
        let sv =
            svs_memory::redis_index_bytes_estimate(100_000, 384, &lvq8_params(), Target::Generic);
        let s2 = &s.months[2];
        assert_eq!(
            (s2.flat_buffer_bytes_per_shard, s2.untrained_shards),
            (0, 0)
        );
        let peak = s2.peak_per_shard.unwrap();
        assert_eq!(peak.total(), hi + sv + 199_600_000);
        assert_eq!(peak.hnsw_index, hi);
        assert_eq!(plan.horizon_difference_vs_baseline.len(), 1);
        let diff = plan.horizon_difference_vs_baseline[0].1;
        assert!((diff - (s.horizon_cost - h.horizon_cost)).abs() < 1e-9);
        let share = plan.horizon_difference_share(&s.name).unwrap();
        assert!((share - diff / h.horizon_cost).abs() < 1e-12);
        assert_eq!(
            plan.horizon_difference_share(&h.name),
            None,
            "no share for the baseline"
        );
        assert!(diff < 0.0, "LVQ8 holds less RAM than FLOAT32 HNSW");
        assert!(plan.illustrative_rates);
    }

    fn lvq8_params() -> SvsParams {
        SvsParams {
            compression: Some(Compression::Lvq8),
            ..SvsParams::default()
        }
    }

    /// 8 shards hold 12,500 documents each, above TRAINING_THRESHOLD 10,240; 16 shards hold
    /// 6,250 each, below it, and keep a flat buffer of 6,250 vectors.
    #[test]
    fn shards_below_the_threshold_serve_from_the_flat_buffer() {
        let mut input = worked_input();
        input.shards = Some(16);
        input.horizon_months = 0;
        let plan = project(&input).unwrap();
        let m0 = &plan.candidates[1].months[0];
        assert_eq!((m0.docs_per_shard, m0.untrained_shards), (6_250, 16));
        // FLAT model, 7 blocks of 1,024: 7 x (1,024 x 1,536 + 72) + 7 x 1,024 x 16
        // + 6,250 x 32 + 1,300 = 11,326,540 B; the index is that buffer + 1,600 B fixed, and
        // the steady need counts the buffer once.
        assert_eq!(m0.flat_buffer_bytes_per_shard, 11_326_540);
        assert_eq!(m0.index_bytes_per_shard, 1_600 + 11_326_540);
        assert_eq!(
            m0.steady_bytes_per_shard,
            1_600 + 11_326_540 + 6_250 * (1536 + 460)
        );
        input.shards = Some(8);
        let plan = project(&input).unwrap();
        assert_eq!(plan.candidates[1].months[0].untrained_shards, 0);
        assert_eq!(plan.candidates[0].months[0].untrained_shards, 0);
    }

    /// A limit just above month 0's HNSW need: crossed at month 1, and the shards grow
    /// until the busiest shard's need (the migration peak for SVS) fits again.
    #[test]
    fn limit_crossing_and_shards_needed() {
        let mut input = worked_input();
        input.shards = Some(1);
        let need = |docs: u64| {
            let h =
                annlab_core::hnsw::redis_index_bytes_estimate(docs, 384, ElementType::Float32, 16);
            h + docs * (1536 + 460)
        };
        input.shard_memory = Some(need(100_000) + 1_000);
        let plan = project(&input).unwrap();
        let h = &plan.candidates[0];
        assert_eq!(h.limit_crossed_month, Some(1));
        assert_eq!(h.months[0].shards, 1);
        assert_eq!(h.months[1].shards, 2);
        assert_eq!(h.shards_at_horizon, 2); // 100,000 per shard fits
                                            // SVS must hold both indexes: already over at month 0.
        let s = &plan.candidates[1];
        assert_eq!(s.limit_crossed_month, Some(0));
        assert!(s.months[0].shards >= 2);
        input.shard_memory = Some(1000);
        assert!(matches!(
            project(&input),
            Err(CapacityError::DoesNotFit { .. })
        ));
    }

    #[test]
    fn csv_has_one_row_per_candidate_and_month() {
        let plan = project(&worked_input()).unwrap();
        let csv = to_csv(&plan);
        assert_eq!(csv.lines().count(), 1 + 2 * 3);
        assert!(csv
            .lines()
            .nth(3)
            .unwrap()
            .starts_with("hnsw,2,200000,2,100000,"));
        assert!(csv.lines().nth(4).unwrap().starts_with("svs-lvq8,0,"));
    }
}
