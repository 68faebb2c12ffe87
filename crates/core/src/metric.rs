//! Distance metrics with Redis semantics.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A Redis `DISTANCE_METRIC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Squared Euclidean distance (VecSim reports L2 without the square root).
    L2,
    /// `1 - dot(a, b)`.
    Ip,
    /// `1 - cos(a, b)`; vectors are normalised when inserted, queries when searched.
    Cosine,
}

impl Metric {
    /// The Redis token (`L2`, `IP`, `COSINE`).
    pub fn redis_name(self) -> &'static str {
        match self {
            Metric::L2 => "L2",
            Metric::Ip => "IP",
            Metric::Cosine => "COSINE",
        }
    }

    /// The lower-case name used by the CLI and the JSON contract.
    pub fn lower_name(self) -> &'static str {
        match self {
            Metric::L2 => "l2",
            Metric::Ip => "ip",
            Metric::Cosine => "cosine",
        }
    }

    /// Whether vectors are normalised before they are stored or searched.
    pub fn normalizes(self) -> bool {
        matches!(self, Metric::Cosine)
    }

    /// Whether the graph internals score with an inner product (`1 - dot`).
    pub fn is_inner_product(self) -> bool {
        matches!(self, Metric::Ip | Metric::Cosine)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.redis_name())
    }
}

/// The metric name was not one of L2, IP or COSINE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown distance metric `{0}` (expected L2, IP or COSINE)")]
pub struct UnknownMetric(pub String);

impl FromStr for Metric {
    type Err = UnknownMetric;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "l2" => Ok(Metric::L2),
            "ip" => Ok(Metric::Ip),
            "cosine" => Ok(Metric::Cosine),
            _ => Err(UnknownMetric(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively() {
        assert_eq!("CoSiNe".parse::<Metric>(), Ok(Metric::Cosine));
        assert_eq!("l2".parse::<Metric>(), Ok(Metric::L2));
        assert!("dot".parse::<Metric>().is_err());
    }
}
