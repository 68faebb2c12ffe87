//! Checks on user-provided names, before any of them reaches a command.
//!
//! Redis keys, index names and aliases are binary-safe, so the server itself refuses very
//! little: an empty name has no meaning, and FT.ALIASADD refuses an alias that is already an
//! alias. annlab is stricter where a name could not be used safely: control characters
//! (they cannot be typed in redis-cli, and RediSearch query syntax has no escape for them in
//! a field name), and leading or trailing whitespace (almost always a copy-paste slip).
//! Everything else is allowed and quoted by [`crate::quote`].

use crate::error::ExportError;

/// Checks one name; `what` names it in the message (`index name`, `alias`, …).
pub fn check_name(what: &'static str, name: &str) -> Result<(), ExportError> {
    let fail = |reason| {
        Err(ExportError::InvalidName {
            what,
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return fail("it is empty");
    }
    if name.chars().any(|c| c.is_control()) {
        return fail("it contains a control character (newline, tab, NUL, …)");
    }
    if name.trim() != name {
        return fail("it starts or ends with whitespace");
    }
    if name.len() > 1024 {
        return fail("it is longer than 1024 bytes");
    }
    Ok(())
}

/// A JSON path for a field of a JSON document.
pub fn check_json_path(what: &'static str, path: &str) -> Result<(), ExportError> {
    check_name(what, path)?;
    if !path.starts_with('$') {
        return Err(ExportError::InvalidName {
            what,
            name: path.to_string(),
            reason: "a JSON path must start with `$`",
        });
    }
    Ok(())
}

/// True when one prefix would match keys of the other (an index on `a` indexes `b…` keys).
pub fn prefixes_overlap(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_control_and_padded_names() {
        assert!(check_name("index name", "").is_err());
        assert!(check_name("index name", "a\nFLUSHALL").is_err());
        assert!(check_name("index name", "a\0").is_err());
        assert!(check_name("index name", " idx").is_err());
        assert!(check_name("index name", "idx ").is_err());
        assert!(check_name("index name", "my idx\"; FLUSHALL").is_ok());
        assert!(check_name("index name", "__import__('os')").is_ok());
        assert!(check_json_path("vector path", "embedding").is_err());
        assert!(check_json_path("vector path", "$.embedding").is_ok());
    }

    #[test]
    fn overlap_is_symmetric() {
        assert!(prefixes_overlap("doc", "doc_svs"));
        assert!(prefixes_overlap("doc_svs", "doc"));
        assert!(!prefixes_overlap("doc:", "svs:doc:"));
    }
}
