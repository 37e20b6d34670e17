//! The annotated reader: a document's text cut into pieces at every page, span,
//! footnote, marker and furniture boundary, each piece knowing the rows that cover it.
//! The template only prints the pieces; the text itself is never changed.

use super::data::{Span, Tab};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Serialize)]
pub struct ReaderPage {
    pub number: i64,
    pub pieces: Vec<Piece>,
}

#[derive(Serialize, Default)]
pub struct Piece {
    pub text: String,
    /// Anchors of the rows whose spans cover this piece, space-separated.
    pub rows: String,
    /// `t-<table>` classes of those rows.
    pub tables: String,
    pub depth: usize,
    /// "actors: ISK; events: …", the rows named for a tooltip.
    pub title: String,
    /// Rows whose span starts here: one link per row, the row's single highlight mark.
    pub starts: Vec<RowLink>,
    /// This piece is the body marker of footnote N.
    pub marker: Option<i64>,
    /// This piece lies in the text of footnote N.
    pub note: Option<i64>,
    /// The text of footnote N starts here.
    pub note_start: Option<i64>,
    /// "running-header" or "page-number".
    pub furniture: Option<&'static str>,
    /// Errata whose span ends here.
    pub corrections: Vec<Correction>,
}

#[derive(Serialize, Clone)]
pub struct RowLink {
    pub id: String,
    pub href: String,
    pub table: String,
    pub label: String,
}

#[derive(Serialize, Clone)]
pub struct Correction {
    pub id: String,
    pub printed: String,
    pub correction: String,
    pub kind: String,
}

/// A footnote: its number, text span (start, end) and body marker span.
type Note = (i64, usize, usize, Option<(usize, usize)>);

/// Cuts one document into pages and pieces. `spans` are the document's provenance spans;
/// `tabs` resolves them to rows.
pub fn pages(
    doc: &str,
    text: &str,
    tabs: &BTreeMap<String, Tab>,
    spans: &[Span],
) -> Vec<ReaderPage> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let pages = page_spans(doc, n, tabs);
    // Footnotes: (number, text span, marker span).
    let mut notes: Vec<Note> = Vec::new();
    if let Some(f) = tabs.get("footnotes") {
        for r in 0..f.rows.len() {
            if f.get(r, "doc_id") != Some(doc) {
                continue;
            }
            let (Some(num), Some(s), Some(e)) = (
                f.int(r, "number"),
                f.int(r, "char_start"),
                f.int(r, "char_end"),
            ) else {
                continue;
            };
            let marker = f
                .int(r, "marker_start")
                .map(|m| (m as usize, m as usize + num.to_string().len()));
            notes.push((num, s as usize, e as usize, marker));
        }
    }
    let in_note = |c: usize| notes.iter().any(|&(_, s, e, _)| s <= c && c < e);
    let furniture = furniture(&chars, &pages, &in_note);

    let mut cuts: BTreeSet<usize> = BTreeSet::new();
    cuts.extend(pages.iter().flat_map(|p| [p.1, p.2]));
    cuts.extend(spans.iter().flat_map(|s| [s.start, s.end]));
    for &(_, s, e, m) in &notes {
        cuts.extend([s, e]);
        if let Some((a, b)) = m {
            cuts.extend([a, b]);
        }
    }
    cuts.extend(furniture.iter().flat_map(|f| [f.0, f.1]));
    let cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= n).collect();

    // Spans by start, swept once: `active` holds the spans covering the current piece.
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| {
        (
            spans[i].start,
            std::cmp::Reverse(spans[i].end),
            spans[i].table.clone(),
            spans[i].row,
        )
    });
    let link = |s: &Span| {
        let t = &tabs[&s.table];
        RowLink {
            id: t.anchor(s.row),
            href: format!("../{}", t.home(s.row)),
            table: s.table.clone(),
            label: t.label(s.row),
        }
    };
    let mut next = 0;
    let mut active: BTreeSet<usize> = BTreeSet::new();
    let mut out = Vec::new();
    for &(number, start, end) in &pages {
        let mut pieces = Vec::new();
        for w in cuts
            .windows(2)
            .filter(|w| w[0] >= start && w[1] <= end && w[0] < w[1])
        {
            let (a, b) = (w[0], w[1]);
            active.retain(|&k| spans[order[k]].end > a);
            let mut starts = Vec::new();
            while next < order.len() && spans[order[next]].start <= a {
                let s = &spans[order[next]];
                if s.end > a {
                    active.insert(next);
                }
                starts.push(link(s));
                next += 1;
            }
            let covering: Vec<&Span> = active.iter().map(|&k| &spans[order[k]]).collect();
            let mut tables: Vec<String> =
                covering.iter().map(|s| format!("t-{}", s.table)).collect();
            tables.sort();
            tables.dedup();
            let note = notes.iter().find(|&&(_, s, e, _)| s <= a && a < e);
            let corrections = covering
                .iter()
                .filter(|s| s.end == b && s.table == "errata")
                .map(|s| {
                    let t = &tabs["errata"];
                    let g = |c: &str| t.get(s.row, c).unwrap_or("").to_string();
                    Correction {
                        id: t.anchor(s.row),
                        printed: g("printed"),
                        correction: g("correction"),
                        kind: g("erratum_type").replace('_', " "),
                    }
                })
                .collect();
            pieces.push(Piece {
                text: chars[a..b].iter().collect(),
                rows: covering
                    .iter()
                    .map(|s| tabs[&s.table].anchor(s.row))
                    .collect::<Vec<_>>()
                    .join(" "),
                tables: tables.join(" "),
                depth: covering.len(),
                title: covering
                    .iter()
                    .map(|s| format!("{}: {}", s.table, tabs[&s.table].label(s.row)))
                    .collect::<Vec<_>>()
                    .join("\n"),
                starts,
                marker: notes
                    .iter()
                    .find(|n| n.3.is_some_and(|(m, _)| m == a))
                    .map(|n| n.0),
                note: note.map(|n| n.0),
                note_start: notes.iter().find(|n| n.1 == a).map(|n| n.0),
                furniture: furniture.iter().find(|f| f.0 <= a && a < f.1).map(|f| f.2),
                corrections,
            });
        }
        out.push(ReaderPage { number, pieces });
    }
    out
}

