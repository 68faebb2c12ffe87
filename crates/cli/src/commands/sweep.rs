//! `annlab sweep`: `compare` over grids of builds, with the Pareto front and, under
//! `--optimize`, the optimizer's choice (the decisions are `annlab_protocol::decide`).

use std::fmt::Write as _;
use std::time::Instant;

use annlab_core::BuildControl;
use annlab_export::facts;
use annlab_protocol::decide::advisor::{self, AdviseOptions, AdvisorReport};
use annlab_protocol::decide::grid::spec_key;
use annlab_protocol::decide::optimizer::{self, Assessed, Budgets, Outcome};
use annlab_protocol::decide::pareto::{self, MemoryAt, Objective, ParetoEntry};
use annlab_protocol::decide::SweepDocument;
use annlab_protocol::report::{Algorithm, CompareReport};
use annlab_protocol::runner::IndexSpec;
use annlab_protocol::spec::parse_entries;
use anyhow::{anyhow, bail, Context, Result};

use crate::commands::compare::{self, params_text, ExportExtras, ProgressSink, SpecMode};
use crate::export::DecisionRequest;
use crate::progress::Progress;

/// Sweep grids of HNSW / SVS-VAMANA builds on your vectors: every build measured as `compare`
/// measures it, then the Pareto front of recall@k against QPS and, with --optimize, the best
/// configuration under budgets.
///
/// Takes every `compare` argument. In SPEC, a '/' list on a build parameter makes a grid (one
/// build per combination, the first list varying slowest); a '/' list on a runtime parameter
/// (ef_runtime, search_window_size, search_buffer_capacity) is each build's runtime sweep:
///   --hnsw m=8/16/32,ef_construction=100/200,ef_runtime=10/50/100      (6 builds x 3 points)
///   --svs  graph_max_degree=32/64,compression=LVQ8/LVQ4x8,search_window_size=10/50
///
/// --json prints compare's JSON document (one run per build) plus `pareto`: the
/// non-dominated {run, point} entries on recall@k against QPS, and with --optimize an
/// `optimizer` object.
///
/// --optimize recall_floor=0.95,p95_us=2000,memory_bytes=2GB,doc_count=1000000[,build_seconds=60]:
/// the fastest point (highest QPS) with recall@k >= recall_floor, p95 latency <= p95_us
/// (measured here: one query at a time, one thread), Redis memory at doc_count documents
/// (index + flat buffer + documents) <= memory_bytes and build time <= build_seconds; per
/// algorithm and overall, with each constraint's slack. When nothing qualifies it names the
/// binding constraint and the nearest configurations; it never falls back silently.
/// doc_count defaults to --doc-count, else the rows of --base.
///
/// --export DIR writes compare's bundle; PLAN.md then also records the decision (the chosen
/// configuration, the frontier table and the go/no-go), and the exported SVS configuration
/// is the optimizer's SVS choice unless --export-point names one.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
// compare's flattened struct is also `Args`: clap's argument groups need distinct ids.
#[group(id = "SweepArgs")]
pub struct Args {
    #[command(flatten)]
    pub compare: compare::Args,
    /// Budgets for the optimizer: recall_floor=R (required), p95_us=US, memory_bytes=SIZE
    /// (kb, mb, gb suffixes: powers of 1024), build_seconds=S, doc_count=N.
    #[arg(long, value_name = "BUDGETS")]
    pub optimize: Option<String>,
}

/// Parses `--optimize`. `default_doc_count` applies when `doc_count` is not given.
pub fn parse_budgets(text: &str, default_doc_count: u64) -> Result<Budgets> {
    let entries = parse_entries(text).context("invalid --optimize")?;
    let mut budgets = Budgets {
        recall_floor: f64::NAN,
        p95_us: None,
        memory_bytes: None,
        build_seconds: None,
        doc_count: default_doc_count,
    };
    let number = |key: &str, v: &str| -> Result<f64> {
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => bail!("--optimize {key}: `{v}` is not a non-negative number"),
        }
    };
    for e in &entries {
        let v = e.single().context("invalid --optimize")?;
        match e.key.as_str() {
            "recall_floor" => {
                let r = number(&e.key, v)?;
                if r > 1.0 {
                    bail!("--optimize recall_floor: {r} is above 1");
                }
                budgets.recall_floor = r;
            }
            "p95_us" => budgets.p95_us = Some(number(&e.key, v)?),
            "build_seconds" => budgets.build_seconds = Some(number(&e.key, v)?),
            "memory_bytes" => {
                budgets.memory_bytes = Some(
                    facts::parse_byte_size(v).map_err(|err| anyhow!("--optimize memory_bytes: {err}"))?,
                )
            }
            "doc_count" => {
                budgets.doc_count = facts::parse_document_count(v)
                    .map_err(|err| anyhow!("--optimize doc_count: {err}"))?
            }
            other => bail!(
                "--optimize: unknown budget `{other}` (known: recall_floor, p95_us, memory_bytes, build_seconds, doc_count)"
            ),
        }
    }
    if budgets.recall_floor.is_nan() {
        bail!("--optimize needs recall_floor=R (the optimizer never picks without a recall floor)");
    }
    Ok(budgets)
}

