//! The compression advisor: RedisVL's published rule beside what was measured on your data.
//!
//! [`redisvl_rule`] reproduces `CompressionAdvisor.recommend` and
//! `CompressionAdvisor.estimate_memory_savings` of RedisVL, read in
//! redis/redis-vl-python `redisvl/utils/compression.py` and pinned by its
//! `tests/unit/test_compression_advisor.py` (facts only, no code taken):
//! - dims ≥ 1024: LeanVec4x8, FLOAT16, GRAPH_MAX_DEGREE 64, CONSTRUCTION_WINDOW_SIZE 300;
//!   `memory` REDUCE dims/2, W 20; `speed` REDUCE max(256, dims/4), W 40; otherwise
//!   (`balanced`) REDUCE dims/2, W 30.
//! - dims < 1024: FLOAT32, degree 40, construction window 250, W 20; `memory` LVQ4, `speed`
//!   LVQ4x8, otherwise LVQ4x4.
//! - Any other priority string takes the `balanced` branch: the migration notebook asks for
//!   `"performance"` and prints LVQ4x4 at 768 dims.
//! - Savings: `1 − (reduce or dims) · bits / (dims · 32)`, in percent rounded to one decimal
//!   (Python's `round`, half to even), with bits LVQ4 4, LVQ4x4 8, LVQ4x8 12, LVQ8 8,
//!   LeanVec4x8 12, LeanVec8x8 16 and 32 for anything else (GlobalSQ8 included: RedisVL's
//!   table does not know it). It counts vector codes only: no graph, no documents.
//!
//! [`advise`] measures instead: one row per SVS-VAMANA run with its recall and QPS at the
//! largest search window every row measured, bytes per vector, memory at the production count
//! ([`super::memory_at`]), build time, and what a generic target (Redis Open Source, non-Intel
//! CPUs) would store. Its recommendation per priority:
//! - only rows whose recall at the matched window reaches the recall floor qualify;
//! - `memory`: least total memory; `performance`: highest QPS; `balanced`: least total memory
//!   among rows within [`BALANCED_QPS_FRACTION`] of the fastest qualifying row's QPS.
//!
//! Ties go to the earlier run.

use annlab_core::quant::{bytes_per_vector, CodecKind};
use annlab_core::svs::memory::graph_bytes_per_vector;
use annlab_core::svs::target::effective_codec;
use annlab_core::svs::{Compression, Target};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::memory::svs_params;
use super::{is_candidate, memory_at, DecideError};
use crate::report::{Algorithm, CompareReport, RunReport};

/// RedisVL's dimension threshold for LeanVec.
pub const REDISVL_HIGH_DIM_THRESHOLD: usize = 1024;
/// `balanced` accepts rows with at least this fraction of the fastest qualifying row's QPS.
pub const BALANCED_QPS_FRACTION: f64 = 0.8;
/// Default recall floor of [`advise`].
pub const DEFAULT_ADVISOR_RECALL_FLOOR: f64 = 0.9;

/// annlab's priorities (RedisVL's names: `memory`, `balanced`, `speed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Memory,
    Balanced,
    Performance,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Memory, Priority::Balanced, Priority::Performance];

    /// The RedisVL priority string with the same intent (`performance` is RedisVL's `speed`).
    pub fn redisvl_name(self) -> &'static str {
        match self {
            Priority::Memory => "memory",
            Priority::Balanced => "balanced",
            Priority::Performance => "speed",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Priority::Memory => "memory",
            Priority::Balanced => "balanced",
            Priority::Performance => "performance",
        }
    }
}

/// What RedisVL's CompressionAdvisor returns for one dims and priority string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedisVlAdvice {
    pub dims: usize,
    /// The priority string as passed.
    pub priority: String,
    /// The branch RedisVL takes for it (`memory`, `speed` or `balanced`).
    pub branch: String,
    pub datatype: String,
    pub compression: Compression,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<usize>,
    pub graph_max_degree: usize,
    pub construction_window_size: usize,
    pub search_window_size: usize,
    /// `estimate_memory_savings(compression, dims, reduce)`, percent.
    pub estimated_memory_savings_pct: f64,
}

