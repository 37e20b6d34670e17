//! The generated mentions table: every occurrence of every alias of every entity table
//! (`x-entity`) in each source, found with one Aho-Corasick pass per document over
//! the collapsed text. Matches are whole words; where aliases overlap, the longest one
//! starting first wins.

use crate::contract::{Contract, Region};
use crate::model::{Laid, Rows};
use crate::value::{Cells, Value};
use aho_corasick::AhoCorasick;

struct Alias {
    entity_type: Value,
    entity_id: Value,
    alias_id: Value,
    text: String,
    quote: Value,
}

/// Every alias of every entity table, and one automaton for them all, made once for
/// the corpus from the registry's curated rows.
pub struct Aliases {
    aliases: Vec<Alias>,
    ac: Option<AhoCorasick>,
}

impl Aliases {
    pub fn new(c: &Contract, rows: &Rows) -> Aliases {
        let mut aliases = Vec::new();
        for e in &c.entities {
            for row in rows.get(e.aliases.as_str()).into_iter().flatten() {
                let row = &row.row.values;
                if let (Some(a), Some(o), Some(t)) = (
                    row[e.alias_id].as_str(),
                    row[e.owner].as_str(),
                    row[e.alias].as_str(),
                ) {
                    let text = crate::text::collapse(t);
                    aliases.push(Alias {
                        entity_type: e.kind.clone(),
                        entity_id: Value::str(o.into()),
                        alias_id: Value::str(a.into()),
                        quote: Value::str(text.as_str().into()),
                        text,
                    });
                }
            }
        }
        let ac = (!aliases.is_empty()).then(|| {
            AhoCorasick::new(aliases.iter().map(|a| a.text.as_str())).expect("alias automaton")
        });
        Aliases { aliases, ac }
    }

    /// The mentions rows of a laid-out document.
    pub fn document(&self, c: &Contract, l: &Laid) -> Vec<Cells> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let aliases = &self.aliases;
        let mut out = Vec::new();
        let text = &l.doc.norm.text;
        let doc_id = Value::str(l.doc.id.clone());
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let mut found: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .filter(|m| {
                !word(text[..m.start()].chars().next_back())
                    && !word(text[m.end()..].chars().next())
            })
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
            let region = match note {
                Some(_) => Region::Footnote,
                None if l.layout.in_furniture(start) => Region::Furniture,
                None => Region::Body,
            };
            let int = |x: usize| Value::int(x as i64);
            out.push(c.mentions.row([
                doc_id.clone(),
                int(start),
                int(end),
                l.layout.page_of(start).map_or(Value::NULL, Value::int),
                c.regions[region as usize].clone(),
                note.map_or(Value::NULL, Value::int),
                a.entity_type.clone(),
                a.entity_id.clone(),
                a.alias_id.clone(),
                a.quote.clone(),
            ]));
        }
        out
    }
}
