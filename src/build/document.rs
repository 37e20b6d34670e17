//! One document's pass, run on all cores with other documents: its source and curated
//! tables read (`load`), every quote proved and the page map and footnotes derived
//! (`derive::lay_out`), each row's derived columns computed, the generated tables made,
//! and the document's own keys and rules checked. What comes out is the document's rows
//! of each table in key order, its keys for the ledger and what the corpus checks need.

use crate::check::{self, ledger, Facts, Ledger, Named, Pending};
use crate::chunk::Chunk;
use crate::derive::{self, coverage, mentions, Values};
use crate::diag::Diags;
use crate::load;
use crate::model::{Curated, DocRecord, Fixes, Project, Rows, SourceDoc, Span, Tables};
use crate::schema::{Schema, Scope};
use crate::value::{Cells, Value};
use std::collections::{BTreeMap, HashMap};

/// What every document's pass reads, made once for the corpus.
pub struct Shared<'p> {
    pub fixes: Fixes,
    pub aliases: mentions::Aliases,
    pub named: Named,
    /// The document tables' keys the ledger holds (`check::ledger::document_slots`).
    pub slots: ledger::Slots,
    /// The corpus's curated rows (registry, errata) by the document their quotes are
    /// proved against: (table, index in `Project::rows`).
    pub by_doc: HashMap<&'p str, Vec<(&'p str, usize)>>,
    /// What the writer wants of each document.
    pub wanted: Wanted,
    /// Each table's Arrow schema (in schema-name order), for its chunks.
    pub arrows: Vec<arrow_schema::SchemaRef>,
}

/// What the writer wants of each document besides its checks.
#[derive(Clone, Copy, Default)]
pub struct Wanted {
    /// Its rows of each table as chunks (none for `check`).
    pub chunks: bool,
    /// The rows themselves, kept in the chunks (for the release surface).
    pub rows: bool,
    /// Its source's text (for the site's reader).
    pub texts: bool,
}

/// One document's results.
#[derive(Default)]
pub struct DocOut {
    pub diags: Diags,
    /// The document's rows of each table (in schema-name order), in key order, encoded
    /// for the writer (none for the registry's tables, or when no chunks are wanted).
    pub tables: Vec<Option<Chunk>>,
    pub rows: usize,
    /// Registry rows proved against this document, derived: (table, index in
    /// `Project::rows`, row).
    pub registry: Vec<(String, usize, Cells)>,
    /// The keys of its rows the ledger holds, in row order.
    pub keys: Vec<ledger::Entry>,
    pub pending: Vec<Pending>,
    pub facts: Facts,
    /// The document could not be read; or some of its tables.
    pub broken: bool,
    pub broken_tables: Vec<String>,
    pub text: Option<SourceDoc>,
    /// Encoding a chunk failed (it does not, short of memory).
    pub error: Option<std::io::Error>,
}

