//! A small parser for the Python literal dict in a `.npy` header, e.g.
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (8575, 384), }`.
//!
//! It accepts strings (single or double quotes, backslash escapes kept verbatim), `True`,
//! `False`, `None`, non-negative integers (with the Python 2 `L` suffix), tuples, lists and dicts,
//! with trailing commas, nested at most [`MAX_DEPTH`] levels (so hostile headers cannot exhaust
//! the stack). Byte offsets in errors are relative to the start of the file.

use crate::error::FormatError;

const MAX_DEPTH: usize = 16;

/// A parsed Python literal.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyValue {
    Str(Vec<u8>),
    Bool(bool),
    None,
    Int(u64),
    Tuple(Vec<PyValue>),
    List(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
}

impl PyValue {
    /// Short description of the value's type for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Str(_) => "a string",
            Self::Bool(_) => "a boolean",
            Self::None => "None",
            Self::Int(_) => "an integer",
            Self::Tuple(_) => "a tuple",
            Self::List(_) => "a list",
            Self::Dict(_) => "a dict",
        }
    }
}

/// Parses `text` (the header bytes, which start at `base_offset` in the file) as one literal
/// followed only by whitespace.
pub(crate) fn parse(text: &[u8], base_offset: u64) -> Result<PyValue, FormatError> {
    let mut parser = Parser {
        text,
        pos: 0,
        base_offset,
    };
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.pos < text.len() {
        return Err(parser.error("the end of the header"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
    base_offset: u64,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn error(&self, expected: &'static str) -> FormatError {
        let rest = self.text.get(self.pos..).unwrap_or(&[]);
        let snippet = &rest[..rest.len().min(20)];
        let found = if snippet.is_empty() {
            "end of header".to_owned()
        } else {
            String::from_utf8_lossy(snippet).into_owned()
        };
        FormatError::HeaderSyntax {
            byte_offset: self.base_offset + self.pos as u64,
            expected,
            found,
        }
    }

    fn value(&mut self, depth: usize) -> Result<PyValue, FormatError> {
        if depth > MAX_DEPTH {
            return Err(self.error("less deeply nested values"));
        }
        self.skip_ws();
        match self.peek() {
            Some(b'\'' | b'"') => self.string(),
            Some(b'0'..=b'9') => self.int(),
            Some(b'(') => self.sequence(b')', depth).map(PyValue::Tuple),
            Some(b'[') => self.sequence(b']', depth).map(PyValue::List),
            Some(b'{') => self.dict(depth),
            Some(b'A'..=b'Z' | b'a'..=b'z') => self.word(),
            _ => Err(self.error("a value")),
        }
    }

    fn string(&mut self) -> Result<PyValue, FormatError> {
        let quote = self.peek().unwrap_or(b'\'');
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\n') => return Err(self.error("a closing quote")),
                Some(b) if b == quote => {
                    self.pos += 1;
                    return Ok(PyValue::Str(out));
                }
                Some(b'\\') => {
                    // Keep escapes verbatim: dtype strings never need them decoded.
                    out.push(b'\\');
                    self.pos += 1;
                    if let Some(next) = self.peek() {
                        out.push(next);
                        self.pos += 1;
                    }
                }
                Some(b) => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn int(&mut self) -> Result<PyValue, FormatError> {
        let mut value: u64 = 0;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| self.error("an integer below 2^64"))?;
            self.pos += 1;
        }
        if matches!(self.peek(), Some(b'L' | b'l')) {
            self.pos += 1;
        }
        Ok(PyValue::Int(value))
    }

    fn word(&mut self) -> Result<PyValue, FormatError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        match self.text.get(start..self.pos) {
            Some(b"True") => Ok(PyValue::Bool(true)),
            Some(b"False") => Ok(PyValue::Bool(false)),
            Some(b"None") => Ok(PyValue::None),
            _ => {
                self.pos = start;
                Err(self.error("True, False, None, a number, a string or a bracket"))
            }
        }
    }

    /// Comma-separated values up to `close`; a trailing comma is allowed.
    fn sequence(&mut self, close: u8, depth: usize) -> Result<Vec<PyValue>, FormatError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b) if b == close => {}
                _ => return Err(self.error("a comma or a closing bracket")),
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Result<PyValue, FormatError> {
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(PyValue::Dict(entries));
            }
            let key = self.value(depth + 1)?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("a colon after the key"));
            }
            self.pos += 1;
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.error("a comma or '}'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_header() {
        let text = b"{'descr': '<f4', 'fortran_order': False, 'shape': (8575, 384), }   \n";
        let PyValue::Dict(entries) = parse(text, 10).unwrap() else {
            panic!("not a dict")
        };
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].1, PyValue::Str(b"<f4".to_vec()));
        assert_eq!(entries[1].1, PyValue::Bool(false));
        assert_eq!(
            entries[2].1,
            PyValue::Tuple(vec![PyValue::Int(8575), PyValue::Int(384)])
        );
    }

    #[test]
    fn one_element_tuple_and_long_suffix() {
        let v = parse(b"(10L,)", 0).unwrap();
        assert_eq!(v, PyValue::Tuple(vec![PyValue::Int(10)]));
    }

    #[test]
    fn rejects_deep_nesting_and_garbage() {
        let deep = "(".repeat(100);
        assert!(matches!(
            parse(deep.as_bytes(), 0),
            Err(FormatError::HeaderSyntax { .. })
        ));
        assert!(matches!(
            parse(b"{'a': 1} x", 10),
            Err(FormatError::HeaderSyntax {
                byte_offset: 19,
                ..
            })
        ));
        assert!(parse(b"{'a': 99999999999999999999}", 0).is_err());
    }
}
