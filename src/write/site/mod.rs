//! The static site of a dataset version: an annotated reader per source document, a page
//! per actor, event, place, figure and citation, the actor network, the event timeline,
//! the figures side by side, and an index with downloads and a client-side search.
//!
//! `render` is a pure function of plain inputs (the dataset record, the tables as Arrow
//! RecordBatches, the source texts, the other files of the version) and returns files;
//! it writes nothing. All markup is in `templates/` (minijinja, autoescaped); Rust only
//! prepares data, in sorted order, so two builds give the same bytes. Nothing on the
//! site requests anything: no CDN, no fonts, no fetch (it works from `file://`).

mod data;
mod figures;
mod network;
mod reader;
mod timeline;

use crate::model::DatasetMeta;
use crate::schema::Schema;
use arrow_array::RecordBatch;
use data::{Span, Tab, ENTITY_TABLES};
use minijinja::Environment;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

use crate::model::SourceDoc;

/// Another file of the version, offered for download on the index.
pub struct FileSum {
    /// Path relative to the version folder, e.g. `csv/actors.csv`.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug)]
pub enum SiteError {
    Template(minijinja::Error),
    /// A column the site reads is missing or has an unexpected Arrow type.
    Column(String),
}

impl std::fmt::Display for SiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SiteError::Template(e) => write!(f, "site template: {e:#}"),
            SiteError::Column(m) => write!(f, "site: {m}"),
        }
    }
}

impl std::error::Error for SiteError {}

impl From<minijinja::Error> for SiteError {
    fn from(e: minijinja::Error) -> Self {
        SiteError::Template(e)
    }
}

/// Templates and static files, compiled into the binary so a build never depends on
/// the working directory.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../templates/base.html")),
    ("index.html", include_str!("../../../templates/index.html")),
    (
        "reader.html",
        include_str!("../../../templates/reader.html"),
    ),
    ("piece.html", include_str!("../../../templates/piece.html")),
    (
        "entity.html",
        include_str!("../../../templates/entity.html"),
    ),
    ("rows.html", include_str!("../../../templates/rows.html")),
    (
        "rowview.html",
        include_str!("../../../templates/rowview.html"),
    ),
    ("quote.html", include_str!("../../../templates/quote.html")),
    ("list.html", include_str!("../../../templates/list.html")),
    (
        "network.html",
        include_str!("../../../templates/network.html"),
    ),
    (
        "timeline.html",
        include_str!("../../../templates/timeline.html"),
    ),
    (
        "figures.html",
        include_str!("../../../templates/figures.html"),
    ),
    (
        "figure-group.html",
        include_str!("../../../templates/figure-group.html"),
    ),
];
const ASSETS: &[(&str, &str)] = &[
    (
        "assets/site.css",
        include_str!("../../../templates/assets/site.css"),
    ),
    (
        "assets/site.js",
        include_str!("../../../templates/assets/site.js"),
    ),
];

/// Figure groups up to this size are drawn on each member's page.
const MAX_GROUP_ON_PAGE: usize = 12;

/// Columns every provenance row carries; entity pages show them as the quote block.
const PROVENANCE: &[&str] = &[
    "doc_id",
    "page",
    "char_start",
    "char_end",
    "quote",
    "footnote",
];

/// Renders the site. `tables` holds every output table (in name order, columns in schema
/// order); `files` the version's other files for the download list. Returns
/// (path relative to the version folder, bytes), sorted by path.
pub fn render(
    meta: &DatasetMeta,
    tables: &[(&Schema, &RecordBatch)],
    sources: &[SourceDoc],
    files: &[FileSum],
) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
    let mut tabs: BTreeMap<String, Tab> = BTreeMap::new();
    for (schema, batch) in tables {
        tabs.insert(schema.name.clone(), Tab::read(schema, batch)?);
    }
    let site = Site::new(meta, &tabs, sources, files)?;
    let mut out = site.pages()?;
    out.extend(
        ASSETS
            .iter()
            .map(|(p, s)| (p.to_string(), s.as_bytes().to_vec())),
    );
    out.push(("search-index.js".into(), site.search_index().into_bytes()));
    for f in &mut out {
        f.0 = format!("site/{}", f.0);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Rows pointing at a row: (target table, target key) -> [(table, column, row)].
type Backrefs = BTreeMap<(String, String), Vec<(String, String, usize)>>;

struct Site<'a> {
    meta: &'a DatasetMeta,
    tabs: &'a BTreeMap<String, Tab<'a>>,
    sources: &'a [SourceDoc],
    files: &'a [FileSum],
    env: Environment<'static>,
    /// Provenance spans by document, in table and row order.
    spans: BTreeMap<String, Vec<Span>>,
    /// Rows pointing at a row: (target table, target key) -> [(table, column, row)].
    backrefs: Backrefs,
    figure_groups: BTreeMap<String, figures::Group>,
}

