//! FT.CREATE validation for `VECTOR SVS-VAMANA` attributes, with the server's error texts
//! (spec §1.1, §1.4; verified on a live server by research).
//!
//! [`validate_attributes`] takes the raw `name value` pairs that follow the count argument, as
//! the server sees them: names are case-insensitive, and so are type, metric and compression
//! values. Checks run in the server's order: each pair as it is parsed (so the first bad pair
//! wins), then the mandatory TYPE, DIM and DISTANCE_METRIC, then the cross-attribute rules.
//!
//! Decisions where the spec is silent (UNCERTAIN, documented and tested):
//! - A type name Redis knows for other algorithms (FLOAT64, BFLOAT16, INT8, UINT8) gives
//!   "Not supported data type…"; an unknown name gives the generic bad-value error for `TYPE`.
//! - A repeated attribute overrides the earlier value (the parser re-assigns).
//! - `REDUCE` ≥ `DIM` passes, as in Redis (RedisVL would reject it client-side).

use crate::element::ElementType;
use crate::metric::Metric;

use super::params::{Compression, SvsParams, SvsRuntime, MIN_TRAINING_THRESHOLD};

/// The algorithm name used in server messages.
pub const ALGORITHM: &str = "SVS-VAMANA";

/// A rejected SVS-VAMANA parameter. `Display` is the exact server text where one exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvsParamError {
    #[error("Missing mandatory parameter: cannot create SVS-VAMANA index without specifying {attribute} argument")]
    Missing { attribute: &'static str },
    #[error("Bad arguments for algorithm SVS-VAMANA: {token}")]
    UnknownAttribute { token: String },
    #[error("Bad arguments for vector similarity SVS-VAMANA index `{attribute}`")]
    BadValue { attribute: &'static str },
    #[error("Not supported data type is given. Expected: FLOAT16, FLOAT32")]
    UnsupportedType,
    #[error("Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)")]
    TrainingThresholdTooLow,
    #[error("TRAINING_THRESHOLD is irrelevant when compression was not requested")]
    TrainingThresholdWithoutCompression,
    #[error("REDUCE is irrelevant when compression is not of type LeanVec")]
    ReduceWithoutLeanVec,
    /// Query time. SVS throws a configuration error; its Redis text is UNCERTAIN, so this one
    /// names both values.
    #[error(
        "SEARCH_BUFFER_CAPACITY ({capacity}) cannot be smaller than SEARCH_WINDOW_SIZE ({window})"
    )]
    BufferSmallerThanWindow { capacity: usize, window: usize },
    /// Query time: runtime values must be positive integers.
    #[error("Invalid value for {attribute}: must be a positive integer")]
    ZeroRuntimeValue { attribute: &'static str },
}

impl SvsParamError {
    /// The attribute the error is about, for a form that shows it next to that field.
    pub fn attribute(&self) -> Option<&'static str> {
        match self {
            Self::Missing { attribute }
            | Self::BadValue { attribute }
            | Self::ZeroRuntimeValue { attribute } => Some(attribute),
            Self::UnsupportedType => Some("TYPE"),
            Self::TrainingThresholdTooLow | Self::TrainingThresholdWithoutCompression => {
                Some("TRAINING_THRESHOLD")
            }
            Self::ReduceWithoutLeanVec => Some("REDUCE"),
            Self::BufferSmallerThanWindow { .. } => Some("SEARCH_BUFFER_CAPACITY"),
            Self::UnknownAttribute { .. } => None,
        }
    }
}

/// A validated FT.CREATE vector field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidatedSvs {
    pub params: SvsParams,
    pub dim: usize,
    pub metric: Metric,
}

/// Type names FT.CREATE knows for FLAT/HNSW but SVS-VAMANA rejects.
const OTHER_REDIS_TYPES: [&str; 4] = ["FLOAT64", "BFLOAT16", "INT8", "UINT8"];

fn parse_positive(value: &str, attribute: &'static str) -> Result<usize, SvsParamError> {
    match value.trim().parse::<usize>() {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err(SvsParamError::BadValue { attribute }),
    }
}

fn parse_type(value: &str) -> Result<ElementType, SvsParamError> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("FLOAT32") {
        Ok(ElementType::Float32)
    } else if v.eq_ignore_ascii_case("FLOAT16") {
        Ok(ElementType::Float16)
    } else if OTHER_REDIS_TYPES.iter().any(|t| t.eq_ignore_ascii_case(v)) {
        Err(SvsParamError::UnsupportedType)
    } else {
        Err(SvsParamError::BadValue { attribute: "TYPE" })
    }
}

fn parse_metric(value: &str) -> Result<Metric, SvsParamError> {
    let v = value.trim();
    [Metric::L2, Metric::Ip, Metric::Cosine]
        .into_iter()
        .find(|m| m.redis_name().eq_ignore_ascii_case(v))
        .ok_or(SvsParamError::BadValue {
            attribute: "DISTANCE_METRIC",
        })
}

