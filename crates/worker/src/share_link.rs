//! Shareable links: a setup written into the URL fragment and read back, free of JS.
//!
//! A link is `#v=1&data=sample:netflix-2k&metric=COSINE&k=10&…` (every key below). Values are
//! checked for their shape only (a whole number, a known name); Redis's range rules stay with
//! the forms' validation, which judges restored values as it judges typed ones. Reading never
//! fails: what parses is restored, and every part that does not is named in
//! [`Decoded::ignored`]. Uploaded data is never in a link, only its [`Fingerprint`].

use annlab_core::svs::{Compression, Insertion, Target};
use annlab_core::{ElementType, Metric};

/// The link format written by [`encode`].
pub const VERSION: u32 = 1;

/// What the base data was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetRef {
    /// A bundled sample, by its id (`netflix-2k`).
    Sample(String),
    /// An uploaded file: the link asks for it and checks it by this.
    File(Fingerprint),
    /// The seeded synthetic generator: the link regenerates the same vectors.
    Synthetic(annlab_protocol::worker::SyntheticSpec),
}

/// Identifies an uploaded file without carrying it: its shape and a hash of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub rows: usize,
    pub dim: usize,
    /// [`content_hash`] of the file's bytes.
    pub hash: u64,
}

impl Fingerprint {
    /// `None` when `other` is the same file, else the message that refuses it.
    pub fn mismatch(&self, other: &Fingerprint) -> Option<String> {
        if self == other {
            return None;
        }
        Some(format!(
            "This is not the file the link was made with: the link expects {} rows × {} dims \
             (content hash {:016x}), this file has {} rows × {} dims (content hash {:016x})",
            self.rows, self.dim, self.hash, other.rows, other.dim, other.hash
        ))
    }
}

/// FNV-1a (64-bit) over the bytes: tells two files apart, not a security check.
pub fn content_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Every setting a link can carry; `None` = not in the link (the form keeps its default).
/// Integers are as the forms hold them; an empty optional form field is absent here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharedSetup {
    pub dataset: Option<DatasetRef>,
    pub metric: Option<Metric>,
    pub k: Option<usize>,
    pub element_type: Option<ElementType>,
    pub queries: Option<usize>,
    pub seed: Option<u64>,
    pub target: Option<Target>,
    pub m: Option<usize>,
    pub ef_construction: Option<usize>,
    pub ef_runtime: Option<usize>,
    pub ef_sweep: Option<Vec<usize>>,
    pub graph_max_degree: Option<usize>,
    pub construction_window_size: Option<usize>,
    pub search_window_size: Option<usize>,
    /// `Some(None)` = no compression, said explicitly.
    pub compression: Option<Option<Compression>>,
    pub training_threshold: Option<usize>,
    pub reduce: Option<usize>,
    pub window_sweep: Option<Vec<usize>>,
    pub insertion: Option<Insertion>,
    /// The panel that was open (an element id of the page), if any.
    pub panel: Option<String>,
    /// The grid form (each field `None` = not in the link).
    pub grid: GridLink,
    /// The grid point that was selected (`runs[run].search[point]` of the grid's report): the
    /// same grid on the same data measures the same configurations in the same order.
    pub pick: Option<(usize, usize)>,
}

/// The SVS compressions a grid can sweep: Redis's COMPRESSION values, plus no compression at
/// FLOAT32 and at FLOAT16 (FP16 is a TYPE, not a COMPRESSION).
pub const GRID_COMPRESSIONS: [&str; 9] = [
    "none",
    "FP16",
    "GlobalSQ8",
    "LVQ4",
    "LVQ8",
    "LVQ4x4",
    "LVQ4x8",
    "LeanVec4x8",
    "LeanVec8x8",
];

/// The grid form as a link carries it: `/` lists of whole numbers and the chosen compressions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GridLink {
    pub hnsw: Option<bool>,
    pub m: Option<Vec<usize>>,
    pub ef_construction: Option<Vec<usize>>,
    pub ef_runtime: Option<Vec<usize>>,
    pub svs: Option<bool>,
    pub graph_max_degree: Option<Vec<usize>>,
    pub construction_window_size: Option<Vec<usize>>,
    pub search_window_size: Option<Vec<usize>>,
    pub compressions: Option<Vec<String>>,
}