/// A column of a row as shown: its value, a link when it references a page.
#[derive(Serialize)]
struct FieldView {
    name: String,
    value: String,
    href: Option<String>,
    description: String,
}

#[derive(Serialize)]
struct QuoteView {
    quote: String,
    page: String,
    footnote: String,
    href: String,
    doc: String,
}

#[derive(Serialize)]
struct RowView {
    id: String,
    label: String,
    href: Option<String>,
    fields: Vec<FieldView>,
    quote: Option<QuoteView>,
}

#[derive(Serialize)]
struct Section {
    title: String,
    rows: Vec<RowView>,
}

impl<'a> Site<'a> {
    fn new(
        meta: &'a DatasetMeta,
        tabs: &'a BTreeMap<String, Tab<'a>>,
        sources: &'a [SourceDoc],
        files: &'a [FileSum],
    ) -> Result<Self, SiteError> {
        let mut env = Environment::new();
        let mut syntax = minijinja::syntax::SyntaxConfig::builder();
        syntax.trim_blocks(true).lstrip_blocks(true);
        env.set_syntax(syntax.build()?);
        env.set_formatter(escape_html);
        for (name, src) in TEMPLATES {
            env.add_template(name, src)?;
        }
        let mut spans: BTreeMap<String, Vec<Span>> = BTreeMap::new();
        let mut backrefs: Backrefs = BTreeMap::new();
        for t in tabs.values() {
            if t.has_spans() {
                for r in 0..t.rows.len() {
                    if let Some(s) = t.span(r) {
                        spans.entry(s.doc.clone()).or_default().push(s);
                    }
                }
            }
            for fk in &t.schema.foreign_keys {
                if fk.fields.len() != 1 || !tabs.contains_key(&fk.table) {
                    continue;
                }
                let col = &t.schema.fields[fk.fields[0]].name;
                for r in 0..t.rows.len() {
                    if let Some(v) = t.get(r, col) {
                        backrefs
                            .entry((fk.table.clone(), v.to_string()))
                            .or_default()
                            .push((t.schema.name.clone(), col.clone(), r));
                    }
                }
            }
        }
        let mut site = Site {
            meta,
            tabs,
            sources,
            files,
            env,
            spans,
            backrefs,
            figure_groups: BTreeMap::new(),
        };
        if let Some(f) = tabs.get("figures") {
            site.figure_groups = figures::groups(f, &|id| site.name_of(id));
        }
        Ok(site)
    }

    /// The name of an actor or place id (or the id itself).
    fn name_of(&self, id: &str) -> String {
        for t in ["actors", "places"] {
            if let Some(tab) = self.tabs.get(t) {
                if let Some(&r) = tab.by_key.get(id) {
                    return tab.get(r, "name").unwrap_or(id).to_string();
                }
            }
        }
        if id == "general" {
            "Other".into()
        } else {
            id.to_string()
        }
    }

    /// Renders one page; `depth` is how many folders below site/ it lives.
    fn page(
        &self,
        template: &str,
        depth: usize,
        title: &str,
        ctx: Json,
    ) -> Result<Vec<u8>, SiteError> {
        let root = "../".repeat(depth);
        let mut ctx = ctx;
        ctx["root"] = json!(root);
        ctx["page_title"] = json!(title);
        ctx["dataset"] =
            json!({"name": self.meta.name, "version": self.meta.version, "title": self.meta.title});
        let html = self
            .env
            .get_template(template)?
            .render(minijinja::Value::from(minijinja::value::Serde(&ctx)))?;
        Ok(html.into_bytes())
    }

