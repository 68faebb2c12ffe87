//! Element types a vector can be stored as: FP32, FP16 and BF16 (the `half` crate).

use std::fmt;
use std::str::FromStr;

use half::{bf16, f16};
use serde::{Deserialize, Serialize};

use crate::distance;

/// A Redis vector `TYPE` that annlab can store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElementType {
    Float32,
    Float16,
    Bfloat16,
}

impl ElementType {
    /// Bytes per component.
    pub fn size_bytes(self) -> usize {
        match self {
            ElementType::Float32 => 4,
            ElementType::Float16 | ElementType::Bfloat16 => 2,
        }
    }

    /// The Redis token (`FLOAT32`, `FLOAT16`, `BFLOAT16`).
    pub fn redis_name(self) -> &'static str {
        match self {
            ElementType::Float32 => "FLOAT32",
            ElementType::Float16 => "FLOAT16",
            ElementType::Bfloat16 => "BFLOAT16",
        }
    }

    /// The lower-case name used by the CLI specs and the JSON contract.
    pub fn lower_name(self) -> &'static str {
        match self {
            ElementType::Float32 => "float32",
            ElementType::Float16 => "float16",
            ElementType::Bfloat16 => "bfloat16",
        }
    }
}

impl fmt::Display for ElementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.redis_name())
    }
}

/// The type name was not a supported element type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown vector type `{0}` (expected FLOAT32, FLOAT16 or BFLOAT16)")]
pub struct UnknownElementType(pub String);

impl FromStr for ElementType {
    type Err = UnknownElementType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "float32" | "fp32" | "f32" => Ok(ElementType::Float32),
            "float16" | "fp16" | "f16" => Ok(ElementType::Float16),
            "bfloat16" | "bf16" => Ok(ElementType::Bfloat16),
            _ => Err(UnknownElementType(s.to_string())),
        }
    }
}

/// A stored component type. Queries are always `f32`; stored rows may be narrower, so the
/// kernels are "mixed": an `f32` query against a row of `Self`.
pub trait Element: Copy + Default + Send + Sync + 'static {
    const TYPE: ElementType;
    fn from_f32(value: f32) -> Self;
    fn to_f32(self) -> f32;
    /// `dot(query, stored)` computed in f32.
    fn dot_f32(query: &[f32], stored: &[Self]) -> f32;
    /// Squared Euclidean distance between `query` and `stored`, computed in f32.
    fn l2sq_f32(query: &[f32], stored: &[Self]) -> f32;
    /// [`Element::dot_f32`] resolved once for this machine (for hot loops).
    fn dot_kernel() -> distance::PairKernel<Self>;
    /// [`Element::l2sq_f32`] resolved once for this machine (for hot loops).
    fn l2sq_kernel() -> distance::PairKernel<Self>;
    /// The row itself when it is already f32 (lets scorers borrow instead of converting).
    fn as_f32_slice(row: &[Self]) -> Option<&[f32]> {
        let _ = row;
        None
    }
}

impl Element for f32 {
    fn dot_kernel() -> distance::PairKernel<Self> {
        distance::dot_kernel()
    }
    fn l2sq_kernel() -> distance::PairKernel<Self> {
        distance::l2sq_kernel()
    }
    fn as_f32_slice(row: &[Self]) -> Option<&[f32]> {
        Some(row)
    }
    const TYPE: ElementType = ElementType::Float32;
    #[inline]
    fn from_f32(value: f32) -> Self {
        value
    }
    #[inline]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline]
    fn dot_f32(query: &[f32], stored: &[Self]) -> f32 {
        distance::dot(query, stored)
    }
    #[inline]
    fn l2sq_f32(query: &[f32], stored: &[Self]) -> f32 {
        distance::l2sq(query, stored)
    }
}

impl Element for f16 {
    fn dot_kernel() -> distance::PairKernel<Self> {
        distance::dot_f16_kernel()
    }
    fn l2sq_kernel() -> distance::PairKernel<Self> {
        distance::l2sq_f16_kernel()
    }
    const TYPE: ElementType = ElementType::Float16;
    #[inline]
    fn from_f32(value: f32) -> Self {
        f16::from_f32(value)
    }
    #[inline]
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    #[inline]
    fn dot_f32(query: &[f32], stored: &[Self]) -> f32 {
        distance::dot_f16(query, stored)
    }
    #[inline]
    fn l2sq_f32(query: &[f32], stored: &[Self]) -> f32 {
        distance::l2sq_f16(query, stored)
    }
}

impl Element for bf16 {
    fn dot_kernel() -> distance::PairKernel<Self> {
        distance::dot_bf16_kernel()
    }
    fn l2sq_kernel() -> distance::PairKernel<Self> {
        distance::l2sq_bf16_kernel()
    }
    const TYPE: ElementType = ElementType::Bfloat16;
    #[inline]
    fn from_f32(value: f32) -> Self {
        bf16::from_f32(value)
    }
    #[inline]
    fn to_f32(self) -> f32 {
        bf16::to_f32(self)
    }
    #[inline]
    fn dot_f32(query: &[f32], stored: &[Self]) -> f32 {
        distance::dot_bf16(query, stored)
    }
    #[inline]
    fn l2sq_f32(query: &[f32], stored: &[Self]) -> f32 {
        distance::l2sq_bf16(query, stored)
    }
}
