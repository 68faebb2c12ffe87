//! Vector codecs for SVS-VAMANA: FP32/FP16, GlobalSQ8, LVQ4/LVQ8, LVQ4x4/LVQ4x8 and
//! LeanVec4x8/LeanVec8x8 (spec §1.6, §3.3–§3.6), implemented from the published descriptions.
//!
//! [`train_codec_store`] preprocesses the raw rows exactly as Redis stores them (rejects
//! non-finite values; under COSINE normalises and rejects zero vectors; COSINE is then scored as
//! IP), trains the codec on the first `training_rows` rows (Redis trains on the first
//! TRAINING_THRESHOLD vectors, §1.5) and encodes every row. Each concrete store implements
//! [`VectorStore`]; its scorer prepares the query once (subtracts μ, projects, precomputes `q·μ`
//! and `Σq`) and then scores codes directly with the kernels in [`simd`] — nothing is decoded in
//! the hot loop. Graph code dispatches on [`CodecStore`] once with [`with_codec_store!`] and is
//! monomorphised per store.
//!
//! # Layouts (bytes per vector = [`bytes_per_vector`], spec §3.6)
//! `P_B(n) = (B = 4 ? 64·⌈n/128⌉ : n) + 5`.
//! - FP32 `4d`, FP16 `2d` ([`FullPrecisionStore`]).
//! - GlobalSQ8: `d` u8 codes; one global f32 min and step ([`sq8`]).
//! - LVQ-B one level: `[codes][scale f16][bias f16][selector u8 = 0]`, `P_B(d)` bytes. LVQ8
//!   codes are sequential; LVQ4 codes are 128-dimension blocks of 64 bytes where byte `j` holds
//!   dimension `j` (low nibble) and `64 + j` (high nibble) ([`lvq_codec`]).
//! - LVQ4xR: the LVQ4 record followed by the residual, `⌈R·d/8⌉` bytes sequential (R = 4: two
//!   dimensions per byte, even dimension in the low nibble).
//! - LeanVecBx8: `[LVQ-B of the d′-dim projection: P_B(d′)][LVQ8 of the d-dim vector: d + 5]`.
//!
//! Shared codec state (`codec_bytes`): SQ8 8 bytes; LVQ the f32 mean (4d); LeanVec the mean and
//! the f32 projection (4d + 4d′d).
//!
//! # Decisions on UNCERTAIN / unspecified points
//! - f16 constants use directed rounding (bias down, scale up) before the codes are computed, so
//!   no LVQ code is ever clamped and the error bound `scale/2` holds with the stored scale.
//! - Two-level residual: step `scale/2^R`, codes are the 2^R cell midpoints of
//!   `[−scale/2, scale/2]` (signed, centred); error ≤ `scale/2^(R+1)`.
//! - The LVQ centroid selector byte is always 0 (one global mean), as in Redis's open code.
//! - GlobalSQ8 clamps values outside the training range to code 0 or 255.
//! - LeanVec: REDUCE = 0 is an error; REDUCE ≥ DIM is clamped to DIM (the primary becomes a PCA
//!   rotation); the L2 primary distance adds the query's out-of-subspace energy (see [`leanvec`]).
//! - LVQ stores values relative to f16 constants: rows with |x − μ| beyond 65504 are rejected
//!   ([`QuantError::OutOfHalfRange`]).
//! - `seed` is accepted for API stability; every current codec is deterministic.
//! - BFLOAT16 is not an SVS type in Redis (rejected at validation); uncompressed it maps to FP32.

pub mod error;
pub mod leanvec;
pub mod lvq;
pub mod lvq_codec;
pub mod pca;
mod prep;
pub mod projection;
mod records;
pub mod simd;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd_wasm;
#[cfg(target_arch = "x86_64")]
mod simd_x86;
pub mod sq8;

use half::f16;

use crate::control::BuildControl;
use crate::element::ElementType;
use crate::matrix::Matrix;
use crate::metric::Metric;
use crate::store::{FullPrecisionStore, VectorStore};
use crate::svs::params::Compression;

pub use error::QuantError;
pub use leanvec::LeanVecStore;
pub use lvq::LvqStore;
pub use sq8::Sq8Store;

use lvq_codec::{primary_record_bytes, residual_bytes};

/// Which codec a store uses. LeanVec carries the requested REDUCE (d′).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodecKind {
    Float32,
    Float16,
    GlobalSq8,
    Lvq4,
    Lvq8,
    Lvq4x4,
    Lvq4x8,
    LeanVec4x8 { reduce: usize },
    LeanVec8x8 { reduce: usize },
}

