//! The tables as the site reads them: every cell of every RecordBatch turned into
//! display text once (columns found by name, typed by their Arrow type), with each
//! row's key, label, home page and provenance span.

use super::SiteError;
use crate::schema::Schema;
pub use crate::write::cells::iso_date;
use crate::write::cells::{cell, Cell};
use arrow_array::RecordBatch;
use arrow_schema::DataType;
use std::collections::BTreeMap;

/// Tables with a page per row (`<table>/<id>.html`); rows of every other table with a
/// quote are listed on `tables/<table>.html`.
pub const ENTITY_TABLES: &[&str] = &["actors", "citations", "events", "figures", "places"];

/// One table: its schema and every cell as text (None = null).
pub struct Tab<'a> {
    pub schema: &'a Schema,
    pub rows: Vec<Vec<Option<String>>>,
    /// Row index by key (`Tab::key`).
    pub by_key: BTreeMap<String, usize>,
}

/// A provenance span: a row of a curated table with a quote and its place in a source.
#[derive(Clone, Debug)]
pub struct Span {
    pub doc: String,
    pub start: usize,
    pub end: usize,
    pub table: String,
    pub row: usize,
}

impl<'a> Tab<'a> {
    pub fn read(schema: &'a Schema, batch: &RecordBatch) -> Result<Tab<'a>, SiteError> {
        let n = batch.num_rows();
        let mut rows = vec![Vec::with_capacity(schema.fields.len()); n];
        for f in &schema.fields {
            let at = batch
                .schema()
                .index_of(&f.name)
                .map_err(|_| SiteError::Column(format!("{}.{} is missing", schema.name, f.name)))?;
            let cells = cells(batch, at).ok_or_else(|| {
                SiteError::Column(format!(
                    "{}.{} has the unexpected type {}",
                    schema.name,
                    f.name,
                    batch.column(at).data_type()
                ))
            })?;
            for (row, cell) in rows.iter_mut().zip(cells) {
                row.push(cell);
            }
        }
        let mut t = Tab {
            schema,
            rows,
            by_key: BTreeMap::new(),
        };
        t.by_key = (0..n).map(|r| (t.key(r), r)).collect();
        Ok(t)
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.schema.index(name)
    }

    pub fn get(&self, row: usize, name: &str) -> Option<&str> {
        self.col(name).and_then(|i| self.rows[row][i].as_deref())
    }

    pub fn int(&self, row: usize, name: &str) -> Option<i64> {
        self.get(row, name).and_then(|v| v.parse().ok())
    }

    /// The primary key as one string (`~` between the parts of a composite key).
    pub fn key(&self, row: usize) -> String {
        let parts: Vec<&str> = self
            .schema
            .primary_key
            .iter()
            .map(|&i| self.rows[row][i].as_deref().unwrap_or(""))
            .collect();
        parts.join("~")
    }

    /// The HTML id of a row, unique across the site: `<table>.<key>`.
    pub fn anchor(&self, row: usize) -> String {
        format!("{}.{}", self.schema.name, self.key(row))
    }

    pub fn is_entity(&self) -> bool {
        ENTITY_TABLES.contains(&self.schema.name.as_str())
    }

    /// Whether rows carry a provenance span the reader highlights.
    pub fn has_spans(&self) -> bool {
        self.schema.scope != crate::schema::Scope::Generated
            && ["quote", "char_start", "char_end", "doc_id"]
                .iter()
                .all(|c| self.col(c).is_some())
    }

    /// Where a row lives, relative to the site root.
    pub fn home(&self, row: usize) -> String {
        if self.is_entity() {
            format!("{}/{}.html", self.schema.name, file_safe(&self.key(row)))
        } else {
            format!("tables/{}.html#{}", self.schema.name, self.anchor(row))
        }
    }

    /// A short human label for a row.
    pub fn label(&self, row: usize) -> String {
        let g = |n: &str| self.get(row, n).unwrap_or("");
        let label = match self.schema.name.as_str() {
            "actors" | "places" => g("name").to_string(),
            "actor_aliases" | "place_aliases" => {
                format!("“{}” ({})", g("alias"), g("alias_type").replace('_', " "))
            }
            "relations" => format!(
                "{} {} {}",
                g("subject_actor_id"),
                g("relation_type").replace('_', " "),
                g("object_actor_id")
            ),
            "events" => format!(
                "{}{}: {}",
                g("date").to_string() + if g("date").is_empty() { "" } else { " " },
                g("event_type").replace('_', " "),
                short(g("summary"), 90)
            ),
            "figures" => format!("{} {}", g("measure"), number_phrase(self, row)),
            "citations" => {
                let t = if g("title").is_empty() {
                    g("quote")
                } else {
                    g("title")
                };
                format!("fn. {} {}", g("footnote"), short(t, 90))
            }
            "errata" => format!(
                "printed “{}”, read “{}”",
                short(g("printed"), 50),
                short(g("correction"), 50)
            ),
            "footnotes" => format!("footnote {}", g("number")),
            _ => String::new(),
        };
        if label.trim().is_empty() {
            self.key(row)
        } else {
            label
        }
    }

    /// The span of a row, if it has one.
    pub fn span(&self, row: usize) -> Option<Span> {
        Some(Span {
            doc: self.get(row, "doc_id")?.to_string(),
            start: self.int(row, "char_start")? as usize,
            end: self.int(row, "char_end")? as usize,
            table: self.schema.name.clone(),
            row,
        })
    }
}

/// "about 1000 person" style phrase of a figure: qualifier, value or bounds, unit.
pub fn number_phrase(t: &Tab, row: usize) -> String {
    let g = |n: &str| t.get(row, n).unwrap_or("");
    let value = match (g("value"), g("lower_bound"), g("upper_bound")) {
        (v, _, _) if !v.is_empty() => v.to_string(),
        ("", "", "") => String::new(),
        (_, l, "") => format!("{l}+"),
        (_, "", u) => format!("≤{u}"),
        (_, l, u) => format!("{l}–{u}"),
    };
    let per = if g("per").is_empty() {
        String::new()
    } else {
        format!(" per {}", g("per"))
    };
    format!(
        "({} {value} {}{per})",
        g("qualifier").replace('_', " "),
        g("unit")
    )
    .replace("( ", "(")
}

pub fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n).collect();
    out.push('…');
    out
}

/// An id as a file name: ids follow `^[a-z0-9]+(-[a-z0-9]+)*$`; anything else is replaced.
pub fn file_safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every cell of column `col` as display text (through the writers' one cell reader);
/// None when the type is not one the writer produces.
fn cells(batch: &RecordBatch, col: usize) -> Option<Vec<Option<String>>> {
    let supported = match batch.column(col).data_type() {
        DataType::Utf8
        | DataType::Int64
        | DataType::Float64
        | DataType::Boolean
        | DataType::Date32 => true,
        DataType::Dictionary(k, v) => **k == DataType::Int32 && **v == DataType::Utf8,
        _ => false,
    };
    supported.then(|| {
        (0..batch.num_rows())
            .map(|row| match cell(batch, row, col) {
                Cell::Null => None,
                c => Some(c.to_text()),
            })
            .collect()
    })
}

/// YYYY-MM-DD as days since 1970-01-01.
pub fn days_of(iso: &str) -> Option<i64> {
    use chrono::Datelike;
    let mut it = iso.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (it.next()??, it.next()??, it.next()??);
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)?;
    Some(date.num_days_from_ce() as i64 - 719_163)
}
