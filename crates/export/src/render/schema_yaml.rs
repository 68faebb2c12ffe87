//! schema.yaml: the RedisVL `IndexSchema` of the new index. Every SVS attribute is written,
//! so RedisVL's own defaults (degree 40, window 250, search window 20) never apply, and the
//! compression keeps its exact enum case (RedisVL rejects lower case on load).

use std::fmt::Write;

use crate::input::OtherFieldKind;
use crate::model::Resolved;
use crate::quote::{py_float, yaml_str};

pub fn schema_yaml(r: &Resolved<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# RedisVL schema of the SVS-VAMANA index (annlab export). Load it with"
    );
    let _ = writeln!(
        s,
        "# IndexSchema.from_yaml(\"schema.yaml\"). Every SVS attribute is explicit: RedisVL's defaults"
    );
    let _ = writeln!(
        s,
        "# (graph_max_degree 40, construction_window_size 250, search_window_size 20) differ from"
    );
    let _ = writeln!(s, "# Redis's (32, 200, 10).");
    let _ = writeln!(s, "version: \"0.1.0\"");
    let _ = writeln!(s, "index:");
    let _ = writeln!(s, "  name: {}", yaml_str(&r.new_index));
    let _ = writeln!(s, "  prefix:");
    for p in &r.new_prefixes {
        let _ = writeln!(s, "    - {}", yaml_str(p));
    }
    let _ = writeln!(s, "  key_separator: \":\"");
    let _ = writeln!(s, "  storage_type: {}", r.key_type.lower_name());
    let _ = writeln!(s, "fields:");
    for f in &r.other_fields {
        let _ = writeln!(s, "  - name: {}", yaml_str(&f.name));
        let kind = match f.kind {
            OtherFieldKind::Tag => "tag",
            OtherFieldKind::Text => "text",
            OtherFieldKind::Numeric => "numeric",
        };
        let _ = writeln!(s, "    type: {kind}");
        if let Some(path) = &f.path {
            let _ = writeln!(s, "    path: {}", yaml_str(path));
        }
    }
    let _ = writeln!(s, "  - name: {}", yaml_str(&r.vector_field));
    let _ = writeln!(s, "    type: vector");
    if let Some(path) = &r.vector_path {
        let _ = writeln!(s, "    path: {}", yaml_str(path));
    }
    let v = &r.svs;
    let _ = writeln!(s, "    attrs:");
    let _ = writeln!(s, "      algorithm: svs-vamana");
    let _ = writeln!(s, "      dims: {}", r.dim);
    let _ = writeln!(s, "      distance_metric: {}", r.metric.lower_name());
    let _ = writeln!(s, "      datatype: {}", v.element_type.lower_name());
    let _ = writeln!(s, "      graph_max_degree: {}", v.graph_max_degree);
    let _ = writeln!(
        s,
        "      construction_window_size: {}",
        v.construction_window_size
    );
    let _ = writeln!(s, "      search_window_size: {}", v.search_window_size);
    let _ = writeln!(s, "      epsilon: {}", py_float(v.epsilon));
    if let Some(c) = v.compression {
        let _ = writeln!(s, "      compression: {}", c.redis_name());
    }
    if let Some(red) = v.reduce {
        let _ = writeln!(s, "      reduce: {red}");
    }
    if let Some(t) = v.training_threshold {
        let _ = writeln!(s, "      training_threshold: {t}");
    }
    s
}
