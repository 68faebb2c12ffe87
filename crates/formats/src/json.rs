//! JSON vectors: either an array of number arrays, `[[0.1, 0.2], [0.3, 0.4]]`, or an array of
//! objects, `[{"id": "a", "embedding": [0.1, 0.2], "genre": "drama"}, ...]`.
//!
//! For objects, the vector field is the one named in [`ParseOptions::vector_field`], else the
//! single field of the first row whose value is a non-empty array of numbers; when several
//! qualify, the first of `vector`, `embedding`, `values`, `vec`, `emb` wins, otherwise the file
//! is ambiguous. The id field (`id`, `_id`, `key` or named) and text field (`text`, `title` or
//! named) are taken out; every other field is kept as metadata.
//!
//! Number arrays are streamed straight into the flat output (no `serde_json::Value` per number);
//! object rows are read one at a time. Errors carry the line and column where the parser stood.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::FormatError;
use crate::format::Format;
use crate::model::{ParseOptions, SourceInfo, VectorFile, ID_NAMES, TEXT_NAMES};

/// Preferred vector field names when several fields hold number arrays.
const VECTOR_NAMES: [&str; 5] = ["vector", "embedding", "values", "vec", "emb"];

/// Parses a JSON vectors file.
pub fn parse_json_vectors(bytes: &[u8], options: &ParseOptions) -> Result<VectorFile, FormatError> {
    options.check_bytes(bytes.len())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(FormatError::Empty);
    }
    // serde_json rejects a byte-order mark; spreadsheet exports often write one.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut state = State::new(options);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result = deserializer
        .deserialize_any(TopVisitor { state: &mut state })
        .and_then(|()| deserializer.end());
    if let Err(err) = result {
        let (line, column) = (err.line(), err.column());
        return Err(match state.error.take() {
            Some(pending) => pending.at(line, column),
            None => FormatError::Json {
                line,
                column,
                message: json_message(&err),
            },
        });
    }
    state.finish()
}

/// serde_json's message without its trailing " at line L column C" (shown separately).
fn json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// A structured error raised inside a visitor, waiting for the parser position.
enum Pending {
    Structure {
        expected: &'static str,
        found: String,
    },
    NotANumber {
        row: usize,
        index: usize,
        found: String,
    },
    LengthChanged {
        row: usize,
        expected: usize,
        found: usize,
    },
    NoVectorField {
        row: usize,
        candidates: Vec<String>,
    },
    Ambiguous {
        row: usize,
        fields: Vec<String>,
    },
    MissingField {
        row: usize,
        field: String,
    },
    BadId {
        row: usize,
        field: String,
        found: String,
    },
    Other(FormatError),
}

impl Pending {
    fn at(self, line: usize, column: usize) -> FormatError {
        match self {
            Self::Structure { expected, found } => FormatError::JsonStructure {
                line,
                column,
                expected,
                found,
            },
            Self::NotANumber { row, index, found } => FormatError::JsonNotANumber {
                row,
                line,
                index,
                found,
            },
            Self::LengthChanged {
                row,
                expected,
                found,
            } => FormatError::VectorLengthChanged {
                row,
                line,
                expected,
                found,
            },
            Self::NoVectorField { row, candidates } => FormatError::NoVectorField {
                row,
                line,
                candidates,
            },
            Self::Ambiguous { row, fields } => {
                FormatError::AmbiguousVectorField { row, line, fields }
            }
            Self::MissingField { row, field } => FormatError::MissingField { row, line, field },
            Self::BadId { row, field, found } => FormatError::BadId {
                row,
                line,
                field,
                found,
            },
            Self::Other(err) => err,
        }
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum RowKind {
    Array,
    Object,
}

/// Field choices fixed by the first object row.
struct Fields {
    vector: String,
    id: Option<String>,
    text: Option<String>,
    text_required: bool,
}

struct State<'o> {
    options: &'o ParseOptions,
    error: Option<Pending>,
    rows: usize,
    dim: Option<usize>,
    kind: Option<RowKind>,
    data: Vec<f32>,
    fields: Option<Fields>,
    ids: Vec<String>,
    texts: Vec<String>,
    metadata: Vec<Map<String, Value>>,
}

impl<'o> State<'o> {
    fn new(options: &'o ParseOptions) -> Self {
        Self {
            options,
            error: None,
            rows: 0,
            dim: None,
            kind: None,
            data: Vec::new(),
            fields: None,
            ids: Vec::new(),
            texts: Vec::new(),
            metadata: Vec::new(),
        }
    }

