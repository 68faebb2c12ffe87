//! migrate.py and validate.py: fixed scripts (templates/) plus a generated CONFIG literal.
//! Every user-provided string enters the script only through [`python_str`], so no name can
//! end the literal it sits in.

use std::fmt::Write;

use crate::model::Resolved;
use crate::quote::{py_float, python_str};

const MIGRATE_TEMPLATE: &str = include_str!("../templates/migrate.py");
const VALIDATE_TEMPLATE: &str = include_str!("../templates/validate.py");
const CONFIG_MARKER: &str = "CONFIG = {}  # @@CONFIG@@ (replaced by the exporter)\n";

/// A Python literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<Py>),
    Dict(Vec<(&'static str, Py)>),
}

impl Py {
    fn s(v: &str) -> Py {
        Py::Str(v.to_string())
    }

    fn write(&self, out: &mut String, indent: usize) {
        let pad = "    ".repeat(indent + 1);
        let end_pad = "    ".repeat(indent);
        match self {
            Py::Str(s) => out.push_str(&python_str(s)),
            Py::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Py::Float(f) if f.is_finite() => out.push_str(&py_float(*f)),
            Py::Float(_) | Py::None => out.push_str("None"),
            Py::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Py::List(items) if items.iter().all(Py::is_scalar) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, indent);
                }
                out.push(']');
            }
            Py::List(items) => {
                out.push_str("[\n");
                for item in items {
                    out.push_str(&pad);
                    item.write(out, indent + 1);
                    out.push_str(",\n");
                }
                out.push_str(&end_pad);
                out.push(']');
            }
            Py::Dict(items) => {
                out.push_str("{\n");
                for (k, v) in items {
                    let _ = write!(out, "{pad}{}: ", python_str(k));
                    v.write(out, indent + 1);
                    out.push_str(",\n");
                }
                out.push_str(&end_pad);
                out.push('}');
            }
        }
    }

    fn is_scalar(&self) -> bool {
        !matches!(self, Py::List(_) | Py::Dict(_))
    }
}

fn opt_u64(v: Option<u64>) -> Py {
    v.map_or(Py::None, |x| Py::Int(i128::from(x)))
}

fn usize_py(v: usize) -> Py {
    Py::Int(v as i128)
}

/// The SEARCH_BUFFER_CAPACITY measured at the chosen point, if it set one (the exporter has
/// checked it is not below the window).
pub fn search_buffer_capacity(r: &Resolved<'_>) -> Option<usize> {
    r.svs_point
        .runtime
        .get("search_buffer_capacity")
        .and_then(crate::choose::runtime_usize)
}

/// The codec the measured index really ran (GlobalSQ8 for a compressed generic-target run),
/// which is what the plan's memory and recall figures follow.
pub fn measured_compression<'a>(r: &'a Resolved<'a>) -> &'a str {
    r.svs_run
        .effective
        .as_ref()
        .and_then(|e| e.compression.as_deref())
        .unwrap_or_else(|| match (r.svs.compression, r.target) {
            (None, _) => "NO_COMPRESSION",
            (Some(_), annlab_core::svs::Target::Generic) => "GlobalSQ8",
            (Some(c), annlab_core::svs::Target::Intel) => c.redis_name(),
        })
}

