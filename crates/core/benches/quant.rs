//! Codec scoring throughput at d = 768 (the Vamana hot loop): primary `distance` and, for
//! two-level codecs, `rerank_distance`, over 1,000 stored rows per iteration. Also the cost of
//! preparing a query (LeanVec projects it) and of training LeanVec (PCA).
//!
//! Run: `CARGO_TARGET_DIR=/work/target-codecs cargo bench -p annlab-core --bench quant`.

use std::hint::black_box;

use annlab_core::control::NoControl;
use annlab_core::quant::{train_codec_store, CodecKind};
use annlab_core::rng::synthetic_clustered;
use annlab_core::store::{QueryScorer, VectorStore};
use annlab_core::{with_codec_store, Matrix, Metric};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const DIM: usize = 768;
const ROWS: usize = 4_096;
const SCORED: u32 = 1_000;

fn kinds() -> [CodecKind; 9] {
    [
        CodecKind::Float32,
        CodecKind::Float16,
        CodecKind::GlobalSq8,
        CodecKind::Lvq4,
        CodecKind::Lvq8,
        CodecKind::Lvq4x4,
        CodecKind::Lvq4x8,
        CodecKind::LeanVec4x8 { reduce: DIM / 2 },
        CodecKind::LeanVec8x8 { reduce: DIM / 2 },
    ]
}

fn label(kind: CodecKind) -> String {
    match kind {
        CodecKind::Float32 => "FP32".to_string(),
        CodecKind::Float16 => "FP16".to_string(),
        other => other.redis_name().to_string(),
    }
}

fn scoring(c: &mut Criterion) {
    let data = Matrix::new(DIM, synthetic_clustered(ROWS, DIM, 16, 1)).unwrap_or_default();
    let query = synthetic_clustered(1, DIM, 16, 2);
    // Stride through the rows so the codes do not all sit in L1.
    let ids: Vec<u32> = (0..SCORED).map(|i| (i * 4) % ROWS as u32).collect();
    for metric in [Metric::Ip, Metric::L2] {
        let mut group = c.benchmark_group(format!("quant/{}/d{DIM}", metric.lower_name()));
        group.throughput(Throughput::Elements(u64::from(SCORED)));
        for kind in kinds() {
            let Ok(store) = train_codec_store(kind, &data, metric, ROWS, 1, &mut NoControl) else {
                continue;
            };
            with_codec_store!(&store, s => {
                let scorer = s.scorer(&query);
                group.bench_function(BenchmarkId::new("distance", label(kind)), |b| {
                    b.iter(|| ids.iter().map(|&id| scorer.distance(black_box(id))).sum::<f32>())
                });
                if s.is_two_level() {
                    group.bench_function(BenchmarkId::new("rerank", label(kind)), |b| {
                        b.iter(|| {
                            ids.iter()
                                .map(|&id| scorer.rerank_distance(black_box(id)))
                                .sum::<f32>()
                        })
                    });
                }
                group.bench_function(BenchmarkId::new("prepare_query", label(kind)), |b| {
                    b.iter(|| s.scorer(black_box(&query)).distance(0))
                });
            });
        }
        group.finish();
    }
}

fn training(c: &mut Criterion) {
    let data = Matrix::new(DIM, synthetic_clustered(ROWS, DIM, 16, 1)).unwrap_or_default();
    let mut group = c.benchmark_group(format!("quant/train/d{DIM}/n{ROWS}"));
    group.sample_size(10);
    for kind in [CodecKind::Lvq4x8, CodecKind::LeanVec4x8 { reduce: DIM / 2 }] {
        group.bench_function(label(kind), |b| {
            b.iter(|| {
                train_codec_store(kind, &data, Metric::L2, ROWS, 1, &mut NoControl).map(|s| s.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, scoring, training);
criterion_main!(benches);
