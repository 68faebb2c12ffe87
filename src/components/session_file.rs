//! "Save session" and "Open session…": the setup, its results and the decision as one JSON
//! file (`annlab_worker::session`), and that file read back into the page.

use leptos::prelude::*;

use crate::session;
use crate::state::AppState;
use crate::worker_bridge;

/// The session buttons beside the share link, and what an opened session said.
#[component]
pub fn SessionFileButtons() -> impl IntoView {
    let state = expect_context::<AppState>();
    let notes = RwSignal::new(Vec::<String>::new());
    let on_save = move |_: leptos::ev::MouseEvent| match session::snapshot(state).to_json() {
        Ok(json) => worker_bridge::download(
            state,
            "annlab-session.json",
            json.as_bytes(),
            "application/json",
        ),
        Err(e) => state.push_error(e),
    };
    let on_open = move |ev: leptos::ev::Event| {
        worker_bridge::read_picked(state, &ev, move |name, bytes| {
            match annlab_worker::session::SessionFile::parse(&bytes) {
                Ok(parsed) => {
                    let mut said = vec![format!("Opened {name}.")];
                    said.extend(session::restore(state, parsed, &name));
                    notes.set(said);
                }
                Err(e) => state.push_error(format!("{name}: {e}")),
            }
        });
    };
    view! {
        <div class="session" data-testid="session">
            <button type="button" class="secondary" data-testid="session-save" on:click=on_save
                disabled=move || state.busy.get()
                title="The setup, the measured results and the decision as one JSON file (no vectors)">
                "Save session"
            </button>
            <label class="button secondary">
                "Open session…"
                <input type="file" accept=".json,application/json" data-testid="session-open"
                    class="visually-hidden" on:change=on_open/>
            </label>
            <span role="status" data-testid="session-notes">
                {move || notes.get().join(" ")}
            </span>
        </div>
    }
}
