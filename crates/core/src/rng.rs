//! Seeded randomness. Every random choice in annlab flows from an explicit `u64` seed through
//! ChaCha8, so the same seed gives the same result on every platform.

use rand::{Rng, SeedableRng};
pub use rand_chacha::ChaCha8Rng as SeededRng;

/// A generator for `seed`.
pub fn seeded(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}

/// `count` distinct indices from `0..n`, sorted ascending (a partial Fisher–Yates shuffle).
pub fn sample_indices(n: usize, count: usize, seed: u64) -> Vec<usize> {
    let count = count.min(n);
    let mut rng = seeded(seed);
    let mut pool: Vec<usize> = (0..n).collect();
    for i in 0..count {
        let j = rng.random_range(i..n);
        pool.swap(i, j);
    }
    pool.truncate(count);
    pool.sort_unstable();
    pool
}

/// The clusters of the shared synthetic set (the app's "synthetic" data and the race and
/// parity benches).
pub const SYNTHETIC_CLUSTERS: usize = 64;

/// Deterministic synthetic data: `rows × dim` standard-normal-ish values (sum of uniforms) with
/// a few clusters so graph indexes face realistic structure.
pub fn synthetic_clustered(rows: usize, dim: usize, clusters: usize, seed: u64) -> Vec<f32> {
    let mut rng = seeded(seed);
    let clusters = clusters.max(1);
    let centers: Vec<f32> = (0..clusters * dim)
        .map(|_| gaussian(&mut rng) * 2.0)
        .collect();
    let mut out = Vec::with_capacity(rows * dim);
    for _ in 0..rows {
        let c = rng.random_range(0..clusters);
        for j in 0..dim {
            out.push(centers[c * dim + j] + gaussian(&mut rng));
        }
    }
    out
}

/// An approximately standard-normal draw (Irwin–Hall with 4 uniforms, rescaled).
fn gaussian(rng: &mut SeededRng) -> f32 {
    let s: f32 = (0..4).map(|_| rng.random::<f32>()).sum();
    (s - 2.0) * (3.0f32).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_is_deterministic_and_distinct() {
        let a = sample_indices(1000, 50, 7);
        assert_eq!(a, sample_indices(1000, 50, 7));
        let mut d = a.clone();
        d.dedup();
        assert_eq!(d.len(), 50);
        assert_ne!(a, sample_indices(1000, 50, 8));
    }
}
