//! FT.CREATE validation for SVS-VAMANA: every server error text, case-insensitivity, defaults,
//! and the query-time buffer rules.

use annlab_core::svs::validate::{resolve_runtime, validate_params_for_annlab};
use annlab_core::svs::{
    validate_attributes, validate_params, Compression, SearchHistory, SvsParamError, SvsParams,
    SvsRuntime,
};
use annlab_core::{ElementType, Metric};

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TYPE", "FLOAT32"),
        ("DIM", "128"),
        ("DISTANCE_METRIC", "L2"),
    ]
}

fn with(
    extra: &[(&'static str, &'static str)],
) -> Result<annlab_core::svs::ValidatedSvs, SvsParamError> {
    let mut pairs = base();
    pairs.extend_from_slice(extra);
    validate_attributes(&pairs)
}

fn text(r: Result<annlab_core::svs::ValidatedSvs, SvsParamError>) -> String {
    r.err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn minimal_field_gets_redis_defaults() {
    let v = with(&[]).unwrap();
    assert_eq!((v.dim, v.metric), (128, Metric::L2));
    assert_eq!(v.params.graph_max_degree, 32);
    assert_eq!(v.params.construction_window_size, 200);
    assert_eq!(v.params.search_window_size, 10);
    assert_eq!(v.params.epsilon, 0.01);
    assert_eq!(v.params.compression, None);
    assert_eq!(v.params.training_threshold, None);
}

#[test]
fn names_and_values_are_case_insensitive() {
    let v = validate_attributes(&[
        ("type", "float16"),
        ("Dim", "768"),
        ("distance_metric", "cosine"),
        ("compression", "leanvec4X8"),
        ("reduce", "192"),
        ("Training_Threshold", "2048"),
        ("graph_max_degree", "64"),
        ("construction_window_size", "300"),
        ("search_window_size", "30"),
        ("epsilon", "0.05"),
    ])
    .unwrap();
    assert_eq!(v.params.element_type, ElementType::Float16);
    assert_eq!(v.metric, Metric::Cosine);
    assert_eq!(v.params.compression, Some(Compression::LeanVec4x8));
    assert_eq!(v.params.reduce, Some(192));
    assert_eq!(v.params.training_threshold, Some(2048));
    assert_eq!(v.params.graph_max_degree, 64);
    assert_eq!(v.params.epsilon, 0.05);
}

#[test]
fn type_rules() {
    for t in ["FLOAT64", "BFLOAT16", "INT8", "uint8"] {
        let r = validate_attributes(&[("TYPE", t), ("DIM", "4"), ("DISTANCE_METRIC", "L2")]);
        assert_eq!(
            text(r),
            "Not supported data type is given. Expected: FLOAT16, FLOAT32",
            "{t}"
        );
    }
    let r = validate_attributes(&[("TYPE", "FLOAT8"), ("DIM", "4"), ("DISTANCE_METRIC", "L2")]);
    assert_eq!(
        text(r),
        "Bad arguments for vector similarity SVS-VAMANA index `TYPE`: Unknown argument"
    );
}

#[test]
fn missing_mandatory_parameters() {
    let cases = [
        (vec![("DIM", "4"), ("DISTANCE_METRIC", "L2")], "TYPE"),
        (vec![("TYPE", "FLOAT32"), ("DISTANCE_METRIC", "L2")], "DIM"),
        (vec![("TYPE", "FLOAT32"), ("DIM", "4")], "DISTANCE_METRIC"),
    ];
    for (pairs, attr) in cases {
        assert_eq!(
            text(validate_attributes(&pairs)),
            format!(
                "Missing mandatory parameter: cannot create SVS-VAMANA index without specifying {attr} argument"
            )
        );
    }
}

#[test]
fn unknown_attributes_including_hnsw_and_flat_ones() {
    for token in [
        "M",
        "EF_CONSTRUCTION",
        "EF_RUNTIME",
        "INITIAL_CAP",
        "BLOCK_SIZE",
        "ALPHA",
        "SEARCH_BUFFER_CAPACITY",
        "USE_SEARCH_HISTORY",
        "NUM_THREADS",
        "PRUNE_TO",
    ] {
        assert_eq!(
            text(with(&[(token, "16")])),
            format!("Bad arguments for algorithm SVS-VAMANA: {token}")
        );
    }
}

#[test]
fn bad_values_name_the_attribute_and_the_reason() {
    const BOUNDS: &str = ": Value is outside acceptable bounds";
    const NOT_A_NUMBER: &str = ": Could not convert argument to expected type";
    let cases = [
        ("GRAPH_MAX_DEGREE", "0", BOUNDS),
        ("GRAPH_MAX_DEGREE", "-3", BOUNDS),
        ("CONSTRUCTION_WINDOW_SIZE", "0", BOUNDS),
        ("SEARCH_WINDOW_SIZE", "abc", NOT_A_NUMBER),
        ("SEARCH_WINDOW_SIZE", "1.5", NOT_A_NUMBER),
        ("EPSILON", "-0.1", BOUNDS),
        ("EPSILON", "x", NOT_A_NUMBER),
        ("REDUCE", "0", BOUNDS),
        ("TRAINING_THRESHOLD", "many", NOT_A_NUMBER),
    ];
    for (attr, value, reason) in cases {
        let mut extra = vec![(attr, value)];
        if attr == "REDUCE" || attr == "TRAINING_THRESHOLD" {
            extra.insert(0, ("COMPRESSION", "LeanVec8x8"));
        }
        assert_eq!(
            text(with(&extra)),
            format!("Bad arguments for vector similarity SVS-VAMANA index `{attr}`{reason}"),
            "{attr}={value}"
        );
    }
    let r = validate_attributes(&[("TYPE", "FLOAT32"), ("DIM", "0"), ("DISTANCE_METRIC", "L2")]);
    assert_eq!(
        text(r),
        "Bad arguments for vector similarity SVS-VAMANA index `DIM`: Value is outside acceptable bounds"
    );
    let r = validate_attributes(&[
        ("TYPE", "FLOAT32"),
        ("DIM", "4"),
        ("DISTANCE_METRIC", "DOT"),
    ]);
    assert_eq!(
        text(r),
        "Bad arguments for vector similarity SVS-VAMANA index `DISTANCE_METRIC`: Unknown argument"
    );
}

#[test]
fn compression_names() {
    for (name, c) in [
        ("LVQ4", Compression::Lvq4),
        ("lvq8", Compression::Lvq8),
        ("Lvq4x4", Compression::Lvq4x4),
        ("LVQ4X8", Compression::Lvq4x8),
        ("LEANVEC4X8", Compression::LeanVec4x8),
        ("leanvec8x8", Compression::LeanVec8x8),
    ] {
        assert_eq!(
            with(&[("COMPRESSION", name)]).unwrap().params.compression,
            Some(c)
        );
    }
    for name in ["LVQ8x8", "GlobalSQ8", "NO_COMPRESSION", "SQ8", "LeanVec4x4"] {
        assert_eq!(
            text(with(&[("COMPRESSION", name)])),
            "Bad arguments for vector similarity SVS-VAMANA index `COMPRESSION`: Unknown argument",
            "{name}"
        );
    }
}

#[test]
fn training_threshold_rules() {
    assert_eq!(
        text(with(&[
            ("COMPRESSION", "LVQ8"),
            ("TRAINING_THRESHOLD", "1023")
        ])),
        "Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)"
    );
    assert_eq!(
        text(with(&[("TRAINING_THRESHOLD", "2048")])),
        "TRAINING_THRESHOLD is irrelevant when compression was not requested"
    );
    // The value check comes first (it runs while parsing the pair).
    assert_eq!(
        text(with(&[("TRAINING_THRESHOLD", "10")])),
        "Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)"
    );
    // Order does not matter for the cross-attribute rule; values above 102400 pass (clamped later).
    let v = with(&[("TRAINING_THRESHOLD", "500000"), ("COMPRESSION", "LVQ4")]).unwrap();
    assert_eq!(v.params.training_threshold, Some(500_000));
    assert!(with(&[("COMPRESSION", "LVQ4"), ("TRAINING_THRESHOLD", "1024")]).is_ok());
}

#[test]
fn reduce_rules() {
    let msg = "REDUCE is irrelevant when compression is not of type LeanVec";
    assert_eq!(text(with(&[("REDUCE", "64")])), msg);
    assert_eq!(
        text(with(&[("COMPRESSION", "LVQ4x8"), ("REDUCE", "64")])),
        msg
    );
    assert!(with(&[("REDUCE", "64"), ("COMPRESSION", "LeanVec4x8")]).is_ok());
    // REDUCE ≥ DIM is not checked by Redis.
    assert!(with(&[("COMPRESSION", "LeanVec8x8"), ("REDUCE", "4096")]).is_ok());
}

#[test]
fn typed_validation_mirrors_the_server() {
    let ok = SvsParams::default();
    assert_eq!(validate_params(&ok, 128), Ok(()));
    let bf16 = SvsParams {
        element_type: ElementType::Bfloat16,
        ..ok
    };
    assert_eq!(
        validate_params(&bf16, 128),
        Err(SvsParamError::UnsupportedType)
    );
    let zero_r = SvsParams {
        graph_max_degree: 0,
        ..ok
    };
    assert_eq!(
        validate_params(&zero_r, 128).unwrap_err().to_string(),
        "Bad arguments for vector similarity SVS-VAMANA index `GRAPH_MAX_DEGREE`: Value is outside acceptable bounds"
    );
    assert_eq!(
        validate_params(&ok, 0),
        Err(SvsParamError::BadValue { attribute: "DIM" })
    );
    let tt = SvsParams {
        training_threshold: Some(4096),
        ..ok
    };
    assert_eq!(
        validate_params(&tt, 128),
        Err(SvsParamError::TrainingThresholdWithoutCompression)
    );
    let sq8 = SvsParams {
        compression: Some(Compression::GlobalSq8),
        ..ok
    };
    assert!(validate_params(&sq8, 128).is_err());
    assert_eq!(validate_params_for_annlab(&sq8, 128), Ok(()));
    let low = SvsParams {
        compression: Some(Compression::Lvq8),
        training_threshold: Some(512),
        ..ok
    };
    assert_eq!(
        validate_params(&low, 128),
        Err(SvsParamError::TrainingThresholdTooLow)
    );
}

#[test]
fn runtime_buffer_rules() {
    let rt = |w: Option<usize>, c: Option<usize>| SvsRuntime {
        search_window_size: w,
        search_buffer_capacity: c,
        use_search_history: SearchHistory::Auto,
    };
    // Index default window, capacity = window.
    let p = resolve_runtime(&rt(None, None), 10, true).unwrap();
    assert_eq!((p.window, p.capacity, p.use_history), (10, 10, true));
    // Capacity without window is ignored.
    let p = resolve_runtime(&rt(None, Some(500)), 10, false).unwrap();
    assert_eq!((p.window, p.capacity), (10, 10));
    // Window only: one-level W, two-level floor(1.5 W).
    assert_eq!(
        resolve_runtime(&rt(Some(25), None), 10, false)
            .unwrap()
            .capacity,
        25
    );
    assert_eq!(
        resolve_runtime(&rt(Some(25), None), 10, true)
            .unwrap()
            .capacity,
        37
    );
    // Explicit capacity.
    assert_eq!(
        resolve_runtime(&rt(Some(20), Some(80)), 10, false)
            .unwrap()
            .capacity,
        80
    );
    let err = resolve_runtime(&rt(Some(20), Some(10)), 10, false).unwrap_err();
    assert_eq!(
        err,
        SvsParamError::BufferSmallerThanWindow {
            capacity: 10,
            window: 20
        }
    );
    assert!(resolve_runtime(&rt(Some(0), None), 10, false).is_err());
    // A capacity of 0 is refused even without a window: the server checks it while parsing.
    assert!(resolve_runtime(&rt(None, Some(0)), 10, false).is_err());
    let off = SvsRuntime {
        use_search_history: SearchHistory::Off,
        ..rt(None, None)
    };
    assert!(!resolve_runtime(&off, 10, false).unwrap().use_history);
}
