//! Embed mode: the compact widget a documentation page shows in an `<iframe>`.
//!
//! The iframe's URL is the app's with `?embed` (and an optional `id=…` the parent uses to tell
//! its widgets apart) and a share link's fragment as the preset (`share_link` keys). This module
//! turns those into what the widget builds, the slider stops, the height message it posts to
//! the parent, and the snippets the full app offers; free of JS.

use annlab_core::svs::Compression;

use crate::share_link::{DatasetRef, Decoded, SharedSetup};

/// The `type` of the height message (see [`HeightMessage`]).
pub const HEIGHT_MESSAGE_TYPE: &str = "annlab:height";

/// Runtime values a slider offers when the link gives no sweep (the app's default sweep).
pub const DEFAULT_STOPS: [usize; 5] = [10, 20, 50, 100, 200];

/// At most this many stops per slider: each is a measured search point of the one build.
pub const MAX_STOPS: usize = 8;

/// Longest `id` accepted (it is echoed to the parent in every height message).
pub const MAX_ID_LEN: usize = 64;

/// The compressions the widget offers: none and every one FT.CREATE accepts.
pub const COMPRESSIONS: [Option<Compression>; 7] = [
    None,
    Some(Compression::Lvq8),
    Some(Compression::Lvq4x8),
    Some(Compression::LeanVec4x8),
    Some(Compression::Lvq4),
    Some(Compression::Lvq4x4),
    Some(Compression::LeanVec8x8),
];

/// A compression as the select and the link name it.
pub fn compression_name(c: Option<Compression>) -> &'static str {
    c.map_or("none", Compression::redis_name)
}

/// What the query string says about embed mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbedQuery {
    /// `embed` is present (any value but `0` / `false`).
    pub embed: bool,
    /// The parent's name for this widget, echoed in its messages.
    pub id: Option<String>,
}

/// Reads `location.search` (with or without `?`). Other keys are the full app's business.
pub fn parse_query(search: &str) -> EmbedQuery {
    let mut out = EmbedQuery::default();
    let search = search.strip_prefix('?').unwrap_or(search);
    for part in search.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        match key {
            "embed" => out.embed = !matches!(value, "0" | "false"),
            "id" if valid_id(value) => out.id = Some(value.to_string()),
            _ => {}
        }
    }
    out
}

/// An id is what a parent can use as an element id: letters, digits, `-`, `_`, `.`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The query string without the embed keys (`embed`, `id`), `?` included when anything is
/// left: the full app's URL is the widget's with this query.
pub fn full_app_query(search: &str) -> String {
    let search = search.strip_prefix('?').unwrap_or(search);
    let kept: Vec<&str> = search
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let key = p.split_once('=').map_or(*p, |(k, _)| k);
            key != "embed" && key != "id"
        })
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    }
}

/// What the widget builds: the setup (dataset, both sweeps set to the slider stops) and the
/// notes on what the link asked for that the widget does not do.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedPreset {
    /// The setup the forms are restored from (`FormsModel::apply_shared`).
    pub setup: SharedSetup,
    /// The bundled sample, by id.
    pub sample: String,
    /// EF_RUNTIME values the HNSW slider offers, ascending.
    pub ef_stops: Vec<usize>,
    /// SEARCH_WINDOW_SIZE values the SVS-VAMANA slider offers, ascending.
    pub window_stops: Vec<usize>,
    /// The link's ignored parts, then what the widget changed.
    pub notes: Vec<String>,
}

/// Ascending, without repeats, at most [`MAX_STOPS`]: the sweep (or the default) plus the
/// link's single runtime value.
fn stops(
    sweep: Option<&[usize]>,
    single: Option<usize>,
    name: &str,
    notes: &mut Vec<String>,
) -> Vec<usize> {
    let mut values: Vec<usize> = sweep.map_or(DEFAULT_STOPS.to_vec(), <[usize]>::to_vec);
    values.extend(single);
    values.sort_unstable();
    values.dedup();
    if values.len() > MAX_STOPS {
        notes.push(format!(
            "the widget measures at most {MAX_STOPS} {name} values; kept {}",
            values[..MAX_STOPS]
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("/")
        ));
        values.truncate(MAX_STOPS);
    }
    values
}

/// The slider's starting value: the link's, when it is a stop, else the first stop.
fn start(stops: &[usize], wanted: Option<usize>) -> Option<usize> {
    wanted
        .filter(|w| stops.contains(w))
        .or_else(|| stops.first().copied())
}

