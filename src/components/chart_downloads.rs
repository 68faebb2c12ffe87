//! The download buttons under every SVG chart: the chart as a standalone SVG and as a PNG,
//! both from `browser_io`'s one serialisation of the chart.

use leptos::prelude::*;

use crate::state::AppState;
use crate::worker_bridge;

/// "SVG" and "PNG" buttons for the chart `svg[data-testid=chart]`, saved as `file.svg` /
/// `file.png`. The buttons' test ids are `{buttons}-svg` and `{buttons}-png`.
#[component]
pub fn ChartDownloads(
    /// The chart's `data-testid`.
    chart: String,
    /// The file name without extension.
    file: String,
    /// The buttons' test-id prefix.
    buttons: String,
    /// `link` (inline in a legend) or `secondary` (a button row).
    #[prop(default = "link")]
    class: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let (svg_chart, png_chart) = (chart.clone(), chart);
    let (svg_file, png_file) = (format!("{file}.svg"), format!("{file}.png"));
    view! {
        <span class="chart-downloads">
            "Download chart: "
            <button type="button" class=class data-testid=format!("{buttons}-svg")
                on:click=move |_| worker_bridge::download_svg(state, &svg_chart, &svg_file)>
                "SVG"
            </button>
            <button type="button" class=class data-testid=format!("{buttons}-png")
                on:click=move |_| worker_bridge::download_png(state, png_chart.clone(), png_file.clone())>
                "PNG"
            </button>
        </span>
    }
}
