//! The 2-D view: every base row and query projected on the data's two leading principal
//! components (computed in the data worker), drawn on a canvas; the selected query, its exact
//! top-k and what HNSW or SVS-VAMANA returned are marked on top. Shares the selected query
//! with the query explorer.

use std::sync::Arc;

use annlab_worker::scatter::{
    coordinates_csv, query_at, rasterise, Mapping, NeighbourMarks, PointStyle, ProjectionState,
    ProjectionView,
};
use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::components::query_explorer::returned_ids;
use crate::state::{AppState, IndexKind};
use crate::worker_bridge;

/// Canvas size in pixels.
const WIDTH: usize = 720;
const HEIGHT: usize = 440;
/// Kept free around the points, so marks at the edge stay whole.
const MARGIN: f32 = 14.0;
/// A click within this many pixels of a query selects it.
const CLICK_RADIUS: f32 = 8.0;

/// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), each with
/// its own marker shape so that the colour is never the only cue.
const HIT: &str = "#009E73";
const MISS: &str = "#D55E00";
const FALSE: &str = "#CC79A7";
const EXACT: &str = "#0072B2";
const QUERY: &str = "#000000";
const OTHER_QUERY: &str = "#56B4E9";
const BASE: PointStyle = PointStyle {
    background: [255, 255, 255],
    colour: [110, 118, 135],
    alpha: 0.45,
    size: 2,
};

/// The selected query's neighbours, as the view marks them.
#[derive(Debug, Clone, PartialEq)]
struct QueryMarks {
    query: usize,
    exact: Vec<u32>,
    /// Per index (HNSW, SVS-VAMANA); `None` when it was not built.
    by_index: [Option<NeighbourMarks>; 2],
}