impl CodecKind {
    /// The codec an SVS index with these attributes uses. Without compression the element type
    /// decides (FLOAT16 → FP16, anything else → FP32). LeanVec's `reduce` defaults to `dim / 2`
    /// (integer division, as Redis).
    pub fn from_compression(
        c: Option<Compression>,
        element_type: ElementType,
        dim: usize,
        reduce: Option<usize>,
    ) -> Self {
        let reduce = reduce.unwrap_or(dim / 2);
        match c {
            None => match element_type {
                ElementType::Float16 => CodecKind::Float16,
                ElementType::Float32 | ElementType::Bfloat16 => CodecKind::Float32,
            },
            Some(Compression::GlobalSq8) => CodecKind::GlobalSq8,
            Some(Compression::Lvq4) => CodecKind::Lvq4,
            Some(Compression::Lvq8) => CodecKind::Lvq8,
            Some(Compression::Lvq4x4) => CodecKind::Lvq4x4,
            Some(Compression::Lvq4x8) => CodecKind::Lvq4x8,
            Some(Compression::LeanVec4x8) => CodecKind::LeanVec4x8 { reduce },
            Some(Compression::LeanVec8x8) => CodecKind::LeanVec8x8 { reduce },
        }
    }

    /// The name FT.INFO reports: `NO_COMPRESSION` for FP32/FP16, otherwise the compression.
    pub fn redis_name(&self) -> &'static str {
        match self {
            CodecKind::Float32 | CodecKind::Float16 => "NO_COMPRESSION",
            CodecKind::GlobalSq8 => "GlobalSQ8",
            CodecKind::Lvq4 => "LVQ4",
            CodecKind::Lvq8 => "LVQ8",
            CodecKind::Lvq4x4 => "LVQ4x4",
            CodecKind::Lvq4x8 => "LVQ4x8",
            CodecKind::LeanVec4x8 { .. } => "LeanVec4x8",
            CodecKind::LeanVec8x8 { .. } => "LeanVec8x8",
        }
    }

    /// Whether `rerank_distance` uses a second level (residual or LeanVec secondary).
    pub fn is_two_level(&self) -> bool {
        matches!(
            self,
            CodecKind::Lvq4x4
                | CodecKind::Lvq4x8
                | CodecKind::LeanVec4x8 { .. }
                | CodecKind::LeanVec8x8 { .. }
        )
    }
}

/// Bytes per stored vector (data only), spec §3.6. LeanVec's d′ is REDUCE clamped to `dim`.
pub fn bytes_per_vector(kind: CodecKind, dim: usize) -> usize {
    match kind {
        CodecKind::Float32 => 4 * dim,
        CodecKind::Float16 => 2 * dim,
        CodecKind::GlobalSq8 => dim,
        CodecKind::Lvq4 => primary_record_bytes(4, dim),
        CodecKind::Lvq8 => primary_record_bytes(8, dim),
        CodecKind::Lvq4x4 => primary_record_bytes(4, dim) + residual_bytes(4, dim),
        CodecKind::Lvq4x8 => primary_record_bytes(4, dim) + residual_bytes(8, dim),
        CodecKind::LeanVec4x8 { reduce } => {
            primary_record_bytes(4, leanvec::effective_reduced_dim(reduce, dim))
                + primary_record_bytes(8, dim)
        }
        CodecKind::LeanVec8x8 { reduce } => {
            primary_record_bytes(8, leanvec::effective_reduced_dim(reduce, dim))
                + primary_record_bytes(8, dim)
        }
    }
}

/// A trained store of any codec. Dispatch once with [`with_codec_store!`] to get a concrete,
/// monomorphised [`VectorStore`].
#[derive(Debug, Clone)]
pub enum CodecStore {
    Float32(FullPrecisionStore<f32>),
    Float16(FullPrecisionStore<f16>),
    GlobalSq8(Sq8Store),
    Lvq(LvqStore),
    LeanVec(LeanVecStore),
}

/// Binds the concrete store inside a [`CodecStore`] (by reference) and evaluates `$body` for it:
/// `with_codec_store!(&store, s => search(s, query))`. `$body` is monomorphised per store type.
#[macro_export]
macro_rules! with_codec_store {
    ($store:expr, $s:ident => $body:expr) => {
        $crate::dispatch_variants!(
            $store,
            [
                $crate::quant::CodecStore::Float32,
                $crate::quant::CodecStore::Float16,
                $crate::quant::CodecStore::GlobalSq8,
                $crate::quant::CodecStore::Lvq,
                $crate::quant::CodecStore::LeanVec,
            ],
            $s => $body
        )
    };
}

