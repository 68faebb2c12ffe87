//! One named test per server error text of `../shared/spec/live-redis-figures.md` ("Server
//! error texts (exact)", read on Redis 8.6.3 with the query engine 8.2.13), plus the cases the
//! server accepts and annlab's own text for the query that aborts the server.

use annlab_core::hnsw::params::{M_OUT_OF_BOUNDS, M_TOO_LARGE, M_TOO_SMALL};
use annlab_core::hnsw::HnswParams;
use annlab_core::svs::validate::{resolve_runtime, validate_query_params};
use annlab_core::svs::{validate_attributes, Compression, SvsRuntime};

const OUT_OF_BOUNDS: &str = ": Value is outside acceptable bounds";
const UNKNOWN_ARGUMENT: &str = ": Unknown argument";
const INVALID_VALUE: &str = "Error parsing vector similarity parameters: Invalid value was given";
const INVALID_OPTION: &str = "Error parsing vector similarity parameters: Invalid option";

/// FT.CREATE's answer to `TYPE FLOAT32 DIM 128 DISTANCE_METRIC L2` plus `extra`.
fn create_error(extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("TYPE", "FLOAT32"),
        ("DIM", "128"),
        ("DISTANCE_METRIC", "L2"),
    ];
    pairs.extend_from_slice(extra);
    validate_attributes(&pairs)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "accepted".to_string())
}

fn bad(attribute: &str, reason: &str) -> String {
    format!("Bad arguments for vector similarity SVS-VAMANA index `{attribute}`{reason}")
}

/// The answer to a KNN query carrying `pairs`, checked by both query-time entry points.
fn query_error(pairs: &[(&str, &str)]) -> String {
    let parsed = validate_query_params(pairs);
    if let Ok(runtime) = &parsed {
        // Accepted at parse time: resolving must accept it too.
        assert!(resolve_runtime(runtime, 10, false).is_ok(), "{pairs:?}");
    }
    parsed
        .err()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "accepted".to_string())
}

macro_rules! create_text {
    ($($name:ident: $extra:expr => $want:expr;)+) => {$(
        #[test]
        fn $name() {
            assert_eq!(create_error(&$extra), $want);
        }
    )+};
}

create_text! {
    graph_max_degree_0_is_out_of_bounds: [("GRAPH_MAX_DEGREE", "0")]
        => bad("GRAPH_MAX_DEGREE", OUT_OF_BOUNDS);
    graph_max_degree_negative_is_out_of_bounds: [("GRAPH_MAX_DEGREE", "-5")]
        => bad("GRAPH_MAX_DEGREE", OUT_OF_BOUNDS);
    construction_window_size_0_is_out_of_bounds: [("CONSTRUCTION_WINDOW_SIZE", "0")]
        => bad("CONSTRUCTION_WINDOW_SIZE", OUT_OF_BOUNDS);
    search_window_size_0_is_out_of_bounds: [("SEARCH_WINDOW_SIZE", "0")]
        => bad("SEARCH_WINDOW_SIZE", OUT_OF_BOUNDS);
    epsilon_negative_is_out_of_bounds: [("EPSILON", "-1")]
        => bad("EPSILON", OUT_OF_BOUNDS);
    reduce_0_is_out_of_bounds: [("COMPRESSION", "LeanVec4x8"), ("REDUCE", "0")]
        => bad("REDUCE", OUT_OF_BOUNDS);
    compression_lvq8x8_is_unknown: [("COMPRESSION", "LVQ8x8")]
        => bad("COMPRESSION", UNKNOWN_ARGUMENT);
    compression_global_sq8_is_unknown: [("COMPRESSION", "GlobalSQ8")]
        => bad("COMPRESSION", UNKNOWN_ARGUMENT);
    distance_metric_bogus_is_unknown: [("DISTANCE_METRIC", "BOGUS")]
        => bad("DISTANCE_METRIC", UNKNOWN_ARGUMENT);
    training_threshold_below_block_size: [("COMPRESSION", "LVQ8"), ("TRAINING_THRESHOLD", "1023")]
        => "Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)";
    training_threshold_1024_is_accepted: [("COMPRESSION", "LVQ8"), ("TRAINING_THRESHOLD", "1024")]
        => "accepted";
    training_threshold_without_compression: [("TRAINING_THRESHOLD", "2048")]
        => "TRAINING_THRESHOLD is irrelevant when compression was not requested";
    reduce_without_leanvec: [("COMPRESSION", "LVQ8"), ("REDUCE", "64")]
        => "REDUCE is irrelevant when compression is not of type LeanVec";
    hnsw_attribute_m_is_unknown_to_svs: [("M", "16")]
        => "Bad arguments for algorithm SVS-VAMANA: M";
    lower_case_lvq8_is_accepted: [("COMPRESSION", "lvq8")] => "accepted";
    leanvec_reduce_above_dim_is_accepted: [("COMPRESSION", "LeanVec4x8"), ("REDUCE", "256")]
        => "accepted";
}

#[test]
fn type_bogus_is_unknown() {
    let e = validate_attributes(&[("TYPE", "BOGUS"), ("DIM", "4"), ("DISTANCE_METRIC", "L2")]);
    assert_eq!(e.unwrap_err().to_string(), bad("TYPE", UNKNOWN_ARGUMENT));
}

