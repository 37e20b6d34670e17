//! Row-level difference between two dataset versions, by primary key: rows added,
//! removed, and changed (with each changed column's old and new value). Pure: both
//! versions arrive as data (`load::release` reads released folders; the writer passes
//! the version it is building).

use crate::model::Version;
use std::collections::BTreeSet;
use std::fmt::Write as _;

#[derive(Debug, Default, PartialEq)]
pub struct TableDiff {
    pub table: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Key, and (column, old value, new value) for each column whose value changed.
    pub changed: Vec<(String, Vec<(String, String, String)>)>,
    pub columns_added: Vec<String>,
    pub columns_removed: Vec<String>,
}

impl TableDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() && self.columns_added.is_empty() && self.columns_removed.is_empty()
    }
}

pub fn diff(old: &Version, new: &Version) -> Vec<TableDiff> {
    let names: BTreeSet<&String> = old.tables.keys().chain(new.tables.keys()).collect();
    let empty = Default::default();
    let mut out = Vec::new();
    for name in names {
        let a = old.tables.get(name).unwrap_or(&empty);
        let b = new.tables.get(name).unwrap_or(&empty);
        let mut d = TableDiff { table: name.clone(), ..Default::default() };
        d.columns_added = b.columns.iter().filter(|c| !a.columns.contains(c)).cloned().collect();
        d.columns_removed = a.columns.iter().filter(|c| !b.columns.contains(c)).cloned().collect();
        for (key, row) in &b.rows {
            match a.rows.get(key) {
                None => d.added.push(key.clone()),
                Some(old_row) => {
                    let changed: Vec<(String, String, String)> = b
                        .columns
                        .iter()
                        .enumerate()
                        .filter_map(|(i, c)| {
                            let j = a.columns.iter().position(|x| x == c)?;
                            (old_row[j] != row[i]).then(|| (c.clone(), old_row[j].clone(), row[i].clone()))
                        })
                        .collect();
                    if !changed.is_empty() {
                        d.changed.push((key.clone(), changed));
                    }
                }
            }
        }
        d.removed = a.rows.keys().filter(|k| !b.rows.contains_key(*k)).cloned().collect();
        out.push(d);
    }
    out
}

/// One line per changed row: `table,change,key,columns` (CSV).
pub fn to_table(diffs: &[TableDiff]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut put = |rec: [&str; 4]| w.write_record(rec).expect("writing to memory");
    put(["table", "change", "key", "columns"]);
    for d in diffs {
        for k in &d.added {
            put([&d.table, "added", k, ""]);
        }
        for k in &d.removed {
            put([&d.table, "removed", k, ""]);
        }
        for (k, cols) in &d.changed {
            let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
            put([&d.table, "changed", k, &names.join(" ")]);
        }
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 cells")
}

/// The changelog entry: per table, the ids added, removed and changed.
pub fn to_markdown(title: &str, diffs: &[TableDiff]) -> String {
    let mut s = format!("## {title}\n\n");
    let changed: Vec<&TableDiff> = diffs.iter().filter(|d| !d.is_empty()).collect();
    if changed.is_empty() {
        s.push_str("No row changed.\n");
    }
    let ids = |v: &[String]| v.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    for d in changed {
        let _ = writeln!(s, "### {} (+{} −{} ~{})\n", d.table, d.added.len(), d.removed.len(), d.changed.len());
        if !d.columns_added.is_empty() {
            let _ = writeln!(s, "- columns added: {}", ids(&d.columns_added));
        }
        if !d.columns_removed.is_empty() {
            let _ = writeln!(s, "- columns removed: {}", ids(&d.columns_removed));
        }
        if !d.added.is_empty() {
            let _ = writeln!(s, "- added: {}", ids(&d.added));
        }
        if !d.removed.is_empty() {
            let _ = writeln!(s, "- removed: {}", ids(&d.removed));
        }
        for (k, cols) in &d.changed {
            let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
            let _ = writeln!(s, "- changed `{k}`: {}", names.join(", "));
        }
        s.push('\n');
    }
    s
}
