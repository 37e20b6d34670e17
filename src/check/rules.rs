//! Whole-dataset rules that a table schema cannot express: names that must be aliases,
//! parent links without cycles, alias surface forms unique across actors and places,
//! figure bounds that agree with their qualifier, errata that quote what they correct.

use crate::model::{Laid, Tables};
use crate::diag::{Code, Diags, Loc};
use crate::model::{Curated, Project};
use crate::text::collapse;
use crate::value::Value;
use std::collections::{HashMap, HashSet};


/// Reads a curated table's column by name, with each row's origin for diagnostics.
struct View<'t, 'a> {
    rows: &'t [Vec<Value>],
    origins: &'t [&'a Curated],
    idx: HashMap<&'t str, usize>,
}

impl<'t, 'a> View<'t, 'a> {
    fn new(p: &'t Project, tables: &'t Tables<'a>, name: &str) -> Option<View<'t, 'a>> {
        let (rows, origins) = tables.get(name)?;
        let idx = p.schemas[name].fields.iter().enumerate().map(|(i, f)| (f.name.as_str(), i)).collect();
        Some(View { rows, origins, idx })
    }
    fn get(&self, r: usize, col: &str) -> &Value {
        &self.rows[r][self.idx[col]]
    }
    fn str(&self, r: usize, col: &str) -> Option<&str> {
        self.get(r, col).as_str()
    }
    fn at(&self, r: usize, col: &str) -> Loc {
        self.origins[r].row.origin.at(col)
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    /// The curator wrote `col` but its value could not be read (reported already).
    fn failed(&self, r: usize, col: &str) -> bool {
        self.get(r, col).is_null() && self.origins[r].row.origin.has(col)
    }
}

pub fn run(p: &Project, tables: &Tables, laid: &HashMap<&str, &Laid>, diags: &mut Diags) {
    id_history(p, tables, diags);
    entity_rules(p, tables, "actors", "actor_id", "parent_actor_id", "actor_aliases", diags);
    entity_rules(p, tables, "places", "place_id", "parent_place_id", "place_aliases", diags);
    alias_rules(p, tables, diags);
    figure_rules(p, tables, diags);
    if let Some(v) = View::new(p, tables, "errata") {
        for r in 0..v.len() {
            let (printed, quote) = (v.str(r, "printed").map(collapse), v.str(r, "quote").unwrap_or_default());
            if printed.as_ref().is_some_and(|pr| !quote.contains(pr.as_str())) {
                diags.push(v.at(r, "printed"), Code::Errata, "'printed' must occur inside the row's quote");
            }
            if v.str(r, "printed") == v.str(r, "correction") {
                diags.push(v.at(r, "correction"), Code::Errata, "the correction is the same as the printed text");
            }
        }
    }
    if let Some(v) = View::new(p, tables, "citations") {
        for r in 0..v.len() {
            // Rows whose quote did not resolve, or that sit in a footnote whose number is
            // broken, are already reported.
            let (Some(start), Some(doc)) = (v.get(r, "char_start").as_int(), v.str(r, "doc_id")) else { continue };
            let in_note = laid.get(doc).is_some_and(|l| l.layout.notes.iter().any(|n| n.span.start <= start as usize && (start as usize) < n.span.end));
            if v.get(r, "footnote").is_null() && !in_note {
                diags.push(v.at(r, "quote"), Code::Citation, "a citation's quote must be text of one of the document's footnotes");
            }
        }
    }
    if let Some(v) = View::new(p, tables, "relations") {
        for r in 0..v.len() {
            if v.str(r, "subject_actor_id") == v.str(r, "object_actor_id") {
                diags.push(v.at(r, "object_actor_id"), Code::Relation, "a relation links two different actors");
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
fn entity_rules(p: &Project, tables: &Tables, table: &str, id: &str, parent: &str, aliases: &str, diags: &mut Diags) {
    let (Some(v), Some(a)) = (View::new(p, tables, table), View::new(p, tables, aliases)) else { return };
    let owner = format!("{}_id", &table[..table.len() - 1]);
    let forms: HashSet<(&str, &str)> = (0..a.len()).filter_map(|r| Some((a.str(r, &owner)?, a.str(r, "alias")?))).collect();
    let parents: HashMap<&str, &str> = (0..v.len()).filter_map(|r| Some((v.str(r, id)?, v.str(r, parent)?))).collect();
    for r in 0..v.len() {
        let (Some(me), Some(name)) = (v.str(r, id), v.str(r, "name")) else { continue };
        if !forms.contains(&(me, name)) {
            diags.push(v.at(r, "name"), Code::NameNotAlias, format!("{table}: name '{name}' of '{me}' must also be a row of {aliases}"));
        }
        let mut seen = vec![me];
        let mut cur = me;
        while let Some(&up) = parents.get(cur) {
            if seen.contains(&up) {
                // Reported by each row on the loop, not by rows that merely lead into it.
                if up == me {
                    diags.push(v.at(r, parent), Code::Cycle, format!("{table}: parent links of '{me}' loop: {} -> {up}", seen.join(" -> ")));
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
    let mut first: HashMap<String, Loc> = HashMap::new();
    for table in ["actor_aliases", "place_aliases"] {
        let Some(v) = View::new(p, tables, table) else { continue };
        for r in 0..v.len() {
            let Some(alias) = v.str(r, "alias") else { continue };
            let form = collapse(alias);
            if !v.str(r, "quote").unwrap_or_default().contains(form.as_str()) {
                diags.push(v.at(r, "alias"), Code::Alias, format!("{table}: alias '{alias}' does not occur in its own quote"));
            }
            if form != alias {
                diags.push(v.at(r, "alias"), Code::Alias, format!("{table}: alias '{alias}' has leading, trailing or repeated whitespace"));
            }
            match first.get(&form) {
                Some(loc) if table == "place_aliases" => diags.push(
                    v.at(r, "alias"),
                    Code::DuplicateKey,
                    format!("alias '{alias}' is already an actor alias (at {loc}); one surface form names one entity"),
                ),
                Some(_) => {}
                None => {
                    first.insert(form, v.at(r, "alias"));
                }
            }
        }
    }
}

/// Bounds are ordered, contain the value, and agree with the qualifier.
fn figure_rules(p: &Project, tables: &Tables, diags: &mut Diags) {
    let Some(v) = View::new(p, tables, "figures") else { return };
    for r in 0..v.len() {
        if ["value", "lower_bound", "upper_bound", "qualifier"].iter().any(|c| v.failed(r, c)) {
            continue;
        }
        let num = |c: &str| v.get(r, c).as_f64();
        let (val, lo, hi) = (num("value"), num("lower_bound"), num("upper_bound"));
        let mut bad = |col: &str, msg: String| diags.push(v.at(r, col), Code::Bounds, msg);
        if let (Some(l), Some(h)) = (lo, hi) {
            if l > h {
                bad("lower_bound", format!("lower_bound {l} is above upper_bound {h}"));
            }
        }
        if let Some(x) = val {
            if lo.is_some_and(|l| x < l) || hi.is_some_and(|h| x > h) {
                bad("value", format!("value {x} lies outside its bounds"));
            }
        }
        let q = v.str(r, "qualifier").unwrap_or_default();
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
            bad("qualifier", format!("qualifier '{q}' needs {rule}"));
        }
    }
}
