//! The schema contract: every table and column the code relies on, resolved against
//! schemas/ once, at load, into typed handles (column indices). A schema that lacks one
//! gets a `schema` diagnostic naming the file and what is missing; past this point the
//! code indexes rows with handles and never looks a column up by name, so an edited
//! schema can never crash the build.

use crate::diag::{Code, Diags, Loc};
use crate::schema::{Field, Schema};
use crate::value::{Cells, Value};
use std::collections::BTreeMap;

/// Resolves columns of one table, reporting each missing one.
struct Resolver<'a> {
    schema: Option<&'a Schema>,
    diags: &'a mut Diags,
    ok: bool,
}

impl<'a> Resolver<'a> {
    fn table(
        schemas: &'a BTreeMap<String, Schema>,
        name: &str,
        diags: &'a mut Diags,
    ) -> Resolver<'a> {
        let schema = schemas.get(name);
        if schema.is_none() {
            diags.push(
                Loc::file_only(&format!("schemas/{name}.json")),
                Code::Schema,
                format!("table '{name}' is missing; the pipeline needs it"),
            );
        }
        let ok = schema.is_some();
        Resolver { schema, diags, ok }
    }

    fn col(&mut self, name: &str) -> usize {
        let Some(s) = self.schema else { return 0 };
        match s.index(name) {
            Some(i) => i,
            None => {
                self.ok = false;
                self.diags.push(
                    Loc::file_only(&format!("schemas/{}.json", s.name)),
                    Code::Schema,
                    format!(
                        "column '{name}' of table '{}' is missing; the pipeline needs it",
                        s.name
                    ),
                );
                0
            }
        }
    }

    fn opt(&mut self, name: Option<&str>) -> Option<usize> {
        name.map(|n| self.col(n))
    }
}

pub struct Documents {
    pub doc_id: usize,
    pub sha256: usize,
    pub title: usize,
    pub authors: usize,
    pub container_title: usize,
    pub volume: usize,
    pub issue: usize,
    pub year: usize,
    pub first_page: usize,
    pub last_page: usize,
}

/// An entity table (`x-entity`) and its alias table (`x-aliases`).
pub struct Entity {
    pub table: String,
    /// The entity's kind as a `mentions.entity_type` value.
    pub kind: Value,
    pub id: usize,
    pub name: usize,
    pub parent: Option<usize>,
    pub aliases: String,
    pub alias_id: usize,
    pub owner: usize,
    pub alias: usize,
}

pub struct Errata {
    pub table_name: usize,
    pub row_id: usize,
    pub column_name: usize,
    pub printed: usize,
    pub correction: usize,
    pub quote: usize,
}

pub struct Figures {
    pub value: usize,
    pub lower_bound: usize,
    pub upper_bound: usize,
    pub qualifier: usize,
}

pub struct Citations {
    pub doc_id: usize,
    pub char_start: usize,
    pub footnote: usize,
}

pub struct Relations {
    pub subject: usize,
    pub object: usize,
    pub relation_type: usize,
    pub date: usize,
    pub polarity: usize,
    pub modality: usize,
}

/// A table whose rows carry a date with its basis (stated, or from another passage).
pub struct Dated {
    pub table: String,
    pub date: usize,
    pub basis: usize,
    pub evidence: usize,
}

/// Links between two rows named by table and id.
pub struct ClaimLinks {
    pub from_table: usize,
    pub from_id: usize,
    pub to_table: usize,
    pub to_id: usize,
}

/// A table whose passages cover the numbers in them (figures, errata, and events and
/// relations when dated).
pub struct FactSource {
    pub table: String,
    pub id: usize,
    pub doc_id: usize,
    pub char_start: usize,
    pub char_end: usize,
    pub date: Option<usize>,
}

/// What the coverage audit reads and the values it writes.
pub struct Coverage {
    pub facts: Vec<FactSource>,
    pub mention_doc: usize,
    pub mention_start: usize,
    pub mention_end: usize,
    pub mention_kind: usize,
    pub mention_entity: usize,
    pub note_doc: usize,
    pub note_start: usize,
    pub note_end: usize,
    pub note_kind: usize,
    pub note_id: usize,
    /// `coverage.kind`: number, capitals, name.
    pub kinds: [Value; 3],
    /// `coverage.status`: covered, explained, uncovered.
    pub statuses: [Value; 3],
}

