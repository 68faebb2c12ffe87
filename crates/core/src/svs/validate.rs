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
///
/// FT.CREATE texts were read on a live Redis 8.2 (live-redis-figures.md, "Server error texts");
/// a bad value ends in the argument parser's reason (`: Value is outside acceptable bounds`,
/// `: Unknown argument`, `: Could not convert argument to expected type`). The query-time
/// texts are the query engine's `Error parsing vector similarity parameters: …`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvsParamError {
    #[error("Missing mandatory parameter: cannot create SVS-VAMANA index without specifying {attribute} argument")]
    Missing { attribute: &'static str },
    #[error("Bad arguments for algorithm SVS-VAMANA: {token}")]
    UnknownAttribute { token: String },
    /// A number out of range (GRAPH_MAX_DEGREE 0 or -5, EPSILON -1, REDUCE 0, ...).
    #[error("Bad arguments for vector similarity SVS-VAMANA index `{attribute}`: Value is outside acceptable bounds")]
    BadValue { attribute: &'static str },
    /// A name the attribute does not know (COMPRESSION LVQ8x8 or GlobalSQ8, TYPE BOGUS,
    /// DISTANCE_METRIC BOGUS).
    #[error(
        "Bad arguments for vector similarity SVS-VAMANA index `{attribute}`: Unknown argument"
    )]
    UnknownValue { attribute: &'static str },
    /// Text where a number belongs. Not seen live (UNCERTAIN): the query engine's argument
    /// parser gives this reason for a value it cannot convert.
    #[error("Bad arguments for vector similarity SVS-VAMANA index `{attribute}`: Could not convert argument to expected type")]
    NotANumber { attribute: &'static str },
    #[error("Not supported data type is given. Expected: FLOAT16, FLOAT32")]
    UnsupportedType,
    #[error("Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)")]
    TrainingThresholdTooLow,
    #[error("TRAINING_THRESHOLD is irrelevant when compression was not requested")]
    TrainingThresholdWithoutCompression,
    #[error("REDUCE is irrelevant when compression is not of type LeanVec")]
    ReduceWithoutLeanVec,
    /// Query time. The server has no text for it: SVS throws from a place nothing catches and
    /// the Redis process aborts (SIGABRT). The wording is annlab's own.
    #[error(
        "SEARCH_BUFFER_CAPACITY {capacity} is below SEARCH_WINDOW_SIZE {window}: Redis would abort (SIGABRT) on this query, so annlab refuses it"
    )]
    BufferSmallerThanWindow { capacity: usize, window: usize },
    /// Query time: SEARCH_WINDOW_SIZE or SEARCH_BUFFER_CAPACITY that is not a positive integer
    /// (0 included), or a USE_SEARCH_HISTORY other than ON/OFF/AUTO.
    #[error("Error parsing vector similarity parameters: Invalid value was given")]
    ZeroRuntimeValue { attribute: &'static str },
    /// Query time: a parameter SVS does not take (EF_RUNTIME, a misspelt name, ...).
    #[error("Error parsing vector similarity parameters: Invalid option")]
    UnknownRuntimeOption { name: String },
}

impl SvsParamError {
    /// The attribute the error is about, for a form that shows it next to that field.
    pub fn attribute(&self) -> Option<&'static str> {
        match self {
            Self::Missing { attribute }
            | Self::BadValue { attribute }
            | Self::UnknownValue { attribute }
            | Self::NotANumber { attribute }
            | Self::ZeroRuntimeValue { attribute } => Some(attribute),
            Self::UnsupportedType => Some("TYPE"),
            Self::TrainingThresholdTooLow | Self::TrainingThresholdWithoutCompression => {
                Some("TRAINING_THRESHOLD")
            }
            Self::ReduceWithoutLeanVec => Some("REDUCE"),
            Self::BufferSmallerThanWindow { .. } => Some("SEARCH_BUFFER_CAPACITY"),
            Self::UnknownAttribute { .. } | Self::UnknownRuntimeOption { .. } => None,
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

/// An integer the way the server's argument parser reads it: text is not a number, a number
/// below `min` (or too large to read) is out of bounds.
fn parse_integer(value: &str, attribute: &'static str, min: i64) -> Result<usize, SvsParamError> {
    let v = value.trim();
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SvsParamError::NotANumber { attribute });
    }
    match v.parse::<i64>() {
        Ok(n) if n >= min => usize::try_from(n).map_err(|_| SvsParamError::BadValue { attribute }),
        _ => Err(SvsParamError::BadValue { attribute }),
    }
}

fn parse_positive(value: &str, attribute: &'static str) -> Result<usize, SvsParamError> {
    parse_integer(value, attribute, 1)
}

/// A TYPE value as FT.CREATE reads it for SVS-VAMANA: FLOAT32 or FLOAT16, case-insensitively.
pub fn parse_redis_type(value: &str) -> Result<ElementType, SvsParamError> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("FLOAT32") {
        Ok(ElementType::Float32)
    } else if v.eq_ignore_ascii_case("FLOAT16") {
        Ok(ElementType::Float16)
    } else if OTHER_REDIS_TYPES.iter().any(|t| t.eq_ignore_ascii_case(v)) {
        Err(SvsParamError::UnsupportedType)
    } else {
        Err(SvsParamError::UnknownValue { attribute: "TYPE" })
    }
}