/// (page number, start, end) of a document, in text order; one page when none is known.
fn page_spans(doc: &str, n: usize, tabs: &BTreeMap<String, Tab>) -> Vec<(i64, usize, usize)> {
    let mut out = Vec::new();
    if let Some(p) = tabs.get("pages") {
        for r in 0..p.rows.len() {
            if p.get(r, "doc_id") == Some(doc) {
                if let (Some(num), Some(s), Some(e)) = (
                    p.int(r, "page"),
                    p.int(r, "char_start"),
                    p.int(r, "char_end"),
                ) {
                    out.push((num, s as usize, (e as usize).min(n)));
                }
            }
        }
    }
    out.sort_by_key(|p| p.1);
    if out.is_empty() {
        out.push((1, 0, n));
    }
    out
}

/// Page furniture, as the layout stage defines it: lines of digits alone outside
/// footnote text (printed page numbers), and a page's first line when that same line
/// starts other pages too (the running header).
fn furniture(
    chars: &[char],
    pages: &[(i64, usize, usize)],
    in_note: &dyn Fn(usize) -> bool,
) -> Vec<(usize, usize, &'static str)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for i in 0..=chars.len() {
        if i == chars.len() || chars[i] == '\n' {
            lines.push((start, i));
            start = i + 1;
        }
    }
    let trimmed =
        |&(s, e): &(usize, usize)| chars[s..e].iter().collect::<String>().trim().to_string();
    let mut firsts: BTreeMap<String, usize> = BTreeMap::new();
    for p in pages {
        if let Some(l) = lines.iter().find(|l| l.0 == p.1) {
            *firsts.entry(trimmed(l)).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for l in &lines {
        let t = trimmed(l);
        if t.is_empty() || in_note(l.0) {
            continue;
        }
        let lead = (l.0..l.1)
            .find(|&c| !chars[c].is_whitespace())
            .unwrap_or(l.0);
        if t.chars().all(|c| c.is_ascii_digit()) {
            out.push((lead, l.1, "page-number"));
        } else if firsts.get(&t).is_some_and(|&k| k >= 2) && pages.iter().any(|p| p.1 == l.0) {
            out.push((lead, l.1, "running-header"));
        }
    }
    out
}
