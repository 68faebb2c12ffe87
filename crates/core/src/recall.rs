//! Recall measures: set-overlap recall, tie-aware recall (the ann-benchmarks rule) and a
//! per-query summary.

use serde::{Deserialize, Serialize};

/// Relative slack of the tie-aware rule: a returned id is a hit when its true distance is at most
/// `kth × (1 + TIE_REL_EPS)` in magnitude terms (`kth + TIE_REL_EPS × |kth|`). It absorbs the
/// rounding of distances recomputed in f32 without admitting genuinely farther neighbours.
pub const TIE_REL_EPS: f64 = 1e-6;

/// Mean recall@k by set overlap: |returned[..k] ∩ truth[..k]| / k, averaged over queries.
pub fn recall_at_k(returned: &[Vec<u32>], truth: &[Vec<u32>], k: usize) -> f64 {
    mean(&per_query_recall(returned, truth, k))
}

/// Recall@k of every query by set overlap (`returned` and `truth` are zipped; extra queries on
/// either side are ignored). Missing results count as misses; duplicates count once.
pub fn per_query_recall(returned: &[Vec<u32>], truth: &[Vec<u32>], k: usize) -> Vec<f64> {
    if k == 0 {
        return Vec::new();
    }
    returned
        .iter()
        .zip(truth)
        .map(|(r, t)| {
            let t = &t[..k.min(t.len())];
            let r = &r[..k.min(r.len())];
            let hits = r
                .iter()
                .enumerate()
                .filter(|&(i, id)| t.contains(id) && !r[..i].contains(id))
                .count();
            hits as f64 / k as f64
        })
        .collect()
}

/// Mean tie-aware recall@k (ann-benchmarks): a returned id (among the first `k`) counts as a hit
/// when its *true* distance to the query is at most the true distance of the k-th exact
/// neighbour plus [`TIE_REL_EPS`] relative. So an index that returns a different member of a
/// tie group at the k-th place is not penalised.
///
/// `returned_true_distances[q][i]` is the exactly recomputed distance of `returned[q][i]`;
/// `kth_true_distance[q]` is the k-th smallest true distance of query `q`.
pub fn tie_aware_recall_at_k(
    returned: &[Vec<u32>],
    returned_true_distances: &[Vec<f32>],
    kth_true_distance: &[f32],
    k: usize,
) -> f64 {
    mean(&per_query_tie_aware_recall(
        returned,
        returned_true_distances,
        kth_true_distance,
        k,
    ))
}

/// Tie-aware recall@k of every query, see [`tie_aware_recall_at_k`].
pub fn per_query_tie_aware_recall(
    returned: &[Vec<u32>],
    returned_true_distances: &[Vec<f32>],
    kth_true_distance: &[f32],
    k: usize,
) -> Vec<f64> {
    if k == 0 {
        return Vec::new();
    }
    returned
        .iter()
        .zip(returned_true_distances)
        .zip(kth_true_distance)
        .map(|((ids, dists), &kth)| {
            let kth = f64::from(kth);
            let threshold = kth + TIE_REL_EPS * kth.abs();
            let hits = ids
                .iter()
                .zip(dists)
                .take(k)
                .enumerate()
                .filter(|&(i, (id, &d))| f64::from(d) <= threshold && !ids[..i].contains(id))
                .count();
            hits.min(k) as f64 / k as f64
        })
        .collect()
}

/// Summary of per-query recall values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecallMetrics {
    /// The `k` of recall@k.
    pub recall_k: usize,
    pub num_queries: usize,
    /// Mean over queries (0 when there are none).
    pub average: f64,
    pub min: f64,
    pub max: f64,
    /// Median (mean of the two middle values for an even count).
    pub median: f64,
    /// Share of queries with perfect recall.
    pub perfect_fraction: f64,
}