/// RedisVL's rule for `dims` and its `priority` string (see the module doc).
pub fn redisvl_rule(dims: usize, priority: &str) -> Result<RedisVlAdvice, DecideError> {
    if dims == 0 {
        return Err(DecideError::ZeroDims { dims });
    }
    let branch = match priority {
        "memory" => "memory",
        "speed" => "speed",
        _ => "balanced",
    };
    let high = dims >= REDISVL_HIGH_DIM_THRESHOLD;
    let (compression, reduce, degree, window, w) = match (high, branch) {
        (true, "memory") => (Compression::LeanVec4x8, Some(dims / 2), 64, 300, 20),
        (true, "speed") => (
            Compression::LeanVec4x8,
            Some((dims / 4).max(256)),
            64,
            300,
            40,
        ),
        (true, _) => (Compression::LeanVec4x8, Some(dims / 2), 64, 300, 30),
        (false, "memory") => (Compression::Lvq4, None, 40, 250, 20),
        (false, "speed") => (Compression::Lvq4x8, None, 40, 250, 20),
        (false, _) => (Compression::Lvq4x4, None, 40, 250, 20),
    };
    Ok(RedisVlAdvice {
        dims,
        priority: priority.to_string(),
        branch: branch.to_string(),
        datatype: if high { "float16" } else { "float32" }.to_string(),
        compression,
        reduce,
        graph_max_degree: degree,
        construction_window_size: window,
        search_window_size: w,
        estimated_memory_savings_pct: redisvl_estimate_memory_savings(
            Some(compression),
            dims,
            reduce,
        ),
    })
}

/// RedisVL's `estimate_memory_savings`: percent saved on the vector codes against FLOAT32.
pub fn redisvl_estimate_memory_savings(
    compression: Option<Compression>,
    dims: usize,
    reduce: Option<usize>,
) -> f64 {
    let bits = match compression {
        Some(Compression::Lvq4) => 4.0,
        Some(Compression::Lvq4x4) | Some(Compression::Lvq8) => 8.0,
        Some(Compression::Lvq4x8) | Some(Compression::LeanVec4x8) => 12.0,
        Some(Compression::LeanVec8x8) => 16.0,
        Some(Compression::GlobalSq8) | None => 32.0,
    };
    let effective = reduce.filter(|&r| r > 0).unwrap_or(dims) as f64;
    let original = dims as f64 * 32.0;
    let pct = (1.0 - effective * bits / original) * 100.0;
    (pct * 10.0).round_ties_even() / 10.0
}

/// Recall and speed at one search window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowPoint {
    pub search_window_size: usize,
    pub point: usize,
    pub recall: f64,
    pub qps: f64,
}

/// What a generic target (Redis Open Source, non-Intel CPU) stores for a compressed row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenericFallback {
    /// Always `GlobalSQ8` for a compressed request.
    pub stores: String,
    pub bytes_per_vector: u64,
    /// Memory at the production count of the same config built on a generic target.
    pub total_bytes: u64,
    /// A measured run of the same config on the generic target, when the report has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_run: Option<usize>,
}

/// One SVS-VAMANA run as the advisor sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvisorRow {
    pub run: usize,
    /// COMPRESSION as asked (`NONE` when uncompressed).
    pub requested: String,
    /// What the run really stored (FT.INFO's name: `NO_COMPRESSION`, `GlobalSQ8`, `LVQ8`, …).
    pub effective: String,
    pub target: Target,
    pub graph_max_degree: usize,
    /// Code bytes per vector of the effective codec.
    pub code_bytes_per_vector: u64,
    /// Graph record bytes per vector (4·(R+1)).
    pub graph_bytes_per_vector: u64,
    /// [`super::MemoryAtCount::total`] at the production count.
    pub total_bytes: u64,
    /// [`super::MemoryAtCount::redis_index_bytes`] at the production count.
    pub index_bytes: u64,
    pub build_seconds: f64,
    /// Every measured window.
    pub windows: Vec<WindowPoint>,
    /// The point at the matched window ([`AdvisorReport::matched_window`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_matched: Option<WindowPoint>,
    /// Saving of `total_bytes` against the advisor's baseline, as a fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_total_saving: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generic_fallback: Option<GenericFallback>,
}