/// Every handle the pipeline uses.
pub struct Contract {
    pub documents: Documents,
    pub footnote_number: usize,
    pub entities: Vec<Entity>,
    pub errata: Errata,
    pub figures: Figures,
    pub citations: Citations,
    pub relations: Relations,
    pub dated: Vec<Dated>,
    pub claim_links: ClaimLinks,
    pub pages: RowBuilder,
    pub mentions: RowBuilder,
    pub coverage: Coverage,
    pub coverage_rows: RowBuilder,
    /// The `mentions.region` values, by region.
    pub regions: [Value; 3],
}

/// Where a mention lies.
#[derive(Clone, Copy)]
pub enum Region {
    Body = 0,
    Footnote = 1,
    Furniture = 2,
}

pub const PAGE_COLUMNS: [&str; 5] = [
    "doc_id",
    "page",
    "char_start",
    "char_end",
    "printed_number_at",
];
pub const COVERAGE_COLUMNS: [&str; 9] = [
    "doc_id",
    "char_start",
    "char_end",
    "page",
    "kind",
    "token",
    "status",
    "covered_by",
    "note_id",
];
pub const MENTION_COLUMNS: [&str; 10] = [
    "doc_id",
    "char_start",
    "char_end",
    "page",
    "region",
    "footnote",
    "entity_type",
    "entity_id",
    "alias_id",
    "quote",
];

