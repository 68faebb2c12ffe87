//! Heuristic (alpha) pruning of a candidate pool down to a bounded neighbour list.
//!
//! Candidates are walked nearest first. A kept neighbour `p` *covers* a later candidate `c` at a
//! given alpha, and `c` is dropped, when:
//! - L2 (distances d, smaller is closer): `alpha · d(p, c) < d(q, c)`;
//! - IP / COSINE (SVS compares similarities s = 1 − d with the reversed comparator):
//!   `alpha · s(p, c) > s(q, c)`.
//!
//! With alpha = 1 both are the classic relative-neighbourhood rule "p is closer to c than q is".
//! Alpha relaxes the rule in the direction that keeps more (longer) edges: alpha > 1 for L2
//! (default 1.2) and alpha < 1 for similarities (default 0.95). SVS runs rounds with the
//! current alpha = 1, then alpha (the next power would be past the target), re-offering in the
//! second round the candidates the first round dropped; a candidate is reconsidered in a round
//! only if no kept neighbour covers it at that round's alpha.

use crate::metric::Metric;
use crate::neighbor::Neighbor;
use crate::store::{QueryScorer, VectorStore};

/// Reusable scratch for [`robust_prune`].
#[derive(Debug, Clone, Default)]
pub struct PruneScratch {
    /// Bit r set: the candidate is covered at round r. Bit 7: the candidate was kept.
    state: Vec<u8>,
}

const KEPT: u8 = 0x80;

/// How many candidates ahead the pruning loop prefetches.
const PREFETCH_AHEAD: usize = 4;

/// Whether a kept neighbour at distance `d_pc` from candidate `c` covers `c`, whose distance to
/// the node being pruned is `d_qc`.
#[inline]
pub fn covers(metric: Metric, alpha: f32, d_pc: f32, d_qc: f32) -> bool {
    if metric.is_inner_product() {
        alpha * (1.0 - d_pc) > 1.0 - d_qc
    } else {
        alpha * d_pc < d_qc
    }
}

/// The alpha of each pruning round: 1, then `alpha` when it differs.
#[inline]
fn rounds(alpha: f32) -> ([f32; 2], usize) {
    if alpha == 1.0 {
        ([1.0, 1.0], 1)
    } else {
        ([1.0, alpha], 2)
    }
}

/// Distance between two stored rows for graph construction: two-level codecs use their full
/// representation (as SVS's build adaptor does), one-level stores their only one.
#[inline]
pub(crate) fn build_distance<Q: QueryScorer>(scorer: &Q, id: u32, two_level: bool) -> f32 {
    if two_level {
        scorer.rerank_distance(id)
    } else {
        scorer.distance(id)
    }
}

/// Prunes `pool` (sorted nearest first, not containing the node itself) to at most
/// `max_degree` ids written to `out`. Returns the number of distances computed.
pub fn robust_prune<S: VectorStore>(
    store: &S,
    pool: &[Neighbor],
    alpha: f32,
    max_degree: usize,
    scratch: &mut PruneScratch,
    out: &mut Vec<u32>,
) -> usize {
    out.clear();
    if max_degree == 0 || pool.is_empty() {
        return 0;
    }
    let metric = store.metric();
    let two_level = store.is_two_level();
    let (alphas, round_count) = rounds(alpha);
    let state = &mut scratch.state;
    state.clear();
    state.resize(pool.len(), 0);
    let mut computed = 0;
    for round in 0..round_count {
        let round_bit = 1u8 << round;
        for i in 0..pool.len() {
            if out.len() >= max_degree {
                return computed;
            }
            if state[i] & (KEPT | round_bit) != 0 {
                continue;
            }
            state[i] |= KEPT;
            let p = pool[i];
            out.push(p.id);
            if out.len() >= max_degree {
                return computed;
            }
            let p_scorer = store.scorer_for_row(p.id);
            // Rounds from this one on; a candidate covered in all of them is closed.
            let open_mask: u8 = ((1u8 << round_count) - 1) & !((1u8 << round) - 1);
            let rest = pool.get(i + 1..).unwrap_or(&[]);
            for (k, (c, s)) in rest.iter().zip(state[i + 1..].iter_mut()).enumerate() {
                // Rows of the pool may have left the cache since the search scored them.
                if let Some(ahead) = rest.get(k + PREFETCH_AHEAD) {
                    store.prefetch_vector(ahead.id);
                }
                if *s & KEPT != 0 || *s & open_mask == open_mask {
                    continue;
                }
                let d_pc = build_distance(&p_scorer, c.id, two_level);
                computed += 1;
                if round == 0 && covers(metric, alphas[0], d_pc, c.distance) {
                    *s |= 1;
                }
                if round_count == 2 && covers(metric, alphas[1], d_pc, c.distance) {
                    *s |= 2;
                }
            }
        }
    }
    computed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::Matrix;
    use crate::store::FullPrecisionStore;

    #[test]
    fn l2_alpha_keeps_more_than_one() {
        // Node 0 at the origin; candidates along a line: 1 covers 2 at alpha 1 but not at 1.2?
        let data = vec![0.0, 0.0, 1.0, 0.0, 2.1, 0.0, 0.0, 1.0];
        let m = Matrix::new(2, data).unwrap();
        let store = FullPrecisionStore::<f32>::from_matrix(&m, Metric::L2).unwrap();
        let q = store.scorer_for_row(0);
        let mut pool: Vec<Neighbor> = (1..4).map(|id| Neighbor::new(id, q.distance(id))).collect();
        pool.sort_by(|a, b| a.cmp_by_distance(b));
        let mut out = Vec::new();
        let mut scratch = PruneScratch::default();
        robust_prune(&store, &pool, 1.0, 3, &mut scratch, &mut out);
        // d(1,2)=1.21 < d(0,2)=4.41: 2 is covered at alpha 1.
        assert_eq!(out, vec![1, 3]);
        robust_prune(&store, &pool, 4.0, 3, &mut scratch, &mut out);
        // 4 · 1.21 = 4.84 ≥ 4.41: 2 comes back in the second round.
        assert_eq!(out, vec![1, 3, 2]);
    }

    #[test]
    fn ip_alpha_below_one_keeps_more() {
        assert!(covers(Metric::Ip, 1.0, 0.10, 0.20)); // s(p,c)=0.9 > s(q,c)=0.8
        assert!(!covers(Metric::Ip, 0.85, 0.10, 0.20)); // 0.765 < 0.8
        assert!(covers(Metric::L2, 1.0, 1.0, 2.0));
        assert!(!covers(Metric::L2, 2.5, 1.0, 2.0));
    }
}
