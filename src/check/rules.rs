//! Whole-dataset rules that a table schema cannot express: names that must be aliases,
//! parent links without cycles, alias surface forms unique across actors and places,
//! figure bounds that agree with their qualifier, errata that quote what they correct.

use super::ledger::Ledger;
use crate::contract::Entity;
use crate::diag::{Code, Diags, Loc};
use crate::model::{row_key, Curated, Project};
use crate::model::{Laid, Tables};
use crate::schema::{Schema, Scope};
use crate::text::collapse;
use crate::value::{Cells, Value};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

/// A curated table's rows read through contract handles, with each row's origin for
/// diagnostics.
struct View<'t, 'a> {
    rows: &'t [Cells],
    origins: &'t [&'a Curated],
    schema: &'t Schema,
}

impl<'t, 'a> View<'t, 'a> {
    fn new(p: &'t Project, tables: &'t Tables<'a>, name: &str) -> Option<View<'t, 'a>> {
        let (rows, origins) = tables.get(name)?;
        Some(View {
            rows,
            origins,
            schema: p.schemas.get(name)?,
        })
    }
    fn get(&self, r: usize, col: usize) -> &Value {
        &self.rows[r][col]
    }
    fn str(&self, r: usize, col: usize) -> Option<&str> {
        self.get(r, col).as_str()
    }
    /// Where row `r` wrote `col`; a table whose rows have no curated origin (the
    /// documents' records, should a schema give them a rule) is pointed at by its schema.
    fn at(&self, r: usize, col: usize) -> Loc {
        match self.origins.get(r) {
            Some(c) => c.row.origin.at(&self.schema.fields[col].name),
            None => Loc::file_only(&format!("schemas/{}.json", self.schema.name)),
        }
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    /// The curator wrote `col` but its value could not be read (reported already).
    fn failed(&self, r: usize, col: usize) -> bool {
        self.get(r, col).is_null()
            && self
                .origins
                .get(r)
                .is_some_and(|c| c.row.unread.contains(&(col as u16)))
    }
}

/// What a document's rules leave for the corpus rules, which run once every document
/// is through.
#[derive(Default)]
pub struct Facts {
    /// Affirmed, actual relations of a hierarchy type: (subject, object, where the object
    /// was written).
    pub hierarchy: Vec<(String, String, Loc)>,
    /// Claim-link ends the document's own rows do not resolve: (table, row key, where).
    pub claims: Vec<(String, String, Loc)>,
    /// The rows errata name, found in the document: (table, row key) and the text of each
    /// named column the table has.
    pub named: Vec<NamedRow>,
}

impl Facts {
    pub fn extend(&mut self, other: Facts) {
        self.hierarchy.extend(other.hierarchy);
        self.claims.extend(other.claims);
        self.named.extend(other.named);
    }
}

/// A row an erratum names: (table, row key) and the text of each named column it has.
pub type NamedRow = ((String, String), Vec<(String, String)>);

/// The rows errata name, by (table, row key), with the columns they name: known before
/// any document is built, since the errata are read with the corpus.
pub type Named = HashMap<String, HashMap<String, Vec<String>>>;

/// What each erratum of the corpus names.
pub fn named(p: &Project) -> Named {
    let e = &p.contract.errata;
    let mut named = Named::new();
    for c in p.rows.get("errata").into_iter().flatten() {
        let cell = |i: usize| c.row.values[i].as_str().map(str::to_string);
        if let (Some(t), Some(id), Some(col)) =
            (cell(e.table_name), cell(e.row_id), cell(e.column_name))
        {
            named.entry(t).or_default().entry(id).or_default().push(col);
        }
    }
    named
}

/// The rules one document's rows must keep on their own (its tables only): per-row
/// rules, symmetric relations stored once, claim links within the document; what needs
/// the whole corpus is returned for `corpus`.
pub fn document(
    p: &Project,
    tables: &Tables,
    laid: &Laid,
    named: &Named,
    diags: &mut Diags,
) -> Facts {
    retired_ids(p, tables, diags);
    figure_rules(p, tables, diags);
    date_rules(p, tables, diags);
    row_rules(p, tables, Some(laid), diags);
    let hierarchy = relation_rules(p, tables, diags);
    let claims = claim_links(p, tables, &RowKeys::new(p, tables), diags);
    Facts {
        hierarchy,
        claims,
        named: named_rows(p, tables, named),
    }
}

/// What is broken in the corpus: documents and tables that could not be read. Rules that
/// need every row of a table are skipped when some are missing (their own error says why).
pub struct Broken<'a> {
    pub docs: &'a [String],
    pub tables: &'a [String],
}