    fn pages(&self) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        // The network's layout is one long task: it runs beside the other pages, whose
        // entity pages go to whichever core is free.
        let (network, out) = rayon::join(|| self.network(), || self.other_pages());
        let mut out = out?;
        out.push(("network.html".into(), network?));
        Ok(out)
    }

    fn other_pages(&self) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        let mut out = Vec::new();
        out.push(("index.html".into(), self.index()?));
        for doc in self.sources {
            out.push((
                format!("reader/{}.html", data::file_safe(&doc.doc_id)),
                self.reader(doc)?,
            ));
        }
        for name in ENTITY_TABLES {
            let Some(t) = self.tabs.get(*name) else {
                continue;
            };
            // A page per row: most of the site, rendered on both cores in row order. The
            // results are gathered before the first error is taken, so that error is the
            // first row's to fail, whichever core met it first.
            let pages: Vec<Result<(String, Vec<u8>), SiteError>> = (0..t.rows.len())
                .into_par_iter()
                .map(|r| Ok((t.home(r), self.entity(t, r)?)))
                .collect();
            for page in pages {
                out.push(page?);
            }
            out.push((format!("{name}/index.html"), self.list(t)?));
        }
        for t in self
            .tabs
            .values()
            .filter(|t| t.has_spans() && !t.is_entity())
        {
            out.push((
                format!("tables/{}.html", t.schema.name),
                self.table_page(t)?,
            ));
        }
        out.push(("timeline.html".into(), self.timeline()?));
        out.push(("figures.html".into(), self.figures()?));
        Ok(out)
    }

    /// A link from a page at `depth` to a site path.
    fn rel(depth: usize, path: &str) -> String {
        format!("{}{path}", "../".repeat(depth))
    }

    fn quote_view(&self, t: &Tab, r: usize, depth: usize) -> Option<QuoteView> {
        let doc = t.get(r, "doc_id")?;
        let quote = t.get(r, "quote")?;
        t.get(r, "char_start")?;
        Some(QuoteView {
            quote: quote.to_string(),
            page: t.get(r, "page").unwrap_or("").to_string(),
            footnote: t.get(r, "footnote").unwrap_or("").to_string(),
            href: Self::rel(
                depth,
                &format!("reader/{}.html#{}", data::file_safe(doc), t.anchor(r)),
            ),
            doc: doc.to_string(),
        })
    }

    /// The columns of a row (all, or only the short ones), with references linked.
    fn fields(&self, t: &Tab, r: usize, depth: usize, compact: bool) -> Vec<FieldView> {
        let mut out = Vec::new();
        for (i, f) in t.schema.fields.iter().enumerate() {
            if PROVENANCE.contains(&f.name.as_str()) {
                continue;
            }
            let Some(v) = t.rows[r][i].as_deref() else {
                continue;
            };
            let fk = t
                .schema
                .foreign_keys
                .iter()
                .find(|k| k.fields == [i])
                .map(|k| k.table.as_str());
            // A single-column key is the row's id, shown as its link; parts of a composite
            // key (an event_actors role) are facts.
            let is_key = t.schema.primary_key == [i];
            if compact
                && (is_key
                    || (fk.is_none()
                        && f.vocabulary.is_none()
                        && !f.name.starts_with("date")
                        && f.name != "value"))
            {
                continue;
            }
            let target = fk
                .and_then(|tt| self.tabs.get(tt))
                .filter(|tt| tt.is_entity());
            let (value, href) = match target.and_then(|tt| tt.by_key.get(v).map(|&rr| (tt, rr))) {
                Some((tt, rr)) => (tt.label(rr), Some(Self::rel(depth, &tt.home(rr)))),
                None => (v.to_string(), None),
            };
            out.push(FieldView {
                name: f.name.replace('_', " "),
                value,
                href,
                description: f.description.clone(),
            });
        }
        out
    }

    fn row_view(&self, t: &Tab, r: usize, depth: usize) -> RowView {
        RowView {
            id: t.anchor(r),
            label: t.label(r),
            href: Some(Self::rel(depth, &t.home(r))),
            fields: self.fields(t, r, depth, true),
            quote: self.quote_view(t, r, depth),
        }
    }

    /// Rows of other tables that reference row `r` of `t`, one section per (table, column).
    fn sections(&self, t: &Tab, r: usize, depth: usize) -> Vec<Section> {
        let mut out = Vec::new();
        let Some(refs) = self.backrefs.get(&(t.schema.name.clone(), t.key(r))) else {
            return out;
        };
        let mut by: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for (table, col, row) in refs {
            by.entry((table.clone(), col.clone()))
                .or_default()
                .push(*row);
        }
        for ((table, col), rows) in by {
            let bt = &self.tabs[&table];
            let title = section_title(&t.schema.name, &table, &col, &bt.schema.title);
            let views = rows
                .into_iter()
                .map(|br| {
                    // A link row without its own passage (event_actors): show the row it links to.
                    let other = (!bt.has_spans())
                        .then(|| {
                            bt.schema
                                .foreign_keys
                                .iter()
                                .filter(|k| {
                                    k.fields.len() == 1 && bt.schema.fields[k.fields[0]].name != col
                                })
                                .find_map(|k| {
                                    let ot = self.tabs.get(&k.table).filter(|o| o.is_entity())?;
                                    let v = bt.rows[br][k.fields[0]].as_deref()?;
                                    ot.by_key.get(v).map(|&orow| (ot, orow))
                                })
                        })
                        .flatten();
                    match other {
                        Some((ot, orow)) => {
                            let mut v = self.row_view(ot, orow, depth);
                            let own: Vec<FieldView> = self
                                .fields(bt, br, depth, true)
                                .into_iter()
                                .filter(|f| f.href.is_none())
                                .collect();
                            v.fields.splice(0..0, own);
                            v
                        }
                        None => self.row_view(bt, br, depth),
                    }
                })
                .map(|mut v: RowView| {
                    // The reference back to this page says nothing here.
                    let back = col.replace('_', " ");
                    v.fields.retain(|f| f.name != back);
                    v
                })
                .collect();
            out.push(Section { title, rows: views });
        }
        out
    }

    fn entity(&self, t: &Tab, r: usize) -> Result<Vec<u8>, SiteError> {
        let sections = self.sections(t, r, 1);
        // A figure page draws the other estimates of its quantity; a large group (a corpus)
        // is only linked, so that pages stay small.
        let (mut group, mut group_link) = (None, None);
        if t.schema.name == "figures" {
            if let Some(g) = self
                .figure_groups
                .get(&figures::group_key(t, r))
                .filter(|g| g.rows.len() > 1)
            {
                if g.rows.len() <= MAX_GROUP_ON_PAGE {
                    group = Some(g);
                } else {
                    group_link = Some(
                        json!({"href": format!("../figures.html#g-{}", g.id), "title": g.title, "n": g.rows.len()}),
                    );
                }
            }
        }
        let kind = singular(&t.schema.name);
        let label = t.label(r);
        self.page(
            "entity.html",
            1,
            &format!("{kind}: {label}"),
            json!({
                "kind": kind, "table": t.schema.name, "table_title": t.schema.title, "label": label, "key": t.key(r),
                "fields": self.fields(t, r, 1, false),
                "quote": self.quote_view(t, r, 1),
                "sections": sections,
                "group": group,
                "group_link": group_link,
            }),
        )
    }

    fn list(&self, t: &Tab) -> Result<Vec<u8>, SiteError> {
        let mut rows: Vec<(String, String)> = (0..t.rows.len())
            .map(|r| (t.label(r), format!("../{}", t.home(r))))
            .collect();
        rows.sort();
        self.page(
            "list.html",
            1,
            &t.schema.title,
            json!({"title": t.schema.title, "description": t.schema.description, "rows": rows}),
        )
    }

    fn table_page(&self, t: &Tab) -> Result<Vec<u8>, SiteError> {
        let rows: Vec<RowView> = (0..t.rows.len())
            .map(|r| RowView {
                id: t.anchor(r),
                label: t.label(r),
                href: None,
                fields: self.fields(t, r, 1, false),
                quote: self.quote_view(t, r, 1),
            })
            .collect();
        self.page(
            "rows.html",
            1,
            &t.schema.title,
            json!({"title": t.schema.title, "description": t.schema.description, "rows": rows}),
        )
    }

    fn reader(&self, doc: &SourceDoc) -> Result<Vec<u8>, SiteError> {
        let none = Vec::new();
        let spans = self.spans.get(&doc.doc_id).unwrap_or(&none);
        let pages = reader::pages(&doc.doc_id, &doc.text, self.tabs, spans);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for s in spans {
            *counts.entry(s.table.as_str()).or_default() += 1;
        }
        let title = self
            .tabs
            .get("documents")
            .and_then(|d| {
                d.by_key
                    .get(&doc.doc_id)
                    .map(|&r| d.get(r, "title").unwrap_or(&doc.doc_id).to_string())
            })
            .unwrap_or_else(|| doc.doc_id.clone());
        self.page("reader.html", 1, &format!("Reader: {title}"), json!({"doc_id": doc.doc_id, "title": title, "pages": pages, "counts": counts, "rows": spans.len()}))
    }

    fn network(&self) -> Result<Vec<u8>, SiteError> {
        let Some(actors) = self.tabs.get("actors") else {
            return self.page("network.html", 0, "Actor network", json!({"net": null}));
        };
        let net = network::build(actors, self.tabs.get("relations"));
        self.page("network.html", 0, "Actor network", json!({"net": net}))
    }

    fn timeline(&self) -> Result<Vec<u8>, SiteError> {
        let (panels, undated) = self
            .tabs
            .get("events")
            .map(timeline::build)
            .unwrap_or_default();
        self.page(
            "timeline.html",
            0,
            "Event timeline",
            json!({"panels": panels, "undated": undated, "left": timeline::LEFT}),
        )
    }

    fn figures(&self) -> Result<Vec<u8>, SiteError> {
        let (many, single): (Vec<&figures::Group>, Vec<&figures::Group>) =
            self.figure_groups.values().partition(|g| g.rows.len() > 1);
        self.page(
            "figures.html",
            0,
            "Figures",
            json!({"groups": many, "single": single}),
        )
    }

    fn index(&self) -> Result<Vec<u8>, SiteError> {
        let counts: Vec<Json> = self
            .tabs
            .values()
            .map(|t| {
                let link = if t.is_entity() { Some(format!("{}/index.html", t.schema.name)) } else if t.has_spans() { Some(format!("tables/{}.html", t.schema.name)) } else { None };
                json!({"name": t.schema.name, "title": t.schema.title, "rows": t.rows.len(), "link": link})
            })
            .collect();
        let docs: Vec<Json> = self
            .sources
            .iter()
            .map(|d| {
                let rec = self.tabs.get("documents").and_then(|t| t.by_key.get(&d.doc_id).map(|&r| (t, r)));
                let g = |c: &str| rec.and_then(|(t, r)| t.get(r, c)).unwrap_or("").to_string();
                json!({
                    "doc_id": d.doc_id, "href": format!("reader/{}.html", data::file_safe(&d.doc_id)),
                    "citation": format!("{}, “{}”, {} {}, no. {} ({}): {}-{}.", g("authors"), g("title"), g("container_title"), g("volume"), g("issue"), g("year"), g("first_page"), g("last_page")),
                    "rows": self.spans.get(&d.doc_id).map_or(0, Vec::len),
                })
            })
            .collect();
        let mut files: Vec<&FileSum> = self.files.iter().collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let contributors: Vec<&str> = self
            .meta
            .contributors
            .iter()
            .map(|c| c.title.as_str())
            .collect();
        let cite = format!(
            "{}. {} (version {}, {}). Dataset.",
            contributors.join("; "),
            self.meta.title,
            self.meta.version,
            self.meta.published
        );
        self.page(
            "index.html",
            0,
            &self.meta.title,
            json!({
                "meta": {"title": self.meta.title, "description": self.meta.description, "version": self.meta.version, "published": self.meta.published,
                         "licenses": self.meta.licenses.iter().map(|l| json!({"name": l.name, "title": l.title, "path": l.path})).collect::<Vec<_>>(),
                         "keywords": self.meta.keywords},
                "counts": counts, "docs": docs, "files": files.iter().map(|f| json!({"path": f.path, "bytes": f.bytes, "sha256": f.sha256})).collect::<Vec<_>>(),
                "cite": cite,
                "archive": format!("{}.tar.gz", crate::write::archive::top_folder(self.meta)),
            }),
        )
    }

    /// `search-index.js`: one entry per row with a page or a passage, as
    /// [kind, label, link, text searched]. A script, not JSON, so it loads from file://.
    fn search_index(&self) -> String {
        let mut entries: Vec<[String; 4]> = Vec::new();
        for t in self
            .tabs
            .values()
            .filter(|t| t.is_entity() || t.has_spans())
        {
            for r in 0..t.rows.len() {
                let mut text = t.label(r);
                for c in [
                    "name", "alias", "quote", "summary", "measure", "title", "authors",
                ] {
                    if let Some(v) = t.get(r, c) {
                        text.push(' ');
                        text.push_str(v);
                    }
                }
                // An actor or place is found by every one of its aliases.
                for (table, _, row) in self
                    .backrefs
                    .get(&(t.schema.name.clone(), t.key(r)))
                    .into_iter()
                    .flatten()
                {
                    if table.ends_with("_aliases") {
                        text.push(' ');
                        text.push_str(self.tabs[table].get(*row, "alias").unwrap_or(""));
                    }
                }
                entries.push([singular(&t.schema.name), t.label(r), t.home(r), text]);
            }
        }
        format!(
            "window.KDATA_SEARCH = {};\n",
            serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())
        )
    }
}

