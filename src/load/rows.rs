//! Loading the curated TOML files: each row becomes typed values in schema column order,
//! and keeps where it was written; where each of its keys was written is found again
//! from the file when a later check points at one.

use crate::diag::{Code, Diags, LineIndex, Loc};
use crate::model::{CuratedFile, KeyPositions, Origin, Row};
use crate::schema::{Field, FieldType, Schema};
use crate::value::{Strings, Text, Value};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use toml::de::{DeTable, DeValue};

/// Reads a file as UTF-8 text, reporting a missing file, a byte order mark or invalid
/// UTF-8 at the exact position.
pub fn read_text(path: &Path, shown: &str, diags: &mut Diags) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => decode(bytes, shown, diags),
        Err(e) => {
            diags.push(
                Loc::file_only(shown),
                Code::MissingFile,
                format!("cannot read file: {e}"),
            );
            None
        }
    }
}

/// Bytes as UTF-8 text, reporting a byte order mark or the first invalid byte.
pub fn decode(bytes: Vec<u8>, shown: &str, diags: &mut Diags) -> Option<String> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        diags.push(
            Loc::file_only(shown),
            Code::Encoding,
            "file starts with a UTF-8 byte order mark; save it as UTF-8 without BOM",
        );
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.as_bytes()[..good]).into_owned();
            let loc = LineIndex::new(shown, text.as_str()).loc(good);
            diags.push(
                loc,
                Code::Encoding,
                format!(
                    "invalid UTF-8 (byte 0x{:02X}); files must be UTF-8",
                    e.as_bytes()[good]
                ),
            );
            None
        }
    }
}

/// Curated files are LF-only: a CRLF file diffs badly and hides stray carriage returns.
pub fn check_line_ends(text: &str, shown: &str, diags: &mut Diags) -> bool {
    match text.find('\r') {
        None => true,
        Some(at) => {
            let loc = LineIndex::new(shown, text).loc(at);
            diags.push(
                loc,
                Code::Encoding,
                "carriage return (CRLF line ends?); curated files use LF line ends",
            );
            false
        }
    }
}

/// Longest string a curated cell may hold (a quote is a passage, not a page).
pub const MAX_CELL_CHARS: usize = 20_000;

/// Characters that make a spreadsheet read a cell as a formula.
pub const FORMULA_LEAD: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A TOML value as a row cell needs it: scalars borrowed from the file's text where it
/// has no escapes, anything else by its type name (for the diagnostic).
#[derive(Debug, PartialEq)]
pub enum Raw<'a> {
    Str(Cow<'a, str>),
    /// None: outside the 64-bit range.
    Int(Option<i64>),
    /// None: a finite numeral outside the 64-bit float range (as toml itself rejects).
    Float(Option<f64>),
    Bool(bool),
    Other(&'static str),
}

impl<'a> Raw<'a> {
    pub fn of(v: DeValue<'a>) -> Raw<'a> {
        match v {
            DeValue::String(s) => Raw::Str(s),
            DeValue::Integer(i) => Raw::Int(i64::from_str_radix(i.as_str(), i.radix()).ok()),
            DeValue::Float(f) => Raw::Float(
                f.as_str()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| !x.is_infinite() || f.as_str().contains("inf")),
            ),
            DeValue::Boolean(b) => Raw::Bool(b),
            other => Raw::Other(other.type_str()),
        }
    }
    fn type_str(&self) -> &'static str {
        match self {
            Raw::Str(_) => "string",
            Raw::Int(_) => "integer",
            Raw::Float(_) => "float",
            Raw::Bool(_) => "boolean",
            Raw::Other(t) => t,
        }
    }
}

/// Strings longer than this (quotes, summaries) are nearly all distinct, so they are not
/// shared through `Strings`; the shorter ones a document's files repeat (the ids rows
/// refer to, places, dates) are: 1.5 M strings fewer at 1,000 documents.
const LONGEST_SHARED: usize = 64;

/// One key of a row as parsed: its name, where it starts, its value and where that starts.
pub struct Key<'a> {
    pub name: Cow<'a, str>,
    pub at: usize,
    pub value: Raw<'a>,
    pub value_at: usize,
}