/// The rules of the corpus, once every document is through: the registry's own
/// (names are aliases, parent links, alias forms), the hierarchy relations against the
/// parent links, the id history, errata against the rows they name, and the claim-link
/// ends no document resolved. `registry` holds the registry's tables.
pub fn corpus(
    p: &Project,
    registry: &Tables,
    ledger: &Ledger,
    facts: &Facts,
    named: &Named,
    broken: &Broken,
    diags: &mut Diags,
) {
    retired_ids(p, registry, diags);
    figure_rules(p, registry, diags);
    date_rules(p, registry, diags);
    row_rules(p, registry, None, diags);
    alias_rules(p, registry, diags);
    for e in &p.contract.entities {
        entity_rules(p, registry, e, diags);
    }
    hierarchy_rules(p, registry, &facts.hierarchy, broken, diags);
    removed_ids(p, ledger, broken, diags);
    errata_links(p, registry, facts, named, broken, diags);
    for (table, row, at) in &facts.claims {
        if ledger.has_row(p, table, row) != Some(true) {
            diags.push(
                at.clone(),
                Code::ForeignKey,
                format!("claim_links: no row '{row}' in table '{table}'"),
            );
        }
    }
}

/// Rules of single rows: errata against their quote, citations in footnotes, relations
/// between two actors.
fn row_rules(p: &Project, tables: &Tables, laid: Option<&Laid>, diags: &mut Diags) {
    let c = &p.contract;
    if let Some(v) = View::new(p, tables, "errata") {
        let e = &c.errata;
        for r in 0..v.len() {
            let (printed, quote) = (
                v.str(r, e.printed).map(collapse),
                v.str(r, e.quote).unwrap_or_default(),
            );
            if printed
                .as_ref()
                .is_some_and(|pr| !quote.contains(pr.as_str()))
            {
                diags.push(
                    v.at(r, e.printed),
                    Code::Errata,
                    "'printed' must occur inside the row's quote",
                );
            }
            if v.str(r, e.printed) == v.str(r, e.correction) {
                diags.push(
                    v.at(r, e.correction),
                    Code::Errata,
                    "the correction is the same as the printed text",
                );
            }
        }
    }
    if let Some(v) = View::new(p, tables, "citations") {
        let ci = &c.citations;
        for r in 0..v.len() {
            // Rows whose quote did not resolve, or that sit in a footnote whose number is
            // broken, are already reported.
            let (Some(start), Some(doc)) = (v.get(r, ci.char_start).as_int(), v.str(r, ci.doc_id))
            else {
                continue;
            };
            let in_note = laid.filter(|l| l.doc.doc_id == doc).is_some_and(|l| {
                l.layout
                    .notes
                    .iter()
                    .any(|n| n.span.start <= start as usize && (start as usize) < n.span.end)
            });
            if v.get(r, ci.footnote).is_null() && !in_note {
                diags.push(
                    v.origins[r].row.origin.at("quote"),
                    Code::Citation,
                    "a citation's quote must be text of one of the document's footnotes",
                );
            }
        }
    }
    if let Some(v) = View::new(p, tables, "relations") {
        let re = &c.relations;
        for r in 0..v.len() {
            if v.str(r, re.subject) == v.str(r, re.object) {
                diags.push(
                    v.at(r, re.object),
                    Code::Relation,
                    "a relation links two different actors",
                );
            }
        }
    }
}

