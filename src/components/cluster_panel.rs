//! A Redis Cluster simulated on the loaded data: one HNSW and one SVS-VAMANA index per shard,
//! built in the cluster worker (`annlab_protocol::shard::run_sharded`, as `annlab compare
//! --shards`), with the recall of each SHARD_K_RATIO, the per-shard sizes and training state,
//! and the ratio the exported plan records.

use annlab_protocol::worker::ShardRun;
use annlab_worker::view::{ShardOutcome, ShardState};
use leptos::prelude::*;

use crate::cluster::{algorithm_label, plan_ratio, recall_rows, ClusterForm};
use crate::components::field::FormField;
use crate::state::{format_bytes, AppState};
use crate::worker_bridge::WorkerBridge;

fn ratio_text(r: f64) -> String {
    format!("{r:.2}")
}

fn qps_text(qps: f64) -> String {
    if qps.is_finite() && qps > 0.0 {
        format!("{qps:.0}")
    } else {
        "not resolved".into()
    }
}

/// Recall@k against exact for every run, runtime setting and ratio.
fn recall_table(o: &ShardOutcome) -> impl IntoView {
    let rows = o
        .runs
        .iter()
        .flat_map(|run| {
            let label = algorithm_label(&run.report);
            recall_rows(&run.report, o.shards, o.k)
                .into_iter()
                .map(move |r| {
                    view! {
                        <tr>
                            <th scope="row">{label}</th>
                            <td>{r.runtime}</td>
                            <td class="num">{ratio_text(r.ratio)}</td>
                            <td class="num">{r.per_shard_k}</td>
                            <td class="num">{format!("{:.3}", r.recall_at_k)}</td>
                            <td class="num">{qps_text(r.qps)}</td>
                        </tr>
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect_view();
    view! {
        <table class="sweep cluster-recall" data-testid="cluster-recall">
            <caption>{format!("Recall@{} against exact search, through the coordinator's merge of {} shards", o.k, o.shards)}</caption>
            <thead>
                <tr>
                    <th scope="col">"Index"</th>
                    <th scope="col">"Runtime"</th>
                    <th scope="col">"SHARD_K_RATIO"</th>
                    <th scope="col">"Per-shard k"</th>
                    <th scope="col">{format!("Recall@{}", o.k)}</th>
                    <th scope="col">"QPS (shards one after another)"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn run_of<'a>(o: &'a ShardOutcome, label: &str) -> Option<&'a ShardRun> {
    o.runs.iter().find(|r| algorithm_label(&r.report) == label)
}

/// Per shard: slots, documents, each index's Redis memory and whether SVS still serves from
/// its flat buffer; then the balance.
fn shard_table(o: &ShardOutcome) -> impl IntoView {
    let hnsw = run_of(o, "HNSW");
    let svs = run_of(o, "SVS-VAMANA");
    let Some(layout) = hnsw.or(svs).map(|r| r.cluster.clone()) else {
        return view! { <p class="empty">"No run came back."</p> }.into_any();
    };
    let rows = layout
        .per_shard
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let hnsw_bytes = hnsw
                .and_then(|r| r.cluster.per_shard.get(i))
                .map_or("—".to_string(), |h| format_bytes(h.redis_index_bytes));
            let svs_shard = svs.and_then(|r| r.cluster.per_shard.get(i));
            let svs_bytes =
                svs_shard.map_or("—".to_string(), |v| format_bytes(v.redis_index_bytes));
            let state = svs_shard.map_or("—".to_string(), |v| {
                if v.serves_from_flat_buffer {
                    format!("flat buffer ({})", format_bytes(v.flat_buffer_bytes))
                } else {
                    "graph".to_string()
                }
            });
            view! {
                <tr>
                    <th scope="row">{i}</th>
                    <td class="num">{format!("{}–{}", s.first_slot, s.last_slot)}</td>
                    <td class="num">{s.documents}</td>
                    <td class="num">{format_bytes(s.document_bytes)}</td>
                    <td class="num">{hnsw_bytes}</td>
                    <td class="num">{svs_bytes}</td>
                    <td>{state}</td>
                </tr>
            }
        })
        .collect_view();
    let untrained = svs
        .map(|r| r.cluster.untrained_shards())
        .unwrap_or_default();
    let untrained_text = if untrained.is_empty() {
        "Every SVS-VAMANA shard holds at least TRAINING_THRESHOLD vectors (or is uncompressed) and serves from its graph.".to_string()
    } else {
        format!(
            "Below TRAINING_THRESHOLD, still serving from the flat buffer: shard{} {} of {}.",
            if untrained.len() == 1 { "" } else { "s" },
            untrained
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            o.shards
        )
    };
    view! {
        <table class="sweep cluster-shards" data-testid="cluster-shards-table">
            <caption>{format!("Per shard (keys {}<row>; memory: the Redis model of each shard's index)", o.key_prefix)}</caption>
            <thead>
                <tr>
                    <th scope="col">"Shard"</th>
                    <th scope="col">"Slots"</th>
                    <th scope="col">"Documents"</th>
                    <th scope="col">"Vector blobs"</th>
                    <th scope="col">"HNSW index"</th>
                    <th scope="col">"SVS-VAMANA index"</th>
                    <th scope="col">"SVS-VAMANA serves from"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p data-testid="cluster-balance">
            {format!("Balance (largest shard / mean): {:.3}", layout.balance)}
        </p>
        <p data-testid="cluster-untrained">{untrained_text}</p>
    }
    .into_any()
}

/// The ratio the exported plan records, among the measured ones.
fn ratio_picker(o: &ShardOutcome, chosen: RwSignal<Option<f64>>) -> impl IntoView {
    let current = plan_ratio(o, chosen.get());
    let options = o
        .ratios
        .iter()
        .map(|&r| {
            let id = format!("cluster-ratio-{}", ratio_text(r));
            view! {
                <label class="radio">
                    <input type="radio" name="cluster-plan-ratio" data-testid=id.clone()
                        prop:checked=r == current
                        on:change=move |_| chosen.set(Some(r))/>
                    {ratio_text(r)}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="cluster-plan-ratio" data-testid="cluster-plan-ratio">
            <legend>"SHARD_K_RATIO for the exported plan"</legend>
            {options}
            <p class="help">"PLAN.md's cluster section and migrate.py's validation queries use it."</p>
        </fieldset>
    }
}

#[component]
pub fn ClusterPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let bridge = expect_context::<WorkerBridge>();
    let cluster = state.cluster;
    let form = cluster.form;
    let busy = Memo::new(move |_| cluster.state.with(ShardState::is_busy));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        bridge.run_shards(state);
    };
    let status = move || match cluster.state.get() {
        ShardState::Idle => view! {
            <p class="empty">"Run a simulation to see recall and shard sizes on your data."</p>
        }
        .into_any(),
        ShardState::Preparing => view! {
            <p data-testid="cluster-status">"Preparing queries and exact ground truth…"</p>
        }
        .into_any(),
        ShardState::Running(p) => {
            let eta = p
                .eta_seconds
                .map_or(String::new(), |s| format!(", about {s:.0} s left"));
            view! {
                <div class="progress-row" data-testid="cluster-status">
                    <progress max="1" value=p.fraction() aria-label="Cluster simulation progress"></progress>
                    <span>{format!("{} {}/{}{eta}", p.phase, p.done, p.total)}</span>
                </div>
            }
            .into_any()
        }
        ShardState::Failed(message) => view! {
            <p class="field-error" role="alert" data-testid="cluster-error">{message}</p>
        }
        .into_any(),
        ShardState::Cancelled => view! {
            <p data-testid="cluster-status">"Cancelled."</p>
        }
        .into_any(),
        ShardState::Done(o) => view! {
            {recall_table(&o)}
            {shard_table(&o)}
            {move || ratio_picker(&o, cluster.chosen_ratio)}
        }
        .into_any(),
    };
    view! {
        <section class="panel cluster" aria-labelledby="cluster-h" data-testid="cluster-panel">
            <h3 id="cluster-h">"Redis Cluster, simulated on your data"</h3>
            <p class="help">
                "Rows are hash-partitioned with Redis's key-slot rule (CRC16 of the key mod 16384, slots split evenly across masters); "
                "each shard builds its own HNSW and SVS-VAMANA index here, and each query is merged from every shard's "
                "max(⌈k/N⌉, ⌈k·SHARD_K_RATIO⌉) results, as the coordinator does."
            </p>
            <form on:submit=on_submit novalidate=true>
                <div class="fields">
                    <FormField form id="cluster-shards" label="Shards (1–16)" numeric=true
                        get=|f: &ClusterForm| f.shards.clone() set=|f, v| f.shards = v placeholder="3"/>
                    <FormField form id="cluster-ratios" label="SHARD_K_RATIO values"
                        get=|f: &ClusterForm| f.ratios.clone() set=|f, v| f.ratios = v placeholder="1.0/0.5/0.2"/>
                </div>
                <div class="actions">
                    <button type="submit" data-testid="cluster-run">"Run simulation"</button>
                    <button type="button" class="secondary" data-testid="cluster-cancel"
                        disabled=move || !busy.get()
                        on:click=move |_| bridge.cancel_shards()>
                        "Cancel"
                    </button>
                </div>
            </form>
            <div aria-live="polite">{status}</div>
        </section>
    }
}