impl CodecStore {
    /// The codec this store uses (LeanVec reports its effective d′).
    pub fn kind(&self) -> CodecKind {
        match self {
            CodecStore::Float32(_) => CodecKind::Float32,
            CodecStore::Float16(_) => CodecKind::Float16,
            CodecStore::GlobalSq8(_) => CodecKind::GlobalSq8,
            CodecStore::Lvq(s) => match (s.primary_bits(), s.residual_bits()) {
                (4, 0) => CodecKind::Lvq4,
                (4, 4) => CodecKind::Lvq4x4,
                (4, _) => CodecKind::Lvq4x8,
                _ => CodecKind::Lvq8,
            },
            CodecStore::LeanVec(s) => {
                let reduce = s.reduced_dim();
                if s.primary_bits() == 4 {
                    CodecKind::LeanVec4x8 { reduce }
                } else {
                    CodecKind::LeanVec8x8 { reduce }
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        with_codec_store!(self, s => s.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dim(&self) -> usize {
        with_codec_store!(self, s => s.dim())
    }

    pub fn metric(&self) -> Metric {
        with_codec_store!(self, s => s.metric())
    }

    pub fn vector_bytes(&self) -> u64 {
        with_codec_store!(self, s => s.vector_bytes())
    }

    pub fn codec_bytes(&self) -> u64 {
        with_codec_store!(self, s => s.codec_bytes())
    }

    pub fn is_two_level(&self) -> bool {
        with_codec_store!(self, s => s.is_two_level())
    }

    /// Row `id` decoded to its best reconstruction.
    pub fn decode_row(&self, id: u32, out: &mut Vec<f32>) {
        with_codec_store!(self, s => s.decode_row(id, out))
    }
}

/// Trains the codec on the first `training_rows` rows of `data` (raw, un-normalised input;
/// normalised inside for COSINE) and encodes all rows.
///
/// Errors: empty data, `training_rows = 0`, non-finite values, zero vectors under COSINE,
/// LeanVec REDUCE = 0, values beyond the f16 range of LVQ constants, PCA non-convergence, and
/// cancellation through `control` (phases "training" and "encoding").
pub fn train_codec_store(
    kind: CodecKind,
    data: &Matrix,
    metric: Metric,
    training_rows: usize,
    seed: u64,
    control: &mut dyn BuildControl,
) -> Result<CodecStore, QuantError> {
    // Deterministic codecs: the seed is reserved for sampled training.
    let _ = seed;
    if data.rows() == 0 {
        return Err(QuantError::Empty);
    }
    match kind {
        CodecKind::Float32 => {
            return Ok(CodecStore::Float32(FullPrecisionStore::from_matrix(
                data, metric,
            )?))
        }
        CodecKind::Float16 => {
            return Ok(CodecStore::Float16(FullPrecisionStore::from_matrix(
                data, metric,
            )?))
        }
        _ => {}
    }
    let rows = prep::preprocess(data, metric)?;
    let input = prep::TrainingInput {
        rows: &rows,
        dim: data.dim(),
        metric,
        training: prep::training_count(data.rows(), training_rows)?,
    };
    let lvq = |primary, residual, control: &mut dyn BuildControl| {
        LvqStore::train(&input, primary, residual, control).map(CodecStore::Lvq)
    };
    let leanvec = |primary, reduce, control: &mut dyn BuildControl| {
        LeanVecStore::train(&input, primary, reduce, control).map(CodecStore::LeanVec)
    };
    match kind {
        // Built above, without the codec preprocessing.
        CodecKind::Float32 | CodecKind::Float16 => Err(QuantError::Empty),
        CodecKind::GlobalSq8 => Sq8Store::train(&input, control).map(CodecStore::GlobalSq8),
        CodecKind::Lvq4 => lvq(4, 0, control),
        CodecKind::Lvq8 => lvq(8, 0, control),
        CodecKind::Lvq4x4 => lvq(4, 4, control),
        CodecKind::Lvq4x8 => lvq(4, 8, control),
        CodecKind::LeanVec4x8 { reduce } => leanvec(4, reduce, control),
        CodecKind::LeanVec8x8 { reduce } => leanvec(8, reduce, control),
    }
}
