//! The decision views over the explored grid: the optimizer under budgets, the measured
//! compression advisor beside RedisVL's rule, and the go/no-go. Everything shown is computed
//! by `annlab_protocol::decide`; this file only renders it.

use annlab_protocol::decide::advisor::{self, AdviseOptions};
use annlab_protocol::decide::go_no_go;
use annlab_protocol::decide::optimizer::{Assessed, Constraint, Outcome, Slack};
use leptos::prelude::*;

use crate::components::field::FormField;
use crate::explore::{BudgetsForm, Explored, ThresholdsForm};
use crate::state::{format_bytes, format_seconds, AppState};

fn value_text(c: Constraint, v: f64) -> String {
    match c {
        Constraint::RecallFloor => format!("{v:.3}"),
        // A budget below 1 µs keeps its digits: never print "0 µs".
        Constraint::P95Us if v.abs() < 1.0 => format!("{v:.3} µs"),
        Constraint::P95Us => format!("{v:.0} µs"),
        Constraint::MemoryBytes => format_bytes(v.max(0.0) as u64),
        Constraint::BuildSeconds => format_seconds(v),
    }
}

fn slack_text(s: &Slack) -> String {
    let sign = if s.met() { "slack" } else { "misses by" };
    let amount = match s.constraint {
        Constraint::MemoryBytes => format_bytes(s.slack.abs() as u64),
        c => value_text(c, s.slack.abs()),
    };
    format!(
        "{}: {} against {} ({sign} {amount})",
        s.constraint.label(),
        value_text(s.constraint, s.value),
        value_text(s.constraint, s.limit),
    )
}

fn point_line(e: &Explored, a: &Assessed) -> String {
    let m = &a.metrics;
    format!(
        "{} — recall {:.3}, {:.0} QPS, p95 {:.0} µs, {} at N, built in {}",
        e.label(m.point_ref()),
        m.recall,
        m.qps,
        m.p95_us,
        format_bytes(m.memory_bytes),
        format_seconds(m.build_seconds)
    )
}

