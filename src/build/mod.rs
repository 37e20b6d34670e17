//! From loaded inputs to validated output, document by document. The corpus's small
//! parts (schemas, registry, document records, errata) are loaded first; then documents
//! stream through in runs, each document built on its own on all cores (`document`),
//! its keys added to the ledger in document order, and its rows handed to the sink (the
//! writer) while the next run is built. Only keys and the registry are held for the
//! whole corpus. Once every document is in, the registry's rows and the checks that
//! need the whole corpus follow.

mod document;

pub use document::{read as read_documents, Wanted};

use crate::check::{self, ledger, Broken, Facts, Ledger};
use crate::chunk::{self, Chunk};
use crate::derive::{self, mentions};
use crate::diag::Diags;
use crate::model::{Curated, Dataset, Fixes, Project, Sink, SourceDoc};
use crate::schema::Scope;
use crate::value::Cells;
use document::{DocOut, Shared};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A run of documents built: its keys for the ledger and, unless a problem was found,
/// each table's rows for the writer.
type Finished = (Vec<ledger::Entry>, Option<Vec<Vec<Chunk>>>);

/// What a build hands the writer besides the rows it streamed, and its counts.
pub struct Built<'p> {
    pub dataset: Dataset<'p>,
    pub rows: usize,
}

/// Builds the dataset, handing each run of documents' rows to `sink` (nothing is
/// handed on once a problem is found, but every document is still checked, so all
/// problems are reported in one run). `wanted` says what the writer wants besides the
/// checks; `progress` advances by one per document. None when there are problems (in
/// `diags`); an error of the sink stops the build.
pub fn build<'p>(
    p: &'p Project,
    sink: &mut (dyn Sink + Send),
    wanted: Wanted,
    progress: &indicatif::ProgressBar,
    diags: &mut Diags,
) -> std::io::Result<Option<Built<'p>>> {
    check::foreign_key_targets(p, diags);
    let registry_keys = Ledger::registry(p, diags);
    let mut doc_keys = Ledger::documents(p);
    let shared = Shared {
        slots: ledger::document_slots(p),
        fixes: fixes_of(p),
        aliases: mentions::Aliases::new(&p.contract, &p.rows),
        named: check::named(p),
        by_doc: derive::rows_by_doc(p, &p.rows),
        wanted,
        arrows: p
            .schemas
            .values()
            .map(|s| Arc::new(chunk::arrow_schema(s, HashMap::new())))
            .collect(),
    };
    let tables_n = p.schemas.len();
    let mut registry: BTreeMap<&str, Vec<Option<Cells>>> = p
        .rows
        .iter()
        .filter(|(t, _)| p.schemas[*t].scope == Scope::Registry)
        .map(|(t, rows)| (t.as_str(), vec![None; rows.len()]))
        .collect();
    let (mut facts, mut pending) = (Facts::default(), Vec::new());
    let (mut broken_docs, mut broken_tables) = (p.broken_docs.clone(), p.broken_tables.clone());
    let mut texts: Vec<SourceDoc> = Vec::new();
    let mut rows = 0;
    // A run of documents is built on all cores while the keys of the run before it are
    // added to the ledger and its rows written.
    let run = (4 * rayon::current_num_threads()).max(1);
    let mut writing = true;
    let mut previous: Option<Finished> = None;
    for docs in p.docs.chunks(run) {
        let mut found = Diags::default();
        let (outs, written) = rayon::join(
            || -> Vec<DocOut> {
                docs.par_iter()
                    .with_max_len(1)
                    .map(|rec| {
                        crate::timings::lap_start();
                        let out = document::build(p, &shared, &registry_keys, rec);
                        progress.inc(1);
                        out
                    })
                    .collect()
            },
            || match previous.take() {
                Some((keys, runs)) => {
                    let add = || doc_keys.add(keys, p, &mut found);
                    let write = || runs.map_or(Ok(()), |r| sink.append(r));
                    rayon::join(add, write).1
                }
                None => Ok(()),
            },
        );
        written?;
        diags.0.extend(found.0);
        let mut tables: Vec<Vec<Chunk>> = (0..tables_n).map(|_| Vec::new()).collect();
        let mut keys = Vec::new();
        for (rec, out) in docs.iter().zip(outs) {
            diags.0.extend(out.diags.0);
            if out.broken {
                broken_docs.push(rec.doc_id.clone());
            }
            broken_tables.extend(out.broken_tables);
            keys.extend(out.keys);
            pending.extend(out.pending);
            facts.extend(out.facts);
            for (t, i, row) in out.registry {
                if let Some(slot) = registry.get_mut(t) {
                    slot[i] = Some(row);
                }
            }
            if let Some(e) = out.error {
                return Err(e);
            }
            rows += out.rows;
            for (all, mine) in tables.iter_mut().zip(out.tables) {
                all.extend(mine);
            }
            texts.extend(out.text);
        }
        // Once a problem is found nothing more is written; the checks go on.
        writing &= diags.is_empty();
        previous = Some((keys, writing.then_some(tables)));
    }
    if let Some((keys, runs)) = previous.take() {
        doc_keys.add(keys, p, diags);
        if let Some(r) = runs.filter(|_| diags.is_empty()) {
            sink.append(r)?;
        }
    }
    progress.finish_and_clear();
    let ledger = registry_keys.join(doc_keys);
    crate::timings::mark("documents");

    // The registry: rows no document built (their document is missing or broken) are
    // derived without one, as their quotes cannot be proved.
    let mut tables = crate::model::Tables::new();
    for (name, slots) in &mut registry {
        let schema = &p.schemas[*name];
        let curated: &[Curated] = &p.rows[*name];
        let mut built = Vec::with_capacity(slots.len());
        for (slot, c) in slots.iter_mut().zip(curated) {
            built.push(slot.take().unwrap_or_else(|| {
                let id = crate::value::Value::str(c.doc.clone());
                let cx = derive::Context {
                    doc_id: &id,
                    span: None,
                    laid: None,
                    fixes: &shared.fixes,
                    origin: &c.row.origin,
                };
                derive::derive_row(schema, c.row.values.clone(), &cx, diags)
            }));
        }
        tables.insert(name, (built, curated.iter().collect()));
    }
    pending.extend(check::check_keys(
        p,
        &tables,
        &[&ledger],
        &broken_tables,
        diags,
    ));
    check::resolve(pending, &ledger, &broken_tables, &broken_docs, diags);
    let broken = Broken {
        docs: &broken_docs,
        tables: &broken_tables,
    };
    check::corpus_rules(p, &tables, &ledger, &facts, &shared.named, &broken, diags);
    crate::timings::mark("registry, corpus checks");
    if !diags.is_empty() {
        return Ok(None);
    }
    let mut runs: Vec<Vec<Chunk>> = Vec::with_capacity(tables_n);
    for ((name, schema), arrow) in p.schemas.iter().zip(&shared.arrows) {
        let mut run = Vec::new();
        if let Some((mut built, _)) = tables.remove(name.as_str()) {
            document::sort_by_key(schema, &mut built);
            rows += built.len();
            if wanted.chunks && !built.is_empty() {
                run.push(Chunk::encode(schema, arrow, built, wanted.rows)?);
            }
        }
        runs.push(run);
    }
    sink.append(runs)?;
    Ok(Some(Built {
        dataset: Dataset {
            meta: &p.meta,
            sources: sources(p),
            includes: p.includes.clone(),
            released: &p.released,
            reasons: reasons(p),
            texts,
        },
        rows,
    }))
}

