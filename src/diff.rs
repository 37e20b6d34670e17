//! Row-level difference between two dataset versions, by primary key: rows added,
//! removed, and changed (with the columns that changed). Each version is read from its
//! own CSV files and datapackage.json, so any two released folders can be compared.

use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io;
use std::path::Path;

#[derive(Debug, Default, PartialEq)]
pub struct TableDiff {
    pub table: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Key and the names of the columns whose value changed.
    pub changed: Vec<(String, Vec<String>)>,
    pub columns_added: Vec<String>,
    pub columns_removed: Vec<String>,
}

impl TableDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty() && self.columns_added.is_empty() && self.columns_removed.is_empty()
    }
}

struct Loaded {
    columns: Vec<String>,
    rows: BTreeMap<String, Vec<String>>,
}

/// Tables of a version: name -> primary key columns, from its datapackage.json.
fn tables(dir: &Path) -> io::Result<BTreeMap<String, Vec<String>>> {
    let text = std::fs::read_to_string(dir.join("datapackage.json"))?;
    let pkg: Json = serde_json::from_str(&text).map_err(io::Error::other)?;
    let mut out = BTreeMap::new();
    for r in pkg["resources"].as_array().into_iter().flatten().filter(|r| r["format"] == "csv") {
        let pk = r["schema"]["primaryKey"].as_array().into_iter().flatten().filter_map(|k| k.as_str().map(String::from)).collect();
        out.insert(r["name"].as_str().unwrap_or_default().to_string(), pk);
    }
    Ok(out)
}

fn load(dir: &Path, table: &str, pk: &[String]) -> io::Result<Loaded> {
    let mut rdr = csv::Reader::from_path(dir.join("csv").join(format!("{table}.csv"))).map_err(io::Error::other)?;
    let columns: Vec<String> = rdr.headers().map_err(io::Error::other)?.iter().map(String::from).collect();
    let key_idx: Vec<usize> = pk.iter().filter_map(|k| columns.iter().position(|c| c == k)).collect();
    let mut rows = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(io::Error::other)?;
        let key = key_idx.iter().map(|&i| &rec[i]).collect::<Vec<_>>().join("+");
        rows.insert(key, rec.iter().map(String::from).collect());
    }
    Ok(Loaded { columns, rows })
}

/// A version folder, its descriptor read once; tables are read when asked for.
pub struct Version<'a> {
    dir: &'a Path,
    tables: BTreeMap<String, Vec<String>>,
}

impl<'a> Version<'a> {
    pub fn open(dir: &'a Path) -> io::Result<Version<'a>> {
        Ok(Version { dir, tables: tables(dir)? })
    }
    /// The primary keys of `table`, if the version has that table.
    pub fn keys(&self, table: &str) -> io::Result<Option<BTreeSet<String>>> {
        let Some(pk) = self.tables.get(table) else { return Ok(None) };
        Ok(Some(load(self.dir, table, pk)?.rows.into_keys().collect()))
    }
}

pub fn diff_versions(old: &Path, new: &Path) -> io::Result<Vec<TableDiff>> {
    let (old_t, new_t) = (tables(old)?, tables(new)?);
    let names: BTreeSet<&String> = old_t.keys().chain(new_t.keys()).collect();
    let mut out = Vec::new();
    for name in names {
        let empty = || Loaded { columns: Vec::new(), rows: BTreeMap::new() };
        let a = match old_t.get(name) { Some(pk) => load(old, name, pk)?, None => empty() };
        let b = match new_t.get(name) { Some(pk) => load(new, name, pk)?, None => empty() };
        let mut d = TableDiff { table: name.clone(), ..Default::default() };
        d.columns_added = b.columns.iter().filter(|c| !a.columns.contains(c)).cloned().collect();
        d.columns_removed = a.columns.iter().filter(|c| !b.columns.contains(c)).cloned().collect();
        for (key, row) in &b.rows {
            match a.rows.get(key) {
                None => d.added.push(key.clone()),
                Some(old_row) => {
                    let changed: Vec<String> = b.columns.iter().enumerate()
                        .filter(|(i, c)| a.columns.iter().position(|x| x == *c).is_some_and(|j| old_row[j] != row[*i]))
                        .map(|(_, c)| c.clone())
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
    Ok(out)
}

/// One line per changed row: `table,change,key,columns` (CSV).
pub fn to_table(diffs: &[TableDiff]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["table", "change", "key", "columns"]).unwrap();
    for d in diffs {
        for k in &d.added {
            w.write_record([d.table.as_str(), "added", k, ""]).unwrap();
        }
        for k in &d.removed {
            w.write_record([d.table.as_str(), "removed", k, ""]).unwrap();
        }
        for (k, cols) in &d.changed {
            w.write_record([d.table.as_str(), "changed", k, &cols.join(" ")]).unwrap();
        }
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
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
            let _ = writeln!(s, "- changed `{k}`: {}", cols.join(", "));
        }
        s.push('\n');
    }
    s
}
