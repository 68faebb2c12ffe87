//! Production planning: memory per shard over a growth horizon (chart) and the cost table
//! with editable rates, from `annlab_export::capacity::project` (never re-derived here).

use annlab_export::capacity::{self, CapacityPlan, Rates, ILLUSTRATIVE_LABEL};
use leptos::prelude::*;

use crate::components::chart_downloads::ChartDownloads;

use crate::components::field::FormField;
use crate::components::rehearsal::RehearsalView;
use crate::planning::{self, Planned, PlanningForm};
use crate::state::{format_bytes, AppState};
use crate::worker_bridge;

const W: f64 = 560.0;
const H: f64 = 220.0;
const PAD: f64 = 48.0;

/// One editable rate.
#[component]
fn RateField(
    form: RwSignal<PlanningForm>,
    id: &'static str,
    label: &'static str,
    get: fn(&Rates) -> f64,
    set: fn(&mut Rates, f64),
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id data-testid=id type="number" min="0" step="any"
                prop:value=move || form.with(|f| get(&f.rates).to_string())
                on:change=move |ev| {
                    if let Ok(v) = event_target_value(&ev).trim().parse::<f64>() {
                        if v.is_finite() && v >= 0.0 {
                            form.update(|f| set(&mut f.rates, v));
                        }
                    }
                }
            />
        </div>
    }
}

/// What one shard must hold in a month: the migration peak when migrating, else steady.
fn need(m: &capacity::MonthRow) -> u64 {
    m.peak_per_shard.map_or(m.steady_bytes_per_shard, |p| {
        p.total().max(m.steady_bytes_per_shard)
    })
}

fn chart(plan: &CapacityPlan, limit: Option<u64>) -> impl IntoView {
    let months = plan
        .candidates
        .first()
        .map_or(1, |c| c.months.len().max(2) - 1) as f64;
    let top = plan
        .candidates
        .iter()
        .flat_map(|c| c.months.iter().map(need))
        .chain(limit)
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.1;
    let x = move |m: u32| PAD + (W - PAD - 10.0) * m as f64 / months;
    let y = move |b: u64| H - 24.0 - (H - 34.0) * b as f64 / top;
    let lines = plan
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let pts = c
                .months
                .iter()
                .map(|m| format!("{:.1},{:.1}", x(m.month), y(need(m))))
                .collect::<Vec<_>>()
                .join(" ");
            let class = if i == 0 { "line hnsw" } else { "line svs" };
            view! { <polyline class=class points=pts fill="none"><title>{c.name.clone()}</title></polyline> }
        })
        .collect_view();
    let limit_line = limit.map(|l| {
        view! {
            <line class="limit" x1=PAD x2=W - 10.0 y1=y(l) y2=y(l)></line>
            <text class="axis" x=W - 12.0 y=y(l) - 4.0 text-anchor="end">
                {format!("limit {}", format_bytes(l))}
            </text>
        }
    });
    let last = months as u32;
    view! {
        <svg class="capacity-chart" data-testid="capacity-chart" viewBox=format!("0 0 {W} {H}")
            role="img" aria-label="Memory per shard over the horizon">
            <line class="axis-line" x1=PAD x2=W - 10.0 y1=H - 24.0 y2=H - 24.0></line>
            <line class="axis-line" x1=PAD x2=PAD y1=10.0 y2=H - 24.0></line>
            <text class="axis" x=PAD y=H - 8.0>"month 0"</text>
            <text class="axis" x=W - 10.0 y=H - 8.0 text-anchor="end">{format!("month {last}")}</text>
            <text class="axis" x=4.0 y=18.0>{format_bytes(top as u64)}</text>
            <text class="axis" x=PAD - 6.0 y=H - 26.0 text-anchor="end">"0"</text>
            {limit_line}
            {lines}
        </svg>
        <p class="legend">
            "What one shard holds each month (more shards as the data grows): "
            <span class="swatch hnsw"></span>"HNSW "
            <span class="swatch svs"></span>"SVS-VAMANA (the peak while both indexes exist)"
        </p>
    }
}

