//! Browser I/O other than workers: reading dropped/picked files, fetching the bundled samples
//! from the same origin, downloads and the clock. Nothing here talks to another host.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Response, Url};

fn js_error(context: &str, e: JsValue) -> String {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    format!("{context}: {detail}")
}

/// Milliseconds from `performance.now()` (0 if unavailable).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// `crossOriginIsolated` of the page (`None` where the browser does not say).
pub fn cross_origin_isolated() -> Option<bool> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &JsValue::from_str("crossOriginIsolated"))
        .ok()?
        .as_bool()
}

/// The bytes of a picked or dropped file.
pub async fn read_file(file: &File) -> Result<ArrayBuffer, String> {
    let value = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| js_error(&format!("could not read {}", file.name()), e))?;
    value
        .dyn_into::<ArrayBuffer>()
        .map_err(|_| format!("could not read {}", file.name()))
}

async fn fetch(path: &str) -> Result<Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|e| js_error(&format!("could not fetch {path}"), e))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| format!("could not fetch {path}"))?;
    if !response.ok() {
        return Err(format!(
            "could not fetch {path}: HTTP {}",
            response.status()
        ));
    }
    Ok(response)
}

/// Fetches a same-origin path (relative to the page) as bytes.
pub async fn fetch_bytes(path: &str) -> Result<ArrayBuffer, String> {
    let response = fetch(path).await?;
    let promise = response
        .array_buffer()
        .map_err(|e| js_error(&format!("could not read {path}"), e))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| js_error(&format!("could not read {path}"), e))?
        .dyn_into::<ArrayBuffer>()
        .map_err(|_| format!("could not read {path}"))
}

/// Fetches a same-origin path as text.
pub async fn fetch_text(path: &str) -> Result<String, String> {
    let response = fetch(path).await?;
    let promise = response
        .text()
        .map_err(|e| js_error(&format!("could not read {path}"), e))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| js_error(&format!("could not read {path}"), e))?
        .as_string()
        .ok_or_else(|| format!("could not read {path}"))
}

/// Offers `bytes` as a download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let parts = Array::new();
    parts.push(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| js_error("could not prepare the download", e))?;
    let url = Url::create_object_url_with_blob(&blob)
        .map_err(|e| js_error("could not prepare the download", e))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_error("could not prepare the download", e))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    Url::revoke_object_url(&url).map_err(|e| js_error("could not finish the download", e))?;
    Ok(())
}
