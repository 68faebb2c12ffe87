//! The decision PLAN.md records when the plan comes from a sweep: the optimizer's choice, the
//! Pareto front and the go/no-go. Built by [`decide`] from the same `annlab_protocol::decide`
//! functions the CLI and the app show; rendered only when [`crate::PlanInput::decision`] is
//! set (`render::decision_md`).

use annlab_protocol::decide::go_no_go::{self, GoNoGo, Thresholds};
use annlab_protocol::decide::optimizer::{Budgets, OptimizerResult, Outcome};
use annlab_protocol::decide::pareto::{self, MemoryAt, Objective};
use annlab_protocol::decide::PointRef;
use serde::{Deserialize, Serialize};

use crate::error::ExportError;
use crate::input::PlanInput;

/// What was decided and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The optimizer's budgets, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budgets: Option<Budgets>,
    /// The optimizer's overall choice (`None`: it did not run, or nothing qualified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<PointRef>,
    /// One line per fact behind the choice (slack, runner-up, binding constraint).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// The non-dominated points on recall@k against QPS, in increasing recall.
    pub frontier: Vec<PointRef>,
    /// The framework applied to the plan's HNSW baseline point and SVS point.
    pub go_no_go: GoNoGo,
}

/// The decision for `input`: the frontier of its report, the optimizer's outcome (if it ran)
/// and the go/no-go on the plan's own HNSW point and SVS point at the production count.
pub fn decide(
    input: &PlanInput,
    optimizer: Option<&OptimizerResult>,
    thresholds: &Thresholds,
) -> Result<Decision, ExportError> {
    let r = crate::model::Resolved::new(input)?;
    let doc_count = input.production.document_count;
    let frontier = pareto::frontier(&input.report, Objective::QpsHigher, &MemoryAt { doc_count })
        .iter()
        .map(|e| e.point_ref())
        .collect();
    let go_no_go = go_no_go::evaluate(
        &input.report,
        (r.hnsw_run, r.hnsw_point),
        (r.svs_run, r.svs_point),
        thresholds,
        doc_count,
    );
    let mut reasons = Vec::new();
    let mut chosen = None;
    if let Some(o) = optimizer {
        match &o.overall {
            Outcome::Chosen(c) => {
                chosen = Some(c.best.metrics.point_ref());
                for s in &c.best.slack {
                    reasons.push(format!(
                        "{}: {} against a limit of {} (slack {}{})",
                        s.constraint.label(),
                        trim(s.value),
                        trim(s.limit),
                        if s.slack >= 0.0 { "+" } else { "" },
                        trim(s.slack)
                    ));
                }
                if let Some(ru) = &c.runner_up {
                    reasons.push(format!(
                        "runner-up (run {}, point {}): {}",
                        ru.point.metrics.run + 1,
                        ru.point.metrics.point + 1,
                        ru.reason
                    ));
                }
                if let Some(fr) = &c.faster_rejected {
                    reasons.push(format!(
                        "rejected (run {}, point {}): {}",
                        fr.point.metrics.run + 1,
                        fr.point.metrics.point + 1,
                        fr.reason
                    ));
                }
            }
            Outcome::Infeasible(inf) => reasons.push(inf.reason.clone()),
            Outcome::NoCandidates => reasons.push("no measured point".to_string()),
        }
    }
    Ok(Decision {
        budgets: optimizer.map(|o| o.budgets),
        chosen,
        reasons,
        frontier,
        go_no_go,
    })
}

/// A figure without float noise: at most 4 decimals, trailing zeros dropped.
fn trim(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}