    /// Records `pending` and returns the serde error that unwinds the parser.
    fn fail<E: de::Error>(&mut self, pending: Pending) -> E {
        self.error = Some(pending);
        E::custom("invalid vector data")
    }

    fn set_kind<E: de::Error>(&mut self, kind: RowKind, found: &str) -> Result<(), E> {
        match self.kind {
            Some(existing) if existing != kind => Err(self.fail(Pending::Structure {
                expected: "every row to have the same form as row 0",
                found: format!("{found} in row {}", self.rows),
            })),
            _ => {
                self.kind = Some(kind);
                Ok(())
            }
        }
    }

    fn push_value<E: de::Error>(&mut self, value: f32) -> Result<(), E> {
        if self.data.len() as u64 >= self.options.max_values {
            let limit = self.options.max_values;
            return Err(self.fail(Pending::Other(FormatError::TooManyValues {
                values: limit.saturating_add(1),
                limit,
            })));
        }
        self.data.push(value);
        Ok(())
    }

    /// Checks the length of the row just appended (`found` values).
    fn end_row<E: de::Error>(&mut self, found: usize) -> Result<(), E> {
        let row = self.rows;
        match self.dim {
            None if found == 0 => return Err(self.fail(Pending::Other(FormatError::ZeroDim))),
            None => self.dim = Some(found),
            Some(expected) if expected != found => {
                return Err(self.fail(Pending::LengthChanged {
                    row,
                    expected,
                    found,
                }))
            }
            Some(_) => {}
        }
        self.rows += 1;
        Ok(())
    }

    fn object_row<E: de::Error>(&mut self, mut map: Map<String, Value>) -> Result<(), E> {
        let row = self.rows;
        if self.fields.is_none() {
            let fields = self.choose_fields(&map).map_err(|p| self.fail(p))?;
            self.fields = Some(fields);
        }
        let Some(fields) = self.fields.as_ref() else {
            return Ok(());
        };
        let (vector_name, id_field, text_field, text_required) = (
            fields.vector.clone(),
            fields.id.clone(),
            fields.text.clone(),
            fields.text_required,
        );
        let Some(vector) = map.remove(&vector_name) else {
            return Err(self.fail(Pending::MissingField {
                row,
                field: vector_name,
            }));
        };
        if let Some(id_field) = id_field {
            let id = match map.remove(&id_field) {
                Some(Value::String(s)) => s,
                Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
                Some(other) => {
                    let found = describe(&other);
                    return Err(self.fail(Pending::BadId {
                        row,
                        field: id_field,
                        found,
                    }));
                }
                None => {
                    return Err(self.fail(Pending::MissingField {
                        row,
                        field: id_field,
                    }))
                }
            };
            self.ids.push(id);
        }
        if let Some(text_field) = text_field {
            let text = match map.remove(&text_field) {
                Some(Value::String(s)) => s,
                Some(other) => other.to_string(),
                None if text_required => {
                    return Err(self.fail(Pending::MissingField {
                        row,
                        field: text_field,
                    }))
                }
                None => String::new(),
            };
            self.texts.push(text);
        }
        let Value::Array(values) = vector else {
            return Err(self.fail(Pending::Structure {
                expected: "the vector field to be an array of numbers",
                found: format!("{} in row {row}", describe(&vector)),
            }));
        };
        for (index, value) in values.iter().enumerate() {
            match value.as_f64() {
                Some(number) => self.push_value(number as f32)?,
                None => {
                    let found = describe(value);
                    return Err(self.fail(Pending::NotANumber { row, index, found }));
                }
            }
        }
        self.metadata.push(map);
        self.end_row(values.len())
    }