/// Resolves the contract; None (with diagnostics) when schemas/ breaks it.
pub fn resolve(schemas: &BTreeMap<String, Schema>, diags: &mut Diags) -> Option<Contract> {
    let mut ok = true;
    // What the stages assume of every schema: the documents' records are the one table
    // scoped to them, and every foreign key points at a table that has a schema.
    for (name, s) in schemas {
        let here = || Loc::file_only(&format!("schemas/{name}.json"));
        let record = s.scope == crate::schema::Scope::DocumentRecord;
        if record != (name == "documents") {
            ok = false;
            let msg = if record {
                format!("x-scope 'document_record' belongs to the documents table only, not to '{name}'")
            } else {
                "the documents table must have x-scope 'document_record'".to_string()
            };
            diags.push(here(), Code::Schema, msg);
        }
        for fk in s
            .foreign_keys
            .iter()
            .filter(|fk| !schemas.contains_key(&fk.table))
        {
            ok = false;
            diags.push(
                here(),
                Code::Schema,
                format!(
                    "a foreign key points at table '{}', which has no schema",
                    fk.table
                ),
            );
        }
    }
    let mut r = Resolver::table(schemas, "documents", diags);
    let documents = Documents {
        doc_id: r.col("doc_id"),
        sha256: r.col("sha256"),
        title: r.col("title"),
        authors: r.col("authors"),
        container_title: r.col("container_title"),
        volume: r.col("volume"),
        issue: r.col("issue"),
        year: r.col("year"),
        first_page: r.col("first_page"),
        last_page: r.col("last_page"),
    };
    ok &= r.ok;
    let mut r = Resolver::table(schemas, "footnotes", diags);
    let footnote_number = r.col("number");
    ok &= r.ok;
    let mut r = Resolver::table(schemas, "errata", diags);
    let errata = Errata {
        table_name: r.col("table_name"),
        row_id: r.col("row_id"),
        column_name: r.col("column_name"),
        printed: r.col("printed"),
        correction: r.col("correction"),
        quote: r.col("quote"),
    };
    ok &= r.ok;
    let mut r = Resolver::table(schemas, "figures", diags);
    let figures = Figures {
        value: r.col("value"),
        lower_bound: r.col("lower_bound"),
        upper_bound: r.col("upper_bound"),
        qualifier: r.col("qualifier"),
    };
    ok &= r.ok;
    let mut r = Resolver::table(schemas, "citations", diags);
    let citations = Citations {
        doc_id: r.col("doc_id"),
        char_start: r.col("char_start"),
        footnote: r.col("footnote"),
    };
    ok &= r.ok;
    let mut r = Resolver::table(schemas, "relations", diags);
    let relations = Relations {
        subject: r.col("subject_actor_id"),
        object: r.col("object_actor_id"),
        relation_type: r.col("relation_type"),
        date: r.col("date"),
        polarity: r.col("polarity"),
        modality: r.col("modality"),
    };
    ok &= r.ok;
    let mut dated = Vec::new();
    for table in ["events", "relations"] {
        let mut r = Resolver::table(schemas, table, diags);
        dated.push(Dated {
            table: table.to_string(),
            date: r.col("date"),
            basis: r.col("date_basis"),
            evidence: r.col("date_evidence"),
        });
        ok &= r.ok;
    }
    let mut r = Resolver::table(schemas, "claim_links", diags);
    let claim_links = ClaimLinks {
        from_table: r.col("from_table"),
        from_id: r.col("from_id"),
        to_table: r.col("to_table"),
        to_id: r.col("to_id"),
    };
    ok &= r.ok;
    let pages = RowBuilder::new(schemas.get("pages"), "pages", &PAGE_COLUMNS, diags);
    let mentions = RowBuilder::new(schemas.get("mentions"), "mentions", &MENTION_COLUMNS, diags);
    let coverage_rows = RowBuilder::new(
        schemas.get("coverage"),
        "coverage",
        &COVERAGE_COLUMNS,
        diags,
    );
    let (Some(pages), Some(mentions), Some(coverage_rows)) = (pages, mentions, coverage_rows)
    else {
        return None;
    };
    let mut facts = Vec::new();
    for (table, id, dated) in [
        ("figures", "figure_id", false),
        ("errata", "erratum_id", false),
        ("events", "event_id", true),
        ("relations", "relation_id", true),
    ] {
        let mut r = Resolver::table(schemas, table, diags);
        facts.push(FactSource {
            table: table.to_string(),
            id: r.col(id),
            doc_id: r.col("doc_id"),
            char_start: r.col("char_start"),
            char_end: r.col("char_end"),
            date: dated.then(|| r.col("date")),
        });
        ok &= r.ok;
    }
    let mut m = Resolver::table(schemas, "mentions", diags);
    let (mention_doc, mention_start, mention_end, mention_kind, mention_entity) = (
        m.col("doc_id"),
        m.col("char_start"),
        m.col("char_end"),
        m.col("entity_type"),
        m.col("entity_id"),
    );
    ok &= m.ok;
    let mut n = Resolver::table(schemas, "audit_notes", diags);
    let (note_doc, note_start, note_end, note_kind, note_id) = (
        n.col("doc_id"),
        n.col("char_start"),
        n.col("char_end"),
        n.col("kind"),
        n.col("note_id"),
    );
    ok &= n.ok;
    let coverage_schema = &schemas["coverage"];
    let enum_value = |col: &str, v: &str, diags: &mut Diags| -> Option<Value> {
        let found = coverage_schema
            .index(col)
            .and_then(|i| coverage_schema.fields[i].intern(v))
            .map(Value::str);
        if found.is_none() {
            diags.push(
                Loc::file_only("schemas/coverage.json"),
                Code::Schema,
                format!("'{v}' is not a value of coverage.{col}; the pipeline needs it"),
            );
        }
        found
    };
    let kinds = [
        enum_value("kind", "number", diags),
        enum_value("kind", "capitals", diags),
        enum_value("kind", "name", diags),
    ];
    let statuses = [
        enum_value("status", "covered", diags),
        enum_value("status", "explained", diags),
        enum_value("status", "uncovered", diags),
    ];
    let ([Some(k0), Some(k1), Some(k2)], [Some(s0), Some(s1), Some(s2)]) = (kinds, statuses) else {
        return None;
    };
    let coverage = Coverage {
        facts,
        mention_doc,
        mention_start,
        mention_end,
        mention_kind,
        mention_entity,
        note_doc,
        note_start,
        note_end,
        note_kind,
        note_id,
        kinds: [k0, k1, k2],
        statuses: [s0, s1, s2],
    };
    let mentions_schema = &schemas["mentions"];
    let value_of = |col: &str, v: &str, diags: &mut Diags| -> Option<Value> {
        let field: &Field = &mentions_schema.fields[mentions_schema.index(col)?];
        let found = field.intern(v).map(Value::str);
        if found.is_none() {
            diags.push(
                Loc::file_only("schemas/mentions.json"),
                Code::Schema,
                format!("'{v}' is not a value of mentions.{col}; the pipeline needs it"),
            );
        }
        found
    };
    let regions = [
        value_of("region", "body", diags),
        value_of("region", "footnote", diags),
        value_of("region", "furniture", diags),
    ];
    let mut entities = Vec::new();
    for s in schemas.values() {
        let Some(e) = &s.entity else { continue };
        let mut r = Resolver::table(schemas, &s.name, diags);
        let ([id], name, parent) = (
            s.primary_key.as_slice(),
            r.col(&e.name),
            r.opt(e.parent.as_deref()),
        ) else {
            diags.push(
                Loc::file_only(&format!("schemas/{}.json", s.name)),
                Code::Schema,
                "an x-entity table needs a one-column primary key",
            );
            ok = false;
            continue;
        };
        ok &= r.ok;
        let kind = value_of("entity_type", &e.kind, diags);
        let alias_schema = schemas.get(&e.aliases);
        let Some(decl) = alias_schema.and_then(|a| a.aliases.as_ref()) else {
            diags.push(
                Loc::file_only(&format!("schemas/{}.json", s.name)),
                Code::Schema,
                format!(
                    "x-entity names '{}' as its alias table, which has no x-aliases",
                    e.aliases
                ),
            );
            ok = false;
            continue;
        };
        let mut a = Resolver::table(schemas, &e.aliases, diags);
        let (owner, alias) = (a.col(&decl.owner), a.col(&decl.alias));
        ok &= a.ok;
        let [alias_id] = alias_schema.map_or(&[][..], |a| a.primary_key.as_slice()) else {
            diags.push(
                Loc::file_only(&format!("schemas/{}.json", e.aliases)),
                Code::Schema,
                "an x-aliases table needs a one-column primary key",
            );
            ok = false;
            continue;
        };
        let Some(kind) = kind else {
            ok = false;
            continue;
        };
        entities.push(Entity {
            table: s.name.clone(),
            kind,
            id: *id,
            name,
            parent,
            aliases: e.aliases.clone(),
            alias_id: *alias_id,
            owner,
            alias,
        });
    }
    let [Some(body), Some(footnote), Some(furniture)] = regions else {
        return None;
    };
    ok.then_some(Contract {
        documents,
        footnote_number,
        entities,
        errata,
        figures,
        citations,
        relations,
        dated,
        claim_links,
        pages,
        mentions,
        coverage,
        coverage_rows,
        regions: [body, footnote, furniture],
    })
}