#[test]
fn unsupported_data_type() {
    let e = validate_attributes(&[("TYPE", "FLOAT64"), ("DIM", "4"), ("DISTANCE_METRIC", "L2")]);
    assert_eq!(
        e.unwrap_err().to_string(),
        "Not supported data type is given. Expected: FLOAT16, FLOAT32"
    );
}

#[test]
fn missing_dim() {
    let e = validate_attributes(&[("TYPE", "FLOAT32"), ("DISTANCE_METRIC", "L2")]);
    assert_eq!(
        e.unwrap_err().to_string(),
        "Missing mandatory parameter: cannot create SVS-VAMANA index without specifying DIM argument"
    );
}

#[test]
fn leanvec_reduce_above_dim_keeps_its_values() {
    let v = validate_attributes(&[
        ("TYPE", "FLOAT32"),
        ("DIM", "128"),
        ("DISTANCE_METRIC", "L2"),
        ("COMPRESSION", "LeanVec4x8"),
        ("REDUCE", "256"),
    ])
    .unwrap();
    assert_eq!(v.params.compression, Some(Compression::LeanVec4x8));
    assert_eq!(v.params.reduce, Some(256));
}

#[test]
fn query_search_window_size_0_is_an_invalid_value() {
    assert_eq!(query_error(&[("SEARCH_WINDOW_SIZE", "0")]), INVALID_VALUE);
}

#[test]
fn query_search_buffer_capacity_0_is_an_invalid_value() {
    assert_eq!(
        query_error(&[("SEARCH_BUFFER_CAPACITY", "0")]),
        INVALID_VALUE
    );
    assert_eq!(
        query_error(&[
            ("SEARCH_WINDOW_SIZE", "20"),
            ("SEARCH_BUFFER_CAPACITY", "0")
        ]),
        INVALID_VALUE
    );
    let runtime = SvsRuntime {
        search_buffer_capacity: Some(0),
        ..SvsRuntime::default()
    };
    assert_eq!(
        resolve_runtime(&runtime, 10, false)
            .unwrap_err()
            .to_string(),
        INVALID_VALUE
    );
}

#[test]
fn query_ef_runtime_on_svs_is_an_invalid_option() {
    assert_eq!(query_error(&[("EF_RUNTIME", "10")]), INVALID_OPTION);
}

#[test]
fn query_window_below_k_is_accepted() {
    // k is not a runtime parameter: a window of 1 for KNN 10 is grown by the server.
    assert_eq!(query_error(&[("SEARCH_WINDOW_SIZE", "1")]), "accepted");
}

#[test]
fn query_capacity_without_window_is_accepted() {
    assert_eq!(query_error(&[("search_buffer_capacity", "5")]), "accepted");
    let p = resolve_runtime(
        &validate_query_params(&[("SEARCH_BUFFER_CAPACITY", "5")]).unwrap(),
        10,
        false,
    )
    .unwrap();
    assert_eq!((p.window, p.capacity), (10, 10));
}

/// annlab's own text (the server has none: it aborts). It must say so, once.
#[test]
fn query_capacity_below_window_is_refused_because_redis_aborts() {
    let want = "SEARCH_BUFFER_CAPACITY 10 is below SEARCH_WINDOW_SIZE 20: Redis would abort (SIGABRT) on this query, so annlab refuses it";
    assert_eq!(
        query_error(&[
            ("SEARCH_WINDOW_SIZE", "20"),
            ("SEARCH_BUFFER_CAPACITY", "10")
        ]),
        want
    );
    let runtime = SvsRuntime {
        search_window_size: Some(20),
        search_buffer_capacity: Some(10),
        ..SvsRuntime::default()
    };
    let text = resolve_runtime(&runtime, 10, false)
        .unwrap_err()
        .to_string();
    assert_eq!(text, want);
    assert_eq!(text.matches("SEARCH_BUFFER_CAPACITY").count(), 1);
}

#[test]
fn hnsw_m_0_is_out_of_bounds() {
    let p = HnswParams {
        m: 0,
        ..HnswParams::default()
    };
    assert_eq!(p.validate().unwrap_err().to_string(), M_OUT_OF_BOUNDS);
    assert_eq!(
        M_OUT_OF_BOUNDS,
        "Bad arguments for vector similarity HNSW index `M`: Value is outside acceptable bounds"
    );
}

#[test]
fn hnsw_m_1_is_refused_by_vecsim() {
    let p = HnswParams {
        m: 1,
        ..HnswParams::default()
    };
    assert_eq!(p.validate().unwrap_err().to_string(), M_TOO_SMALL);
}

#[test]
fn hnsw_m_too_large_is_refused_by_vecsim() {
    let p = HnswParams {
        m: 32_768,
        ..HnswParams::default()
    };
    assert_eq!(p.validate().unwrap_err().to_string(), M_TOO_LARGE);
}

#[test]
fn hnsw_ef_construction_0_is_out_of_bounds() {
    let p = HnswParams {
        ef_construction: 0,
        ..HnswParams::default()
    };
    assert_eq!(
        p.validate().unwrap_err().to_string(),
        "Bad arguments for vector similarity HNSW index `EF_CONSTRUCTION`: Value is outside acceptable bounds"
    );
}

#[test]
fn hnsw_query_ef_runtime_0_is_an_invalid_value() {
    assert_eq!(
        HnswParams::validate_runtime_ef(0).unwrap_err().to_string(),
        INVALID_VALUE
    );
    assert!(HnswParams::validate_runtime_ef(1).is_ok());
}
