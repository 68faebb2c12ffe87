//! FT.INFO parsed into what assess needs: storage, prefixes, the vector field, other fields,
//! counts and memory. Works on RESP2 (flat arrays) and RESP3 (maps) replies alike.
//!
//! Search 2.10 reports HNSW as algorithm, data_type, dim, distance_metric, M, ef_construction;
//! `ef_runtime` only from 8.10, `epsilon` never (spec §1.10), so those come back `None` here and
//! the caller falls back to FT.DEBUG VECSIM_INFO or the defaults.

use serde::Serialize;

use super::reply::Reply;

/// FT.INFO did not have the shape assess relies on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected FT.INFO reply: {what}")]
pub struct FtInfoError {
    pub what: String,
}

fn bad(what: impl Into<String>) -> FtInfoError {
    FtInfoError { what: what.into() }
}

/// One vector field as FT.INFO describes it. HNSW and SVS-VAMANA attributes are all optional
/// because versions report different subsets.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct VectorFieldInfo {
    /// The HASH field name or the JSON path.
    pub identifier: String,
    /// The field name queries use (`AS` alias; equals identifier for HASH).
    pub attribute: String,
    pub algorithm: String,
    pub data_type: String,
    pub dim: usize,
    pub distance_metric: String,
    pub m: Option<usize>,
    pub ef_construction: Option<usize>,
    pub ef_runtime: Option<usize>,
    pub epsilon: Option<f64>,
    pub graph_max_degree: Option<usize>,
    pub construction_window_size: Option<usize>,
    pub search_window_size: Option<usize>,
    pub compression: Option<String>,
    pub training_threshold: Option<usize>,
    pub reduced_dim: Option<usize>,
}

/// A non-vector field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    pub identifier: String,
    pub attribute: String,
    /// TAG, TEXT, NUMERIC, GEO, ...
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct IndexInfo {
    pub name: String,
    /// HASH or JSON.
    pub key_type: String,
    pub prefixes: Vec<String>,
    pub vector_fields: Vec<VectorFieldInfo>,
    pub other_fields: Vec<FieldInfo>,
    pub num_docs: u64,
    pub vector_index_sz_mb: f64,
    pub total_index_memory_sz_mb: Option<f64>,
    /// True while the index is still scanning existing keys.
    pub indexing: bool,
    pub percent_indexed: Option<f64>,
    pub indexing_failures: u64,
    pub last_indexing_error: Option<String>,
}

/// Flags that RESP2 lists as lone tokens inside an attribute (no value follows).
const LONE_FLAGS: &[&str] = &[
    "SORTABLE",
    "UNF",
    "NOSTEM",
    "NOINDEX",
    "CASESENSITIVE",
    "WITHSUFFIXTRIE",
    "INDEXEMPTY",
    "INDEXMISSING",
];

/// Name/value entries of one attribute; a lone flag has no value.
fn attribute_entries(r: &Reply) -> Option<Vec<(String, Option<&Reply>)>> {
    if let Reply::Map(m) = r {
        return m.iter().map(|(k, v)| Some((k.text()?, Some(v)))).collect();
    }
    let items = r.items()?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let key = items[i].text()?;
        if LONE_FLAGS.iter().any(|f| f.eq_ignore_ascii_case(&key)) {
            out.push((key, None));
            i += 1;
        } else {
            out.push((key, items.get(i + 1)));
            i += 2;
        }
    }
    Some(out)
}

