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
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .has_headers(false)
            .from_writer(Vec::with_capacity(rows.len() * 64));
        csv_rows(&mut csv, &rows)?;
        let csv = csv.into_inner().map_err(|e| e.into_error())?;
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

/// RFC 4180 CSV rows: quotes only where needed, nulls empty.
fn csv_rows<W: io::Write>(w: &mut csv::Writer<W>, rows: &[Cells]) -> io::Result<()> {
    let mut cell = String::new();
    for row in rows {
        for v in row.iter() {
            match v.view() {
                Cell::Str(s) => w.write_field(s.as_bytes())?,
                Cell::Null => w.write_field(b"")?,
                _ => {
                    cell.clear();
                    v.write_text(&mut cell);
                    w.write_field(cell.as_bytes())?
                }
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    Ok(())
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
