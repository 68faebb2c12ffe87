//! Heuristic (alpha) pruning of a candidate pool down to a bounded neighbour list, with the two
//! strategies SVS uses (`prune.h`), chosen by metric as Redis's build does.
//!
//! Candidates are walked nearest first. A kept neighbour `p` *covers* a later candidate `c` at a
//! given alpha when:
//! - L2 (distances d, smaller is closer): `alpha · d(p, c) < d(q, c)`;
//! - IP / COSINE (SVS compares similarities s = 1 − d with the reversed comparator):
//!   `alpha · s(p, c) > s(q, c)`.
//!
//! With alpha = 1 both are the relative-neighbourhood rule "p is closer to c than q is". SVS runs
//! rounds at alpha = 1 and then at the configured alpha (the next power would pass it):
//! - **L2, progressive** ([`PruneRule::Progressive`]): each candidate remembers the largest
//!   ratio `d(q, c) / d(p, c)` over the kept neighbours it was compared with; in a round at
//!   alpha it is skipped (neither kept nor compared) while that ratio exceeds alpha. A candidate
//!   covered at alpha = 1 is therefore not compared with later round-1 neighbours, exactly as in
//!   SVS, and round 2 re-offers every candidate whose ratio is ≤ 1.2.
//! - **IP / COSINE, iterative** ([`PruneRule::Iterative`]): round 2 forgets which candidates
//!   round 1 pruned and runs the greedy rule again at alpha = 0.95 over the candidates not yet
//!   kept, so only neighbours kept in round 2 can prune in round 2.

use crate::metric::Metric;
use crate::neighbor::Neighbor;
use crate::sketch::BuildSketch;
use crate::store::{QueryScorer, VectorStore};

/// Which SVS pruning strategy a metric uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneRule {
    /// SVS `ProgressivePruneStrategy` (L2).
    Progressive,
    /// SVS `IterativePruneStrategy` (IP and COSINE).
    Iterative,
}

impl PruneRule {
    pub fn for_metric(metric: Metric) -> Self {
        if metric.is_inner_product() {
            PruneRule::Iterative
        } else {
            PruneRule::Progressive
        }
    }
}

/// Reusable scratch for [`robust_prune`].
#[derive(Debug, Clone, Default)]
pub struct PruneScratch {
    /// Progressive: largest `d(q, c) / d(p, c)` seen (+∞ once kept). Iterative: 0 available,
    /// 1 pruned in this round, +∞ kept.
    mark: Vec<f32>,
    /// Pool positions open in the current round, in pool order.
    live: Vec<u32>,
    /// Pool positions closed for the current round but open again in the next one.
    parked: Vec<u32>,
    /// Ids of the live candidates being compared with a new neighbour, and their distances.
    ids: Vec<u32>,
    scored: Vec<Neighbor>,
    /// Screened prunes: sketch intervals of `ids`, and the positions (and ids) whose decision
    /// the interval leaves open. `open_scored` receives every exact distance of a comparison.
    bounds: Vec<(f32, f32)>,
    open: Vec<usize>,
    open_ids: Vec<u32>,
    open_scored: Vec<Neighbor>,
}

/// Iterative-rule mark of a candidate pruned in the current round.
const PRUNED: f32 = 1.0;

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

/// The alphas of SVS's pruning rounds: 1, then the configured alpha (the next power, alpha², is
/// past it). Redis only ever uses 1.2 (L2) and 0.95 (IP/COSINE); an alpha of 1, or one on the
/// wrong side of 1 for the metric (where SVS would run no round at all), gives one round at 1.
fn round_alphas(metric: Metric, alpha: f32) -> ([f32; 2], usize) {
    let widens = if metric.is_inner_product() {
        alpha < 1.0
    } else {
        alpha > 1.0
    };
    if widens && alpha.is_finite() && alpha > 0.0 {
        ([1.0, alpha], 2)
    } else {
        ([1.0, 1.0], 1)
    }
}

/// Distance between two stored rows for graph construction: the full representation where the
/// store builds on it ([`VectorStore::builds_on_full_representation`]), else the primary.
#[inline]
pub(crate) fn build_distance<Q: QueryScorer>(
    scorer: &Q,
    id: u32,
    full_representation: bool,
) -> f32 {
    if full_representation {
        scorer.rerank_distance(id)
    } else {
        scorer.distance(id)
    }
}

