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

/// A text input bound to one string field of a form signal (the export, planning and decision
/// forms): `get`/`set` read and write the field; the change is applied when the input commits.
/// Its `data-testid` is its `id`.
#[component]
pub fn FormField<T: Send + Sync + 'static>(
    form: RwSignal<T>,
    id: &'static str,
    label: &'static str,
    get: fn(&T) -> String,
    set: fn(&mut T, String),
    #[prop(into, optional)] placeholder: MaybeProp<String>,
    #[prop(optional)] help: &'static str,
    #[prop(optional)] numeric: bool,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                data-testid=id
                type="text"
                inputmode=if numeric { "numeric" } else { "text" }
                autocomplete="off"
                spellcheck="false"
                placeholder=move || placeholder.get()
                prop:value=move || form.with(get)
                on:change=move |ev| form.update(|f| set(f, event_target_value(&ev)))
            />
            {(!help.is_empty()).then(|| view! { <p class="help">{help}</p> })}
        </div>
    }
}

/// One choice of a [`RadioSwitch`]: the value it sets, its `data-testid` and its label.
pub struct RadioOption<T> {
    pub value: T,
    pub testid: &'static str,
    pub text: &'static str,
}

/// A labelled radio group bound to one enum field of a form signal; `children` is the help
/// text under it.
///
/// - `id`: prefix of the group's label id (`{id}-label`); `name` groups the inputs.
/// - `options`: the choices in display order.
#[component]
pub fn RadioSwitch<T>(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    options: Vec<RadioOption<T>>,
    #[prop(into)] value: Signal<T>,
    set: Callback<T>,
    children: Children,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let label_id = format!("{id}-label");
    let choices = options
        .into_iter()
        .map(|option| {
            let v = option.value;
            view! {
                <label>
                    <input
                        type="radio"
                        name=name
                        data-testid=option.testid
                        prop:checked=move || value.get() == v
                        on:change=move |_| set.run(v)
                    />
                    {option.text}
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="field">
            <span class="label" id=label_id.clone()>{label}</span>
            <div class="switch" role="radiogroup" aria-labelledby=label_id>
                {choices}
            </div>
            {children()}
        </div>
    }
}
