//! Pareto views in SVG: recall@k against QPS, and against Redis memory at the production
//! document count. Points and frontier come from `annlab_protocol::decide::pareto`; hovering
//! names the configuration, clicking selects it. Styles are inline so the downloaded SVG
//! looks the same as on the page.

use annlab_protocol::decide::pareto::{self, MemoryAt, Objective};
use annlab_protocol::decide::PointRef;
use annlab_protocol::report::Algorithm;
use leptos::prelude::*;

use crate::components::chart_downloads::ChartDownloads;

use crate::state::{format_bytes, AppState};

const W: f64 = 460.0;
const H: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 40.0;
const HNSW: &str = "#c2410c";
const SVS: &str = "#0f766e";

#[derive(Debug, Clone, PartialEq)]
struct Dot {
    at: PointRef,
    hnsw: bool,
    recall: f64,
    y: f64,
    front: bool,
    label: String,
}

fn svg_id(objective: Objective) -> &'static str {
    match objective {
        Objective::QpsHigher => "pareto-qps",
        Objective::MemoryLower => "pareto-memory",
    }
}

fn y_text(objective: Objective, v: f64) -> String {
    match objective {
        Objective::QpsHigher => format!("{v:.0} QPS"),
        Objective::MemoryLower => format_bytes(v as u64),
    }
}

/// One Pareto chart (`data-testid="pareto-qps"` / `"pareto-memory"`).
#[component]
pub fn ParetoChart(objective: Objective) -> impl IntoView {
    let state = expect_context::<AppState>();
    let ex = state.explore;
    let dots = Memo::new(move |_| {
        let e = ex.explored.get()?;
        let n = ex.doc_count(&e);
        let all = pareto::classify(&e.report, objective, &MemoryAt { doc_count: n });
        let dots: Vec<Dot> = all
            .iter()
            .map(|c| {
                let at = c.entry.point_ref();
                Dot {
                    at,
                    hnsw: e
                        .report
                        .runs
                        .get(at.run)
                        .is_some_and(|r| r.algorithm == Algorithm::Hnsw),
                    recall: c.entry.recall,
                    y: c.entry.x,
                    front: c.on_frontier(),
                    label: e.label(at),
                }
            })
            .collect();
        Some((dots, n))
    });
    let id = svg_id(objective);
    let title = match objective {
        Objective::QpsHigher => "Pareto: recall@k vs QPS",
        Objective::MemoryLower => "Pareto: recall@k vs memory at N",
    };
    let hover_text = move || {
        let e = ex.explored.get()?;
        let at = ex.hovered.get().or(ex.selected.get())?;
        let (_, p) = e.point(at)?;
        Some(format!(
            "{}{}: recall {:.3}, {:.0} QPS, p95 {:.0} µs",
            if ex.selected.get() == Some(at) {
                "selected "
            } else {
                ""
            },
            e.label(at),
            p.recall_at_k,
            p.qps,
            p.latency_us.p95
        ))
    };
    view! {
        <section class="panel pareto" aria-labelledby=format!("{id}-h")>
            <h3 id=format!("{id}-h")>{title}</h3>
            <div class="legend">
                <span class="swatch hnsw"></span>"HNSW"
                <span class="swatch svs"></span>"SVS-VAMANA"
                <span>"· frontier: large rings joined by a line · y log scale"</span>
                <ChartDownloads chart=id.to_string() file=format!("annlab-{id}") buttons=id.to_string()/>
            </div>
            {move || match dots.get() {
                None => view! { <p class="empty">"No grid result yet."</p> }.into_any(),
                Some((dots, n)) => chart(objective, dots, n).into_any(),
            }}
            <p class="hover" data-testid=format!("{id}-hover")>{move || hover_text().unwrap_or_else(|| "Hover a point to see its configuration; click to select it.".into())}</p>
        </section>
    }
}

