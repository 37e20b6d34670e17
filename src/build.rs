//! From loaded inputs to validated output tables: proves every quote against its source,
//! derives the page map and footnotes, computes derived columns, checks keys and
//! references, runs the whole-dataset checks and generates pages and mentions.

use crate::checks;
use crate::diag::{Diags, Loc};
use crate::edtf;
use crate::layout::{self, Layout};
use crate::mentions;
use crate::project::{Curated, DatasetMeta, Doc, Project};
use crate::resolve::{self, Miss, Request, Span};
use crate::schema::{Derive, Schema, Scope};
use crate::text::collapse;
use crate::value::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// An output table: rows of typed values in schema order, sorted by primary key.
pub struct Table<'a> {
    pub schema: &'a Schema,
    pub rows: Vec<Vec<Value>>,
}

pub struct Dataset<'a> {
    pub meta: &'a DatasetMeta,
    /// Every table, in name order.
    pub tables: Vec<Table<'a>>,
    /// SHA-256 of each source, by doc_id.
    pub sources: Vec<(String, String)>,
    /// Files copied into every version as they are (datasheet, CITATION.cff).
    pub includes: Vec<(String, Vec<u8>)>,
    /// How to cite the dataset (Croissant `citeAs`).
    pub cite_as: String,
    /// Also write the Parquet tables in a Hive layout partitioned by document.
    pub partition_by_doc: bool,
    /// Write the static site (`site/`).
    pub site: bool,
    /// The source texts, for the site's reader.
    pub texts: Vec<crate::site::SourceDoc>,
}

/// A document after its quotes are resolved and its layout derived.
pub struct Laid<'p> {
    pub doc: &'p Doc,
    pub layout: Layout,
}

/// Builds the dataset. The curated values are moved out of the project into the output
/// rows (the project keeps every row's origin for diagnostics), so they exist once.
pub fn build<'p>(p: &'p mut Project, diags: &mut Diags) -> Option<Dataset<'p>> {
    build_with_progress(p, diags, &|_| {})
}

/// Curated values by table, in the project's row order.
type Values = BTreeMap<String, Vec<Vec<Value>>>;

/// Quote rows of each document: (table, row index), in table and row order.
fn rows_by_doc(p: &Project) -> HashMap<&str, Vec<(&str, usize)>> {
    let mut by_doc: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
    for (table, rows) in &p.rows {
        if p.schemas[table].has_quote() {
            for (i, c) in rows.iter().enumerate() {
                by_doc.entry(c.doc.as_str()).or_default().push((table.as_str(), i));
            }
        }
    }
    by_doc
}

fn quote_of<'v>(p: &Project, vals: &'v Values, t: &str, i: usize) -> Option<&'v str> {
    p.schemas[t].index("quote").and_then(|q| vals[t][i][q].as_str())
}

