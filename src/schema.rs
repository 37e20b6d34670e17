//! Table schemas: reads the Frictionless Table Schema files in `schemas/`, the single
//! source of truth for column names, order, types, rules and descriptions.
//!
//! Two project properties ride along in the standard format: `x-scope` on a table says
//! where its rows come from, and `x-derive` on a field says the pipeline computes it.
//! `x-vocabulary` gives each enum value its definition, and `x-ordered: true` says an
//! enum's values are ranked in schema order (e.g. date precisions, from finest to
//! coarsest), so Parquet marks its dictionary ordered.

use crate::diag::{Code, Diags, Loc};
use regex::Regex;
use serde::Deserialize;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Shared by all documents: `raw/registry/<table>.toml`, rows name their `doc_id`.
    Registry,
    /// Per document: `raw/documents/<doc_id>/<table>.toml`.
    Document,
    /// The bibliographic record in `raw/documents/<doc_id>/document.toml`.
    DocumentRecord,
    /// Computed entirely by the pipeline.
    Generated,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
}

impl FieldType {
    /// The name a Table Schema writes for the type.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
        }
    }
}

/// How the pipeline computes a derived column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Derive {
    DocId,
    Page,
    CharStart,
    CharEnd,
    Footnote,
    MarkerStart,
    MarkerPage,
    SourcePath,
    SourceBytes,
    SourceChars,
    EdtfStart(String),
    EdtfEnd(String),
    EdtfPrecision(String),
    /// True when the EDTF date (or either end of an interval) is marked `~` or `%`.
    EdtfApproximate(String),
    /// True when the EDTF date (or either end of an interval) is marked `?` or `%`.
    EdtfUncertain(String),
    /// The cell of the named column with the errata that point at it applied.
    Corrected(String),
}

impl Derive {
    /// The type of the values the rule makes (None: the type of the column it corrects).
    pub fn output_type(&self) -> Option<FieldType> {
        use Derive::*;
        Some(match self {
            DocId | SourcePath | EdtfPrecision(_) => FieldType::String,
            Page | CharStart | CharEnd | Footnote | MarkerStart | MarkerPage | SourceBytes
            | SourceChars => FieldType::Integer,
            EdtfStart(_) | EdtfEnd(_) => FieldType::Date,
            EdtfApproximate(_) | EdtfUncertain(_) => FieldType::Boolean,
            Corrected(_) => return None,
        })
    }

    /// The column a rule reads, for the rules that read one.
    pub fn source(&self) -> Option<&str> {
        match self {
            Derive::Corrected(c) => Some(c),
            _ => self.edtf_source(),
        }
    }

