//! FT.CREATE arguments in the order redis-py/RedisVL send them for the same schema, so
//! migrate.redis, migrate.py and `SearchIndex.create()` agree token for token.
//!
//! redis-py's `IndexDefinition` always sends `SCORE 1.0`; RedisVL's TEXT field sends
//! `WEIGHT 1` and its TAG field `SEPARATOR ,` (their defaults, which are also the server's).

use crate::input::OtherFieldKind;
use crate::model::Resolved;

/// `FT.CREATE <new index> ON HASH|JSON PREFIX n … SCORE 1.0 SCHEMA …`.
pub fn ft_create(r: &Resolved<'_>) -> Vec<String> {
    let mut t: Vec<String> = vec![
        "FT.CREATE".into(),
        r.new_index.clone(),
        "ON".into(),
        r.key_type.redis_name().into(),
        "PREFIX".into(),
        r.new_prefixes.len().to_string(),
    ];
    t.extend(r.new_prefixes.iter().cloned());
    t.extend(["SCORE".into(), "1.0".into(), "SCHEMA".into()]);
    for f in &r.other_fields {
        push_name(&mut t, &f.name, f.path.as_deref());
        match f.kind {
            OtherFieldKind::Text => t.extend(["TEXT".into(), "WEIGHT".into(), "1".into()]),
            OtherFieldKind::Tag => t.extend(["TAG".into(), "SEPARATOR".into(), ",".into()]),
            OtherFieldKind::Numeric => t.push("NUMERIC".into()),
        }
    }
    push_name(&mut t, &r.vector_field, r.vector_path.as_deref());
    let attrs = r.svs_attributes();
    t.extend([
        "VECTOR".into(),
        "SVS-VAMANA".into(),
        (2 * attrs.len()).to_string(),
    ]);
    for (k, v) in attrs {
        t.push(k.to_string());
        t.push(v);
    }
    t
}

fn push_name(t: &mut Vec<String>, name: &str, path: Option<&str>) {
    match path {
        Some(path) => t.extend([path.to_string(), "AS".into(), name.to_string()]),
        None => t.push(name.to_string()),
    }
}
