//! One document's pass, run on all cores with other documents: its source and curated
//! tables read (`load`), every quote proved and the page map and footnotes derived
//! (`derive::lay_out`), each row's derived columns computed, the generated tables made,
//! and the document's own keys and rules checked. What comes out is the document's rows
//! of each table in key order, its keys for the ledger and what the corpus checks need.

use crate::check::{self, ledger, Facts, Ledger, Named, Pending};
use crate::chunk::{keeps_rows, Chunk};
use crate::derive::{self, coverage, mentions, Values};
use crate::diag::Diags;
use crate::load;
use crate::model::{Curated, Doc, DocRecord, Fixes, Project, Rows, SourceDoc, Span, Tables};
use crate::schema::{Schema, Scope};
use crate::value::{Cells, Value};
use std::collections::{BTreeMap, HashMap};

/// The corpus's curated rows (registry, errata) by the document their quotes are proved
/// against: (table, index in `Project::rows`).
pub type ByDoc<'p> = HashMap<&'p str, Vec<(&'p str, usize)>>;

/// What every document's pass reads, made once for the corpus.
pub struct Shared<'p> {
    pub fixes: Fixes,
    pub aliases: mentions::Aliases,
    pub named: Named,
    /// The document tables' keys the ledger holds (`check::ledger::document_slots`).
    pub slots: ledger::Slots,
    pub by_doc: ByDoc<'p>,
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
pub struct DocOut<'p> {
    pub diags: Diags,
    /// The document's rows of each table (in schema-name order), in key order, encoded
    /// for the writer (none for the registry's tables, or when no chunks are wanted).
    pub tables: Vec<Option<Chunk>>,
    pub rows: usize,
    /// Registry rows proved against this document, derived: (table, index in
    /// `Project::rows`, row).
    pub registry: Vec<(&'p str, usize, Cells)>,
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
pub fn build<'p>(
    p: &'p Project,
    sh: &Shared<'p>,
    registry: &Ledger,
    rec: &DocRecord,
) -> DocOut<'p> {
    let mut out = DocOut::default();
    let diags = &mut out.diags;
    let Some(doc) = load::source(p, rec, diags) else {
        out.broken = true;
        return out;
    };
    let (mut local, broken_tables) = load::tables(p, rec, diags);
    crate::timings::lap(crate::timings::Lap::Load);
    let registry_at = join_corpus_rows(p, &sh.by_doc, rec, &mut local);
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
            .extend(rows.into_iter().zip(at).map(|(r, i)| (t, i, r)));
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
        let rows = rows.iter().zip(origins.iter().map(|c| &c.row.origin));
        ledger::entries(&sh.slots, &p.schemas[*name], rows, &mut out.keys);
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
        match Chunk::encode(schema, arrow, rows, keeps_rows(schema, sh.wanted.rows)) {
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

/// The corpus's rows (registry, errata) proved against `rec` join its own tables in
/// `local`; returns where each of its registry rows is in the corpus, to put it back.
fn join_corpus_rows<'p>(
    p: &'p Project,
    by_doc: &ByDoc<'p>,
    rec: &DocRecord,
    local: &mut Rows,
) -> BTreeMap<&'p str, Vec<usize>> {
    let mut registry_at: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &(t, i) in by_doc.get(rec.doc_id.as_str()).into_iter().flatten() {
        local
            .entry(t.to_string())
            .or_default()
            .push(p.rows[t][i].clone());
        if p.schemas[t].scope == Scope::Registry {
            registry_at.entry(t).or_default().push(i);
        }
    }
    registry_at
}

/// The source of each document `wanted` picks and every curated row proved against it
/// (its own tables and the corpus's rows that name it), as the build reads them, for
/// `locate`; documents that cannot be read are left out (the build says why).
pub fn read<'p>(
    p: &'p Project,
    wanted: impl Fn(&DocRecord) -> bool + 'p,
) -> impl Iterator<Item = (Doc, Rows)> + 'p {
    let by_doc = derive::rows_by_doc(p, &p.rows);
    p.docs
        .iter()
        .filter(move |rec| wanted(rec))
        .filter_map(move |rec| {
            let mut diags = Diags::default();
            let doc = load::source(p, rec, &mut diags)?;
            let (mut local, _) = load::tables(p, rec, &mut diags);
            join_corpus_rows(p, &by_doc, rec, &mut local);
            Some((doc, local))
        })
}
