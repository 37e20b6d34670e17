//! The derive stage: per document, proves every quote (through `prove`), derives the
//! page map and footnotes (`layout`), and computes each row's derived columns
//! (`columns`); then generates the `pages` and `mentions` tables.

mod columns;
pub mod coverage;
pub mod layout;
pub mod mentions;

pub use columns::{derive_row, Context};

use crate::contract::RowBuilder;
use crate::diag::{Code, Diags};
use crate::model::{Doc, Laid, Layout, Project, Rows, Span};
use crate::prove::{self, Miss, Request};
use crate::value::{Cells, Value};
use std::collections::{BTreeMap, HashMap};

/// Curated values by table, in the project's row order.
pub type Values = BTreeMap<String, Vec<Cells>>;

/// Quote rows of each document: (table, row index), in table and row order.
pub fn rows_by_doc<'c>(p: &Project, curated: &'c Rows) -> HashMap<&'c str, Vec<(&'c str, usize)>> {
    let mut by_doc: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
    for (table, rows) in curated {
        if p.schemas[table].has_quote() {
            for (i, c) in rows.iter().enumerate() {
                by_doc
                    .entry(c.doc.as_str())
                    .or_default()
                    .push((table.as_str(), i));
            }
        }
    }
    by_doc
}

/// A passage to prove besides a quote: (table, row, column name) and its text.
type Passage<'p, 'v> = ((&'p str, usize, &'p str), &'v str);

/// The quoted rows `reqs` (table by table, as `rows_by_doc` lists them), each with its
/// curated row and its quote, and the other passages (`x-passage` cells, such as a
/// date's evidence) of those rows: each table's rows and columns are looked up once per
/// run of its rows, not once per row.
fn quoted_rows<'p, 'v>(
    p: &'p Project,
    curated: &'p Rows,
    vals: &'v Values,
    reqs: &[(&'p str, usize)],
) -> (
    Vec<(&'p crate::model::Curated, Option<&'v str>)>,
    Vec<Passage<'p, 'v>>,
) {
    let (mut quoted, mut passages) = (Vec::with_capacity(reqs.len()), Vec::new());
    for run in reqs.chunk_by(|a, b| a.0 == b.0) {
        let t = run[0].0;
        let (rows, fields, values) = (&curated[t], &p.schemas[t].fields, vals.get(t));
        let quote = p.schemas[t].index("quote");
        let cols: Vec<usize> = (0..fields.len()).filter(|&c| fields[c].passage).collect();
        for &(_, i) in run {
            let cell = |c: usize| values.and_then(|v| v[i][c].as_str());
            quoted.push((&rows[i], quote.and_then(cell)));
            for &c in &cols {
                if let Some(text) = cell(c) {
                    passages.push(((t, i, fields[c].name.as_str()), text));
                }
            }
        }
    }
    (quoted, passages)
}

/// One document's stage: resolve all its quotes in one pass, then derive its layout.
/// A document laid out: its layout, the span of each quoted row, and its problems.
pub type Staged<'p> = (Laid<'p>, Vec<((&'p str, usize), Span)>, Diags);

pub fn lay_out<'p>(
    p: &'p Project,
    curated: &'p Rows,
    vals: &Values,
    doc: &'p Doc,
    reqs: &[(&'p str, usize)],
) -> Staged<'p> {
    let (quoted, passages) = quoted_rows(p, curated, vals, reqs);
    let mut diags = Diags::default();
    let mut requests: Vec<Request> = quoted
        .iter()
        .map(|(c, quote)| Request {
            quote: quote.unwrap_or(""),
            prefix: c.row.input("quote_prefix"),
        })
        .collect();
    let config = doc.layout.as_ref();
    requests.extend(
        config
            .into_iter()
            .flat_map(|c| &c.not_page_starts)
            .map(|n| Request {
                quote: &n.quote,
                prefix: n.quote_prefix.as_deref(),
            }),
    );
    // The other passages are proved in the same pass; only whether they are found matters.
    requests.extend(passages.iter().map(|&(_, text)| Request {
        quote: text,
        prefix: None,
    }));
    let results = prove::resolve_all(&doc.norm, &requests);
    let first_passage = requests.len() - passages.len();
    let mut not_page_starts = Vec::new();
    let mut spans = Vec::new();
    for (k, res) in results.into_iter().enumerate() {
        if k >= first_passage {
            let ((t, i, col), _) = passages[k - first_passage];
            if let Err(miss) = res {
                prove::report(
                    &mut diags,
                    curated[t][i].row.origin.at(col),
                    &doc.source_shown,
                    miss,
                );
            }
            continue;
        }
        match (reqs.get(k), res) {
            (None, Ok(span)) => not_page_starts.push(span.start),
            (None, Err(miss)) => {
                prove::report(&mut diags, doc.layout_loc.clone(), &doc.source_shown, miss)
            }
            (Some(&(t, i)), res) => {
                let (c, quote) = quoted[k];
                if quote.is_none() {
                    continue; // already reported as a missing required value
                }
                match res {
                    Ok(span) => spans.push(((t, i), span)),
                    Err(miss) => {
                        let key = if c.row.input("quote_prefix").is_some()
                            && !matches!(miss, Miss::NotFound { .. })
                        {
                            "quote_prefix"
                        } else {
                            "quote"
                        };
                        prove::report(&mut diags, c.row.origin.at(key), &doc.source_shown, miss);
                    }
                }
            }
        }
    }
    // The page map and footnotes.
    let number = p.contract.footnote_number;
    let notes: Vec<(Option<i64>, Span)> = spans
        .iter()
        .filter(|((t, _), _)| *t == "footnotes")
        .map(|&((t, i), span)| (vals[t][i][number].as_int(), span))
        .collect();
    let field = |i: usize| doc.record.values[i].as_int();
    let chars = doc.chars();
    let input = layout::Input {
        chars: &chars,
        // A source has printed pages when its record gives them; `[layout]` (running
        // headers, blocks that are not page starts) only refines how they are found.
        pages: match (
            field(p.contract.documents.first_page),
            field(p.contract.documents.last_page),
        ) {
            (Some(first), Some(last)) => Some((first, last)),
            (None, None) => {
                if config.is_some() {
                    diags.push(doc.layout_loc.clone(), Code::Layout, "a [layout] describes printed pages, but the record gives no first_page and last_page");
                }
                None
            }
            _ => {
                diags.push(
                    doc.record.origin.row_loc(),
                    Code::Layout,
                    "printed pages need both first_page and last_page",
                );
                None
            }
        },
        running_headers: config.map_or(&[][..], |c| &c.running_headers),
        not_page_starts: &not_page_starts,
        notes: &notes,
    };
    let (layout, errors) = layout::derive(&input);
    for e in errors {
        diags.push(doc.layout_loc.clone(), Code::PageMap, e);
    }
    // A passage is running text or one footnote's text, never a mix with page furniture.
    for &((t, i), span) in &spans {
        if let Some(problem) = layout.region_problem(&chars, span) {
            diags.push(
                curated[t][i].row.origin.at("quote"),
                Code::QuoteRegion,
                format!("the quote {problem}; quote running text or one footnote, not both"),
            );
        }
    }
    (Laid { doc, layout }, spans, diags)
}

/// A document's layout exactly as the build derives it, if it derives without page-map
/// errors (the curation aid `locate` uses it).
/// `rows` are the curated rows proved against it (`build::read_documents`).
pub fn layout_of(p: &Project, doc: &Doc, rows: &Rows) -> Option<Layout> {
    let vals: Values = rows
        .iter()
        .map(|(t, rows)| {
            (
                t.clone(),
                rows.iter().map(|c| c.row.values.clone()).collect(),
            )
        })
        .collect();
    let reqs = rows_by_doc(p, rows)
        .remove(doc.doc_id.as_str())
        .unwrap_or_default();
    let (laid, _, diags) = lay_out(p, rows, &vals, doc, &reqs);
    (!diags.0.iter().any(|d| d.code == Code::PageMap)).then_some(laid.layout)
}

/// The `pages` rows of a laid-out document.
pub fn pages(b: &RowBuilder, l: &Laid) -> Vec<Cells> {
    let doc_id = Value::str(l.doc.id.clone());
    let int = |x: usize| Value::int(x as i64);
    l.layout
        .pages
        .iter()
        .map(|pg| {
            b.row([
                doc_id.clone(),
                Value::int(pg.number),
                int(pg.start),
                int(pg.end),
                pg.printed_at.map_or(Value::NULL, int),
            ])
        })
        .collect()
}
