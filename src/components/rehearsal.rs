//! The migration rehearsal inside the planning panel: the steps as the exported plan runs
//! them with the rollback at each, and one shard's memory over the steps (SVG). Every figure
//! is `annlab_export::rehearsal::rehearse`'s; the indexing time is scaled from this tab's
//! measured SVS-VAMANA build and labelled as the extrapolation it is.

use annlab_export::rehearsal::{human_seconds, Rehearsal, StepDuration, StepKind};
use leptos::prelude::*;

use crate::components::chart_downloads::ChartDownloads;

use crate::planning::{MeasuredBuild, Rehearsed};
use crate::state::format_bytes;

const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 44.0;

/// Width of a step's band, relative: the time axis is by step, not to scale.
fn band_weight(kind: StepKind) -> f64 {
    match kind {
        StepKind::Indexing => 5.0,
        StepKind::Observe => 3.0,
        _ => 0.8,
    }
}

fn duration_text(d: StepDuration) -> String {
    match d {
        StepDuration::Extrapolated(s) => format!("{} (extrapolated)", human_seconds(s)),
        StepDuration::Planned(s) => format!("{} (the plan's window)", human_seconds(s)),
        StepDuration::Brief => "brief (not timed)".to_string(),
        StepDuration::Unknown => "unknown: no measured build".to_string(),
    }
}

fn short_title(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Preflight => "preflight",
        StepKind::Create => "create",
        StepKind::Indexing => "indexing",
        StepKind::Validate => "validate",
        StepKind::Switch => "alias",
        StepKind::Observe => "observe",
        StepKind::DropOld => "drop",
    }
}

fn rate_statement(build: Option<&MeasuredBuild>, why: Option<&str>) -> impl IntoView {
    match build {
        Some(b) => view! {
            <p class="rehearsal-rate" data-testid="rehearsal-rate">
                {format!(
                    "Indexing time is an extrapolation: documents per shard ÷ {:.0} vectors/s, the rate of this tab's SVS-VAMANA build ({} vectors in {:.2} s, {}). A Redis server indexes with its own threads (WORKERS) on its own hardware, and the time does not stay linear in n: read it as an order of magnitude.",
                    b.vectors_per_second, b.rate.vectors, b.rate.seconds, b.source
                )}
            </p>
        }
        .into_any(),
        None => view! {
            <p class="rehearsal-rate missing" data-testid="rehearsal-rate">
                {why.unwrap_or("No indexing time: no measured SVS-VAMANA build.").to_string()}
            </p>
        }
        .into_any(),
    }
}

