//! The shareable link: restores the setup from the URL fragment when the page opens, names
//! what a link carried that was ignored, and offers "Copy link" for the current setup.
//! Encoding and decoding are `annlab_worker::share_link`'s.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::state::AppState;
use crate::worker_bridge::{WorkerBridge, SAMPLES};
use annlab_worker::embed::{embed_url, iframe_snippet, PARENT_LISTENER};
use annlab_worker::share_link::{decode, encode, DatasetRef, Fingerprint};

/// The sample a loaded base came from, by its file name.
fn sample_id(name: &str) -> Option<&'static str> {
    SAMPLES
        .iter()
        .find(|s| s.vectors.rsplit('/').next() == Some(name))
        .map(|s| s.id)
}

/// The content hash of the uploaded base `name`, once the page has read it (tracked).
fn upload_hash(state: AppState, name: &str) -> Option<u64> {
    state
        .data
        .upload_hash
        .with(|h| h.as_ref().filter(|(n, _)| n == name).map(|(_, h)| *h))
}

/// Hashes an uploaded base in the page (a second read of the file; the worker parses it), for
/// the link's fingerprint. Never the data itself: only the hash is kept.
pub fn hash_upload(state: AppState, file: &web_sys::File) {
    let file = file.clone();
    state.data.upload_hash.set(None);
    leptos::task::spawn_local(async move {
        if let Ok(buffer) = crate::browser_io::read_file(&file).await {
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let hash = annlab_worker::share_link::content_hash(&bytes);
            state.data.upload_hash.set(Some((file.name(), hash)));
        }
    });
}

/// The fragment (without `#`) of the current setup, with the data as a sample id or an
/// upload's fingerprint (tracked): what the link and the session file carry.
pub fn setup_fragment(state: AppState) -> String {
    let mut setup = state.forms.shared();
    setup.grid = state.explore.form.with(|f| f.link());
    // A point of a grid run in this tab (an imported report's points are not the grid's).
    setup.pick = state
        .explore
        .explored
        .with(|e| e.as_ref().is_some_and(|e| e.source == "grid"))
        .then(|| state.explore.selected.get().map(|p| (p.run, p.point)))
        .flatten();
    setup.dataset = state.data.dataset.with(|d| {
        d.as_ref().and_then(|d| match sample_id(&d.name) {
            Some(id) => Some(DatasetRef::Sample(id.to_string())),
            None if d.summary.format == "synthetic" => {
                annlab_protocol::worker::SyntheticSpec::from_name(&d.name)
                    .map(DatasetRef::Synthetic)
            }
            None => upload_hash(state, &d.name).map(|hash| {
                DatasetRef::File(Fingerprint {
                    rows: d.summary.rows,
                    dim: d.summary.dim,
                    hash,
                })
            }),
        })
    });
    encode(&setup)
}

fn page_url() -> Option<(String, String)> {
    let location = web_sys::window()?.location();
    let base = format!("{}{}", location.origin().ok()?, location.pathname().ok()?);
    Some((base, location.hash().ok()?))
}

/// navigator.clipboard.writeText, looked up at run time (absent on plain http hosts).
async fn copy_text(text: &str) -> Result<(), JsValue> {
    let navigator = web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())?;
    let write: js_sys::Function =
        js_sys::Reflect::get(&clipboard, &"writeText".into())?.dyn_into()?;
    let promise: js_sys::Promise = write.call1(&clipboard, &text.into())?.dyn_into()?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
}

