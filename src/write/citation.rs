//! How to cite a version, written once and reused by every file that says it: the
//! plain-text citation and BibTeX (dataset card), `CITATION.cff` and `.zenodo.json`
//! (DataCite/Zenodo deposit metadata). All come from `raw/dataset.toml` and the
//! `documents` table, so title, description, keywords and version agree everywhere.

use super::cells::{cell, col, find, TableRef};
use crate::model::DatasetMeta;
use serde_json::{json, Value as Json};
use std::fmt::Write as _;

/// A source document's bibliographic record, from the `documents` table.
pub struct Reference {
    pub authors: Vec<String>,
    pub title: String,
    pub container: String,
    pub volume: String,
    pub issue: String,
    pub year: String,
    pub first_page: String,
    pub last_page: String,
}

impl Reference {
    /// "Author, "Title", Container volume, no. issue (year): pages."
    pub fn text(&self) -> String {
        let mut s = format!(
            "{}, \"{}\", {}",
            self.authors.join("; "),
            self.title,
            self.container
        );
        if !self.volume.is_empty() {
            let _ = write!(s, " {}", self.volume);
        }
        if !self.issue.is_empty() {
            let _ = write!(s, ", no. {}", self.issue);
        }
        let _ = write!(
            s,
            " ({}): {}-{}.",
            self.year, self.first_page, self.last_page
        );
        s
    }
}

