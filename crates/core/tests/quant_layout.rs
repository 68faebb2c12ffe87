//! Codec kinds, bytes per vector (spec §3.6), store sizes and training errors.

use annlab_core::control::{BuildControl, NoControl};
use annlab_core::element::ElementType;
use annlab_core::quant::{bytes_per_vector, train_codec_store, CodecKind, CodecStore, QuantError};
use annlab_core::rng::synthetic_clustered;
use annlab_core::svs::params::Compression;
use annlab_core::{Matrix, Metric};

fn all_kinds(dim: usize) -> Vec<CodecKind> {
    let reduce = dim / 2;
    vec![
        CodecKind::Float32,
        CodecKind::Float16,
        CodecKind::GlobalSq8,
        CodecKind::Lvq4,
        CodecKind::Lvq8,
        CodecKind::Lvq4x4,
        CodecKind::Lvq4x8,
        CodecKind::LeanVec4x8 { reduce },
        CodecKind::LeanVec8x8 { reduce },
    ]
}

#[test]
fn bytes_per_vector_matches_spec_table() {
    // Spec §3.6 table: FP32, SQ8, LVQ4, LVQ8, LVQ4x4, LVQ4x8, LeanVec4x8, LeanVec8x8 (d' = d/2).
    let table: [(usize, [usize; 8]); 3] = [
        (384, [1536, 384, 197, 389, 389, 581, 522, 586]),
        (768, [3072, 768, 389, 773, 773, 1157, 970, 1162]),
        (1536, [6144, 1536, 773, 1541, 1541, 2309, 1930, 2314]),
    ];
    for (d, expected) in table {
        let reduce = d / 2;
        let kinds = [
            CodecKind::Float32,
            CodecKind::GlobalSq8,
            CodecKind::Lvq4,
            CodecKind::Lvq8,
            CodecKind::Lvq4x4,
            CodecKind::Lvq4x8,
            CodecKind::LeanVec4x8 { reduce },
            CodecKind::LeanVec8x8 { reduce },
        ];
        for (kind, want) in kinds.into_iter().zip(expected) {
            assert_eq!(bytes_per_vector(kind, d), want, "{kind:?} at d={d}");
        }
        assert_eq!(bytes_per_vector(CodecKind::Float16, d), 2 * d);
    }
}

#[test]
fn bytes_per_vector_pads_lvq4_to_128_blocks_and_clamps_reduce() {
    assert_eq!(bytes_per_vector(CodecKind::Lvq4, 1), 64 + 5);
    assert_eq!(bytes_per_vector(CodecKind::Lvq4, 129), 128 + 5);
    assert_eq!(bytes_per_vector(CodecKind::Lvq4x4, 101), 64 + 5 + 51);
    // REDUCE >= DIM is clamped to DIM.
    assert_eq!(
        bytes_per_vector(CodecKind::LeanVec8x8 { reduce: 1000 }, 100),
        bytes_per_vector(CodecKind::LeanVec8x8 { reduce: 100 }, 100)
    );
}

#[test]
fn kinds_map_from_redis_attributes() {
    let f = CodecKind::from_compression;
    assert_eq!(f(None, ElementType::Float32, 768, None), CodecKind::Float32);
    assert_eq!(f(None, ElementType::Float16, 768, None), CodecKind::Float16);
    assert_eq!(
        f(
            Some(Compression::LeanVec4x8),
            ElementType::Float32,
            769,
            None
        ),
        CodecKind::LeanVec4x8 { reduce: 384 }
    );
    assert_eq!(
        f(
            Some(Compression::LeanVec8x8),
            ElementType::Float32,
            768,
            Some(96)
        ),
        CodecKind::LeanVec8x8 { reduce: 96 }
    );
    assert_eq!(
        f(Some(Compression::GlobalSq8), ElementType::Float16, 8, None),
        CodecKind::GlobalSq8
    );
    let names: Vec<&str> = all_kinds(8).iter().map(|k| k.redis_name()).collect();
    assert_eq!(
        names,
        [
            "NO_COMPRESSION",
            "NO_COMPRESSION",
            "GlobalSQ8",
            "LVQ4",
            "LVQ8",
            "LVQ4x4",
            "LVQ4x8",
            "LeanVec4x8",
            "LeanVec8x8"
        ]
    );
    for c in Compression::ACCEPTED_BY_REDIS {
        let kind = f(Some(c), ElementType::Float32, 64, None);
        assert_eq!(kind.redis_name(), c.redis_name());
        assert_eq!(kind.is_two_level(), c.is_two_level(), "{c}");
    }
}

#[test]
fn built_stores_hold_exactly_n_times_bytes_per_vector() {
    let (n, dim) = (300, 200);
    let data = Matrix::new(dim, synthetic_clustered(n, dim, 5, 11)).unwrap();
    for metric in [Metric::L2, Metric::Cosine] {
        for kind in all_kinds(dim) {
            let store = train_codec_store(kind, &data, metric, 250, 7, &mut NoControl).unwrap();
            assert_eq!(store.len(), n);
            assert_eq!(store.dim(), dim);
            assert_eq!(store.metric(), metric);
            assert_eq!(store.kind(), kind);
            assert_eq!(store.is_two_level(), kind.is_two_level(), "{kind:?}");
            assert_eq!(
                store.vector_bytes(),
                (n * bytes_per_vector(kind, dim)) as u64,
                "{kind:?} {metric}"
            );
            let expected_codec_bytes = match kind {
                CodecKind::Float32 | CodecKind::Float16 => 0,
                CodecKind::GlobalSq8 => 8,
                CodecKind::LeanVec4x8 { reduce } | CodecKind::LeanVec8x8 { reduce } => {
                    4 * (dim + reduce * dim)
                }
                _ => 4 * dim,
            };
            assert_eq!(store.codec_bytes(), expected_codec_bytes as u64, "{kind:?}");
        }
    }
}

