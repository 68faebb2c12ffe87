//! Memory now and projected to production, from the measured report.
//!
//! The Redis figures at N documents are the core's memory model evaluated at N (HNSW with the
//! run's M and type, SVS with the chosen config and target), so block rounding and fixed parts
//! follow N rather than the measured sample; the per-vector figure is that model / N. When a
//! run lacks its shape (an HNSW report without `m`), bytes(N) = N × measured model / measured n.
//! Growth: N(h) = N_now × (1 + g)^h for g per month over h months.

use annlab_core::svs::{memory as svs_memory, params};
use annlab_core::ElementType;
use annlab_protocol::report::RunReport;

use crate::error::ExportError;
use crate::input::PlanInput;

/// Bytes per vector and totals for one index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexMemory {
    /// annlab's own structures, measured exactly (`index_bytes / n`).
    pub annlab_per_vector: f64,
    /// The documented model of Redis's `vector_index_sz_mb` (`redis_index_bytes_estimate / n`).
    pub redis_per_vector: f64,
    /// Redis model at today's document count.
    pub redis_now: u64,
    /// Redis model at the horizon.
    pub redis_horizon: u64,
}

/// The memory section of the plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub measured_n: usize,
    pub n_now: u64,
    pub n_horizon: u64,
    pub hnsw: IndexMemory,
    pub svs: IndexMemory,
    /// Raw vector blob per document today (DIM × sizeof(TYPE)).
    pub blob_per_vector: u64,
    /// The re-encoded blob per document, when re-encoding.
    pub new_blob_per_vector: Option<u64>,
    pub docs_now: u64,
    pub docs_horizon: u64,
    pub new_docs_now: u64,
    /// [`MigrationPeak::total`] of [`Projection::peak`]: what Redis holds while both indexes
    /// exist, at today's document count.
    pub peak_now: u64,
    /// Full-precision vectors the SVS frontend holds before the graph is built.
    pub frontend_bytes: u64,
}

/// The migration peak: what exists in Redis at the moment both indexes are live, i.e. when
/// the SVS index has been built next to HNSW and the alias has not yet moved (the last moment
/// before HNSW can be dropped). It is
/// - the HNSW index and the SVS index (each its `vector_index_sz_mb` model),
/// - the documents, counted once: both indexes read the same keys, and
/// - the re-encoded copies the SVS index reads when the vector TYPE changes on HASH
///   documents (0 otherwise).
///
/// Not counted: the SVS flat buffer of full-precision vectors, which exists only while the
/// SVS index fills up to its training threshold (PLAN.md states it separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MigrationPeak {
    pub hnsw_index: u64,
    pub svs_index: u64,
    pub documents: u64,
    pub new_documents: u64,
}

impl MigrationPeak {
    pub fn total(&self) -> u64 {
        self.hnsw_index + self.svs_index + self.documents + self.new_documents
    }
}

/// The memory section of the plan for `input`, exactly as PLAN.md prints it (the app's
/// memory chart reads the same).
pub fn plan_memory(input: &PlanInput) -> Result<Projection, ExportError> {
    crate::model::Resolved::new(input).map(|r| r.memory)
}

fn scale(per_vector: f64, n: u64) -> u64 {
    (per_vector * n as f64).round() as u64
}

/// The Redis model at `n` documents, or `None` when the run does not carry its shape.
type RedisModel<'a> = &'a dyn Fn(u64) -> Option<u64>;

fn index_memory(
    run: &RunReport,
    measured_n: usize,
    (n_now, n_horizon): (u64, u64),
    model: RedisModel,
) -> IndexMemory {
    let n = measured_n.max(1) as f64;
    let annlab_per_vector = run.memory.index_bytes as f64 / n;
    let measured_per_vector = run.memory.redis_index_bytes_estimate as f64 / n;
    let at = |docs: u64| model(docs).unwrap_or_else(|| scale(measured_per_vector, docs));
    let redis_now = at(n_now);
    IndexMemory {
        annlab_per_vector,
        redis_per_vector: if n_now > 0 {
            redis_now as f64 / n_now as f64
        } else {
            measured_per_vector
        },
        redis_now,
        redis_horizon: at(n_horizon),
    }
}

