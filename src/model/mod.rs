//! The types every stage shares, at the bottom of the module graph: the dataset's
//! record, documents and curated rows as loaded (with where each was written), the
//! previous release, and the validated dataset handed to the writer. Stages import
//! from here, never from one another upwards.

pub mod layout;

use crate::diag::Loc;
use crate::schema::Schema;
use crate::text::Normalized;
use crate::value::{Cells, Value};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use layout::{Layout, Note, Page};

/// A located passage: half-open code-point span of the original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// The dataset's own record (`raw/dataset.toml`).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct DatasetMeta {
    pub name: String,
    pub version: String,
    /// Release date of this version (ISO 8601), written by the curators.
    pub published: String,
    pub title: String,
    pub description: String,
    pub homepage: Option<String>,
    pub keywords: Vec<String>,
    pub licenses: Vec<License>,
    pub contributors: Vec<Contributor>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct License {
    pub name: String,
    pub title: String,
    pub path: String,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Contributor {
    pub title: String,
    pub role: String,
}

/// An id taken out of the dataset (`raw/retired_ids.toml`): it may never come back.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Retired {
    pub table: String,
    pub id: String,
    /// The first version without it.
    pub version: String,
    pub reason: String,
    /// The id that now carries the fact, when the row was merged into another.
    pub replaced_by: Option<String>,
}

