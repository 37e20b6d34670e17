//! Loading `raw/`: the dataset record, the schemas, every document folder (record, source,
//! curated tables) and the shared registry. Nothing is checked across files here; that is
//! `build`'s job. Everything read is kept with its location for diagnostics.

mod plain;
pub mod release;
pub mod rows;

use crate::diag::{Code, Diags, LineIndex, Loc};
use crate::model::{
    Change, Curated, DatasetMeta, Doc, DocRecord, LayoutConfig, Project, Released, Retired, Row,
    Rows,
};
use crate::schema::{self, Schema, Scope};
use crate::text::Normalized;
use crate::value::Strings;
use rayon::prelude::*;
use rows as load;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::DeTable;
use toml::Spanned;

/// Hand-written files that travel with every version: (path from the root, name in the
/// version, required). The datasheet is required; the double-coding report travels when
/// there is one. The full text of each licence of `raw/dataset.toml` comes too, from
/// `raw/licenses/<name>.txt`, as `LICENSE`. (The version's CITATION.cff is generated;
/// the repository's own is only checked for the version.)
pub const INCLUDES: &[(&str, &str, bool)] = &[
    ("raw/DATASHEET.md", "DATASHEET.md", true),
    ("raw/DOUBLE_CODING.md", "DOUBLE_CODING.md", false),
];

/// Keys of curated rows that are read but are not columns.
pub const QUOTE_INPUTS: &[&str] = &["quote_prefix"];

/// The byte where `key = ...` starts in a TOML text (None when it is not written so, as
/// when the key is quoted).
fn key_offset(text: &str, key: &str) -> Option<usize> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let rest = line.trim_start();
        if rest
            .strip_prefix(key)
            .is_some_and(|r| r.trim_start().starts_with('='))
        {
            return Some(start + line.len() - rest.len());
        }
        start += line.len();
    }
    None
}