/// Only the six names FT.CREATE accepts (GlobalSQ8 and NO_COMPRESSION are output-only, and
/// LVQ8x8 does not exist), case-insensitively.
pub fn parse_redis_compression(value: &str) -> Result<Compression, SvsParamError> {
    let v = value.trim();
    Compression::ACCEPTED_BY_REDIS
        .into_iter()
        .find(|c| c.redis_name().eq_ignore_ascii_case(v))
        .ok_or(SvsParamError::BadValue {
            attribute: "COMPRESSION",
        })
}

fn parse_training_threshold(value: &str) -> Result<usize, SvsParamError> {
    let t = value
        .trim()
        .parse::<usize>()
        .map_err(|_| SvsParamError::BadValue {
            attribute: "TRAINING_THRESHOLD",
        })?;
    if t < MIN_TRAINING_THRESHOLD {
        return Err(SvsParamError::TrainingThresholdTooLow);
    }
    Ok(t)
}

/// One integer attribute value as FT.CREATE parses it, for forms that check each field as it
/// is typed: TRAINING_THRESHOLD as the server reads it, every other name (GRAPH_MAX_DEGREE,
/// CONSTRUCTION_WINDOW_SIZE, SEARCH_WINDOW_SIZE, REDUCE) as a positive integer. The
/// cross-attribute rules stay in [`validate_params`].
pub fn parse_integer_attribute(
    attribute: &'static str,
    value: &str,
) -> Result<usize, SvsParamError> {
    if attribute == "TRAINING_THRESHOLD" {
        parse_training_threshold(value)
    } else {
        parse_positive(value, attribute)
    }
}

/// Validates the attribute pairs of one `VECTOR SVS-VAMANA` field.
pub fn validate_attributes<N: AsRef<str>, V: AsRef<str>>(
    pairs: &[(N, V)],
) -> Result<ValidatedSvs, SvsParamError> {
    let mut params = SvsParams::default();
    let mut element_type = None;
    let mut dim = None;
    let mut metric = None;
    for (name, value) in pairs {
        let (name, value) = (name.as_ref(), value.as_ref());
        match name.trim().to_ascii_uppercase().as_str() {
            "TYPE" => element_type = Some(parse_type(value)?),
            "DIM" => dim = Some(parse_positive(value, "DIM")?),
            "DISTANCE_METRIC" => metric = Some(parse_metric(value)?),
            "GRAPH_MAX_DEGREE" => {
                params.graph_max_degree = parse_positive(value, "GRAPH_MAX_DEGREE")?
            }
            "CONSTRUCTION_WINDOW_SIZE" => {
                params.construction_window_size = parse_positive(value, "CONSTRUCTION_WINDOW_SIZE")?
            }
            "SEARCH_WINDOW_SIZE" => {
                params.search_window_size = parse_positive(value, "SEARCH_WINDOW_SIZE")?
            }
            "EPSILON" => {
                params.epsilon = match value.trim().parse::<f64>() {
                    Ok(e) if e.is_finite() && e >= 0.0 => e,
                    _ => {
                        return Err(SvsParamError::BadValue {
                            attribute: "EPSILON",
                        })
                    }
                }
            }
            "COMPRESSION" => params.compression = Some(parse_redis_compression(value)?),
            "TRAINING_THRESHOLD" => {
                params.training_threshold = Some(parse_training_threshold(value)?)
            }
            "REDUCE" => params.reduce = Some(parse_positive(value, "REDUCE")?),
            _ => {
                return Err(SvsParamError::UnknownAttribute {
                    token: name.to_string(),
                })
            }
        }
    }
    let element_type = element_type.ok_or(SvsParamError::Missing { attribute: "TYPE" })?;
    let dim = dim.ok_or(SvsParamError::Missing { attribute: "DIM" })?;
    let metric = metric.ok_or(SvsParamError::Missing {
        attribute: "DISTANCE_METRIC",
    })?;
    params.element_type = element_type;
    check_cross_rules(&params)?;
    Ok(ValidatedSvs {
        params,
        dim,
        metric,
    })
}

fn check_cross_rules(params: &SvsParams) -> Result<(), SvsParamError> {
    if params.training_threshold.is_some() && params.compression.is_none() {
        return Err(SvsParamError::TrainingThresholdWithoutCompression);
    }
    if params.reduce.is_some() && !params.compression.is_some_and(Compression::is_leanvec) {
        return Err(SvsParamError::ReduceWithoutLeanVec);
    }
    Ok(())
}

/// Checks already-typed parameters against the same server rules (GlobalSQ8 is rejected: it is
/// not an FT.CREATE value).
pub fn validate_params(params: &SvsParams, dim: usize) -> Result<(), SvsParamError> {
    validate_typed(params, dim, false)
}

