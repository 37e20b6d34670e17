//! One document's rows of one table in the form the writer takes them: the CSV lines
//! they make, and the Arrow batch Parquet is encoded from, made on the document's own
//! thread as soon as the document is built. Shared by `build` (which makes chunks) and
//! `write` (which appends them).

use crate::schema::{Field, FieldType, Schema};
use crate::value::{Cell, Cells, Value};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field as ArrowField, Schema as ArrowSchema, SchemaRef};
use std::collections::HashMap;
use std::io;
use std::sync::Arc;

/// Whether a table's rows are kept beside their encoding: all of them for the release
/// surface (`all`), and the documents' records always (the citation reads them).
pub fn keeps_rows(schema: &Schema, all: bool) -> bool {
    all || schema.scope == crate::schema::Scope::DocumentRecord
}

/// A run of a table's rows, encoded.
pub struct Chunk {
    /// The rows as CSV lines (RFC 4180, CRLF, no header).
    pub csv: Vec<u8>,
    /// The rows as columns, typed by the table's schema.
    pub batch: RecordBatch,
    /// Per column, the first value that is not null (for the codebook).
    pub examples: Vec<Option<Value>>,
    /// The rows themselves, where the release surface needs them.
    pub rows: Option<Vec<Cells>>,
}

impl Chunk {
    /// Encodes `rows` of `schema`, whose Arrow schema is `arrow` (`arrow_schema`);
    /// `keep` keeps the rows too.
    pub fn encode(
        schema: &Schema,
        arrow: &SchemaRef,
        rows: Vec<Cells>,
        keep: bool,
    ) -> io::Result<Chunk> {
        let mut csv = Vec::with_capacity(rows.len() * 64);
        csv_rows(&mut csv, &rows);
        let batch = record_batch(arrow, schema, &rows)?;
        let examples = (0..schema.fields.len())
            .map(|i| rows.iter().map(|r| &r[i]).find(|v| !v.is_null()).cloned())
            .collect();
        Ok(Chunk {
            csv,
            batch,
            examples,
            rows: keep.then_some(rows),
        })
    }

    pub fn len(&self) -> usize {
        self.batch.num_rows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// RFC 4180 CSV rows with CRLF, nulls empty, byte for byte as the `csv` crate writes them
/// by default (a test holds the two together): written here because through the crate's
/// writer, field by field, they were a tenth of a corpus build's CPU.
fn csv_rows(out: &mut Vec<u8>, rows: &[Cells]) {
    let mut cell = String::new();
    let mut int = itoa::Buffer::new();
    for row in rows {
        let start = out.len();
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match v.view() {
                Cell::Str(s) => csv_field(out, s.as_bytes()),
                Cell::Null => {}
                Cell::Int(n) => out.extend_from_slice(int.format(n).as_bytes()),
                _ => {
                    cell.clear();
                    v.write_text(&mut cell);
                    csv_field(out, cell.as_bytes());
                }
            }
        }
        end_record(out, start);
    }
}

/// The header line of a table's CSV file: its column names, written as its rows are.
pub fn csv_header(schema: &Schema) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in schema.fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        csv_field(&mut out, f.name.as_bytes());
    }
    end_record(&mut out, 0);
    out
}

/// Ends the record that started at `start`. A record of one empty field is written as an
/// empty quoted field, or the line would read as no record at all.
fn end_record(out: &mut Vec<u8>, start: usize) {
    if out.len() == start {
        out.extend_from_slice(b"\"\"");
    }
    out.extend_from_slice(b"\r\n");
}