/// A day of the calendar written as YYYY-MM-DD (chrono alone also takes signs, spaces and
/// one-digit months).
fn is_calendar_date(s: &str) -> bool {
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shape && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// Loads the project at `root`, and what `out_root` holds of earlier releases.
pub fn load(root: &Path, out_root: &Path, diags: &mut Diags) -> Option<Project> {
    let (raw, schemas_dir) = (&root.join("raw"), &root.join("schemas"));
    let shown = |p: &Path| crate::diag::display_path(p, root);
    let schemas = load_schemas(schemas_dir, &shown(schemas_dir), diags);
    let meta_path = raw.join("dataset.toml");
    let meta = load::read_text(&meta_path, &shown(&meta_path), diags).and_then(|t| {
        let idx = LineIndex::new(&shown(&meta_path), t.as_str());
        let at_key = |key| idx.loc(key_offset(&t, key).unwrap_or(0));
        match toml::from_str::<DatasetMeta>(&t) {
            // The name becomes the version's folder and archive names: an id, no path.
            Ok(m) if !schema::is_id(&m.name) => {
                diags.push(
                    at_key("name"),
                    Code::Path,
                    format!("'name' = '{}' must be lower-case letters and digits joined by hyphens; it names the version's folder and archive", m.name),
                );
                None
            }
            // The release date goes into the citation, the card and the deposit's metadata.
            Ok(m) if !is_calendar_date(&m.published) => {
                diags.push(
                    at_key("published"),
                    Code::Date,
                    format!("'published' = '{}' must be a calendar date, YYYY-MM-DD", m.published),
                );
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                diags.push(
                    idx.loc(e.span().map_or(0, |s| s.start)),
                    Code::TomlSyntax,
                    e.message().trim().to_string(),
                );
                None
            }
        }
    });
    let contract = crate::contract::resolve(&schemas, diags);
    let (Some(contract), Some(meta)) = (contract, meta) else {
        return None;
    };
    let doc_schema = &schemas["documents"];
    let mut rows: BTreeMap<String, Vec<Curated>> = BTreeMap::new();
    let mut docs = Vec::new();
    let (mut broken_docs, mut broken_tables) = (Vec::new(), Vec::new());
    let docs_dir = raw.join("documents");
    let mut folders: Vec<PathBuf> = match std::fs::read_dir(&docs_dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.path())
            .collect(),
        Err(e) => {
            diags.push(
                Loc::file_only(&shown(&docs_dir)),
                Code::MissingFile,
                format!("cannot read the documents folder: {e}"),
            );
            Vec::new()
        }
    };
    folders.sort();
    // Each document's record is read here, on all cores, in folder order: the corpus's
    // list of documents and the hashes of their sources are known before any document
    // is built. So are their errata, since an erratum may correct a row of any table.
    // Sources and the other curated tables are read document by document by `build`.
    let id_field = &doc_schema.fields[contract.documents.doc_id];
    let errata = schemas.get("errata").filter(|s| s.scope == Scope::Document);
    let loaded: Vec<_> = folders
        .par_iter()
        .map(|folder| {
            let mut d = Diags::default();
            let doc_id = folder.file_name().unwrap().to_string_lossy().into_owned();
            if !id_field.pattern.as_ref().is_none_or(|p| p.is_match(&doc_id)) {
                d.push(Loc::file_only(&shown(folder)), Code::Pattern, format!("document folder name '{doc_id}' is not a valid doc_id (lowercase words joined by '-')"));
                return (doc_id, None, None, d);
            }
            let Some(record) = load_record(folder, &doc_id, doc_schema, root, &mut d) else {
                return (doc_id, None, None, d);
            };
            let errata = errata.map(|s| {
                let path = folder.join(format!("{}.toml", s.name));
                let before = d.len();
                let rows = load_table(&path, &shown(&path), s, &mut Strings::default(), &mut d);
                (rows, unreadable(&d, before))
            });
            (doc_id, Some(record), errata, d)
        })
        .collect();
    for (doc_id, record, errata, d) in loaded {
        diags.0.extend(d.0);
        let Some(record) = record else {
            broken_docs.push(doc_id);
            continue;
        };
        if let Some((errata, broken)) = errata {
            if broken {
                broken_tables.push("errata".to_string());
            }
            rows.entry("errata".to_string())
                .or_default()
                .extend(errata.into_iter().map(|row| Curated {
                    doc: record.id.clone(),
                    row,
                }));
        }
        docs.push(record);
    }
    for s in schemas.values().filter(|s| s.scope == Scope::Registry) {
        let path = raw.join("registry").join(format!("{}.toml", s.name));
        let doc_col = s.index("doc_id");
        let before = diags.len();
        for row in load_table(&path, &shown(&path), s, &mut Strings::default(), diags) {
            let doc = doc_col
                .and_then(|i| row.values[i].as_str())
                .unwrap_or_default()
                .into();
            rows.entry(s.name.clone())
                .or_default()
                .push(Curated { doc, row });
        }
        if unreadable(diags, before) {
            broken_tables.push(s.name.clone());
        }
    }
    let mut includes = Vec::new();
    for &(from, to, required) in INCLUDES {
        let path = root.join(from);
        if !required && !path.exists() {
            continue;
        }
        if let Some(text) = load::read_text(&path, &shown(&path), diags) {
            includes.push((to.to_string(), text.into_bytes()));
        }
    }
    let licence_texts: Vec<String> = meta
        .licenses
        .iter()
        .filter_map(|l| {
            let path = raw.join("licenses").join(format!("{}.txt", l.name));
            load::read_text(&path, &shown(&path), diags)
        })
        .collect();
    if !licence_texts.is_empty() {
        includes.push((
            "LICENSE".to_string(),
            licence_texts.join("\n\n").into_bytes(),
        ));
    }
    let citation = root.join("CITATION.cff");
    if let Some(text) = load::read_text(&citation, &shown(&citation), diags) {
        check_citation_version(&text, &meta.version, &shown(&citation), diags);
    }
    let retired = load_list::<Retired>(
        &raw.join("retired_ids.toml"),
        &shown(&raw.join("retired_ids.toml")),
        "retired",
        diags,
    );
    let changes_path = raw.join("changes.toml");
    let changes = if changes_path.exists() {
        load_list::<Change>(&changes_path, &shown(&changes_path), "changes", diags)
    } else {
        Vec::new()
    };
    let released = load_released(out_root, &meta, &shown(out_root), diags);
    Some(Project {
        root: root.to_path_buf(),
        meta,
        schemas,
        contract,
        docs,
        rows,
        includes,
        retired,
        changes,
        broken_docs,
        broken_tables,
        released,
    })
}

/// Reads every `*.json` in the schema folder, in name order.
pub fn load_schemas(dir: &Path, shown: &str, diags: &mut Diags) -> BTreeMap<String, Schema> {
    let mut out = BTreeMap::new();
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(e) => {
            diags.push(
                Loc::file_only(shown),
                Code::MissingFile,
                format!("cannot read the schema folder: {e}"),
            );
            return out;
        }
    };
    paths.sort();
    for path in paths {
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let file = format!("{shown}/{stem}.json");
        let Some(text) = load::read_text(&path, &file, diags) else {
            continue;
        };
        if let Some(s) = schema::parse(&text, &stem, &file, diags) {
            out.insert(s.name.clone(), s);
        }
    }
    out
}

