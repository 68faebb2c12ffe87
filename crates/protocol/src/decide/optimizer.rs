//! The optimizer under budgets: the fastest measured configuration that meets every
//! constraint, per algorithm and overall.
//!
//! Rule: among the candidate points ([`super::is_candidate`]) that meet every constraint, the
//! highest QPS wins. Ties: higher recall@k, then less memory at the production count, then the
//! earlier run, then the earlier point (so the result never depends on float noise alone and is
//! reproducible).
//!
//! Constraints ([`Constraint`]): recall@k ≥ floor; p95 latency ≤ budget (µs, as measured by
//! this run: one query at a time on one thread); memory at the production count
//! ([`super::memory_at`] `total`) ≤ budget; build seconds ≤ budget. Slack is how far inside
//! the limit a value is (positive) or outside it (negative), in the constraint's unit.
//!
//! When nothing qualifies there is no fallback: the result is [`Outcome::Infeasible`] with the
//! binding constraint(s) and, for each constraint, the nearest point on each side of it.
//! - *Binding*: each constraint that, dropped alone, would let some point qualify. When no
//!   single constraint does, the constraints violated by the point closest to qualifying
//!   (smallest sum of relative violations) are listed.
//! - *Nearest on each side* of constraint `c`: the point that meets every other constraint
//!   and misses `c` by the least (`missing`), and the point that meets `c` and is closest to
//!   meeting the others (`meeting`).

use serde::{Deserialize, Serialize};

use super::{candidates, memory_at, PointRef};
use crate::report::{Algorithm, CompareReport};

/// The budgets. `doc_count` is the production document count memory is evaluated at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Budgets {
    pub recall_floor: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_us: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_seconds: Option<f64>,
    pub doc_count: u64,
}

/// One constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    RecallFloor,
    P95Us,
    MemoryBytes,
    BuildSeconds,
}

impl Constraint {
    pub fn label(self) -> &'static str {
        match self {
            Constraint::RecallFloor => "recall floor",
            Constraint::P95Us => "p95 latency budget",
            Constraint::MemoryBytes => "memory budget",
            Constraint::BuildSeconds => "build-time budget",
        }
    }
}

/// What the optimizer reads of one point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointMetrics {
    pub run: usize,
    pub point: usize,
    pub algorithm: Algorithm,
    pub recall: f64,
    pub qps: f64,
    pub p95_us: f64,
    /// Redis memory at the production count ([`super::MemoryAtCount::total`]).
    pub memory_bytes: u64,
    pub build_seconds: f64,
}

impl PointMetrics {
    pub fn point_ref(&self) -> PointRef {
        PointRef {
            run: self.run,
            point: self.point,
        }
    }
}

/// A constraint's limit, the point's value and the slack (`> 0` inside, `< 0` outside).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Slack {
    pub constraint: Constraint,
    pub limit: f64,
    pub value: f64,
    pub slack: f64,
}

impl Slack {
    pub fn met(&self) -> bool {
        self.slack >= 0.0
    }

    /// Violation relative to the limit (0 when met).
    fn relative_violation(&self) -> f64 {
        if self.met() {
            0.0
        } else {
            -self.slack / self.limit.abs().max(f64::MIN_POSITIVE)
        }
    }
}

/// A point with its slack on every active constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessed {
    pub metrics: PointMetrics,
    pub slack: Vec<Slack>,
}

impl Assessed {
    pub fn qualifies(&self) -> bool {
        self.slack.iter().all(Slack::met)
    }

    pub fn violated(&self) -> Vec<Constraint> {
        self.slack
            .iter()
            .filter(|s| !s.met())
            .map(|s| s.constraint)
            .collect()
    }

    fn meets_all_but(&self, c: Constraint) -> bool {
        self.slack.iter().all(|s| s.constraint == c || s.met())
    }

    fn slack_of(&self, c: Constraint) -> Option<&Slack> {
        self.slack.iter().find(|s| s.constraint == c)
    }

    fn total_violation(&self) -> f64 {
        self.slack.iter().map(Slack::relative_violation).sum()
    }