/// Ids are never reused: a retired id may not come back.
fn retired_ids(p: &Project, tables: &Tables, diags: &mut Diags) {
    for (name, (rows, origins)) in tables {
        let schema = &p.schemas[*name];
        let [pk] = schema.primary_key.as_slice() else {
            continue;
        };
        if !matches!(schema.scope, Scope::Registry | Scope::Document) {
            continue;
        }
        let key_name = &schema.fields[*pk].name;
        let retired: Vec<_> = p.retired.iter().filter(|(x, _)| x.table == *name).collect();
        for (r, row) in rows.iter().enumerate().filter(|_| !retired.is_empty()) {
            let id = row[*pk].as_text();
            if let Some((ret, at)) = retired.iter().find(|(x, _)| x.id == *id) {
                diags.push(origins[r].row.origin.at(key_name), Code::ReusedId, format!("{name}: '{id}' was retired in {} (at {at}); ids are never reused, choose a new one", ret.version));
            }
        }
    }
}

/// An id of the latest release may not disappear unless it is retired (so every removal
/// is deliberate and recorded). The ledger holds every id of the corpus.
fn removed_ids(p: &Project, ledger: &Ledger, broken: &Broken, diags: &mut Diags) {
    let Some(latest) = &p.released.latest else {
        return;
    };
    // Rows of a file that could not be read are missing; that file's own error says why.
    if !broken.docs.is_empty() {
        return;
    }
    for (name, schema) in &p.schemas {
        let [pk] = schema.primary_key.as_slice() else {
            continue;
        };
        if !matches!(schema.scope, Scope::Registry | Scope::Document) {
            continue;
        }
        let (Some(released), Some(ids)) = (latest.tables.get(name), ledger.ids(name, *pk)) else {
            continue;
        };
        if broken.tables.contains(name) {
            continue;
        }
        let current: HashSet<&str> = ids.collect();
        for id in released
            .rows
            .keys()
            .filter(|id| !current.contains(id.as_str()))
        {
            if !p
                .retired
                .iter()
                .any(|(x, _)| x.table == *name && x.id == *id)
            {
                let loc = ledger.first_file(name).map_or_else(
                    || Loc::file_only("raw/retired_ids.toml"),
                    |file| Loc {
                        file,
                        line: 1,
                        col: 1,
                    },
                );
                diags.push(loc, Code::IdRemoved, format!("{name}: '{id}' is in release {} but no longer curated; restore it or retire it in raw/retired_ids.toml", latest.label));
            }
        }
    }
}

/// An entity's name is one of its aliases; parent links reach a root without a cycle.
fn entity_rules(p: &Project, tables: &Tables, e: &Entity, diags: &mut Diags) {
    let (Some(v), Some(a)) = (
        View::new(p, tables, &e.table),
        View::new(p, tables, &e.aliases),
    ) else {
        return;
    };
    let (table, aliases) = (e.table.as_str(), e.aliases.as_str());
    let forms: HashSet<(&str, &str)> = (0..a.len())
        .filter_map(|r| Some((a.str(r, e.owner)?, a.str(r, e.alias)?)))
        .collect();
    let parents: HashMap<&str, &str> = match e.parent {
        Some(parent) => (0..v.len())
            .filter_map(|r| Some((v.str(r, e.id)?, v.str(r, parent)?)))
            .collect(),
        None => HashMap::new(),
    };
    for r in 0..v.len() {
        let (Some(me), Some(name)) = (v.str(r, e.id), v.str(r, e.name)) else {
            continue;
        };
        if !forms.contains(&(me, name)) {
            diags.push(
                v.at(r, e.name),
                Code::NameNotAlias,
                format!("{table}: name '{name}' of '{me}' must also be a row of {aliases}"),
            );
        }
        let mut seen = vec![me];
        let mut cur = me;
        while let Some(&up) = parents.get(cur) {
            if seen.contains(&up) {
                // Reported by each row on the loop, not by rows that merely lead into it.
                if up == me {
                    diags.push(
                        v.at(r, e.parent.unwrap_or(e.id)),
                        Code::Cycle,
                        format!(
                            "{table}: parent links of '{me}' loop: {} -> {up}",
                            seen.join(" -> ")
                        ),
                    );
                }
                break;
            }
            seen.push(up);
            cur = up;
        }
    }
}

