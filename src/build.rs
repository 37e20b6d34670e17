//! From loaded inputs to validated output tables: proves every quote against its source,
//! derives the page map and footnotes, computes derived columns, checks keys and
//! references, runs the whole-dataset checks and generates pages and mentions.

use crate::check;
use crate::derive::{self, mentions, Values};
use crate::diag::Diags;
use crate::model::Span;
use crate::model::{Curated, Dataset, Doc, Fixes, Laid, Project};
use crate::schema::Schema;
use crate::schema::Scope;
use crate::value::{Cells, Value};
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Builds the dataset. The curated values are moved out of the project into the output
/// rows, so they exist once; the curated rows (with their origins, for diagnostics) and
/// the documents are taken from the project and dropped once validated, because the
/// writer needs neither.
/// The validated tables, each sorted by its primary key, in name order.
pub type Sorted<'p> = Vec<(&'p Schema, Vec<Cells>)>;

pub fn build<'p>(
    p: &'p mut Project,
    diags: &mut Diags,
) -> Option<(Sorted<'p>, Dataset<'p>, &'p Project)> {
    build_with_progress(p, diags, &indicatif::ProgressBar::hidden())
}

/// `build`, advancing `progress` by one per document laid out (a progress bar on a
/// terminal, hidden otherwise).
pub fn build_with_progress<'p>(
    p: &'p mut Project,
    diags: &mut Diags,
    progress: &indicatif::ProgressBar,
) -> Option<(Sorted<'p>, Dataset<'p>, &'p Project)> {
    let mut curated = std::mem::take(&mut p.rows);
    let docs = std::mem::take(&mut p.docs);
    let mut vals: Values = curated
        .iter_mut()
        .map(|(t, rows)| {
            (
                t.clone(),
                rows.iter_mut()
                    .map(|c| std::mem::take(&mut c.row.values))
                    .collect(),
            )
        })
        .collect();
    let p: &'p Project = p;
    // 1-2. Per document, on all cores: quotes, page map, footnotes.
    let by_doc = derive::rows_by_doc(p, &curated);
    let none = Vec::new();
    let staged: Vec<_> = docs
        .par_iter()
        .map(|doc| {
            let staged = derive::lay_out(
                p,
                &curated,
                &vals,
                doc,
                by_doc.get(doc.doc_id.as_str()).unwrap_or(&none),
            );
            progress.inc(1);
            staged
        })
        .collect();
    progress.finish_and_clear();
    crate::timings::mark("prove quotes, page maps");
    // The proved span of each quoted row, by table and row index.
    let mut spans: HashMap<&str, Vec<Option<Span>>> = HashMap::new();
    let mut laid = Vec::with_capacity(staged.len());
    for (l, s, d) in staged {
        for ((t, i), span) in s {
            spans
                .entry(t)
                .or_insert_with(|| vec![None; curated[t].len()])[i] = Some(span);
        }
        diags.0.extend(d.0);
        laid.push(l);
    }
    let laid_by: HashMap<&str, &Laid> = laid.iter().map(|l| (l.doc.doc_id.as_str(), l)).collect();

    // 3. Derived columns, table by table (corrected cells from the errata first).
    let fixes = fixes_of(p, &vals);
    let mut tables: BTreeMap<&str, (Vec<Cells>, Vec<&Curated>)> = BTreeMap::new();
    for (name, schema) in &p.schemas {
        let mut rows = Vec::new();
        let mut origins = Vec::new();
        match schema.scope {
            Scope::DocumentRecord => {
                for d in &laid {
                    let id = Value::str(d.doc.id.clone());
                    let cx = derive::Context {
                        doc_id: &id,
                        span: None,
                        laid: Some(d),
                        fixes: &fixes,
                        origin: &d.doc.record.origin,
                    };
                    rows.push(derive::derive_row(
                        schema,
                        d.doc.record.values.clone(),
                        &cx,
                        diags,
                    ));
                }
            }
            Scope::Registry | Scope::Document => {
                let values = vals.remove(name.as_str()).unwrap_or_default();
                let curated = curated.get(name).map_or(&[][..], Vec::as_slice);
                // On all cores; each row's diagnostics are kept with it (an empty list
                // allocates nothing).
                let derived: Vec<(Cells, Diags)> = values
                    .into_par_iter()
                    .zip(curated.par_iter())
                    .enumerate()
                    .map(|(i, (values, c))| {
                        // Rows whose quote failed keep null provenance: the build fails
                        // anyway, and keeping them avoids a cascade of foreign-key errors.
                        let span = spans.get(name.as_str()).and_then(|s| s[i]);
                        // The document's id, shared by its rows.
                        let id = Value::str(c.doc.clone());
                        let cx = derive::Context {
                            doc_id: &id,
                            span,
                            laid: laid_by.get(c.doc.as_str()).copied(),
                            fixes: &fixes,
                            origin: &c.row.origin,
                        };
                        let mut found = Diags::default();
                        (derive::derive_row(schema, values, &cx, &mut found), found)
                    })
                    .collect();
                for (row, found) in derived {
                    rows.push(row);
                    diags.0.extend(found.0);
                }
                origins.extend(curated.iter().take(rows.len()));
            }
            Scope::Generated => {}
        }
        tables.insert(name.as_str(), (rows, origins));
    }

    // Every row holds its span now.
    drop(spans);
    crate::timings::mark("derived columns");
    // 4. Generated tables.
    let page_rows = laid
        .iter()
        .flat_map(|l| derive::pages(&p.contract.pages, l))
        .collect();
    let mention_rows = mentions::generate(&p.contract, &laid, &tables);
    for (name, rows) in [("pages", page_rows), ("mentions", mention_rows)] {
        tables.entry(name).or_default().0 = rows;
    }
    crate::timings::mark("pages, mentions");
    // The coverage audit reads every fact table and the mentions.
    let coverage_rows = derive::coverage::generate(&p.contract, &laid, &tables);
    tables.entry("coverage").or_default().0 = coverage_rows;

    crate::timings::mark("coverage audit");
    // 5. Keys, references and the whole-dataset rules.
    check::check_keys(p, &tables, diags);
    crate::timings::mark("keys");
    check::rules(p, &tables, &laid_by, diags);
    crate::timings::mark("rules");
    if !diags.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (name, (mut rows, _)) in tables {
        let schema = &p.schemas[name];
        rows.par_sort_by(|a, b| {
            schema
                .primary_key
                .iter()
                .map(|&k| a[k].cmp_key(&b[k]))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        out.push((schema, rows));
    }
    crate::timings::mark("sort");
    let sha = |d: &Doc| d.record.values[p.contract.documents.sha256].to_text();
    Some((
        out,
        Dataset {
            meta: &p.meta,
            sources: docs.iter().map(|d| (d.doc_id.clone(), sha(d))).collect(),
            includes: p.includes.clone(),
            released: &p.released,
            reasons: reasons(p),
            texts: docs
                .into_iter()
                .map(|d| crate::model::SourceDoc {
                    doc_id: d.doc_id,
                    text: d.text,
                })
                .collect(),
        },
        p,
    ))
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
fn fixes_of(p: &Project, vals: &Values) -> Fixes {
    let e = &p.contract.errata;
    let mut fixes = Fixes::new();
    for row in vals.get("errata").into_iter().flatten() {
        let cell = |i: usize| row[i].as_str().map(str::to_string);
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