fn parse_metric(value: &str) -> Result<Metric, SvsParamError> {
    let v = value.trim();
    [Metric::L2, Metric::Ip, Metric::Cosine]
        .into_iter()
        .find(|m| m.redis_name().eq_ignore_ascii_case(v))
        .ok_or(SvsParamError::UnknownValue {
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
        .ok_or(SvsParamError::UnknownValue {
            attribute: "COMPRESSION",
        })
}

fn parse_training_threshold(value: &str) -> Result<usize, SvsParamError> {
    let t = parse_integer(value, "TRAINING_THRESHOLD", 0)?;
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
            "TYPE" => element_type = Some(parse_redis_type(value)?),
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
                    Ok(_) => {
                        return Err(SvsParamError::BadValue {
                            attribute: "EPSILON",
                        })
                    }
                    Err(_) => {
                        return Err(SvsParamError::NotANumber {
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
        return Err(SvsParamError::UnknownValue {
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

/// Parses the runtime parameters of one KNN query on an SVS-VAMANA index (the `NAME value`
/// pairs inside `[KNN …]`), with the server's query-time texts (spec §1.8; live run).
///
/// Names are case-insensitive. SEARCH_WINDOW_SIZE and SEARCH_BUFFER_CAPACITY take positive
/// integers; USE_SEARCH_HISTORY takes ON, OFF or AUTO (case-insensitive). Any other name,
/// EF_RUNTIME included, is an invalid option. UNCERTAIN: EPSILON (range queries only) is
/// treated as an invalid option in a KNN query; the server's exact answer was not observed.
/// Accepted as the server accepts them: a window below k, a capacity without a window.
/// Refused although the server has no text for it: a capacity below the window, which
/// aborts the server ([`SvsParamError::BufferSmallerThanWindow`]).
pub fn validate_query_params<N: AsRef<str>, V: AsRef<str>>(
    pairs: &[(N, V)],
) -> Result<SvsRuntime, SvsParamError> {
    use super::params::SearchHistory;
    let mut runtime = SvsRuntime::default();
    for (name, value) in pairs {
        let (name, value) = (name.as_ref().trim(), value.as_ref().trim());
        match name.to_ascii_uppercase().as_str() {
            "SEARCH_WINDOW_SIZE" => {
                runtime.search_window_size = Some(runtime_positive(value, "SEARCH_WINDOW_SIZE")?)
            }
            "SEARCH_BUFFER_CAPACITY" => {
                runtime.search_buffer_capacity =
                    Some(runtime_positive(value, "SEARCH_BUFFER_CAPACITY")?)
            }
            "USE_SEARCH_HISTORY" => {
                runtime.use_search_history = match value.to_ascii_uppercase().as_str() {
                    "ON" => SearchHistory::On,
                    "OFF" => SearchHistory::Off,
                    "AUTO" => SearchHistory::Auto,
                    _ => {
                        return Err(SvsParamError::ZeroRuntimeValue {
                            attribute: "USE_SEARCH_HISTORY",
                        })
                    }
                }
            }
            _ => {
                return Err(SvsParamError::UnknownRuntimeOption {
                    name: name.to_string(),
                })
            }
        }
    }
    check_buffer(&runtime)?;
    Ok(runtime)
}

fn runtime_positive(value: &str, attribute: &'static str) -> Result<usize, SvsParamError> {
    match value.parse::<usize>() {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err(SvsParamError::ZeroRuntimeValue { attribute }),
    }
}

/// The one place that refuses a capacity below the window: every front end reaches it
/// through [`validate_query_params`] or [`resolve_runtime`].
fn check_buffer(runtime: &SvsRuntime) -> Result<(), SvsParamError> {
    for (value, attribute) in [
        (runtime.search_window_size, "SEARCH_WINDOW_SIZE"),
        (runtime.search_buffer_capacity, "SEARCH_BUFFER_CAPACITY"),
    ] {
        if value == Some(0) {
            return Err(SvsParamError::ZeroRuntimeValue { attribute });
        }
    }
    match (runtime.search_window_size, runtime.search_buffer_capacity) {
        (Some(window), Some(capacity)) if capacity < window => {
            Err(SvsParamError::BufferSmallerThanWindow { capacity, window })
        }
        _ => Ok(()),
    }
}

/// Query-time sizes resolved from `SEARCH_WINDOW_SIZE`, `SEARCH_BUFFER_CAPACITY` and
/// `USE_SEARCH_HISTORY` (spec §1.8).
///
/// - No window given: the index default window, capacity = window (the index default
///   capacity); a capacity given without a window is ignored, as in Redis (but 0 is still
///   refused: the server checks the value when it parses the query).
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
    check_buffer(runtime)?;
    let use_history = !matches!(runtime.use_search_history, SearchHistory::Off);
    let (window, capacity) = match (runtime.search_window_size, runtime.search_buffer_capacity) {
        (None, _) => (default_window.max(1), default_window.max(1)),
        (Some(w), Some(c)) => (w, c),
        (Some(w), None) if two_level => (w, w * 3 / 2),
        (Some(w), None) => (w, w),
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
