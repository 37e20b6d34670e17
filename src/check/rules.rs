//! Whole-dataset rules that a table schema cannot express: names that must be aliases,
//! parent links without cycles, alias surface forms unique across actors and places,
//! figure bounds that agree with their qualifier, errata that quote what they correct.

use crate::model::{Laid, Tables};
use crate::diag::{Code, Diags, Loc};
use crate::contract::Entity;
use crate::model::{Curated, Project};
use crate::schema::Schema;
use crate::text::collapse;
use crate::value::Value;
use std::collections::{HashMap, HashSet};


/// A curated table's rows read through contract handles, with each row's origin for
/// diagnostics.
struct View<'t, 'a> {
    rows: &'t [Vec<Value>],
    origins: &'t [&'a Curated],
    schema: &'t Schema,
}

impl<'t, 'a> View<'t, 'a> {
    fn new(p: &'t Project, tables: &'t Tables<'a>, name: &str) -> Option<View<'t, 'a>> {
        let (rows, origins) = tables.get(name)?;
        Some(View { rows, origins, schema: p.schemas.get(name)? })
    }
    fn get(&self, r: usize, col: usize) -> &Value {
        &self.rows[r][col]
    }
    fn str(&self, r: usize, col: usize) -> Option<&str> {
        self.get(r, col).as_str()
    }
    fn at(&self, r: usize, col: usize) -> Loc {
        self.origins[r].row.origin.at(&self.schema.fields[col].name)
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    /// The curator wrote `col` but its value could not be read (reported already).
    fn failed(&self, r: usize, col: usize) -> bool {
        self.get(r, col).is_null() && self.origins[r].row.origin.has(&self.schema.fields[col].name)
    }
}

pub fn run(p: &Project, tables: &Tables, laid: &HashMap<&str, &Laid>, diags: &mut Diags) {
    let c = &p.contract;
    id_history(p, tables, diags);
    for e in &c.entities {
        entity_rules(p, tables, e, diags);
    }
    alias_rules(p, tables, diags);
    figure_rules(p, tables, diags);
    if let Some(v) = View::new(p, tables, "errata") {
        let e = &c.errata;
        for r in 0..v.len() {
            let (printed, quote) = (v.str(r, e.printed).map(collapse), v.str(r, e.quote).unwrap_or_default());
            if printed.as_ref().is_some_and(|pr| !quote.contains(pr.as_str())) {
                diags.push(v.at(r, e.printed), Code::Errata, "'printed' must occur inside the row's quote");
            }
            if v.str(r, e.printed) == v.str(r, e.correction) {
                diags.push(v.at(r, e.correction), Code::Errata, "the correction is the same as the printed text");
            }
        }
    }
    if let Some(v) = View::new(p, tables, "citations") {
        let ci = &c.citations;
        for r in 0..v.len() {
            // Rows whose quote did not resolve, or that sit in a footnote whose number is
            // broken, are already reported.
            let (Some(start), Some(doc)) = (v.get(r, ci.char_start).as_int(), v.str(r, ci.doc_id)) else { continue };
            let in_note = laid.get(doc).is_some_and(|l| l.layout.notes.iter().any(|n| n.span.start <= start as usize && (start as usize) < n.span.end));
            if v.get(r, ci.footnote).is_null() && !in_note {
                diags.push(v.origins[r].row.origin.at("quote"), Code::Citation, "a citation's quote must be text of one of the document's footnotes");
            }
        }
    }
    if let Some(v) = View::new(p, tables, "relations") {
        let re = &c.relations;
        for r in 0..v.len() {
            if v.str(r, re.subject) == v.str(r, re.object) {
                diags.push(v.at(r, re.object), Code::Relation, "a relation links two different actors");
            }
        }
    }
}

/// Ids are never reused: a retired id may not come back, and an id of the latest release
/// may not disappear unless it is retired (so every removal is deliberate and recorded).
fn id_history(p: &Project, tables: &Tables, diags: &mut Diags) {
    for (name, (rows, origins)) in tables {
        let schema = &p.schemas[*name];
        let [pk] = schema.primary_key.as_slice() else { continue };
        if !matches!(schema.scope, crate::schema::Scope::Registry | crate::schema::Scope::Document) {
            continue;
        }
        let key_name = &schema.fields[*pk].name;
        let current: HashSet<String> = rows.iter().map(|r| r[*pk].to_text()).collect();
        for (r, row) in rows.iter().enumerate() {
            let id = row[*pk].to_text();
            if let Some((ret, at)) = p.retired.iter().find(|(x, _)| x.table == *name && x.id == id) {
                diags.push(origins[r].row.origin.at(key_name), Code::ReusedId, format!("{name}: '{id}' was retired in {} (at {at}); ids are never reused, choose a new one", ret.version));
            }
        }
        let Some(latest) = &p.released.latest else { continue };
        let Some(released) = latest.tables.get(*name) else { continue };
        // Rows of a file that could not be read are missing; that file's own error says why.
        if p.broken_tables.contains(&name.to_string()) || !p.broken_docs.is_empty() {
            continue;
        }
        for id in released.rows.keys().filter(|id| !current.contains(*id)) {
            if !p.retired.iter().any(|(x, _)| x.table == *name && x.id == *id) {
                let loc = origins.first().map_or_else(|| Loc::file_only("raw/retired_ids.toml"), |c| Loc { line: 1, col: 1, ..c.row.origin.row_loc() });
                diags.push(loc, Code::IdRemoved, format!("{name}: '{id}' is in release {} but no longer curated; restore it or retire it in raw/retired_ids.toml", latest.label));
            }
        }
    }
}

/// An entity's name is one of its aliases; parent links reach a root without a cycle.
fn entity_rules(p: &Project, tables: &Tables, e: &Entity, diags: &mut Diags) {
    let (Some(v), Some(a)) = (View::new(p, tables, &e.table), View::new(p, tables, &e.aliases)) else { return };
    let (table, aliases) = (e.table.as_str(), e.aliases.as_str());
    let forms: HashSet<(&str, &str)> = (0..a.len()).filter_map(|r| Some((a.str(r, e.owner)?, a.str(r, e.alias)?))).collect();
    let parents: HashMap<&str, &str> = match e.parent {
        Some(parent) => (0..v.len()).filter_map(|r| Some((v.str(r, e.id)?, v.str(r, parent)?))).collect(),
        None => HashMap::new(),
    };
    for r in 0..v.len() {
        let (Some(me), Some(name)) = (v.str(r, e.id), v.str(r, e.name)) else { continue };
        if !forms.contains(&(me, name)) {
            diags.push(v.at(r, e.name), Code::NameNotAlias, format!("{table}: name '{name}' of '{me}' must also be a row of {aliases}"));
        }
        let mut seen = vec![me];
        let mut cur = me;
        while let Some(&up) = parents.get(cur) {
            if seen.contains(&up) {
                // Reported by each row on the loop, not by rows that merely lead into it.
                if up == me {
                    diags.push(v.at(r, e.parent.unwrap_or(e.id)), Code::Cycle, format!("{table}: parent links of '{me}' loop: {} -> {up}", seen.join(" -> ")));
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
    let mut first: HashMap<String, (Loc, usize)> = HashMap::new();
    for (k, e) in p.contract.entities.iter().enumerate() {
        let Some(v) = View::new(p, tables, &e.aliases) else { continue };
        let (table, quote) = (e.aliases.as_str(), v.schema.index("quote"));
        for r in 0..v.len() {
            let Some(alias) = v.str(r, e.alias) else { continue };
            let form = collapse(alias);
            if quote.is_some_and(|q| !v.str(r, q).unwrap_or_default().contains(form.as_str())) {
                diags.push(v.at(r, e.alias), Code::Alias, format!("{table}: alias '{alias}' does not occur in its own quote"));
            }
            if form != alias {
                diags.push(v.at(r, e.alias), Code::Alias, format!("{table}: alias '{alias}' has leading, trailing or repeated whitespace"));
            }
            match first.get(&form) {
                // Reported at the later entity table's row; forms repeated within one
                // table are the same entity's or caught by the alias table's own keys.
                Some((loc, owner)) if *owner != k => diags.push(
                    v.at(r, e.alias),
                    Code::DuplicateKey,
                    format!("alias '{alias}' is already an {} alias (at {loc}); one surface form names one entity", p.contract.entities[*owner].kind.as_str().unwrap_or_default()),
                ),
                Some(_) => {}
                None => {
                    first.insert(form, (v.at(r, e.alias), k));
                }
            }
        }
    }
}

/// Bounds are ordered, contain the value, and agree with the qualifier.
fn figure_rules(p: &Project, tables: &Tables, diags: &mut Diags) {
    let Some(v) = View::new(p, tables, "figures") else { return };
    let f = &p.contract.figures;
    for r in 0..v.len() {
        if [f.value, f.lower_bound, f.upper_bound, f.qualifier].iter().any(|&c| v.failed(r, c)) {
            continue;
        }
        let num = |c: usize| v.get(r, c).as_f64();
        let (val, lo, hi) = (num(f.value), num(f.lower_bound), num(f.upper_bound));
        let mut bad = |col: usize, msg: String| diags.push(v.at(r, col), Code::Bounds, msg);
        if let (Some(l), Some(h)) = (lo, hi) {
            if l > h {
                bad(f.lower_bound, format!("lower_bound {l} is above upper_bound {h}"));
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