/// One document's stage: resolve all its quotes in one pass, then derive its layout.
fn lay_out<'p>(p: &'p Project, vals: &Values, doc: &'p Doc, reqs: &[(&'p str, usize)]) -> (Laid<'p>, Vec<((&'p str, usize), Span)>, Diags) {
    let mut diags = Diags::default();
    let mut requests: Vec<Request> = reqs
        .iter()
        .map(|&(t, i)| {
            let c = &p.rows[t][i];
            Request { quote: quote_of(p, vals, t, i).unwrap_or(""), prefix: c.row.input("quote_prefix") }
        })
        .collect();
    requests.extend(doc.layout.not_page_starts.iter().map(|n| Request { quote: &n.quote, prefix: n.quote_prefix.as_deref() }));
    let results = resolve::resolve_all(&doc.norm, &requests);
    let mut not_page_starts = Vec::new();
    let mut spans = Vec::new();
    for (k, res) in results.into_iter().enumerate() {
        match (reqs.get(k), res) {
            (None, Ok(span)) => not_page_starts.push(span.start),
            (None, Err(miss)) => report_miss(&mut diags, doc.layout_loc.clone(), &doc.source_shown, miss),
            (Some(&(t, i)), res) => {
                let c = &p.rows[t][i];
                if quote_of(p, vals, t, i).is_none() {
                    continue; // already reported as a missing required value
                }
                match res {
                    Ok(span) => spans.push(((t, i), span)),
                    Err(miss) => {
                        let key = if c.row.input("quote_prefix").is_some() && !matches!(miss, Miss::NotFound { .. }) { "quote_prefix" } else { "quote" };
                        report_miss(&mut diags, c.row.origin.at(key), &doc.source_shown, miss);
                    }
                }
            }
        }
    }
    // The page map and footnotes.
    let number = p.schemas["footnotes"].index("number");
    let notes: Vec<(Option<i64>, Span)> = spans
        .iter()
        .filter(|((t, _), _)| *t == "footnotes")
        .map(|&((t, i), span)| (number.and_then(|n| vals[t][i][n].as_int()), span))
        .collect();
    let field = |n: &str| doc.record.values[p.schemas["documents"].index(n).unwrap()].as_int();
    let input = layout::Input {
        chars: &doc.chars,
        first_page: field("first_page").unwrap_or(1),
        last_page: field("last_page").unwrap_or(1),
        running_headers: &doc.layout.running_headers,
        not_page_starts: &not_page_starts,
        notes: &notes,
    };
    let (layout, errors) = layout::derive(&input);
    for e in errors {
        diags.push(doc.layout_loc.clone(), "page-map", e);
    }
    // A passage is running text or one footnote's text, never a mix with page furniture.
    for &((t, i), span) in &spans {
        if let Some(problem) = layout.region_problem(&doc.chars, span) {
            diags.push(p.rows[t][i].row.origin.at("quote"), "quote-region", format!("the quote {problem}; quote running text or one footnote, not both"));
        }
    }
    (Laid { doc, layout }, spans, diags)
}

/// A document's layout exactly as the build derives it, if it derives without page-map
/// errors (the curation aid `locate` uses it).
pub fn layout_of(p: &Project, doc: &Doc) -> Option<Layout> {
    let vals: Values = p.rows.iter().map(|(t, rows)| (t.clone(), rows.iter().map(|c| c.row.values.clone()).collect())).collect();
    let reqs = rows_by_doc(p).remove(doc.doc_id.as_str()).unwrap_or_default();
    let (laid, _, diags) = lay_out(p, &vals, doc, &reqs);
    (!diags.0.iter().any(|d| d.code == "page-map")).then_some(laid.layout)
}