impl EmbedPreset {
    /// The preset of a decoded link. `samples` are the bundled sample ids; the first is the
    /// default. The widget builds a bundled sample only (an upload has no place in an iframe).
    pub fn from_link(link: Decoded, samples: &[&str]) -> Self {
        let Decoded { mut setup, ignored } = link;
        let mut notes = ignored;
        let default = samples.first().copied().unwrap_or_default().to_string();
        let sample = match setup.dataset.take() {
            Some(DatasetRef::Sample(id)) if samples.contains(&id.as_str()) => id,
            Some(DatasetRef::Sample(id)) => {
                notes.push(format!("no bundled sample `{id}`; showing {default}"));
                default
            }
            Some(DatasetRef::File(_)) => {
                notes.push(format!(
                    "an embed shows bundled samples only, not an uploaded file; showing {default}"
                ));
                default
            }
            // A widget stays small: synthetic sets are for the full app.
            Some(DatasetRef::Synthetic(_)) => {
                notes.push(format!(
                    "an embed shows bundled samples only, not synthetic data; showing {default}"
                ));
                default
            }
            None => default,
        };
        let ef_stops = stops(
            setup.ef_sweep.as_deref(),
            setup.ef_runtime,
            "EF_RUNTIME",
            &mut notes,
        );
        let window_stops = stops(
            setup.window_sweep.as_deref(),
            setup.search_window_size,
            "SEARCH_WINDOW_SIZE",
            &mut notes,
        );
        setup.ef_runtime = start(&ef_stops, setup.ef_runtime);
        setup.search_window_size = start(&window_stops, setup.search_window_size);
        setup.ef_sweep = Some(ef_stops.clone());
        setup.window_sweep = Some(window_stops.clone());
        setup.dataset = Some(DatasetRef::Sample(sample.clone()));
        setup.panel = None;
        Self {
            setup,
            sample,
            ef_stops,
            window_stops,
            notes,
        }
    }
}

/// The stop nearest `value` (the lower one on a tie), as an index into `stops`.
pub fn nearest_stop(stops: &[usize], value: usize) -> usize {
    stops
        .iter()
        .enumerate()
        .min_by_key(|(_, s)| s.abs_diff(value))
        .map_or(0, |(i, _)| i)
}

/// What the widget posts to `window.parent` when its height changes:
/// `{type: "annlab:height", height: <CSS px, whole>, id: <the URL's id>}` (`id` absent when
/// the URL has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeightMessage {
    pub height: u32,
    pub id: Option<String>,
}

/// Decides when a height is worth a message: the first, and each that differs once rounded
/// up to a whole pixel (so sub-pixel layout jitter sends nothing).
#[derive(Debug, Clone, Default)]
pub struct HeightReporter {
    id: Option<String>,
    last: Option<u32>,
}

impl HeightReporter {
    pub fn new(id: Option<String>) -> Self {
        Self { id, last: None }
    }

    /// The message for a measured height (CSS px), or `None` when the parent already has it.
    pub fn update(&mut self, height: f64) -> Option<HeightMessage> {
        if !height.is_finite() || height < 0.0 {
            return None;
        }
        let px = height.ceil().min(f64::from(u32::MAX)) as u32;
        if self.last == Some(px) {
            return None;
        }
        self.last = Some(px);
        Some(HeightMessage {
            height: px,
            id: self.id.clone(),
        })
    }
}

/// The widget's URL: `base` (origin + path of the app) with `?embed`, the id and a share
/// link's fragment (`share_link::encode`).
pub fn embed_url(base: &str, fragment: &str, id: Option<&str>) -> String {
    let id = id
        .filter(|id| valid_id(id))
        .map(|id| format!("&id={id}"))
        .unwrap_or_default();
    format!("{base}?embed{id}#{fragment}")
}

/// The `<iframe>` a documentation page pastes. The URL is attribute-escaped.
pub fn iframe_snippet(src: &str) -> String {
    let src = src.replace('&', "&amp;").replace('"', "&quot;");
    format!(
        "<iframe src=\"{src}\" width=\"100%\" height=\"420\" style=\"border:0\" title=\"annlab\"></iframe>"
    )
}

/// The parent side: resizes the iframe that sent a height message.
pub const PARENT_LISTENER: &str = r#"<script>
  // annlab embeds post {type: "annlab:height", height, id} when their height changes.
  addEventListener('message', (e) => {
    if (e.data?.type !== 'annlab:height') return;
    for (const f of document.querySelectorAll('iframe')) {
      if (f.contentWindow === e.source) f.style.height = e.data.height + 'px';
    }
  });
