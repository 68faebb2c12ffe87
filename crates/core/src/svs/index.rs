//! An SVS-VAMANA index as Redis would build it: codec by target, trained on the first
//! TRAINING_THRESHOLD vectors, Vamana graph over the codes, Redis search semantics.

use crate::control::BuildControl;
use crate::distance;
use crate::error::CoreError;
use crate::matrix::Matrix;
use crate::memory::MemoryBreakdown;
use crate::metric::Metric;
use crate::neighbor::Neighbor;
use crate::quant::{train_codec_store, CodecStore, QuantError};
use crate::vamana::{build_vamana, BuildConfig, VamanaError, VamanaGraph, VamanaSearcher};
use crate::with_codec_store;

use super::params::{SvsParams, SvsRuntime, Target};
use super::target::{effective_config, EffectiveSvs};
use super::validate::{resolve_runtime, validate_params_for_annlab, SvsParamError};

/// Why building or searching an SVS index failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SvsError {
    #[error(transparent)]
    Param(#[from] SvsParamError),
    #[error(transparent)]
    Quant(#[from] QuantError),
    #[error(transparent)]
    Graph(#[from] VamanaError),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("a graph of {nodes} nodes does not fit a store of {rows} rows")]
    GraphMismatch { nodes: usize, rows: usize },
}

impl SvsError {
    /// Whether the build was stopped by its [`BuildControl`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, SvsError::Graph(VamanaError::Cancelled))
            || matches!(self, SvsError::Quant(QuantError::Cancelled(_)))
            || matches!(self, SvsError::Core(CoreError::Cancelled(_)))
    }
}

/// A validated configuration with its trained store, ready for the graph build
/// ([`SvsIndex::prepare`]).
#[derive(Debug, Clone)]
pub struct SvsPrepared {
    pub store: CodecStore,
    pub config: BuildConfig,
    params: SvsParams,
    target: Target,
    effective: EffectiveSvs,
}

/// A built SVS-VAMANA index.
#[derive(Debug, Clone)]
pub struct SvsIndex {
    store: CodecStore,
    graph: VamanaGraph,
    params: SvsParams,
    target: Target,
    effective: EffectiveSvs,
}

impl SvsIndex {
    /// Validates `params` (FT.CREATE rules; GlobalSQ8 allowed), trains the effective codec on
    /// the first rows, and builds the graph with Redis's fixed build settings
    /// ([`BuildConfig::redis`]). `data` is raw (normalised inside for COSINE).
    pub fn build(
        data: &Matrix,
        metric: Metric,
        params: &SvsParams,
        target: Target,
        control: &mut dyn BuildControl,
    ) -> Result<Self, SvsError> {
        let prepared = Self::prepare(data, metric, params, target, control)?;
        let config = prepared.config;
        let graph = with_codec_store!(&prepared.store, s => build_vamana(s, config, control))?;
        Self::from_prepared(prepared, graph)
    }

    /// Everything [`build`](Self::build) does before the graph: validation and the trained
    /// store. Deterministic, so a helper worker given the same data prepares the same store.
    pub fn prepare(
        data: &Matrix,
        metric: Metric,
        params: &SvsParams,
        target: Target,
        control: &mut dyn BuildControl,
    ) -> Result<SvsPrepared, SvsError> {
        validate_params_for_annlab(params, data.dim())?;
        if data.is_empty() {
            return Err(CoreError::Empty.into());
        }
        let effective = effective_config(params, data.rows(), data.dim(), target);
        let store = train_codec_store(
            effective.codec,
            data,
            metric,
            effective.training_rows.max(1),
            params.seed,
            control,
        )?;
        let config = BuildConfig {
            insertion: super::target::vamana_insertion(params),
            ..BuildConfig::redis(
                params.graph_max_degree,
                params.construction_window_size,
                metric,
            )
        };
        Ok(SvsPrepared {
            store,
            config,
            params: *params,
            target,
            effective,
        })
    }

    /// The index from a prepared store and the graph built over it.
    pub fn from_prepared(prepared: SvsPrepared, graph: VamanaGraph) -> Result<Self, SvsError> {
        let SvsPrepared {
            store,
            config,
            params,
            target,
            effective,
        } = prepared;
        if graph.len() != store.len() || graph.max_degree() != config.graph_max_degree {
            return Err(SvsError::GraphMismatch {
                nodes: graph.len(),
                rows: store.len(),
            });
        }
        Ok(Self {
            store,
            graph,
            params,
            target,
            effective,
        })
    }

    pub fn len(&self) -> usize {
        self.graph.len()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.is_empty()
    }

    pub fn dim(&self) -> usize {
        self.store.dim()
    }

    pub fn metric(&self) -> Metric {
        self.store.metric()
    }

    pub fn params(&self) -> &SvsParams {
        &self.params
    }

    pub fn target(&self) -> Target {
        self.target
    }

    pub fn effective(&self) -> &EffectiveSvs {
        &self.effective
    }

    pub fn graph(&self) -> &VamanaGraph {
        &self.graph
    }

    pub fn store(&self) -> &CodecStore {
        &self.store
    }

    pub fn is_two_level(&self) -> bool {
        self.store.is_two_level()
    }

    fn prepare_query(&self, query: &[f32]) -> Result<Vec<f32>, CoreError> {
        if query.len() != self.dim() {
            return Err(CoreError::DimensionMismatch {
                expected: self.dim(),
                got: query.len(),
            });
        }
        if let Some(col) = query.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::NonFinite { row: 0, col });
        }
        let mut q = query.to_vec();
        if self.metric().normalizes() && !distance::normalize(&mut q) {
            return Err(CoreError::ZeroVectorUnderCosine { row: 0 });
        }
        Ok(q)
    }

    /// KNN query with Redis runtime semantics (see [`resolve_runtime`]): `query` is raw
    /// (normalised here for COSINE); hits are best first with Redis distances (L2 squared,
    /// 1 − dot for IP/COSINE). Also returns the number of distances computed.
    pub fn search(
        &self,
        searcher: &mut VamanaSearcher,
        query: &[f32],
        k: usize,
        runtime: &SvsRuntime,
    ) -> Result<(Vec<Neighbor>, usize), SvsError> {
        if k == 0 {
            return Err(CoreError::ZeroK.into());
        }
        let params = resolve_runtime(runtime, self.params.search_window_size, self.is_two_level())?;
        let q = self.prepare_query(query)?;
        Ok(with_codec_store!(&self.store, s => searcher.search(&self.graph, s, &q, k, &params)))
    }

    /// Range query (`VECTOR_RANGE radius`) with `epsilon` (the index EPSILON when `None`).
    pub fn range_search(
        &self,
        searcher: &mut VamanaSearcher,
        query: &[f32],
        radius: f32,
        epsilon: Option<f64>,
        runtime: &SvsRuntime,
    ) -> Result<(Vec<Neighbor>, usize), SvsError> {
        let params = resolve_runtime(runtime, self.params.search_window_size, self.is_two_level())?;
        let q = self.prepare_query(query)?;
        let eps = epsilon.unwrap_or(self.params.epsilon);
        Ok(with_codec_store!(&self.store, s => {
            searcher.range_search(&self.graph, s, &q, radius, eps, &params)
        }))
    }

    /// Our own exact bytes: codes, graph records (4·(R+1) per node, which is also the Redis
    /// layout) and the codec state. annlab keeps no id maps (ids are row numbers); the Redis
    /// estimate adds them ([`super::memory`]).
    pub fn memory(&self) -> MemoryBreakdown {
        MemoryBreakdown {
            vector_bytes: self.store.vector_bytes(),
            graph_bytes: self.graph.bytes(),
            other_bytes: self.store.codec_bytes(),
        }
    }
}