fn timeline(r: &Rehearsal) -> impl IntoView {
    let rows = r
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let m = s.memory_at_end;
            let start = s
                .start_seconds
                .map_or("unknown".to_string(), |t| {
                    if t == 0.0 {
                        "0 s".to_string()
                    } else {
                        format!("+{}", human_seconds(t))
                    }
                });
            view! {
                <tr>
                    <td class="num">{i + 1}</td>
                    <td><strong>{s.title.clone()}</strong><br/><span class="muted">{s.action.clone()}</span></td>
                    <td class="num">{start}</td>
                    <td>{duration_text(s.duration)}</td>
                    <td class="num">{format_bytes(m.old_index)}</td>
                    <td class="num">{format_bytes(m.new_index)}</td>
                    <td class="num"><strong>{format_bytes(m.total())}</strong></td>
                    <td class="rollback">{s.rollback.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
        <table class="rehearsal-table" data-testid="rehearsal-timeline">
            <thead><tr>
                <th>"#"</th><th>"Step"</th><th>"Starts"</th><th>"Takes"</th>
                <th>"HNSW index"</th><th>"SVS index"</th><th>"Shard total"</th><th>"Rollback"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
    }
}

/// One polygon of the stacked areas, between `lower` and `upper` (bytes per sample).
fn band_polygon(xs: &[f64], lower: &[f64], upper: &[f64]) -> String {
    xs.iter()
        .zip(upper)
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .chain(
            xs.iter()
                .zip(lower)
                .rev()
                .map(|(x, y)| format!("{x:.1},{y:.1}")),
        )
        .collect::<Vec<_>>()
        .join(" ")
}

fn chart(r: &Rehearsal) -> impl IntoView {
    let weights: Vec<f64> = r.steps.iter().map(|s| band_weight(s.kind)).collect();
    let sum: f64 = weights.iter().sum::<f64>().max(1.0);
    let plot_w = W - LEFT - RIGHT;
    let mut starts = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        starts.push(LEFT + plot_w * acc / sum);
        acc += w;
    }
    let band = |step: usize| {
        (
            starts.get(step).copied().unwrap_or(LEFT),
            plot_w * weights.get(step).copied().unwrap_or(0.0) / sum,
        )
    };
    let top = (r.peak.memory.total().max(1) as f64) * 1.1;
    let y = |b: f64| H - BOTTOM - (H - BOTTOM - TOP) * b / top;
    let xs: Vec<f64> = r
        .samples
        .iter()
        .map(|s| {
            let (x0, w) = band(s.step);
            x0 + w * s.progress
        })
        .collect();
    let level = |f: &dyn Fn(&annlab_export::rehearsal::ShardMemory) -> u64| -> Vec<f64> {
        r.samples.iter().map(|s| y(f(&s.memory) as f64)).collect()
    };
    let base = level(&|_| 0);
    let docs = level(&|m| m.documents);
    let old = level(&|m| m.documents + m.old_index);
    let flat = level(&|m| m.documents + m.old_index + m.flat_buffer);
    let total = level(&|m| m.total());
    let areas = [
        ("area docs", &base, &docs, "documents (vector blobs + keys)"),
        ("area hnsw", &docs, &old, "HNSW index"),
        ("area flat", &old, &flat, "SVS flat buffer"),
        ("area svs", &flat, &total, "SVS-VAMANA index"),
    ]
    .into_iter()
    .map(|(class, lo, hi, name)| {
        view! { <polygon class=class points=band_polygon(&xs, lo, hi)><title>{name}</title></polygon> }
    })
    .collect_view();
    let separators = r
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (x0, w) = band(i);
            let label_y = if i % 2 == 0 {
                H - BOTTOM + 14.0
            } else {
                H - BOTTOM + 27.0
            };
            view! {
                <line class="step-line" x1=x0 x2=x0 y1=TOP y2=H - BOTTOM></line>
                <text class="axis" x=x0 + w / 2.0 y=label_y text-anchor="middle">
                    {format!("{}. {}", i + 1, short_title(s.kind))}
                </text>
            }
        })
        .collect_view();
    let peak_y = y(r.peak.memory.total() as f64);
    let peak_label = format!("peak {}", format_bytes(r.peak.memory.total()));
    let threshold = r
        .training_threshold
        .filter(|t| *t <= r.docs_per_shard && r.docs_per_shard > 0)
        .map(|t| {
            let (x0, w) = band(
                r.steps
                    .iter()
                    .position(|s| s.kind == StepKind::Indexing)
                    .unwrap_or(0),
            );
            let x = x0 + w * t as f64 / r.docs_per_shard as f64;
            view! {
                <line class="threshold" x1=x x2=x y1=TOP y2=H - BOTTOM></line>
                <text class="axis" x=x + 3.0 y=TOP + 10.0>{format!("trains at {t}")}</text>
            }
        });
    view! {
        <svg class="rehearsal-chart" data-testid="rehearsal-chart" viewBox=format!("0 0 {W} {H}")
            role="img" aria-label="Memory of one shard over the migration steps">
            {areas}
            {separators}
            {threshold}
            <line class="axis-line" x1=LEFT x2=W - RIGHT y1=H - BOTTOM y2=H - BOTTOM></line>
            <line class="axis-line" x1=LEFT x2=LEFT y1=TOP y2=H - BOTTOM></line>
            <line class="peak" x1=LEFT x2=W - RIGHT y1=peak_y y2=peak_y></line>
            <text class="axis" x=W - RIGHT - 2.0 y=peak_y - 4.0 text-anchor="end">{peak_label}</text>
            <text class="axis" x=LEFT - 4.0 y=TOP + 4.0 text-anchor="end">{format_bytes(top as u64)}</text>
            <text class="axis" x=LEFT - 4.0 y=H - BOTTOM text-anchor="end">"0"</text>
        </svg>
        <p class="legend">
            <span class="swatch docs"></span>"documents "
            <span class="swatch hnsw"></span>"HNSW index "
            <span class="swatch flat"></span>"SVS flat buffer (before training) "
            <span class="swatch svs"></span>"SVS-VAMANA index · x axis by step, not to scale in time"
        </p>
    }
}

/// The rehearsal section of the planning panel.
#[component]
pub fn RehearsalView(rehearsed: Rehearsed) -> impl IntoView {
    let body = match rehearsed {
        Rehearsed::Invalid(e) => view! { <p class="field-error" role="alert">{e}</p> }.into_any(),
        Rehearsed::Ready {
            rehearsal,
            build,
            why_no_rate,
        } => {
            let r = &rehearsal;
            let peak = r.peak.memory.total();
            let after = r.steps.last().map_or(0, |s| s.memory_at_end.total());
            let total = r
                .total_seconds()
                .map_or("unknown (no measured build)".to_string(), human_seconds);
            let summary = format!(
                "{} shard(s), each with {} documents and running these steps in parallel on its own documents. Peak per shard {} while both indexes exist (from the end of indexing to the drop); {} after. Whole migration: {}.",
                r.shards,
                r.docs_per_shard,
                format_bytes(peak),
                format_bytes(after),
                total
            );
            view! {
                {rate_statement(build.as_ref(), why_no_rate.as_deref())}
                <p class="help" data-testid="rehearsal-summary">{summary}</p>
                {chart(r)}
                <ChartDownloads chart="rehearsal-chart".into() file="annlab-rehearsal".into() buttons="rehearsal".into() class="secondary"/>
                {timeline(r)}
            }
            .into_any()
        }
    };
    view! {
        <section class="rehearsal" data-testid="rehearsal" aria-labelledby="rehearsal-h">
            <h4 id="rehearsal-h">"Rehearsal of the blue/green migration (one shard)"</h4>
            {body}
        </section>
    }
}
