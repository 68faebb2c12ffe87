//! A server reply as plain data, so the FT.INFO / INFO / MODULE LIST parsers are unit-tested
//! without a server. RESP2 gives flat arrays of alternating names and values; RESP3 gives maps.

/// One RESP2 or RESP3 value.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Nil,
    Int(i64),
    Double(f64),
    Bool(bool),
    /// Bulk, simple and verbatim strings (binary-safe).
    Str(Vec<u8>),
    /// Arrays, sets and pushes.
    Array(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
}

impl Reply {
    /// A string reply (test fixtures).
    pub fn s(text: &str) -> Reply {
        Reply::Str(text.as_bytes().to_vec())
    }

    /// The value as text: strings (lossy UTF-8) and numbers.
    pub fn text(&self) -> Option<String> {
        match self {
            Reply::Str(b) => Some(String::from_utf8_lossy(b).into_owned()),
            Reply::Int(i) => Some(i.to_string()),
            Reply::Double(d) => Some(d.to_string()),
            Reply::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Reply::Int(i) => Some(*i as f64),
            Reply::Double(d) => Some(*d),
            Reply::Str(_) => self.text()?.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Reply::Int(i) => u64::try_from(*i).ok(),
            Reply::Str(_) => {
                let t = self.text()?;
                let t = t.trim();
                // Counts sometimes come as "3" and sometimes as "3.0" depending on the version.
                t.parse::<u64>().ok().or_else(|| {
                    let f: f64 = t.parse().ok()?;
                    (f >= 0.0 && f.fract() == 0.0).then_some(f as u64)
                })
            }
            Reply::Double(d) if *d >= 0.0 && d.fract() == 0.0 => Some(*d as u64),
            _ => None,
        }
    }

    /// Elements of an array (or an empty slice for an empty map, which RESP3 uses for `{}`).
    pub fn items(&self) -> Option<&[Reply]> {
        match self {
            Reply::Array(v) => Some(v),
            Reply::Map(m) if m.is_empty() => Some(&[]),
            _ => None,
        }
    }

    /// Name/value pairs of a map, or of a flat array of even length whose names are strings.
    pub fn pairs(&self) -> Option<Vec<(String, &Reply)>> {
        match self {
            Reply::Map(m) => m.iter().map(|(k, v)| Some((k.text()?, v))).collect(),
            Reply::Array(v) if v.len() % 2 == 0 => v
                .chunks_exact(2)
                .map(|kv| match &kv[0] {
                    Reply::Str(_) => Some((kv[0].text()?, &kv[1])),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// The value of `name` (case-insensitive) among `pairs()`.
    pub fn get(&self, name: &str) -> Option<&Reply> {
        self.pairs()?
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl From<redis::Value> for Reply {
    fn from(v: redis::Value) -> Self {
        use redis::Value as V;
        match v {
            V::Nil => Reply::Nil,
            V::Int(i) => Reply::Int(i),
            V::BulkString(b) => Reply::Str(b),
            V::SimpleString(s) => Reply::Str(s.into_bytes()),
            V::Okay => Reply::s("OK"),
            V::VerbatimString { text, .. } => Reply::Str(text.into_bytes()),
            V::Double(d) => Reply::Double(d),
            V::Boolean(b) => Reply::Bool(b),
            V::BigNumber(n) => Reply::Str(n),
            V::Array(items) | V::Set(items) | V::Push { data: items, .. } => {
                Reply::Array(items.into_iter().map(Reply::from).collect())
            }
            V::Map(m) => Reply::Map(
                m.into_iter()
                    .map(|(k, v)| (Reply::from(k), Reply::from(v)))
                    .collect(),
            ),
            V::Attribute { data, .. } => Reply::from(*data),
            V::ServerError(e) => Reply::Str(format!("{e:?}").into_bytes()),
            // Future variants: kept as text so nothing panics.
            other => Reply::Str(format!("{other:?}").into_bytes()),
        }
    }
}

/// `key:value` lines of an INFO reply (`# Section` headers and blanks skipped).
pub fn info_fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_read_flat_arrays_and_maps_alike() {
        let flat = Reply::Array(vec![
            Reply::s("a"),
            Reply::Int(1),
            Reply::s("b"),
            Reply::s("x"),
        ]);
        let map = Reply::Map(vec![
            (Reply::s("a"), Reply::Int(1)),
            (Reply::s("b"), Reply::s("x")),
        ]);
        for r in [&flat, &map] {
            assert_eq!(r.get("A").and_then(Reply::as_u64), Some(1));
            assert_eq!(r.get("b").and_then(Reply::text).as_deref(), Some("x"));
        }
        assert!(Reply::Array(vec![Reply::s("odd")]).pairs().is_none());
    }

    #[test]
    fn numbers_come_from_ints_doubles_and_strings() {
        assert_eq!(Reply::s("3").as_u64(), Some(3));
        assert_eq!(Reply::s("3.0").as_u64(), Some(3));
        assert_eq!(Reply::Double(0.5).as_f64(), Some(0.5));
        assert_eq!(Reply::s("1.79e-4").as_f64(), Some(1.79e-4));
        assert_eq!(Reply::s("-1").as_u64(), None);
    }

    #[test]
    fn info_lines_become_fields() {
        let f = info_fields("# Server\r\nredis_version:7.4.1\r\n\r\nmaxmemory:0\r\n");
        assert_eq!(
            f,
            vec![
                ("redis_version".to_string(), "7.4.1".to_string()),
                ("maxmemory".to_string(), "0".to_string())
            ]
        );
    }
}