/// `build`, reporting the number of documents laid out so far (for a progress bar).
pub fn build_with_progress<'p>(p: &'p mut Project, diags: &mut Diags, progress: &(dyn Fn(usize) + Sync)) -> Option<Dataset<'p>> {
    let mut vals: Values = p.rows.iter_mut().map(|(t, rows)| (t.clone(), rows.iter_mut().map(|c| std::mem::take(&mut c.row.values)).collect())).collect();
    let p: &'p Project = p;
    // 1-2. Per document, on all cores: quotes, page map, footnotes.
    let by_doc = rows_by_doc(p);
    let none = Vec::new();
    let staged = crate::par::map(&p.docs, |doc| lay_out(p, &vals, doc, by_doc.get(doc.doc_id.as_str()).unwrap_or(&none)), progress);
    let mut spans: HashMap<(&str, usize), Span> = HashMap::new();
    let mut laid = Vec::with_capacity(staged.len());
    for (l, s, d) in staged {
        spans.extend(s);
        diags.0.extend(d.0);
        laid.push(l);
    }
    let laid_by: HashMap<&str, &Laid> = laid.iter().map(|l| (l.doc.doc_id.as_str(), l)).collect();

    // 3. Derived columns, table by table.
    let mut doc_ids: HashMap<&str, Value> = HashMap::new();
    let mut tables: BTreeMap<&str, (Vec<Vec<Value>>, Vec<&Curated>)> = BTreeMap::new();
    for (name, schema) in &p.schemas {
        let mut rows = Vec::new();
        let mut origins = Vec::new();
        match schema.scope {
            Scope::DocumentRecord => {
                for d in &laid {
                    let id = Value::Str(Arc::from(d.doc.doc_id.as_str()));
                    rows.push(derive_row(schema, d.doc.record.values.clone(), &id, None, Some(d), diags, &d.doc.record.origin));
                }
            }
            Scope::Registry | Scope::Document => {
                let values = vals.remove(name.as_str()).unwrap_or_default();
                for ((i, c), values) in p.rows.get(name).into_iter().flatten().enumerate().zip(values) {
                    // Rows whose quote failed keep null provenance: the build fails anyway,
                    // and keeping them avoids a cascade of foreign-key errors.
                    let span = spans.get(&(name.as_str(), i)).copied();
                    let l = laid_by.get(c.doc.as_str()).copied();
                    let id = doc_ids.entry(c.doc.as_str()).or_insert_with(|| Value::Str(Arc::from(c.doc.as_str())));
                    rows.push(derive_row(schema, values, id, span, l, diags, &c.row.origin));
                    origins.push(c);
                }
            }
            Scope::Generated => {}
        }
        tables.insert(name.as_str(), (rows, origins));
    }

    // 4. Generated tables.
    let pages = &p.schemas["pages"];
    tables.get_mut("pages").unwrap().0 = laid
        .iter()
        .flat_map(|l| l.layout.pages.iter().map(|pg| {
            let mut row = vec![Value::Null; pages.fields.len()];
            let mut set = |n: &str, v: Value| row[pages.index(n).unwrap()] = v;
            set("doc_id", Value::Str(Arc::from(l.doc.doc_id.as_str())));
            set("page", Value::Int(pg.number));
            set("char_start", Value::Int(pg.start as i64));
            set("char_end", Value::Int(pg.end as i64));
            set("printed_number_at", pg.printed_at.map_or(Value::Null, |x| Value::Int(x as i64)));
            row
        }))
        .collect();
    let mention_rows = mentions::generate(p, &laid, &tables);
    tables.get_mut("mentions").unwrap().0 = mention_rows;

    // 5. Keys, references and the whole-dataset rules.
    check_keys(p, &tables, diags);
    checks::run(p, &tables, &laid_by, diags);
    if !diags.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (name, (mut rows, _)) in tables {
        let schema = &p.schemas[name];
        rows.sort_by(|a, b| {
            schema.primary_key.iter().map(|&k| a[k].cmp_key(&b[k])).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
        });
        out.push(Table { schema, rows });
    }
    let sha = |d: &Doc| d.record.values[p.schemas["documents"].index("sha256").unwrap()].to_text();
    let cite_as = format!(
        "{}, {}, version {}. Extracted from: {}",
        p.meta.contributors.iter().map(|c| c.title.as_str()).collect::<Vec<_>>().join("; "),
        p.meta.title,
        p.meta.version,
        p.docs.iter().map(|d| doc_citation(p, d)).collect::<Vec<_>>().join("; ")
    );
    Some(Dataset {
        meta: &p.meta,
        tables: out,
        sources: p.docs.iter().map(|d| (d.doc_id.clone(), sha(d))).collect(),
        includes: p.includes.clone(),
        cite_as,
        partition_by_doc: false,
        site: true,
        texts: p.docs.iter().map(|d| crate::site::SourceDoc { doc_id: d.doc_id.clone(), text: d.chars.iter().collect() }).collect(),
    })
}

/// "Author, "Title", Container volume, no. issue (year): pages."
fn doc_citation(p: &Project, d: &Doc) -> String {
    let f = |n: &str| p.schemas["documents"].index(n).map_or(String::new(), |i| d.record.values[i].to_text());
    format!("{}, \"{}\", {} {}, no. {} ({}): {}-{}.", f("authors"), f("title"), f("container_title"), f("volume"), f("issue"), f("year"), f("first_page"), f("last_page"))
}

fn report_miss(diags: &mut Diags, loc: Loc, source: &str, miss: Miss) {
    let (code, msg) = match miss {
        Miss::Empty => ("quote-empty", "the quote is empty".to_string()),
        Miss::NotFound { closest, agree, of, at } => (
            "quote-not-found",
            format!("quote not found in {source}; closest passage (code point {at}, {agree} of {of} characters agree): «{closest}»"),
        ),
        Miss::Ambiguous { count, starts } => (
            "quote-ambiguous",
            format!("quote found {count} times in {source} (at code points {starts:?}); add quote_prefix with the text just before the one meant"),
        ),
        Miss::PrefixNotBefore { count } => (
            "prefix-not-before",
            format!("quote_prefix does not stand immediately before any of the quote's {count} occurrence(s) in {source}"),
        ),
        Miss::PrefixAmbiguous { count } => ("quote-ambiguous", format!("quote with this quote_prefix still occurs {count} times in {source}; lengthen the prefix")),
    };
    diags.push(loc, code, msg);
}