/// Why a released row changed (`raw/changes.toml`): `release` requires one for every
/// changed row of a released table.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The version the change first appears in.
    pub version: String,
    pub table: String,
    /// The row's key: its primary-key cells joined by `/`.
    pub id: String,
    pub reason: String,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct LayoutConfig {
    #[serde(default)]
    pub running_headers: Vec<String>,
    #[serde(default)]
    pub not_page_starts: Vec<NotPageStart>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct NotPageStart {
    pub quote: String,
    pub quote_prefix: Option<String>,
    pub reason: String,
}

/// A document as the corpus lists it, read before any document is built: its record
/// (`document.toml`) and where its source and curated tables are.
pub struct DocRecord {
    pub doc_id: String,
    /// The same id as every cell of its rows holds it (shared, made once).
    pub id: crate::value::Text,
    pub folder: std::path::PathBuf,
    /// The documents-table row.
    pub record: Row,
    /// How the source shows its printed pages; None for a source without them.
    pub layout: Option<LayoutConfig>,
    pub layout_loc: Loc,
    /// The source's file name in the folder.
    pub source: String,
}

/// One source document: its record, its text and how the text is laid out.
pub struct Doc {
    pub doc_id: String,
    /// The same id as every cell of its rows holds it (shared, made once).
    pub id: crate::value::Text,
    /// The documents-table row.
    pub record: Row,
    /// How the source shows its printed pages; None for a source without them.
    pub layout: Option<LayoutConfig>,
    pub layout_loc: Loc,
    /// Path of the source inside raw/, and as shown in diagnostics.
    pub source_rel: String,
    pub source_shown: String,
    pub bytes: usize,
    /// The source text, and its length in code points (the unit of every offset).
    pub text: String,
    pub char_count: usize,
    pub norm: Normalized,
}

impl Doc {
    /// The text as code points, for offset arithmetic; made when needed, because held for
    /// every document they took four bytes a character.
    pub fn chars(&self) -> Vec<char> {
        self.text.chars().collect()
    }
}

/// Curated rows by table name.
pub type Rows = BTreeMap<String, Vec<Curated>>;

/// A source document's text, exactly as in raw/ (for the site's reader).
pub struct SourceDoc {
    pub doc_id: String,
    pub text: String,
}

/// A curated row and the document its quote is proved against.
#[derive(Clone)]
pub struct Curated {
    /// Shared by the document's rows.
    pub doc: crate::value::Text,
    pub row: Row,
}

pub struct Project {
    /// The project's folder (paths in diagnostics are shown relative to it).
    pub root: std::path::PathBuf,
    pub contract: crate::contract::Contract,
    pub meta: DatasetMeta,
    pub schemas: BTreeMap<String, Schema>,
    /// The documents whose records could be read, in folder (doc_id) order.
    pub docs: Vec<DocRecord>,
    /// Curated rows read before the documents are built, by table name: the registry's
    /// tables, shared by all documents, and every document's errata (an erratum may
    /// correct a row of any document, so all are known before any row is derived).
    pub rows: Rows,
    /// Files copied into every version: (name in the version, bytes).
    pub includes: Vec<(String, Vec<u8>)>,
    /// Retired ids, with where each was written.
    pub retired: Vec<(Retired, Loc)>,
    /// Reasons for changed rows, with where each was written.
    pub changes: Vec<(Change, Loc)>,
    /// Documents and tables that could not be read: references into them are not
    /// reported again (their own error says what is wrong).
    pub broken_docs: Vec<String>,
    pub broken_tables: Vec<String>,
    /// Earlier releases in the output folder.
    pub released: Released,
}

/// Where each key of a row was written: (index into the file's key names, line, column).
pub type KeyPositions = Box<[(u16, u32, u32)]>;

/// A curated file, for locating its rows in diagnostics. Every row keeps only its own
/// line and column; where its keys were written is found again, by reading the file once
/// more, when a diagnostic first asks (held for every row, the positions took 160 MB at
/// corpus scale). `load` supplies the reader, so this module reads no files.
pub struct CuratedFile {
    pub shown: Arc<str>,
    /// The key names a row of this file may use (columns, then input-only keys).
    pub names: Arc<[String]>,
    keys: std::sync::OnceLock<Vec<KeyPositions>>,
    relocate: Box<dyn Fn() -> Vec<KeyPositions> + Send + Sync>,
}

impl CuratedFile {
    /// A file whose key positions `relocate` finds again, row by row in file order.
    pub fn new(
        shown: Arc<str>,
        names: Arc<[String]>,
        relocate: Box<dyn Fn() -> Vec<KeyPositions> + Send + Sync>,
    ) -> CuratedFile {
        CuratedFile {
            shown,
            names,
            keys: std::sync::OnceLock::new(),
            relocate,
        }
    }
    fn keys(&self, row: u32) -> &[(u16, u32, u32)] {
        let all = self.keys.get_or_init(|| (self.relocate)());
        all.get(row as usize).map_or(&[], |k| k)
    }
}

impl std::fmt::Debug for CuratedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Where a row was written: its file, its place among the file's rows, and the line and
/// column of the row itself.
#[derive(Clone, Debug)]
pub struct Origin {
    pub file: Arc<CuratedFile>,
    pub ordinal: u32,
    pub row: (u32, u32),
}

impl Origin {
    /// The location of `key` in the row, or of the row itself when the key is absent.
    pub fn at(&self, key: &str) -> Loc {
        let names = &self.file.names;
        let (line, col) = self
            .file
            .keys(self.ordinal)
            .iter()
            .find(|k| names[k.0 as usize] == key)
            .map_or(self.row, |k| (k.1, k.2));
        Loc {
            file: self.file.shown.clone(),
            line: line as usize,
            col: col as usize,
        }
    }
    pub fn row_loc(&self) -> Loc {
        Loc {
            file: self.file.shown.clone(),
            line: self.row.0 as usize,
            col: self.row.1 as usize,
        }
    }
}

/// A curated row: values in schema order (derived columns still null).
#[derive(Clone, Debug)]
pub struct Row {
    pub values: Cells,
    /// Keys read from the file that are not columns (`quote_prefix`, `source`).
    pub inputs: Box<[(String, String)]>,
    /// Columns the curator wrote whose value could not be read (reported already).
    pub unread: Box<[u16]>,
    pub origin: Origin,
}

impl Row {
    pub fn input(&self, key: &str) -> Option<&str> {
        self.inputs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// An output table as written: its schema, what the codebook says of it and, where the
/// release surface needs them (the card, SQLite, the site, the changelog), its rows in
/// output order; at corpus scale rows are dropped as soon as they are written.
pub struct Table<'a> {
    pub schema: &'a Schema,
    pub stats: Stats,
    pub rows: Option<Vec<Cells>>,
}

/// A table's counts, kept as its rows pass to the writer.
#[derive(Debug)]
pub struct Stats {
    pub rows: usize,
    pub nulls: Vec<usize>,
    /// Per column, the first value that is not null, in output order.
    pub examples: Vec<Option<Value>>,
    /// Per enum column, how often each value of its vocabulary occurs (in its order).
    pub counts: Vec<Vec<usize>>,
}

impl Stats {
    pub fn new(schema: &Schema) -> Stats {
        let n = schema.fields.len();
        Stats {
            rows: 0,
            nulls: vec![0; n],
            examples: vec![None; n],
            counts: schema
                .fields
                .iter()
                .map(|f| vec![0; f.vocabulary.as_ref().map_or(0, Vec::len)])
                .collect(),
        }
    }

    /// Counts a chunk of rows that follows the rows counted so far, from its Arrow batch
    /// (columns in schema order, enums as dictionaries of their vocabulary).
    pub fn add(&mut self, chunk: &crate::chunk::Chunk) {
        use arrow_array::cast::AsArray;
        use arrow_array::Array;
        self.rows += chunk.len();
        for (i, column) in chunk.batch.columns().iter().enumerate() {
            self.nulls[i] += column.null_count();
            if self.examples[i].is_none() {
                self.examples[i] = chunk.examples[i].clone();
            }
            if let Some(dict) = column.as_dictionary_opt::<arrow_array::types::Int32Type>() {
                for k in dict.keys().iter().flatten() {
                    self.counts[i][k as usize] += 1;
                }
            }
        }
    }
}

/// Where validated rows go as documents finish: the writer's open files, or nowhere
/// (`check`). Each table's chunks (tables in schema-name order), each chunk following
/// the ones before it.
pub trait Sink {
    fn append(&mut self, tables: Vec<Vec<crate::chunk::Chunk>>) -> std::io::Result<()>;
}

/// What the writer needs besides the tables' rows.
pub struct Dataset<'a> {
    pub meta: &'a DatasetMeta,
    /// SHA-256 of each source, by doc_id.
    pub sources: Vec<(String, String)>,
    /// Files copied into every version as they are (datasheet, CITATION.cff).
    pub includes: Vec<(String, Vec<u8>)>,
    /// Earlier releases, as loaded.
    pub released: &'a Released,
    /// The curators' reason for each row changed or removed in this version, by
    /// (table, row key).
    pub reasons: BTreeMap<(String, String), String>,
    /// The source texts, for the site's reader.
    pub texts: Vec<SourceDoc>,
}

/// Corrections the errata make to cells: (table, row key, column) → (printed,
/// correction) pairs, applied in order to give a corrected column.
pub type Fixes = std::collections::HashMap<(String, String, String), Vec<(String, String)>>;

/// How errata and claim links name a row: its primary-key cells other than `doc_id`,
/// joined by `/`.
pub fn row_key(schema: &Schema, row: &[Value]) -> String {
    let cells: Vec<String> = schema
        .primary_key
        .iter()
        .filter(|&&k| schema.fields[k].name != "doc_id")
        .map(|&k| row[k].to_text())
        .collect();
    cells.join("/")
}

/// A document after its quotes are resolved and its layout derived.
pub struct Laid<'p> {
    pub doc: &'p Doc,
    pub layout: Layout,
}