/// "Copy link", the link itself (a selectable fallback), and the notes of a restored link.
#[component]
pub fn ShareLink() -> impl IntoView {
    let state = expect_context::<AppState>();
    let bridge = expect_context::<WorkerBridge>();
    let ignored = RwSignal::new(Vec::<String>::new());
    // The uploaded file an opened link asks for.
    let expected = RwSignal::new(None::<Fingerprint>);
    let copied = RwSignal::new(None::<&'static str>);

    if let Some((_, hash)) = page_url().filter(|(_, h)| h.len() > 1) {
        let link = decode(&hash);
        state.forms.apply_shared(&link.setup);
        state
            .explore
            .form
            .update(|f| f.apply_link(&link.setup.grid));
        state.explore.link_pick.set(
            link.setup
                .pick
                .map(|(run, point)| annlab_protocol::decide::PointRef { run, point }),
        );
        let mut notes = link.ignored;
        match link.setup.dataset {
            Some(DatasetRef::Sample(id)) if SAMPLES.iter().any(|s| s.id == id) => {
                bridge.load_sample(&id);
            }
            Some(DatasetRef::Sample(id)) => notes.push(format!(
                "`data=sample:{id}` ignored: no bundled sample has that id"
            )),
            Some(DatasetRef::File(f)) => expected.set(Some(f)),
            Some(DatasetRef::Synthetic(spec)) => bridge.synthesize(state, spec),
            None => {}
        }
        ignored.set(notes);
    }

    // An uploaded base is checked against the link's fingerprint once parsed.
    Effect::new(move |_| {
        let Some(want) = expected.get() else { return };
        let Some((rows, dim, name)) = state.data.dataset.with(|d| {
            d.as_ref()
                .map(|d| (d.summary.rows, d.summary.dim, d.name.clone()))
        }) else {
            return;
        };
        if sample_id(&name).is_some() {
            return;
        }
        // Wait for the page's hash of the same file.
        let Some(hash) = upload_hash(state, &name) else {
            return;
        };
        match want.mismatch(&Fingerprint { rows, dim, hash }) {
            Some(message) => state.push_error(message),
            None => expected.set(None),
        }
    });

    let fragment = Memo::new(move |_| setup_fragment(state));
    let url = move || {
        let base = page_url().map(|(b, _)| b).unwrap_or_default();
        format!("{base}#{}", fragment.get())
    };
    let on_copy = move |_: leptos::ev::MouseEvent| {
        let text = url();
        leptos::task::spawn_local(async move {
            copied.set(Some(match copy_text(&text).await {
                Ok(()) => "Link copied.",
                Err(_) => "Copying is not allowed here: select the link and copy it.",
            }));
        });
    };
    view! {
        <div class="share" data-testid="share">
            <button type="button" data-testid="share-copy" on:click=on_copy>"Copy link"</button>
            <input
                type="text"
                readonly=true
                aria-label="Link to this setup"
                data-testid="share-url"
                prop:value=url
                on:focus=|ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    input.select();
                }
            />
            <span role="status" data-testid="share-status">{move || copied.get()}</span>
            <EmbedSnippet fragment/>
        </div>
        {move || {
            expected
                .get()
                .map(|f| {
                    view! {
                        <p class="share-notes" data-testid="share-expects-file">
                            {format!(
                                "This link was made with an uploaded file of {} rows × {} dims: \
                                 drop that file to restore the setup (it is checked).",
                                f.rows,
                                f.dim,
                            )}
                        </p>
                    }
                })
        }}
        {move || {
            let notes = ignored.get();
            (!notes.is_empty())
                .then(|| {
                    view! {
                        <div class="share-notes" data-testid="share-ignored" role="status">
                            "From the link, restored what was valid; ignored:"
                            <ul>{notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                        </div>
                    }
                })
        }}
    }
}

/// The `<iframe>` that embeds the current setup in another page, and the parent's listener
/// that sizes it (docs/embed.md).
#[component]
fn EmbedSnippet(fragment: Memo<String>) -> impl IntoView {
    let snippet = move || {
        let base = page_url().map(|(b, _)| b).unwrap_or_default();
        format!(
            "{}\n{PARENT_LISTENER}",
            iframe_snippet(&embed_url(&base, &fragment.get(), None))
        )
    };
    let select = |ev: leptos::ev::FocusEvent| {
        let area: web_sys::HtmlTextAreaElement = event_target(&ev);
        area.select();
    };
    view! {
        <details class="embed-snippet" data-testid="embed-snippet">
            <summary>"Embed"</summary>
            <p class="help">
                "Paste into a documentation page: a compact widget with this setup (bundled samples only). The script resizes the frame to its content."
            </p>
            <textarea
                readonly=true
                rows="8"
                aria-label="Embed code for this setup"
                data-testid="embed-snippet-code"
                prop:value=snippet
                on:focus=select
            ></textarea>
        </details>
    }
}