/// A link read back: what was valid, and one message per part that was ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decoded {
    pub setup: SharedSetup,
    pub ignored: Vec<String>,
}

fn sweep_text(values: &[usize]) -> String {
    values
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("/")
}

/// The fragment (without `#`) for a setup, keys in a fixed order.
pub fn encode(setup: &SharedSetup) -> String {
    let mut parts = vec![format!("v={VERSION}")];
    let mut put = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            parts.push(format!("{key}={}", escape(&value)));
        }
    };
    let n = |v: Option<usize>| v.map(|v| v.to_string());
    put(
        "data",
        setup.dataset.as_ref().map(|d| match d {
            DatasetRef::Sample(id) => format!("sample:{id}"),
            DatasetRef::File(f) => format!("file:{}x{}:{:016x}", f.rows, f.dim, f.hash),
            DatasetRef::Synthetic(s) => format!("synthetic:{}x{}:{}", s.rows, s.dim, s.seed),
        }),
    );
    put("metric", setup.metric.map(|m| m.redis_name().to_string()));
    put("k", n(setup.k));
    put(
        "type",
        setup.element_type.map(|t| t.redis_name().to_string()),
    );
    put("queries", n(setup.queries));
    put("seed", setup.seed.map(|s| s.to_string()));
    put("target", setup.target.map(|t| target_name(t).to_string()));
    put("m", n(setup.m));
    put("ef_construction", n(setup.ef_construction));
    put("ef_runtime", n(setup.ef_runtime));
    put("ef_sweep", setup.ef_sweep.as_deref().map(sweep_text));
    put("graph_max_degree", n(setup.graph_max_degree));
    put(
        "construction_window_size",
        n(setup.construction_window_size),
    );
    put("search_window_size", n(setup.search_window_size));
    put(
        "compression",
        setup
            .compression
            .map(|c| c.map_or("none", |c| c.redis_name()).to_string()),
    );
    put("training_threshold", n(setup.training_threshold));
    put("reduce", n(setup.reduce));
    put(
        "window_sweep",
        setup.window_sweep.as_deref().map(sweep_text),
    );
    put("insertion", setup.insertion.map(|i| i.name().to_string()));
    put("panel", setup.panel.clone());
    let g = &setup.grid;
    let on_off = |b: Option<bool>| b.map(|b| if b { "on" } else { "off" }.to_string());
    put("grid_hnsw", on_off(g.hnsw));
    put("grid_m", g.m.as_deref().map(sweep_text));
    put("grid_efc", g.ef_construction.as_deref().map(sweep_text));
    put("grid_efr", g.ef_runtime.as_deref().map(sweep_text));
    put("grid_svs", on_off(g.svs));
    put("grid_r", g.graph_max_degree.as_deref().map(sweep_text));
    put(
        "grid_l",
        g.construction_window_size.as_deref().map(sweep_text),
    );
    put("grid_w", g.search_window_size.as_deref().map(sweep_text));
    put("grid_c", g.compressions.as_ref().map(|c| c.join("/")));
    put("pick", setup.pick.map(|(r, p)| format!("{r}.{p}")));
    parts.join("&")
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::Intel => "intel",
        Target::Generic => "generic",
    }
}

/// Reads a fragment (with or without the leading `#`). Never fails; see [`Decoded`].
pub fn decode(fragment: &str) -> Decoded {
    let mut out = Decoded::default();
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    for part in fragment.split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = part.split_once('=').unwrap_or((part, ""));
        let key = unescape(key);
        let value = unescape(raw);
        if let Err(why) = apply(&mut out.setup, &key, value.trim()) {
            out.ignored.push(format!("`{key}={value}` ignored: {why}"));
        }
    }
    out
}

fn whole(value: &str) -> Result<usize, String> {
    value
        .parse::<usize>()
        .map_err(|_| format!("`{value}` is not a whole number"))
}