fn chart(objective: Objective, dots: Vec<Dot>, n: u64) -> impl IntoView {
    let state = expect_context::<AppState>();
    let ex = state.explore;
    let id = svg_id(objective);
    let x_min = dots
        .iter()
        .map(|d| d.recall)
        .fold(1.0f64, f64::min)
        .clamp(0.0, 0.9);
    let x_min = (x_min * 10.0).floor() / 10.0;
    let (lo, hi) = dots
        .iter()
        .map(|d| d.y.max(1.0))
        .fold((f64::MAX, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let y_lo = lo.log10().floor();
    let y_hi = hi.log10().ceil().max(y_lo + 1.0);
    let x = move |r: f64| LEFT + (r - x_min) / (1.0 - x_min).max(1e-9) * (W - LEFT - RIGHT);
    let y = move |v: f64| TOP + (y_hi - v.max(1.0).log10()) / (y_hi - y_lo) * (H - TOP - BOTTOM);
    let x_ticks: Vec<f64> = (0..=5)
        .map(|i| x_min + (1.0 - x_min) * i as f64 / 5.0)
        .collect();
    let y_ticks: Vec<f64> = (y_lo as i32..=y_hi as i32).map(|e| 10f64.powi(e)).collect();
    let mut front: Vec<&Dot> = dots.iter().filter(|d| d.front).collect();
    front.sort_by(|a, b| a.recall.total_cmp(&b.recall));
    let front_line = front
        .iter()
        .map(|d| format!("{:.1},{:.1}", x(d.recall), y(d.y)))
        .collect::<Vec<_>>()
        .join(" ");
    let y_label = match objective {
        Objective::QpsHigher => "QPS (measured in this tab)".to_string(),
        Objective::MemoryLower => format!("Redis memory at N = {n}"),
    };
    let (count, on_front) = (dots.len(), front.len());
    let aria = format!("{count} points, {on_front} on the frontier");
    view! {
        <svg
            id=id
            xmlns="http://www.w3.org/2000/svg"
            class="plot"
            viewBox=format!("0 0 {W} {H}")
            role="img"
            aria-label=aria
            data-testid=id
            data-points=count
            data-front=on_front
            font-family="system-ui, sans-serif"
        >
            <rect x="0" y="0" width=W height=H fill="#ffffff"></rect>
            {x_ticks
                .into_iter()
                .map(|t| view! {
                    <line x1=x(t) x2=x(t) y1=TOP y2={H - BOTTOM} stroke="#e5e7eb"></line>
                    <text x=x(t) y={H - BOTTOM + 14.0} text-anchor="middle" font-size="10" fill="#5b6475">{format!("{t:.2}")}</text>
                })
                .collect_view()}
            {y_ticks
                .into_iter()
                .map(|t| view! {
                    <line x1=LEFT x2={W - RIGHT} y1=y(t) y2=y(t) stroke="#e5e7eb"></line>
                    <text x={LEFT - 6.0} y={y(t) + 4.0} text-anchor="end" font-size="10" fill="#5b6475">{match objective {
                        Objective::QpsHigher => format!("{t:.0}"),
                        Objective::MemoryLower => format_bytes(t as u64),
                    }}</text>
                })
                .collect_view()}
            <text x={(LEFT + W - RIGHT) / 2.0} y={H - 6.0} text-anchor="middle" font-size="11" fill="#1b1f2a">"recall@k"</text>
            <text x="12" y={(TOP + H - BOTTOM) / 2.0} text-anchor="middle" font-size="11" fill="#1b1f2a" transform=format!("rotate(-90 12 {})", (TOP + H - BOTTOM) / 2.0)>{y_label}</text>
            <polyline points=front_line fill="none" stroke="#1d4ed8" stroke-width="2" stroke-dasharray="5 3"></polyline>
            {dots
                .into_iter()
                .map(|d| {
                    let at = d.at;
                    let color = if d.hnsw { HNSW } else { SVS };
                    let selected = move || ex.selected.get() == Some(at);
                    let tip = format!("{}: recall {:.3}, {}{}", d.label, d.recall, y_text(objective, d.y), if d.front { " (frontier)" } else { "" });
                    view! {
                        <circle
                            cx=x(d.recall)
                            cy=y(d.y)
                            r=move || if selected() { "8" } else if d.front { "6" } else { "3.5" }
                            fill=if d.front { color } else { "#ffffff" }
                            stroke=move || if selected() { "#111827" } else { color }
                            stroke-width=move || if selected() { "3" } else { "1.5" }
                            fill-opacity=if d.front { "0.9" } else { "1" }
                            class:front=d.front
                            data-run=at.run
                            data-point=at.point
                            style="cursor: pointer"
                            on:mouseenter=move |_| ex.hovered.set(Some(at))
                            on:mouseleave=move |_| ex.hovered.set(None)
                            on:click=move |_| ex.selected.set(Some(at))
                        >
                            <title>{tip}</title>
                        </circle>
                    }
                })
                .collect_view()}
        </svg>
    }
}