pub fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    let mut progress = SweepProgress::new();
    let measured = compare::measure(&args.compare, SpecMode::Grid, &mut progress)?;
    let report = &measured.report;
    let doc_count = args
        .compare
        .facts
        .doc_count
        .or(measured
            .assessed
            .as_ref()
            .map(|a| a.production.document_count))
        .unwrap_or(measured.base_rows as u64);
    let budgets = match &args.optimize {
        Some(text) => Some(parse_budgets(text, doc_count)?),
        None => None,
    };
    let doc_count = budgets.map_or(doc_count, |b| b.doc_count);
    let memory = MemoryAt { doc_count };
    let front = pareto::frontier(report, Objective::QpsHigher, &memory);
    let optimizer = budgets.map(|b| optimizer::optimize(report, &b));
    let advice = report
        .runs
        .iter()
        .any(|r| r.algorithm == Algorithm::SvsVamana)
        .then(|| {
            advisor::advise_with(
                report,
                &AdviseOptions {
                    doc_count,
                    target: args.compare.target,
                    recall_floor: budgets
                        .map_or(advisor::DEFAULT_ADVISOR_RECALL_FLOOR, |b| b.recall_floor),
                },
            )
        });
    eprintln!(
        "sweep: {} builds measured in {:.1} s",
        report.runs.len(),
        started.elapsed().as_secs_f64()
    );
    if args.compare.json {
        let doc = SweepDocument {
            report: report.clone(),
            dropped_rows: measured.dropped.clone(),
            pareto: front.iter().map(ParetoEntry::point_ref).collect(),
            optimizer: optimizer.clone(),
            advisor: advice.clone(),
        };
        println!("{}", serde_json::to_string(&doc)?);
    } else {
        print!("{}", compare::table(report));
        let mem_front = pareto::frontier(report, Objective::MemoryLower, &memory);
        print!("{}", frontier_table(report, &front, &mem_front, doc_count));
        if let Some(o) = &optimizer {
            print!("{}", optimizer_text(report, o));
        }
        if let Some(a) = &advice {
            print!("{}", advisor_text(a));
        }
    }
    // The plan exports the optimizer's SVS choice (as RUN:POINT among the SVS runs).
    let export_point = optimizer.as_ref().and_then(|o| {
        let svs = o
            .per_algorithm
            .iter()
            .find(|a| a.algorithm == Algorithm::SvsVamana)?;
        let best = svs.outcome.chosen()?.best.metrics;
        let ordinal = report
            .runs
            .iter()
            .take(best.run)
            .filter(|r| r.algorithm == Algorithm::SvsVamana)
            .count();
        Some((ordinal + 1, best.point + 1))
    });
    let extras = ExportExtras {
        decision: Some(DecisionRequest {
            optimizer: optimizer.as_ref(),
        }),
        export_point,
        doc_count: budgets.map(|b| b.doc_count),
    };
    compare::finish(&args.compare, &measured, &measured.document(), extras)
}

/// One line naming a point: `#run ALGORITHM [params] runtime`.
fn point_label(report: &CompareReport, run: usize, point: usize) -> String {
    let Some(r) = report.runs.get(run) else {
        return format!("run {run}");
    };
    let runtime = r
        .search
        .get(point)
        .map_or(String::new(), |p| params_text(&p.runtime));
    format!(
        "#{run} {} [{}] {runtime}",
        r.algorithm.redis_name(),
        params_text(&r.params)
    )
}