    fn choose_fields(&self, first: &Map<String, Value>) -> Result<Fields, Pending> {
        let options = self.options;
        let row = self.rows;
        let vector = match &options.vector_field {
            Some(name) => name.clone(),
            None => {
                let numeric: Vec<String> = first
                    .iter()
                    .filter(|(_, v)| is_number_array(v))
                    .map(|(k, _)| k.clone())
                    .collect();
                match numeric.as_slice() {
                    [one] => one.clone(),
                    // No clean number array: fall back to a well-known name or the only array
                    // field, so the user hears which element is wrong instead of "no field".
                    [] => match fallback_vector_field(first) {
                        Some(name) => name,
                        None => {
                            let candidates = first.keys().cloned().collect();
                            return Err(Pending::NoVectorField { row, candidates });
                        }
                    },
                    several => VECTOR_NAMES
                        .iter()
                        .find(|name| several.iter().any(|f| f == *name))
                        .map(|name| (*name).to_owned())
                        .ok_or(Pending::Ambiguous {
                            row,
                            fields: numeric.clone(),
                        })?,
                }
            }
        };
        let id = match &options.id_field {
            Some(name) => Some(name.clone()),
            None => ID_NAMES
                .iter()
                .find(|name| first.contains_key(**name) && **name != vector)
                .map(|name| (*name).to_owned()),
        };
        let (text, text_required) = match &options.text_field {
            Some(name) => (Some(name.clone()), true),
            None => {
                let auto = TEXT_NAMES
                    .iter()
                    .find(|name| matches!(first.get(**name), Some(Value::String(_))))
                    .map(|name| (*name).to_owned());
                (auto, false)
            }
        };
        Ok(Fields {
            vector,
            id,
            text,
            text_required,
        })
    }

    fn finish(self) -> Result<VectorFile, FormatError> {
        let dim = match self.dim {
            Some(dim) if self.rows > 0 => dim,
            _ => return Err(FormatError::ZeroRows),
        };
        let mut file = VectorFile::plain(
            self.rows,
            dim,
            self.data,
            SourceInfo::new(Format::Json, "text"),
        );
        if let Some(fields) = &self.fields {
            file.source
                .notes
                .push(format!("vector field '{}'", fields.vector));
            file.ids = fields.id.as_ref().map(|_| self.ids);
            file.texts = fields.text.as_ref().map(|_| self.texts);
            if self.metadata.iter().any(|m| !m.is_empty()) {
                file.metadata = Some(self.metadata);
            }
        }
        Ok(file)
    }
}

fn fallback_vector_field(first: &Map<String, Value>) -> Option<String> {
    let is_array = |name: &&&str| matches!(first.get(**name), Some(Value::Array(_)));
    if let Some(name) = VECTOR_NAMES.iter().find(is_array) {
        return Some((*name).to_owned());
    }
    let mut arrays = first.iter().filter(|(_, v)| v.is_array());
    match (arrays.next(), arrays.next()) {
        (Some((name, _)), None) => Some(name.clone()),
        _ => None,
    }
}

fn is_number_array(value: &Value) -> bool {
    matches!(value, Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_number))
}

/// A short description of a JSON value for error messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {:?}", truncate(s)),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

struct TopVisitor<'s, 'o> {
    state: &'s mut State<'o>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of vectors")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(RowSeed { state: self.state })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<(), A::Error> {
        Err(self.state.fail(Pending::Structure {
            expected: "an array of vectors at the top level",
            found: "an object".to_owned(),
        }))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let found = format!("the string {:?}", truncate(v));
        Err(self.state.fail(Pending::Structure {
            expected: "an array of vectors",
            found,
        }))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let found = format!("the number {v}");
        Err(self.state.fail(Pending::Structure {
            expected: "an array of vectors",
            found,
        }))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        let found = v.to_string();
        Err(self.state.fail(Pending::Structure {
            expected: "an array of vectors",
            found,
        }))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        let found = "null".to_owned();
        Err(self.state.fail(Pending::Structure {
            expected: "an array of vectors",
            found,
        }))
    }
}