#[test]
fn training_errors_are_structured() {
    let dim = 16;
    let mut values = synthetic_clustered(50, dim, 2, 3);
    let good = Matrix::new(dim, values.clone()).unwrap();
    values[7 * dim + 3] = f32::NAN;
    let nan = Matrix::new(dim, values).unwrap();
    let mut zero_row = synthetic_clustered(50, dim, 2, 3);
    zero_row[4 * dim..5 * dim].fill(0.0);
    let zero = Matrix::new(dim, zero_row).unwrap();
    for kind in all_kinds(dim) {
        let train = |m: &Matrix, metric, rows| {
            train_codec_store(kind, m, metric, rows, 1, &mut NoControl).map(|_| ())
        };
        assert_eq!(
            train(&nan, Metric::L2, 50),
            Err(QuantError::NonFinite { row: 7, col: 3 }),
            "{kind:?}"
        );
        assert_eq!(
            train(&zero, Metric::Cosine, 50),
            Err(QuantError::ZeroVectorUnderCosine { row: 4 }),
            "{kind:?}"
        );
        assert!(train(&zero, Metric::L2, 50).is_ok(), "{kind:?}");
        assert_eq!(
            train(&Matrix::with_dim(dim).unwrap(), Metric::Ip, 10),
            Err(QuantError::Empty)
        );
        if !matches!(kind, CodecKind::Float32 | CodecKind::Float16) {
            assert_eq!(train(&good, Metric::L2, 0), Err(QuantError::NoTrainingRows));
            // More training rows than data rows: all rows train.
            assert!(train(&good, Metric::L2, 10_000).is_ok());
        }
    }
    for kind in [
        CodecKind::LeanVec4x8 { reduce: 0 },
        CodecKind::LeanVec8x8 { reduce: 0 },
    ] {
        let r = train_codec_store(kind, &good, Metric::L2, 50, 1, &mut NoControl);
        assert_eq!(r.map(|_| ()), Err(QuantError::ZeroReduce));
    }
}

#[test]
fn lvq_rejects_values_beyond_f16_range() {
    let dim = 8;
    let mut values = vec![0.0f32; 20 * dim];
    // Trained on the zero rows (μ = 0), row 13's bias -1e6 does not fit a float16.
    values[13 * dim] = -1.0e6;
    let m = Matrix::new(dim, values).unwrap();
    for kind in [CodecKind::Lvq8, CodecKind::Lvq4x8] {
        let r = train_codec_store(kind, &m, Metric::L2, 10, 1, &mut NoControl);
        assert_eq!(r.map(|_| ()), Err(QuantError::OutOfHalfRange { row: 13 }));
    }
    // GlobalSQ8 keeps f32 constants and copes.
    assert!(train_codec_store(CodecKind::GlobalSq8, &m, Metric::L2, 20, 1, &mut NoControl).is_ok());
}

#[test]
fn reduce_at_or_above_dim_is_clamped_to_dim() {
    let dim = 24;
    let data = Matrix::new(dim, synthetic_clustered(100, dim, 3, 5)).unwrap();
    for reduce in [dim, dim + 1, 10 * dim] {
        let store = train_codec_store(
            CodecKind::LeanVec8x8 { reduce },
            &data,
            Metric::L2,
            100,
            1,
            &mut NoControl,
        )
        .unwrap();
        let CodecStore::LeanVec(s) = &store else {
            panic!("expected a LeanVec store");
        };
        assert_eq!(s.reduced_dim(), dim, "reduce={reduce}");
        assert_eq!(store.kind(), CodecKind::LeanVec8x8 { reduce: dim });
        assert_eq!(
            store.vector_bytes(),
            (100 * bytes_per_vector(CodecKind::LeanVec8x8 { reduce }, dim)) as u64
        );
    }
}

struct CancelAfter {
    calls: usize,
    limit: usize,
    phases: Vec<String>,
}

impl BuildControl for CancelAfter {
    fn progress(&mut self, phase: &str, _done: usize, _total: usize) -> bool {
        self.calls += 1;
        if self.phases.last().map(String::as_str) != Some(phase) {
            self.phases.push(phase.to_string());
        }
        self.calls <= self.limit
    }
}

#[test]
fn training_reports_progress_and_can_be_cancelled() {
    let dim = 32;
    let data = Matrix::new(dim, synthetic_clustered(3000, dim, 4, 9)).unwrap();
    for kind in all_kinds(dim).into_iter().skip(2) {
        let mut watch = CancelAfter {
            calls: 0,
            limit: usize::MAX,
            phases: Vec::new(),
        };
        train_codec_store(kind, &data, Metric::Ip, 2500, 1, &mut watch).unwrap();
        assert_eq!(watch.phases, ["training", "encoding"], "{kind:?}");
        let mut cancel = CancelAfter {
            calls: 0,
            limit: 1,
            phases: Vec::new(),
        };
        let r = train_codec_store(kind, &data, Metric::Ip, 2500, 1, &mut cancel);
        assert!(matches!(r, Err(QuantError::Cancelled(_))), "{kind:?}");
    }
}