impl QueryMarks {
    fn of(&self, kind: IndexKind) -> Option<&NeighbourMarks> {
        self.by_index[match kind {
            IndexKind::Hnsw => 0,
            IndexKind::Svs => 1,
        }]
        .as_ref()
    }
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

fn mapping(view: &ProjectionView) -> Option<Mapping> {
    Some(Mapping::new(
        view.bounds()?,
        WIDTH as f32,
        HEIGHT as f32,
        MARGIN,
    ))
}

/// A marker shape, centred on `(x, y)`.
#[derive(Clone, Copy)]
enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

fn mark(ctx: &CanvasRenderingContext2d, (x, y): (f32, f32), shape: Shape, r: f64) {
    let (x, y) = (f64::from(x), f64::from(y));
    ctx.begin_path();
    match shape {
        Shape::Circle => {
            let _ = ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
        }
        Shape::Square => ctx.rect(x - r, y - r, 2.0 * r, 2.0 * r),
        Shape::Triangle => {
            ctx.move_to(x, y - 1.2 * r);
            ctx.line_to(x + 1.1 * r, y + 0.8 * r);
            ctx.line_to(x - 1.1 * r, y + 0.8 * r);
            ctx.close_path();
        }
        Shape::Diamond => {
            ctx.move_to(x, y - 1.4 * r);
            ctx.line_to(x + 1.4 * r, y);
            ctx.line_to(x, y + 1.4 * r);
            ctx.line_to(x - 1.4 * r, y);
            ctx.close_path();
        }
    }
}

/// How one kind of point is marked.
#[derive(Clone, Copy)]
struct MarkStyle {
    shape: Shape,
    colour: &'static str,
    /// Radius in pixels.
    r: f64,
    /// Filled with a white rim (visible on dense grey), or hollow in `colour`.
    filled: bool,
    line: f64,
}

const QUERY_MARK: MarkStyle = MarkStyle {
    shape: Shape::Diamond,
    colour: QUERY,
    r: 6.0,
    filled: true,
    line: 1.5,
};
const HIT_MARK: MarkStyle = MarkStyle {
    shape: Shape::Circle,
    colour: HIT,
    r: 5.5,
    filled: true,
    line: 1.5,
};
const MISS_MARK: MarkStyle = MarkStyle {
    shape: Shape::Square,
    colour: MISS,
    r: 5.0,
    filled: false,
    line: 2.5,
};
const FALSE_MARK: MarkStyle = MarkStyle {
    shape: Shape::Triangle,
    colour: FALSE,
    r: 6.0,
    filled: true,
    line: 1.5,
};
const EXACT_MARK: MarkStyle = MarkStyle {
    shape: Shape::Circle,
    colour: EXACT,
    r: 5.5,
    filled: true,
    line: 1.5,
};
/// Thin rims: the other queries are there to be clicked, not to draw the eye.
const OTHER_QUERY_MARK: MarkStyle = MarkStyle {
    shape: Shape::Circle,
    colour: OTHER_QUERY,
    r: 2.5,
    filled: false,
    line: 1.2,
};

fn marks(
    ctx: &CanvasRenderingContext2d,
    map: &Mapping,
    points: impl IntoIterator<Item = (f32, f32)>,
    style: MarkStyle,
) {
    for (x, y) in points {
        mark(ctx, map.to_px(x, y), style.shape, style.r);
        if style.filled {
            ctx.set_fill_style_str(style.colour);
            ctx.fill();
            ctx.set_stroke_style_str("#ffffff");
        } else {
            ctx.set_stroke_style_str(style.colour);
        }
        ctx.set_line_width(style.line);
        ctx.stroke();
    }
}

/// Draws the base points in one pass, then the queries and the selected query's marks.
fn draw(
    canvas: &HtmlCanvasElement,
    view: &ProjectionView,
    marks_of: Option<(&QueryMarks, IndexKind)>,
) -> Result<(), String> {
    let ctx = context(canvas).ok_or("the browser gave no 2-D canvas")?;
    let Some(map) = mapping(view) else {
        ctx.clear_rect(0.0, 0.0, WIDTH as f64, HEIGHT as f64);
        return Ok(());
    };
    let raster = rasterise(view.base_points(), &map, (WIDTH, HEIGHT), &BASE);
    let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        Clamped(&raster.rgba),
        WIDTH as u32,
        HEIGHT as u32,
    )
    .map_err(|e| format!("could not draw the 2-D view: {e:?}"))?;
    ctx.put_image_data(&image, 0.0, 0.0)
        .map_err(|e| format!("could not draw the 2-D view: {e:?}"))?;
    let queries = (0..view.queries).filter_map(|q| view.query_point(q));
    marks(&ctx, &map, queries, OTHER_QUERY_MARK);
    let Some((m, kind)) = marks_of else {
        return Ok(());
    };
    let at = |ids: &[u32]| -> Vec<(f32, f32)> {
        ids.iter()
            .filter_map(|&id| view.base_point(id as usize))
            .collect()
    };
    // Faint spokes from the query to every marked point show where its neighbours landed.
    if let Some((x, y)) = view.query_point(m.query) {
        let (qx, qy) = map.to_px(x, y);
        let mut ends = m.exact.clone();
        if let Some(n) = m.of(kind) {
            ends.extend(&n.false_neighbours);
        }
        ctx.begin_path();
        for (x, y) in at(&ends) {
            let (x, y) = map.to_px(x, y);
            ctx.move_to(f64::from(qx), f64::from(qy));
            ctx.line_to(f64::from(x), f64::from(y));
        }
        ctx.set_stroke_style_str("rgba(0, 0, 0, 0.5)");
        ctx.set_line_width(1.25);
        ctx.stroke();
    }
    match m.of(kind) {
        Some(n) => {
            marks(&ctx, &map, at(&n.misses), MISS_MARK);
            marks(&ctx, &map, at(&n.false_neighbours), FALSE_MARK);
            marks(&ctx, &map, at(&n.hits), HIT_MARK);
        }
        None => marks(&ctx, &map, at(&m.exact), EXACT_MARK),
    }
    marks(&ctx, &map, view.query_point(m.query), QUERY_MARK);
    Ok(())
}

