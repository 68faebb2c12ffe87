//! PLAN.md's decision section (only when the plan carries a [`crate::decision::Decision`]):
//! the optimizer's choice under the budgets, the go/no-go with its reasons, and the Pareto
//! front of the sweep. Unnumbered, so the numbered sections keep their numbers.

use std::fmt::Write;

use annlab_protocol::decide::go_no_go::Verdict;
use annlab_protocol::decide::{memory_at, PointRef};
use serde_json::Value;

use crate::decision::Decision;
use crate::model::Resolved;
use crate::projection::human_bytes;
use crate::quote::md_code;

fn params_text(map: &serde_json::Map<String, Value>) -> String {
    let parts: Vec<String> = map
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    if parts.is_empty() {
        "defaults".to_string()
    } else {
        parts.join(",")
    }
}

fn label(r: &Resolved<'_>, at: PointRef) -> String {
    let report = &r.input.report;
    let Some(run) = report.runs.get(at.run) else {
        return format!("run {}", at.run + 1);
    };
    let runtime = run
        .search
        .get(at.point)
        .map_or("-".to_string(), |p| params_text(&p.runtime));
    format!(
        "{} {} {}",
        run.algorithm.redis_name(),
        md_code(&params_text(&run.params)),
        md_code(&runtime)
    )
}

/// Appends the section when `r.input.decision` is set.
pub fn decision_section(s: &mut String, r: &Resolved<'_>) {
    let Some(d) = &r.input.decision else {
        return;
    };
    let report = &r.input.report;
    let k = report.dataset.k;
    let n = r.input.production.document_count;
    let _ = writeln!(s, "## Decision\n");
    decision_choice(s, r, d);
    let g = &d.go_no_go;
    let verdict = g.verdict.label();
    let _ = writeln!(
        s,
        "- **Go/no-go (the migration notebook's framework, measured):** **{verdict}** for the SVS configuration below against the HNSW baseline, with a {:.0} % index-memory saving threshold and a recall@{k} floor of {}.",
        100.0 * g.thresholds.memory_savings_min,
        g.thresholds.recall_floor
    );
    for reason in &g.reasons {
        let _ = writeln!(s, "  - {reason}");
    }
    if g.verdict != Verdict::Recommended {
        let _ = writeln!(
            s,
            "  - The plan below is still complete; run it only if the reasons above are acceptable."
        );
    }
    let _ = writeln!(
        s,
        "\nPareto front of the sweep (measured recall@{k} and QPS, one query at a time on one thread; memory is the Redis model at {n} documents: index, flat buffer and documents):\n"
    );
    let _ = writeln!(
        s,
        "| run | configuration | recall@{k} | QPS | p95 µs | memory (model) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for at in &d.frontier {
        let Some(run) = report.runs.get(at.run) else {
            continue;
        };
        let Some(p) = run.search.get(at.point) else {
            continue;
        };
        let mem = memory_at(run, &report.dataset, n).total;
        let mark = if Some(*at) == d.chosen {
            " (chosen)"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| {}{mark} | {} | {:.3} | {:.0} | {:.1} | {} |",
            at.run + 1,
            label(r, *at),
            p.recall_at_k,
            p.qps,
            p.latency_us.p95,
            human_bytes(mem)
        );
    }
    let _ = writeln!(s);
}

fn decision_choice(s: &mut String, r: &Resolved<'_>, d: &Decision) {
    let Some(b) = &d.budgets else {
        return;
    };
    let k = r.input.report.dataset.k;
    let mut limits = vec![format!("recall@{k} ≥ {}", b.recall_floor)];
    if let Some(p95) = b.p95_us {
        limits.push(format!(
            "p95 ≤ {p95} µs (measured by annlab on this machine, one query at a time: not a server figure)"
        ));
    }
    if let Some(m) = b.memory_bytes {
        limits.push(format!(
            "memory ≤ {} at {} documents (model)",
            human_bytes(m),
            b.doc_count
        ));
    }
    if let Some(t) = b.build_seconds {
        limits.push(format!("build ≤ {t} s (measured by annlab)"));
    }
    match d.chosen {
        Some(at) => {
            let _ = writeln!(
                s,
                "- **Chosen configuration (optimizer: the highest QPS that meets every budget):** run {}, {}. Budgets: {}.",
                at.run + 1,
                label(r, at),
                limits.join("; ")
            );
        }
        None => {
            let _ = writeln!(
                s,
                "- **No configuration meets the budgets** ({}). The SVS configuration below is the plan's own choice, not the optimizer's.",
                limits.join("; ")
            );
        }
    }
    for reason in &d.reasons {
        let _ = writeln!(s, "  - {reason}");
    }
}