fn frontier_table(
    report: &CompareReport,
    qps: &[ParetoEntry],
    memory: &[ParetoEntry],
    doc_count: u64,
) -> String {
    let mut out = String::new();
    let k = report.dataset.k;
    let _ = writeln!(
        out,
        "\nPareto front, recall@{k} against QPS ({} points):",
        qps.len()
    );
    let _ = writeln!(
        out,
        "  {:>9} {:>10} {:>9}  configuration",
        format!("recall@{k}"),
        "qps",
        "p95 us"
    );
    for e in qps {
        let p95 = report
            .runs
            .get(e.run)
            .and_then(|r| r.search.get(e.point))
            .map_or(f64::NAN, |p| p.latency_us.p95);
        let _ = writeln!(
            out,
            "  {:>9.4} {:>10.1} {:>9.1}  {}",
            e.recall,
            e.x,
            p95,
            point_label(report, e.run, e.point)
        );
    }
    let _ = writeln!(
        out,
        "\nPareto front, recall@{k} against Redis memory at {doc_count} documents (index + flat buffer + documents, {} points):",
        memory.len()
    );
    let _ = writeln!(
        out,
        "  {:>9} {:>12}  configuration",
        format!("recall@{k}"),
        "MiB"
    );
    for e in memory {
        let _ = writeln!(
            out,
            "  {:>9.4} {:>12.1}  {}",
            e.recall,
            e.x / (1024.0 * 1024.0),
            point_label(report, e.run, e.point)
        );
    }
    out
}

fn assessed_line(report: &CompareReport, a: &Assessed) -> String {
    let m = &a.metrics;
    let slack: Vec<String> = a
        .slack
        .iter()
        .map(|s| format!("{} {:+.4}", s.constraint.label(), s.slack))
        .collect();
    format!(
        "{}: recall {:.4}, {:.0} QPS, p95 {:.1} us, {:.1} MiB, build {:.2} s; slack: {}",
        point_label(report, m.run, m.point),
        m.recall,
        m.qps,
        m.p95_us,
        m.memory_bytes as f64 / (1024.0 * 1024.0),
        m.build_seconds,
        slack.join(", ")
    )
}

fn outcome_text(out: &mut String, report: &CompareReport, title: &str, o: &Outcome) {
    match o {
        Outcome::Chosen(c) => {
            let _ = writeln!(out, "  {title}: {}", assessed_line(report, &c.best));
            if let Some(r) = &c.runner_up {
                let _ = writeln!(
                    out,
                    "    runner-up {}: {}",
                    point_label(report, r.point.metrics.run, r.point.metrics.point),
                    r.reason
                );
            }
            if let Some(r) = &c.faster_rejected {
                let _ = writeln!(
                    out,
                    "    rejected {}: {}",
                    point_label(report, r.point.metrics.run, r.point.metrics.point),
                    r.reason
                );
            }
        }
        Outcome::Infeasible(inf) => {
            let _ = writeln!(out, "  {title}: {}", inf.reason);
            for n in &inf.nearest {
                if let Some(a) = &n.missing {
                    let _ = writeln!(
                        out,
                        "    nearest missing only the {}: {}",
                        n.constraint.label(),
                        assessed_line(report, a)
                    );
                }
                if let Some(a) = &n.meeting {
                    let _ = writeln!(
                        out,
                        "    nearest meeting the {}: {}",
                        n.constraint.label(),
                        assessed_line(report, a)
                    );
                }
            }
        }
        Outcome::NoCandidates => {
            let _ = writeln!(out, "  {title}: no measured point");
        }
    }
}

fn optimizer_text(report: &CompareReport, o: &optimizer::OptimizerResult) -> String {
    let mut out = String::new();
    let b = &o.budgets;
    let _ = writeln!(
        out,
        "\noptimizer (recall@{} >= {}, p95 <= {} us, memory <= {} at {} documents, build <= {} s; latency measured here, one query at a time):",
        report.dataset.k,
        b.recall_floor,
        b.p95_us.map_or("-".to_string(), |v| v.to_string()),
        b.memory_bytes.map_or("-".to_string(), |v| format!("{v} B")),
        b.doc_count,
        b.build_seconds.map_or("-".to_string(), |v| v.to_string()),
    );
    outcome_text(&mut out, report, "overall", &o.overall);
    for a in &o.per_algorithm {
        outcome_text(&mut out, report, a.algorithm.redis_name(), &a.outcome);
    }
    out
}

