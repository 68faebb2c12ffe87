//! Criterion benchmarks of the distance kernels: dispatched (SIMD) against the scalar reference.
//!
//! `cargo bench -p annlab-core --bench distance`

use std::hint::black_box;
use std::time::Duration;

use annlab_core::distance::{self, reference};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use half::{bf16, f16};

const DIMS: [usize; 3] = [128, 384, 768];

fn vector(dim: usize, seed: u64) -> Vec<f32> {
    annlab_core::rng::synthetic_clustered(1, dim, 1, seed)
}

fn kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("distance");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for dim in DIMS {
        let (a, b) = (vector(dim, 1), vector(dim, 2));
        let h: Vec<f16> = b.iter().map(|&x| f16::from_f32(x)).collect();
        let bh: Vec<bf16> = b.iter().map(|&x| bf16::from_f32(x)).collect();
        group.throughput(Throughput::Elements(dim as u64));
        macro_rules! pair {
            ($name:literal, $fast:path, $slow:path, $row:expr) => {
                group.bench_with_input(
                    BenchmarkId::new(concat!($name, "/simd"), dim),
                    &dim,
                    |bench, _| bench.iter(|| $fast(black_box(&a), black_box($row))),
                );
                group.bench_with_input(
                    BenchmarkId::new(concat!($name, "/scalar"), dim),
                    &dim,
                    |bench, _| bench.iter(|| $slow(black_box(&a), black_box($row))),
                );
            };
        }
        pair!("dot", distance::dot, reference::dot, &b);
        pair!("l2sq", distance::l2sq, reference::l2sq, &b);
        pair!("dot_f16", distance::dot_f16, reference::dot_f16, &h);
        pair!("l2sq_f16", distance::l2sq_f16, reference::l2sq_f16, &h);
        pair!("dot_bf16", distance::dot_bf16, reference::dot_bf16, &bh);
        pair!("l2sq_bf16", distance::l2sq_bf16, reference::l2sq_bf16, &bh);
        let q = [&a[..], &b[..], &a[..], &b[..]];
        let r = [&b[..], &a[..]];
        group.throughput(Throughput::Elements((dim * 8) as u64));
        group.bench_with_input(
            BenchmarkId::new("l2sq_tile4x2/simd", dim),
            &dim,
            |bench, _| bench.iter(|| distance::l2sq_tile(black_box(&q), black_box(&r))),
        );
        group.bench_with_input(
            BenchmarkId::new("l2sq_tile4x2/scalar", dim),
            &dim,
            |bench, _| bench.iter(|| reference::l2sq_tile(black_box(&q), black_box(&r))),
        );
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
