//! Data in: drop zone, file pickers, samples, the data summary and its warnings.

use annlab_protocol::worker::{FileRole, SyntheticSpec};
use leptos::prelude::*;
use web_sys::{DragEvent, File, FileList, HtmlInputElement, HtmlSelectElement};

use crate::assess_drop;
use crate::state::{
    data_warnings, format_bytes, format_seconds, runtime_value, AppState, IndexKind, TruthStatus,
};
use crate::worker_bridge::{WorkerBridge, SAMPLES};

const ACCEPT: &str = ".npy,.fvecs,.bvecs,.ivecs,.json,.csv,.tsv,.txt";
/// The base picker also takes an `annlab assess` output (its three files, or a zip of them).
const ACCEPT_BASE: &str = ".npy,.fvecs,.bvecs,.ivecs,.json,.csv,.tsv,.txt,.zip";

fn first_file(input: &HtmlInputElement) -> Option<File> {
    input.files().and_then(|f| f.get(0))
}

fn all_files(list: Option<FileList>) -> Vec<File> {
    list.map_or_else(Vec::new, |l| {
        (0..l.length()).filter_map(|i| l.get(i)).collect()
    })
}

/// Dropped or picked base files: an assess output goes through [`assess_drop`], one vector
/// file is parsed as the base.
fn take_base(state: AppState, bridge: WorkerBridge, files: Vec<File>) {
    let names: Vec<String> = files.iter().map(File::name).collect();
    if assess_drop::is_assess_drop(&names) {
        assess_drop::load(state, bridge, files);
    } else if let Some(file) = files.into_iter().next() {
        crate::components::share_link::hash_upload(state, &file);
        bridge.load_file(file, FileRole::Base);
    }
}

/// The data panel.
#[component]
pub fn DataPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let bridge = expect_context::<WorkerBridge>();
    let dragging = RwSignal::new(false);
    let pick = move |role: FileRole| {
        move |ev: leptos::ev::Event| {
            let input: HtmlInputElement = event_target(&ev);
            if let Some(file) = first_file(&input) {
                bridge.load_file(file, role);
            }
            // Allow picking the same file again.
            input.set_value("");
        }
    };
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        take_base(
            state,
            bridge,
            all_files(ev.data_transfer().and_then(|d| d.files())),
        );
    };
    let pick_base = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        take_base(state, bridge, all_files(input.files()));
        input.set_value("");
    };
    let on_sample = move |ev: leptos::ev::Event| {
        let select: HtmlSelectElement = event_target(&ev);
        let id = select.value();
        if !id.is_empty() {
            bridge.load_sample(&id);
        }
    };
    let loading = move || state.data.loading.get();
    view! {
        <section class="panel data" aria-labelledby="data-h">
            <h2 id="data-h">"1 · Data"</h2>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                on:dragover=move |ev: DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>"Drop a vector file here, or"</p>
                <label class="button" for="upload-input">"Choose base vectors…"</label>
                <input
                    id="upload-input"
                    class="visually-hidden"
                    type="file"
                    multiple=true
                    accept=ACCEPT_BASE
                    data-testid="upload-input"
                    on:change=pick_base
                />
                <p class="formats">".npy · .fvecs · .bvecs · .json · .csv · .tsv — parsed in a worker"</p>
                <p class="formats">
                    "or an "<code>"annlab assess"</code>" output: vectors.npy, meta.json and \
                     facts.json together, or a zip of them (stored, zip -0)"
                </p>
            </div>
            <div class="field">
                <label for="sample-select">"…or pick a bundled sample"</label>
                <select id="sample-select" data-testid="sample-select" on:change=on_sample>
                    <option value="">"— choose a sample —"</option>
                    {SAMPLES
                        .iter()
                        .map(|s| view! { <option value=s.id>{s.label}</option> })
                        .collect_view()}
                </select>
            </div>
            <SyntheticData/>
            {move || {
                loading()
                    .map(|p| {
                        view! {
                            <div class="progress-row" data-testid="progress-load">
                                <span>{format!("Loading: {}", p.phase)}</span>
                                <progress max="1" value=p.fraction().max(0.05)></progress>
                            </div>
                        }
                    })
            }}
            <Summary/>
            <AssessedBaseline/>
            <details class="extra-files">
                <summary>"Queries and ground truth (optional)"</summary>
                <p class="help">
                    "Without a query file, a seeded sample of the base is held out as queries. \
                     Without ground truth, exact neighbours are computed in a worker."
                </p>
                <div class="field">
                    <label for="query-upload-input">"Query vectors"</label>
                    <input
                        id="query-upload-input"
                        type="file"
                        accept=ACCEPT
                        data-testid="query-upload-input"
                        on:change=pick(FileRole::Queries)
                    />
                    {move || {
                        state
                            .data.query_file
                            .get()
                            .map(|f| {
                                view! {
                                    <p class="loaded">
                                        {format!("{}: {} × {}", f.name, f.rows, f.width)}
                                        <button
                                            type="button"
                                            class="link"
                                            on:click=move |_| bridge.clear_file(FileRole::Queries)
                                        >
                                            "remove"
                                        </button>
                                    </p>
                                }
                            })
                    }}
                </div>
                <div class="field">
                    <label for="gt-upload-input">"Ground truth (.ivecs or integer .npy)"</label>
                    <input
                        id="gt-upload-input"
                        type="file"
                        accept=".ivecs,.npy"
                        data-testid="gt-upload-input"
                        on:change=pick(FileRole::GroundTruth)
                    />
                    {move || {
                        state
                            .data.truth_file
                            .get()
                            .map(|f| {
                                view! {
                                    <p class="loaded">
                                        {format!("{}: {} queries × top-{}", f.name, f.rows, f.width)}
                                        <button
                                            type="button"
                                            class="link"
                                            on:click=move |_| bridge.clear_file(FileRole::GroundTruth)
                                        >
                                            "remove"
                                        </button>
                                    </p>
                                }
                            })
                    }}
                </div>
            </details>
        </section>
    }
}

