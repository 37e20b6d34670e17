//! Loading the curated TOML files: each row becomes typed values in schema column order,
//! and keeps where each of its keys was written so later checks can point at it.

use crate::diag::{Code, Diags, LineIndex, Loc};
use crate::model::{Origin, Row};
use crate::schema::{Field, FieldType, Schema};
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use toml::Spanned;

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
            let loc = LineIndex::new(shown, Arc::from(text.as_str())).loc(good);
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
            let loc = LineIndex::new(shown, Arc::from(text)).loc(at);
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

type RawRows = Vec<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>;

/// Parses a TOML text holding one array of tables named after the schema's table.
pub fn parse_rows(
    text: &str,
    shown: &str,
    schema: &Schema,
    input_only: &[&str],
    diags: &mut Diags,
) -> Vec<Row> {
    let index = LineIndex::new(shown, Arc::from(text));
    let doc: BTreeMap<Spanned<String>, RawRows> = match toml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let loc = index.loc(e.span().map_or(0, |s| s.start));
            let hint = format!(" (each row is a [[{}]] table)", schema.name);
            diags.push(
                loc,
                Code::TomlSyntax,
                e.message().trim().to_string() + &hint,
            );
            return Vec::new();
        }
    };
    let mut rows: RawRows = Vec::new();
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
        rows = value;
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
    let names = key_names(schema, input_only);
    rows.into_iter()
        .map(|r| typed_row(r, &index, &names, schema, input_only, diags))
        .collect()
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

pub fn typed_row(
    raw: Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    index: &LineIndex,
    names: &Arc<[String]>,
    schema: &Schema,
    input_only: &[&str],
    diags: &mut Diags,
) -> Row {
    let row_span = raw.span();
    let map = raw.into_inner();
    let mut keys: Vec<(u16, u32, u32)> = Vec::with_capacity(map.len());
    let mut first = row_span.start;
    let mut values = vec![Value::Null; schema.fields.len()];
    let mut inputs = Vec::new();
    for (key, value) in map {
        let (kspan, key) = (key.span(), key.into_inner());
        let (vspan, value) = (value.span(), value.into_inner());
        let loc = index.loc(vspan.start);
        if let Some(n) = names.iter().position(|n| *n == key) {
            keys.push((n as u16, loc.line as u32, loc.col as u32));
            first = first.min(vspan.start);
        }
        if input_only.contains(&key.as_str()) {
            match value {
                toml::Value::String(s) if !s.trim().is_empty() => inputs.push((key, s)),
                _ => diags.push(
                    loc,
                    Code::Type,
                    format!("'{key}' must be a non-empty string"),
                ),
            }
            continue;
        }
        match schema.index(&key) {
            None => diags.push(
                index.loc(kspan.start),
                Code::UnknownColumn,
                format!(
                    "'{key}' is not a column of {} (columns: {})",
                    schema.name,
                    curated_names(schema)
                ),
            ),
            Some(i) if schema.fields[i].derive.is_some() => diags.push(
                index.loc(kspan.start),
                Code::DerivedColumn,
                format!("'{key}' is computed by the pipeline; remove it"),
            ),
            Some(i) => {
                if let Some(v) = convert(&schema.fields[i], value, &loc, diags) {
                    values[i] = v;
                }
            }
        }
    }
    // The row is located at its first key (the [[table]] header's span is not kept).
    let first = keys.iter().map(|k| (k.1, k.2)).min().unwrap_or_else(|| {
        let l = index.loc(first);
        (l.line as u32, l.col as u32)
    });
    let origin = Origin {
        file: index.file.clone(),
        names: names.clone(),
        row: first,
        keys: keys.into_boxed_slice(),
    };
    for (i, f) in schema.fields.iter().enumerate() {
        if f.required && f.derive.is_none() && values[i].is_null() && !origin.has(&f.name) {
            diags.push(
                origin.row_loc(),
                Code::Required,
                format!("{}: '{}' is required", schema.name, f.name),
            );
        }
    }
    Row {
        values,
        inputs,
        origin,
    }
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

/// Converts one TOML value to the field's type and checks the field's constraints.
pub fn convert(field: &Field, value: toml::Value, loc: &Loc, diags: &mut Diags) -> Option<Value> {
    let name = &field.name;
    let v = match (field.ftype, value) {
        (FieldType::String, toml::Value::String(s)) => {
            if s.trim().is_empty() {
                diags.push(
                    loc.clone(),
                    Code::EmptyValue,
                    format!("'{name}' is empty; leave the key out for no value"),
                );
                return None;
            }
            let n = s.chars().count();
            if n > MAX_CELL_CHARS {
                diags.push(
                    loc.clone(),
                    Code::CellTooLarge,
                    format!("'{name}' holds {n} characters; at most {MAX_CELL_CHARS}"),
                );
                return None;
            }
            if s.starts_with(FORMULA_LEAD) {
                diags.push(loc.clone(), Code::Formula, format!("'{name}' starts with '{}', which spreadsheets run as a formula; start the text at a word", s.chars().next().unwrap().escape_default()));
                return None;
            }
            Value::Str(field.intern(&s).unwrap_or_else(|| Arc::from(s)))
        }
        (FieldType::Integer, toml::Value::Integer(i)) => Value::Int(i),
        (FieldType::Number, toml::Value::Integer(i)) => Value::Num(i as f64),
        (FieldType::Number, toml::Value::Float(f)) if f.is_finite() => Value::Num(f),
        (FieldType::Boolean, toml::Value::Boolean(b)) => Value::Bool(b),
        (t, other) => {
            diags.push(
                loc.clone(),
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

pub fn check_constraints(field: &Field, v: &Value, loc: &Loc, diags: &mut Diags) {
    let name = &field.name;
    if let Value::Str(s) = v {
        if !field.allows(s) {
            let allowed: Vec<&str> = field
                .vocabulary
                .iter()
                .flatten()
                .map(|(k, _)| k.as_str())
                .collect();
            diags.push(
                loc.clone(),
                Code::Enum,
                format!("'{name}' = '{s}' is not one of: {}", allowed.join(", ")),
            );
        }
        if let Some(p) = &field.pattern {
            if !p.is_match(s) {
                diags.push(
                    loc.clone(),
                    Code::Pattern,
                    format!("'{name}' = '{s}' does not match {}", p.as_str()),
                );
            }
        }
    }
    if let Some(x) = v.as_f64() {
        if field.minimum.is_some_and(|m| x < m) || field.maximum.is_some_and(|m| x > m) {
            diags.push(
                loc.clone(),
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
