//! Reading single cells back out of the Arrow record batches that every output format
//! after CSV and Parquet (SQLite, GraphML, the card) is generated from.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

/// A table as the release writers receive it: its schema and its rows as one batch
/// (columns in schema order).
pub type TableRef<'a> = (&'a crate::schema::Schema, &'a RecordBatch);

/// One cell, typed as the table schema types it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Real(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
}

impl<'a> Cell<'a> {
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
    /// The cell as CSV writes it (nulls empty, dates ISO 8601).
    pub fn to_text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Real(r) => r.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => iso_date(*d),
        }
    }
}

pub use crate::value::iso_date;

/// The cell at (`row`, `col`) of `batch`; types the writer does not produce read as null.
pub fn cell(batch: &RecordBatch, row: usize, col: usize) -> Cell<'_> {
    let a = batch.column(col);
    if a.is_null(row) {
        return Cell::Null;
    }
    match a.data_type() {
        DataType::Utf8 => Cell::Text(a.as_string::<i32>().value(row)),
        DataType::Dictionary(k, v) if **k == DataType::Int32 && **v == DataType::Utf8 => {
            let d = a.as_dictionary::<Int32Type>();
            let key = d.keys().value(row) as usize;
            Cell::Text(d.values().as_string::<i32>().value(key))
        }
        DataType::Int64 => Cell::Int(a.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => Cell::Real(a.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => Cell::Bool(a.as_boolean().value(row)),
        DataType::Date32 => Cell::Date(a.as_primitive::<Date32Type>().value(row)),
        _ => Cell::Null,
    }
}

/// The batch of table `name`, if it is among `tables`.
pub fn find<'a>(tables: &[TableRef<'a>], name: &str) -> Option<TableRef<'a>> {
    tables.iter().find(|(s, _)| s.name == name).copied()
}

/// Column `name` of a table, by the table's schema.
pub fn col(table: TableRef<'_>, name: &str) -> Option<usize> {
    table.0.index(name)
}