fn cost_table(plan: &CapacityPlan) -> impl IntoView {
    let rows = plan
        .candidates
        .iter()
        .map(|c| {
            let first = c.months.get(1).or(c.months.first());
            let last = c.months.last();
            view! {
                <tr>
                    <td>{c.name.clone()}</td>
                    <td class="num">{first.map_or(String::new(), |m| format!("{:.2}", m.cost))}</td>
                    <td class="num">{last.map_or(String::new(), |m| format!("{:.2}", m.cost))}</td>
                    <td class="num">{format!("{:.2}", c.horizon_cost)}</td>
                    <td class="num">{last.map_or(String::new(), |m| format_bytes(need(m)))}</td>
                    <td class="num">{c.shards_at_horizon}</td>
                    <td>{c.limit_crossed_month.map_or("not crossed".to_string(), |m| format!("month {m}"))}</td>
                </tr>
            }
        })
        .collect_view();
    let diff = plan
        .horizon_difference_vs_baseline
        .iter()
        .map(|(name, d)| {
            let word = if *d < 0.0 { "cheaper" } else { "dearer" };
            let share = plan
                .horizon_difference_share(name)
                .map_or(String::new(), |f| format!(" ({:+.1} %)", f * 100.0));
            view! {
                <p data-testid="cost-difference">
                    {format!("{name} vs HNSW over the horizon: {:.2} {word}{share}", d.abs())}
                </p>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
        <table class="cost-table" data-testid="cost-table">
            <thead><tr>
                <th>"Candidate"</th><th>"Month 1 cost"</th><th>"Last month cost"</th>
                <th>"Horizon cost"</th><th>"Per-shard need (last month)"</th>
                <th>"Shards needed"</th><th>"Limit crossed"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
        {diff}
    }
}

/// The capacity and cost panel.
#[component]
pub fn CapacityPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = RwSignal::new(PlanningForm::default());
    let planned = Memo::new(move |_| planning::planned(&state, &form.get()));
    let download_csv = move |_| {
        if let Planned::Ready { plan, .. } = planned.get_untracked() {
            let csv = capacity::to_csv(&plan);
            worker_bridge::download(state, "annlab-capacity.csv", csv.as_bytes(), "text/csv");
        }
    };
    let illustrative = move || {
        form.with(|f| f.rates == Rates::ILLUSTRATIVE)
            .then(|| view! { <p class="help" data-testid="rates-label">{ILLUSTRATIVE_LABEL}</p> })
    };
    view! {
        <section class="panel planning" aria-labelledby="planning-h" data-testid="planning-panel">
            <h3 id="planning-h">"Production planning: capacity and cost"</h3>
            <div class="fields">
                <FormField form id="plan-docs" label="Documents now" get=|f: &PlanningForm| f.documents_now.clone()
                    set=|f, v| f.documents_now = v placeholder="export form / indexed vectors"/>
                <FormField form id="plan-growth" label="Growth per month (5% or 100000)"
                    get=|f: &PlanningForm| f.growth.clone() set=|f, v| f.growth = v placeholder="5%"/>
                <FormField form id="plan-horizon" label="Horizon (months)" get=|f: &PlanningForm| f.horizon_months.clone()
                    set=|f, v| f.horizon_months = v placeholder="24"/>
                <FormField form id="plan-shards" label="Shards" get=|f: &PlanningForm| f.shards.clone()
                    set=|f, v| f.shards = v placeholder="1"/>
                <FormField form id="plan-limit" label="Memory limit per shard" get=|f: &PlanningForm| f.shard_memory.clone()
                    set=|f, v| f.shard_memory = v placeholder="none (e.g. 8gb)"/>
                <FormField form id="plan-reads" label="Queries per month" get=|f: &PlanningForm| f.reads_per_month.clone()
                    set=|f, v| f.reads_per_month = v placeholder="10000000"/>
            </div>
            <fieldset class="rates">
                <legend>"Rates (your unit per item)"</legend>
                <div class="fields">
                    <RateField form id="rate-ram" label="per GiB-month of RAM" get=|r| r.ram_gb_month
                        set=|r, v| r.ram_gb_month = v/>
                    <RateField form id="rate-shard" label="per shard-month" get=|r| r.shard_month
                        set=|r, v| r.shard_month = v/>
                    <RateField form id="rate-reads" label="per million reads" get=|r| r.reads_per_million
                        set=|r, v| r.reads_per_million = v/>
                    <RateField form id="rate-writes" label="per million writes" get=|r| r.writes_per_million
                        set=|r, v| r.writes_per_million = v/>
                </div>
                {illustrative}
                <button type="button" class="secondary"
                    on:click=move |_| form.update(|f| f.rates = Rates::ILLUSTRATIVE)>
                    "Illustrative preset"
                </button>
            </fieldset>
            {move || match planned.get() {
                Planned::Unavailable(why) => view! { <p class="empty">{why}</p> }.into_any(),
                Planned::Invalid(e) => {
                    view! { <p class="field-error" role="alert" data-testid="plan-error">{e}</p> }.into_any()
                }
                Planned::Ready { plan, source, limit, rehearsal } => view! {
                    <p class="help">{format!("Configuration: {source}. Formulas: annlab_export::capacity (as `annlab plan`).")}</p>
                    {chart(&plan, limit)}
                    {cost_table(&plan)}
                    <button type="button" class="secondary" data-testid="capacity-csv" on:click=download_csv>
                        "Download CSV"
                    </button>
                    <ChartDownloads chart="capacity-chart".into() file="annlab-capacity".into() buttons="capacity".into() class="secondary"/>
                    <RehearsalView rehearsed=*rehearsal/>
                }
                .into_any(),
            }}
        </section>
    }
}
