//! `locate`: the curation aid. Finds a phrase in the sources (whitespace collapsed) and
//! prints its span, page, footnote and a ready-to-paste row with quote (and quote_prefix
//! when the phrase occurs more than once).

use crate::diag::Diags;
use crate::load as project;
use crate::model::{Doc, Layout, Span};
use crate::prove as resolve;
use clap::Args;
use std::path::Path;

#[derive(Args)]
pub struct LocateArgs {
    /// The phrase to find, as printed (line breaks may be spaces).
    pub phrase: String,
    /// Only this document.
    #[arg(long)]
    pub doc: Option<String>,
    /// Table name for the pasted row's header.
    #[arg(long, default_value = "table")]
    pub table: String,
}

pub fn run(root: &Path, args: &LocateArgs) -> u8 {
    let mut diags = Diags::default();
    let Some(p) = project::load(root, &root.join("output"), &mut diags) else {
        for d in diags.sorted() {
            eprintln!("{d}");
        }
        return super::EXIT_USAGE_IO;
    };
    let mut hits = 0;
    let wanted = |d: &crate::model::DocRecord| args.doc.as_ref().is_none_or(|x| *x == d.doc_id);
    for (doc, rows) in crate::build::read_documents(&p, wanted) {
        let doc = &doc;
        let layout = crate::derive::layout_of(&p, doc, &rows);
        let chars = doc.chars();
        for span in resolve::find_all(&doc.norm, &args.phrase) {
            hits += 1;
            print_hit(doc, &chars, layout.as_ref(), span, args);
        }
    }
    if hits == 0 {
        eprintln!("not found: «{}»", args.phrase);
        return super::EXIT_DATA;
    }
    0
}

fn print_hit(doc: &Doc, chars: &[char], layout: Option<&Layout>, span: Span, args: &LocateArgs) {
    let quote: String =
        crate::text::collapse(&chars[span.start..span.end].iter().collect::<String>());
    let page = layout.map_or("?".into(), |l| {
        l.page_of(span.start)
            .map_or("none (no printed pages)".into(), |p| p.to_string())
    });
    let note = layout
        .and_then(|l| l.footnote_for(span))
        .map_or("none".into(), |n| n.to_string());
    let count = resolve::find_all(&doc.norm, &quote).len();
    println!(
        "# {} page {page}, chars {}..{}, footnote {note}",
        doc.doc_id, span.start, span.end
    );
    println!("[[{}]]", args.table);
    println!("quote = {}", toml_string(&quote));
    if count > 1 {
        let before: String = chars[span.start.saturating_sub(40)..span.start]
            .iter()
            .collect();
        let before = crate::text::collapse(&before);
        let cut = before.find(' ').map_or(0, |i| i + 1);
        println!("quote_prefix = {}", toml_string(&before[cut..]));
    }
    println!();
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