/// Output rows by table, with the curated row each came from (none for generated rows).
pub type Tables<'a> = BTreeMap<&'a str, (Vec<Cells>, Vec<&'a Curated>)>;

/// A released version holds its changelog entry; its other files never change.
pub const RELEASE_NOTES: &str = "CHANGES.md";

/// A dataset version as text cells (as its CSV files hold them): what the id history,
/// the changelog and `kdata diff` compare.
#[derive(Debug, Default)]
pub struct Version {
    /// The folder name, e.g. `afpak-militancy-1.1.0`.
    pub label: String,
    pub version: String,
    pub tables: BTreeMap<String, VersionTable>,
}

#[derive(Debug, Default)]
pub struct VersionTable {
    /// Primary-key columns; a row's key is their cells joined by `/`.
    pub key: Vec<String>,
    pub columns: Vec<String>,
    /// Each column's type (as its Table Schema says) and allowed values, if an enum.
    pub types: Vec<(String, Option<Vec<String>>)>,
    pub rows: BTreeMap<String, Vec<String>>,
}

/// What the output folder holds of earlier builds, read by `load` for the later stages.
#[derive(Debug, Default)]
pub struct Released {
    /// The latest release (for the id history): ids of every table.
    pub latest: Option<Arc<Version>>,
    /// The latest release older than the version being built (for its changelog).
    pub previous: Option<Arc<Version>>,
    /// When the version being built is itself released: its files' SHA-256 by path
    /// (release notes aside), and its release notes.
    pub current: Option<BTreeMap<String, String>>,
    pub current_notes: Option<Vec<u8>>,
}