    /// The EDTF column a rule reads, for the rules that parse one.
    pub fn edtf_source(&self) -> Option<&str> {
        use Derive::*;
        match self {
            EdtfStart(c) | EdtfEnd(c) | EdtfPrecision(c) | EdtfApproximate(c)
            | EdtfUncertain(c) => Some(c),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDerive {
    Simple(String),
    Rule { rule: String, from: String },
}

#[derive(Deserialize, Default)]
struct RawConstraints {
    #[serde(default)]
    required: bool,
    #[serde(default)]
    unique: bool,
    #[serde(rename = "enum")]
    enumeration: Option<Vec<String>>,
    pattern: Option<String>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

#[derive(Deserialize)]
struct RawField {
    name: String,
    #[serde(rename = "type")]
    ftype: FieldType,
    description: String,
    #[serde(default)]
    constraints: RawConstraints,
    #[serde(rename = "x-vocabulary")]
    vocabulary: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(rename = "x-ordered", default)]
    ordered: bool,
    #[serde(rename = "x-symmetric", default)]
    symmetric: Vec<String>,
    #[serde(rename = "x-hierarchy", default)]
    hierarchy: Vec<String>,
    #[serde(rename = "x-passage", default)]
    passage: bool,
    #[serde(rename = "x-derive")]
    derive: Option<RawDerive>,
}

#[derive(Deserialize)]
struct RawForeignKey {
    fields: Vec<String>,
    reference: RawReference,
}

#[derive(Deserialize)]
struct RawReference {
    resource: String,
    fields: Vec<String>,
}

#[derive(Deserialize)]
struct RawSchema {
    name: String,
    title: String,
    description: String,
    #[serde(rename = "x-scope")]
    scope: Scope,
    fields: Vec<RawField>,
    #[serde(rename = "primaryKey")]
    primary_key: Vec<String>,
    #[serde(rename = "foreignKeys", default)]
    foreign_keys: Vec<RawForeignKey>,
    #[serde(rename = "x-entity")]
    entity: Option<EntityDecl>,
    #[serde(rename = "x-aliases")]
    aliases: Option<AliasesDecl>,
}

/// `x-entity`: this table's rows are entities that have surface forms (mentions are
/// generated for them): their kind in `mentions.entity_type`, name and parent columns,
/// and the table holding their aliases.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct EntityDecl {
    pub kind: String,
    pub name: String,
    pub parent: Option<String>,
    pub aliases: String,
}

/// `x-aliases`: this table's rows are surface forms of the entities of another table:
/// the column naming the entity and the column holding the form.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct AliasesDecl {
    pub owner: String,
    pub alias: String,
}

#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub ftype: FieldType,
    pub description: String,
    pub required: bool,
    pub unique: bool,
    /// Allowed values, in schema order, with their definitions.
    pub vocabulary: Option<Vec<(String, String)>>,
    /// The vocabulary is ranked in schema order (`x-ordered`): readers may sort by it.
    pub ordered: bool,
    /// Values whose relation holds both ways (`x-symmetric`): stored once, in order.
    pub symmetric: Vec<String>,
    /// Values that mirror the entity hierarchy (`x-hierarchy`): the object is the
    /// subject's parent.
    pub hierarchy: Vec<String>,
    /// The cell is a passage of the source (`x-passage`), proved like a quote.
    pub passage: bool,
    /// The allowed values as shared strings, so enum cells cost no allocation.
    pub interned: Vec<crate::value::Text>,
    pub pattern: Option<Pattern>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub derive: Option<Derive>,
}

impl Field {
    /// The shared copy of an allowed enum value.
    pub fn intern(&self, v: &str) -> Option<crate::value::Text> {
        self.interned.iter().find(|k| &***k == v).cloned()
    }
    /// Where `v` is in the vocabulary. Cells hold the interned copy of their value, so
    /// its address finds it before any text is compared.
    pub fn vocabulary_index(&self, v: &str) -> Option<usize> {
        let same =
            |k: &crate::value::Text| std::ptr::eq(k.as_ptr(), v.as_ptr()) && k.len() == v.len();
        self.interned
            .iter()
            .position(same)
            .or_else(|| self.interned.iter().position(|k| &**k == v))
    }
    pub fn allows(&self, v: &str) -> bool {
        self.vocabulary
            .as_ref()
            .is_none_or(|voc| voc.iter().any(|(k, _)| k == v))
    }
}

#[derive(Debug)]
pub struct ForeignKey {
    pub fields: Vec<usize>,
    /// Referenced table (the table itself for self-references).
    pub table: String,
    pub ref_fields: Vec<String>,
}

#[derive(Debug)]
pub struct Schema {
    pub name: String,
    pub title: String,
    pub description: String,
    pub scope: Scope,
    pub fields: Vec<Field>,
    pub primary_key: Vec<usize>,
    pub foreign_keys: Vec<ForeignKey>,
    pub entity: Option<EntityDecl>,
    pub aliases: Option<AliasesDecl>,
    /// The descriptor as read, copied into datapackage.json (without the build-only
    /// properties `x-entity` and `x-aliases`).
    pub json: serde_json::Value,
}

impl Schema {
    pub fn index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
    pub fn has_quote(&self) -> bool {
        self.index("quote").is_some()
    }
}