struct RowSeed<'s, 'o> {
    state: &'s mut State<'o>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl RowSeed<'_, '_> {
    fn not_a_row<E: de::Error>(self, found: String) -> E {
        let found = format!("{found} as row {}", self.state.rows);
        self.state.fail(Pending::Structure {
            expected: "an array of numbers or an object",
            found,
        })
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of numbers or an object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.state.set_kind(RowKind::Array, "an array")?;
        let row = self.state.rows;
        let mut index = 0;
        while let Some(element) = seq.next_element::<Element>()? {
            match element {
                Element::Number(value) => self.state.push_value(value)?,
                Element::Other(found) => {
                    return Err(self.state.fail(Pending::NotANumber { row, index, found }))
                }
            }
            index += 1;
        }
        self.state.end_row(index)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.state.set_kind(RowKind::Object, "an object")?;
        let object = Map::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.state.object_row(object)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        Err(self.not_a_row(format!("the string {:?}", truncate(v))))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        Err(self.not_a_row(format!("the number {v}")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        Err(self.not_a_row(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(self.not_a_row("null".to_owned()))
    }
}

/// One element of a number-array row: a number, or a description of what was there instead.
enum Element {
    Number(f32),
    Other(String),
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ElementVisitor)
    }
}

struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Element;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Element, E> {
        Ok(Element::Number(v as f32))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Element, E> {
        Ok(Element::Number(v as f32))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Element, E> {
        Ok(Element::Number(v as f32))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Element, E> {
        Ok(Element::Other(format!("the string {:?}", truncate(v))))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Element, E> {
        Ok(Element::Other(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Element, E> {
        Ok(Element::Other("null".to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Element, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Element::Other("an array".to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Element::Other("an object".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<VectorFile, FormatError> {
        parse_json_vectors(text.as_bytes(), &ParseOptions::default())
    }

    #[test]
    fn array_of_arrays() {
        let file = parse("[[1, 2.5], [3e0, -4]]").unwrap();
        assert_eq!((file.rows, file.dim), (2, 2));
        assert_eq!(file.data, vec![1.0, 2.5, 3.0, -4.0]);
        assert!(file.ids.is_none() && file.metadata.is_none());
    }

    #[test]
    fn array_of_objects_with_auto_fields() {
        let text = r#"[{"id": "a", "embedding": [1, 2], "title": "A", "year": 1999},
                       {"id": 7, "embedding": [3, 4], "title": "B", "year": 2001}]"#;
        let file = parse(text).unwrap();
        assert_eq!(file.data, vec![1., 2., 3., 4.]);
        assert_eq!(file.ids, Some(vec!["a".to_owned(), "7".to_owned()]));
        assert_eq!(file.texts, Some(vec!["A".to_owned(), "B".to_owned()]));
        let meta = file.metadata.unwrap();
        assert_eq!(meta[1].get("year"), Some(&Value::from(2001)));
        assert_eq!(meta[0].len(), 1);
    }

    #[test]
    fn preferred_name_breaks_ties_and_option_names_field() {
        let text = r#"[{"vector": [1, 2], "other": [3]}]"#;
        assert_eq!(parse(text).unwrap().data, vec![1., 2.]);
        let options = ParseOptions {
            vector_field: Some("other".into()),
            ..Default::default()
        };
        let file = parse_json_vectors(text.as_bytes(), &options).unwrap();
        assert_eq!(file.data, vec![3.]);
        let err = parse(r#"[{"a": [1], "b": [2]}]"#).unwrap_err();
        assert!(
            matches!(err, FormatError::AmbiguousVectorField { row: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn errors_carry_rows_and_lines() {
        let err = parse("[[1, 2],\n [3]]").unwrap_err();
        assert!(matches!(
            err,
            FormatError::VectorLengthChanged {
                row: 1,
                line: 2,
                expected: 2,
                found: 1
            }
        ));
        let err = parse("[[1, \"x\"]]").unwrap_err();
        assert!(
            matches!(
                err,
                FormatError::JsonNotANumber {
                    row: 0,
                    index: 1,
                    ..
                }
            ),
            "{err}"
        );
        let err = parse("[[1, 2],\n [3, 4").unwrap_err();
        assert!(matches!(err, FormatError::Json { line: 2, .. }), "{err}");
        assert!(matches!(parse("[]"), Err(FormatError::ZeroRows)));
        assert!(matches!(
            parse("{\"a\": 1}"),
            Err(FormatError::JsonStructure { .. })
        ));
        assert!(matches!(parse("[[]]"), Err(FormatError::ZeroDim)));
        assert!(matches!(parse("[[1]] x"), Err(FormatError::Json { .. })));
    }
}