/// A recommendation for one priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub priority: Priority,
    /// Index into [`AdvisorReport::rows`] (`None`: no row qualifies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub reason: String,
    /// RedisVL's answer for the same dims and priority.
    pub redisvl: RedisVlAdvice,
    /// The measured row with RedisVL's compression, when one was built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redisvl_row: Option<usize>,
}

/// The advisor's inputs besides the report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdviseOptions {
    pub doc_count: u64,
    /// Where the index will run: on `Generic` every compressed row is judged by what the
    /// generic target stores.
    pub target: Target,
    pub recall_floor: f64,
}

/// The measured compression comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvisorReport {
    pub options: AdviseOptions,
    pub rows: Vec<AdvisorRow>,
    /// The largest SEARCH_WINDOW_SIZE every row measured (recall is compared there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_window: Option<usize>,
    /// What `measured_total_saving` is relative to (`HNSW run N` or `uncompressed SVS run N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saving_baseline: Option<String>,
    pub recommendations: Vec<Recommendation>,
    pub notes: Vec<String>,
}

/// [`advise_with`] with the default recall floor.
pub fn advise(report: &CompareReport, doc_count: u64, target: Target) -> AdvisorReport {
    advise_with(
        report,
        &AdviseOptions {
            doc_count,
            target,
            recall_floor: DEFAULT_ADVISOR_RECALL_FLOOR,
        },
    )
}

fn window_of(p: &crate::report::SearchPoint) -> Option<usize> {
    p.runtime
        .get("search_window_size")
        .and_then(Value::as_u64)
        .map(|w| w as usize)
}

/// The measured advisor (see the module doc).
pub fn advise_with(report: &CompareReport, options: &AdviseOptions) -> AdvisorReport {
    let dim = report.dataset.dim;
    let mut notes = Vec::new();
    let svs: Vec<(usize, &RunReport)> = report
        .runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.algorithm == Algorithm::SvsVamana)
        .collect();
    let mut rows: Vec<AdvisorRow> = svs
        .iter()
        .map(|&(i, run)| row(report, i, run, options))
        .collect();
    // The matched window: the largest one every row measured.
    let matched_window = rows
        .first()
        .map(|r| {
            r.windows
                .iter()
                .map(|w| w.search_window_size)
                .collect::<Vec<_>>()
        })
        .and_then(|first| {
            first
                .into_iter()
                .filter(|w| {
                    rows.iter()
                        .all(|r| r.windows.iter().any(|p| p.search_window_size == *w))
                })
                .max()
        });
    if matched_window.is_none() && !rows.is_empty() {
        notes.push(
            "no SEARCH_WINDOW_SIZE was measured by every SVS run: recall cannot be compared at a matched window; sweep the same search_window_size list on every run".to_string(),
        );
    }
    for r in &mut rows {
        r.at_matched = matched_window.and_then(|w| {
            r.windows
                .iter()
                .find(|p| p.search_window_size == w)
                .copied()
        });
    }
    // Saving baseline: the first HNSW run (the index a migration replaces), else the first
    // uncompressed SVS run.
    let baseline = report
        .runs
        .iter()
        .enumerate()
        .find(|(_, r)| r.algorithm == Algorithm::Hnsw)
        .map(|(i, r)| {
            (
                format!("HNSW run {i}"),
                memory_at(r, &report.dataset, options.doc_count).total,
            )
        })
        .or_else(|| {
            rows.iter()
                .find(|r| r.requested == "NONE")
                .map(|r| (format!("uncompressed SVS run {}", r.run), r.total_bytes))
        });
    if let Some((_, base)) = &baseline {
        for r in &mut rows {
            r.measured_total_saving =
                (*base > 0).then(|| 1.0 - r.total_bytes as f64 / *base as f64);
        }
    }
    if options.target == Target::Generic {
        notes.push("generic target: every compressed row is judged by what Redis Open Source or a non-Intel CPU stores (GlobalSQ8); LVQ/LeanVec figures measured on an Intel target do not apply there".to_string());
    }
    let recommendations = Priority::ALL
        .iter()
        .map(|&priority| recommend(&rows, priority, options, dim))
        .collect();
    AdvisorReport {
        options: *options,
        rows,
        matched_window,
        saving_baseline: baseline.map(|b| b.0),
        recommendations,
        notes,
    }
}

