//! Row-level difference between two dataset versions, by primary key: rows added,
//! removed, and changed (with each changed column's old and new value). Pure: both
//! versions arrive as data (`load::release` reads released folders; the writer passes
//! the version it is building).

use crate::model::{DatasetMeta, Table, Version, VersionTable};
use crate::schema::FieldType;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A changed cell: (column, old value, new value).
pub type ColumnChange = (String, String, String);

#[derive(Debug, Default, PartialEq)]
pub struct TableDiff {
    pub table: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Key, and each column whose value changed.
    pub changed: Vec<(String, Vec<ColumnChange>)>,
    pub columns_added: Vec<String>,
    pub columns_removed: Vec<String>,
    /// Only one of the two versions has the table.
    pub table_added: bool,
    pub table_removed: bool,
}

impl TableDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.columns_added.is_empty()
            && self.columns_removed.is_empty()
    }
}

/// A dataset being built, as the text cells its CSV files hold (its tables' rows must
/// be kept: a release keeps them).
pub fn version_of(meta: &DatasetMeta, tables: &[Table]) -> Version {
    let tables = tables
        .iter()
        .map(|t| {
            let s = t.schema;
            let key: Vec<String> = s
                .primary_key
                .iter()
                .map(|&k| s.fields[k].name.clone())
                .collect();
            let types = s
                .fields
                .iter()
                .map(|f| {
                    let ty = match f.ftype {
                        FieldType::String => "string",
                        FieldType::Integer => "integer",
                        FieldType::Number => "number",
                        FieldType::Boolean => "boolean",
                        FieldType::Date => "date",
                    };
                    (
                        ty.to_string(),
                        f.vocabulary
                            .as_ref()
                            .map(|v| v.iter().map(|(k, _)| k.clone()).collect()),
                    )
                })
                .collect();
            let rows = t
                .rows
                .as_deref()
                .expect("the rows of a version being compared are kept")
                .iter()
                .map(|r| {
                    (
                        s.primary_key
                            .iter()
                            .map(|&k| r[k].to_text())
                            .collect::<Vec<_>>()
                            .join("/"),
                        r.iter().map(Value::to_text).collect(),
                    )
                })
                .collect();
            (
                s.name.clone(),
                VersionTable {
                    key,
                    columns: s.fields.iter().map(|f| f.name.clone()).collect(),
                    types,
                    rows,
                },
            )
        })
        .collect();
    Version {
        label: format!("{}-{}", meta.name, meta.version),
        version: meta.version.clone(),
        tables,
    }
}

pub fn diff(old: &Version, new: &Version) -> Vec<TableDiff> {
    let names: BTreeSet<&String> = old.tables.keys().chain(new.tables.keys()).collect();
    let empty = Default::default();
    let mut out = Vec::new();
    for name in names {
        let a = old.tables.get(name).unwrap_or(&empty);
        let b = new.tables.get(name).unwrap_or(&empty);
        let mut d = TableDiff {
            table: name.clone(),
            table_added: !old.tables.contains_key(name),
            table_removed: !new.tables.contains_key(name),
            ..Default::default()
        };
        d.columns_added = b
            .columns
            .iter()
            .filter(|c| !a.columns.contains(c))
            .cloned()
            .collect();
        d.columns_removed = a
            .columns
            .iter()
            .filter(|c| !b.columns.contains(c))
            .cloned()
            .collect();
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
                            (old_row[j] != row[i])
                                .then(|| (c.clone(), old_row[j].clone(), row[i].clone()))
                        })
                        .collect();
                    if !changed.is_empty() {
                        d.changed.push((key.clone(), changed));
                    }
                }
            }
        }
        d.removed = a
            .rows
            .keys()
            .filter(|k| !b.rows.contains_key(*k))
            .cloned()
            .collect();
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

/// The changelog entry: per table, the rows added, removed (with the curators' reason)
/// and changed (each changed column's old and new value, and the reason).
pub fn to_markdown(
    title: &str,
    diffs: &[TableDiff],
    reasons: &BTreeMap<(String, String), String>,
) -> String {
    let mut s = format!("## {title}\n\n");
    let changed: Vec<&TableDiff> = diffs.iter().filter(|d| !d.is_empty()).collect();
    if changed.is_empty() {
        s.push_str("No row changed.\n");
    }
    let ids = |v: &[String]| {
        v.iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cell = |v: &str| {
        if v.is_empty() {
            "(empty)".to_string()
        } else {
            format!("`{}`", v.replace('`', "'"))
        }
    };
    for d in changed {
        let why = |k: &str| reasons.get(&(d.table.clone(), k.to_string()));
        let _ = writeln!(
            s,
            "### {} (+{} −{} ~{})\n",
            d.table,
            d.added.len(),
            d.removed.len(),
            d.changed.len()
        );
        if d.table_added {
            let _ = writeln!(s, "- new table, with columns {}", ids(&d.columns_added));
        } else if d.table_removed {
            let _ = writeln!(s, "- table removed");
        } else {
            if !d.columns_added.is_empty() {
                let _ = writeln!(s, "- columns added: {}", ids(&d.columns_added));
            }
            if !d.columns_removed.is_empty() {
                let _ = writeln!(s, "- columns removed: {}", ids(&d.columns_removed));
            }
        }
        if !d.added.is_empty() {
            let _ = writeln!(s, "- added: {}", ids(&d.added));
        }
        for k in &d.removed {
            let _ = writeln!(
                s,
                "- removed `{k}`{}",
                why(k).map_or(String::new(), |r| format!(": {r}"))
            );
        }
        for (k, cols) in &d.changed {
            let _ = writeln!(
                s,
                "- changed `{k}`{}",
                why(k).map_or(String::new(), |r| format!(": {r}"))
            );
            for (c, old, new) in cols {
                let _ = writeln!(s, "  - `{c}`: {} → {}", cell(old), cell(new));
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VersionTable;

    fn version(tables: &[(&str, &[&str])]) -> Version {
        let tables = tables
            .iter()
            .map(|(name, ids)| {
                let rows = ids.iter().map(|id| (id.to_string(), vec![id.to_string()]));
                let table = VersionTable {
                    key: vec!["id".into()],
                    columns: vec!["id".into()],
                    rows: rows.collect(),
                    ..Default::default()
                };
                (name.to_string(), table)
            })
            .collect();
        Version {
            tables,
            ..Default::default()
        }
    }

    #[test]
    fn a_new_or_removed_table_is_named_as_such_in_the_changelog() {
        let old = version(&[("actors", &["a1"]), ("notes", &["n1"])]);
        let new = version(&[("actors", &["a1", "a2"]), ("places", &["p1"])]);
        let md = to_markdown("1.1.0", &diff(&old, &new), &BTreeMap::new());
        assert!(
            md.contains("### places (+1 −0 ~0)\n\n- new table, with columns `id`\n"),
            "{md}"
        );
        assert!(
            md.contains("### notes (+0 −1 ~0)\n\n- table removed\n"),
            "{md}"
        );
        assert!(
            md.contains("### actors (+1 −0 ~0)\n\n- added: `a2`\n"),
            "{md}"
        );
        assert!(!md.contains("columns added"), "{md}");
    }
}
