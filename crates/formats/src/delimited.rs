//! CSV and TSV vectors, and Embedding Projector metadata files.
//!
//! Rules for vectors:
//! * Fields may be quoted with `"` (a doubled `""` is a literal quote; quoted fields may hold
//!   the delimiter and newlines). Blank lines are skipped; `\r\n` line ends are accepted.
//! * The first row is a header when [`ParseOptions::header`] says so, or (auto) when any of its
//!   fields is not a number.
//! * With a header, the id column is the one named by [`ParseOptions::id_field`] or (auto) named
//!   `id`/`_id`/`key`; the text column likewise (`text`/`title`). The remaining columns are
//!   numeric (part of the vector) if their value in the first data row is a number, otherwise
//!   string metadata. Without a header every column is numeric.
//! * Every row must have as many fields as the first row.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::error::FormatError;
use crate::format::Format;
use crate::model::{ParseOptions, SourceInfo, VectorFile, ID_NAMES, TEXT_NAMES};

/// Splits delimited text into records of fields, borrowing unquoted fields from the input.
struct Records<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    delimiter: u8,
    skip_blank: bool,
}

impl<'a> Records<'a> {
    fn new(bytes: &'a [u8], delimiter: u8, skip_blank: bool) -> Self {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        Self {
            bytes,
            pos: 0,
            line: 1,
            delimiter,
            skip_blank,
        }
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    /// Reads the next record into `fields`; returns the 1-based line it started on.
    fn next_record(
        &mut self,
        fields: &mut Vec<Cow<'a, [u8]>>,
    ) -> Result<Option<usize>, FormatError> {
        fields.clear();
        loop {
            match self.at(0) {
                None => return Ok(None),
                Some(b'\n') if self.skip_blank => {
                    self.pos += 1;
                    self.line += 1;
                }
                Some(b'\r') if self.skip_blank && self.at(1) == Some(b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                _ => break,
            }
        }
        let start_line = self.line;
        loop {
            let field = if self.at(0) == Some(b'"') {
                self.quoted_field(start_line)?
            } else {
                self.plain_field()
            };
            fields.push(field);
            match self.at(0) {
                Some(b) if b == self.delimiter => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(Some(start_line));
                }
                _ => return Ok(Some(start_line)),
            }
        }
    }

    fn plain_field(&mut self) -> Cow<'a, [u8]> {
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        let len = rest
            .iter()
            .position(|&b| b == self.delimiter || b == b'\n')
            .unwrap_or(rest.len());
        self.pos += len;
        let field = rest.get(..len).unwrap_or(&[]);
        Cow::Borrowed(field.strip_suffix(b"\r").unwrap_or(field))
    }

    fn quoted_field(&mut self, start_line: usize) -> Result<Cow<'a, [u8]>, FormatError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.at(0) {
                None => return Err(FormatError::UnclosedQuote { line: start_line }),
                Some(b'"') if self.at(1) == Some(b'"') => {
                    out.push(b'"');
                    self.pos += 2;
                }
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b) => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
        // Text between the closing quote and the delimiter is kept (lenient, like spreadsheets).
        let tail = self.plain_field();
        out.extend_from_slice(&tail);
        Ok(Cow::Owned(out))
    }
}

fn parse_number(field: &[u8]) -> Option<f32> {
    std::str::from_utf8(field).ok()?.trim().parse().ok()
}

fn text_of(field: &[u8], line: usize) -> Result<String, FormatError> {
    std::str::from_utf8(field)
        .map(|s| s.trim().to_owned())
        .map_err(|_| FormatError::NotUtf8 { line })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Number,
    Id,
    Text,
    Meta,
}