fn row(report: &CompareReport, i: usize, run: &RunReport, options: &AdviseOptions) -> AdvisorRow {
    let dim = report.dataset.dim;
    let params = svs_params(&run.params);
    let requested = params
        .and_then(|p| p.compression)
        .map_or("NONE".to_string(), |c| c.redis_name().to_string());
    let codec = params.map(|p| effective_codec(&p, dim, run.target));
    let effective = run
        .effective
        .as_ref()
        .and_then(|e| e.compression.clone())
        .or_else(|| codec.map(|c| c.redis_name().to_string()))
        .unwrap_or_else(|| "unknown".to_string());
    let m = memory_at(run, &report.dataset, options.doc_count);
    let windows = run
        .search
        .iter()
        .enumerate()
        .filter(|(_, p)| is_candidate(p))
        .filter_map(|(j, p)| {
            window_of(p).map(|w| WindowPoint {
                search_window_size: w,
                point: j,
                recall: p.recall_at_k,
                qps: p.qps,
            })
        })
        .collect();
    let generic_fallback = params.filter(|p| p.compression.is_some()).map(|p| {
        let generic = memory_at(
            &RunReport {
                target: Target::Generic,
                ..run.clone()
            },
            &report.dataset,
            options.doc_count,
        );
        let measured_run = report.runs.iter().position(|other| {
            other.algorithm == Algorithm::SvsVamana
                && other.target == Target::Generic
                && svs_params(&other.params).is_some_and(|q| {
                    q.compression == p.compression
                        && q.graph_max_degree == p.graph_max_degree
                        && q.construction_window_size == p.construction_window_size
                })
        });
        GenericFallback {
            stores: Compression::GlobalSq8.redis_name().to_string(),
            bytes_per_vector: bytes_per_vector(CodecKind::GlobalSq8, dim) as u64,
            total_bytes: generic.total,
            measured_run,
        }
    });
    AdvisorRow {
        run: i,
        requested,
        effective,
        target: run.target,
        graph_max_degree: params.map_or(0, |p| p.graph_max_degree),
        code_bytes_per_vector: codec.map_or(0, |c| bytes_per_vector(c, dim) as u64),
        graph_bytes_per_vector: params.map_or(0, |p| graph_bytes_per_vector(p.graph_max_degree)),
        total_bytes: m.total,
        index_bytes: m.redis_index_bytes(),
        build_seconds: run.build_seconds,
        windows,
        at_matched: None,
        measured_total_saving: None,
        generic_fallback,
    }
}