/// The latest release, the latest one before this version, and this version's files
/// if it is released.
fn load_released(out_root: &Path, meta: &DatasetMeta, shown: &str, diags: &mut Diags) -> Released {
    let current: Vec<u64> = meta
        .version
        .split('.')
        .filter_map(|x| x.parse().ok())
        .collect();
    let read = || -> std::io::Result<Released> {
        let all = release::releases(out_root, &meta.name)?;
        let latest = all
            .last()
            .map(|(_, d)| release::read_version(d).map(Arc::new))
            .transpose()?;
        // Usually the previous release is the latest one: read each folder once.
        let previous = match all.iter().rev().find(|(v, _)| *v < current) {
            Some((v, _)) if Some(v) == all.last().map(|(v, _)| v) => latest.clone(),
            Some((_, d)) => Some(Arc::new(release::read_version(d)?)),
            None => None,
        };
        let dir = all.iter().find(|(v, _)| *v == current).map(|(_, d)| d);
        let here = dir.map(|d| release::file_hashes(d)).transpose()?;
        let notes = dir
            .map(|d| std::fs::read(d.join(crate::model::RELEASE_NOTES)))
            .transpose()?;
        Ok(Released {
            latest,
            previous,
            current: here,
            current_notes: notes,
        })
    };
    read().unwrap_or_else(|e| {
        diags.push(
            Loc::file_only(shown),
            Code::Io,
            format!("cannot read the earlier releases: {e}"),
        );
        Released::default()
    })
}

/// Whether the problems added since `before` kept a whole file from being read.
fn unreadable(diags: &Diags, before: usize) -> bool {
    diags.0[before..].iter().any(|d| d.code.unreadable_file())
}

/// A file holding one array of tables `key` (`[[retired]]`, `[[changes]]`), each entry
/// with where it was written.
fn load_list<T: serde::de::DeserializeOwned>(
    path: &Path,
    shown: &str,
    key: &str,
    diags: &mut Diags,
) -> Vec<(T, Loc)> {
    let Some(text) = load::read_text(path, shown, diags) else {
        return Vec::new();
    };
    let index = LineIndex::new(shown, text.as_str());
    match toml::from_str::<BTreeMap<String, Vec<Spanned<T>>>>(&text) {
        Ok(mut f) => f
            .remove(key)
            .unwrap_or_default()
            .into_iter()
            .map(|r| (index.loc(r.span().start), r.into_inner()))
            .map(|(l, r)| (r, l))
            .collect(),
        Err(e) => {
            diags.push(
                index.loc(e.span().map_or(0, |s| s.start)),
                Code::TomlSyntax,
                e.message().trim().to_string(),
            );
            Vec::new()
        }
    }
}

/// CITATION.cff must cite the version being built.
fn check_citation_version(text: &str, version: &str, shown: &str, diags: &mut Diags) {
    let line = text.lines().position(|l| l.starts_with("version:"));
    let found = line.map(|i| {
        text.lines().nth(i).unwrap()["version:".len()..]
            .trim()
            .trim_matches('"')
            .to_string()
    });
    if found.as_deref() != Some(version) {
        let loc = Loc {
            file: Arc::from(shown),
            line: line.map_or(1, |i| i + 1),
            col: 1,
        };
        let found = found.map_or("no version line".to_string(), |f| format!("'{f}'"));
        diags.push(loc, Code::Version, format!("CITATION.cff must say `version: {version}` (raw/dataset.toml's version), found {found}"));
    }
}

fn load_table(
    path: &Path,
    shown: &str,
    schema: &Schema,
    strings: &mut Strings,
    diags: &mut Diags,
) -> Vec<Row> {
    let Some(text) = load::read_text(path, shown, diags) else {
        return Vec::new();
    };
    if !load::check_line_ends(&text, shown, diags) {
        return Vec::new();
    }
    let inputs: &[&str] = if schema.has_quote() {
        QUOTE_INPUTS
    } else {
        &[]
    };
    load::parse_rows(&text, path, shown, schema, inputs, strings, diags)
}