/// Autoescaping as minijinja's default formatter does, but only of the five characters
/// HTML needs (`&<>"'`): its default also escapes `/`, which bloats every link.
fn escape_html(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    let Some(s) = value
        .as_str()
        .filter(|_| *state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe())
    else {
        return minijinja::escape_formatter(out, state, value);
    };
    let fail = |_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write");
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&s[last..i]).map_err(fail)?;
        out.write_str(rep).map_err(fail)?;
        last = i + 1;
    }
    out.write_str(&s[last..]).map_err(fail)
}

/// "actor alias" for `actor_aliases`: a table's rows named one at a time.
fn singular(table: &str) -> String {
    let one = match table {
        "errata" => "erratum",
        t if t.ends_with("ses") => &t[..t.len() - 2],
        t => t.strip_suffix('s').unwrap_or(t),
    };
    one.replace('_', " ")
}

/// A heading for rows of `table` that point at an entity of `target` through `col`.
fn section_title(target: &str, table: &str, col: &str, title: &str) -> String {
    match (target, table, col) {
        ("actors", "relations", "subject_actor_id") => {
            "Relations out (this actor is the subject)".into()
        }
        ("actors", "relations", "object_actor_id") => {
            "Relations in (this actor is the object)".into()
        }
        ("actors", "actors", "parent_actor_id") => "Parts and branches".into(),
        ("places", "places", "parent_place_id") => "Places within".into(),
        ("actors", "event_actors", _) => "Events (role)".into(),
        ("events", "event_actors", _) => "Actors (role)".into(),
        ("citations", "citations", "repeats_citation_id") => "Cited again in".into(),
        (_, "actor_aliases" | "place_aliases", _) => "Aliases".into(),
        ("actors", "figures", _) => "Figures about this actor".into(),
        ("places", "figures", _) => "Figures about this place".into(),
        ("places", "events", _) => "Events here".into(),
        ("events", "figures", _) => "Figures of this event".into(),
        (_, _, c) => format!("{title} ({})", c.replace('_', " ")),
    }
}
