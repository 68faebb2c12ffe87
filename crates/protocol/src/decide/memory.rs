//! Memory of one run at the production document count: the one formula behind the memory
//! axis, the memory budget, the advisor's totals and the go/no-go savings.
//!
//! ```text
//! index_bytes        the core's Redis model of vector_index_sz_mb at N, without the flat buffer
//!                    HNSW: annlab_core::hnsw::redis_index_bytes_estimate(N, dim, TYPE, M)
//!                    SVS:  annlab_core::svs::memory::redis_memory_estimate(N, dim, params, target)
//!                    FLAT: annlab_core::flat::redis_flat_memory_estimate(N, dim, TYPE)
//! flat_buffer_bytes  SVS compressed with N < TRAINING_THRESHOLD: the full-precision flat buffer
//!                    Redis still answers from (the same model's flat_buffer_bytes); else 0
//! document_bytes     N · dim · sizeof(TYPE): the vector blobs in the HASH documents
//! total              index_bytes + flat_buffer_bytes + document_bytes
//! ```
//! `index_bytes + flat_buffer_bytes` is what FT.INFO's `vector_index_sz_mb` would report
//! ([`MemoryAtCount::redis_index_bytes`]). The run's build parameters are read back from its
//! `params` map with the same spec parsers `annlab compare` uses. A run whose map lacks its
//! shape (a hand-written report) is scaled from its measured per-vector figures, and
//! [`MemoryAtCount::model`] says so. The export's projection evaluates the same core models.

use annlab_core::svs::memory::{document_bytes as svs_document_bytes, redis_memory_estimate};
use annlab_core::svs::SvsParams;
use annlab_core::ElementType;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::report::{Algorithm, DatasetInfo, RunReport};
use crate::runner::svs::parse_svs_spec;

/// How [`MemoryAtCount`] was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryModel {
    /// The core's Redis model evaluated at the document count.
    RedisModel,
    /// The run's measured per-vector figures × the document count (its params lack a shape).
    ScaledFromMeasured,
}

/// The Redis memory of one run at `doc_count` documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryAtCount {
    pub doc_count: u64,
    pub index_bytes: u64,
    pub flat_buffer_bytes: u64,
    pub document_bytes: u64,
    pub total: u64,
    pub model: MemoryModel,
}

impl MemoryAtCount {
    /// What `vector_index_sz_mb` would report: the index and its flat buffer.
    pub fn redis_index_bytes(&self) -> u64 {
        self.index_bytes + self.flat_buffer_bytes
    }
}

/// The Redis memory model of `run` at `doc_count` documents of `dataset`'s dimension.
pub fn memory_at(run: &RunReport, dataset: &DatasetInfo, doc_count: u64) -> MemoryAtCount {
    let dim = dataset.dim;
    let modelled = match run.algorithm {
        Algorithm::Hnsw => hnsw_at(&run.params, dim, doc_count),
        Algorithm::SvsVamana => svs_params(&run.params).and_then(|p| {
            let n = usize::try_from(doc_count).ok()?;
            let est = redis_memory_estimate(n, dim, &p, run.target);
            Some((
                est.total() - est.flat_buffer_bytes,
                est.flat_buffer_bytes,
                svs_document_bytes(n, dim, p.element_type),
            ))
        }),
        Algorithm::Flat => element_type(&run.params).map(|t| {
            let index = annlab_core::flat::redis_flat_memory_estimate(doc_count, dim, t);
            (
                index.index_bytes(),
                0,
                annlab_core::hnsw::document_bytes(doc_count, dim as u64, t),
            )
        }),
    };
    let (index_bytes, flat_buffer_bytes, document_bytes, model) = match modelled {
        Some((i, f, d)) => (i, f, d, MemoryModel::RedisModel),
        None => {
            let n = dataset.n.max(1) as f64;
            let scale = |b: u64| (b as f64 / n * doc_count as f64).round() as u64;
            (
                scale(run.memory.redis_index_bytes_estimate),
                0,
                scale(run.memory.document_bytes),
                MemoryModel::ScaledFromMeasured,
            )
        }
    };
    MemoryAtCount {
        doc_count,
        index_bytes,
        flat_buffer_bytes,
        document_bytes,
        total: index_bytes + flat_buffer_bytes + document_bytes,
        model,
    }
}

