//! Browser I/O other than workers: reading dropped/picked files, fetching the bundled samples
//! from the same origin, downloads and the clock. Nothing here talks to another host.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, Element, File, HtmlAnchorElement,
    HtmlCanvasElement, HtmlImageElement, Response, Url, Window, XmlSerializer,
};

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

/// `navigator.deviceMemory` in GiB (Chromium only, rounded and capped at 8; `None` elsewhere).
pub fn device_memory_gib() -> Option<f64> {
    let navigator = web_sys::window()?.navigator();
    js_sys::Reflect::get(&navigator, &JsValue::from_str("deviceMemory"))
        .ok()?
        .as_f64()
}

/// `crossOriginIsolated` of the page (`None` where the browser does not say).
pub fn cross_origin_isolated() -> Option<bool> {
    let window = web_sys::window()?;
    js_sys::Reflect::get(&window, &JsValue::from_str("crossOriginIsolated"))
        .ok()?
        .as_bool()
}

/// The first file of the `<input type=file>` that `ev` came from. The input is cleared, so that
/// picking the same file again (after changing it) fires another change.
pub fn picked_file(ev: &web_sys::Event) -> Option<File> {
    let input = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())?;
    let file = input.files().and_then(|f| f.get(0));
    input.set_value("");
    file
}

/// A file's bytes, copied out of the browser.
pub async fn file_bytes(file: &File) -> Result<Vec<u8>, String> {
    read_file(file).await.map(|b| Uint8Array::new(&b).to_vec())
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

fn blob_of(bytes: &[u8], mime: &str) -> Result<Blob, String> {
    let parts = Array::new();
    parts.push(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| js_error("could not prepare the download", e))
}

/// Clicks a temporary link to `href` that saves as `name`.
fn click_download(name: &str, href: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_error("could not prepare the download", e))?
        .unchecked_into();
    anchor.set_href(href);
    anchor.set_download(name);
    anchor.click();
    Ok(())
}

/// Offers `bytes` as a download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let blob = blob_of(bytes, mime)?;
    let url = Url::create_object_url_with_blob(&blob)
        .map_err(|e| js_error("could not prepare the download", e))?;
    click_download(name, &url)?;
    Url::revoke_object_url(&url).map_err(|e| js_error("could not finish the download", e))?;
    Ok(())
}

/// Offers the pixels of `canvas` as a PNG file named `name`.
pub fn download_canvas_png(canvas: &web_sys::HtmlCanvasElement, name: &str) -> Result<(), String> {
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(|e| js_error("could not prepare the image", e))?;
    click_download(name, &url)
}

/// The presentation properties a chart takes from the page's stylesheet. A downloaded SVG has
/// no stylesheet, so they are written onto each element.
const SVG_STYLE_PROPERTIES: [&str; 12] = [
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-opacity",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "text-anchor",
    "dominant-baseline",
];

/// The chart `svg[data-testid=testid]` as a standalone SVG document that looks as it does on
/// the page (styles inlined, size from its viewBox), with its width and height.
fn standalone_svg(testid: &str) -> Result<(String, f64, f64), String> {
    let failed = |e| js_error("could not prepare the chart", e);
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let chart = document
        .query_selector(&format!("svg[data-testid=\"{testid}\"]"))
        .map_err(failed)?
        .ok_or_else(|| format!("the chart {testid} is not on the page"))?;
    let copy: Element = chart
        .clone_node_with_deep(true)
        .map_err(failed)?
        .dyn_into()
        .map_err(|_| "could not copy the chart".to_string())?;
    inline_style(&window, &chart, &copy)?;
    let originals = chart.query_selector_all("*").map_err(failed)?;
    let copies = copy.query_selector_all("*").map_err(failed)?;
    for i in 0..originals.length().min(copies.length()) {
        let pair = originals
            .item(i)
            .and_then(|n| n.dyn_into::<Element>().ok())
            .zip(copies.item(i).and_then(|n| n.dyn_into::<Element>().ok()));
        if let Some((original, copied)) = pair {
            inline_style(&window, &original, &copied)?;
        }
    }
    copy.set_attribute("xmlns", "http://www.w3.org/2000/svg")
        .map_err(failed)?;
    let view_box = copy.get_attribute("viewBox").unwrap_or_default();
    let (mut width, mut height) = (0.0, 0.0);
    if let [_, _, w, h] = view_box.split_whitespace().collect::<Vec<_>>()[..] {
        copy.set_attribute("width", w).map_err(failed)?;
        copy.set_attribute("height", h).map_err(failed)?;
        width = w.parse().unwrap_or(0.0);
        height = h.parse().unwrap_or(0.0);
    }
    if !(width > 0.0 && height > 0.0) {
        return Err(format!("the chart {testid} has no viewBox size"));
    }
    let xml = XmlSerializer::new()
        .and_then(|s| s.serialize_to_string(&copy))
        .map_err(failed)?;
    Ok((
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}\n"),
        width,
        height,
    ))
}