/// Alias surface forms map to one entity across actors and places, and occur in their quote.
fn alias_rules(p: &Project, tables: &Tables, diags: &mut Diags) {
    // Where a form was first seen: (entity, row). Located only for a diagnostic, as a
    // location reads its file again.
    let mut first: HashMap<String, (usize, usize)> = HashMap::new();
    let loc_of = |k: usize, r: usize| {
        let e = &p.contract.entities[k];
        View::new(p, tables, &e.aliases).map(|v| v.at(r, e.alias))
    };
    for (k, e) in p.contract.entities.iter().enumerate() {
        let Some(v) = View::new(p, tables, &e.aliases) else {
            continue;
        };
        let (table, quote) = (e.aliases.as_str(), v.schema.index("quote"));
        for r in 0..v.len() {
            let Some(alias) = v.str(r, e.alias) else {
                continue;
            };
            let form = collapse(alias);
            if quote.is_some_and(|q| !v.str(r, q).unwrap_or_default().contains(form.as_str())) {
                diags.push(
                    v.at(r, e.alias),
                    Code::Alias,
                    format!("{table}: alias '{alias}' does not occur in its own quote"),
                );
            }
            if form != alias {
                diags.push(
                    v.at(r, e.alias),
                    Code::Alias,
                    format!(
                        "{table}: alias '{alias}' has leading, trailing or repeated whitespace"
                    ),
                );
            }
            match first.get(&form) {
                // Reported at the later entity table's row; forms repeated within one
                // table are the same entity's or caught by the alias table's own keys.
                Some(&(owner, at)) if owner != k => {
                    let loc = loc_of(owner, at).map_or(String::new(), |l| l.to_string());
                    diags.push(
                        v.at(r, e.alias),
                        Code::DuplicateKey,
                        format!("alias '{alias}' is already an {} alias (at {loc}); one surface form names one entity", p.contract.entities[owner].kind.as_str().unwrap_or_default()),
                    )
                }
                Some(_) => {}
                None => {
                    first.insert(form, (k, r));
                }
            }
        }
    }
}

/// Bounds are ordered, contain the value, and agree with the qualifier.
fn figure_rules(p: &Project, tables: &Tables, diags: &mut Diags) {
    let Some(v) = View::new(p, tables, "figures") else {
        return;
    };
    let f = &p.contract.figures;
    for r in 0..v.len() {
        if [f.value, f.lower_bound, f.upper_bound, f.qualifier]
            .iter()
            .any(|&c| v.failed(r, c))
        {
            continue;
        }
        let num = |c: usize| v.get(r, c).as_f64();
        let (val, lo, hi) = (num(f.value), num(f.lower_bound), num(f.upper_bound));
        let mut bad = |col: usize, msg: String| diags.push(v.at(r, col), Code::Bounds, msg);
        if let (Some(l), Some(h)) = (lo, hi) {
            if l > h {
                bad(
                    f.lower_bound,
                    format!("lower_bound {l} is above upper_bound {h}"),
                );
            }
        }
        if let Some(x) = val {
            if lo.is_some_and(|l| x < l) || hi.is_some_and(|h| x > h) {
                bad(f.value, format!("value {x} lies outside its bounds"));
            }
        }
        let q = v.str(r, f.qualifier).unwrap_or_default();
        let ok = match q {
            "exact" | "approximately" => val.is_some() && lo.is_none() && hi.is_none(),
            "at_least" | "more_than" => val.is_some() && lo == val && hi.is_none(),
            "at_most" | "less_than" => val.is_some() && hi == val && lo.is_none(),
            "range" => val.is_none() && lo.is_some() && hi.is_some(),
            _ => true,
        };
        if !ok {
            let rule = match q {
                "exact" | "approximately" => "a value and no bounds",
                "at_least" | "more_than" => "a value and lower_bound equal to it, no upper_bound",
                "at_most" | "less_than" => "a value and upper_bound equal to it, no lower_bound",
                _ => "lower_bound and upper_bound and no value",
            };
            bad(f.qualifier, format!("qualifier '{q}' needs {rule}"));
        }
    }
}

