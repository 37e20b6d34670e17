//! The generated coverage table: the completeness audit shipped with every release.
//! Every numeral, number word, all-capitals token and capitalised multi-word name of a
//! source's running text is listed with the rows that use it (figures, errata and dated
//! events and relations for numbers; actor and place mentions for names) or the audit
//! note that explains why it carries no fact, or as uncovered.
//!
//! The token rules are the audit's (tests/python/audit.py re-derives the table with
//! Python's regular expressions and compares): running text excludes footnote text,
//! footnote markers, page furniture and URLs.

use crate::contract::Contract;
use crate::model::{Laid, Tables};
use crate::value::Value;
use std::collections::BTreeSet;


const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
    "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety", "hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion", "dozen", "dozens", "couple", "half",
    "twice", "once", "first", "second", "third", "fourth", "fifth", "firstly", "secondly", "thirdly", "single", "double",
];

/// Capitalised function words that start sentences; they are not part of a name.
const LEADING: &[&str] = &[
    "The", "A", "An", "In", "On", "At", "By", "For", "From", "Since", "When", "While", "During", "After", "Before", "As", "Again",
    "Both", "Neither", "Nor", "This", "That", "These", "Those", "Some", "Other", "Its", "Their", "His", "Her", "Our", "According",
    "Recently", "However", "Moreover", "Even", "Although", "Apart", "Looking", "Hence", "Note", "Finally", "Furthermore", "Below",
    "Because", "Then", "There", "What", "Why", "How", "If", "So", "Any", "Whether", "Despite", "Cooperation", "Supporters",
    "Legend", "Books",
];

/// Python's `\w`.
fn word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Number,
    Capitals,
    Name,
}

/// A token of the text: its span and kind.
struct Token {
    start: usize,
    end: usize,
    kind: Kind,
}

/// Numerals (`\d+([,.]\d+)*`) and number words (case-insensitive, whole words) in the
/// running text, scanned with everything else blanked.
fn numbers(chars: &[char], body: &[bool]) -> Vec<Token> {
    let c = |i: usize| if body[i] { chars[i] } else { ' ' };
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if c(i).is_ascii_digit() {
            let start = i;
            while i < chars.len() && c(i).is_ascii_digit() {
                i += 1;
            }
            while i + 1 < chars.len() && matches!(c(i), ',' | '.') && c(i + 1).is_ascii_digit() {
                i += 1;
                while i < chars.len() && c(i).is_ascii_digit() {
                    i += 1;
                }
            }
            out.push(Token { start, end: i, kind: Kind::Number });
            continue;
        }
        // A number word is a whole word: Python's \b on both sides.
        if c(i).is_alphabetic() && (i == 0 || !word(c(i - 1))) {
            let start = i;
            while i < chars.len() && word(c(i)) {
                i += 1;
            }
            let w: String = (start..i).map(|k| c(k).to_ascii_lowercase()).collect();
            if NUMBER_WORDS.contains(&w.as_str()) {
                out.push(Token { start, end: i, kind: Kind::Number });
            }
            continue;
        }
        i += 1;
    }
    out
}

/// All-capitals tokens (`[A-Z][A-Z0-9]+(-[A-Z0-9]+)*` not inside a word) and capitalised
/// multi-word names (without leading function words), anywhere in the text; the caller
/// keeps those that start in the running text.
fn names(chars: &[char]) -> Vec<Token> {
    let upper = |c: char| c.is_ascii_uppercase();
    let upnum = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit();
    let mut out = Vec::new();
    // All-capitals: a greedy match, backing off hyphen groups until no word character
    // follows (as Python's lookahead does).
    let mut i = 0;
    while i < chars.len() {
        if upper(chars[i]) && (i == 0 || !word(chars[i - 1])) && chars.get(i + 1).is_some_and(|&c| upnum(c)) {
            let mut ends = Vec::new();
            let mut j = i + 1;
            while j < chars.len() && upnum(chars[j]) {
                j += 1;
            }
            ends.push(j);
            while j + 1 < chars.len() && chars[j] == '-' && upnum(chars[j + 1]) {
                j += 1;
                while j < chars.len() && upnum(chars[j]) {
                    j += 1;
                }
                ends.push(j);
            }
            if let Some(&end) = ends.iter().rev().find(|&&e| !chars.get(e).is_some_and(|&c| word(c))) {
                out.push(Token { start: i, end, kind: Kind::Capitals });
                i = end;
                continue;
            }
        }
        i += 1;
    }
    // Multi-word names: [A-Z][\w’'‘-]* words joined by spaces or line breaks.
    let part = |c: char| word(c) || matches!(c, '’' | '\'' | '‘' | '-');
    let mut i = 0;
    while i < chars.len() {
        if !(upper(chars[i]) && (i == 0 || !(word(chars[i - 1]) || matches!(chars[i - 1], '’' | '\'')))) {
            i += 1;
            continue;
        }
        let mut words = Vec::new();
        let mut j = i;
        loop {
            let s = j;
            j += 1;
            while j < chars.len() && part(chars[j]) {
                j += 1;
            }
            words.push((s, j));
            let mut k = j;
            while k < chars.len() && matches!(chars[k], ' ' | '\n') {
                k += 1;
            }
            if k > j && k < chars.len() && upper(chars[k]) {
                j = k;
            } else {
                break;
            }
        }
        if words.len() >= 2 {
            let text = |w: &(usize, usize)| chars[w.0..w.1].iter().collect::<String>();
            let kept: Vec<&(usize, usize)> = words.iter().skip_while(|w| LEADING.contains(&text(w).as_str())).collect();
            if kept.len() >= 2 {
                out.push(Token { start: kept[0].0, end: words[words.len() - 1].1, kind: Kind::Name });
            }
            i = j;
            continue;
        }
        i = j;
    }
    out
}