/// Offers the chart `svg[data-testid=testid]` as a standalone SVG file named `name`.
pub fn download_svg(testid: &str, name: &str) -> Result<(), String> {
    let (file, _, _) = standalone_svg(testid)?;
    download(name, file.as_bytes(), "image/svg+xml")
}

/// Pixels per SVG unit of a PNG download: sharp on a high-density screen or a slide.
const PNG_SCALE: f64 = 2.0;

/// Offers the chart `svg[data-testid=testid]` as a PNG named `name`: the standalone SVG drawn
/// onto a white canvas at [`PNG_SCALE`].
pub async fn download_png(testid: &str, name: &str) -> Result<(), String> {
    let failed = |e| js_error("could not draw the chart", e);
    let (svg, width, height) = standalone_svg(testid)?;
    let blob = blob_of(svg.as_bytes(), "image/svg+xml")?;
    let url = Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let image = HtmlImageElement::new().map_err(failed)?;
    // The image decodes asynchronously: its load and error events settle this promise.
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        image.set_onload(Some(&resolve));
        image.set_onerror(Some(&reject));
    });
    image.set_src(&url);
    let decoded = JsFuture::from(loaded).await;
    let _ = Url::revoke_object_url(&url);
    decoded.map_err(|_| "could not draw the chart: the browser did not decode it".to_string())?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(failed)?
        .unchecked_into();
    let (w, h) = ((width * PNG_SCALE).ceil(), (height * PNG_SCALE).ceil());
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(failed)?
        .ok_or("could not draw the chart: no 2-D canvas")?
        .unchecked_into();
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, w, h);
    context
        .draw_image_with_html_image_element_and_dw_and_dh(&image, 0.0, 0.0, w, h)
        .map_err(failed)?;
    download_canvas_png(&canvas, name)
}

fn inline_style(window: &Window, original: &Element, copy: &Element) -> Result<(), String> {
    let Some(computed) = window
        .get_computed_style(original)
        .map_err(|e| js_error("could not read the chart's style", e))?
    else {
        return Ok(());
    };
    let style: String = SVG_STYLE_PROPERTIES
        .iter()
        .filter_map(|p| {
            let value = computed.get_property_value(p).ok()?;
            (!value.is_empty()).then(|| format!("{p}:{value};"))
        })
        .collect();
    copy.set_attribute("style", &style)
        .map_err(|e| js_error("could not copy the chart's style", e))
}

/// The page's `location.search` (empty when unavailable).
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// The page's origin + path (no query, no fragment): the app's base URL.
pub fn location_base() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

/// Posts the document's height to the parent page whenever it changes (a `ResizeObserver` on
/// the root element), as `annlab_worker::embed::HeightMessage`. Nothing when the page is not
/// framed. targetOrigin is `"*"`: the message is one number and the page's own id, nothing a
/// foreign parent could misuse, and an embed cannot know its host's origin in advance.
pub fn post_height_changes(id: Option<String>) -> Result<(), String> {
    use std::cell::RefCell;
    use wasm_bindgen::closure::Closure;
    let window = web_sys::window().ok_or("no window")?;
    let parent = window
        .parent()
        .map_err(|e| js_error("no parent", e))?
        .ok_or("no parent")?;
    if JsValue::from(&parent) == JsValue::from(&window) {
        return Ok(());
    }
    let root = window
        .document()
        .and_then(|d| d.document_element())
        .ok_or("no document")?;
    let reporter = RefCell::new(annlab_worker::embed::HeightReporter::new(id));
    let measured = root.clone();
    let send = move || {
        let height = measured.get_bounding_client_rect().height();
        let Some(message) = reporter.borrow_mut().update(height) else {
            return;
        };
        let object = js_sys::Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), &value);
        };
        set(
            "type",
            JsValue::from_str(annlab_worker::embed::HEIGHT_MESSAGE_TYPE),
        );
        set("height", JsValue::from(message.height));
        if let Some(id) = &message.id {
            set("id", JsValue::from_str(id));
        }
        if let Err(e) = parent.post_message(&object, "*") {
            web_sys::console::warn_1(&e);
        }
    };
    let callback = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| send());
    let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref())
        .map_err(|e| js_error("no ResizeObserver", e))?;
    // The observer reports the first size at once, then every change, for the page's life.
    observer.observe(&root);
    callback.forget();
    std::mem::forget(observer);
    Ok(())
}
