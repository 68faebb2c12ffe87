//! SVS-VAMANA parameters: Redis names, defaults and error texts, the target switch and the
//! training-threshold state.

use annlab_core::svs::{self, Compression, Insertion, SvsParams, Target, TrainingState};
use leptos::prelude::*;

use crate::components::field::{Field, RadioOption, RadioSwitch};
use crate::state::{validate_common, validate_svs, AppState, SvsForm};

/// annlab-core's training state for the form as typed (a threshold that does not parse counts
/// as the default until it does; its error shows on the field).
fn training_state(form: &SvsForm, n: usize) -> TrainingState {
    let params = SvsParams {
        compression: form.compression,
        training_threshold: form.training_threshold.trim().parse().ok(),
        ..SvsParams::default()
    };
    svs::training_state(&params, n, form.target)
}

fn compression_help(c: Option<Compression>) -> &'static str {
    match c {
        None => {
            "Full-precision vectors (Redis's default). Try LVQ8 or LVQ4x8 to see the memory drop."
        }
        Some(Compression::Lvq4) => {
            "4 bits per dimension: the smallest, with the largest recall loss."
        }
        Some(Compression::Lvq8) => {
            "8 bits per dimension: ~4× smaller than FLOAT32, small recall loss."
        }
        Some(Compression::Lvq4x4) => {
            "4-bit search codes + 4-bit residuals to re-rank the final candidates."
        }
        Some(Compression::Lvq4x8) => {
            "4-bit search codes + 8-bit residuals: fast traversal, accurate re-rank."
        }
        Some(Compression::LeanVec4x8) => {
            "PCA down to REDUCE dims (4-bit) for search; full-dim LVQ8 to re-rank."
        }
        Some(Compression::LeanVec8x8) => {
            "PCA down to REDUCE dims (8-bit) for search; full-dim LVQ8 to re-rank."
        }
        Some(Compression::GlobalSq8) => "One global 8-bit scale for all vectors.",
    }
}