/// A regex error on one line: the engine's own message draws the pattern with a caret
/// under the fault over several lines.
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    let what = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(text.trim());
    match text.lines().nth(1) {
        Some(pattern) => format!("{what} (in {})", pattern.trim()),
        None => what.to_string(),
    }
}

/// A field's `pattern` constraint. The id pattern, which 46 of the 54 shipped patterns
/// are, is tested byte by byte: a regex search per id cell was 2% of a corpus build.
#[derive(Clone, Debug)]
pub struct Pattern {
    regex: Regex,
    id: bool,
}

impl Pattern {
    /// Lower-case letters and digits in runs joined by single hyphens.
    pub const ID: &'static str = "^[a-z0-9]+(-[a-z0-9]+)*$";

    pub fn new(pattern: &str) -> Result<Pattern, regex::Error> {
        Ok(Pattern {
            regex: compiled(pattern)?,
            id: pattern == Self::ID,
        })
    }
    pub fn is_match(&self, s: &str) -> bool {
        if self.id {
            is_id(s)
        } else {
            self.regex.is_match(s)
        }
    }
    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }
}

/// Whether `s` matches `Pattern::ID`: runs of lower-case letters and digits joined by
/// single hyphens.
pub fn is_id(s: &str) -> bool {
    s.split('-').all(|run| {
        !run.is_empty()
            && run
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// Compiles `pattern` once per distinct pattern: 46 of the 54 shipped patterns are the
/// same id pattern (about 0.8 ms of a 35 ms one-article build when each was compiled).
/// Clones share the compiled program and keep caches of their own.
fn compiled(pattern: &str) -> Result<Regex, regex::Error> {
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<String, Regex>> = Default::default();
    }
    SEEN.with(|seen| {
        if let Some(r) = seen.borrow().get(pattern) {
            return Ok(r.clone());
        }
        let r = Regex::new(pattern)?;
        seen.borrow_mut().insert(pattern.to_string(), r.clone());
        Ok(r)
    })
}

/// Parses one table schema; `stem` is its file name without `.json`, which must be
/// the table's name. Problems are reported against `file`.
pub fn parse(text: &str, stem: &str, file: &str, diags: &mut Diags) -> Option<Schema> {
    let at = |e: &serde_json::Error| Loc {
        file: file.into(),
        line: e.line().max(1),
        col: e.column().max(1),
    };
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(at(&e), Code::Schema, format!("not valid JSON: {e}"));
            return None;
        }
    };
    let raw: RawSchema = match serde_json::from_value(json.clone()) {
        Ok(r) => r,
        Err(e) => {
            diags.push(
                Loc::file_only(file),
                Code::Schema,
                format!("not a table schema this pipeline reads: {e}"),
            );
            return None;
        }
    };
    let here = Loc::file_only(file);
    let mut bad = |msg: String| diags.push(here.clone(), Code::Schema, msg);
    if raw.name != stem {
        bad(format!(
            "schema name '{}' differs from its file name '{stem}'",
            raw.name
        ));
    }
    let mut fields = Vec::new();
    for f in raw.fields {
        let c = f.constraints;
        let vocabulary = match (&c.enumeration, f.vocabulary) {
            (None, None) => None,
            (Some(e), Some(v)) => {
                let keys: Vec<&String> = v.keys().collect();
                if e.iter().collect::<Vec<_>>() != keys {
                    bad(format!(
                        "field '{}': constraints.enum and x-vocabulary list different values",
                        f.name
                    ));
                }
                Some(
                    v.into_iter()
                        .map(|(k, d)| (k, d.as_str().unwrap_or_default().to_string()))
                        .collect::<Vec<_>>(),
                )
            }
            _ => {
                bad(format!(
                    "field '{}': every enum needs x-vocabulary with a definition of each value",
                    f.name
                ));
                None
            }
        };
        for v in f.symmetric.iter().chain(&f.hierarchy) {
            if !vocabulary
                .as_ref()
                .is_some_and(|voc| voc.iter().any(|(k, _)| k == v))
            {
                bad(format!(
                    "field '{}': x-symmetric/x-hierarchy value '{v}' is not in its enum",
                    f.name
                ));
            }
        }
        if f.ordered && vocabulary.is_none() {
            bad(format!(
                "field '{}': x-ordered applies only to an enum",
                f.name
            ));
        }
        if let Some(voc) = &vocabulary {
            for (k, d) in voc {
                if d.trim().is_empty() {
                    bad(format!(
                        "field '{}': enum value '{k}' has no definition",
                        f.name
                    ));
                }
            }
        }
        let pattern = c.pattern.as_ref().and_then(|p| match Pattern::new(p) {
            Ok(r) => Some(r),
            Err(e) => {
                bad(format!(
                    "field '{}': bad pattern: {}",
                    f.name,
                    regex_error(&e)
                ));
                None
            }
        });
        let derive = f.derive.and_then(|d| match parse_derive(d) {
            Ok(d) => Some(d),
            Err(m) => {
                bad(format!("field '{}': {m}", f.name));
                None
            }
        });
        // The pipeline fills a derived column with values of one type; a schema that
        // declares another would make every cell unwritable.
        if let Some(want) = derive.as_ref().and_then(Derive::output_type) {
            if f.ftype != want {
                bad(format!(
                    "field '{}': the pipeline derives it as {}, but its type is {}",
                    f.name,
                    want.name(),
                    f.ftype.name()
                ));
            }
        }
        if fields.iter().any(|x: &Field| x.name == f.name) {
            // Reported once; the copy is left out, so nothing cascades from it.
            bad(format!("field '{}' is declared twice", f.name));
            continue;
        }
        if f.description.trim().is_empty() {
            bad(format!("field '{}' has no description", f.name));
        }
        let interned = vocabulary
            .iter()
            .flatten()
            .map(|(k, _)| crate::value::Text::from(k.as_str()))
            .collect();
        fields.push(Field {
            interned,
            name: f.name,
            ftype: f.ftype,
            description: f.description,
            required: c.required,
            unique: c.unique,
            vocabulary,
            ordered: f.ordered,
            symmetric: f.symmetric,
            hierarchy: f.hierarchy,
            passage: f.passage,
            pattern,
            minimum: c.minimum,
            maximum: c.maximum,
            derive,
        });
    }
    let pos = |n: &str, fields: &[Field]| fields.iter().position(|f| f.name == n);
    // A rule reading a column that holds nothing when it runs would leave its column empty
    // in every row, silently. Corrected columns are derived first, in schema order, and
    // the EDTF rules after them: a rule reads a curated column, a corrected one may read a
    // corrected column declared before it, and an EDTF rule any corrected column. A
    // corrected column holds what it corrects, so the two share a type.
    for (i, f) in fields.iter().enumerate() {
        let Some(d) = &f.derive else { continue };
        let Some(from) = d.source() else { continue };
        let corrected = matches!(d, Derive::Corrected(_));
        let Some(j) = pos(from, &fields) else {
            bad(format!(
                "field '{}': x-derive reads column '{from}', which is not a field of this table",
                f.name
            ));
            continue;
        };
        let x = &fields[j];
        let reads = if corrected {
            "a curated column or a corrected one declared before it"
        } else {
            "a curated column or a corrected one"
        };
        let problem = match &x.derive {
            _ if j == i => Some("the field itself".to_string()),
            Some(Derive::Corrected(_)) if corrected && j > i => Some(format!(
                "'{from}', which is derived after it; a rule reads {reads}"
            )),
            Some(Derive::Corrected(_)) | None => None,
            Some(_) => Some(format!(
                "'{from}', which is derived too; a rule reads {reads}"
            )),
        };
        if let Some(p) = problem {
            bad(format!("field '{}': x-derive reads {p}", f.name));
        } else if x.ftype != FieldType::String {
            bad(format!(
                "field '{}': x-derive reads '{from}', which is {} (the rule reads text)",
                f.name,
                x.ftype.name()
            ));
        } else if corrected && f.ftype != FieldType::String {
            bad(format!(
                "field '{}': it corrects '{from}', which is string, but its type is {}",
                f.name,
                f.ftype.name()
            ));
        }
    }
    let mut primary_key = Vec::new();
    if raw.primary_key.is_empty() {
        // Every table's rows are sorted, told apart and named by their key.
        bad("'primaryKey' names no field; every table needs a primary key".to_string());
    }
    for k in &raw.primary_key {
        match pos(k, &fields) {
            Some(i) => primary_key.push(i),
            None => bad(format!("primary key field '{k}' is not a field")),
        }
    }
    let mut foreign_keys = Vec::new();
    for fk in raw.foreign_keys {
        let idx: Vec<usize> = fk.fields.iter().filter_map(|n| pos(n, &fields)).collect();
        if idx.len() != fk.fields.len() || fk.fields.len() != fk.reference.fields.len() {
            bad(format!("foreign key {:?} names unknown fields", fk.fields));
            continue;
        }
        let table = if fk.reference.resource.is_empty() {
            raw.name.clone()
        } else {
            fk.reference.resource
        };
        foreign_keys.push(ForeignKey {
            fields: idx,
            table,
            ref_fields: fk.reference.fields,
        });
    }
    let mut json = json;
    if let Some(o) = json.as_object_mut() {
        o.shift_remove("x-entity");
        o.shift_remove("x-aliases");
    }
    Some(Schema {
        entity: raw.entity,
        aliases: raw.aliases,
        name: raw.name,
        title: raw.title,
        description: raw.description,
        scope: raw.scope,
        fields,
        primary_key,
        foreign_keys,
        json,
    })
}