</script>"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share_link::{decode, encode};
    use annlab_core::Metric;

    const SAMPLES: [&str; 2] = ["netflix-2k", "siftsmall-2k"];

    #[test]
    fn the_query_string_turns_embed_on_and_names_the_widget() {
        assert_eq!(
            parse_query("?embed&id=docs-1"),
            EmbedQuery {
                embed: true,
                id: Some("docs-1".into())
            }
        );
        assert!(parse_query("embed=1").embed);
        assert!(!parse_query("?embed=0").embed);
        assert!(!parse_query("?embedded").embed);
        assert_eq!(parse_query(""), EmbedQuery::default());
        // An id a parent could not use as an element id, or an overlong one, is dropped.
        assert_eq!(parse_query("?embed&id=<b>").id, None);
        assert_eq!(
            parse_query(&format!("?embed&id={}", "a".repeat(65))).id,
            None
        );
    }

    #[test]
    fn the_full_app_keeps_other_query_keys() {
        assert_eq!(full_app_query("?embed&id=a"), "");
        assert_eq!(full_app_query("?x=1&embed"), "?x=1");
        assert_eq!(full_app_query(""), "");
    }

    #[test]
    fn a_link_becomes_a_preset_with_stops_covering_its_runtime_values() {
        let link = decode(
            "v=1&data=sample:siftsmall-2k&metric=L2&m=24&ef_runtime=30&ef_sweep=100/20&\
             search_window_size=7&compression=LVQ8&panel=explore",
        );
        let p = EmbedPreset::from_link(link, &SAMPLES);
        assert_eq!(p.sample, "siftsmall-2k");
        assert_eq!(p.ef_stops, vec![20, 30, 100]);
        assert_eq!(p.window_stops, vec![7, 10, 20, 50, 100, 200]);
        assert_eq!(p.setup.ef_runtime, Some(30));
        assert_eq!(p.setup.search_window_size, Some(7));
        assert_eq!(p.setup.ef_sweep, Some(vec![20, 30, 100]));
        assert_eq!(p.setup.window_sweep, Some(p.window_stops.clone()));
        assert_eq!(p.setup.metric, Some(Metric::L2));
        assert_eq!(p.setup.m, Some(24));
        assert_eq!(p.setup.compression, Some(Some(Compression::Lvq8)));
        assert_eq!(p.setup.panel, None);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        // The slider starts at the first stop when the link names none.
        let p = EmbedPreset::from_link(decode("ef_sweep=40/80"), &SAMPLES);
        assert_eq!(
            (p.sample.as_str(), p.setup.ef_runtime),
            ("netflix-2k", Some(40))
        );
        assert_eq!(p.setup.search_window_size, Some(10));
    }

    #[test]
    fn what_the_widget_cannot_do_is_named() {
        let p = EmbedPreset::from_link(decode("data=file:10x4:00000000000000ff&k=oops"), &SAMPLES);
        assert_eq!(p.sample, "netflix-2k");
        assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
        assert!(p.notes[0].starts_with("`k=oops` ignored"));
        assert!(p.notes[1].contains("bundled samples only"));
        let p = EmbedPreset::from_link(decode("data=sample:nope"), &SAMPLES);
        assert_eq!(
            p.notes,
            vec!["no bundled sample `nope`; showing netflix-2k"]
        );
        let p = EmbedPreset::from_link(decode("ef_sweep=1/2/3/4/5/6/7/8/9/10"), &SAMPLES);
        assert_eq!(p.ef_stops, (1..=8).collect::<Vec<_>>());
        assert!(p.notes[0].contains("at most 8 EF_RUNTIME values"));
    }

    #[test]
    fn the_nearest_stop_is_found() {
        let stops = [10, 20, 50, 100];
        assert_eq!(nearest_stop(&stops, 10), 0);
        assert_eq!(nearest_stop(&stops, 35), 1);
        assert_eq!(nearest_stop(&stops, 36), 2);
        assert_eq!(nearest_stop(&stops, 1000), 3);
        assert_eq!(nearest_stop(&[], 5), 0);
    }

    #[test]
    fn heights_are_sent_once_per_whole_pixel() {
        let mut r = HeightReporter::new(Some("w".into()));
        assert_eq!(
            r.update(399.2),
            Some(HeightMessage {
                height: 400,
                id: Some("w".into())
            })
        );
        assert_eq!(r.update(399.9), None);
        assert_eq!(r.update(512.0).map(|m| m.height), Some(512));
        assert_eq!(r.update(f64::NAN), None);
        assert_eq!(r.update(-1.0), None);
        assert_eq!(
            HeightReporter::new(None).update(1.0).and_then(|m| m.id),
            None
        );
    }

    #[test]
    fn the_snippet_embeds_the_setup() {
        let setup = SharedSetup {
            dataset: Some(DatasetRef::Sample("netflix-2k".into())),
            m: Some(16),
            ..SharedSetup::default()
        };
        let url = embed_url("https://x.test/annlab/", &encode(&setup), Some("a"));
        assert_eq!(
            url,
            "https://x.test/annlab/?embed&id=a#v=1&data=sample:netflix-2k&m=16"
        );
        assert_eq!(
            embed_url("b/", &encode(&setup), Some("no way")),
            "b/?embed#v=1&data=sample:netflix-2k&m=16"
        );
        let html = iframe_snippet(&url);
        assert!(html.starts_with(
            "<iframe src=\"https://x.test/annlab/?embed&amp;id=a#v=1&amp;data=sample:netflix-2k&amp;m=16\""
        ));
        assert!(html.ends_with("title=\"annlab\"></iframe>"));
        assert_eq!(
            decode(url.split_once('#').map_or("", |(_, f)| f)).setup,
            setup
        );
        assert!(PARENT_LISTENER.contains(HEIGHT_MESSAGE_TYPE));
        assert_eq!(compression_name(COMPRESSIONS[0]), "none");
        assert_eq!(compression_name(COMPRESSIONS[1]), "LVQ8");
    }
}