/// The CONFIG dict migrate.py runs with.
pub fn config(r: &Resolved<'_>) -> Py {
    let p = &r.input.production;
    let strs = |v: &[String]| Py::List(v.iter().map(|s| Py::s(s)).collect());
    let reencode = r.reencode.as_ref().map_or(Py::None, |re| {
        Py::Dict(vec![
            ("from_type", Py::s(re.from.redis_name())),
            ("to_type", Py::s(re.to.redis_name())),
            (
                "prefixes",
                Py::List(
                    re.prefixes
                        .iter()
                        .map(|(o, n)| Py::List(vec![Py::s(o), Py::s(n)]))
                        .collect(),
                ),
            ),
            ("marker_key", Py::s(&re.marker_key)),
        ])
    });
    let other_fields = Py::List(
        r.other_fields
            .iter()
            .map(|f| {
                let kind = match f.kind {
                    crate::input::OtherFieldKind::Tag => "TAG",
                    crate::input::OtherFieldKind::Text => "TEXT",
                    crate::input::OtherFieldKind::Numeric => "NUMERIC",
                };
                Py::Dict(vec![("name", Py::s(&f.name)), ("type", Py::s(kind))])
            })
            .collect(),
    );
    let svs = &r.svs;
    let expected_new = Py::Dict(vec![
        ("algorithm", Py::s("SVS-VAMANA")),
        ("data_type", Py::s(svs.element_type.redis_name())),
        ("dim", usize_py(r.dim)),
        ("distance_metric", Py::s(r.metric.redis_name())),
        ("graph_max_degree", usize_py(svs.graph_max_degree)),
        (
            "construction_window_size",
            usize_py(svs.construction_window_size),
        ),
        (
            "compression",
            Py::s(svs.compression.map_or("NO_COMPRESSION", |c| c.redis_name())),
        ),
        (
            "training_threshold",
            svs.training_threshold.map_or(Py::None, usize_py),
        ),
    ]);
    let expected_old = Py::Dict(vec![
        ("algorithm", Py::s("HNSW")),
        ("data_type", Py::s(p.vector_type.redis_name())),
        ("dim", usize_py(r.dim)),
        ("distance_metric", Py::s(r.metric.redis_name())),
        ("m", usize_py(p.current_hnsw.m)),
        ("ef_construction", usize_py(p.current_hnsw.ef_construction)),
        ("ef_runtime", usize_py(p.current_hnsw.ef_runtime)),
    ]);
    Py::Dict(vec![
        ("bundle_format", Py::Int(1)),
        ("old_index", Py::s(&r.old_index)),
        ("new_index", Py::s(&r.new_index)),
        ("alias", Py::s(&r.alias)),
        ("key_type", Py::s(r.key_type.redis_name())),
        ("old_prefixes", strs(&r.old_prefixes)),
        ("new_prefixes", strs(&r.new_prefixes)),
        ("reencode", reencode),
        ("vector_field", Py::s(&r.vector_field)),
        (
            "vector_path",
            r.vector_path.as_deref().map_or(Py::None, Py::s),
        ),
        ("other_fields", other_fields),
        ("dim", usize_py(r.dim)),
        ("old_type", Py::s(p.vector_type.redis_name())),
        ("new_type", Py::s(svs.element_type.redis_name())),
        ("expected_old", expected_old),
        ("expected_new", expected_new),
        ("intel_build", Py::Bool(p.intel_build)),
        ("create_args", strs(&r.create_tokens)),
        ("hnsw_ef_runtime", usize_py(p.current_hnsw.ef_runtime)),
        ("search_window_size", usize_py(svs.search_window_size)),
        (
            "search_buffer_capacity",
            search_buffer_capacity(r).map_or(Py::None, usize_py),
        ),
        ("measured_compression", Py::s(measured_compression(r))),
        ("k", usize_py(r.dataset.k.max(1))),
        ("validation_queries", usize_py(p.validation_queries)),
        ("recall_threshold", Py::Float(p.recall_threshold)),
        (
            "measured_recall_vs_hnsw",
            r.svs_point.recall_vs_hnsw.map_or(Py::None, Py::Float),
        ),
        (
            "svs_index_bytes_per_vector",
            Py::Float(r.memory.svs.redis_per_vector),
        ),
        (
            "hnsw_index_bytes_per_vector",
            Py::Float(r.memory.hnsw.redis_per_vector),
        ),
        (
            "new_blob_bytes_per_vector",
            opt_u64(r.memory.new_blob_per_vector),
        ),
        (
            "planned_document_count",
            Py::Int(i128::from(p.document_count)),
        ),
        (
            "maxmemory_bytes",
            opt_u64(p.maxmemory_bytes.filter(|&m| m > 0)),
        ),
        ("memory_headroom_factor", Py::Float(1.2)),
        ("min_search_module_version", Py::Int(80200)),
        ("seed", Py::Int(i128::from(svs.seed))),
        (
            "cluster",
            r.cluster.map_or(Py::None, |c| {
                Py::Dict(vec![
                    ("shards", Py::Int(i128::from(c.shards))),
                    ("shard_k_ratio", c.shard_k_ratio.map_or(Py::None, Py::Float)),
                    ("docs_per_shard", Py::Int(i128::from(c.docs_per_shard))),
                    (
                        "per_shard_peak_bytes",
                        Py::Int(i128::from(c.peak_per_shard.total())),
                    ),
                ])
            }),
        ),
    ])
}

/// The CONFIG assignment as Python source.
pub fn config_source(r: &Resolved<'_>) -> String {
    let mut out = String::from("CONFIG = ");
    config(r).write(&mut out, 0);
    out.push('\n');
    out
}

pub fn migrate_py(r: &Resolved<'_>) -> String {
    MIGRATE_TEMPLATE.replacen(CONFIG_MARKER, &config_source(r), 1)
}

pub fn validate_py() -> String {
    VALIDATE_TEMPLATE.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_has_one_config_marker() {
        assert_eq!(MIGRATE_TEMPLATE.matches(CONFIG_MARKER).count(), 1);
    }

    #[test]
    fn literal_escapes_every_string() {
        let v = Py::Dict(vec![(
            "name",
            Py::List(vec![Py::s("\"); import os #"), Py::Bool(true), Py::None]),
        )]);
        let mut out = String::new();
        v.write(&mut out, 0);
        assert_eq!(
            out,
            "{\n    \"name\": [\"\\\"); import os #\", True, None],\n}"
        );
    }
}