fn outcome_view(e: &Explored, title: String, outcome: &Outcome, testid: String) -> AnyView {
    match outcome {
        Outcome::Chosen(c) => {
            let best = point_line(e, &c.best);
            let slack: Vec<String> = c.best.slack.iter().map(slack_text).collect();
            let runner = c.runner_up.as_ref().map(|l| {
                format!(
                    "Runner-up: {} — {}",
                    e.label(l.point.metrics.point_ref()),
                    l.reason
                )
            });
            let faster = c.faster_rejected.as_ref().map(|l| {
                format!(
                    "Faster but rejected: {} — {}",
                    e.label(l.point.metrics.point_ref()),
                    l.reason
                )
            });
            view! {
                <div class="choice-card chosen" data-testid=testid data-status="chosen" data-run=c.best.metrics.run data-point=c.best.metrics.point>
                    <h4>{title}</h4>
                    <p class="best"><strong>{best}</strong></p>
                    <ul class="slack">{slack.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                    {runner.map(|r| view! { <p class="runner-up">{r}</p> })}
                    {faster.map(|r| view! { <p class="runner-up">{r}</p> })}
                </div>
            }
            .into_any()
        }
        Outcome::Infeasible(inf) => {
            let binding: Vec<&str> = inf.binding.iter().map(|c| c.label()).collect();
            let nearest: Vec<String> = inf
                .nearest
                .iter()
                .flat_map(|n| {
                    let missing = n.missing.as_ref().map(|a| {
                        let by = a
                            .slack
                            .iter()
                            .find(|s| s.constraint == n.constraint)
                            .map(slack_text)
                            .unwrap_or_default();
                        format!(
                            "Nearest missing the {}: {} ({by})",
                            n.constraint.label(),
                            point_line(e, a)
                        )
                    });
                    let meeting = n.meeting.as_ref().map(|a| {
                        let other: Vec<String> = a
                            .slack
                            .iter()
                            .filter(|s| !s.met())
                            .map(slack_text)
                            .collect();
                        format!(
                            "Nearest meeting the {}: {} (but {})",
                            n.constraint.label(),
                            point_line(e, a),
                            other.join("; ")
                        )
                    });
                    missing.into_iter().chain(meeting)
                })
                .collect();
            view! {
                <div class="choice-card infeasible" data-testid=testid data-status="infeasible" data-binding=binding.join(",")>
                    <h4>{title}</h4>
                    <p class="bad"><strong>"Nothing qualifies. "</strong>{inf.reason.clone()}</p>
                    <p>"Binding: " <strong>{binding.join(", ")}</strong></p>
                    <ul class="nearest">{nearest.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                </div>
            }
            .into_any()
        }
        Outcome::NoCandidates => view! {
            <div class="choice-card" data-testid=testid data-status="none">
                <h4>{title}</h4>
                <p class="empty">"No measured point."</p>
            </div>
        }
        .into_any(),
    }
}

/// The optimizer panel (`data-testid="optimizer"`).
#[component]
pub fn OptimizerPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ex = state.explore;
    let b = ex.budgets;
    view! {
        <section class="panel optimizer" aria-labelledby="opt-h" data-testid="optimizer">
            <h3 id="opt-h">"Optimizer under budgets"</h3>
            <div class="facts-grid">
                <FormField form=b id="opt-recall" label="recall@k floor" get=|f: &BudgetsForm| f.recall_floor.clone() set=|f, v| f.recall_floor = v/>
                <FormField form=b id="opt-p95" label="p95 budget (µs)" get=|f: &BudgetsForm| f.p95_us.clone() set=|f, v| f.p95_us = v placeholder="none"
                    help="Latency as measured in this tab, one query at a time; a server adds its network and queueing."/>
                <FormField form=b id="opt-memory" label="memory budget at N" get=|f: &BudgetsForm| f.memory.clone() set=|f, v| f.memory = v placeholder="none (e.g. 2GB)"
                    help="Redis memory model: index, documents and the flat buffer before training."/>
                <FormField form=b id="opt-build" label="build-time budget (s)" get=|f: &BudgetsForm| f.build_seconds.clone() set=|f, v| f.build_seconds = v placeholder="none"
                    help="Build time measured in this tab."/>
                <FormField form=b id="opt-docs" label="production documents N" get=|f: &BudgetsForm| f.doc_count.clone() set=|f, v| f.doc_count = v placeholder="indexed vectors"/>
            </div>
            {move || {
                let (Some(e), Some(d)) = (ex.explored.get(), ex.decision.get()) else {
                    return view! { <p class="empty">"Run a grid or import a sweep JSON first."</p> }.into_any();
                };
                match &d.result {
                    Err(messages) => view! { <p class="field-error" role="alert">{messages.join(" ")}</p> }.into_any(),
                    Ok(r) => {
                        let overall = outcome_view(&e, "Overall".into(), &r.overall, "opt-overall".into());
                        let per: Vec<AnyView> = r
                            .per_algorithm
                            .iter()
                            .map(|a| {
                                outcome_view(
                                    &e,
                                    a.algorithm.redis_name().to_string(),
                                    &a.outcome,
                                    format!("opt-{}", a.algorithm.redis_name().to_ascii_lowercase()),
                                )
                            })
                            .collect();
                        view! {
                            <p class="help">{format!("Memory at N = {} documents.", d.doc_count)}</p>
                            <div class="choices-grid">{overall}{per}</div>
                        }
                        .into_any()
                    }
                }
            }}
        </section>
    }
}

/// The go/no-go panel (`data-testid="go-no-go"`).
#[component]
pub fn GoNoGoPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ex = state.explore;
    let t = ex.thresholds;
    view! {
        <section class="panel go-no-go" aria-labelledby="gng-h" data-testid="go-no-go">
            <h3 id="gng-h">"Go / no-go"</h3>
            <p class="help">"The migration notebook's framework on the chosen HNSW baseline and SVS-VAMANA candidate (the optimizer's per algorithm, or a point you clicked)."</p>
            <div class="facts-grid">
                <FormField form=t id="gng-savings" label="memory-savings threshold (%)" get=|f: &ThresholdsForm| f.savings_pct.clone() set=|f, v| f.savings_pct = v/>
                <FormField form=t id="gng-recall" label="recall@10 floor" get=|f: &ThresholdsForm| f.recall_floor.clone() set=|f, v| f.recall_floor = v/>
            </div>
            {move || {
                let (Some(e), Some(d)) = (ex.explored.get(), ex.decision.get()) else {
                    return view! { <p class="empty">"Run a grid first."</p> }.into_any();
                };
                let Some(pick) = d.pick else {
                    return view! { <p class="empty">"Needs an HNSW and an SVS-VAMANA choice: relax the budgets or click a point of each."</p> }.into_any();
                };
                let thresholds = match t.with(ThresholdsForm::thresholds) {
                    Ok(t) => t,
                    Err(m) => return view! { <p class="field-error" role="alert">{m}</p> }.into_any(),
                };
                let Some((report, hp, sp)) = e.pair(pick.hnsw, pick.svs) else {
                    return ().into_any();
                };
                match go_no_go::evaluate_in(&report, (0, hp), (1, sp), &thresholds, d.doc_count) {
                    Err(err) => view! { <p class="field-error">{err.to_string()}</p> }.into_any(),
                    Ok(g) => {
                        let class = format!("verdict {}", g.verdict.label().to_ascii_lowercase().replace(' ', "-"));
                        view! {
                            <p class=class data-testid="verdict" data-verdict=g.verdict.label()>{g.verdict.label()}</p>
                            <p>{format!("Baseline {} · candidate {}", e.label(pick.hnsw), e.label(pick.svs))}</p>
                            <p>{format!(
                                "Index memory saving at N = {}: {:.1} % ({} → {}); total with documents {:.1} %; recall vs exact {:.3}{}",
                                g.doc_count,
                                g.savings * 100.0,
                                format_bytes(g.baseline_index_bytes),
                                format_bytes(g.candidate_index_bytes),
                                g.total_savings * 100.0,
                                g.recall_vs_exact,
                                g.recall_vs_hnsw.map(|r| format!(", vs HNSW {r:.3}")).unwrap_or_default()
                            )}</p>
                            <ul class="reasons">{g.reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                        }
                        .into_any()
                    }
                }
            }}
        </section>
    }
}

/// The measured compression advisor beside RedisVL's rule (`data-testid="advisor"`).
#[component]
pub fn AdvisorPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ex = state.explore;
    view! {
        <section class="panel advisor" aria-labelledby="adv-h" data-testid="advisor">
            <h3 id="adv-h">"Compression advisor (measured)"</h3>
            {move || {
                let (Some(e), Some(d)) = (ex.explored.get(), ex.decision.get()) else {
                    return view! { <p class="empty">"Run a grid with several compressions first."</p> }.into_any();
                };
                let target = ex.form.with(|f| f.target);
                let floor = d
                    .result
                    .as_ref()
                    .map_or(advisor::DEFAULT_ADVISOR_RECALL_FLOOR, |r| r.budgets.recall_floor);
                let a = advisor::advise_with(
                    &e.report,
                    &AdviseOptions {
                        doc_count: d.doc_count,
                        target,
                        recall_floor: floor,
                    },
                );
                if a.rows.is_empty() {
                    return view! { <p class="empty">"No SVS-VAMANA run to compare."</p> }.into_any();
                }
                let window = a.matched_window.map_or("no common window".to_string(), |w| format!("SEARCH_WINDOW_SIZE {w}"));
                let baseline = a.saving_baseline.clone().unwrap_or_else(|| "—".into());
                let rows = a.rows.clone();
                view! {
                    <p class="help">{format!(
                        "Recall compared at {window}; memory at N = {} documents; total saving against {baseline}; recall floor {floor}.",
                        d.doc_count
                    )}</p>
                    <div class="table-wrap">
                        <table class="sweep advisor-table" data-testid="advisor-table">
                            <thead><tr>
                                <th>"requested"</th><th>"stored"</th><th>"R"</th><th>"code B/vec"</th><th>"graph B/vec"</th>
                                <th>"total at N"</th><th>"index at N"</th><th>"build"</th><th>"recall@window"</th><th>"QPS"</th><th>"saving"</th><th>"generic target stores"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr>
                                        <td>{r.requested.clone()}</td>
                                        <td>{r.effective.clone()}</td>
                                        <td>{r.graph_max_degree}</td>
                                        <td>{r.code_bytes_per_vector}</td>
                                        <td>{r.graph_bytes_per_vector}</td>
                                        <td>{format_bytes(r.total_bytes)}</td>
                                        <td>{format_bytes(r.index_bytes)}</td>
                                        <td>{format_seconds(r.build_seconds)}</td>
                                        <td>{r.at_matched.map_or("—".into(), |w| format!("{:.3}", w.recall))}</td>
                                        <td>{r.at_matched.map_or("—".into(), |w| format!("{:.0}", w.qps))}</td>
                                        <td>{r.measured_total_saving.map_or("—".into(), |s| format!("{:.1} %", s * 100.0))}</td>
                                        <td>{r.generic_fallback.as_ref().map_or("—".into(), |g| format!("{} ({} B/vec, {} at N)", g.stores, g.bytes_per_vector, format_bytes(g.total_bytes)))}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <h4>"Recommendation per priority"</h4>
                    <ul class="recommendations" data-testid="advisor-recommendations">
                        {a.recommendations.iter().map(|rec| {
                            let ours = rec.row.and_then(|i| a.rows.get(i)).map_or("none qualifies".to_string(), |r| format!("{} (R={})", r.requested, r.graph_max_degree));
                            let redisvl = format!(
                                "RedisVL CompressionAdvisor (rule only, nothing measured) says {}{} with an estimated {:.1} % saving",
                                rec.redisvl.compression.redis_name(),
                                rec.redisvl.reduce.map(|r| format!(" reduce={r}")).unwrap_or_default(),
                                rec.redisvl.estimated_memory_savings_pct
                            );
                            let measured = rec
                                .redisvl_row
                                .and_then(|i| a.rows.get(i))
                                .and_then(|r| r.measured_total_saving)
                                .map_or("not built in this grid".to_string(), |s| format!("measured total saving {:.1} % (graph and documents included)", s * 100.0));
                            view! {
                                <li data-priority=rec.priority.name()>
                                    <strong>{format!("{}: {ours}", rec.priority.name())}</strong>
                                    " — " {rec.reason.clone()}
                                    <br/>
                                    <span class="muted">{format!("{redisvl}; {measured}.")}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <ul class="notes">{a.notes.iter().map(|n| view! { <li class="muted">{n.clone()}</li> }).collect_view()}</ul>
                }
                .into_any()
            }}
        </section>
    }
}
