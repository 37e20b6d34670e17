//! One SQLite database per version, for SQL users and Datasette: every table with typed
//! columns (INTEGER, REAL, TEXT; dates as ISO 8601 TEXT; enums checked against their
//! vocabulary), primary keys, foreign keys with an index each, and `search_index`, one
//! row per searchable text (quotes, names, aliases, summaries, descriptions, titles)
//! saying which table, row and column it comes from, with an FTS5 index over it.
//!
//! The database is built in memory and written with `VACUUM INTO`, which lays pages out
//! afresh; nothing in it depends on the time, so two builds give the same bytes.

use super::cells::{cell, Cell, TableRef};
use crate::model::DatasetMeta;
use crate::schema::{FieldType, Schema, Scope};
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::{json, Map, Value as Json};
use std::io;
use std::path::Path;

/// Columns whose text is indexed for full-text search.
pub const SEARCHED: &[&str] = &["name", "alias", "summary", "title", "description", "quote"];

/// The database's file name in a version folder (Datasette names the database by its stem).
pub fn file_name(meta: &DatasetMeta) -> String {
    format!("{}.sqlite", meta.name)
}

/// The Datasette metadata file beside it.
pub const METADATA_FILE: &str = "datasette-metadata.json";

/// Name of the table of searchable texts, and of its FTS5 index.
pub const SEARCH_TABLE: &str = "search_index";
pub const SEARCH_FTS: &str = "search_index_fts";

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// SQLite's error says what failed; kept whole as the source, under a name for it.
#[derive(Debug)]
struct SqlError(rusqlite::Error);

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sqlite: {}", self.0)
    }
}

impl std::error::Error for SqlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn sql_err(e: rusqlite::Error) -> io::Error {
    io::Error::other(SqlError(e))
}