/// Rows the scoring loop asks to be prefetched ahead of the one it scores.
pub(crate) const PREFETCH_AHEAD: usize = 4;

/// Scores every id of `ids` in order and appends `(id, distance)` to `out`: four per
/// [`QueryScorer::distance4`] call when `batched` (primary distances; only for one-level
/// stores, and only where no value must repeat an earlier one for the same id), otherwise one
/// at a time with `single`. `prefetch` is called for rows [`PREFETCH_AHEAD`] ahead of the ones
/// being scored.
pub(crate) fn score_ids<Q: QueryScorer>(
    scorer: &Q,
    ids: &[u32],
    batched: bool,
    single: impl Fn(&Q, u32) -> f32,
    mut prefetch: impl FnMut(u32),
    out: &mut Vec<Neighbor>,
) {
    for &id in ids.iter().take(PREFETCH_AHEAD) {
        prefetch(id);
    }
    let step = if batched { 4 } else { 1 };
    let mut start = 0;
    while start < ids.len() {
        let take = step.min(ids.len() - start);
        for &id in ids.iter().skip(start + PREFETCH_AHEAD).take(take) {
            prefetch(id);
        }
        if batched {
            // A short last group repeats its first id: every distance then comes from the
            // batched kernel, whose value for a row does not depend on the rows beside it, so
            // a pair scores the same whichever ids it is grouped with (screened builds rely on
            // that to match unscreened ones bit for bit).
            let group = &ids[start..start + take];
            let four = [0, 1, 2, 3].map(|k| group.get(k).copied().unwrap_or(group[0]));
            let distances = scorer.distance4(four);
            out.extend(
                group
                    .iter()
                    .zip(distances)
                    .map(|(&id, d)| Neighbor::new(id, d)),
            );
        } else {
            let id = ids[start];
            out.push(Neighbor::new(id, single(scorer, id)));
        }
        start += take;
    }
}

/// A distance that decides `candidate`'s comparison with a new neighbour exactly as the exact
/// distance would, when the sketch interval `(lo, hi)` settles it; `None` when it does not.
///
/// Both rules are monotone in the distance (f32 rounding is monotone): for Iterative, "covered"
/// at `hi` means covered at every smaller distance and "not covered" at `lo` means the same for
/// every larger one. For Progressive only which side of each round alpha the running maximum
/// ratio lies on is ever read, so a ratio with the same sides as every ratio in the interval
/// (here `d(q, c) / hi`) leaves every later decision unchanged.
#[inline]
fn settled_distance(
    rule: PruneRule,
    metric: Metric,
    thresholds: &[f32],
    round_alpha: f32,
    candidate_distance: f32,
    (lo, hi): (f32, f32),
) -> Option<f32> {
    match rule {
        PruneRule::Iterative => {
            if covers(metric, round_alpha, hi, candidate_distance) {
                Some(hi)
            } else if !covers(metric, round_alpha, lo, candidate_distance) {
                Some(lo)
            } else {
                None
            }
        }
        PruneRule::Progressive => {
            if !(lo > 0.0 && candidate_distance > 0.0 && hi.is_finite()) {
                return None;
            }
            let (least, most) = (candidate_distance / hi, candidate_distance / lo);
            thresholds
                .iter()
                .all(|&t| (least <= t) == (most <= t))
                .then_some(hi)
        }
    }
}

