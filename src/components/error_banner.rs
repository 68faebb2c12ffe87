//! Errors from files, workers and validation, shown until dismissed.

use leptos::prelude::*;

use crate::state::AppState;

/// The error banner (`data-testid="error-message"`).
#[component]
pub fn ErrorBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.errors.list.with(|e| !e.is_empty())>
            <div class="error-banner" role="alert" data-testid="error-message">
                <ul>
                    {move || {
                        state
                            .errors.list
                            .get()
                            .into_iter()
                            .map(|e| view! { <li>{e}</li> })
                            .collect_view()
                    }}
                </ul>
                <button type="button" class="secondary" on:click=move |_| state.errors.clear()>
                    "Dismiss"
                </button>
            </div>
        </Show>
    }
}
