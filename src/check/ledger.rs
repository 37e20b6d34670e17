//! The keys held corpus-wide while documents stream through: every primary or unique
//! key of a registry or document table that does not contain `doc_id` (one containing
//! it cannot repeat across documents, so each document checks it alone), with where
//! each key was first written. It finds keys used twice across documents, answers the
//! references a document could not resolve within itself, and lists the ids of each
//! table for the id history. Only keys are held, never rows.

use super::keys::Key;
use crate::diag::{Code, Diags, Loc};
use crate::model::{Origin, Project};
use crate::schema::{Schema, Scope};
use crate::value::Cells;
use foldhash::{HashMap, HashMapExt};

/// Joins the cells of a held key (a separator no id or enum value contains).
const SEP: char = '\u{1f}';

/// One held key of a table: its columns and, by key, where it was first written (none
/// for the documents' ids, which come from their folders).
struct Held {
    table: String,
    cols: Vec<usize>,
    first: HashMap<Box<str>, Option<Origin>>,
    /// The file of the first row added.
    file: Option<std::sync::Arc<str>>,
}

/// A key of a row, ready for the ledger: which held key, its cells joined, and the row's
/// origin (made on all cores, added in document order).
pub struct Entry {
    slot: u32,
    key: Box<str>,
    origin: Origin,
}

/// Keys held corpus-wide, with where each was first written.
pub struct Ledger {
    held: Vec<Held>,
}

/// Whether the key `cols` of `schema` is held corpus-wide: a primary or unique key of a
/// registry or document table that does not contain `doc_id`.
pub fn is_held(schema: &Schema, cols: &[usize]) -> bool {
    let doc_id = schema.index("doc_id");
    matches!(schema.scope, Scope::Registry | Scope::Document)
        && !doc_id.is_some_and(|d| cols.contains(&d))
}

/// The held keys of the document tables, in a fixed order: what `Entry::slot` counts.
pub type Slots = Vec<(String, Vec<usize>)>;

pub fn document_slots(p: &Project) -> Slots {
    p.schemas
        .values()
        .filter(|s| s.scope == Scope::Document)
        .flat_map(|s| {
            unique_keys(s)
                .into_iter()
                .filter(|cols| is_held(s, cols))
                .map(|cols| (s.name.clone(), cols))
        })
        .collect()
}

/// The held keys of `rows` of `schema` (each with its origin), to be added in order
/// with `Ledger::add` to the ledger of `slots`.
pub fn entries<'r>(
    slots: &Slots,
    schema: &Schema,
    rows: impl IntoIterator<Item = (&'r Cells, &'r Origin)>,
    out: &mut Vec<Entry>,
) {
    let mine: Vec<(usize, &[usize])> = slots
        .iter()
        .enumerate()
        .filter(|(_, (table, _))| *table == schema.name)
        .map(|(slot, (_, cols))| (slot, cols.as_slice()))
        .collect();
    if mine.is_empty() {
        return;
    }
    let mut buf = String::new();
    for (row, origin) in rows {
        for &(slot, cols) in &mine {
            if let Some(key) = Key::of(row, cols) {
                buf.clear();
                joined_into(&key, &mut buf);
                out.push(Entry {
                    slot: slot as u32,
                    key: buf.as_str().into(),
                    origin: origin.clone(),
                });
            }
        }
    }
}

impl Ledger {
    /// The registry's keys and the documents' ids, both read before any document: keys
    /// the registry uses twice are reported here.
    pub fn registry(p: &Project, diags: &mut Diags) -> Ledger {
        let mut held = Vec::new();
        for s in p.schemas.values() {
            match s.scope {
                Scope::Registry => held.extend(
                    unique_keys(s)
                        .into_iter()
                        .filter(|cols| is_held(s, cols))
                        .map(|cols| Held::new(&s.name, cols)),
                ),
                Scope::DocumentRecord => {
                    let mut ids = Held::new(&s.name, s.primary_key.clone());
                    for d in &p.docs {
                        ids.first.insert(d.doc_id.as_str().into(), None);
                    }
                    held.push(ids);
                }
                Scope::Document | Scope::Generated => {}
            }
        }
        let mut ledger = Ledger { held };
        let slots: Slots = ledger
            .held
            .iter()
            .map(|h| (h.table.clone(), h.cols.clone()))
            .collect();
        for (name, rows) in &p.rows {
            let schema = &p.schemas[name];
            if schema.scope != Scope::Registry {
                continue;
            }
            let mut out = Vec::new();
            let rows = rows.iter().map(|c| (&c.row.values, &c.row.origin));
            entries(&slots, schema, rows, &mut out);
            ledger.add(out, p, diags);
        }
        ledger
    }