    fn total_violation_except(&self, c: Constraint) -> f64 {
        self.slack
            .iter()
            .filter(|s| s.constraint != c)
            .map(Slack::relative_violation)
            .sum()
    }
}

/// The winning point, why the next one lost, and the fastest point it beat on constraints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chosen {
    pub best: Assessed,
    /// The next qualifying point in the ranking, and why it ranks lower.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner_up: Option<Loser>,
    /// The fastest point faster than `best` that fails a constraint, and which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faster_rejected: Option<Loser>,
}

/// A point that lost, and why (one sentence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loser {
    pub point: Assessed,
    pub reason: String,
}

/// The nearest points on each side of one constraint when nothing qualifies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nearest {
    pub constraint: Constraint,
    /// Meets every other constraint and misses this one by the least.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Assessed>,
    /// Meets this constraint and is closest (relative violations summed) to meeting the rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting: Option<Assessed>,
}

/// Nothing qualifies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Infeasible {
    pub binding: Vec<Constraint>,
    pub nearest: Vec<Nearest>,
    /// One sentence naming the binding constraint(s).
    pub reason: String,
}

/// The optimizer's answer for one set of points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Chosen(Box<Chosen>),
    Infeasible(Infeasible),
    /// No measured point at all (e.g. no run of this algorithm).
    NoCandidates,
}

impl Outcome {
    pub fn chosen(&self) -> Option<&Chosen> {
        match self {
            Outcome::Chosen(c) => Some(c),
            _ => None,
        }
    }
}

/// The outcome restricted to one algorithm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlgorithmOutcome {
    pub algorithm: Algorithm,
    pub outcome: Outcome,
}

/// `--optimize`'s `optimizer` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerResult {
    pub budgets: Budgets,
    pub overall: Outcome,
    /// One entry per algorithm present in the report, in first-run order.
    pub per_algorithm: Vec<AlgorithmOutcome>,
}

/// Every candidate point with its slack on the active constraints, in run then point order.
pub fn assess(report: &CompareReport, budgets: &Budgets) -> Vec<Assessed> {
    let mut memory_cache: Vec<Option<u64>> = vec![None; report.runs.len()];
    let mut out = Vec::new();
    for (r, p) in candidates(report) {
        let Some(run) = report.runs.get(r.run) else {
            continue;
        };
        let memory_bytes = *memory_cache[r.run]
            .get_or_insert_with(|| memory_at(run, &report.dataset, budgets.doc_count).total);
        let metrics = PointMetrics {
            run: r.run,
            point: r.point,
            algorithm: run.algorithm,
            recall: p.recall_at_k,
            qps: p.qps,
            p95_us: p.latency_us.p95,
            memory_bytes,
            build_seconds: run.build_seconds,
        };
        let mut slack = vec![Slack {
            constraint: Constraint::RecallFloor,
            limit: budgets.recall_floor,
            value: metrics.recall,
            slack: metrics.recall - budgets.recall_floor,
        }];
        let mut upper = |constraint, limit: Option<f64>, value: f64| {
            if let Some(limit) = limit {
                slack.push(Slack {
                    constraint,
                    limit,
                    value,
                    slack: limit - value,
                });
            }
        };
        upper(Constraint::P95Us, budgets.p95_us, metrics.p95_us);
        upper(
            Constraint::MemoryBytes,
            budgets.memory_bytes.map(|b| b as f64),
            memory_bytes as f64,
        );
        upper(
            Constraint::BuildSeconds,
            budgets.build_seconds,
            metrics.build_seconds,
        );
        out.push(Assessed { metrics, slack });
    }
    out
}

/// The ranking among qualifying points: `Less` means `a` ranks better (see the module doc).
pub fn rank(a: &PointMetrics, b: &PointMetrics) -> std::cmp::Ordering {
    b.qps
        .total_cmp(&a.qps)
        .then(b.recall.total_cmp(&a.recall))
        .then(a.memory_bytes.cmp(&b.memory_bytes))
        .then(a.run.cmp(&b.run))
        .then(a.point.cmp(&b.point))
}