fn sweep(value: &str) -> Result<Vec<usize>, String> {
    let values = value
        .split(['/', ','])
        .map(|p| whole(p.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    if values.is_empty() || values.contains(&0) {
        return Err("a sweep is positive whole numbers separated by /".into());
    }
    Ok(values)
}

fn on_off(value: &str) -> Result<bool, String> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err("`on` or `off`".into()),
    }
}

fn dataset(value: &str) -> Result<DatasetRef, String> {
    if let Some(id) = value.strip_prefix("sample:") {
        let valid = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        return if valid {
            Ok(DatasetRef::Sample(id.to_string()))
        } else {
            Err(format!("`{id}` is not a sample id"))
        };
    }
    if let Some(rest) = value.strip_prefix("file:") {
        let bad = || "a file is `file:ROWSxDIM:HASH` (16 hex digits)".to_string();
        let (shape, hash) = rest.split_once(':').ok_or_else(bad)?;
        let (rows, dim) = shape.split_once('x').ok_or_else(bad)?;
        return Ok(DatasetRef::File(Fingerprint {
            rows: rows.parse().map_err(|_| bad())?,
            dim: dim.parse().map_err(|_| bad())?,
            hash: u64::from_str_radix(hash, 16).map_err(|_| bad())?,
        }));
    }
    if let Some(rest) = value.strip_prefix("synthetic:") {
        let bad = || "synthetic data is `synthetic:ROWSxDIM:SEED`".to_string();
        let (shape, seed) = rest.split_once(':').ok_or_else(bad)?;
        let (rows, dim) = shape.split_once('x').ok_or_else(bad)?;
        let spec = annlab_protocol::worker::SyntheticSpec::with_default_clusters(
            rows.parse().map_err(|_| bad())?,
            dim.parse().map_err(|_| bad())?,
            seed.parse().map_err(|_| bad())?,
        );
        return match spec.problem() {
            Some(problem) => Err(problem),
            None => Ok(DatasetRef::Synthetic(spec)),
        };
    }
    Err("data is `sample:ID`, `file:ROWSxDIM:HASH` or `synthetic:ROWSxDIM:SEED`".into())
}

/// Sets one key; the error says why the part is ignored.
fn apply(s: &mut SharedSetup, key: &str, value: &str) -> Result<(), String> {
    match key {
        "v" => match value.parse::<u32>() {
            Ok(VERSION) => {}
            Ok(v) => {
                return Err(format!(
                    "link version {v}; read as version {VERSION}, settings it does not know are named below"
                ))
            }
            Err(_) => return Err("not a link version".into()),
        },
        "data" => s.dataset = Some(dataset(value)?),
        "metric" => s.metric = Some(value.parse().map_err(|e| format!("{e}"))?),
        "k" => s.k = Some(whole(value)?),
        "type" => s.element_type = Some(value.parse().map_err(|e| format!("{e}"))?),
        "queries" => s.queries = Some(whole(value)?),
        "seed" => {
            s.seed = Some(
                value
                    .parse()
                    .map_err(|_| format!("`{value}` is not a whole number"))?,
            )
        }
        "target" => s.target = Some(value.parse()?),
        "m" => s.m = Some(whole(value)?),
        "ef_construction" => s.ef_construction = Some(whole(value)?),
        "ef_runtime" => s.ef_runtime = Some(whole(value)?),
        "ef_sweep" => s.ef_sweep = Some(sweep(value)?),
        "graph_max_degree" => s.graph_max_degree = Some(whole(value)?),
        "construction_window_size" => s.construction_window_size = Some(whole(value)?),
        "search_window_size" => s.search_window_size = Some(whole(value)?),
        "compression" => {
            s.compression = Some(if value.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(value.parse().map_err(|e| format!("{e}"))?)
            })
        }
        "training_threshold" => s.training_threshold = Some(whole(value)?),
        "reduce" => s.reduce = Some(whole(value)?),
        "window_sweep" => s.window_sweep = Some(sweep(value)?),
        "insertion" => s.insertion = Some(value.parse()?),
        "panel" => {
            let valid = !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(format!("`{value}` is not a panel id"));
            }
            s.panel = Some(value.to_string());
        }
        "grid_hnsw" => s.grid.hnsw = Some(on_off(value)?),
        "grid_svs" => s.grid.svs = Some(on_off(value)?),
        "grid_m" => s.grid.m = Some(sweep(value)?),
        "grid_efc" => s.grid.ef_construction = Some(sweep(value)?),
        "grid_efr" => s.grid.ef_runtime = Some(sweep(value)?),
        "grid_r" => s.grid.graph_max_degree = Some(sweep(value)?),
        "grid_l" => s.grid.construction_window_size = Some(sweep(value)?),
        "grid_w" => s.grid.search_window_size = Some(sweep(value)?),
        "grid_c" => {
            let mut chosen = Vec::new();
            for name in value.split(['/', ',']).filter(|n| !n.is_empty()) {
                let known = GRID_COMPRESSIONS
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(name))
                    .ok_or_else(|| format!("`{name}` is not a compression a grid sweeps"))?;
                chosen.push(known.to_string());
            }
            s.grid.compressions = Some(chosen);
        }
        "pick" => {
            let bad = || "a pick is `RUN.POINT` (two whole numbers)".to_string();
            let (run, point) = value.split_once('.').ok_or_else(bad)?;
            s.pick = Some((
                run.parse().map_err(|_| bad())?,
                point.parse().map_err(|_| bad())?,
            ));
        }
        _ => return Err("not a setting annlab knows".into()),
    }
    Ok(())
}