/// The SHA-256 each document's record pins for its source, by doc_id (checked against
/// the source's bytes as the document is built).
pub fn sources(p: &Project) -> Vec<(String, String)> {
    let sha = p.contract.documents.sha256;
    p.docs
        .iter()
        .map(|d| (d.doc_id.clone(), d.record.values[sha].to_text()))
        .collect()
}

/// The curators' reasons for this version's changes and removals.
fn reasons(p: &Project) -> BTreeMap<(String, String), String> {
    let this = |v: &str| v == p.meta.version;
    let changed = p
        .changes
        .iter()
        .filter(|(c, _)| this(&c.version))
        .map(|(c, _)| ((c.table.clone(), c.id.clone()), c.reason.clone()));
    let retired = p
        .retired
        .iter()
        .filter(|(r, _)| this(&r.version))
        .map(|(r, _)| {
            let merged = r
                .replaced_by
                .as_ref()
                .map_or(String::new(), |x| format!(" (merged into `{x}`)"));
            (
                (r.table.clone(), r.id.clone()),
                format!("{}{merged}", r.reason),
            )
        });
    changed.chain(retired).collect()
}

/// What each erratum corrects: (table, row key, column) → (printed, correction).
fn fixes_of(p: &Project) -> Fixes {
    let e = &p.contract.errata;
    let mut fixes = Fixes::new();
    for c in p.rows.get("errata").into_iter().flatten() {
        let cell = |i: usize| c.row.values[i].as_str().map(str::to_string);
        if let (Some(t), Some(id), Some(col), Some(pr), Some(co)) = (
            cell(e.table_name),
            cell(e.row_id),
            cell(e.column_name),
            cell(e.printed),
            cell(e.correction),
        ) {
            fixes.entry((t, id, col)).or_default().push((pr, co));
        }
    }
    fixes
}
