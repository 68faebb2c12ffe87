//! HNSW parameters with Redis names, defaults and validation messages.

use leptos::prelude::*;

use crate::components::field::Field;
use crate::state::{validate_common, validate_hnsw, AppState, HnswForm};

/// The HNSW panel.
#[component]
pub fn ParamsHnsw() -> impl IntoView {
    let state = expect_context::<AppState>();
    let form = state.forms.hnsw;
    let errors = Memo::new(move |_| {
        let common = validate_common(&state.forms.common.get()).ok()?;
        validate_hnsw(&form.get(), &common).err()
    });
    let error_for = move |attr: &'static str| {
        Signal::derive(move || {
            errors.get().and_then(|e| {
                e.into_iter()
                    .find(|e| e.attr == attr && !e.message.contains(" sweep: "))
                    .map(|e| e.message)
            })
        })
    };
    let text = move |get: fn(&HnswForm) -> String| Signal::derive(move || form.with(get));
    view! {
        <fieldset class="panel params hnsw">
            <legend>"HNSW"</legend>
            <p class="intro">
                "A layered proximity graph: every vector stored at full precision plus up to 2·M links on \
                 the bottom layer."
            </p>
            <Field
                id="hnsw-m"
                label="M"
                value=text(|f| f.m.clone())
                set=Callback::new(move |v| form.update(|f| f.m = v))
                error=error_for("M")
                help="Links per node (2·M on layer 0). Higher: better recall, more memory, slower build. Default 16."
            />
            <Field
                id="hnsw-efc"
                label="EF_CONSTRUCTION"
                value=text(|f| f.ef_construction.clone())
                set=Callback::new(move |v| form.update(|f| f.ef_construction = v))
                error=error_for("EF_CONSTRUCTION")
                help="Candidates examined per insert. Higher: a better graph, a slower build. Default 200."
            />
            <Field
                id="hnsw-efr"
                label="EF_RUNTIME"
                value=text(|f| f.ef_runtime.clone())
                set=Callback::new(move |v| form.update(|f| f.ef_runtime = v))
                error=error_for("EF_RUNTIME")
                help="Candidates examined per query (at least k). Higher: better recall, fewer QPS. Default 10."
            />
            <Field
                id="hnsw-sweep"
                label="EF_RUNTIME sweep"
                value=text(|f| f.sweep.clone())
                set=Callback::new(move |v| form.update(|f| f.sweep = v))
                error=Signal::derive(move || {
                    errors
                        .get()
                        .and_then(|e| {
                            e.into_iter()
                                .find(|e| e.message.starts_with("EF_RUNTIME sweep"))
                                .map(|e| e.message)
                        })
                })
                help="Query-time values to measure (no rebuild needed), separated by /."
            />
        </fieldset>
    }
}