fn recommend(
    rows: &[AdvisorRow],
    priority: Priority,
    options: &AdviseOptions,
    dim: usize,
) -> Recommendation {
    // `dim` is positive for any measured report; fall back to 1 so the rule never errors.
    let redisvl =
        redisvl_rule(dim.max(1), priority.redisvl_name()).unwrap_or_else(|_| RedisVlAdvice {
            dims: dim,
            priority: priority.redisvl_name().to_string(),
            branch: "balanced".to_string(),
            datatype: "float32".to_string(),
            compression: Compression::Lvq4x4,
            reduce: None,
            graph_max_degree: 40,
            construction_window_size: 250,
            search_window_size: 20,
            estimated_memory_savings_pct: 0.0,
        });
    let redisvl_row = rows
        .iter()
        .position(|r| r.requested == redisvl.compression.redis_name());
    // On a generic deployment, Intel-only codecs are not what would run: judge those rows by
    // a measured generic run of the same config if any, else leave them out.
    let usable = |r: &AdvisorRow| {
        options.target == Target::Intel || r.target == Target::Generic || r.requested == "NONE"
    };
    let qualifying: Vec<(usize, &AdvisorRow, WindowPoint)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| usable(r))
        .filter_map(|(i, r)| r.at_matched.map(|p| (i, r, p)))
        .filter(|(_, _, p)| p.recall >= options.recall_floor)
        .collect();
    let floor = options.recall_floor;
    let (row, reason) = if qualifying.is_empty() {
        (
            None,
            format!("no SVS run reaches recall {floor:.2} at the matched search window; measure larger windows or lower the floor"),
        )
    } else {
        let fastest = qualifying
            .iter()
            .map(|q| q.2.qps)
            .fold(f64::NEG_INFINITY, f64::max);
        let pick = match priority {
            Priority::Memory => qualifying
                .iter()
                .min_by(|a, b| a.1.total_bytes.cmp(&b.1.total_bytes).then(a.0.cmp(&b.0))),
            Priority::Performance => qualifying
                .iter()
                .max_by(|a, b| a.2.qps.total_cmp(&b.2.qps).then(b.0.cmp(&a.0))),
            Priority::Balanced => qualifying
                .iter()
                .filter(|q| q.2.qps >= BALANCED_QPS_FRACTION * fastest)
                .min_by(|a, b| a.1.total_bytes.cmp(&b.1.total_bytes).then(a.0.cmp(&b.0))),
        };
        match pick {
            Some((i, r, p)) => {
                let why = match priority {
                    Priority::Memory => "the least memory",
                    Priority::Performance => "the highest QPS",
                    Priority::Balanced => {
                        "the least memory among runs within 80 % of the fastest QPS"
                    }
                };
                (
                    Some(*i),
                    format!(
                        "{} (run {}, graph degree {}): {why} of the {} runs reaching recall {floor:.2} at W {}: recall {:.4}, {:.0} QPS, {} bytes at {} documents",
                        r.effective, r.run, r.graph_max_degree, qualifying.len(), p.search_window_size, p.recall, p.qps, r.total_bytes, options.doc_count
                    ),
                )
            }
            None => (None, "no run qualifies".to_string()),
        }
    };
    Recommendation {
        priority,
        row,
        reason,
        redisvl,
        redisvl_row,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::test_support::{point, report, svs_run};

    #[test]
    fn measured_recommendations_follow_the_rules() {
        let r = report(vec![
            svs_run(
                None,
                32,
                vec![
                    point(("search_window_size", 10), 0.90, 4000.0, 0.0),
                    point(("search_window_size", 50), 0.99, 2000.0, 0.0),
                ],
            ),
            svs_run(
                Some("LVQ8"),
                32,
                vec![
                    point(("search_window_size", 10), 0.88, 6000.0, 0.0),
                    point(("search_window_size", 50), 0.97, 3000.0, 0.0),
                ],
            ),
            svs_run(
                Some("LVQ4"),
                32,
                vec![point(("search_window_size", 50), 0.85, 3500.0, 0.0)],
            ),
        ]);
        let a = advise(&r, 1_000_000, Target::Intel);
        assert_eq!(a.matched_window, Some(50));
        assert_eq!(a.rows.len(), 3);
        assert_eq!(
            a.rows[1].code_bytes_per_vector,
            bytes_per_vector(CodecKind::Lvq8, 128) as u64
        );
        assert_eq!(a.saving_baseline.as_deref(), Some("uncompressed SVS run 0"));
        assert!(a.rows[1].measured_total_saving.unwrap() > 0.0);
        let gf = a.rows[1].generic_fallback.as_ref().unwrap();
        assert_eq!(gf.stores, "GlobalSQ8");
        // LVQ4 misses the 0.9 floor; LVQ8 is smaller and faster than uncompressed.
        let rec: Vec<Option<usize>> = a.recommendations.iter().map(|r| r.row).collect();
        assert_eq!(rec, vec![Some(1), Some(1), Some(1)]);
        assert_eq!(a.recommendations[0].redisvl.compression, Compression::Lvq4);
        assert_eq!(a.recommendations[0].redisvl_row, Some(2));
        // On a generic deployment the Intel LVQ rows are not what would run.
        let g = advise(&r, 1_000_000, Target::Generic);
        assert_eq!(g.recommendations[0].row, Some(0));
    }
}