fn parse_derive(d: RawDerive) -> Result<Derive, String> {
    Ok(match d {
        RawDerive::Simple(s) => match s.as_str() {
            "doc_id" => Derive::DocId,
            "page" => Derive::Page,
            "char_start" => Derive::CharStart,
            "char_end" => Derive::CharEnd,
            "footnote" => Derive::Footnote,
            "marker_start" => Derive::MarkerStart,
            "marker_page" => Derive::MarkerPage,
            "source_path" => Derive::SourcePath,
            "source_bytes" => Derive::SourceBytes,
            "source_chars" => Derive::SourceChars,
            other => return Err(format!("unknown x-derive '{other}'")),
        },
        RawDerive::Rule { rule, from } => match rule.as_str() {
            "edtf_start" => Derive::EdtfStart(from),
            "edtf_end" => Derive::EdtfEnd(from),
            "edtf_precision" => Derive::EdtfPrecision(from),
            "edtf_approximate" => Derive::EdtfApproximate(from),
            "edtf_uncertain" => Derive::EdtfUncertain(from),
            "corrected" => Derive::Corrected(from),
            other => return Err(format!("unknown x-derive rule '{other}'")),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        /// The byte test of the id pattern accepts exactly what the regex accepts.
        #[test]
        fn the_id_test_is_the_id_regex(s in "[a-z0-9A-Z_\\-\n é]{0,8}") {
            let fast = Pattern::new(Pattern::ID).unwrap();
            prop_assert!(fast.id);
            prop_assert_eq!(fast.is_match(&s), Regex::new(Pattern::ID).unwrap().is_match(&s));
        }
    }

    #[test]
    fn other_patterns_use_the_regex() {
        let p = Pattern::new("^[A-Z]{2}$").unwrap();
        assert!(!p.id && p.is_match("AF") && !p.is_match("af"));
        let id = Pattern::new(Pattern::ID).unwrap();
        for (s, ok) in [
            ("isk", true),
            ("a-1-b2", true),
            ("", false),
            ("a--b", false),
            ("-a", false),
            ("a-", false),
            ("Isk", false),
            ("a\n", false),
        ] {
            assert_eq!(id.is_match(s), ok, "{s:?}");
        }
    }
}
