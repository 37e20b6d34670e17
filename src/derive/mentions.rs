//! The generated mentions table: every occurrence of every actor and place alias in every
//! source, found with one Aho-Corasick pass per document over the collapsed text.
//! Matches are whole words; where aliases overlap, the longest one starting first wins.

use crate::model::{Laid, Project, Tables};
use crate::value::Value;
use aho_corasick::AhoCorasick;


struct Alias {
    entity_type: Value,
    entity_id: Value,
    alias_id: Value,
    text: String,
    quote: Value,
}

pub fn generate(p: &Project, laid: &[Laid], tables: &Tables) -> Vec<Vec<Value>> {
    let mut aliases = Vec::new();
    for (table, owner, kind) in [("actor_aliases", "actor_id", "actor"), ("place_aliases", "place_id", "place")] {
        let s = &p.schemas[table];
        let (Some(ai), Some(oi), Some(ti)) = (s.index("alias_id"), s.index(owner), s.index("alias")) else { continue };
        for row in &tables[table].0 {
            if let (Some(a), Some(o), Some(t)) = (row[ai].as_str(), row[oi].as_str(), row[ti].as_str()) {
                let text = crate::text::collapse(t);
                let kind = p.schemas["mentions"].fields[p.schemas["mentions"].index("entity_type").unwrap()].intern(kind).map_or(Value::Null, Value::Str);
                aliases.push(Alias { entity_type: kind, entity_id: Value::Str(o.into()), alias_id: Value::Str(a.into()), quote: Value::Str(text.as_str().into()), text });
            }
        }
    }
    let schema = &p.schemas["mentions"];
    if aliases.is_empty() {
        return Vec::new();
    }
    let ac = AhoCorasick::new(aliases.iter().map(|a| a.text.as_str())).expect("alias automaton");
    let mut out = Vec::new();
    for l in laid {
        let text = &l.doc.norm.text;
        let doc_id = Value::Str(l.doc.doc_id.as_str().into());
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let mut found: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .filter(|m| !word(text[..m.start()].chars().next_back()) && !word(text[m.end()..].chars().next()))
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut taken_to = 0;
        for (s, e, k) in found {
            if s < taken_to {
                continue;
            }
            taken_to = e;
            let (start, end) = l.doc.norm.to_original(s, e);
            let a = &aliases[k];
            let note = l.layout.note_at(start);
            let region = if note.is_some() { "footnote" } else if l.layout.in_furniture(start) { "furniture" } else { "body" };
            let mut row = vec![Value::Null; schema.fields.len()];
            let mut set = |n: &str, v: Value| row[schema.index(n).unwrap()] = v;
            set("doc_id", doc_id.clone());
            set("char_start", Value::Int(start as i64));
            set("char_end", Value::Int(end as i64));
            set("page", Value::Int(l.layout.page_of(start)));
            set("region", schema.fields[schema.index("region").unwrap()].intern(region).map_or(Value::Null, Value::Str));
            set("footnote", note.map_or(Value::Null, Value::Int));
            set("entity_type", a.entity_type.clone());
            set("entity_id", a.entity_id.clone());
            set("alias_id", a.alias_id.clone());
            set("quote", a.quote.clone());
            out.push(row);
        }
    }
    out
}