/// The keys of a table the `toml` crate parsed.
pub fn keys(table: DeTable<'_>) -> impl Iterator<Item = Key<'_>> {
    table.into_iter().map(|(key, value)| Key {
        at: key.span().start,
        name: key.into_inner(),
        value_at: value.span().start,
        value: Raw::of(value.into_inner()),
    })
}

/// Parses a TOML text holding one array of tables named after the schema's table. The
/// text is parsed once, into values that borrow from it; `path` is read again only if a
/// diagnostic needs where a row's keys were written.
pub fn parse_rows(
    text: &str,
    path: &Path,
    shown: &str,
    schema: &Schema,
    input_only: &[&str],
    strings: &mut Strings,
    diags: &mut Diags,
) -> Vec<Row> {
    let index = LineIndex::new(shown, text);
    let names = key_names(schema, input_only);
    let file = curated_file(path, text, &index, Some(&schema.name), names);
    if let Some((items, keys)) = super::plain::rows(text, &schema.name) {
        let mut keys = keys.into_iter();
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let row = keys.by_ref().take(item.keys);
                let at = (&file, i as u32);
                typed_row(item.start, row, &index, at, schema, strings, diags)
            })
            .collect();
    }
    let hint = || format!(" (each row is a [[{}]] table)", schema.name);
    let doc = match DeTable::parse(text) {
        Ok(d) => d.into_inner(),
        Err(e) => {
            let loc = index.loc(e.span().map_or(0, |s| s.start));
            diags.push(
                loc,
                Code::TomlSyntax,
                e.message().trim().to_string() + &hint(),
            );
            return Vec::new();
        }
    };
    let mut rows = Vec::new();
    let mut found = false;
    for (key, value) in doc {
        if *key.get_ref() != schema.name {
            diags.push(
                index.loc(key.span().start),
                Code::UnknownTable,
                format!(
                    "'{}' is not '{}', the only table this file may hold",
                    key.get_ref(),
                    schema.name
                ),
            );
            continue;
        }
        found = true;
        let at = value.span().start;
        let DeValue::Array(items) = value.into_inner() else {
            diags.push(
                index.loc(at),
                Code::TomlSyntax,
                format!("'{}' must be an array of tables{}", schema.name, hint()),
            );
            continue;
        };
        for item in items {
            let span = item.span();
            match item.into_inner() {
                DeValue::Table(t) => {
                    let ordinal = rows.len() as u32;
                    let at = (&file, ordinal);
                    rows.push(typed_row(
                        span.start,
                        keys(t),
                        &index,
                        at,
                        schema,
                        strings,
                        diags,
                    ))
                }
                other => diags.push(
                    index.loc(span.start),
                    Code::TomlSyntax,
                    format!("a row is a table, found {}{}", other.type_str(), hint()),
                ),
            }
        }
    }
    if !found && diags.is_empty() {
        diags.push(
            index.loc(0),
            Code::EmptyTable,
            format!(
                "no [[{}]] rows; write `{} = []` if the table is really empty",
                schema.name, schema.name
            ),
        );
    }
    rows
}

/// The key names rows of a table may use: its columns, then the input-only keys.
pub fn key_names(schema: &Schema, input_only: &[&str]) -> Arc<[String]> {
    schema
        .fields
        .iter()
        .map(|f| f.name.clone())
        .chain(input_only.iter().map(|s| s.to_string()))
        .collect()
}

