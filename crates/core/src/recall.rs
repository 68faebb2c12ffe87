//! Recall measures.
//!
//! Placeholder; the full module adds tie-aware recall and recall against another index.

/// Mean recall@k by set overlap: |returned[..k] ∩ truth[..k]| / k, averaged over queries.
pub fn recall_at_k(returned: &[Vec<u32>], truth: &[Vec<u32>], k: usize) -> f64 {
    if returned.is_empty() || k == 0 {
        return 0.0;
    }
    let mut total = 0.0;
    for (r, t) in returned.iter().zip(truth) {
        let t = &t[..k.min(t.len())];
        let hits = r.iter().take(k).filter(|id| t.contains(id)).count();
        total += hits as f64 / k as f64;
    }
    total / returned.len() as f64
}