/// One field, quoted only when it holds a comma, a quote or a line break; quotes doubled.
fn csv_field(out: &mut Vec<u8>, s: &[u8]) {
    let special = |b: &u8| matches!(b, b',' | b'"' | b'\n' | b'\r');
    // Most fields are short ids and values, for which a plain loop beats two searches.
    let plain = if s.len() <= 32 {
        !s.iter().any(special)
    } else {
        memchr::memchr3(b',', b'"', b'\n', s).is_none() && memchr::memchr(b'\r', s).is_none()
    };
    if plain {
        out.extend_from_slice(s);
        return;
    }
    out.push(b'"');
    for part in s.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(part);
        if part.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

fn is_enum(f: &Field) -> bool {
    f.ftype == FieldType::String && f.vocabulary.is_some()
}

/// The Arrow schema of a table: types from the table schema, descriptions as metadata.
pub fn arrow_schema(schema: &Schema, meta: HashMap<String, String>) -> ArrowSchema {
    let fields: Vec<ArrowField> = schema
        .fields
        .iter()
        .map(|f| {
            let dt = match f.ftype {
                FieldType::String if is_enum(f) => {
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
                }
                FieldType::String => DataType::Utf8,
                FieldType::Integer => DataType::Int64,
                FieldType::Number => DataType::Float64,
                FieldType::Boolean => DataType::Boolean,
                FieldType::Date => DataType::Date32,
            };
            // Ranked vocabularies (`x-ordered`) become ordered dictionaries, which readers
            // sort by rank.
            ArrowField::new(&f.name, dt, !f.required)
                .with_dict_is_ordered(f.ordered)
                .with_metadata(HashMap::from([(
                    "description".to_string(),
                    f.description.clone(),
                )]))
        })
        .collect();
    ArrowSchema::new_with_metadata(fields, meta)
}

/// One column being filled, row by row: the rows are read once each, in order, rather
/// than once per column (a pass per column was a tenth of a corpus-sized build, most of
/// it waiting on memory).
enum Column<'s> {
    /// Keys into the field's vocabulary, which is the dictionary.
    Enum(&'s Field, Int32Builder),
    Str(StringBuilder),
    Int(Int64Builder),
    Num(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
}

impl<'s> Column<'s> {
    fn new(f: &'s Field, rows: usize) -> Self {
        match f.ftype {
            FieldType::String if is_enum(f) => Column::Enum(f, Int32Builder::with_capacity(rows)),
            FieldType::String => Column::Str(StringBuilder::with_capacity(rows, 0)),
            FieldType::Integer => Column::Int(Int64Builder::with_capacity(rows)),
            FieldType::Number => Column::Num(Float64Builder::with_capacity(rows)),
            FieldType::Boolean => Column::Bool(BooleanBuilder::with_capacity(rows)),
            FieldType::Date => Column::Date(Date32Builder::with_capacity(rows)),
        }
    }
    fn push(&mut self, v: &Value) {
        match self {
            Column::Enum(f, b) => {
                b.append_option(v.as_str().and_then(|s| Some(f.vocabulary_index(s)? as i32)))
            }
            Column::Str(b) => b.append_option(v.as_str()),
            Column::Int(b) => b.append_option(v.as_int()),
            Column::Num(b) => b.append_option(v.as_f64()),
            Column::Bool(b) => b.append_option(v.as_bool()),
            Column::Date(b) => b.append_option(v.as_date()),
        }
    }
    fn finish(self) -> ArrayRef {
        match self {
            Column::Enum(f, mut b) => {
                let voc = f.vocabulary.iter().flatten();
                let dict = StringArray::from_iter_values(voc.map(|(k, _)| k.as_str()));
                Arc::new(
                    DictionaryArray::<Int32Type>::try_new(b.finish(), Arc::new(dict))
                        .expect("keys index the vocabulary"),
                )
            }
            Column::Str(mut b) => Arc::new(b.finish()),
            Column::Int(mut b) => Arc::new(b.finish()),
            Column::Num(mut b) => Arc::new(b.finish()),
            Column::Bool(mut b) => Arc::new(b.finish()),
            Column::Date(mut b) => Arc::new(b.finish()),
        }
    }
}

/// Rows of a table as one Arrow batch of `arrow` (its `arrow_schema`), typed by its
/// schema: what Parquet, SQLite, GraphML and the card read.
pub fn record_batch<R: AsRef<[Value]>>(
    arrow: &SchemaRef,
    schema: &Schema,
    rows: &[R],
) -> io::Result<RecordBatch> {
    let mut columns: Vec<Column> = schema
        .fields
        .iter()
        .map(|f| Column::new(f, rows.len()))
        .collect();
    for row in rows {
        for (c, v) in columns.iter_mut().zip(row.as_ref().iter()) {
            c.push(v);
        }
    }
    let columns: Vec<ArrayRef> = columns.into_iter().map(Column::finish).collect();
    RecordBatch::try_new(arrow.clone(), columns).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Text;
    use proptest::prelude::*;

    fn cell() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::NULL),
            "[a\",\r\n b\u{e9}]{0,6}".prop_map(|s| Value::str(Text::from(s))),
            any::<String>().prop_map(|s| Value::str(Text::from(s))),
            "[a\"]{0,3}[,\r\n]?[\"b]{0,3}".prop_map(|s| Value::str(Text::from(s))),
            // Either side of the 32 bytes where csv_field changes how it looks.
            "a{26,40}[,\"\r\n]?".prop_map(|s| Value::str(Text::from(s))),
            any::<i64>().prop_map(Value::int),
            any::<f64>().prop_map(Value::num),
            any::<bool>().prop_map(Value::bool),
            (-800_000i32..800_000).prop_map(Value::date),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The hand-written lines are the `csv` crate's, for rows of one column or more.
        #[test]
        fn csv_lines_are_the_csv_crate_s(rows in prop::collection::vec(
            (1usize..4).prop_flat_map(|n| prop::collection::vec(cell(), n)), 0..6)
        ) {
            let rows: Vec<Cells> = rows.into_iter().map(Vec::into_boxed_slice).collect();
            let mut mine = Vec::new();
            csv_rows(&mut mine, &rows);
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .has_headers(false)
                .flexible(true)
                .from_writer(Vec::new());
            for row in &rows {
                let texts: Vec<String> = row
                    .iter()
                    .map(|v| {
                        let mut s = String::new();
                        v.write_text(&mut s);
                        s
                    })
                    .collect();
                w.write_record(&texts).unwrap();
            }
            let theirs = w.into_inner().unwrap();
            prop_assert_eq!(String::from_utf8_lossy(&mine), String::from_utf8_lossy(&theirs));
        }
    }
}
