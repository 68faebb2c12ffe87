//! Browser I/O other than workers: reading dropped/picked files, fetching the bundled samples
//! from the same origin, downloads and the clock. Nothing here talks to another host.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, Element, File, HtmlAnchorElement, Response, Url, Window, XmlSerializer,
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

/// Offers the pixels of `canvas` as a PNG file named `name`.
pub fn download_canvas_png(canvas: &web_sys::HtmlCanvasElement, name: &str) -> Result<(), String> {
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(|e| js_error("could not prepare the image", e))?;
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
    Ok(())
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

/// Offers the chart `svg[data-testid=testid]` as a standalone SVG file named `name` that looks
/// as it does on the page (styles inlined, size from its viewBox).
pub fn download_svg(testid: &str, name: &str) -> Result<(), String> {
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
    if let [_, _, w, h] = view_box.split_whitespace().collect::<Vec<_>>()[..] {
        copy.set_attribute("width", w).map_err(failed)?;
        copy.set_attribute("height", h).map_err(failed)?;
    }
    let xml = XmlSerializer::new()
        .and_then(|s| s.serialize_to_string(&copy))
        .map_err(failed)?;
    let file = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}\n");
    download(name, file.as_bytes(), "image/svg+xml")
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