/// Percent-escapes everything but the characters our values use.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.:/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes percent-escapes (a mail client may add them); malformed ones stay as they are.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> SharedSetup {
        SharedSetup {
            dataset: Some(DatasetRef::Sample("siftsmall-2k".into())),
            metric: Some(Metric::L2),
            k: Some(20),
            element_type: Some(ElementType::Float16),
            queries: Some(100),
            seed: Some(7),
            target: Some(Target::Generic),
            m: Some(24),
            ef_construction: Some(300),
            ef_runtime: Some(40),
            ef_sweep: Some(vec![40, 80]),
            graph_max_degree: Some(48),
            construction_window_size: Some(150),
            search_window_size: Some(30),
            compression: Some(Some(Compression::LeanVec4x8)),
            training_threshold: Some(2048),
            reduce: Some(64),
            window_sweep: Some(vec![30, 60, 90]),
            insertion: Some(Insertion::Incremental),
            panel: Some("explore".into()),
            grid: GridLink {
                hnsw: Some(true),
                m: Some(vec![8, 16]),
                ef_construction: Some(vec![100]),
                ef_runtime: Some(vec![10, 50]),
                svs: Some(false),
                graph_max_degree: Some(vec![32]),
                construction_window_size: Some(vec![100, 200]),
                search_window_size: Some(vec![10, 50]),
                compressions: Some(vec!["none".into(), "LVQ8".into()]),
            },
            pick: Some((1, 0)),
        }
    }

    #[test]
    fn a_synthetic_dataset_round_trips_and_a_bad_one_is_named() {
        use annlab_protocol::worker::SyntheticSpec;
        let spec = SyntheticSpec::with_default_clusters(100_000, 768, 42);
        let setup = SharedSetup {
            dataset: Some(DatasetRef::Synthetic(spec)),
            ..SharedSetup::default()
        };
        let fragment = encode(&setup);
        assert!(
            fragment.contains("data=synthetic:100000x768:42"),
            "{fragment}"
        );
        assert_eq!(decode(&fragment).setup, setup);
        assert_eq!(SyntheticSpec::from_name(&spec.name()), Some(spec));
        let bad = decode("v=1&data=synthetic:100000000x768:1");
        assert_eq!(bad.setup.dataset, None);
        assert!(bad.ignored[0].contains("the limit is"), "{:?}", bad.ignored);
    }

    #[test]
    fn every_setting_round_trips() {
        let setup = full();
        let link = encode(&setup);
        assert!(link.starts_with("v=1&data=sample:siftsmall-2k&metric=L2&k=20"));
        assert_eq!(
            decode(&format!("#{link}")),
            Decoded {
                setup,
                ignored: vec![]
            }
        );
        let file = SharedSetup {
            dataset: Some(DatasetRef::File(Fingerprint {
                rows: 2000,
                dim: 384,
                hash: 0x00ab_cdef_0123_4567,
            })),
            compression: Some(None),
            ..SharedSetup::default()
        };
        let link = encode(&file);
        assert_eq!(
            link,
            "v=1&data=file:2000x384:00abcdef01234567&compression=none"
        );
        assert_eq!(decode(&link).setup, file);
    }

    #[test]
    fn bad_and_unknown_parts_are_named_and_the_rest_restored() {
        let d = decode("#v=1&m=abc&k=15&compression=LVQ9&colour=red&ef_sweep=10/0&metric=ip");
        assert_eq!(d.setup.k, Some(15));
        assert_eq!(d.setup.metric, Some(Metric::Ip));
        assert_eq!(d.setup.m, None);
        assert_eq!(d.setup.compression, None);
        assert_eq!(d.ignored.len(), 4, "{:?}", d.ignored);
        assert_eq!(d.ignored[0], "`m=abc` ignored: `abc` is not a whole number");
        assert!(d.ignored[1].starts_with("`compression=LVQ9` ignored: unknown compression"));
        assert_eq!(
            d.ignored[2],
            "`colour=red` ignored: not a setting annlab knows"
        );
        assert!(d.ignored[3].starts_with("`ef_sweep=10/0` ignored"));
    }

    #[test]
    fn a_grid_in_a_link_names_what_it_cannot_sweep() {
        let d = decode("v=1&grid_m=8/16&grid_c=none/lvq8/LVQ9&grid_svs=maybe&pick=2.x");
        assert_eq!(d.setup.grid.m, Some(vec![8, 16]));
        assert_eq!(d.setup.grid.compressions, None);
        assert_eq!(d.setup.grid.svs, None);
        assert_eq!(d.setup.pick, None);
        assert_eq!(
            d.ignored,
            vec![
                "`grid_c=none/lvq8/LVQ9` ignored: `LVQ9` is not a compression a grid sweeps",
                "`grid_svs=maybe` ignored: `on` or `off`",
                "`pick=2.x` ignored: a pick is `RUN.POINT` (two whole numbers)",
            ]
        );
        let ok = decode("grid_c=none/lvq8");
        assert_eq!(
            ok.setup.grid.compressions,
            Some(vec!["none".into(), "LVQ8".into()])
        );
    }

    #[test]
    fn an_old_or_newer_version_is_named_and_read_anyway() {
        let d = decode("v=0&k=5");
        assert_eq!(d.setup.k, Some(5));
        assert_eq!(d.ignored.len(), 1);
        assert!(d.ignored[0].contains("link version 0"));
        assert_eq!(decode(""), Decoded::default());
    }

    #[test]
    fn escapes_are_read() {
        let d = decode("ef_sweep=10%2F20%2F50&data=sample%3Anetflix-2k");
        assert_eq!(d.setup.ef_sweep, Some(vec![10, 20, 50]));
        assert_eq!(
            d.setup.dataset,
            Some(DatasetRef::Sample("netflix-2k".into()))
        );
        assert_eq!(unescape("%zz%4"), "%zz%4");
        assert_eq!(escape("a b&c"), "a%20b%26c");
    }

    #[test]
    fn fingerprints_refuse_another_file() {
        let a = Fingerprint {
            rows: 10,
            dim: 4,
            hash: content_hash(b"one file"),
        };
        let b = Fingerprint {
            hash: content_hash(b"another file"),
            ..a
        };
        assert_eq!(a.mismatch(&a), None);
        let message = a.mismatch(&b).unwrap();
        assert!(message.contains("not the file the link was made with"));
        // FNV-1a's published test vectors.
        assert_eq!(content_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(content_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert!(decode("data=file:10x4").ignored[0].contains("ROWSxDIM:HASH"));
    }
}