fn element_type(params: &Map<String, Value>) -> Option<ElementType> {
    match params.get("type") {
        None => Some(ElementType::Float32),
        Some(v) => v.as_str()?.parse().ok(),
    }
}

fn hnsw_at(params: &Map<String, Value>, dim: usize, n: u64) -> Option<(u64, u64, u64)> {
    let m = params.get("m")?.as_u64()?;
    let t = element_type(params)?;
    Some((
        annlab_core::hnsw::redis_index_bytes_estimate(n, dim as u64, t, m),
        0,
        annlab_core::hnsw::document_bytes(n, dim as u64, t),
    ))
}

/// The SVS build parameters of a run, read back from its `params` map (as written by
/// `runner::svs::params_map`) with the spec parser. `None` when the map has no
/// `graph_max_degree` (not a run's shape) or does not parse.
pub fn svs_params(params: &Map<String, Value>) -> Option<SvsParams> {
    params.get("graph_max_degree")?;
    let spec: Vec<String> = params
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    parse_svs_spec(&spec.join(",")).ok().map(|(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::test_support::{hnsw_run, report, svs_run};
    use annlab_core::svs::{Compression, Target};

    #[test]
    fn hnsw_and_svs_use_the_core_models() {
        let r = report(vec![
            hnsw_run(16, vec![]),
            svs_run(Some("LVQ8"), 32, vec![]),
            svs_run(None, 32, vec![]),
        ]);
        let d = &r.dataset;
        let n = 1_000_000;
        let h = memory_at(&r.runs[0], d, n);
        assert_eq!(h.model, MemoryModel::RedisModel);
        assert_eq!(
            h.index_bytes,
            annlab_core::hnsw::redis_index_bytes_estimate(n, 128, ElementType::Float32, 16)
        );
        assert_eq!(h.document_bytes, n * 128 * 4);
        assert_eq!(h.total, h.index_bytes + h.document_bytes);
        let s = memory_at(&r.runs[1], d, n);
        let p = SvsParams {
            compression: Some(Compression::Lvq8),
            ..SvsParams::default()
        };
        assert_eq!(
            s.redis_index_bytes(),
            annlab_core::svs::memory::redis_index_bytes_estimate(
                n as usize,
                128,
                &p,
                Target::Intel
            )
        );
        assert_eq!(s.flat_buffer_bytes, 0);
        assert!(s.index_bytes < memory_at(&r.runs[2], d, n).index_bytes);
    }

    #[test]
    fn below_the_training_threshold_the_flat_buffer_is_counted() {
        let r = report(vec![svs_run(Some("LVQ8"), 32, vec![])]);
        let m = memory_at(&r.runs[0], &r.dataset, 5_000);
        assert!(m.flat_buffer_bytes > 5_000 * 128 * 4);
        assert_eq!(
            m.total,
            m.index_bytes + m.flat_buffer_bytes + m.document_bytes
        );
    }

    #[test]
    fn runs_without_a_shape_are_scaled() {
        let mut r = report(vec![hnsw_run(16, vec![])]);
        r.runs[0].params.remove("m");
        r.runs[0].memory.redis_index_bytes_estimate = 10_000 * 600;
        r.runs[0].memory.document_bytes = 10_000 * 512;
        let m = memory_at(&r.runs[0], &r.dataset, 20_000);
        assert_eq!(m.model, MemoryModel::ScaledFromMeasured);
        assert_eq!(
            (m.index_bytes, m.document_bytes),
            (20_000 * 600, 20_000 * 512)
        );
    }
}
