//! The worker message protocol through real JS values (serde-wasm-bindgen + ArrayBuffers),
//! as the app and the worker exchange them. Runs in Node:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p annlab-app --target wasm32-unknown-unknown --test web_protocol`
#![cfg(target_arch = "wasm32")]

use annlab_app::worker_codec::{decode_event, decode_request, encode_event, encode_request};
use annlab_core::hnsw::HnswParams;
use annlab_core::Metric;
use annlab_protocol::report::{Algorithm, Latency, MemoryReport, RunReport, SearchPoint};
use annlab_protocol::runner::IndexSpec;
use annlab_protocol::worker::{
    DataRequest, FileRole, IdsRef, IndexRequest, MatrixRef, PageRequest, RunRequest, WarmUpRequest,
    WorkerEvent,
};
use annlab_worker::jobs::{Buffer, Reply};
use annlab_worker::role::Buffers;
use js_sys::{Float32Array, Object, Reflect, Uint32Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn run_request() -> PageRequest {
    PageRequest::Index(IndexRequest::Run(RunRequest {
        spec: IndexSpec::Hnsw {
            params: HnswParams::default(),
            ef_sweep: vec![10, 20],
        },
        base: MatrixRef {
            rows: 2,
            dim: 3,
            slot: 0,
        },
        queries: MatrixRef {
            rows: 1,
            dim: 3,
            slot: 1,
        },
        truth: IdsRef {
            rows: 1,
            k: 1,
            slot: 2,
        },
        metric: Metric::Cosine,
        k: 1,
        hold_measure: true,
        helpers: 1,
        accept_helpers: true,
    }))
}

#[wasm_bindgen_test]
fn request_and_buffers_round_trip() {
    let base = Float32Array::from(&[1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0][..]).buffer();
    let queries = Float32Array::from(&[1.0f32, 0.1, 0.0][..]).buffer();
    let truth = Uint32Array::from(&[0u32][..]).buffer();
    let message = encode_request(42, &run_request(), &[base, queries, truth]).unwrap();
    let incoming = decode_request::<PageRequest>(&message).unwrap();
    assert_eq!(incoming.job, 42);
    assert_eq!(incoming.request, run_request());
    assert_eq!(
        incoming.f32s(0).unwrap(),
        vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    );
    assert_eq!(incoming.u32s(2).unwrap(), vec![0]);
    assert!(
        incoming.f32s(7).is_err(),
        "a missing slot must be an error, not a panic"
    );
}

#[wasm_bindgen_test]
fn parse_request_carries_bytes() {
    let bytes = js_sys::Uint8Array::from(&b"1,2\n3,4\n"[..]).buffer();
    let request = PageRequest::Data(DataRequest::ParseFile {
        name: "v.csv".into(),
        role: FileRole::Base,
        bytes: 0,
    });
    let incoming =
        decode_request::<PageRequest>(&encode_request(1, &request, &[bytes]).unwrap()).unwrap();
    assert_eq!(incoming.bytes(0).unwrap(), b"1,2\n3,4\n".to_vec());
}

#[wasm_bindgen_test]
fn run_finished_event_round_trips_with_json_maps() {
    let mut params = serde_json::Map::new();
    params.insert("m".into(), 16.into());
    let mut runtime = serde_json::Map::new();
    runtime.insert("ef_runtime".into(), 10.into());
    let report = RunReport {
        algorithm: Algorithm::Hnsw,
        params,
        target: Default::default(),
        build_seconds: 1.5,
        memory: MemoryReport {
            vector_bytes: 10,
            graph_bytes: 5,
            other_bytes: 1,
            index_bytes: 16,
            redis_index_bytes_estimate: 20,
            document_bytes: 8,
        },
        search: vec![SearchPoint {
            runtime,
            recall_at_k: 0.9,
            tie_aware_recall_at_k: 0.9,
            qps: 1000.0,
            latency_us: Latency {
                p50: 1.0,
                p95: 2.0,
                p99: 3.0,
                // The timer behind the figures crosses the worker boundary too.
                resolution_us: 100.0,
                batch: 40,
            },
            distance_computations_mean: 100.0,
            timed_queries: 0,
            recall_vs_hnsw: None,
        }],
        effective: None,
        notes: vec![],
    };
    let event = WorkerEvent::RunFinished {
        report,
        results: vec![vec![vec![3, 1, 2]]],
    };
    let (message, transfer) = encode_event(
        9,
        Reply {
            event: event.clone(),
            buffers: vec![Buffer::U32(vec![5, 6])],
        },
    )
    .unwrap();
    assert_eq!(transfer.length(), 1);
    // Maps must arrive as plain JS objects (what a JS reader of the message expects).
    let msg = Reflect::get(&message, &"msg".into()).unwrap();
    let body = Reflect::get(&msg, &"body".into()).unwrap();
    assert_eq!(
        Reflect::get(&body, &"type".into()).unwrap(),
        JsValue::from_str("run_finished")
    );
    let (job, back, buffers) = decode_event(&message).unwrap();
    assert_eq!(job, 9);
    assert_eq!(back, event);
    assert_eq!(Uint32Array::new(&buffers[0]).to_vec(), vec![5, 6]);
}

#[wasm_bindgen_test]
fn foreign_messages_are_errors_not_panics() {
    assert!(decode_request::<PageRequest>(&JsValue::from_str("hello")).is_err());
    let obj = Object::new();
    let msg = Object::new();
    Reflect::set(&msg, &"v".into(), &99.into()).unwrap();
    Reflect::set(&msg, &"job".into(), &3.into()).unwrap();
    Reflect::set(&obj, &"msg".into(), &msg).unwrap();
    let err = decode_request::<PageRequest>(&obj.into()).err().unwrap();
    assert_eq!(err.0, 3);
    assert!(err.1.contains("version"), "{}", err.1);
    assert!(decode_event(&JsValue::NULL).is_err());
}

#[wasm_bindgen_test]
fn build_then_measure_messages_round_trip() {
    // The app holds both builds and measures them one at a time: `Run { hold_measure }`
    // answers `Built`, and a bare `Measure` request asks for the sweep.
    let measure = PageRequest::Index(IndexRequest::Measure);
    let message = encode_request(11, &measure, &[]).unwrap();
    let incoming = decode_request::<PageRequest>(&message).unwrap();
    assert_eq!((incoming.job, incoming.request), (11, measure));
    let built = WorkerEvent::Built { build_seconds: 2.5 };
    let (message, _) = encode_event(
        12,
        Reply {
            event: built.clone(),
            buffers: Vec::new(),
        },
    )
    .unwrap();
    let (job, back, _) = decode_event(&message).unwrap();
    assert_eq!((job, back), (12, built));
}

#[wasm_bindgen_test]
fn warm_up_messages_round_trip_and_the_codec_warm_ups_run() {
    let request = PageRequest::Index(IndexRequest::WarmUp(WarmUpRequest {
        spec: IndexSpec::Hnsw {
            params: HnswParams::default(),
            ef_sweep: vec![10],
        },
        metric: Metric::Cosine,
    }));
    let incoming =
        decode_request::<PageRequest>(&encode_request(0, &request, &[]).unwrap()).unwrap();
    assert_eq!(incoming.request, request);
    let (message, _) = encode_event(
        0,
        Reply {
            event: WorkerEvent::WarmedUp { seconds: 0.25 },
            buffers: Vec::new(),
        },
    )
    .unwrap();
    let (_, event, _) = decode_event(&message).unwrap();
    assert_eq!(event, WorkerEvent::WarmedUp { seconds: 0.25 });
    annlab_app::worker_codec::warm_up_codec(0, 3).unwrap();
    annlab_app::worker_codec::warm_up_event_codec(3).unwrap();
}

#[wasm_bindgen_test]
fn a_warm_up_builds_both_kinds_in_wasm() {
    struct Zero;
    impl annlab_protocol::runner::Clock for Zero {
        fn now_seconds(&self) -> f64 {
            0.0
        }
    }
    for spec in [
        IndexSpec::Hnsw {
            params: HnswParams::default(),
            ef_sweep: vec![10],
        },
        IndexSpec::Svs {
            params: annlab_core::svs::SvsParams::default(),
            target: annlab_core::svs::Target::Intel,
            runtime_sweep: vec![annlab_core::svs::SvsRuntime::default()],
        },
    ] {
        let reply = annlab_worker::warm_up::warm_up(
            &spec,
            Metric::Cosine,
            &Zero,
            &mut annlab_core::NoControl,
        )
        .unwrap();
        assert!(matches!(reply.event, WorkerEvent::WarmedUp { .. }));
    }
}