/// Every row of the tables claim links name, by its row key (primary key without
/// `doc_id`).
struct RowKeys<'t> {
    rows: HashMap<(&'t str, String), usize>,
}

impl<'t> RowKeys<'t> {
    /// Only the tables some claim link names are indexed (not, say, the generated
    /// mentions and coverage, which no row names).
    fn new(p: &'t Project, tables: &'t Tables) -> RowKeys<'t> {
        let c = &p.contract;
        let mut named: HashSet<&str> = HashSet::new();
        let cells = |t: &str, cols: &[usize]| -> Vec<&'t str> {
            let rows = tables.get(t).map_or(&[][..], |x| x.0.as_slice());
            rows.iter()
                .flat_map(|r| cols.iter().filter_map(move |&i| r[i].as_str()))
                .collect()
        };
        named.extend(cells(
            "claim_links",
            &[c.claim_links.from_table, c.claim_links.to_table],
        ));
        let mut rows = HashMap::new();
        for (name, (rs, _)) in tables.iter().filter(|(n, _)| named.contains(**n)) {
            let Some(schema) = p.schemas.get(*name) else {
                continue;
            };
            for (i, r) in rs.iter().enumerate() {
                rows.insert((*name, row_key(schema, r)), i);
            }
        }
        RowKeys { rows }
    }
    fn get(&self, table: &str, id: &str) -> Option<usize> {
        self.rows.get(&(table, id.to_string())).copied()
    }
}

/// Symmetric types are stored once, subject before object. Returns the hierarchy
/// relations (affirmed, actual, of an `x-hierarchy` type), which `hierarchy_rules` holds
/// against `parent_actor_id`.
fn relation_rules(p: &Project, tables: &Tables, diags: &mut Diags) -> Vec<(String, String, Loc)> {
    let mut hierarchy = Vec::new();
    let Some(v) = View::new(p, tables, "relations") else {
        return hierarchy;
    };
    let re = &p.contract.relations;
    let field = &v.schema.fields[re.relation_type];
    let mut seen: HashMap<Vec<&str>, usize> = HashMap::new();
    for r in 0..v.len() {
        let (Some(s), Some(t), Some(o)) = (
            v.str(r, re.subject),
            v.str(r, re.relation_type),
            v.str(r, re.object),
        ) else {
            continue;
        };
        let (pol, moda) = (
            v.str(r, re.polarity).unwrap_or_default(),
            v.str(r, re.modality).unwrap_or_default(),
        );
        if field.symmetric.iter().any(|x| x == t) {
            if s > o {
                diags.push(v.at(r, re.subject), Code::Relation, format!("'{t}' holds both ways and is stored once with subject_actor_id < object_actor_id: swap '{s}' and '{o}'"));
            }
            // One fact, one row: the same pair, type, polarity, modality and date in one
            // document is stated once.
            let pair = if s < o { [s, o] } else { [o, s] };
            let (doc, date) = (
                v.origins[r].doc.as_str(),
                v.str(r, re.date).unwrap_or_default(),
            );
            if let Some(first) = seen.insert(vec![doc, t, pair[0], pair[1], pol, moda, date], r) {
                diags.push(v.at(r, re.relation_type), Code::Relation, format!("'{t}' between '{s}' and '{o}' is already stated (at {}); one fact, one row", v.at(first, re.relation_type)));
            }
        }
        if field.hierarchy.iter().any(|x| x == t) && pol == "affirmed" && moda == "actual" {
            hierarchy.push((s.to_string(), o.to_string(), v.at(r, re.object)));
        }
    }
    hierarchy
}