/// Runs the optimizer over the report, overall and per algorithm.
pub fn optimize(report: &CompareReport, budgets: &Budgets) -> OptimizerResult {
    let all = assess(report, budgets);
    let mut algorithms: Vec<Algorithm> = Vec::new();
    for run in &report.runs {
        if !algorithms.contains(&run.algorithm) {
            algorithms.push(run.algorithm);
        }
    }
    let per_algorithm = algorithms
        .into_iter()
        .map(|algorithm| {
            let subset: Vec<Assessed> = all
                .iter()
                .filter(|a| a.metrics.algorithm == algorithm)
                .cloned()
                .collect();
            AlgorithmOutcome {
                algorithm,
                outcome: decide(&subset),
            }
        })
        .collect();
    OptimizerResult {
        budgets: *budgets,
        overall: decide(&all),
        per_algorithm,
    }
}

/// The outcome over one set of assessed points.
pub fn decide(points: &[Assessed]) -> Outcome {
    if points.is_empty() {
        return Outcome::NoCandidates;
    }
    let mut qualifying: Vec<&Assessed> = points.iter().filter(|a| a.qualifies()).collect();
    qualifying.sort_by(|a, b| rank(&a.metrics, &b.metrics));
    let Some(best) = qualifying.first() else {
        return Outcome::Infeasible(infeasible(points));
    };
    let runner_up = qualifying.get(1).map(|r| Loser {
        point: (*r).clone(),
        reason: runner_up_reason(&best.metrics, &r.metrics),
    });
    let faster_rejected = points
        .iter()
        .filter(|a| !a.qualifies() && a.metrics.qps > best.metrics.qps)
        .max_by(|a, b| {
            a.metrics
                .qps
                .total_cmp(&b.metrics.qps)
                .then(b.metrics.run.cmp(&a.metrics.run))
                .then(b.metrics.point.cmp(&a.metrics.point))
        })
        .map(|a| Loser {
            point: a.clone(),
            reason: format!(
                "faster ({:.0} vs {:.0} QPS) but fails the {}",
                a.metrics.qps,
                best.metrics.qps,
                join_labels(&a.violated())
            ),
        });
    Outcome::Chosen(Box::new(Chosen {
        best: (*best).clone(),
        runner_up,
        faster_rejected,
    }))
}

fn runner_up_reason(best: &PointMetrics, r: &PointMetrics) -> String {
    if r.qps < best.qps {
        format!(
            "lower QPS ({:.0} vs {:.0}); it meets every constraint",
            r.qps, best.qps
        )
    } else if r.recall < best.recall {
        format!(
            "same QPS ({:.0}), lower recall ({:.4} vs {:.4})",
            r.qps, r.recall, best.recall
        )
    } else if r.memory_bytes > best.memory_bytes {
        format!(
            "same QPS and recall, more memory ({} vs {} bytes)",
            r.memory_bytes, best.memory_bytes
        )
    } else {
        "identical figures; the earlier run and point wins the tie".to_string()
    }
}

fn join_labels(cs: &[Constraint]) -> String {
    let labels: Vec<&str> = cs.iter().map(|c| c.label()).collect();
    labels.join(" and ")
}