/// Fills rows of a generated table from values given in a fixed column order, so the
/// Rust code never holds a second list of the table's columns: a name the schema lacks
/// is a `schema` diagnostic, and so is a required column the code does not fill.
pub struct RowBuilder {
    width: usize,
    /// Schema position of each given value.
    slots: Vec<usize>,
}

impl RowBuilder {
    pub fn new(
        schema: Option<&Schema>,
        table: &str,
        columns: &[&str],
        diags: &mut Diags,
    ) -> Option<RowBuilder> {
        let here = Loc::file_only(&format!("schemas/{table}.json"));
        let Some(schema) = schema else {
            diags.push(
                here,
                Code::Schema,
                format!("table '{table}' is missing; the pipeline generates it"),
            );
            return None;
        };
        let mut slots = Vec::new();
        let mut ok = true;
        for c in columns {
            match schema.index(c) {
                Some(i) => slots.push(i),
                None => {
                    ok = false;
                    diags.push(
                        here.clone(),
                        Code::Schema,
                        format!(
                            "column '{c}' of table '{table}' is missing; the pipeline fills it"
                        ),
                    );
                }
            }
        }
        for f in schema
            .fields
            .iter()
            .filter(|f| f.required && !columns.contains(&f.name.as_str()))
        {
            ok = false;
            diags.push(here.clone(), Code::Schema, format!("required column '{}' of generated table '{table}' is not one the pipeline fills ({})", f.name, columns.join(", ")));
        }
        ok.then_some(RowBuilder {
            width: schema.fields.len(),
            slots,
        })
    }

    /// A row in schema order from values in the builder's column order; columns the
    /// builder does not fill are null.
    pub fn row<const N: usize>(&self, values: [Value; N]) -> Cells {
        debug_assert_eq!(N, self.slots.len());
        let mut row = vec![Value::NULL; self.width];
        for (&slot, v) in self.slots.iter().zip(values) {
            row[slot] = v;
        }
        row.into()
    }
}