/// The SVS-VAMANA panel.
#[component]
pub fn ParamsSvs() -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = state.forms.svs;
    let dim = Memo::new(move |_| {
        state
            .data
            .dataset
            .with(|d| d.as_ref().map(|d| d.summary.dim))
    });
    let errors = Memo::new(move |_| {
        let common = validate_common(&state.forms.common.get()).ok()?;
        validate_svs(&form.get(), &common, dim.get()).err()
    });
    let error_for = move |attr: &'static str| {
        Signal::derive(move || {
            errors.get().and_then(|e| {
                e.into_iter()
                    .filter(|e| e.attr == attr && !e.message.contains(" sweep: "))
                    .map(|e| e.message)
                    .reduce(|a, b| format!("{a}; {b}"))
            })
        })
    };
    let text = move |get: fn(&SvsForm) -> String| Signal::derive(move || form.with(get));
    let training = move || {
        let n = state
            .runs
            .eval
            .with(|e| e.as_ref().map(|e| e.n))
            .or_else(|| {
                state
                    .data
                    .dataset
                    .with(|d| d.as_ref().map(|d| d.summary.rows))
            })
            .unwrap_or(0);
        training_state(&form.get(), n)
    };
    view! {
        <fieldset class="panel params svs">
            <legend>"SVS-VAMANA"</legend>
            <p class="intro">
                "A single-layer Vamana graph with a fixed degree bound; vectors can be compressed (LVQ, LeanVec)."
            </p>
            <RadioSwitch
                id="target"
                name="svs-target"
                label="Target"
                options=vec![
                    RadioOption { value: Target::Intel, testid: "target-intel", text: "Intel (LVQ / LeanVec)" },
                    RadioOption {
                        value: Target::Generic,
                        testid: "target-generic",
                        text: "Redis Open Source / non-Intel",
                    },
                ]
                value=Signal::derive(move || form.with(|f| f.target))
                set=Callback::new(move |t| form.update(|f| f.target = t))
            >
                <p class="help fallback" class:active=move || form.with(|f| f.target == Target::Generic && f.compression.is_some())>
                    "LVQ and LeanVec are closed Intel code. Redis Open Source builds and non-Intel CPUs silently \
                     build every COMPRESSION as GlobalSQ8 (8-bit, one global scale) and ignore REDUCE."
                </p>
            </RadioSwitch>
            <RadioSwitch
                id="insertion"
                name="svs-insertion"
                label="Server indexing"
                options=vec![
                    RadioOption {
                        value: Insertion::Batched,
                        testid: "insertion-batched",
                        text: Insertion::Batched.label(),
                    },
                    RadioOption {
                        value: Insertion::Incremental,
                        testid: "insertion-incremental",
                        text: Insertion::Incremental.label(),
                    },
                ]
                value=Signal::derive(move || form.with(|f| f.insertion))
                set=Callback::new(move |i| form.update(|f| f.insertion = i))
            >
                <p class="help">
                    "With WORKERS 0 Redis builds the graph on the first block (TRAINING_THRESHOLD, or 1,024 \
                     vectors uncompressed) and inserts the rest one at a time, which gives lower recall at \
                     small windows; with workers it inserts in batches. Check yours with CONFIG GET search-workers."
                </p>
            </RadioSwitch>
            <div class="field" class:invalid=move || error_for("TYPE").get().is_some()>
                <span class="label">
                    {move || format!("TYPE {}", state.forms.common.with(|c| c.element_type.redis_name()))}
                </span>
                <p class="help">"Set under search settings; SVS-VAMANA takes FLOAT32 or FLOAT16 only."</p>
                <p class="field-error" role="alert">{move || error_for("TYPE").get().unwrap_or_default()}</p>
            </div>
            <p class="field-error" role="alert">{move || error_for("SVS-VAMANA").get().unwrap_or_default()}</p>
            <Field
                id="svs-r"
                label="GRAPH_MAX_DEGREE"
                value=text(|f| f.graph_max_degree.clone())
                set=Callback::new(move |v| form.update(|f| f.graph_max_degree = v))
                error=error_for("GRAPH_MAX_DEGREE")
                help="Max links per node (like 2·M in HNSW). Higher: better recall, more graph memory. Default 32."
            />
            <Field
                id="svs-l"
                label="CONSTRUCTION_WINDOW_SIZE"
                value=text(|f| f.construction_window_size.clone())
                set=Callback::new(move |v| form.update(|f| f.construction_window_size = v))
                error=error_for("CONSTRUCTION_WINDOW_SIZE")
                help="Search beam while building. Higher: a better graph, a slower build. Default 200."
            />
            <Field
                id="svs-w"
                label="SEARCH_WINDOW_SIZE"
                value=text(|f| f.search_window_size.clone())
                set=Callback::new(move |v| form.update(|f| f.search_window_size = v))
                error=error_for("SEARCH_WINDOW_SIZE")
                help="Search beam per query. Higher: better recall, fewer QPS. Default 10."
            />
            <div class="field">
                <label for="svs-compression">"COMPRESSION"</label>
                <select
                    id="svs-compression"
                    data-testid="svs-compression"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| f.compression = v.parse::<Compression>().ok());
                    }
                    prop:value=move || {
                        form.with(|f| f.compression.map_or("none".to_string(), |c| c.redis_name().to_string()))
                    }
                >
                    <option value="none">"none (default)"</option>
                    {Compression::ACCEPTED_BY_REDIS
                        .iter()
                        .map(|c| view! { <option value=c.redis_name()>{c.redis_name()}</option> })
                        .collect_view()}
                </select>
                <p class="help">{move || compression_help(form.with(|f| f.compression))}</p>
            </div>
            <Field
                id="svs-tt"
                label="TRAINING_THRESHOLD"
                value=text(|f| f.training_threshold.clone())
                set=Callback::new(move |v| form.update(|f| f.training_threshold = v))
                error=error_for("TRAINING_THRESHOLD")
                placeholder="10240 when compressed"
                help="Vectors collected before the codec is trained and the graph built (≥ 1024)."
            />
            <Field
                id="svs-reduce"
                label="REDUCE"
                value=text(|f| f.reduce.clone())
                set=Callback::new(move |v| form.update(|f| f.reduce = v))
                error=error_for("REDUCE")
                placeholder="DIM/2 for LeanVec"
                help="LeanVec only: dimensions kept for the search codes. Lower: faster, less accurate."
            />
            <div class="training" class:flat=move || training().serves_flat_buffer data-testid="training-state">
                <span class="label">"Training threshold"</span>
                <p>{move || training().text}</p>
            </div>
            <Field
                id="svs-sweep"
                label="SEARCH_WINDOW_SIZE sweep"
                value=text(|f| f.sweep.clone())
                set=Callback::new(move |v| form.update(|f| f.sweep = v))
                error=Signal::derive(move || {
                    errors.get().and_then(|e| {
                        e.into_iter()
                            .find(|e| e.message.starts_with("SEARCH_WINDOW_SIZE sweep"))
                            .map(|e| e.message)
                    })
                })
                help="Query-time windows to measure, separated by /."
            />
        </fieldset>
    }
}
