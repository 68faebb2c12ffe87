//! The vector sample: SCAN over the index prefixes (TYPE-filtered, COUNT batches), then HMGET
//! (HASH) or JSON.GET (JSON) in pipelines. Blob decoding is platform-free and unit-tested.
//!
//! SCAN visits keys in hash-table order, so the first N keys are an arbitrary (not a seeded
//! random) subset; with fewer than N documents the sample is all of them.

use std::collections::HashSet;

use annlab_core::ElementType;
use anyhow::{anyhow, Result};
use serde::Serialize;
use serde_json::{Map, Value};

use super::reply::Reply;
use super::server::Server;

/// Why a document's vector was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// No such HASH field / the JSON path matched nothing.
    Missing,
    /// A HASH blob whose length is not DIM × sizeof(TYPE), or a JSON array of another length.
    WrongLength(usize),
    /// A NaN or infinite component, or a JSON value that is not an array of numbers.
    NotNumeric,
}

/// Decodes a little-endian blob of `dim` components of `element`.
pub fn decode_blob(blob: &[u8], element: ElementType, dim: usize) -> Result<Vec<f32>, Invalid> {
    let size = element.size_bytes();
    if blob.len() != dim * size {
        return Err(Invalid::WrongLength(blob.len()));
    }
    let out: Vec<f32> = match element {
        ElementType::Float32 => blob
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        ElementType::Float16 => blob
            .chunks_exact(2)
            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        ElementType::Bfloat16 => blob
            .chunks_exact(2)
            .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
    };
    if out.iter().any(|v| !v.is_finite()) {
        return Err(Invalid::NotNumeric);
    }
    Ok(out)
}

/// Encodes a vector as the index TYPE expects in a query blob.
pub fn encode_blob(v: &[f32], element: ElementType) -> Vec<u8> {
    match element {
        ElementType::Float32 => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ElementType::Float16 => v
            .iter()
            .flat_map(|x| half::f16::from_f32(*x).to_le_bytes())
            .collect(),
        ElementType::Bfloat16 => v
            .iter()
            .flat_map(|x| half::bf16::from_f32(*x).to_le_bytes())
            .collect(),
    }
}

/// A JSON.GET `$`-path result (an array of matches) holding one numeric array.
pub fn decode_json_vector(matches: &Value, dim: usize) -> Result<Vec<f32>, Invalid> {
    let first = match matches {
        Value::Array(m) => m.first().ok_or(Invalid::Missing)?,
        _ => return Err(Invalid::NotNumeric),
    };
    let Value::Array(items) = first else {
        return Err(Invalid::NotNumeric);
    };
    if items.len() != dim {
        return Err(Invalid::WrongLength(items.len()));
    }
    items
        .iter()
        .map(|x| {
            x.as_f64()
                .map(|f| f as f32)
                .filter(|f| f.is_finite())
                .ok_or(Invalid::NotNumeric)
        })
        .collect()
}

/// Escapes glob characters so a prefix matches literally in SCAN MATCH.
pub fn glob_prefix(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('*');
    out
}

/// Where and what to read.
pub struct SampleSpec<'a> {
    pub json: bool,
    pub prefixes: &'a [String],
    /// HASH field or JSON path of the vector.
    pub vector: &'a str,
    pub element: ElementType,
    pub dim: usize,
    /// `(name in meta.json, HASH field or JSON path)`.
    pub meta: &'a [(String, String)],
    pub limit: usize,
    /// SCAN COUNT and pipeline size.
    pub batch: usize,
}

/// Counts of unusable documents, with the first few keys of each kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InvalidCounts {
    pub missing_vector: usize,
    pub wrong_length: usize,
    pub not_numeric: usize,
    /// `key: reason` for the first few.
    pub examples: Vec<String>,
}

impl InvalidCounts {
    pub fn total(&self) -> usize {
        self.missing_vector + self.wrong_length + self.not_numeric
    }
}

