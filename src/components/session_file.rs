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
        let Some(file) = crate::browser_io::picked_file(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let bytes = match crate::browser_io::file_bytes(&file).await {
                Ok(b) => b,
                Err(e) => return state.push_error(e),
            };
            match annlab_worker::session::SessionFile::parse(&bytes) {
                Ok(parsed) => {
                    let mut said = vec![format!("Opened {}.", file.name())];
                    said.extend(session::restore(state, parsed, &file.name()));
                    notes.set(said);
                }
                Err(e) => state.push_error(format!("{}: {e}", file.name())),
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