/// The hierarchy relations and `parent_actor_id` say the same thing: an actor with a
/// parent has exactly one hierarchy relation to it, and a hierarchy relation makes the
/// parent its actor's parent.
fn hierarchy_rules(
    p: &Project,
    registry: &Tables,
    relations: &[(String, String, Loc)],
    broken: &Broken,
    diags: &mut Diags,
) {
    // With a document or the relations unreadable, relations are missing; their own
    // errors say why.
    if !broken.docs.is_empty() || broken.tables.iter().any(|t| t == "relations") {
        return;
    }
    let Some(e) = p.contract.entities.iter().find(|e| e.table == "actors") else {
        return;
    };
    let (Some(a), Some(parent)) = (View::new(p, registry, "actors"), e.parent) else {
        return;
    };
    let Some(field) = p
        .schemas
        .get("relations")
        .map(|s| &s.fields[p.contract.relations.relation_type])
    else {
        return;
    };
    let mut hierarchy: HashMap<(&str, &str), Vec<&Loc>> = HashMap::new();
    for (s, o, at) in relations {
        hierarchy
            .entry((s.as_str(), o.as_str()))
            .or_default()
            .push(at);
    }
    let parents: HashMap<&str, &str> = (0..a.len())
        .filter_map(|r| Some((a.str(r, e.id)?, a.str(r, parent)?)))
        .collect();
    for r in 0..a.len() {
        let (Some(me), Some(up)) = (a.str(r, e.id), a.str(r, parent)) else {
            continue;
        };
        if on_cycle(&parents, me) {
            continue; // reported as a cycle
        }
        let n = hierarchy.get(&(me, up)).map_or(0, Vec::len);
        if n != 1 {
            let kinds = field.hierarchy.join(", ");
            diags.push(a.at(r, parent), Code::Relation, format!("'{me}' has parent '{up}', so exactly one affirmed, actual relation of a hierarchy type ({kinds}) must link them; found {n}"));
        }
    }
    for (&(s, o), locs) in &hierarchy {
        if parents.get(s) != Some(&o) {
            for &at in locs {
                diags.push(at.clone(), Code::Relation, format!("a hierarchy relation makes '{o}' the parent of '{s}', but actors.parent_actor_id of '{s}' says {}", parents.get(s).map_or("none".to_string(), |x| format!("'{x}'"))));
            }
        }
    }
}

/// Whether following parent links from `me` comes back to it.
fn on_cycle(parents: &HashMap<&str, &str>, me: &str) -> bool {
    let mut cur = me;
    for _ in 0..=parents.len() {
        match parents.get(cur) {
            Some(&up) if up == me => return true,
            Some(&up) => cur = up,
            None => return false,
        }
    }
    false
}

/// A date says how it is known: `date_basis` exactly when there is a date, and the
/// passage it comes from (`date_evidence`) unless the row's own quote states it.
fn date_rules(p: &Project, tables: &Tables, diags: &mut Diags) {
    for d in &p.contract.dated {
        let Some(v) = View::new(p, tables, &d.table) else {
            continue;
        };
        for r in 0..v.len() {
            if v.failed(r, d.date) || v.failed(r, d.basis) {
                continue;
            }
            let (date, basis, evidence) =
                (v.get(r, d.date), v.str(r, d.basis), v.get(r, d.evidence));
            match (date.is_null(), basis) {
                (false, None) => diags.push(
                    v.at(r, d.date),
                    Code::Date,
                    "a date needs date_basis: stated, other_passage or inferred",
                ),
                (true, Some(_)) => {
                    diags.push(v.at(r, d.basis), Code::Date, "date_basis without a date")
                }
                (false, Some("stated")) if !evidence.is_null() => diags.push(
                    v.at(r, d.evidence),
                    Code::Date,
                    "a date the quote states needs no date_evidence",
                ),
                (false, Some(b)) if b != "stated" && evidence.is_null() => diags.push(
                    v.at(r, d.basis),
                    Code::Date,
                    format!(
                        "a date with basis '{b}' needs date_evidence: the passage it comes from"
                    ),
                ),
                _ => {}
            }
        }
    }
}