fn infeasible(points: &[Assessed]) -> Infeasible {
    let constraints: Vec<Constraint> = points
        .first()
        .map(|p| p.slack.iter().map(|s| s.constraint).collect())
        .unwrap_or_default();
    let mut binding: Vec<Constraint> = constraints
        .iter()
        .copied()
        .filter(|&c| points.iter().any(|p| p.meets_all_but(c)))
        .collect();
    if binding.is_empty() {
        if let Some(closest) = points
            .iter()
            .min_by(|a, b| a.total_violation().total_cmp(&b.total_violation()))
        {
            binding = closest.violated();
        }
    }
    let nearest = constraints
        .iter()
        .map(|&c| {
            let missing = points
                .iter()
                .filter(|p| p.meets_all_but(c))
                .filter_map(|p| p.slack_of(c).map(|s| (p, s.relative_violation())))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(p, _)| p.clone());
            let meeting = points
                .iter()
                .filter(|p| p.slack_of(c).is_some_and(Slack::met))
                .min_by(|a, b| {
                    a.total_violation_except(c)
                        .total_cmp(&b.total_violation_except(c))
                        .then(rank(&a.metrics, &b.metrics))
                })
                .cloned();
            Nearest {
                constraint: c,
                missing,
                meeting,
            }
        })
        .collect();
    let reason = if binding.len() == 1 {
        format!(
            "no configuration qualifies: the {} binds (relaxing it alone would let one qualify)",
            binding[0].label()
        )
    } else {
        format!(
            "no configuration qualifies: no single constraint can be relaxed alone; the closest configuration fails the {}",
            join_labels(&binding)
        )
    };
    Infeasible {
        binding,
        nearest,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::test_support::{hnsw_run, point, report, svs_run};

    fn budgets() -> Budgets {
        Budgets {
            recall_floor: 0.9,
            p95_us: Some(250.0),
            memory_bytes: None,
            build_seconds: None,
            doc_count: 1_000_000,
        }
    }

    fn table() -> CompareReport {
        report(vec![
            hnsw_run(
                16,
                vec![
                    point(("ef_runtime", 10), 0.80, 9000.0, 100.0),
                    point(("ef_runtime", 50), 0.95, 4000.0, 200.0),
                ],
            ),
            svs_run(
                Some("LVQ8"),
                32,
                vec![
                    point(("search_window_size", 10), 0.91, 5000.0, 180.0),
                    point(("search_window_size", 50), 0.99, 2000.0, 400.0),
                ],
            ),
        ])
    }

    #[test]
    fn picks_the_fastest_qualifying_point() {
        let r = optimize(&table(), &budgets());
        let c = r.overall.chosen().unwrap();
        assert_eq!(c.best.metrics.point_ref(), PointRef { run: 1, point: 0 });
        let ru = c.runner_up.as_ref().unwrap();
        assert_eq!(ru.point.metrics.point_ref(), PointRef { run: 0, point: 1 });
        assert!(ru.reason.starts_with("lower QPS"));
        let fr = c.faster_rejected.as_ref().unwrap();
        assert_eq!(fr.point.metrics.point_ref(), PointRef { run: 0, point: 0 });
        assert!(fr.reason.contains("recall floor"));
        let recall_slack = c.best.slack[0];
        assert!((recall_slack.slack - 0.01).abs() < 1e-12);
        assert_eq!(r.per_algorithm.len(), 2);
        let hnsw = r.per_algorithm[0].outcome.chosen().unwrap();
        assert_eq!(hnsw.best.metrics.point_ref(), PointRef { run: 0, point: 1 });
    }

    #[test]
    fn names_the_binding_constraint_when_nothing_qualifies() {
        let b = Budgets {
            recall_floor: 0.97,
            ..budgets()
        };
        let r = optimize(&table(), &b);
        let Outcome::Infeasible(inf) = &r.overall else {
            panic!("expected infeasible");
        };
        // W 50 reaches 0.99 but its p95 is 400 µs; nothing under 250 µs reaches 0.97. Either
        // constraint dropped alone lets a point qualify, so both bind.
        assert_eq!(
            inf.binding,
            vec![Constraint::RecallFloor, Constraint::P95Us]
        );
        let p95 = inf
            .nearest
            .iter()
            .find(|n| n.constraint == Constraint::P95Us)
            .unwrap();
        assert_eq!(
            p95.missing.as_ref().unwrap().metrics.point_ref(),
            PointRef { run: 1, point: 1 }
        );
        let recall = inf
            .nearest
            .iter()
            .find(|n| n.constraint == Constraint::RecallFloor)
            .unwrap();
        assert_eq!(
            recall.missing.as_ref().unwrap().metrics.point_ref(),
            PointRef { run: 0, point: 1 }
        );
        assert_eq!(optimize(&report(vec![]), &b).overall, Outcome::NoCandidates);
    }
}