/// A document's record (`document.toml`): its row of the documents table, its
/// `[layout]` and the file name of its source.
fn load_record(
    folder: &Path,
    doc_id: &str,
    schema: &Schema,
    root: &Path,
    diags: &mut Diags,
) -> Option<DocRecord> {
    let path = folder.join("document.toml");
    let shown = crate::diag::display_path(&path, root);
    let text = load::read_text(&path, &shown, diags)?;
    if !load::check_line_ends(&text, &shown, diags) {
        return None;
    }
    let index = LineIndex::new(&shown, text.as_str());
    let mut map = match DeTable::parse(&text) {
        Ok(m) => m.into_inner(),
        Err(e) => {
            diags.push(
                index.loc(e.span().map_or(0, |s| s.start)),
                Code::TomlSyntax,
                e.message().trim().to_string(),
            );
            return None;
        }
    };
    let (layout, layout_loc) = match map.remove_entry("layout") {
        None => (None, index.loc(0)),
        Some((k, v)) => {
            let loc = index.loc(k.span().start);
            match LayoutConfig::deserialize(toml::de::ValueDeserializer::from(v)) {
                Ok(l) => (Some(l), loc),
                Err(e) => {
                    diags.push(
                        loc,
                        Code::Layout,
                        format!("[layout] is malformed: {}", e.message().trim()),
                    );
                    return None;
                }
            }
        }
    };
    let names = load::key_names(schema, &["source"]);
    let file = load::curated_file(&path, &text, &index, None, names);
    let record = load::typed_row(
        0,
        load::keys(map),
        &index,
        (&file, 0),
        schema,
        &mut Strings::default(),
        diags,
    );
    let Some(source) = record.input("source").map(str::to_string) else {
        diags.push(
            record.origin.row_loc(),
            Code::Required,
            "documents: 'source' (the file name of the source text) is required",
        );
        return None;
    };
    if source.contains(['/', '\\']) || source.starts_with('.') {
        diags.push(
            record.origin.at("source"),
            Code::Path,
            format!("'source' = '{source}' must be a plain file name in the document's folder"),
        );
        return None;
    }
    Some(DocRecord {
        doc_id: doc_id.to_string(),
        id: doc_id.into(),
        folder: folder.to_path_buf(),
        record,
        layout,
        layout_loc,
        source,
    })
}

/// A document's source text, checked against the SHA-256 its record pins.
pub fn source(p: &Project, rec: &DocRecord, diags: &mut Diags) -> Option<Doc> {
    let source_path = rec.folder.join(&rec.source);
    let source_shown = crate::diag::display_path(&source_path, &p.root);
    let bytes = match std::fs::read(&source_path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(
                rec.record.origin.at("source"),
                Code::MissingFile,
                format!("source text {source_shown}: {e}"),
            );
            return None;
        }
    };
    let digest = format!("{:x}", Sha256::digest(&bytes));
    let pinned = rec.record.values[p.contract.documents.sha256].as_str();
    if let Some(pinned) = pinned.filter(|p| *p != digest) {
        diags.push(
            rec.record.origin.at("sha256"),
            Code::HashMismatch,
            format!("{source_shown} has SHA-256 {digest}, not the pinned {pinned}; the source must never change (vendor a new document instead)"),
        );
        return None;
    }
    let n = bytes.len();
    let text = load::decode(bytes, &source_shown, diags)?;
    let source_rel = crate::diag::display_path(&source_path, &p.root.join("raw"));
    Some(Doc {
        doc_id: rec.doc_id.clone(),
        id: rec.id.clone(),
        record: rec.record.clone(),
        layout: rec.layout.clone(),
        layout_loc: rec.layout_loc.clone(),
        source_rel,
        source_shown,
        bytes: n,
        char_count: text.chars().count(),
        norm: Normalized::new(&text),
        text,
    })
}

/// A document's curated tables (those of document scope, but the errata, read with the
/// records), and the names of those that could not be read.
pub fn tables(p: &Project, rec: &DocRecord, diags: &mut Diags) -> (Rows, Vec<String>) {
    let (mut tables, mut broken) = (Rows::new(), Vec::new());
    let mut strings = Strings::default();
    let document = |s: &&Schema| s.scope == Scope::Document && s.name != "errata";
    for s in p.schemas.values().filter(document) {
        let path = rec.folder.join(format!("{}.toml", s.name));
        let shown = crate::diag::display_path(&path, &p.root);
        let before = diags.len();
        let rows = load_table(&path, &shown, s, &mut strings, diags);
        if unreadable(diags, before) {
            broken.push(s.name.clone());
        }
        let rows = rows.into_iter().map(|row| Curated {
            doc: rec.id.clone(),
            row,
        });
        tables.insert(s.name.clone(), rows.collect());
    }
    (tables, broken)
}