/// Computes a row's derived columns; curated columns are kept as they are.
fn derive_row(schema: &Schema, values: Vec<Value>, doc_id: &Value, span: Option<Span>, laid: Option<&Laid>, diags: &mut Diags, origin: &crate::load::Origin) -> Vec<Value> {
    let mut row = values;
    // Each EDTF column is parsed once; a malformed one is reported here, where the row's
    // location is known, and its derived columns stay empty.
    let mut parsed: Vec<(&str, Option<edtf::Edtf>)> = Vec::new();
    for f in &schema.fields {
        if let Some(Derive::EdtfStart(from)) = &f.derive {
            let text = schema.index(from).and_then(|i| row[i].as_str());
            let result = text.map(edtf::parse).transpose().unwrap_or_else(|e| {
                diags.push(origin.at(from), "date", format!("'{from}': {e}"));
                None
            });
            parsed.push((from, result));
        }
    }
    let edtf_of = |from: &str| parsed.iter().find(|(f, _)| *f == from).and_then(|(_, e)| e.clone());
    for (i, f) in schema.fields.iter().enumerate() {
        let Some(d) = &f.derive else {
            if f.name == "quote" {
                if let Value::Str(q) = &row[i] {
                    row[i] = Value::Str(Arc::from(collapse(q)));
                }
            }
            continue;
        };
        let int = |x: usize| Value::Int(x as i64);
        row[i] = match (d, span, laid) {
            (Derive::DocId, _, _) => doc_id.clone(),
            (Derive::Page, Some(s), Some(l)) => Value::Int(l.layout.page_of(s.start)),
            (Derive::CharStart, Some(s), _) => int(s.start),
            (Derive::CharEnd, Some(s), _) => int(s.end),
            (Derive::Footnote, Some(s), Some(l)) => l.layout.footnote_for(s).map_or(Value::Null, Value::Int),
            (Derive::MarkerStart | Derive::MarkerPage, Some(s), Some(l)) => match l.layout.notes.iter().find(|n| n.span == s).and_then(|n| n.marker) {
                Some(m) if matches!(d, Derive::MarkerStart) => int(m),
                Some(m) => Value::Int(l.layout.page_of(m)),
                None => Value::Null,
            },
            (Derive::SourcePath, _, Some(l)) => Value::Str(Arc::from(l.doc.source_rel.as_str())),
            (Derive::SourceBytes, _, Some(l)) => int(l.doc.bytes),
            (Derive::SourceChars, _, Some(l)) => int(l.doc.chars.len()),
            (Derive::EdtfStart(from), _, _) => edtf_of(from).map_or(Value::Null, |e| Value::Date(edtf::days(e.start))),
            (Derive::EdtfEnd(from), _, _) => edtf_of(from).and_then(|e| e.end).map_or(Value::Null, |e| Value::Date(edtf::days(e))),
            (Derive::EdtfPrecision(from), _, _) => edtf_of(from).and_then(|e| f.intern(e.precision)).map_or(Value::Null, Value::Str),
            _ => Value::Null,
        };
    }
    row
}

/// One column of a key, hashed without copying text (ids are shared strings).
#[derive(Clone, PartialEq, Eq, Hash)]
enum KeyPart {
    Str(Arc<str>),
    Int(i64),
    Text(String),
}

impl KeyPart {
    fn of(v: &Value) -> Option<KeyPart> {
        Some(match v {
            Value::Null => return None,
            Value::Str(s) => KeyPart::Str(s.clone()),
            Value::Int(i) => KeyPart::Int(*i),
            other => KeyPart::Text(other.to_text()),
        })
    }
    fn text(&self) -> String {
        match self {
            KeyPart::Str(s) => s.to_string(),
            KeyPart::Int(i) => i.to_string(),
            KeyPart::Text(t) => t.clone(),
        }
    }
}

