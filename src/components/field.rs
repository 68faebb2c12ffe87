//! A labelled text field for one Redis attribute, with its inline validation error and a short
//! explanation of the trade-off.

use leptos::prelude::*;

/// A text input bound to a string in a form signal.
///
/// - `id`: DOM id (also ties the label and the error to the input).
/// - `label`: the Redis attribute name as shown.
/// - `value`/`set`: read and write the form field.
/// - `error`: the validation message for this attribute, if any.
/// - `help`: one sentence on what the parameter trades off.
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    #[prop(into)] value: Signal<String>,
    set: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
    help: &'static str,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            <input
                id=id
                type="text"
                inputmode="numeric"
                autocomplete="off"
                placeholder=placeholder
                aria-describedby=described
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                prop:value=move || value.get()
                on:input=move |ev| set.run(event_target_value(&ev))
            />
            <p class="help">{help}</p>
            <p class="field-error" id=error_id role="alert">
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
}