/// The HNSW model at `docs` vectors with the run's M and type.
fn hnsw_model(run: &RunReport, dim: usize, fallback: ElementType, docs: u64) -> Option<u64> {
    let m = run.params.get("m")?.as_u64()?;
    let element_type = run
        .params
        .get("type")
        .and_then(|t| t.as_str())
        .and_then(|t| t.parse().ok())
        .unwrap_or(fallback);
    Some(annlab_core::hnsw::redis_index_bytes_estimate(
        docs,
        dim as u64,
        element_type,
        m,
    ))
}

impl Projection {
    pub fn new(input: &PlanInput, hnsw: &RunReport, svs: &RunReport, reencode: bool) -> Self {
        let p = &input.production;
        let measured_n = input.report.dataset.n;
        let n_now = p.document_count;
        let factor = (1.0 + p.monthly_growth).powi(p.growth_horizon_months as i32);
        let n_horizon = (n_now as f64 * factor).round() as u64;
        let sizes = (n_now, n_horizon);
        let hnsw = index_memory(hnsw, measured_n, sizes, &|docs| {
            hnsw_model(hnsw, p.dim, p.vector_type, docs)
        });
        let svs_mem = index_memory(svs, measured_n, sizes, &|docs| {
            let docs = usize::try_from(docs).ok()?;
            Some(svs_memory::redis_index_bytes_estimate(
                docs,
                p.dim,
                &input.svs,
                input.target,
            ))
        });
        let blob_per_vector = (p.dim * p.vector_type.size_bytes()) as u64;
        let new_blob_per_vector =
            reencode.then(|| (p.dim * input.svs.element_type.size_bytes()) as u64);
        let docs_now = blob_per_vector * n_now;
        let docs_horizon = match new_blob_per_vector {
            // After the migration only the new copies are needed.
            Some(b) => b * n_horizon,
            None => blob_per_vector * n_horizon,
        };
        let new_docs_now = new_blob_per_vector.map_or(0, |b| b * n_now);
        // Compressed: TRAINING_THRESHOLD (clamped like VecSim); uncompressed: one 1,024 batch.
        let threshold = match input.svs.compression {
            Some(_) => input
                .svs
                .training_threshold
                .unwrap_or(params::DEFAULT_TRAINING_THRESHOLD)
                .min(params::MAX_TRAINING_THRESHOLD),
            None => params::MIN_TRAINING_THRESHOLD,
        } as u64;
        let frontend_bytes =
            svs_memory::flat_buffer_bytes(threshold.min(n_now), p.dim, input.svs.element_type);
        let peak = MigrationPeak {
            hnsw_index: hnsw.redis_now,
            svs_index: svs_mem.redis_now,
            documents: docs_now,
            new_documents: new_docs_now,
        };
        Self {
            measured_n,
            n_now,
            n_horizon,
            hnsw,
            svs: svs_mem,
            blob_per_vector,
            new_blob_per_vector,
            docs_now,
            docs_horizon,
            new_docs_now,
            peak_now: peak.total(),
            frontend_bytes,
        }
    }

    /// The parts of [`Projection::peak_now`].
    pub fn peak(&self) -> MigrationPeak {
        MigrationPeak {
            hnsw_index: self.hnsw.redis_now,
            svs_index: self.svs.redis_now,
            documents: self.docs_now,
            new_documents: self.new_docs_now,
        }
    }

    /// The HNSW index and the documents it reads, today.
    pub fn hnsw_total_now(&self) -> u64 {
        self.hnsw.redis_now + self.docs_now
    }

    /// The SVS index and the documents it reads (the re-encoded copies when re-encoding), today.
    pub fn svs_total_now(&self) -> u64 {
        self.svs.redis_now
            + if self.new_blob_per_vector.is_some() {
                self.new_docs_now
            } else {
                self.docs_now
            }
    }

    /// Extra memory the migration needs on top of what the server holds today.
    pub fn extra_now(&self) -> u64 {
        self.svs.redis_now + self.new_docs_now
    }
}

/// `1.5 GiB`, `320.0 MiB`, `12.0 KiB`, `900 B`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("TiB", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("GiB", 1024.0 * 1024.0 * 1024.0),
        ("MiB", 1024.0 * 1024.0),
        ("KiB", 1024.0),
    ];
    for (unit, size) in UNITS {
        if b as f64 >= size {
            return format!("{:.1} {unit}", b as f64 / size);
        }
    }
    format!("{b} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(900), "900 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