/// One legend entry: an SVG copy of the canvas marker.
fn legend_item(style: MarkStyle, text: &'static str) -> impl IntoView {
    let (fill, stroke) = if style.filled {
        (style.colour, "#ffffff")
    } else {
        ("none", style.colour)
    };
    let width = style.line.to_string();
    let symbol = match style.shape {
        Shape::Circle => view! { <circle cx="8" cy="8" r="5" fill=fill stroke=stroke stroke-width=width/> }.into_any(),
        Shape::Square => view! { <rect x="3" y="3" width="10" height="10" fill=fill stroke=stroke stroke-width=width/> }.into_any(),
        Shape::Triangle => view! { <polygon points="8,1 15,14 1,14" fill=fill stroke=stroke stroke-width=width/> }.into_any(),
        Shape::Diamond => view! { <polygon points="8,1 15,8 8,15 1,8" fill=fill stroke=stroke stroke-width=width/> }.into_any(),
    };
    view! {
        <li>
            <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">{symbol}</svg>
            {text}
        </li>
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The 2-D view panel.
#[component]
pub fn ProjectionPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let explorer = state.explorer;
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();

    let query_marks = Memo::new(move |_| {
        let eval = state.runs.eval.get()?;
        let nq = eval.truth.len();
        if nq == 0 {
            return None;
        }
        let query = explorer.query(nq);
        let exact = eval.truth.get(query)?.clone();
        let by_index = IndexKind::BOTH.map(|kind| {
            returned_ids(&state, kind, query).map(|ids| NeighbourMarks::classify(&exact, &ids))
        });
        Some(QueryMarks {
            query,
            exact,
            by_index,
        })
    });
    let ready = move || match explorer.projection.get() {
        ProjectionState::Ready(v) => Some(v),
        _ => None,
    };
    let ready = Memo::new(move |_| ready());

    Effect::new(move |_| {
        let (Some(view), Some(canvas)) = (ready.get(), canvas_ref.get()) else {
            return;
        };
        let kind = explorer.marks_for.get();
        let marks = query_marks.get();
        if let Err(e) = draw(&canvas, &view, marks.as_ref().map(|m| (m, kind))) {
            state.push_error(e);
        }
    });

    let queries = move || ready.get().map_or(0, |v| v.queries);
    let on_click = move |ev: web_sys::MouseEvent| {
        let (Some(view), Some(canvas)) = (ready.get_untracked(), canvas_ref.get_untracked()) else {
            return;
        };
        let Some(map) = mapping(&view) else {
            return;
        };
        // The canvas may be drawn smaller than its pixel size (CSS width 100%).
        let scale = WIDTH as f32 / canvas.client_width().max(1) as f32;
        let (x, y) = (ev.offset_x() as f32 * scale, ev.offset_y() as f32 * scale);
        if let Some(q) = query_at(&view, &map, x, y, CLICK_RADIUS * scale.max(1.0)) {
            explorer.select(q);
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let step = match ev.key().as_str() {
            "ArrowRight" | "ArrowDown" => 1,
            "ArrowLeft" | "ArrowUp" => -1,
            _ => return,
        };
        ev.prevent_default();
        explorer.step(queries(), step);
    };
    let download_csv = move |_| {
        let (Some(view), Some(eval)) = (ready.get_untracked(), state.runs.eval.get_untracked())
        else {
            return;
        };
        let csv = coordinates_csv(
            &view,
            &eval.base_rows,
            eval.query_rows.as_deref().map(|r| r.as_slice()),
        );
        worker_bridge::download(state, "annlab-2d-pca.csv", csv.as_bytes(), "text/csv");
    };
    let download_png = move |_| {
        if let Some(canvas) = canvas_ref.get_untracked() {
            if let Err(e) = crate::browser_io::download_canvas_png(&canvas, "annlab-2d-pca.png") {
                state.push_error(e);
            }
        }
    };

    let status = move || {
        explorer.projection.with(|p| match p {
            ProjectionState::Idle => "idle",
            ProjectionState::Waiting => "waiting",
            ProjectionState::Computing => "computing",
            ProjectionState::Ready(_) => "ready",
            ProjectionState::Failed(_) => "failed",
        })
    };
    let shown = move || {
        query_marks
            .get()
            .and_then(|m| m.of(explorer.marks_for.get()).cloned())
    };
    let count = move |f: fn(&NeighbourMarks) -> usize| move || shown().map(|n| f(&n).to_string());
    let hits_of = move |kind: IndexKind| {
        move || {
            query_marks
                .get()
                .and_then(|m| m.of(kind).map(|n| n.hits.len().to_string()))
        }
    };
    let dim = move || {
        state
            .data
            .dataset
            .with(|d| d.as_ref().map_or(0, |d| d.summary.dim))
    };

    view! {
        <section
            class="panel projection"
            aria-labelledby="projection-h"
            data-testid="projection"
            data-state=status
            data-query=move || query_marks.get().map(|m| m.query.to_string())
            data-index=move || explorer.marks_for.get().id()
            data-points=move || ready.get().map(|v| (v.base + v.queries).to_string())
            data-hits=count(|n| n.hits.len())
            data-misses=count(|n| n.misses.len())
            data-false=count(|n| n.false_neighbours.len())
            data-hnsw-hits=hits_of(IndexKind::Hnsw)
            data-svs-hits=hits_of(IndexKind::Svs)
        >
            <h3 id="projection-h">"2-D view (PCA)"</h3>
            {move || match explorer.projection.get() {
                ProjectionState::Idle => view! { <p class="empty">"Build to see the data in 2-D."</p> }.into_any(),
                ProjectionState::Waiting => view! { <p class="empty">"The 2-D view is computed once the builds are measured, so that it does not slow them."</p> }.into_any(),
                ProjectionState::Computing => view! { <p class="empty">"Projecting the vectors in the data worker…"</p> }.into_any(),
                ProjectionState::Failed(m) => view! { <p class="error" role="alert">{format!("No 2-D view: {m}")}</p> }.into_any(),
                ProjectionState::Ready(v) => explained(&v, dim()).into_any(),
            }}
            <div class="projection-tools" class:hidden=move || ready.get().is_none()>
                <fieldset class="marks-for">
                    <legend>"Mark the answers of"</legend>
                    {IndexKind::BOTH.map(|kind| view! {
                        <label>
                            <input
                                type="radio"
                                name="projection-index"
                                data-testid=format!("projection-index-{}", kind.id())
                                prop:checked=move || explorer.marks_for.get() == kind
                                on:change=move |_| explorer.marks_for.set(kind)
                            />
                            {kind.label()}
                        </label>
                    })}
                </fieldset>
                <button type="button" class="secondary" on:click=move |_| explorer.step(queries(), -1)>"‹ previous query"</button>
                <button type="button" class="secondary" on:click=move |_| explorer.step(queries(), 1)>"next query ›"</button>
                <button type="button" class="secondary" data-testid="projection-csv" on:click=download_csv>"Download CSV"</button>
                <button type="button" class="secondary" data-testid="projection-png" on:click=download_png>"Download PNG"</button>
            </div>
            <canvas
                node_ref=canvas_ref
                data-testid="projection-canvas"
                class:hidden=move || ready.get().is_none()
                width=WIDTH
                height=HEIGHT
                tabindex="0"
                role="img"
                aria-label="Base vectors and queries on the first two principal components. Click a query, or use the arrow keys, to select it."
                on:click=on_click
                on:keydown=on_key
            ></canvas>
            <p class="muted projection-counts" data-testid="projection-counts">
                {move || {
                    let m = query_marks.get()?;
                    let kind = explorer.marks_for.get();
                    Some(match m.of(kind) {
                        Some(n) => format!(
                            "Query {}: {} found {} of the {} exact neighbours; {}, {}.",
                            m.query,
                            kind.label(),
                            n.hits.len(),
                            m.exact.len(),
                            plural(n.misses.len(), "miss", "misses"),
                            plural(n.false_neighbours.len(), "false neighbour", "false neighbours"),
                        ),
                        None => format!("Query {}: {} was not built; its {} exact neighbours are shown.", m.query, kind.label(), m.exact.len()),
                    })
                }}
            </p>
            <ul class="legend projection-legend" class:hidden=move || ready.get().is_none()>
                {legend_item(QUERY_MARK, "selected query")}
                {legend_item(HIT_MARK, "hit: returned and in the exact top-k")}
                {legend_item(MISS_MARK, "miss: exact neighbour not returned")}
                {legend_item(FALSE_MARK, "false neighbour: returned, not in the exact top-k")}
                {move || {
                    let unbuilt = query_marks
                        .get()
                        .is_some_and(|m| m.of(explorer.marks_for.get()).is_none());
                    unbuilt.then(|| legend_item(EXACT_MARK, "exact neighbour (index not built)"))
                }}
                {legend_item(OTHER_QUERY_MARK, "other queries (click to select)")}
                <li><span class="swatch-base" aria-hidden="true"></span>"base vectors"</li>
                <li><span class="swatch-spoke" aria-hidden="true"></span>"line: from the query to a marked point"</li>
            </ul>
        </section>
    }
}

/// What the two axes explain, and the caveat of any projection.
fn explained(v: &Arc<ProjectionView>, dim: usize) -> impl IntoView {
    let [x, y] = v.explained;
    let pct = |f: f64| format!("{:.1} %", 100.0 * f);
    view! {
        <p class="muted" data-testid="projection-explained" data-explained=format!("{:.4}", x + y)>
            {format!(
                "The two principal components explain {} and {} of the variance ({} together; measured on {} of the base rows). Projected in {:.2} s in the data worker.",
                pct(x),
                pct(y),
                pct(x + y),
                v.fit_rows,
                v.seconds,
            )}
        </p>
        <p class="muted">
            {format!(
                "This is a projection: vectors that are neighbours in {dim}-d can look far apart in 2-D (and far ones close). {} base vectors, {} queries.",
                v.base, v.queries
            )}
        </p>
    }
}
