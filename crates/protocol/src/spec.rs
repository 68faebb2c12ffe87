//! Index spec strings: `key=value` pairs separated by commas, Redis attribute names in lower
//! snake case, runtime sweeps separated by `/`.
//!
//! ```text
//! m=16,ef_construction=200,ef_runtime=10/20/50/100,type=float32
//! graph_max_degree=32,construction_window_size=200,search_window_size=10/50/100,compression=LVQ4x8
//! ```

/// One `key=value[/value...]` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecEntry {
    /// Lower-cased attribute name.
    pub key: String,
    /// One value, or several for a sweep.
    pub values: Vec<String>,
}

/// A malformed spec string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("spec entry {position} `{entry}` is not key=value")]
    NotKeyValue { position: usize, entry: String },
    #[error("attribute `{key}` is given twice")]
    Duplicate { key: String },
    #[error("attribute `{key}` has an empty value")]
    EmptyValue { key: String },
    #[error("unknown attribute `{key}` for {algorithm} (known: {known})")]
    UnknownKey {
        key: String,
        algorithm: &'static str,
        known: String,
    },
    #[error("attribute `{key}` takes one value, not a sweep")]
    NotSweepable { key: String },
    #[error("attribute `{key}`: `{value}` is not a valid {expected}")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
    /// The Redis server would reject the attribute; `message` is the server's error text.
    #[error("{message}")]
    Rejected { key: String, message: String },
    /// A `/` list on build parameters expands to more builds than a grid may hold.
    #[error("the grid has {builds} builds, more than the {max} allowed")]
    GridTooLarge { builds: usize, max: usize },
}

/// Splits a spec into entries. Keys are lower-cased; an empty spec gives no entries.
pub fn parse_entries(spec: &str) -> Result<Vec<SpecEntry>, SpecError> {
    let mut out: Vec<SpecEntry> = Vec::new();
    for (position, raw) in spec.split(',').enumerate() {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let (key, value) = raw.split_once('=').ok_or_else(|| SpecError::NotKeyValue {
            position: position + 1,
            entry: raw.to_string(),
        })?;
        let key = key.trim().to_ascii_lowercase();
        if out.iter().any(|e| e.key == key) {
            return Err(SpecError::Duplicate { key });
        }
        let values: Vec<String> = value.split('/').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(SpecError::EmptyValue { key });
        }
        out.push(SpecEntry { key, values });
    }
    Ok(out)
}

impl SpecEntry {
    /// The single value of a non-sweep attribute.
    pub fn single(&self) -> Result<&str, SpecError> {
        match self.values.as_slice() {
            [one] => Ok(one),
            _ => Err(SpecError::NotSweepable {
                key: self.key.clone(),
            }),
        }
    }

    /// Parses every value as a positive integer.
    pub fn usizes(&self) -> Result<Vec<usize>, SpecError> {
        self.values
            .iter()
            .map(|v| {
                v.parse::<usize>().map_err(|_| SpecError::BadValue {
                    key: self.key.clone(),
                    value: v.clone(),
                    expected: "non-negative integer",
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sweeps_and_rejects_duplicates() {
        let e = parse_entries("M=16, ef_runtime=10/20/50").unwrap();
        assert_eq!(e[0].key, "m");
        assert_eq!(e[1].usizes().unwrap(), vec![10, 20, 50]);
        assert!(matches!(
            parse_entries("m=1,m=2"),
            Err(SpecError::Duplicate { .. })
        ));
        assert!(matches!(
            parse_entries("m"),
            Err(SpecError::NotKeyValue { .. })
        ));
        assert!(matches!(
            parse_entries("m=1//2"),
            Err(SpecError::EmptyValue { .. })
        ));
    }
}
