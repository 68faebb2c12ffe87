//! Pareto fronts over the measured points: recall@k (higher is better) against QPS (higher is
//! better) or against the Redis memory at the production document count (lower is better,
//! [`super::memory_at`]'s `total`).
//!
//! Point `a` dominates `b` when `a` is at least as good on both axes and strictly better on
//! one. The frontier is every candidate point ([`super::is_candidate`]) that no other point
//! dominates; two identical points are both on it. Points with a non-finite axis value are
//! left out. Recall is `recall_at_k` (the figure every table shows).

use serde::{Deserialize, Serialize};

use super::{candidates, memory_at, PointRef};
use crate::report::CompareReport;

/// The second axis of the front.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Queries per second, higher is better.
    QpsHigher,
    /// Redis memory (index + flat buffer + documents) at the production count, lower is better.
    MemoryLower,
}

/// Where memory is evaluated for [`Objective::MemoryLower`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryAt {
    pub doc_count: u64,
}

/// One point with its two coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoEntry {
    pub run: usize,
    pub point: usize,
    pub recall: f64,
    /// QPS, or bytes at the production count.
    pub x: f64,
}

impl ParetoEntry {
    pub fn point_ref(&self) -> PointRef {
        PointRef {
            run: self.run,
            point: self.point,
        }
    }
}

/// A point and whether it is on the front.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Classified {
    pub entry: ParetoEntry,
    /// `None` on the frontier; else a point that dominates it.
    pub dominated_by: Option<PointRef>,
}

impl Classified {
    pub fn on_frontier(&self) -> bool {
        self.dominated_by.is_none()
    }
}

/// Every candidate point with its coordinates, in run then point order.
pub fn entries(
    report: &CompareReport,
    objective: Objective,
    memory: &MemoryAt,
) -> Vec<ParetoEntry> {
    candidates(report)
        .filter_map(|(r, p)| {
            let x = match objective {
                Objective::QpsHigher => p.qps,
                Objective::MemoryLower => {
                    let run = report.runs.get(r.run)?;
                    memory_at(run, &report.dataset, memory.doc_count).total as f64
                }
            };
            (x.is_finite() && p.recall_at_k.is_finite()).then_some(ParetoEntry {
                run: r.run,
                point: r.point,
                recall: p.recall_at_k,
                x,
            })
        })
        .collect()
}

/// True when `a` dominates `b` under `objective`.
pub fn dominates(a: &ParetoEntry, b: &ParetoEntry, objective: Objective) -> bool {
    let (x_ge, x_gt) = match objective {
        Objective::QpsHigher => (a.x >= b.x, a.x > b.x),
        Objective::MemoryLower => (a.x <= b.x, a.x < b.x),
    };
    a.recall >= b.recall && x_ge && (a.recall > b.recall || x_gt)
}

/// Every candidate point, each marked frontier or dominated (with one point that dominates
/// it: the one with the highest recall, then the best x).
pub fn classify(
    report: &CompareReport,
    objective: Objective,
    memory: &MemoryAt,
) -> Vec<Classified> {
    let all = entries(report, objective, memory);
    let better_x = |a: &ParetoEntry, b: &ParetoEntry| match objective {
        Objective::QpsHigher => a.x.total_cmp(&b.x),
        Objective::MemoryLower => b.x.total_cmp(&a.x),
    };
    all.iter()
        .map(|e| {
            let by = all
                .iter()
                .filter(|o| dominates(o, e, objective))
                .max_by(|a, b| a.recall.total_cmp(&b.recall).then(better_x(a, b)))
                .map(ParetoEntry::point_ref);
            Classified {
                entry: *e,
                dominated_by: by,
            }
        })
        .collect()
}

/// The non-dominated points, in increasing recall (then better x first).
pub fn frontier(
    report: &CompareReport,
    objective: Objective,
    memory: &MemoryAt,
) -> Vec<ParetoEntry> {
    let mut front: Vec<ParetoEntry> = classify(report, objective, memory)
        .into_iter()
        .filter(Classified::on_frontier)
        .map(|c| c.entry)
        .collect();
    front.sort_by(|a, b| {
        a.recall.total_cmp(&b.recall).then(match objective {
            Objective::QpsHigher => b.x.total_cmp(&a.x),
            Objective::MemoryLower => a.x.total_cmp(&b.x),
        })
    });
    front
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::test_support::{hnsw_run, point, report, svs_run};

    #[test]
    fn frontier_on_a_small_table() {
        let r = report(vec![
            hnsw_run(
                16,
                vec![
                    point(("ef_runtime", 10), 0.80, 9000.0, 100.0),
                    point(("ef_runtime", 50), 0.95, 4000.0, 200.0),
                    point(("ef_runtime", 100), 0.94, 3000.0, 300.0), // dominated by ef 50
                ],
            ),
            svs_run(
                Some("LVQ8"),
                32,
                vec![
                    point(("search_window_size", 10), 0.85, 9500.0, 90.0),
                    point(("search_window_size", 50), 0.99, 2000.0, 400.0),
                ],
            ),
        ]);
        let m = MemoryAt {
            doc_count: 1_000_000,
        };
        let front: Vec<(usize, usize)> = frontier(&r, Objective::QpsHigher, &m)
            .iter()
            .map(|e| (e.run, e.point))
            .collect();
        assert_eq!(front, vec![(1, 0), (0, 1), (1, 1)]);
        let c = classify(&r, Objective::QpsHigher, &m);
        assert_eq!(c[2].dominated_by, Some(PointRef { run: 0, point: 1 }));
        // ef 10 (0.80 @ 9000) is dominated by SVS W 10 (0.85 @ 9500).
        assert_eq!(c[0].dominated_by, Some(PointRef { run: 1, point: 0 }));
        // Memory: LVQ8 is smaller than HNSW at 1M, so every HNSW point is dominated by the
        // LVQ8 point of at least its recall.
        let mem = frontier(&r, Objective::MemoryLower, &m);
        assert!(mem.iter().all(|e| e.run == 1));
    }
}