/// One row's keys as typed values in schema order, located as row `at.1` of file `at.0`.
/// `start` is where the row's table starts, for a row without keys. The file's key names
/// after the columns are read as inputs only.
pub fn typed_row<'a>(
    start: usize,
    entries: impl IntoIterator<Item = Key<'a>>,
    index: &LineIndex,
    at: (&Arc<CuratedFile>, u32),
    schema: &Schema,
    strings: &mut Strings,
    diags: &mut Diags,
) -> Row {
    let names = &at.0.names;
    // The names after the columns are the keys read as inputs only.
    let columns = schema.fields.len();
    let mut values = vec![Value::NULL; columns];
    let mut inputs = Vec::new();
    let mut unread = Vec::new();
    // Where the row's first known key's value starts: the row's own position.
    let mut first = usize::MAX;
    for Key {
        name: key,
        at: key_at,
        value,
        value_at,
    } in entries
    {
        let loc = || index.loc(value_at);
        let known = names.iter().position(|n| *n == key);
        if known.is_some() {
            first = first.min(value_at);
        }
        if known.is_some_and(|n| n >= columns) {
            match value {
                Raw::Str(s) if !s.trim().is_empty() => {
                    inputs.push((key.into_owned(), s.into_owned()))
                }
                _ => diags.push(
                    loc(),
                    Code::Type,
                    format!("'{key}' must be a non-empty string"),
                ),
            }
            continue;
        }
        match known {
            None => diags.push(
                index.loc(key_at),
                Code::UnknownColumn,
                format!(
                    "'{key}' is not a column of {} (columns: {})",
                    schema.name,
                    curated_names(schema)
                ),
            ),
            Some(i) if schema.fields[i].derive.is_some() => diags.push(
                index.loc(key_at),
                Code::DerivedColumn,
                format!("'{key}' is computed by the pipeline; remove it"),
            ),
            Some(i) => match convert(&schema.fields[i], value, strings, &loc, diags) {
                Some(v) => values[i] = v,
                None => unread.push(i as u16),
            },
        }
    }
    // The row is located at its first key (the [[table]] header's span is not kept).
    let (line, col) = index.line_col(if first == usize::MAX { start } else { first });
    let origin = Origin {
        file: at.0.clone(),
        ordinal: at.1,
        row: (line as u32, col as u32),
    };
    // A required column the curator wrote but whose value could not be read is reported
    // already.
    for (i, f) in schema.fields.iter().enumerate() {
        if f.required && f.derive.is_none() && values[i].is_null() && !unread.contains(&(i as u16))
        {
            diags.push(
                origin.row_loc(),
                Code::Required,
                format!("{}: '{}' is required", schema.name, f.name),
            );
        }
    }
    Row {
        values: values.into(),
        inputs: inputs.into(),
        unread: unread.into(),
        origin,
    }
}

/// The file at `path`, loaded as `text`, whose rows' key positions `relocate` finds
/// again when a diagnostic asks (rows of the array `table`, or the file's own table).
pub fn curated_file(
    path: &Path,
    text: &str,
    index: &LineIndex,
    table: Option<&str>,
    names: Arc<[String]>,
) -> Arc<CuratedFile> {
    let (path, table, seen) = (
        path.to_path_buf(),
        table.map(str::to_string),
        fingerprint(text),
    );
    let keys_of = names.clone();
    Arc::new(CuratedFile::new(
        index.file.clone(),
        names,
        Box::new(move || relocate(&path, seen, table.as_deref(), &keys_of)),
    ))
}

