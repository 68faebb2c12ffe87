//! Escaping for every language a user-provided name ends up in. Each function returns a
//! complete literal, so a name can never close the literal it sits in.

use std::fmt::Write;

/// A redis-cli double-quoted argument (`sdssplitargs` rules): `\"`, `\\`, and `\xHH` for
/// control bytes. Other UTF-8 bytes are taken literally by redis-cli.
pub fn redis_cli(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A token for a redis-cli line: keywords and numbers stay bare, anything else is quoted.
pub fn redis_cli_token(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if bare {
        s.to_string()
    } else {
        redis_cli(s)
    }
}

/// A Python string literal that only contains printable ASCII: everything else is escaped.
pub fn python_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// A YAML double-quoted scalar. JSON string syntax is a subset of YAML's double-quoted
/// style, and PyYAML reads the `\uXXXX` escapes serde_json writes for control characters.
pub fn yaml_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A field reference in a RediSearch query: `@` + the name with every ASCII character that
/// is not a letter, digit or `_` escaped by a backslash.
pub fn query_field(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    out.push('@');
    for c in name.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() && c != '_' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Inline code in Markdown: a backtick fence longer than any backtick run in the text.
pub fn md_code(s: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A float the way Python's `repr` prints it (what redis-py sends for a float argument), so
/// our tokens compare equal to RedisVL's.
pub fn py_float(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Python switches to exponent form: 1e-05, 1.5e+16.
        let s = format!("{x:e}");
        if let Some((mantissa, exp)) = s.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
        return s;
    }
    let s = format!("{x}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_cli_quotes_hostile_text() {
        assert_eq!(redis_cli(r#"a"; FLUSHALL"#), r#""a\"; FLUSHALL""#);
        assert_eq!(redis_cli("a\\b\nc\u{1}"), r#""a\\b\nc\x01""#);
        assert_eq!(redis_cli_token("FLOAT32"), "FLOAT32");
        assert_eq!(redis_cli_token("*"), "\"*\"");
        assert_eq!(redis_cli_token(""), "\"\"");
    }

    #[test]
    fn python_literal_is_printable_ascii() {
        let s = python_str("__import__('os')\"\\\u{e9}\u{1F600}\n");
        assert_eq!(s, r#""__import__('os')\"\\\xe9\U0001f600\x0a""#);
        assert!(s.chars().all(|c| (' '..='~').contains(&c)));
    }

    #[test]
    fn yaml_and_query_escapes() {
        assert_eq!(yaml_str("a\"b\n"), r#""a\"b\n""#);
        assert_eq!(query_field("my-field.x"), r"@my\-field\.x");
        assert_eq!(query_field("emb_1"), "@emb_1");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x"), "`` `x ``");
    }

    #[test]
    fn floats_print_like_python_repr() {
        for (x, want) in [
            (0.01, "0.01"),
            (1.0, "1.0"),
            (0.5, "0.5"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.0, "0.0"),
            (2.5e16, "2.5e+16"),
        ] {
            assert_eq!(py_float(x), want, "x = {x}");
        }
    }
}