/// `CREATE TABLE` of one table: typed columns, NOT NULL, enum CHECKs, keys.
pub fn create_table(s: &Schema) -> String {
    let mut parts: Vec<String> = s
        .fields
        .iter()
        .map(|f| {
            let ty = match f.ftype {
                FieldType::Integer | FieldType::Boolean => "INTEGER",
                FieldType::Number => "REAL",
                FieldType::String | FieldType::Date => "TEXT",
            };
            let mut c = format!("{} {ty}", ident(&f.name));
            if f.required {
                c.push_str(" NOT NULL");
            }
            if f.unique && !(s.primary_key.len() == 1 && s.fields[s.primary_key[0]].name == f.name)
            {
                c.push_str(" UNIQUE");
            }
            if let Some(voc) = &f.vocabulary {
                let values: Vec<String> = voc.iter().map(|(k, _)| literal(k)).collect();
                c.push_str(&format!(
                    " CHECK ({} IN ({}))",
                    ident(&f.name),
                    values.join(", ")
                ));
            }
            if f.ftype == FieldType::Boolean {
                c.push_str(&format!(" CHECK ({} IN (0, 1))", ident(&f.name)));
            }
            c
        })
        .collect();
    let names = |idx: &[usize]| {
        idx.iter()
            .map(|&i| ident(&s.fields[i].name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    parts.push(format!("PRIMARY KEY ({})", names(&s.primary_key)));
    for fk in &s.foreign_keys {
        let refs: Vec<String> = fk.ref_fields.iter().map(|f| ident(f)).collect();
        parts.push(format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            names(&fk.fields),
            ident(&fk.table),
            refs.join(", ")
        ));
    }
    format!(
        "CREATE TABLE {} (\n  {}\n)",
        ident(&s.name),
        parts.join(",\n  ")
    )
}

fn to_sql(c: Cell<'_>) -> Sql {
    match c {
        Cell::Null => Sql::Null,
        Cell::Text(s) => Sql::Text(s.to_string()),
        Cell::Int(i) => Sql::Integer(i),
        Cell::Real(r) => Sql::Real(r),
        Cell::Bool(b) => Sql::Integer(i64::from(b)),
        Cell::Date(d) => Sql::Text(super::cells::iso_date(d)),
    }
}

/// Writes the database of `tables` to `path` (replacing it). Fails if a foreign key is
/// not satisfied, so a database that ships always passes `PRAGMA foreign_key_check`.
pub fn write_database(meta: &DatasetMeta, tables: &[TableRef<'_>], path: &Path) -> io::Result<()> {
    let db = Connection::open_in_memory().map_err(sql_err)?;
    // Rows go in table by table, so references are checked once at the end.
    db.execute_batch(
        "PRAGMA foreign_keys = OFF; PRAGMA page_size = 4096; PRAGMA encoding = 'UTF-8';",
    )
    .map_err(sql_err)?;
    let version: i64 = meta
        .version
        .split('.')
        .take(3)
        .fold(0, |acc, p| acc * 1000 + p.parse::<i64>().unwrap_or(0));
    db.execute_batch(&format!("PRAGMA user_version = {version};"))
        .map_err(sql_err)?;
    db.execute_batch("BEGIN").map_err(sql_err)?;
    for (schema, batch) in tables {
        db.execute_batch(&create_table(schema)).map_err(sql_err)?;
        let marks = vec!["?"; schema.fields.len()].join(", ");
        let mut insert = db
            .prepare(&format!(
                "INSERT INTO {} VALUES ({marks})",
                ident(&schema.name)
            ))
            .map_err(sql_err)?;
        for r in 0..batch.num_rows() {
            let row: Vec<Sql> = (0..schema.fields.len())
                .map(|c| to_sql(cell(batch, r, c)))
                .collect();
            insert
                .execute(rusqlite::params_from_iter(row))
                .map_err(sql_err)?;
        }
        for fk in &schema.foreign_keys {
            // An index on the referencing columns, unless the primary key starts with them.
            if schema.primary_key.starts_with(&fk.fields) {
                continue;
            }
            let cols: Vec<&str> = fk
                .fields
                .iter()
                .map(|&i| schema.fields[i].name.as_str())
                .collect();
            let name = format!("{}_by_{}", schema.name, cols.join("_"));
            let quoted: Vec<String> = cols.iter().map(|c| ident(c)).collect();
            db.execute_batch(&format!(
                "CREATE INDEX {} ON {} ({})",
                ident(&name),
                ident(&schema.name),
                quoted.join(", ")
            ))
            .map_err(sql_err)?;
        }
    }
    write_search(&db, tables)?;
    db.execute_batch("COMMIT").map_err(sql_err)?;
    let broken: i64 = db
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .map_err(sql_err)?;
    if broken > 0 {
        return Err(io::Error::other(format!(
            "sqlite: {broken} rows break a foreign key"
        )));
    }
    if path.exists() {
        std::fs::remove_file(path)?;
    }
    db.execute("VACUUM INTO ?1", [path.to_string_lossy()])
        .map_err(sql_err)?;
    Ok(())
}

/// The searchable texts of every curated table and their FTS5 index (external content,
/// so each text is stored once). Generated tables (pages, mentions) repeat the curated
/// text and are left out.
fn write_search(db: &Connection, tables: &[TableRef<'_>]) -> io::Result<()> {
    db.execute_batch(&format!(
        "CREATE TABLE {SEARCH_TABLE} (
  id INTEGER PRIMARY KEY,
  source_table TEXT NOT NULL,
  source_key TEXT NOT NULL,
  source_column TEXT NOT NULL,
  page INTEGER,
  text TEXT NOT NULL
);
CREATE VIRTUAL TABLE {SEARCH_FTS} USING fts5(text, content=\"{SEARCH_TABLE}\", content_rowid=\"id\");"
    ))
    .map_err(sql_err)?;
    let mut insert = db.prepare(&format!("INSERT INTO {SEARCH_TABLE} (source_table, source_key, source_column, page, text) VALUES (?1, ?2, ?3, ?4, ?5)")).map_err(sql_err)?;
    for (schema, batch) in tables.iter().filter(|(s, _)| s.scope != Scope::Generated) {
        let page = schema.index("page");
        for r in 0..batch.num_rows() {
            let key: Vec<String> = schema
                .primary_key
                .iter()
                .map(|&k| cell(batch, r, k).to_text())
                .collect();
            let page = page.map_or(Sql::Null, |p| to_sql(cell(batch, r, p)));
            for (c, f) in schema
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| SEARCHED.contains(&f.name.as_str()))
            {
                if let Some(text) = cell(batch, r, c).as_str().filter(|t| !t.is_empty()) {
                    insert
                        .execute(rusqlite::params![
                            schema.name,
                            key.join("/"),
                            f.name,
                            page,
                            text
                        ])
                        .map_err(sql_err)?;
                }
            }
        }
    }
    db.execute_batch(&format!("INSERT INTO {SEARCH_FTS}({SEARCH_FTS}) VALUES ('rebuild'); INSERT INTO {SEARCH_FTS}({SEARCH_FTS}) VALUES ('optimize');")).map_err(sql_err)
}

/// Datasette metadata (`datasette <db> --metadata <this file>`): title, description,
/// licence and source of the dataset; title, description and column descriptions of
/// every table; and the full-text search of `search_index`. `db_name` is the database
/// file's name without extension (Datasette's name for it).
pub fn datasette_metadata(meta: &DatasetMeta, tables: &[TableRef<'_>], db_name: &str) -> String {
    let mut t = Map::new();
    for (schema, _) in tables {
        let columns: Map<String, Json> = schema
            .fields
            .iter()
            .map(|f| (f.name.clone(), Json::from(f.description.clone())))
            .collect();
        let pk: Vec<&str> = schema
            .primary_key
            .iter()
            .map(|&i| schema.fields[i].name.as_str())
            .collect();
        t.insert(schema.name.clone(), json!({"title": schema.title, "description": schema.description, "columns": columns, "sort": pk[0]}));
    }
    t.insert(
        SEARCH_TABLE.into(),
        json!({
            "title": "Full-text search",
            "description": format!("Every {} of the curated tables, one row per text, with the table, primary key (parts joined by '/') and column it comes from. Search it with the box above (SQLite FTS5).", SEARCHED.join(", ")),
            "fts_table": SEARCH_FTS,
            "fts_pk": "id",
            "columns": {
                "id": "Row number of the text in this index.",
                "source_table": "Table the text comes from.",
                "source_key": "Primary key of the row it comes from (parts joined by '/').",
                "source_column": "Column it comes from.",
                "page": "Journal page of the passage, where the table has one.",
                "text": "The text.",
            },
        }),
    );
    let sources: Vec<String> = super::citation::references(tables)
        .iter()
        .map(super::citation::Reference::text)
        .collect();
    let mut m = json!({
        "title": meta.title,
        "description": meta.description,
        "source": sources.join(" "),
        "databases": {db_name: {"title": meta.title, "description": meta.description, "tables": t}},
    });
    if let Some(l) = meta.licenses.first() {
        m["license"] = Json::from(l.name.clone());
        m["license_url"] = Json::from(l.path.clone());
    }
    if let Some(h) = &meta.homepage {
        m["about"] = Json::from(meta.name.clone());
        m["about_url"] = Json::from(h.clone());
    }
    serde_json::to_string_pretty(&m).unwrap() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
    }
}