    /// An empty ledger of the document tables' keys (`document_slots`), filled as
    /// documents stream through.
    pub fn documents(p: &Project) -> Ledger {
        let held = document_slots(p)
            .into_iter()
            .map(|(t, cols)| Held::new(&t, cols))
            .collect();
        Ledger { held }
    }

    /// One ledger of both: once every document is in.
    pub fn join(mut self, other: Ledger) -> Ledger {
        self.held.extend(other.held);
        self
    }

    fn slot(&self, table: &str, cols: &[usize]) -> Option<usize> {
        self.held
            .iter()
            .position(|h| h.table == table && h.cols == cols)
    }

    /// Adds keys in the order their rows come; a key seen before is reported where it
    /// is used again, with where it was first.
    pub fn add(&mut self, entries: Vec<Entry>, p: &Project, diags: &mut Diags) {
        for e in entries {
            let h = &mut self.held[e.slot as usize];
            match h.first.get(&e.key) {
                None => {
                    h.file.get_or_insert_with(|| e.origin.file.shown.clone());
                    h.first.insert(e.key, Some(e.origin));
                }
                Some(first) => {
                    let schema = &p.schemas[&h.table];
                    let names: Vec<&str> = h
                        .cols
                        .iter()
                        .map(|&i| schema.fields[i].name.as_str())
                        .collect();
                    let first = first.as_ref().map_or_else(
                        || Loc::file_only(&format!("schemas/{}.json", h.table)),
                        |o| o.at(names[0]),
                    );
                    diags.push(
                        e.origin.at(names[0]),
                        Code::DuplicateKey,
                        format!(
                            "{}: {} = {} is used twice (first at {first})",
                            h.table,
                            names.join("+"),
                            shown(&e.key)
                        ),
                    );
                }
            }
        }
    }

    /// Whether some row of `table` has the key `cols` whose cells `key` joins (`joined_into`);
    /// None when that key is not held here.
    pub(super) fn contains_joined(&self, table: &str, cols: &[usize], key: &str) -> Option<bool> {
        let h = &self.held[self.slot(table, cols)?];
        Some(h.first.contains_key(key))
    }

    /// Whether a row of `table` has the row key `id` (its primary-key cells but
    /// `doc_id`, joined by `/`, as errata and claim links name rows); None when the
    /// table's primary key is not held here.
    pub fn has_row(&self, p: &Project, table: &str, id: &str) -> Option<bool> {
        let schema = p.schemas.get(table)?;
        let h = &self.held[self.slot(table, &schema.primary_key)?];
        let key: String = id.split('/').collect::<Vec<_>>().join(&SEP.to_string());
        Some(h.first.contains_key(key.as_str()))
    }

    /// The file of the first row of `table` (for a diagnostic about the whole table).
    pub fn first_file(&self, table: &str) -> Option<std::sync::Arc<str>> {
        self.held.iter().find(|h| h.table == table)?.file.clone()
    }

    /// The ids of a table whose primary key is one held column.
    pub fn ids(&self, table: &str, pk: usize) -> Option<impl Iterator<Item = &str>> {
        let h = &self.held[self.slot(table, &[pk])?];
        Some(h.first.keys().map(|k| &**k))
    }
}

impl Held {
    fn new(table: &str, cols: Vec<usize>) -> Held {
        Held {
            table: table.to_string(),
            cols,
            first: HashMap::new(),
            file: None,
        }
    }
}

/// A table's primary key and its unique columns, each once.
pub fn unique_keys(schema: &Schema) -> Vec<Vec<usize>> {
    let mut keys: Vec<Vec<usize>> = vec![schema.primary_key.clone()];
    keys.extend(
        schema
            .fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.unique)
            .map(|(i, _)| vec![i]),
    );
    keys.dedup();
    // A schema without a primary key is reported at load; there is nothing to check.
    keys.retain(|k| !k.is_empty());
    keys
}

/// A held key as diagnostics show it: its cells joined by `+`.
pub(super) fn shown(key: &str) -> String {
    key.replace(SEP, "+")
}

/// The columns of `target` a foreign key refers to.
pub fn ref_columns(fk: &crate::schema::ForeignKey, target: &Schema) -> Vec<usize> {
    fk.ref_fields
        .iter()
        .filter_map(|n| target.index(n))
        .collect()
}

/// Appends a key's cells joined as held (by a separator no id or enum value contains)
/// to `out`, a buffer reused across rows.
pub(super) fn joined_into(key: &Key, out: &mut String) {
    key.write_joined(SEP, out);
}