/// Builds one document.
pub fn build(p: &Project, sh: &Shared, registry: &Ledger, rec: &DocRecord) -> DocOut {
    let mut out = DocOut::default();
    let diags = &mut out.diags;
    let Some(doc) = load::source(p, rec, diags) else {
        out.broken = true;
        return out;
    };
    let (mut local, broken_tables) = load::tables(p, rec, diags);
    crate::timings::lap(crate::timings::Lap::Load);
    // The corpus's rows proved against this document join its own; a registry row's
    // place in the corpus is kept, to put it back.
    let mut registry_at: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &(t, i) in sh.by_doc.get(rec.doc_id.as_str()).into_iter().flatten() {
        local
            .entry(t.to_string())
            .or_default()
            .push(p.rows[t][i].clone());
        if p.schemas[t].scope == Scope::Registry {
            registry_at.entry(t).or_default().push(i);
        }
    }
    let mut vals: Values = local
        .iter_mut()
        .map(|(t, rows)| {
            let values = rows.iter_mut().map(|c| std::mem::take(&mut c.row.values));
            (t.clone(), values.collect())
        })
        .collect();
    let reqs = derive::rows_by_doc(p, &local)
        .remove(rec.doc_id.as_str())
        .unwrap_or_default();
    let (laid, proved, found) = derive::lay_out(p, &local, &vals, &doc, &reqs);
    diags.0.extend(found.0);
    crate::timings::lap(crate::timings::Lap::Prove);
    let mut spans: HashMap<&str, Vec<Option<Span>>> = HashMap::new();
    for ((t, i), span) in proved {
        spans.entry(t).or_insert_with(|| vec![None; local[t].len()])[i] = Some(span);
    }

    // Derived columns, table by table.
    let id = Value::str(doc.id.clone());
    let mut tables: Tables = BTreeMap::new();
    for (name, schema) in &p.schemas {
        let (mut rows, mut origins) = (Vec::new(), Vec::new());
        match schema.scope {
            Scope::DocumentRecord => {
                let cx = derive::Context {
                    doc_id: &id,
                    span: None,
                    laid: Some(&laid),
                    fixes: &sh.fixes,
                    origin: &doc.record.origin,
                };
                rows.push(derive::derive_row(
                    schema,
                    doc.record.values.clone(),
                    &cx,
                    diags,
                ));
            }
            Scope::Registry | Scope::Document => {
                let values = vals.remove(name.as_str()).unwrap_or_default();
                let curated: &[Curated] = local.get(name).map_or(&[], Vec::as_slice);
                for (i, (values, c)) in values.into_iter().zip(curated).enumerate() {
                    // Rows whose quote failed keep null provenance: the build fails
                    // anyway, and keeping them avoids a cascade of foreign-key errors.
                    let cx = derive::Context {
                        doc_id: &id,
                        span: spans.get(name.as_str()).and_then(|s| s[i]),
                        laid: Some(&laid),
                        fixes: &sh.fixes,
                        origin: &c.row.origin,
                    };
                    rows.push(derive::derive_row(schema, values, &cx, diags));
                    origins.push(c);
                }
            }
            Scope::Generated => {}
        }
        tables.insert(name.as_str(), (rows, origins));
    }
    crate::timings::lap(crate::timings::Lap::Derive);

    // The registry's rows go back to the corpus; the document's own tables go on.
    for (t, at) in registry_at {
        let rows = tables.remove(t).map_or_else(Vec::new, |r| r.0);
        out.registry
            .extend(rows.into_iter().zip(at).map(|(r, i)| (t.to_string(), i, r)));
    }
    let c = &p.contract;
    let generated = [
        ("pages", derive::pages(&c.pages, &laid)),
        ("mentions", sh.aliases.document(c, &laid)),
    ];
    for (name, rows) in generated {
        tables.entry(name).or_default().0 = rows;
    }
    let coverage = coverage::generate(c, std::slice::from_ref(&laid), &tables);
    tables.entry("coverage").or_default().0 = coverage;
    crate::timings::lap(crate::timings::Lap::Generate);

    // The document's own keys and rules; what needs the corpus is kept for later.
    let mut broken = p.broken_tables.clone();
    broken.extend(broken_tables.iter().cloned());
    out.pending = check::check_keys(p, &tables, &[registry], &broken, diags);
    out.facts = check::document_rules(p, &tables, &laid, &sh.named, diags);
    for (name, (rows, origins)) in &tables {
        let schema = &p.schemas[*name];
        for (row, c) in rows.iter().zip(origins) {
            ledger::entries(&sh.slots, schema, row, &c.row.origin, &mut out.keys);
        }
    }
    crate::timings::lap(crate::timings::Lap::Check);

    // A document with problems is not written (nor is anything after it), and its rows
    // may break their schema (a null in a required column): it is not encoded.
    let encode = sh.wanted.chunks && out.diags.is_empty();
    let mut chunks = Vec::with_capacity(p.schemas.len());
    for ((name, schema), arrow) in p.schemas.iter().zip(&sh.arrows) {
        let mut rows = tables.remove(name.as_str()).map_or_else(Vec::new, |r| r.0);
        out.rows += rows.len();
        if rows.is_empty() || !encode {
            chunks.push(None);
            continue;
        }
        sort_by_key(schema, &mut rows);
        crate::timings::lap(crate::timings::Lap::Sort);
        let keep = sh.wanted.rows || schema.scope == Scope::DocumentRecord;
        match Chunk::encode(schema, arrow, rows, keep) {
            Ok(c) => chunks.push(Some(c)),
            Err(e) => {
                out.error = Some(e);
                chunks.push(None);
            }
        }
        crate::timings::lap(crate::timings::Lap::Encode);
    }
    out.tables = chunks;
    out.broken_tables = broken_tables;
    out.text = sh.wanted.texts.then(|| SourceDoc {
        doc_id: doc.doc_id.clone(),
        text: doc.text.clone(),
    });
    out
}

/// A table's rows in the order of its primary key.
pub fn sort_by_key(schema: &Schema, rows: &mut [Cells]) {
    rows.sort_by(|a, b| {
        schema
            .primary_key
            .iter()
            .map(|&k| a[k].cmp_key(&b[k]))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

/// A document's source and every curated row proved against it (its own tables and the
/// corpus's rows that name it), as the build reads them: for `locate`.
pub fn read(p: &Project, rec: &DocRecord, diags: &mut Diags) -> Option<(crate::model::Doc, Rows)> {
    let doc = load::source(p, rec, diags)?;
    let (mut local, _) = load::tables(p, rec, diags);
    for (t, rows) in &p.rows {
        let mine = rows.iter().filter(|c| c.doc.as_str() == rec.doc_id);
        local.entry(t.clone()).or_default().extend(mine.cloned());
    }
    Some((doc, local))
}