/// n, dim, norms, the suggested metric and warnings.
#[component]
fn Summary() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let Some(d) = state.data.dataset.get() else {
            return view! { <p class="empty">"No data yet."</p> }.into_any();
        };
        let s = d.summary.clone();
        let metric = state.forms.common.with(|c| c.metric);
        let warnings = data_warnings(&s, metric);
        view! {
            <div class="summary" data-testid="dataset-summary">
                <p class="file-name">{d.name.clone()}</p>
                <dl>
                    <div><dt>"n"</dt><dd data-testid="dataset-n" data-value=s.rows>{s.rows.to_string()}</dd></div>
                    <div><dt>"dim"</dt><dd data-testid="dataset-dim" data-value=s.dim>{s.dim.to_string()}</dd></div>
                    <div><dt>"format"</dt><dd>{format!("{} ({})", s.format, s.dtype)}</dd></div>
                    <div><dt>"norms"</dt><dd>{format!("{:.3} … {:.3}", s.norm_min, s.norm_max)}</dd></div>
                    <div>
                        <dt>"suggested metric"</dt>
                        <dd>{s.suggested_metric.redis_name()}</dd>
                    </div>
                    <div><dt>"titles"</dt><dd>{if d.titles.is_some() { "yes" } else { "no" }}</dd></div>
                </dl>
                <p class="help">
                    {if s.unit_normalized {
                        "All norms ≈ 1: normalised embeddings, so COSINE (IP and L2 rank the same way)."
                    } else {
                        "Norms vary: magnitudes carry information, so L2 is the safe default."
                    }}
                </p>
                <ul class="warnings">
                    {warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                </ul>
                <TruthLine/>
            </div>
        }
        .into_any()
    }
}

/// Whether the queries and their exact neighbours are ready (prepared while the user sets
/// parameters, so that Build starts building at once).
#[component]
fn TruthLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let (data_state, text, dropped) = match state.data.truth_status.get() {
            TruthStatus::NotPrepared => return None,
            TruthStatus::Computing => (
                "computing",
                "Exact ground truth: computing in a worker…".to_string(),
                Vec::new(),
            ),
            TruthStatus::Ready {
                queries,
                seconds,
                dropped_rows,
            } => (
                "ready",
                format!(
                    "Exact ground truth ready: {queries} queries, computed in {}.",
                    format_seconds(seconds)
                ),
                // The same report `annlab compare` prints (annlab-protocol's text).
                dropped_rows.summary(),
            ),
        };
        Some(view! {
            <p class="help truth" data-testid="truth-status" data-state=data_state>
                {text}
            </p>
            <ul class="warnings" data-testid="dropped-rows">
                {dropped.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
        })
    }
}