/// The rows of `tables` that errata name, with the text of each column they name.
fn named_rows(p: &Project, tables: &Tables, named: &Named) -> Vec<NamedRow> {
    let mut out = Vec::new();
    for (name, (rows, _)) in tables {
        let Some(ids) = named.get(*name) else {
            continue;
        };
        let schema = &p.schemas[*name];
        for row in rows {
            let id = row_key(schema, row);
            if let Some(cols) = ids.get(&id) {
                let cells = cols
                    .iter()
                    .filter_map(|c| Some((c.clone(), row[schema.index(c)?].to_text())))
                    .collect();
                out.push(((name.to_string(), id), cells));
            }
        }
    }
    out
}

/// Each erratum names a row and column whose cell holds the printed text. The errata are
/// read with the corpus; the rows they name were found by each document (`named_rows`)
/// or are the registry's.
fn errata_links(
    p: &Project,
    registry: &Tables,
    facts: &Facts,
    named: &Named,
    broken: &Broken,
    diags: &mut Diags,
) {
    let Some(errata) = p.rows.get("errata") else {
        return;
    };
    let mut rows: HashMap<(&str, &str), &[(String, String)]> = HashMap::new();
    let from_registry = named_rows(p, registry, named);
    // The first row with a key is the one named, as documents come in order.
    for ((t, id), cells) in facts.named.iter().chain(&from_registry) {
        rows.entry((t.as_str(), id.as_str()))
            .or_insert(cells.as_slice());
    }
    let e = &p.contract.errata;
    for c in errata
        .iter()
        .filter(|c| !broken.docs.contains(&c.doc.to_string()))
    {
        let cell = |i: usize| c.row.values[i].as_str();
        let (Some(t), Some(id), Some(col), Some(printed)) = (
            cell(e.table_name),
            cell(e.row_id),
            cell(e.column_name),
            cell(e.printed),
        ) else {
            continue;
        };
        let (Some(schema), Some(found)) = (p.schemas.get(t), rows.get(&(t, id))) else {
            diags.push(
                c.row.origin.at("row_id"),
                Code::Errata,
                format!("no row '{id}' in table '{t}'"),
            );
            continue;
        };
        if schema.index(col).is_none() {
            diags.push(
                c.row.origin.at("column_name"),
                Code::Errata,
                format!("'{col}' is not a column of {t}"),
            );
            continue;
        }
        let text = found
            .iter()
            .find(|(k, _)| k == col)
            .map_or("", |(_, v)| v.as_str());
        let printed = collapse(printed);
        let in_quote = cell(e.quote).is_some_and(|q| collapse(q).contains(&printed));
        if in_quote && !collapse(text).contains(&printed) {
            diags.push(
                c.row.origin.at("printed"),
                Code::Errata,
                format!(
                    "{t} '{id}' column {col} does not contain the printed text '{}'",
                    cell(e.printed).unwrap_or_default()
                ),
            );
        }
    }
}

/// Claim links join two existing rows, and never a row to itself. An end the
/// document's own rows do not hold is returned, to be looked up in the whole corpus.
fn claim_links(
    p: &Project,
    tables: &Tables,
    keys: &RowKeys,
    diags: &mut Diags,
) -> Vec<(String, String, Loc)> {
    let mut pending = Vec::new();
    let Some(v) = View::new(p, tables, "claim_links") else {
        return pending;
    };
    let c = &p.contract.claim_links;
    for r in 0..v.len() {
        for (t, id) in [(c.from_table, c.from_id), (c.to_table, c.to_id)] {
            let (Some(table), Some(row)) = (v.str(r, t), v.str(r, id)) else {
                continue;
            };
            if keys.get(table, row).is_none() {
                pending.push((table.to_string(), row.to_string(), v.at(r, id)));
            }
        }
        if (v.str(r, c.from_table), v.str(r, c.from_id))
            == (v.str(r, c.to_table), v.str(r, c.to_id))
        {
            diags.push(
                v.at(r, c.to_id),
                Code::Relation,
                "a claim link joins two different rows",
            );
        }
    }
    pending
}
