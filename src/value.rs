//! Typed cell values, as the schemas' field types make them.

use std::cmp::Ordering;

/// A shared, immutable string behind one pointer.
pub type Text = arcstr::ArcStr;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// Shared: ids, enum values and document ids repeat across many rows. A thin
    /// pointer, so a cell is 16 bytes rather than 24 (millions of cells at corpus scale).
    Str(Text),
    Int(i64),
    Num(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// Total order used to sort rows by primary key (nulls first).
    pub fn cmp_key(&self, other: &Value) -> Ordering {
        use Value::*;
        match (self, other) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Less,
            (_, Null) => Ordering::Greater,
            (Str(a), Str(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Bool(a), Bool(b)) => a.cmp(b),
            _ => self
                .as_f64()
                .unwrap_or(f64::NAN)
                .total_cmp(&other.as_f64().unwrap_or(f64::NAN)),
        }
    }

    /// The text of the cell in CSV (and in diagnostics): nulls are empty.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Str(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Num(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => iso_date(*d),
        }
    }
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (an Arrow `date32`).
pub fn iso_date(days: i32) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a real date");
    (epoch + chrono::TimeDelta::days(i64::from(days)))
        .format("%Y-%m-%d")
        .to_string()
}
