//! Recall vs QPS curves of the runtime sweeps, drawn in SVG.

use leptos::prelude::*;

use crate::components::chart_downloads::ChartDownloads;

use crate::state::{runtime_value, AppState, IndexKind};

const W: f64 = 420.0;
const H: f64 = 260.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;

struct Series {
    kind: IndexKind,
    /// (recall, qps, runtime value)
    points: Vec<(f64, f64, Option<usize>)>,
}

/// The recall-vs-QPS plot (x: recall@k, y: QPS on a log scale).
#[component]
pub fn SweepPlot() -> impl IntoView {
    let state = expect_context::<AppState>();
    let series = move || {
        IndexKind::BOTH
            .into_iter()
            .filter_map(|kind| {
                state.outcome(kind).get().map(|o| Series {
                    kind,
                    points: o
                        .report
                        .search
                        .iter()
                        .map(|p| {
                            (
                                p.recall_at_k,
                                p.qps.max(1.0),
                                runtime_value(p, kind.runtime_param()),
                            )
                        })
                        .collect(),
                })
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="panel sweep-plot" aria-labelledby="sweep-h">
            <h3 id="sweep-h">"Recall vs QPS"</h3>
            <div class="legend">
                <span class="swatch hnsw"></span>"HNSW (EF_RUNTIME)"
                <span class="swatch svs"></span>"SVS-VAMANA (SEARCH_WINDOW_SIZE)"
                <span>"· y: QPS, log scale"</span>
                <ChartDownloads chart="sweep-plot".into() file="annlab-recall-vs-qps".into() buttons="sweep-plot".into()/>
            </div>
            {move || {
                let all = series();
                if all.is_empty() {
                    return view! { <p class="empty">"No sweep yet."</p> }.into_any();
                }
                plot(all).into_any()
            }}
        </section>
    }
}

fn plot(all: Vec<Series>) -> impl IntoView {
    let recalls = all.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let x_min = recalls.fold(1.0f64, f64::min).clamp(0.0, 0.9);
    let x_min = (x_min * 10.0).floor() / 10.0;
    let qps = all.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let (lo, hi) = qps.fold((f64::MAX, 1.0f64), |(lo, hi), q| (lo.min(q), hi.max(q)));
    let y_lo = lo.log10().floor();
    let y_hi = hi.log10().ceil().max(y_lo + 1.0);
    let x = move |r: f64| LEFT + (r - x_min) / (1.0 - x_min).max(1e-9) * (W - LEFT - RIGHT);
    let y = move |q: f64| TOP + (y_hi - q.log10()) / (y_hi - y_lo) * (H - TOP - BOTTOM);
    let x_ticks: Vec<f64> = (0..=5)
        .map(|i| x_min + (1.0 - x_min) * i as f64 / 5.0)
        .collect();
    let y_ticks: Vec<f64> = (y_lo as i32..=y_hi as i32).map(|e| 10f64.powi(e)).collect();
    view! {
        <svg
            class="plot"
            data-testid="sweep-plot"
            viewBox=format!("0 0 {W} {H}")
            role="img"
            aria-label="Recall at k against queries per second for each runtime setting"
        >
            {x_ticks
                .into_iter()
                .map(|t| {
                    view! {
                        <line class="grid" x1=x(t) x2=x(t) y1=TOP y2={H - BOTTOM}></line>
                        <text class="tick" x=x(t) y={H - BOTTOM + 14.0} text-anchor="middle">{format!("{t:.2}")}</text>
                    }
                })
                .collect_view()}
            {y_ticks
                .into_iter()
                .map(|t| {
                    view! {
                        <line class="grid" x1=LEFT x2={W - RIGHT} y1=y(t) y2=y(t)></line>
                        <text class="tick" x={LEFT - 6.0} y={y(t) + 4.0} text-anchor="end">{format!("{t:.0}")}</text>
                    }
                })
                .collect_view()}
            <text class="axis" x={(LEFT + W - RIGHT) / 2.0} y={H - 6.0} text-anchor="middle">"recall@k"</text>
            {all
                .into_iter()
                .map(|s| {
                    let id = s.kind.id();
                    let points = s
                        .points
                        .iter()
                        .map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1)))
                        .collect::<Vec<_>>()
                        .join(" ");
                    view! {
                        <g class=format!("series {id}")>
                            <polyline points=points></polyline>
                            {s.points
                                .iter()
                                .map(|p| {
                                    view! {
                                        <circle cx=x(p.0) cy=y(p.1) r="4">
                                            <title>{format!(
                                                "{} {}={}: recall {:.3}, {:.0} QPS",
                                                s.kind.label(),
                                                s.kind.runtime_param(),
                                                p.2.unwrap_or(0),
                                                p.0,
                                                p.1
                                            )}</title>
                                        </circle>
                                    }
                                })
                                .collect_view()}
                        </g>
                    }
                })
                .collect_view()}
        </svg>
    }
}