/// Parses CSV (`format` = [`Format::Csv`]) or TSV ([`Format::Tsv`]) vectors.
pub fn parse_delimited_vectors(
    format: Format,
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<VectorFile, FormatError> {
    let delimiter = if format == Format::Tsv { b'\t' } else { b',' };
    options.check_bytes(bytes.len())?;
    let mut records = Records::new(bytes, delimiter, true);
    let mut fields = Vec::new();
    let Some(first_line) = records.next_record(&mut fields)? else {
        return Err(FormatError::Empty);
    };
    let has_header = options
        .header
        .unwrap_or_else(|| fields.iter().any(|f| parse_number(f).is_none()));

    let mut header = Vec::new();
    let mut pending_first = None;
    if has_header {
        for field in &fields {
            header.push(text_of(field, first_line)?);
        }
    } else {
        pending_first = Some(first_line);
    }
    let ncols = fields.len();
    let id_col = column(&header, options.id_field.as_deref(), &ID_NAMES)?;
    let text_col = column(&header, options.text_field.as_deref(), &TEXT_NAMES)?;

    let mut roles: Vec<Role> = Vec::new();
    let mut data = Vec::new();
    let (mut ids, mut texts, mut metadata) = (Vec::new(), Vec::new(), Vec::new());
    let mut rows = 0usize;
    loop {
        let line = match pending_first.take() {
            Some(line) => line,
            None => match records.next_record(&mut fields)? {
                Some(line) => line,
                None => break,
            },
        };
        if fields.len() != ncols {
            return Err(FormatError::RaggedRow {
                line,
                expected: ncols,
                found: fields.len(),
            });
        }
        if roles.is_empty() {
            roles = classify(&fields, id_col, text_col, has_header);
            if !roles.contains(&Role::Number) {
                return Err(FormatError::NoNumericColumns);
            }
        }
        let dim = roles.iter().filter(|r| **r == Role::Number).count();
        options.check_values(data.len() as u64 + dim as u64)?;
        let mut meta = Map::new();
        for (index, (field, role)) in fields.iter().zip(&roles).enumerate() {
            match role {
                Role::Number => match parse_number(field) {
                    Some(value) => data.push(value),
                    None => {
                        let text = String::from_utf8_lossy(field).chars().take(40).collect();
                        return Err(FormatError::NotANumber {
                            line,
                            column: index + 1,
                            text,
                        });
                    }
                },
                Role::Id => ids.push(text_of(field, line)?),
                Role::Text => texts.push(text_of(field, line)?),
                Role::Meta => {
                    let name = header.get(index).cloned().unwrap_or_default();
                    meta.insert(name, Value::String(text_of(field, line)?));
                }
            }
        }
        if roles.contains(&Role::Meta) {
            metadata.push(meta);
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(FormatError::ZeroRows);
    }
    let dim = roles.iter().filter(|r| **r == Role::Number).count();
    let mut file = VectorFile::plain(rows, dim, data, SourceInfo::new(format, "text"));
    if has_header {
        file.source.notes.push("first row is a header".to_owned());
    }
    file.ids = id_col.map(|_| ids);
    file.texts = text_col.map(|_| texts);
    file.metadata = (!metadata.is_empty()).then_some(metadata);
    Ok(file)
}

/// Finds the column `named` (exactly), or else the first header name matching one of `auto`
/// (ignoring case). `None` without a header.
fn column(
    header: &[String],
    named: Option<&str>,
    auto: &[&str],
) -> Result<Option<usize>, FormatError> {
    if let Some(name) = named {
        return header
            .iter()
            .position(|h| h == name)
            .map(Some)
            .ok_or_else(|| FormatError::NoSuchColumn {
                name: name.to_owned(),
                header: header.to_vec(),
            });
    }
    Ok(auto
        .iter()
        .find_map(|want| header.iter().position(|h| h.eq_ignore_ascii_case(want))))
}

fn classify(
    first_row: &[Cow<'_, [u8]>],
    id_col: Option<usize>,
    text_col: Option<usize>,
    has_header: bool,
) -> Vec<Role> {
    first_row
        .iter()
        .enumerate()
        .map(|(i, field)| {
            if Some(i) == id_col {
                Role::Id
            } else if Some(i) == text_col {
                Role::Text
            } else if !has_header || parse_number(field).is_some() || field.trim_ascii().is_empty()
            {
                // An empty first value stays numeric so it is reported, not turned into text.
                Role::Number
            } else {
                Role::Meta
            }
        })
        .collect()
}

/// Parses an Embedding Projector metadata TSV for `rows` vectors.
///
/// A file with a single column has no header: each line is the `label` of one vector. With
/// more than one column the first line is the header and names the fields. Every line (blank
/// lines included, except a final newline) is one vector, so the row count must equal `rows`.
pub fn parse_projector_metadata(
    bytes: &[u8],
    rows: usize,
) -> Result<Vec<Map<String, Value>>, FormatError> {
    if bytes.is_empty() {
        return Err(FormatError::Empty);
    }
    let mut records = Records::new(bytes, b'\t', false);
    let mut fields = Vec::new();
    let mut out = Vec::with_capacity(rows.min(bytes.len()));
    let Some(first_line) = records.next_record(&mut fields)? else {
        return Err(FormatError::Empty);
    };
    let single_column = fields.len() == 1;
    let header: Vec<String> = if single_column {
        out.push(label_row(&fields, first_line)?);
        Vec::new()
    } else {
        fields
            .iter()
            .map(|f| text_of(f, first_line))
            .collect::<Result<_, _>>()?
    };
    while let Some(line) = records.next_record(&mut fields)? {
        if single_column {
            out.push(label_row(&fields, line)?);
            continue;
        }
        if fields.len() != header.len() {
            return Err(FormatError::RaggedRow {
                line,
                expected: header.len(),
                found: fields.len(),
            });
        }
        let mut map = Map::new();
        for (name, field) in header.iter().zip(&fields) {
            map.insert(name.clone(), Value::String(text_of(field, line)?));
        }
        out.push(map);
    }
    if out.len() != rows {
        return Err(FormatError::MetadataRowCount {
            expected: rows,
            found: out.len(),
        });
    }
    Ok(out)
}

fn label_row(fields: &[Cow<'_, [u8]>], line: usize) -> Result<Map<String, Value>, FormatError> {
    let mut map = Map::new();
    // A single-column row may still contain tabs inside quotes; join defensively.
    let mut label = String::new();
    for field in fields {
        label.push_str(&text_of(field, line)?);
    }
    map.insert("label".to_owned(), Value::String(label));
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<VectorFile, FormatError> {
        parse_delimited_vectors(Format::Csv, text.as_bytes(), &ParseOptions::default())
    }

    #[test]
    fn plain_numbers_without_header() {
        let file = csv("1,2,3\r\n4, 5 ,6\n\n").unwrap();
        assert_eq!((file.rows, file.dim), (2, 3));
        assert_eq!(file.data, vec![1., 2., 3., 4., 5., 6.]);
        assert!(file.ids.is_none());
    }

    #[test]
    fn header_with_id_text_and_metadata() {
        let text =
            "id,title,genre,x,y\na1,\"Hello, world\",drama,1,2\na2,\"Say \"\"hi\"\"\",comedy,3,4\n";
        let file = csv(text).unwrap();
        assert_eq!(file.data, vec![1., 2., 3., 4.]);
        assert_eq!(file.ids, Some(vec!["a1".into(), "a2".into()]));
        assert_eq!(
            file.texts,
            Some(vec!["Hello, world".into(), "Say \"hi\"".into()])
        );
        let meta = file.metadata.unwrap();
        assert_eq!(meta[1].get("genre"), Some(&Value::String("comedy".into())));
    }

    #[test]
    fn tsv_and_errors() {
        let file =
            parse_delimited_vectors(Format::Tsv, b"0.5\t1\n2\t3\n", &ParseOptions::default())
                .unwrap();
        assert_eq!(file.data, vec![0.5, 1., 2., 3.]);
        assert!(matches!(
            csv("1,2\n3\n"),
            Err(FormatError::RaggedRow {
                line: 2,
                expected: 2,
                found: 1
            })
        ));
        assert!(matches!(
            csv("x,y\n1,2\n3,oops\n"),
            Err(FormatError::NotANumber {
                line: 3,
                column: 2,
                ..
            })
        ));
        assert!(matches!(
            csv("a,\"b\n"),
            Err(FormatError::UnclosedQuote { line: 1 })
        ));
        assert!(matches!(csv("x,y\n"), Err(FormatError::ZeroRows)));
        assert!(matches!(csv("\n\n"), Err(FormatError::Empty)));
    }

    #[test]
    fn projector_metadata() {
        let single = parse_projector_metadata(b"cat\ndog\n", 2).unwrap();
        assert_eq!(single[1].get("label"), Some(&Value::String("dog".into())));
        let multi = parse_projector_metadata(b"name\tkind\ncat\tpet\ndog\tpet\n", 2).unwrap();
        assert_eq!(multi[0].get("kind"), Some(&Value::String("pet".into())));
        assert!(matches!(
            parse_projector_metadata(b"cat\ndog\n", 3),
            Err(FormatError::MetadataRowCount {
                expected: 3,
                found: 2
            })
        ));
    }
}