fn usize_of(v: Option<&Reply>) -> Option<usize> {
    v.and_then(Reply::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

fn parse_attribute(r: &Reply) -> Result<(FieldInfo, Option<VectorFieldInfo>), FtInfoError> {
    let entries = attribute_entries(r).ok_or_else(|| bad("an attribute is not a list"))?;
    let get = |name: &str| {
        entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| *v)
    };
    let text = |name: &str| get(name).and_then(Reply::text);
    let identifier = text("identifier").ok_or_else(|| bad("an attribute has no identifier"))?;
    let attribute = text("attribute").unwrap_or_else(|| identifier.clone());
    let kind = text("type")
        .ok_or_else(|| bad(format!("attribute `{attribute}` has no type")))?
        .to_ascii_uppercase();
    let field = FieldInfo {
        identifier: identifier.clone(),
        attribute: attribute.clone(),
        kind: kind.clone(),
    };
    if kind != "VECTOR" {
        return Ok((field, None));
    }
    let dim = usize_of(get("dim"))
        .ok_or_else(|| bad(format!("vector field `{attribute}` has no dim")))?;
    let vector = VectorFieldInfo {
        identifier,
        attribute,
        algorithm: text("algorithm").unwrap_or_default().to_ascii_uppercase(),
        data_type: text("data_type").unwrap_or_default().to_ascii_uppercase(),
        dim,
        distance_metric: text("distance_metric")
            .unwrap_or_default()
            .to_ascii_uppercase(),
        m: usize_of(get("M")),
        ef_construction: usize_of(get("ef_construction")),
        ef_runtime: usize_of(get("ef_runtime")),
        epsilon: get("epsilon").and_then(Reply::as_f64),
        graph_max_degree: usize_of(get("graph_max_degree")),
        construction_window_size: usize_of(get("construction_window_size")),
        search_window_size: usize_of(get("search_window_size")),
        compression: text("compression"),
        training_threshold: usize_of(get("training_threshold")),
        reduced_dim: usize_of(get("reduced_dim")),
    };
    Ok((field, Some(vector)))
}

/// Parses an FT.INFO reply (RESP2 or RESP3).
pub fn parse(reply: &Reply) -> Result<IndexInfo, FtInfoError> {
    let top = reply
        .pairs()
        .ok_or_else(|| bad("not a list of name/value pairs"))?;
    let get = |name: &str| {
        top.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let name = get("index_name").and_then(Reply::text).unwrap_or_default();
    let definition = get("index_definition").ok_or_else(|| bad("no index_definition"))?;
    let key_type = definition
        .get("key_type")
        .and_then(Reply::text)
        .ok_or_else(|| bad("index_definition has no key_type"))?
        .to_ascii_uppercase();
    let prefixes = match definition.get("prefixes") {
        Some(p) => match p.items() {
            Some(items) => items.iter().filter_map(Reply::text).collect(),
            None => p.text().into_iter().collect(),
        },
        None => Vec::new(),
    };
    let attributes = get("attributes")
        .and_then(Reply::items)
        .ok_or_else(|| bad("no attributes list"))?;
    let mut info = IndexInfo {
        name,
        key_type,
        prefixes,
        ..IndexInfo::default()
    };
    for a in attributes {
        let (field, vector) = parse_attribute(a)?;
        match vector {
            Some(v) => info.vector_fields.push(v),
            None => info.other_fields.push(field),
        }
    }
    info.num_docs = get("num_docs").and_then(Reply::as_u64).unwrap_or(0);
    info.vector_index_sz_mb = get("vector_index_sz_mb")
        .and_then(Reply::as_f64)
        .unwrap_or(0.0);
    info.total_index_memory_sz_mb = get("total_index_memory_sz_mb").and_then(Reply::as_f64);
    info.indexing = get("indexing").and_then(Reply::as_u64).unwrap_or(0) != 0;
    info.percent_indexed = get("percent_indexed").and_then(Reply::as_f64);
    let errors = get("Index Errors");
    info.indexing_failures = errors
        .and_then(|e| e.get("indexing failures"))
        .or_else(|| get("hash_indexing_failures"))
        .and_then(Reply::as_u64)
        .unwrap_or(0);
    info.last_indexing_error = errors
        .and_then(|e| e.get("last indexing error"))
        .and_then(Reply::text)
        .filter(|t| t != "N/A");
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Reply {
        Reply::s(t)
    }
    fn arr(items: Vec<Reply>) -> Reply {
        Reply::Array(items)
    }
    fn map(items: Vec<(&str, Reply)>) -> Reply {
        Reply::Map(items.into_iter().map(|(k, v)| (s(k), v)).collect())
    }
    fn flat(items: Vec<(&str, Reply)>) -> Reply {
        arr(items.into_iter().flat_map(|(k, v)| [s(k), v]).collect())
    }

    /// FIXTURE (RESP2): the shape search 2.10.5 returned for an HNSW HASH index with a TAG and a
    /// SORTABLE TEXT field, abridged to the parts assess reads.
    fn resp2_hnsw_hash() -> Reply {
        flat(vec![
            ("index_name", s("idx")),
            ("index_options", arr(vec![])),
            (
                "index_definition",
                flat(vec![
                    ("key_type", s("HASH")),
                    ("prefixes", arr(vec![s("doc:"), s("item:")])),
                    ("default_score", s("1")),
                ]),
            ),
            (
                "attributes",
                arr(vec![
                    flat(vec![
                        ("identifier", s("v")),
                        ("attribute", s("v")),
                        ("type", s("VECTOR")),
                        ("algorithm", s("HNSW")),
                        ("data_type", s("FLOAT32")),
                        ("dim", Reply::Int(64)),
                        ("distance_metric", s("COSINE")),
                        ("M", Reply::Int(8)),
                        ("ef_construction", Reply::Int(200)),
                    ]),
                    flat(vec![
                        ("identifier", s("genre")),
                        ("attribute", s("genre")),
                        ("type", s("TAG")),
                        ("SEPARATOR", s(",")),
                    ]),
                    arr(vec![
                        s("identifier"),
                        s("title"),
                        s("attribute"),
                        s("title"),
                        s("type"),
                        s("TEXT"),
                        s("WEIGHT"),
                        s("1"),
                        s("SORTABLE"),
                    ]),
                ]),
            ),
            ("num_docs", s("3000")),
            ("vector_index_sz_mb", s("1.5234")),
            ("indexing", s("0")),
            ("percent_indexed", s("1")),
            ("hash_indexing_failures", s("3")),
            (
                "Index Errors",
                flat(vec![
                    ("indexing failures", Reply::Int(3)),
                    (
                        "last indexing error",
                        s("Could not add vector with blob size 12"),
                    ),
                    ("last indexing error key", s("doc:bad:2")),
                ]),
            ),
        ])
    }

    #[test]
    fn resp2_hnsw_hash_index() {
        let info = parse(&resp2_hnsw_hash()).unwrap();
        assert_eq!(info.name, "idx");
        assert_eq!(info.key_type, "HASH");
        assert_eq!(info.prefixes, ["doc:", "item:"]);
        assert_eq!(info.vector_fields.len(), 1);
        let v = &info.vector_fields[0];
        assert_eq!((v.algorithm.as_str(), v.dim, v.m), ("HNSW", 64, Some(8)));
        assert_eq!(v.ef_construction, Some(200));
        assert_eq!((v.ef_runtime, v.epsilon), (None, None));
        assert_eq!(v.distance_metric, "COSINE");
        let kinds: Vec<&str> = info.other_fields.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds, ["TAG", "TEXT"]);
        assert_eq!(info.num_docs, 3000);
        assert!((info.vector_index_sz_mb - 1.5234).abs() < 1e-12);
        assert_eq!(info.indexing_failures, 3);
        assert!(!info.indexing);
        assert!(info.last_indexing_error.unwrap().contains("blob size"));
    }

    /// FIXTURE (RESP3): a JSON index as search 2.10.5 answers over RESP3 (maps, `flags` arrays).
    fn resp3_hnsw_json() -> Reply {
        map(vec![
            ("index_name", s("jidx")),
            ("index_options", Reply::Map(vec![])),
            (
                "index_definition",
                map(vec![
                    ("key_type", s("JSON")),
                    ("prefixes", arr(vec![s("jdoc:")])),
                    ("default_score", Reply::Double(1.0)),
                ]),
            ),
            (
                "attributes",
                arr(vec![
                    map(vec![
                        ("identifier", s("$.emb")),
                        ("attribute", s("emb")),
                        ("type", s("VECTOR")),
                        ("algorithm", s("HNSW")),
                        ("data_type", s("FLOAT32")),
                        ("dim", Reply::Int(64)),
                        ("distance_metric", s("L2")),
                        ("M", Reply::Int(16)),
                        ("ef_construction", Reply::Int(100)),
                        ("flags", arr(vec![])),
                    ]),
                    map(vec![
                        ("identifier", s("$.n")),
                        ("attribute", s("n")),
                        ("type", s("NUMERIC")),
                        ("flags", arr(vec![s("SORTABLE")])),
                    ]),
                ]),
            ),
            ("num_docs", Reply::Int(2500)),
            ("vector_index_sz_mb", Reply::Double(0.75)),
            ("indexing", Reply::Int(1)),
            ("percent_indexed", Reply::Double(0.5)),
            (
                "Index Errors",
                map(vec![
                    ("indexing failures", Reply::Int(0)),
                    ("last indexing error", s("N/A")),
                ]),
            ),
        ])
    }

    #[test]
    fn resp3_hnsw_json_index() {
        let info = parse(&resp3_hnsw_json()).unwrap();
        assert_eq!((info.key_type.as_str(), info.prefixes.len()), ("JSON", 1));
        let v = &info.vector_fields[0];
        assert_eq!(
            (v.identifier.as_str(), v.attribute.as_str()),
            ("$.emb", "emb")
        );
        assert_eq!((v.m, v.ef_construction), (Some(16), Some(100)));
        assert_eq!(info.other_fields[0].attribute, "n");
        assert_eq!(info.num_docs, 2500);
        assert!(info.indexing);
        assert_eq!(info.percent_indexed, Some(0.5));
        assert_eq!(info.last_indexing_error, None);
    }

    /// FIXTURE (8.2-only, from the documented shape, spec §1.10 and §1.4): an SVS-VAMANA field with
    /// LVQ8 requested on an Open Source / non-Intel build, so FT.INFO reports `compression
    /// GlobalSQ8`; training_threshold shows the user value; no search_window_size/epsilon.
    fn svs_globalsq8_attribute(resp3: bool) -> Reply {
        let entries = vec![
            ("identifier", s("v")),
            ("attribute", s("v")),
            ("type", s("VECTOR")),
            ("algorithm", s("SVS-VAMANA")),
            ("data_type", s("FLOAT32")),
            ("dim", Reply::Int(768)),
            ("distance_metric", s("COSINE")),
            ("graph_max_degree", Reply::Int(32)),
            ("construction_window_size", Reply::Int(200)),
            ("compression", s("GlobalSQ8")),
            ("training_threshold", Reply::Int(10240)),
        ];
        if resp3 {
            map(entries)
        } else {
            flat(entries)
        }
    }

    #[test]
    fn svs_vamana_attribute_block_in_both_protocols() {
        for resp3 in [false, true] {
            let reply = flat(vec![
                ("index_name", s("idx_svs")),
                (
                    "index_definition",
                    flat(vec![
                        ("key_type", s("HASH")),
                        ("prefixes", arr(vec![s("doc:")])),
                    ]),
                ),
                ("attributes", arr(vec![svs_globalsq8_attribute(resp3)])),
                ("num_docs", s("0")),
                ("vector_index_sz_mb", s("0")),
            ]);
            let info = parse(&reply).unwrap();
            let v = &info.vector_fields[0];
            assert_eq!(v.algorithm, "SVS-VAMANA");
            assert_eq!(v.compression.as_deref(), Some("GlobalSQ8"));
            assert_eq!(
                (v.graph_max_degree, v.construction_window_size),
                (Some(32), Some(200))
            );
            assert_eq!((v.training_threshold, v.reduced_dim), (Some(10240), None));
            assert_eq!((v.m, v.search_window_size), (None, None));
        }
    }

    #[test]
    fn malformed_replies_are_errors_not_panics() {
        assert!(parse(&s("OK")).is_err());
        assert!(parse(&flat(vec![("index_name", s("x"))])).is_err());
        let no_dim = flat(vec![
            ("index_definition", flat(vec![("key_type", s("HASH"))])),
            (
                "attributes",
                arr(vec![flat(vec![
                    ("identifier", s("v")),
                    ("type", s("VECTOR")),
                ])]),
            ),
        ]);
        assert!(parse(&no_dim).unwrap_err().what.contains("dim"));
    }
}