/// The source documents of the release, in table order.
pub fn references(tables: &[TableRef<'_>]) -> Vec<Reference> {
    let Some(docs) = find(tables, "documents") else {
        return Vec::new();
    };
    let get = |row: usize, name: &str| {
        col(docs, name)
            .map(|c| cell(docs.1, row, c).to_text())
            .unwrap_or_default()
    };
    (0..docs.1.num_rows())
        .map(|r| Reference {
            authors: get(r, "authors")
                .split(';')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect(),
            title: get(r, "title"),
            container: get(r, "container_title"),
            volume: get(r, "volume"),
            issue: get(r, "issue"),
            year: get(r, "year"),
            first_page: get(r, "first_page"),
            last_page: get(r, "last_page"),
        })
        .collect()
}

/// Family and given names of "Given Family" or "Family, Given".
fn split_name(name: &str) -> (String, String) {
    if let Some((family, given)) = name.split_once(',') {
        return (family.trim().into(), given.trim().into());
    }
    match name.rsplit_once(' ') {
        Some((given, family)) => (family.into(), given.into()),
        None => (name.into(), String::new()),
    }
}

fn authors(meta: &DatasetMeta) -> Vec<&str> {
    let a: Vec<&str> = meta
        .contributors
        .iter()
        .filter(|c| c.role == "author")
        .map(|c| c.title.as_str())
        .collect();
    if a.is_empty() {
        meta.contributors.iter().map(|c| c.title.as_str()).collect()
    } else {
        a
    }
}

fn year(meta: &DatasetMeta) -> &str {
    meta.published.get(..4).unwrap_or(&meta.published)
}

/// One line to cite the version in text.
pub fn cite_text(meta: &DatasetMeta, tables: &[TableRef<'_>]) -> String {
    let refs: Vec<String> = references(tables).iter().map(Reference::text).collect();
    let mut s = format!(
        "{} ({}). {} (version {}) [Data set].",
        authors(meta).join("; "),
        year(meta),
        meta.title,
        meta.version
    );
    if let Some(h) = &meta.homepage {
        let _ = write!(s, " {h}");
    }
    if !refs.is_empty() {
        let _ = write!(s, " Extracted from: {}", refs.join(" "));
    }
    s
}

fn bib_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '&' | '%' | '$' | '#' | '_' | '{' | '}') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A BibTeX entry (`@misc`, which every style knows) for the version.
pub fn bibtex(meta: &DatasetMeta, tables: &[TableRef<'_>]) -> String {
    let refs: Vec<String> = references(tables).iter().map(Reference::text).collect();
    let authors: Vec<String> = authors(meta)
        .iter()
        .map(|a| format!("{{{}}}", bib_escape(a)))
        .collect();
    let mut s = format!(
        "@misc{{{}_{},\n",
        meta.name.replace('-', "_"),
        meta.version.replace('.', "_")
    );
    let _ = writeln!(s, "  author       = {{{}}},", authors.join(" and "));
    let _ = writeln!(s, "  title        = {{{{{}}}}},", bib_escape(&meta.title));
    let _ = writeln!(s, "  year         = {{{}}},", year(meta));
    let _ = writeln!(s, "  version      = {{{}}},", meta.version);
    let _ = writeln!(s, "  howpublished = {{Data set}},");
    if let Some(h) = &meta.homepage {
        let _ = writeln!(s, "  url          = {{{h}}},");
    }
    if !refs.is_empty() {
        let _ = writeln!(
            s,
            "  note         = {{Extracted from: {}}},",
            bib_escape(&refs.join(" "))
        );
    }
    s.push_str("}\n");
    s
}

/// A YAML scalar: JSON string syntax is valid YAML and escapes everything needed.
pub fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// `CITATION.cff` (Citation File Format 1.2.0) of the version.
pub fn citation_cff(meta: &DatasetMeta, tables: &[TableRef<'_>]) -> String {
    let q = yaml_str;
    let mut s = String::from(
        "# Generated by `kdata build` from raw/dataset.toml; do not edit.\ncff-version: 1.2.0\n",
    );
    s.push_str("message: \"If you use this dataset, please cite it as below, and cite the article it is extracted from.\"\n");
    s.push_str("type: dataset\n");
    let _ = writeln!(s, "title: {}", q(&meta.title));
    let _ = writeln!(s, "abstract: {}", q(&meta.description));
    let _ = writeln!(s, "version: {}", meta.version);
    let _ = writeln!(s, "date-released: {}", q(&meta.published));
    s.push_str("authors:\n");
    for a in authors(meta) {
        let _ = writeln!(s, "  - name: {}", q(a));
    }
    if let Some(l) = meta.licenses.first() {
        let _ = writeln!(s, "license: {}", l.name);
    }
    if let Some(h) = &meta.homepage {
        let _ = writeln!(s, "url: {}", q(h));
    }
    s.push_str("keywords:\n");
    for k in &meta.keywords {
        let _ = writeln!(s, "  - {}", q(k));
    }
    let refs = references(tables);
    if !refs.is_empty() {
        s.push_str("references:\n");
    }
    for r in refs {
        let _ = writeln!(
            s,
            "  - type: article\n    title: {}\n    authors:",
            q(&r.title)
        );
        for a in &r.authors {
            let (family, given) = split_name(a);
            let _ = writeln!(s, "      - family-names: {}", q(&family));
            if !given.is_empty() {
                let _ = writeln!(s, "        given-names: {}", q(&given));
            }
        }
        let _ = writeln!(s, "    journal: {}", q(&r.container));
        for (k, v) in [
            ("volume", &r.volume),
            ("issue", &r.issue),
            ("year", &r.year),
            ("start", &r.first_page),
            ("end", &r.last_page),
        ] {
            // CFF wants the year as a number; the others may be either.
            if v.parse::<u32>().is_ok() {
                let _ = writeln!(s, "    {k}: {v}");
            } else if !v.is_empty() {
                let _ = writeln!(s, "    {k}: {}", q(v));
            }
        }
    }
    s
}

/// `.zenodo.json`: the deposit metadata Zenodo (and through it DataCite) reads when a
/// DOI is minted, so nothing is typed twice. Related identifiers are left out: none is
/// known yet.
pub fn zenodo_json(meta: &DatasetMeta, tables: &[TableRef<'_>]) -> String {
    let refs: Vec<String> = references(tables).iter().map(Reference::text).collect();
    let mut z = json!({
        "upload_type": "dataset",
        "title": meta.title,
        "description": meta.description,
        "version": meta.version,
        "publication_date": meta.published,
        "creators": authors(meta).iter().map(|a| json!({"name": a})).collect::<Vec<_>>(),
        "keywords": meta.keywords,
        "access_right": "open",
        "language": "eng",
        "references": refs,
    });
    if let Some(l) = meta.licenses.first() {
        z["license"] = Json::from(l.name.to_lowercase());
    }
    if let Some(h) = &meta.homepage {
        z["related_identifiers"] =
            json!([{"identifier": h, "relation": "isDocumentedBy", "resource_type": "other"}]);
    }
    serde_json::to_string_pretty(&z).unwrap() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_family_and_given() {
        assert_eq!(
            split_name("Mona Kanwal Sheikh"),
            ("Sheikh".into(), "Mona Kanwal".into())
        );
        assert_eq!(
            split_name("Sheikh, Mona Kanwal"),
            ("Sheikh".into(), "Mona Kanwal".into())
        );
        assert_eq!(split_name("UNAMA"), ("UNAMA".into(), String::new()));
    }

    #[test]
    fn yaml_strings_and_bibtex_are_escaped() {
        assert_eq!(yaml_str("a: \"b\""), "\"a: \\\"b\\\"\"");
        assert_eq!(bib_escape("50% & {x}"), "50\\% \\& \\{x\\}");
    }
}