/// Prunes `pool` (sorted nearest first, not containing the node itself) to at most
/// `max_degree` ids written to `out`. With a build `sketch`, comparisons its intervals settle
/// skip the f32 rows (same result). Returns the number of f32 distances computed.
pub fn robust_prune<S: VectorStore>(
    store: &S,
    pool: &[Neighbor],
    alpha: f32,
    max_degree: usize,
    sketch: Option<&BuildSketch>,
    scratch: &mut PruneScratch,
    out: &mut Vec<u32>,
) -> usize {
    out.clear();
    if max_degree == 0 || pool.is_empty() {
        return 0;
    }
    let metric = store.metric();
    let full_representation = store.builds_on_full_representation();
    let rule = PruneRule::for_metric(metric);
    let (alphas, round_count) = round_alphas(metric, alpha);
    let PruneScratch {
        mark,
        live,
        parked,
        ids,
        scored,
        bounds,
        open,
        open_ids,
        open_scored,
    } = scratch;
    let thresholds = &alphas[..round_count];
    mark.clear();
    mark.resize(pool.len(), 0.0);
    live.clear();
    live.extend(0..pool.len() as u32);
    parked.clear();
    let final_alpha = alphas[round_count - 1];
    let mut computed = 0;
    let mut aimed: Option<S::Scorer<'_>> = None;
    for (round, &round_alpha) in alphas.iter().take(round_count).enumerate() {
        let last_round = round + 1 == round_count;
        if round > 0 {
            // Candidates parked in the previous round come back, in pool order. SVS's
            // iterative strategy also forgets that they were pruned.
            if rule == PruneRule::Iterative {
                for &k in parked.iter() {
                    mark[k as usize] = 0.0;
                }
            }
            live.append(parked);
            live.sort_unstable();
        }
        // Invariant: `live` holds exactly the candidates open in this round, in pool order, so
        // its head is the next one to keep and every other entry gets compared.
        while let Some(&head) = live.first() {
            let i = head as usize;
            mark[i] = f32::INFINITY;
            out.push(pool[i].id);
            if out.len() >= max_degree {
                return computed;
            }
            // One scorer, re-aimed at each kept neighbour (no allocation per neighbour).
            let p_scorer = match &mut aimed {
                Some(scorer) => {
                    store.aim_at_row(scorer, pool[i].id);
                    scorer
                }
                None => aimed.insert(store.scorer_for_row(pool[i].id)),
            };
            // Every live candidate after the head is compared with it: score them all first
            // (four per kernel call for one-level stores), then update in pool order.
            ids.clear();
            ids.extend(live[1..].iter().map(|&k| pool[k as usize].id));
            // With a sketch, `scored` first holds the settled stand-ins and the comparisons
            // left open are scored exactly; without one, every comparison is.
            scored.clear();
            let exact_ids: &[u32] = match sketch {
                Some(sketch) => {
                    bounds.clear();
                    sketch.intervals(pool[i].id, ids, bounds);
                    open.clear();
                    open_ids.clear();
                    for (j, (&id, &interval)) in ids.iter().zip(bounds.iter()).enumerate() {
                        let c = pool[live[j + 1] as usize];
                        let settled = settled_distance(
                            rule,
                            metric,
                            thresholds,
                            round_alpha,
                            c.distance,
                            interval,
                        );
                        scored.push(Neighbor::new(id, settled.unwrap_or(f32::NAN)));
                        if settled.is_none() {
                            open.push(j);
                            open_ids.push(id);
                        }
                    }
                    open_ids
                }
                None => ids,
            };
            open_scored.clear();
            score_ids(
                &*p_scorer,
                exact_ids,
                !full_representation,
                |s, id| build_distance(s, id, full_representation),
                |_| {},
                open_scored,
            );
            computed += open_scored.len();
            if sketch.is_some() {
                for (&j, exact) in open.iter().zip(open_scored.iter()) {
                    scored[j] = *exact;
                }
            } else {
                std::mem::swap(scored, open_scored);
            }
            let mut write = 0;
            for read in 1..live.len() {
                let k = live[read];
                let c = pool[k as usize];
                let d_pc = scored[read - 1].distance;
                let m = &mut mark[k as usize];
                let still_open = match rule {
                    PruneRule::Progressive => {
                        // Keep the largest d(q, c) / d(p, c); NaN (0 / 0) never wins.
                        let ratio = c.distance / d_pc;
                        if ratio > *m {
                            *m = ratio;
                        }
                        *m <= round_alpha
                    }
                    PruneRule::Iterative => {
                        if covers(metric, round_alpha, d_pc, c.distance) {
                            *m = PRUNED;
                        }
                        *m == 0.0
                    }
                };
                if still_open {
                    live[write] = k;
                    write += 1;
                } else if !last_round && (rule == PruneRule::Iterative || *m <= final_alpha) {
                    // Closed for this round only.
                    parked.push(k);
                }
            }
            live.truncate(write);
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
        robust_prune(&store, &pool, 1.0, 3, None, &mut scratch, &mut out);
        // d(1,2)=1.21 < d(0,2)=4.41: 2 is covered at alpha 1.
        assert_eq!(out, vec![1, 3]);
        robust_prune(&store, &pool, 4.0, 3, None, &mut scratch, &mut out);
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
