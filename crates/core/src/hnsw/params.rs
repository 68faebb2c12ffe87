//! HNSW parameters with Redis names and defaults (VecSim `vec_sim_common.h`).

use serde::{Deserialize, Serialize};

use crate::element::ElementType;

pub const DEFAULT_M: usize = 16;
pub const DEFAULT_EF_CONSTRUCTION: usize = 200;
pub const DEFAULT_EF_RUNTIME: usize = 10;
pub const DEFAULT_EPSILON: f64 = 0.01;
/// hnswlib's default level-generator seed.
pub const DEFAULT_SEED: u64 = 100;

/// Build-time HNSW attributes (FT.CREATE … HNSW).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HnswParams {
    pub m: usize,
    pub ef_construction: usize,
    /// The index default for KNN queries; a query may override it.
    pub ef_runtime: usize,
    pub epsilon: f64,
    pub element_type: ElementType,
    /// Seed for level draws.
    pub seed: u64,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self {
            m: DEFAULT_M,
            ef_construction: DEFAULT_EF_CONSTRUCTION,
            ef_runtime: DEFAULT_EF_RUNTIME,
            epsilon: DEFAULT_EPSILON,
            element_type: ElementType::Float32,
            seed: DEFAULT_SEED,
        }
    }
}

impl HnswParams {
    /// Level-0 degree bound M0 = 2M.
    pub fn m0(&self) -> usize {
        2 * self.m
    }

    /// VecSim uses max(EF_CONSTRUCTION, M).
    pub fn effective_ef_construction(&self) -> usize {
        self.ef_construction.max(self.m)
    }
}

/// VecSim rejects an M whose level-0 bound 2M does not fit its 16-bit link counter.
pub const MAX_M: usize = 65535 / 2;

impl HnswParams {
    /// Upper-level degree bound (M itself).
    pub fn max_upper_degree(&self) -> usize {
        self.m
    }

    /// The level multiplier 1/ln(M): a node reaches level ≥ l with probability M^−l.
    pub fn level_multiplier(&self) -> f64 {
        1.0 / (self.m as f64).ln()
    }

    /// The beam used for a KNN query: max(EF_RUNTIME, k), as VecSim does.
    pub fn effective_ef_runtime(ef_runtime: usize, k: usize) -> usize {
        ef_runtime.max(k)
    }

    /// Checks the values the way Redis and VecSim do, with their texts.
    ///
    /// FT.CREATE accepts `M ≥ 1`, `EF_CONSTRUCTION ≥ 1`, `EF_RUNTIME ≥ 1` and `EPSILON ≥ 0`
    /// and answers anything else with "Bad arguments for vector similarity HNSW index
    /// `<ATTR>`: Value is outside acceptable bounds" (spec §1.1, the same parser as SVS-VAMANA).
    /// VecSim's HNSW constructor then throws for `M = 1` and for `2M > 65535` (the level-0
    /// link count is a `u16`); those are VecSim's exception texts (UNCERTAIN: how Redis wraps
    /// them in its reply was not observed).
    pub fn validate(&self) -> Result<(), super::HnswError> {
        use super::HnswError;
        if self.m == 0 {
            return Err(HnswError::InvalidM {
                m: self.m,
                reason: M_OUT_OF_BOUNDS,
            });
        }
        if self.m == 1 {
            return Err(HnswError::InvalidM {
                m: self.m,
                reason: M_TOO_SMALL,
            });
        }
        if 2 * self.m > 65535 {
            return Err(HnswError::InvalidM {
                m: self.m,
                reason: M_TOO_LARGE,
            });
        }
        if self.ef_construction == 0 {
            return Err(HnswError::InvalidParameter {
                name: "EF_CONSTRUCTION",
                value: self.ef_construction.to_string(),
            });
        }
        if self.ef_runtime == 0 {
            return Err(HnswError::InvalidParameter {
                name: "EF_RUNTIME",
                value: self.ef_runtime.to_string(),
            });
        }
        if !(self.epsilon.is_finite() && self.epsilon >= 0.0) {
            return Err(HnswError::InvalidParameter {
                name: "EPSILON",
                value: self.epsilon.to_string(),
            });
        }
        Ok(())
    }

    /// A query-time EF_RUNTIME: a positive integer, else the server's query-time text.
    pub fn validate_runtime_ef(ef_runtime: usize) -> Result<(), super::HnswError> {
        if ef_runtime == 0 {
            return Err(super::HnswError::InvalidRuntimeValue {
                name: "EF_RUNTIME",
                value: ef_runtime.to_string(),
            });
        }
        Ok(())
    }
}

/// FT.CREATE's text for `M 0` (M is parsed as an integer ≥ 1).
pub const M_OUT_OF_BOUNDS: &str =
    "Bad arguments for vector similarity HNSW index `M`: Value is outside acceptable bounds";
/// VecSim's exception text for `M = 1` (hnsw.h).
pub const M_TOO_SMALL: &str = "HNSW index parameter M cannot be 1 or 0";
/// VecSim's exception text for `2M > 65535` (hnsw.h).
pub const M_TOO_LARGE: &str = "HNSW index parameter M is too large: argument overflow";

/// One FT.CREATE HNSW integer attribute (M, EF_CONSTRUCTION, EF_RUNTIME) as typed in a form:
/// FT.CREATE reads a positive integer; anything else is the server's bad-value error. VecSim's
/// own bounds on M stay in [`HnswParams::validate`].
pub fn parse_attribute(name: &'static str, value: &str) -> Result<usize, super::HnswError> {
    match value.trim().parse::<usize>() {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err(super::HnswError::InvalidParameter {
            name,
            value: value.trim().to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hnsw::HnswError;

    #[test]
    fn validation_mirrors_vecsim() {
        let ok = HnswParams::default();
        assert_eq!(ok.validate(), Ok(()));
        for m in [0, 1, MAX_M + 1] {
            let p = HnswParams { m, ..ok };
            assert!(
                matches!(p.validate(), Err(HnswError::InvalidM { .. })),
                "m = {m}"
            );
        }
        assert_eq!(HnswParams { m: MAX_M, ..ok }.validate(), Ok(()));
        assert!(HnswParams {
            ef_construction: 0,
            ..ok
        }
        .validate()
        .is_err());
        assert!(HnswParams {
            ef_runtime: 0,
            ..ok
        }
        .validate()
        .is_err());
        assert!(HnswParams {
            epsilon: -0.1,
            ..ok
        }
        .validate()
        .is_err());
        assert!(HnswParams {
            epsilon: f64::NAN,
            ..ok
        }
        .validate()
        .is_err());
    }

    #[test]
    fn one_attribute_parses_as_a_positive_integer() {
        assert_eq!(parse_attribute("M", " 32 "), Ok(32));
        for bad in ["0", "x", "-3", ""] {
            let e = parse_attribute("EF_RUNTIME", bad).unwrap_err();
            assert_eq!(e.attribute(), Some("EF_RUNTIME"), "{bad:?}");
        }
        let m = HnswParams {
            m: 1,
            ..HnswParams::default()
        };
        assert_eq!(m.validate().unwrap_err().attribute(), Some("M"));
    }

    #[test]
    fn effective_values_follow_vecsim() {
        let p = HnswParams {
            m: 300,
            ef_construction: 200,
            ..HnswParams::default()
        };
        assert_eq!(p.effective_ef_construction(), 300);
        assert_eq!(p.m0(), 600);
        assert_eq!(HnswParams::effective_ef_runtime(10, 50), 50);
        assert!((HnswParams::default().level_multiplier() - 1.0 / 16f64.ln()).abs() < 1e-15);
    }
}
