//! Settings shared by both indexes: metric, k, element type, held-out queries and seed.

use annlab_core::{ElementType, Metric};
use leptos::prelude::*;

use crate::components::field::Field;
use crate::state::{validate_common, AppState, CommonForm};

/// The common settings panel.
#[component]
pub fn CommonParams() -> impl IntoView {
    let state = expect_context::<AppState>();
    let common = state.forms.common;
    let error_for = move |attr: &'static str| {
        Signal::derive(move || {
            validate_common(&common.get())
                .err()
                .and_then(|e| e.into_iter().find(|e| e.attr == attr).map(|e| e.message))
        })
    };
    let text = move |get: fn(&CommonForm) -> String| Signal::derive(move || common.with(get));
    view! {
        <fieldset class="panel common">
            <legend>"2 · Search settings (both indexes)"</legend>
            <div class="row">
                <div class="field">
                    <label for="metric-select">"DISTANCE_METRIC"</label>
                    <select
                        id="metric-select"
                        data-testid="metric-select"
                        on:change=move |ev| {
                            let m = event_target_value(&ev).parse::<Metric>().unwrap_or(Metric::L2);
                            common.update(|c| {
                                c.metric = m;
                                c.metric_chosen = true;
                            });
                        }
                        prop:value=move || common.with(|c| c.metric.redis_name().to_string())
                    >
                        <option value="COSINE">"COSINE"</option>
                        <option value="IP">"IP"</option>
                        <option value="L2">"L2"</option>
                    </select>
                    <p class="help">"How closeness is measured. Suggested from the data's norms."</p>
                </div>
                <div class="field">
                    <label for="type-select">"TYPE"</label>
                    <select
                        id="type-select"
                        on:change=move |ev| {
                            let t = event_target_value(&ev)
                                .parse::<ElementType>()
                                .unwrap_or(ElementType::Float32);
                            common.update(|c| c.element_type = t);
                        }
                        prop:value=move || common.with(|c| c.element_type.redis_name().to_string())
                    >
                        <option value="FLOAT32">"FLOAT32"</option>
                        <option value="FLOAT16">"FLOAT16"</option>
                        <option value="BFLOAT16">"BFLOAT16"</option>
                    </select>
                    <p class="help">"Stored precision. FLOAT16 halves vector memory at a tiny recall cost."</p>
                </div>
                <Field
                    id="k-input"
                    label="k"
                    value=text(|c| c.k.clone())
                    set=Callback::new(move |v| common.update(|c| c.k = v))
                    error=error_for("k")
                    help="Neighbours per query; recall@k compares the top k."
                />
                <Field
                    id="queries-input"
                    label="held-out queries"
                    value=text(|c| c.queries.clone())
                    set=Callback::new(move |v| common.update(|c| c.queries = v))
                    error=error_for("queries")
                    help="Base rows removed and used as queries (when no query file is loaded)."
                />
                <Field
                    id="seed-input"
                    label="seed"
                    value=text(|c| c.seed.clone())
                    set=Callback::new(move |v| common.update(|c| c.seed = v))
                    error=error_for("seed")
                    help="Picks the held-out queries; same seed, same queries."
                />
            </div>
        </fieldset>
    }
}