fn advisor_text(a: &AdvisorReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ncompression advisor (measured; recall and QPS at SEARCH_WINDOW_SIZE {}, memory at {} documents):",
        a.matched_window.map_or("-".to_string(), |w| w.to_string()),
        a.options.doc_count
    );
    let _ = writeln!(
        out,
        "  {:>4} {:<11} {:<14} {:>6} {:>8} {:>8} {:>9} {:>10} {:>11} {:>9} {:>15}",
        "run",
        "requested",
        "stored",
        "degree",
        "code B",
        "graph B",
        "recall",
        "qps",
        "total MiB",
        "saving",
        "generic stores"
    );
    for r in &a.rows {
        let (recall, qps) = r
            .at_matched
            .map_or(("-".to_string(), "-".to_string()), |p| {
                (format!("{:.4}", p.recall), format!("{:.0}", p.qps))
            });
        let _ = writeln!(
            out,
            "  {:>4} {:<11} {:<14} {:>6} {:>8} {:>8} {:>9} {:>10} {:>11.1} {:>9} {:>15}",
            r.run,
            r.requested,
            r.effective,
            r.graph_max_degree,
            r.code_bytes_per_vector,
            r.graph_bytes_per_vector,
            recall,
            qps,
            r.total_bytes as f64 / (1024.0 * 1024.0),
            r.measured_total_saving
                .map_or("-".to_string(), |s| format!("{:.1} %", 100.0 * s)),
            r.generic_fallback
                .as_ref()
                .map_or("-".to_string(), |g| format!(
                    "{} {:.0} MiB",
                    g.stores,
                    g.total_bytes as f64 / (1024.0 * 1024.0)
                ))
        );
    }
    if let Some(b) = &a.saving_baseline {
        let _ = writeln!(out, "  saving: total memory against {b}");
    }
    for rec in &a.recommendations {
        let _ = writeln!(out, "  {}: {}", rec.priority.name(), rec.reason);
        let v = &rec.redisvl;
        let _ = writeln!(
            out,
            "    RedisVL CompressionAdvisor (\"{}\"): {}{} (its estimate_memory_savings: {:.1} % of the vector codes){}",
            v.priority,
            v.compression.redis_name(),
            v.reduce.map_or(String::new(), |r| format!(", REDUCE {r}")),
            v.estimated_memory_savings_pct,
            rec.redisvl_row.map_or(" - not built in this sweep".to_string(), |i| a
                .rows
                .get(i)
                .and_then(|r| r.measured_total_saving)
                .map_or(String::new(), |s| format!("; measured total saving {:.1} %", 100.0 * s)))
        );
    }
    for note in &a.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    out
}

/// Progress for long grids: a line per build on stderr (always, so logs show it) with the
/// elapsed time and an ETA from the mean build so far, plus compare's terminal progress.
struct SweepProgress {
    inner: Progress,
    started: Instant,
    labels: Vec<String>,
}

impl SweepProgress {
    fn new() -> Self {
        Self {
            inner: Progress::stderr(),
            started: Instant::now(),
            labels: Vec::new(),
        }
    }
}

impl ProgressSink for SweepProgress {
    fn as_control(&mut self) -> &mut dyn BuildControl {
        self
    }

    fn finish(&mut self) {
        self.inner.finish();
    }

    fn planned(&mut self, specs: &[IndexSpec]) {
        self.labels = specs.iter().map(spec_key).collect();
        eprintln!("sweep: {} builds", specs.len());
        self.started = Instant::now();
    }
}

impl BuildControl for SweepProgress {
    fn progress(&mut self, phase: &str, done: usize, total: usize) -> bool {
        // compare announces each run as "ALGORITHM (i/total)" with done = i - 1.
        let is_run_start = total == self.labels.len()
            && total > 0
            && phase.ends_with(&format!("({}/{total})", done + 1));
        if is_run_start {
            self.inner.finish();
            let elapsed = self.started.elapsed().as_secs_f64();
            let eta = if done > 0 {
                format!("ETA {:.0} s", elapsed / done as f64 * (total - done) as f64)
            } else {
                "ETA after the first build".to_string()
            };
            eprintln!(
                "[{}/{total}] {} ({elapsed:.1} s elapsed, {eta})",
                done + 1,
                self.labels.get(done).map_or("", String::as_str)
            );
        }
        self.inner.progress(phase, done, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_budgets() {
        let b = parse_budgets(
            "recall_floor=0.95,p95_us=2000,memory_bytes=2GB,doc_count=1000000",
            10,
        )
        .unwrap();
        assert_eq!(b.recall_floor, 0.95);
        assert_eq!(b.p95_us, Some(2000.0));
        assert_eq!(b.memory_bytes, Some(2 << 30));
        assert_eq!(b.doc_count, 1_000_000);
        assert_eq!(b.build_seconds, None);
        let d = parse_budgets("recall_floor=0.9,build_seconds=60", 42).unwrap();
        assert_eq!((d.doc_count, d.build_seconds), (42, Some(60.0)));
        assert!(parse_budgets("p95_us=2000", 1).is_err());
        assert!(parse_budgets("recall_floor=1.5", 1).is_err());
        assert!(parse_budgets("recall_floor=0.9,memory_bytes=lots", 1).is_err());
        assert!(parse_budgets("recall_floor=0.9,latency=3", 1).is_err());
    }
}