/// Like [`validate_params`] but accepts `GlobalSQ8`, which annlab can build directly to show
/// what a generic server runs.
pub fn validate_params_for_annlab(params: &SvsParams, dim: usize) -> Result<(), SvsParamError> {
    validate_typed(params, dim, true)
}

fn validate_typed(
    params: &SvsParams,
    dim: usize,
    allow_global_sq8: bool,
) -> Result<(), SvsParamError> {
    if !matches!(
        params.element_type,
        ElementType::Float32 | ElementType::Float16
    ) {
        return Err(SvsParamError::UnsupportedType);
    }
    let positive = [
        (dim, "DIM"),
        (params.graph_max_degree, "GRAPH_MAX_DEGREE"),
        (params.construction_window_size, "CONSTRUCTION_WINDOW_SIZE"),
        (params.search_window_size, "SEARCH_WINDOW_SIZE"),
    ];
    if let Some((_, attribute)) = positive.into_iter().find(|(v, _)| *v == 0) {
        return Err(SvsParamError::BadValue { attribute });
    }
    if !(params.epsilon.is_finite() && params.epsilon >= 0.0) {
        return Err(SvsParamError::BadValue {
            attribute: "EPSILON",
        });
    }
    if params.compression == Some(Compression::GlobalSq8) && !allow_global_sq8 {
        return Err(SvsParamError::BadValue {
            attribute: "COMPRESSION",
        });
    }
    if params
        .training_threshold
        .is_some_and(|t| t < MIN_TRAINING_THRESHOLD)
    {
        return Err(SvsParamError::TrainingThresholdTooLow);
    }
    if params.reduce == Some(0) {
        return Err(SvsParamError::BadValue {
            attribute: "REDUCE",
        });
    }
    check_cross_rules(params)
}

/// Query-time sizes resolved from `SEARCH_WINDOW_SIZE`, `SEARCH_BUFFER_CAPACITY` and
/// `USE_SEARCH_HISTORY` (spec §1.8).
///
/// - No window given: the index default window, capacity = window (the index default
///   capacity); a capacity given without a window is ignored, as in Redis.
/// - Window W given without capacity: capacity = W for one-level storage, floor(1.5·W) for
///   two-level codecs (LVQ4x4, LVQ4x8, LeanVec).
/// - Capacity < window is an error. (Growing a buffer smaller than k happens at search time.)
/// - `AUTO` resolves to history on (see [`crate::vamana::search`]).
pub fn resolve_runtime(
    runtime: &SvsRuntime,
    default_window: usize,
    two_level: bool,
) -> Result<crate::vamana::SearchParams, SvsParamError> {
    use super::params::SearchHistory;
    let use_history = !matches!(runtime.use_search_history, SearchHistory::Off);
    let (window, capacity) = match runtime.search_window_size {
        None => (default_window.max(1), default_window.max(1)),
        Some(0) => {
            return Err(SvsParamError::ZeroRuntimeValue {
                attribute: "SEARCH_WINDOW_SIZE",
            })
        }
        Some(w) => match runtime.search_buffer_capacity {
            Some(0) => {
                return Err(SvsParamError::ZeroRuntimeValue {
                    attribute: "SEARCH_BUFFER_CAPACITY",
                })
            }
            Some(c) if c < w => {
                return Err(SvsParamError::BufferSmallerThanWindow {
                    capacity: c,
                    window: w,
                })
            }
            Some(c) => (w, c),
            None if two_level => (w, w * 3 / 2),
            None => (w, w),
        },
    };
    Ok(crate::vamana::SearchParams {
        window,
        capacity,
        use_history,
    })
}

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn one_field_parses_as_the_server_parses_it_and_names_its_attribute() {
        assert_eq!(parse_integer_attribute("GRAPH_MAX_DEGREE", " 64 "), Ok(64));
        let zero = parse_integer_attribute("GRAPH_MAX_DEGREE", "0").unwrap_err();
        assert_eq!(
            zero,
            SvsParamError::BadValue {
                attribute: "GRAPH_MAX_DEGREE"
            }
        );
        assert_eq!(zero.attribute(), Some("GRAPH_MAX_DEGREE"));
        let low = parse_integer_attribute("TRAINING_THRESHOLD", "500").unwrap_err();
        assert_eq!(low, SvsParamError::TrainingThresholdTooLow);
        assert_eq!(low.attribute(), Some("TRAINING_THRESHOLD"));
        // The same text as the pair parser gives for the same value.
        let pairs = [
            ("TYPE", "FLOAT32"),
            ("DIM", "8"),
            ("DISTANCE_METRIC", "L2"),
            ("TRAINING_THRESHOLD", "500"),
        ];
        assert_eq!(validate_attributes(&pairs).unwrap_err(), low);
        assert_eq!(
            SvsParamError::ReduceWithoutLeanVec.attribute(),
            Some("REDUCE")
        );
    }
}