/// Where each row's keys were written in the file at `path`, row by row (rows of the
/// array `table`, or the file's own table when `table` is None, as in `document.toml`).
/// For diagnostics only: a file that can no longer be read, or that is no longer the text
/// that was loaded (its `fingerprint` differs from `seen`), gives no positions, and its
/// rows are then located at their first key.
pub fn relocate(
    path: &Path,
    seen: u64,
    table: Option<&str>,
    names: &[String],
) -> Vec<KeyPositions> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    if fingerprint(&text) != seen {
        return Vec::new();
    }
    let Ok(doc) = DeTable::parse(&text) else {
        return Vec::new();
    };
    let index = LineIndex::new("", &text);
    let positions = |row: DeTable| -> KeyPositions {
        row.iter()
            .filter_map(|(key, value)| {
                let n = names.iter().position(|n| n == key.get_ref())?;
                let (line, col) = index.line_col(value.span().start);
                Some((n as u16, line as u32, col as u32))
            })
            .collect()
    };
    let doc = doc.into_inner();
    let Some(table) = table else {
        return vec![positions(doc)];
    };
    let rows = doc.into_iter().find(|(k, _)| k.get_ref() == table);
    match rows.map(|(_, v)| v.into_inner()) {
        Some(DeValue::Array(items)) => items
            .into_iter()
            .filter_map(|item| match item.into_inner() {
                DeValue::Table(t) => Some(positions(t)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A hash of a file's text, to tell whether it changed after it was loaded.
pub fn fingerprint(text: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(text)
}

fn curated_names(schema: &Schema) -> String {
    schema
        .fields
        .iter()
        .filter(|f| f.derive.is_none())
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Converts one TOML value to the field's type and checks the field's constraints. The
/// location is made only for a diagnostic.
pub fn convert(
    field: &Field,
    value: Raw,
    strings: &mut Strings,
    loc: &dyn Fn() -> Loc,
    diags: &mut Diags,
) -> Option<Value> {
    let name = &field.name;
    let v = match (field.ftype, value) {
        (FieldType::String, Raw::Str(s)) => {
            if s.trim().is_empty() {
                diags.push(
                    loc(),
                    Code::EmptyValue,
                    format!("'{name}' is empty; leave the key out for no value"),
                );
                return None;
            }
            // A string of at most MAX_CELL_CHARS bytes has at most as many characters.
            let n = if s.len() <= MAX_CELL_CHARS {
                s.len()
            } else {
                s.chars().count()
            };
            if n > MAX_CELL_CHARS {
                diags.push(
                    loc(),
                    Code::CellTooLarge,
                    format!("'{name}' holds {n} characters; at most {MAX_CELL_CHARS}"),
                );
                return None;
            }
            if s.starts_with(FORMULA_LEAD) {
                diags.push(loc(), Code::Formula, format!("'{name}' starts with '{}', which spreadsheets run as a formula; start the text at a word", s.chars().next().unwrap().escape_default()));
                return None;
            }
            let shared = || {
                if s.len() <= LONGEST_SHARED {
                    strings.get(&s)
                } else {
                    Text::from(&*s)
                }
            };
            Value::str(field.intern(&s).unwrap_or_else(shared))
        }
        (FieldType::Integer | FieldType::Number, Raw::Int(None)) => {
            diags.push(
                loc(),
                Code::Range,
                format!("'{name}' is outside the 64-bit integer range"),
            );
            return None;
        }
        (FieldType::Number, Raw::Float(None)) => {
            diags.push(
                loc(),
                Code::Range,
                format!("'{name}' is outside the 64-bit float range"),
            );
            return None;
        }
        (FieldType::Integer, Raw::Int(Some(i))) => Value::int(i),
        (FieldType::Number, Raw::Int(Some(i))) => Value::num(i as f64),
        (FieldType::Number, Raw::Float(Some(f))) if f.is_finite() => Value::num(f),
        (FieldType::Boolean, Raw::Bool(b)) => Value::bool(b),
        (t, other) => {
            diags.push(
                loc(),
                Code::Type,
                format!(
                    "'{name}' must be {}, found {}",
                    type_name(t),
                    other.type_str()
                ),
            );
            return None;
        }
    };
    check_constraints(field, &v, loc, diags);
    Some(v)
}

pub fn check_constraints(field: &Field, v: &Value, loc: &dyn Fn() -> Loc, diags: &mut Diags) {
    let name = &field.name;
    if let Some(s) = v.as_str() {
        if !field.allows(s) {
            let allowed: Vec<&str> = field
                .vocabulary
                .iter()
                .flatten()
                .map(|(k, _)| k.as_str())
                .collect();
            diags.push(
                loc(),
                Code::Enum,
                format!("'{name}' = '{s}' is not one of: {}", allowed.join(", ")),
            );
        }
        if let Some(p) = &field.pattern {
            if !p.is_match(s) {
                diags.push(
                    loc(),
                    Code::Pattern,
                    format!("'{name}' = '{s}' does not match {}", p.as_str()),
                );
            }
        }
    }
    if let Some(x) = v.as_f64() {
        if field.minimum.is_some_and(|m| x < m) || field.maximum.is_some_and(|m| x > m) {
            diags.push(
                loc(),
                Code::Range,
                format!(
                    "'{name}' = {x} is outside [{}, {}]",
                    fmt_opt(field.minimum),
                    fmt_opt(field.maximum)
                ),
            );
        }
    }
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or("..".into(), |x| x.to_string())
}

fn type_name(t: FieldType) -> &'static str {
    match t {
        FieldType::String => "a string",
        FieldType::Integer => "an integer",
        FieldType::Number => "a number",
        FieldType::Boolean => "true or false",
        FieldType::Date => "a date",
    }
}