impl RecallMetrics {
    /// Summarises per-query recall values (NaN values are ignored).
    pub fn from_per_query(recall_k: usize, per_query: &[f64]) -> Self {
        let mut v: Vec<f64> = per_query.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => 0.0,
            _ if n % 2 == 1 => v[n / 2],
            _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Self {
            recall_k,
            num_queries: n,
            average: mean(&v),
            min: v.first().copied().unwrap_or(0.0),
            max: v.last().copied().unwrap_or(0.0),
            median,
            perfect_fraction: if n == 0 {
                0.0
            } else {
                v.iter().filter(|&&x| x >= 1.0).count() as f64 / n as f64
            },
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_overlap_recall() {
        let truth = vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]];
        let returned = vec![vec![4, 3, 9, 1], vec![5, 6, 7, 8]];
        assert_eq!(per_query_recall(&returned, &truth, 4), vec![0.75, 1.0]);
        assert!((recall_at_k(&returned, &truth, 4) - 0.875).abs() < 1e-12);
        // Only the first k of each list count.
        assert_eq!(
            per_query_recall(&[vec![2, 1, 3]], &[vec![1, 2, 9]], 2),
            vec![1.0]
        );
        // Short results and duplicates are misses.
        assert_eq!(
            per_query_recall(&[vec![1, 1]], &[vec![1, 2, 3]], 3),
            vec![1.0 / 3.0]
        );
        assert_eq!(recall_at_k(&[], &[], 10), 0.0);
        assert_eq!(recall_at_k(&returned, &truth, 0), 0.0);
    }

    #[test]
    fn tie_aware_recall_accepts_ties_at_the_kth_place() {
        // True top-3 distances 1, 2, 3; ids 7 and 8 also sit at distance 3 (a tie group).
        let returned = vec![vec![1, 2, 8]];
        let dists = vec![vec![1.0, 2.0, 3.0]];
        assert_eq!(tie_aware_recall_at_k(&returned, &dists, &[3.0], 3), 1.0);
        // A farther id is a miss, even by a little more than the slack.
        let dists = vec![vec![1.0, 2.0, 3.0001]];
        assert!((tie_aware_recall_at_k(&returned, &dists, &[3.0], 3) - 2.0 / 3.0).abs() < 1e-12);
        // Within the relative slack counts.
        let dists = vec![vec![1.0, 2.0, 3.0 * (1.0 + 5e-7)]];
        assert_eq!(tie_aware_recall_at_k(&returned, &dists, &[3.0], 3), 1.0);
    }

    #[test]
    fn tie_aware_recall_handles_negative_and_zero_distances() {
        // IP distances can be negative; the slack is relative to |kth|.
        let returned = vec![vec![1, 2], vec![3, 4]];
        let dists = vec![vec![-5.0, -4.0], vec![0.0, 0.0]];
        assert_eq!(
            tie_aware_recall_at_k(&returned, &dists, &[-4.0, 0.0], 2),
            1.0
        );
        let dists = vec![vec![-5.0, -3.9], vec![0.0, 1e-9]];
        assert_eq!(
            per_query_tie_aware_recall(&returned, &dists, &[-4.0, 0.0], 2),
            vec![0.5, 0.5]
        );
    }

    #[test]
    fn tie_aware_recall_ignores_duplicates_and_extra_results() {
        let returned = vec![vec![1, 1, 2, 3]];
        let dists = vec![vec![1.0, 1.0, 2.0, 0.5]];
        // Only the first k = 3 count and the repeated id once: {1, 2} of 3.
        assert!((tie_aware_recall_at_k(&returned, &dists, &[2.0], 3) - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn metrics_summary() {
        let m = RecallMetrics::from_per_query(10, &[1.0, 0.5, 0.9, 1.0]);
        assert_eq!(m.num_queries, 4);
        assert!((m.average - 0.85).abs() < 1e-12);
        assert_eq!((m.min, m.max), (0.5, 1.0));
        assert!((m.median - 0.95).abs() < 1e-12);
        assert_eq!(m.perfect_fraction, 0.5);
        let empty = RecallMetrics::from_per_query(10, &[]);
        assert_eq!(
            (empty.num_queries, empty.average, empty.median),
            (0, 0.0, 0.0)
        );
    }
}