pub struct Sample {
    pub keys: Vec<String>,
    /// Row-major, `keys.len() × dim`.
    pub vectors: Vec<f32>,
    /// The chosen metadata fields of every row (fields a document lacks are left out).
    pub metadata: Vec<Map<String, Value>>,
    /// Keys read (usable + invalid).
    pub read: usize,
    pub invalid: InvalidCounts,
}

const EXAMPLES: usize = 5;

/// Keys under the prefixes, at most `limit`, deduplicated (prefixes may overlap).
/// One SCAN page of keys under a literal `prefix` (of `type_name`, if given): the next cursor
/// and the keys found.
pub fn scan_page(
    server: &mut Server,
    cursor: &str,
    prefix: &str,
    count: usize,
    type_name: Option<&str>,
) -> Result<(String, Vec<String>)> {
    let mut cmd = redis::cmd("SCAN");
    cmd.arg(cursor)
        .arg("MATCH")
        .arg(glob_prefix(prefix))
        .arg("COUNT")
        .arg(count);
    if let Some(t) = type_name {
        cmd.arg("TYPE").arg(t);
    }
    let reply = server.call(&cmd, "SCAN")?;
    let parts = reply.items().unwrap_or(&[]);
    let (Some(next), Some(batch)) = (parts.first().and_then(Reply::text), parts.get(1)) else {
        return Err(anyhow!("SCAN: unexpected reply {reply:?}"));
    };
    let keys = batch.items().unwrap_or(&[]).iter().filter_map(Reply::text);
    Ok((next, keys.collect()))
}

fn scan_keys(server: &mut Server, spec: &SampleSpec<'_>) -> Result<Vec<String>> {
    let type_name = if spec.json { "ReJSON-RL" } else { "hash" };
    let mut seen = HashSet::new();
    let mut keys = Vec::new();
    let all = [String::new()];
    let prefixes = if spec.prefixes.is_empty() {
        &all[..]
    } else {
        spec.prefixes
    };
    for prefix in prefixes {
        let mut cursor = "0".to_string();
        loop {
            let (next, batch) = scan_page(server, &cursor, prefix, spec.batch, Some(type_name))?;
            for k in batch {
                if keys.len() < spec.limit && seen.insert(k.clone()) {
                    keys.push(k);
                }
            }
            cursor = next;
            if cursor == "0" || keys.len() >= spec.limit {
                break;
            }
        }
        if keys.len() >= spec.limit {
            break;
        }
    }
    Ok(keys)
}

fn note(invalid: &mut InvalidCounts, key: &str, why: Invalid, spec: &SampleSpec<'_>) {
    let reason = match why {
        Invalid::Missing => {
            invalid.missing_vector += 1;
            format!("no `{}`", spec.vector)
        }
        Invalid::WrongLength(n) => {
            invalid.wrong_length += 1;
            if spec.json {
                format!("{n} components, DIM is {}", spec.dim)
            } else {
                format!(
                    "{n} bytes, DIM x {} = {} bytes",
                    spec.element.redis_name(),
                    spec.dim * spec.element.size_bytes()
                )
            }
        }
        Invalid::NotNumeric => {
            invalid.not_numeric += 1;
            "not a finite numeric vector".to_string()
        }
    };
    if invalid.examples.len() < EXAMPLES {
        invalid.examples.push(format!("{key}: {reason}"));
    }
}

fn hash_meta(values: &[Reply], spec: &SampleSpec<'_>) -> Map<String, Value> {
    spec.meta
        .iter()
        .zip(values)
        .filter_map(|((name, _), v)| Some((name.clone(), Value::String(v.text()?))))
        .collect()
}

fn json_meta(doc: &Map<String, Value>, spec: &SampleSpec<'_>) -> Map<String, Value> {
    spec.meta
        .iter()
        .filter_map(|(name, path)| match doc.get(path) {
            Some(Value::Array(m)) => Some((name.clone(), m.first()?.clone())),
            _ => None,
        })
        .collect()
}