/// The production index an `annlab assess` output came from, and its baseline recall measured
/// on the live server beside annlab's HNSW recall at the same EF_RUNTIME.
#[component]
fn AssessedBaseline() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let a = state.data.assessed_base()?;
        let p = &a.facts.production;
        let b = &a.facts.baseline;
        let ours = state.outcome(IndexKind::Hnsw).get();
        let default_recall = a.facts.default_point().map(|d| d.recall_at_k);
        let param = b.runtime_param.clone().unwrap_or_else(|| "runtime".into());
        let rows = b
            .points
            .iter()
            .map(|pt| {
                let annlab = ours.as_ref().and_then(|o| {
                    o.report
                        .search
                        .iter()
                        .find(|s| {
                            pt.runtime.is_some() && runtime_value(s, "ef_runtime") == pt.runtime
                        })
                        .map(|s| format!("{:.4}", s.recall_at_k))
                });
                view! {
                    <tr data-testid="assess-baseline-row" data-runtime=pt.runtime.unwrap_or(0)>
                        <td>
                            {pt.runtime.map_or("-".into(), |r| r.to_string())}
                            {if pt.is_index_default { " (index default)" } else { "" }}
                        </td>
                        <td data-value=pt.recall_at_k>{format!("{:.4}", pt.recall_at_k)}</td>
                        <td>{annlab.unwrap_or_else(|| "build to compare".into())}</td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <div class="assessed" data-testid="assess-baseline">
                <p class="help">
                    {format!(
                        "From annlab assess: index {} ({} on {}), field {}, {} documents. \
                         The forms below are prefilled from its facts.json.",
                        p.index_name,
                        p.key_type.redis_name(),
                        p.prefixes.join(", "),
                        p.vector_field,
                        p.document_count
                    )}
                </p>
                <p>
                    "Production baseline recall@" {b.k} ": "
                    <strong
                        data-testid="assess-baseline-recall"
                        data-value=default_recall.unwrap_or(f64::NAN)
                    >
                        {default_recall.map_or("-".into(), |r| format!("{r:.4}"))}
                    </strong>
                    {format!(" at {param} {}", p.current_hnsw.ef_runtime)}
                </p>
                <div class="table-wrap">
                    <table class="sweep">
                        <thead>
                            <tr>
                                <th scope="col">{param.clone()}</th>
                                <th scope="col">{format!("Redis recall@{}", b.k)}</th>
                                <th scope="col">"annlab HNSW recall@k"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <p class="help">{b.note.clone()}</p>
            </div>
        })
    }
}

/// The seeded synthetic generator (the benches' clustered set), with what the build of the
/// current forms would hold per worker on it (`annlab_worker::tab_memory`) before it starts.
#[component]
fn SyntheticData() -> impl IntoView {
    let state = expect_context::<AppState>();
    let bridge = expect_context::<WorkerBridge>();
    let rows = RwSignal::new("100000".to_string());
    let dim = RwSignal::new("768".to_string());
    let seed = RwSignal::new("42".to_string());
    let spec = Memo::new(move |_| {
        let whole =
            |s: RwSignal<String>| s.with(|t| t.trim().replace([',', '_'], "").parse::<u64>().ok());
        match (whole(rows), whole(dim), whole(seed)) {
            (Some(r), Some(d), Some(s)) => Ok(SyntheticSpec::with_default_clusters(
                r as usize, d as usize, s,
            )),
            _ => Err("rows, dimensions and seed are whole numbers".to_string()),
        }
    });
    // Re-estimated when the sizes or the forms change.
    let estimate = Memo::new(move |_| {
        state.forms.hnsw.track();
        state.forms.svs.track();
        state.forms.common.track();
        let spec = spec.get().map_err(|e| (e, None))?;
        if let Some(problem) = spec.problem() {
            return Err((problem, None));
        }
        bridge
            .fits(state, spec.rows, spec.dim)
            .map(|holders| {
                let total: u64 = holders.iter().map(|h| h.bytes).sum();
                let parts: Vec<String> = holders
                    .iter()
                    .map(|h| format!("{} {}", h.name, format_bytes(h.bytes)))
                    .collect();
                format!(
                    "The build of the current settings on it would hold about {} in this tab \
                     (estimate: {}).",
                    format_bytes(total),
                    parts.join(", ")
                )
            })
            .map_err(|r| (r.message, Some(r.rows_that_fit)))
    });
    let on_generate = move |_| {
        if let Ok(spec) = spec.get_untracked() {
            bridge.synthesize(state, spec);
        }
    };
    let field = |id: &'static str, label: &'static str, value: RwSignal<String>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="text" inputmode="numeric" prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        }
    };
    view! {
        <details class="synthetic" data-testid="synthetic">
            <summary>"…or generate synthetic data (seeded, clustered)"</summary>
            <p class="help">
                "The benches' generator (64 Gaussian clusters): the same rows, dimensions and seed \
                 give the same vectors, so a link to it restores the data too. Generated in a worker."
            </p>
            <div class="synthetic-fields">
                {field("synthetic-rows", "rows", rows)}
                {field("synthetic-dim", "dimensions", dim)}
                {field("synthetic-seed", "seed", seed)}
            </div>
            {move || match estimate.get() {
                Ok(text) => view! { <p class="help" data-testid="synthetic-estimate">{text}</p> }.into_any(),
                Err((e, fit)) => view! {
                    <p class="field-error" role="alert" data-testid="synthetic-refusal">{e}</p>
                    {fit.filter(|&n| n >= 2).map(|n| view! {
                        <button type="button" class="secondary" data-testid="synthetic-use-fit"
                            on:click=move |_| rows.set(n.to_string())>
                            {format!("Use {n} rows")}
                        </button>
                    })}
                }.into_any(),
            }}
            <button type="button" class="secondary" data-testid="synthetic-generate"
                disabled=move || state.busy.get() || estimate.with(Result::is_err)
                on:click=on_generate>
                "Generate"
            </button>
        </details>
    }
}