/// The coverage rows of every laid-out document.
pub fn generate(c: &Contract, laid: &[Laid], tables: &Tables) -> Vec<Vec<Value>> {
    let h = &c.coverage;
    let rows_of = |t: &str| tables.get(t).map_or(&[][..], |x| x.0.as_slice());
    let mut out = Vec::new();
    for l in laid {
        let doc = l.doc.doc_id.as_str();
        let chars = &l.doc.chars;
        let in_doc = |r: &[Value], d: usize| r[d].as_str() == Some(doc);
        let span = |r: &[Value], s: usize, e: usize| Some((r[s].as_int()? as usize, r[e].as_int()? as usize));
        // The running text: not footnote text, markers, furniture or URLs.
        let mut body: Vec<bool> = l.layout.not_body.iter().map(|b| !b).collect();
        for &(m, n) in &l.layout.markers {
            let len = n.to_string().len();
            body[m..(m + len).min(chars.len())].iter_mut().for_each(|b| *b = false);
        }
        let url = |i: usize| ["http://", "https://", "www."].iter().any(|p| p.chars().enumerate().all(|(k, c)| chars.get(i + k) == Some(&c)));
        let mut i = 0;
        while i < chars.len() {
            if url(i) {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                body[start..i].iter_mut().for_each(|b| *b = false);
            }
            i += 1;
        }
        // What covers a number: the passage of a figure, an erratum, a dated event or
        // relation; what covers a name: an overlapping mention.
        let mut facts: Vec<(usize, usize, String)> = Vec::new();
        for s in &h.facts {
            for r in rows_of(&s.table).iter().filter(|r| in_doc(r, s.doc_id)) {
                if s.date.is_some_and(|d| r[d].is_null()) {
                    continue;
                }
                if let (Some((a, b)), Some(id)) = (span(r, s.char_start, s.char_end), r[s.id].as_str()) {
                    facts.push((a, b, format!("{}/{id}", s.table)));
                }
            }
        }
        let mentions: Vec<(usize, usize, String)> = rows_of("mentions")
            .iter()
            .filter(|r| in_doc(r, h.mention_doc))
            .filter_map(|r| {
                let (a, b) = span(r, h.mention_start, h.mention_end)?;
                let table = c.entities.iter().find(|e| e.kind == r[h.mention_kind])?.table.as_str();
                Some((a, b, format!("{table}/{}", r[h.mention_entity].as_str()?)))
            })
            .collect();
        let notes: Vec<(usize, usize, &str, &str)> = rows_of("audit_notes")
            .iter()
            .filter(|r| in_doc(r, h.note_doc))
            .filter_map(|r| {
                let (a, b) = span(r, h.note_start, h.note_end)?;
                Some((a, b, r[h.note_kind].as_str()?, r[h.note_id].as_str()?))
            })
            .collect();
        let mut tokens = numbers(chars, &body);
        tokens.extend(names(chars).into_iter().filter(|t| body[t.start]));
        tokens.sort_by_key(|t| (t.start, t.kind));
        tokens.dedup_by_key(|t| (t.start, t.kind));
        for t in tokens {
            let number = t.kind == Kind::Number;
            let (kind, note_kind) = match t.kind {
                Kind::Number => (&h.kinds[0], "number"),
                Kind::Capitals => (&h.kinds[1], "name"),
                Kind::Name => (&h.kinds[2], "name"),
            };
            let by: BTreeSet<&str> = if number {
                facts.iter().filter(|f| f.0 <= t.start && t.end <= f.1).map(|f| f.2.as_str()).collect()
            } else {
                mentions.iter().filter(|m| m.0 < t.end && t.start < m.1).map(|m| m.2.as_str()).collect()
            };
            let note = notes.iter().find(|n| n.2 == note_kind && n.0 <= t.start && t.end <= n.1).map(|n| n.3);
            let status = &h.statuses[if !by.is_empty() { 0 } else if note.is_some() { 1 } else { 2 }];
            let token: String = chars[t.start..t.end].iter().collect();
            let int = |x: usize| Value::Int(x as i64);
            out.push(c.coverage_rows.row([
                Value::Str(doc.into()),
                int(t.start),
                int(t.end),
                l.layout.page_of(t.start).map_or(Value::Null, Value::Int),
                kind.clone(),
                Value::Str(crate::text::collapse(&token).into()),
                status.clone(),
                if by.is_empty() { Value::Null } else { Value::Str(by.into_iter().collect::<Vec<_>>().join(" ").into()) },
                note.map_or(Value::Null, |n| Value::Str(n.into())),
            ]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(f: fn(&[char]) -> Vec<Token>, s: &str) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        f(&chars).iter().map(|t| chars[t.start..t.end].iter().collect()).collect()
    }

    #[test]
    fn tokens_follow_the_audit_patterns() {
        let all = |c: &[char]| numbers(c, &vec![true; c.len()]);
        assert_eq!(found(all, "about 1,000 men, 50-100, ten men, USD 380, 2015"), ["1,000", "50", "100", "ten", "380", "2015"]);
        assert_eq!(found(names, "ISIL-K and AQ’s pro-IS USD Taliban"), ["ISIL-K", "AQ", "IS", "USD", "IS USD Taliban"]);
        let got = found(names, "the Islamic State Khorasan. In November the\nAbu Bakr Al-Baghdadi");
        assert_eq!(got, ["Islamic State Khorasan", "Abu Bakr Al-Baghdadi"]);
    }
}