/// Reads the sample. Invalid documents are counted, never used.
pub fn read(server: &mut Server, spec: &SampleSpec<'_>) -> Result<Sample> {
    let keys = scan_keys(server, spec)?;
    let mut sample = Sample {
        keys: Vec::new(),
        vectors: Vec::new(),
        metadata: Vec::new(),
        read: keys.len(),
        invalid: InvalidCounts::default(),
    };
    for chunk in keys.chunks(spec.batch.max(1)) {
        let mut pipe = redis::pipe();
        for key in chunk {
            if spec.json {
                // With several paths JSON.GET answers an object keyed by path.
                let cmd = pipe.cmd("JSON.GET").arg(key).arg(spec.vector);
                for (_, path) in spec.meta {
                    cmd.arg(path);
                }
                cmd.arg("$.__annlab_unused__");
            } else {
                let cmd = pipe.cmd("HMGET").arg(key).arg(spec.vector);
                for (_, field) in spec.meta {
                    cmd.arg(field);
                }
            }
        }
        let what = if spec.json { "JSON.GET" } else { "HMGET" };
        let replies = server.pipeline(&pipe, what)?;
        for (key, reply) in chunk.iter().zip(replies) {
            let (vector, meta) = if spec.json {
                let text = reply.text().unwrap_or_default();
                let doc: Map<String, Value> = serde_json::from_str(&text).unwrap_or_default();
                let v = doc
                    .get(spec.vector)
                    .map_or(Err(Invalid::Missing), |m| decode_json_vector(m, spec.dim));
                (v, json_meta(&doc, spec))
            } else {
                let values = reply.items().unwrap_or(&[]);
                let v = match values.first() {
                    Some(Reply::Str(b)) => decode_blob(b, spec.element, spec.dim),
                    _ => Err(Invalid::Missing),
                };
                (v, hash_meta(values.get(1..).unwrap_or(&[]), spec))
            };
            match vector {
                Ok(v) => {
                    sample.keys.push(key.clone());
                    sample.vectors.extend_from_slice(&v);
                    sample.metadata.push(meta);
                }
                Err(why) => note(&mut sample.invalid, key, why, spec),
            }
        }
    }
    Ok(sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_decode_per_type_and_wrong_lengths_are_refused() {
        let v = [1.5f32, -2.0, 0.25];
        for t in [
            ElementType::Float32,
            ElementType::Float16,
            ElementType::Bfloat16,
        ] {
            let blob = encode_blob(&v, t);
            assert_eq!(blob.len(), 3 * t.size_bytes());
            assert_eq!(decode_blob(&blob, t, 3).unwrap(), v, "{t}");
            assert_eq!(
                decode_blob(&blob[1..], t, 3),
                Err(Invalid::WrongLength(blob.len() - 1))
            );
        }
        let nan = encode_blob(&[f32::NAN, 0.0, 0.0], ElementType::Float32);
        assert_eq!(
            decode_blob(&nan, ElementType::Float32, 3),
            Err(Invalid::NotNumeric)
        );
    }

    #[test]
    fn json_vectors_need_one_numeric_array_of_dim() {
        let ok: Value = serde_json::from_str("[[1, 2.5, -3]]").unwrap();
        assert_eq!(decode_json_vector(&ok, 3).unwrap(), [1.0, 2.5, -3.0]);
        let missing: Value = serde_json::from_str("[]").unwrap();
        assert_eq!(decode_json_vector(&missing, 3), Err(Invalid::Missing));
        assert_eq!(decode_json_vector(&ok, 4), Err(Invalid::WrongLength(3)));
        let text: Value = serde_json::from_str(r#"[["a", 1, 2]]"#).unwrap();
        assert_eq!(decode_json_vector(&text, 3), Err(Invalid::NotNumeric));
    }

    #[test]
    fn prefixes_match_literally() {
        assert_eq!(glob_prefix("doc:"), "doc:*");
        assert_eq!(glob_prefix("a*b?[c]"), "a\\*b\\?\\[c\\]*");
        assert_eq!(glob_prefix(""), "*");
    }
}