/// Output rows by table, with the curated row each came from (none for generated rows).
pub type Tables<'a> = BTreeMap<&'a str, (Vec<Vec<Value>>, Vec<&'a Curated>)>;

/// Primary keys, unique columns and foreign keys, as declared in the schemas.
fn check_keys(p: &Project, tables: &Tables, diags: &mut Diags) {
    let loc = |table: &str, r: usize, field: &str| -> Loc {
        tables[table].1.get(r).map_or_else(|| Loc::file_only(&format!("schemas/{table}.json")), |c| c.row.origin.at(field))
    };
    let text = |k: &[KeyPart]| k.iter().map(KeyPart::text).collect::<Vec<_>>().join("+");
    // Keys some foreign key points at; only these are kept once checked for uniqueness.
    let targets: HashSet<(&str, Vec<usize>)> = p.schemas.values()
        .flat_map(|s| s.foreign_keys.iter().map(move |fk| (s, fk)))
        .filter_map(|(_, fk)| {
            let t = &p.schemas.get(&fk.table)?;
            Some((fk.table.as_str(), fk.ref_fields.iter().filter_map(|n| t.index(n)).collect()))
        })
        .collect();
    let mut keysets: HashMap<(&str, Vec<usize>), KeySet> = HashMap::new();
    let mut key = Vec::new();
    for (name, (rows, _)) in tables {
        let schema = &p.schemas[*name];
        let mut uniques: Vec<Vec<usize>> = vec![schema.primary_key.clone()];
        uniques.extend(schema.fields.iter().enumerate().filter(|(_, f)| f.unique).map(|(i, _)| vec![i]));
        uniques.dedup();
        for idx in uniques {
            let mut seen: KeyMap = KeyMap::with_capacity_and_hasher(rows.len(), Default::default());
            for (r, row) in rows.iter().enumerate() {
                if !key_of(row, &idx, &mut key) {
                    continue;
                }
                if let Some(&first) = seen.get(key.as_slice()) {
                    let names: Vec<&str> = idx.iter().map(|&i| schema.fields[i].name.as_str()).collect();
                    diags.push(
                        loc(name, r, names[0]),
                        "duplicate-key",
                        format!("{name}: {} = {} is used twice (first at {})", names.join("+"), text(&key), loc(name, first, names[0])),
                    );
                } else {
                    seen.insert(key.clone(), r);
                }
            }
            if targets.contains(&(*name, idx.clone())) {
                keysets.insert((name, idx), seen);
            }
        }
    }
    for (name, (rows, _)) in tables {
        let schema = &p.schemas[*name];
        for fk in &schema.foreign_keys {
            let target = &p.schemas[&fk.table];
            let ref_idx: Vec<usize> = fk.ref_fields.iter().filter_map(|n| target.index(n)).collect();
            let Some(set) = keysets.get(&(fk.table.as_str(), ref_idx)) else {
                diags.push(Loc::file_only(&format!("schemas/{name}.json")), "schema", format!("foreign key to {}{:?} is not a primary or unique key", fk.table, fk.ref_fields));
                continue;
            };
            if p.broken_tables.contains(&fk.table) {
                continue; // its file could not be read, which is reported already
            }
            for (r, row) in rows.iter().enumerate() {
                if !key_of(row, &fk.fields, &mut key) || set.contains_key(key.as_slice()) {
                    continue;
                }
                if fk.table == "documents" && p.broken_docs.contains(&key[0].text()) {
                    continue;
                }
                let field = &schema.fields[fk.fields[0]].name;
                diags.push(loc(name, r, field), "foreign-key", format!("{name}.{field} = '{}' matches no {}.{}", text(&key), fk.table, fk.ref_fields.join("+")));
            }
        }
    }
}

/// Fills `key` with the row's values in `idx`; false when one of them is null.
fn key_of(row: &[Value], idx: &[usize], key: &mut Vec<KeyPart>) -> bool {
    key.clear();
    for &i in idx {
        match KeyPart::of(&row[i]) {
            Some(k) => key.push(k),
            None => return false,
        }
    }
    true
}

/// FxHash (as in rustc): keys are trusted ids, so a fast non-cryptographic hash is fine.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type KeyMap = HashMap<Vec<KeyPart>, usize, std::hash::BuildHasherDefault<Fx>>;
type KeySet = KeyMap;
