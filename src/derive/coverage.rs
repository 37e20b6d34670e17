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
use crate::value::{Cells, Strings, Value};
use foldhash::HashMap;
use rayon::prelude::*;

const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "dozen",
    "dozens",
    "couple",
    "half",
    "twice",
    "once",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "firstly",
    "secondly",
    "thirdly",
    "single",
    "double",
];

/// Capitalised function words that start sentences; they are not part of a name.
const LEADING: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "By",
    "For",
    "From",
    "Since",
    "When",
    "While",
    "During",
    "After",
    "Before",
    "As",
    "Again",
    "Both",
    "Neither",
    "Nor",
    "This",
    "That",
    "These",
    "Those",
    "Some",
    "Other",
    "Its",
    "Their",
    "His",
    "Her",
    "Our",
    "According",
    "Recently",
    "However",
    "Moreover",
    "Even",
    "Although",
    "Apart",
    "Looking",
    "Hence",
    "Note",
    "Finally",
    "Furthermore",
    "Below",
    "Because",
    "Then",
    "There",
    "What",
    "Why",
    "How",
    "If",
    "So",
    "Any",
    "Whether",
    "Despite",
    "Cooperation",
    "Supporters",
    "Legend",
    "Books",
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
            out.push(Token {
                start,
                end: i,
                kind: Kind::Number,
            });
            continue;
        }
        // A number word is a whole word: Python's \b on both sides.
        if c(i).is_alphabetic() && (i == 0 || !word(c(i - 1))) {
            let start = i;
            while i < chars.len() && word(c(i)) {
                i += 1;
            }
            if number_word((start..i).map(c)) {
                out.push(Token {
                    start,
                    end: i,
                    kind: Kind::Number,
                });
            }
            continue;
        }
        i += 1;
    }
    out
}

/// Whether a word's characters spell a number word, in any ASCII case (no allocation:
/// this runs for every word of every source).
fn number_word(w: impl Iterator<Item = char>) -> bool {
    let mut buf = [0u8; 9]; // the longest number word
    let mut n = 0;
    for ch in w {
        if n == buf.len() || !ch.is_ascii() {
            return false;
        }
        buf[n] = ch.to_ascii_lowercase() as u8;
        n += 1;
    }
    // First letter and length first: most words fail there, without a call to compare.
    let w = &buf[..n];
    NUMBER_WORDS
        .iter()
        .map(|x| x.as_bytes())
        .any(|x| x.len() == n && x.first() == w.first() && x == w)
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
        if upper(chars[i])
            && (i == 0 || !word(chars[i - 1]))
            && chars.get(i + 1).is_some_and(|&c| upnum(c))
        {
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
            if let Some(&end) = ends
                .iter()
                .rev()
                .find(|&&e| !chars.get(e).is_some_and(|&c| word(c)))
            {
                out.push(Token {
                    start: i,
                    end,
                    kind: Kind::Capitals,
                });
                i = end;
                continue;
            }
        }
        i += 1;
    }
    // Multi-word names: [A-Z][\w’'‘-]* words joined by spaces or line breaks.
    let part = |c: char| word(c) || matches!(c, '’' | '\'' | '‘' | '-');
    let leading = |w: &(usize, usize)| {
        let w = &chars[w.0..w.1];
        LEADING.iter().any(|l| l.chars().eq(w.iter().copied()))
    };
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !(upper(chars[i])
            && (i == 0 || !(word(chars[i - 1]) || matches!(chars[i - 1], '’' | '\''))))
        {
            i += 1;
            continue;
        }
        words.clear();
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
            // Leading function words are not part of the name.
            let lead = words.iter().take_while(|w| leading(w)).count();
            if words.len() - lead >= 2 {
                out.push(Token {
                    start: words[lead].0,
                    end: words[words.len() - 1].1,
                    kind: Kind::Name,
                });
            }
            i = j;
            continue;
        }
        i = j;
    }
    out
}

/// Spans of one document that can cover a token, sorted by start, with the longest
/// length so a lookup only scans the spans that can reach the token. Each is labelled
/// by (table, id), written `table/id` only in the rows made.
#[derive(Default)]
struct Spans<'t> {
    items: Vec<(usize, usize, Label<'t>)>,
    longest: usize,
}

/// What covers a token: a table and a row id.
type Label<'t> = (&'t str, &'t str);

impl<'t> Spans<'t> {
    fn push(&mut self, start: usize, end: usize, label: Label<'t>) {
        self.longest = self.longest.max(end - start);
        self.items.push((start, end, label));
    }
    fn sort(&mut self) {
        self.items.sort();
    }
    /// Labels of the spans that hold [start, end) whole (or, with `overlap`, share a
    /// code point with it), into `out` (one buffer for all of a document's tokens).
    fn at(&self, start: usize, end: usize, overlap: bool, out: &mut Vec<Label<'t>>) {
        out.clear();
        let upto = self.items.partition_point(|s| s.0 < end.max(start + 1));
        let from = self.items[..upto].partition_point(|s| s.0 + self.longest < start);
        out.extend(
            self.items[from..upto]
                .iter()
                .filter(|s| {
                    if overlap {
                        s.0 < end && start < s.1
                    } else {
                        s.0 <= start && end <= s.1
                    }
                })
                .map(|s| s.2),
        );
    }
}

/// What can cover the tokens of each document.
#[derive(Default)]
struct DocSpans<'t> {
    facts: Spans<'t>,
    mentions: Spans<'t>,
    /// (start, end, note kind, note id)
    notes: Vec<(usize, usize, &'t str, &'t str)>,
}

/// What covers tokens, by document. A document's rows share one copy of its id, and
/// come together: the document is looked up by name only when that copy changes.
#[derive(Default)]
struct ByDoc<'t> {
    index: HashMap<&'t str, usize>,
    docs: Vec<DocSpans<'t>>,
    last: Option<(&'t Value, usize)>,
}

impl<'t> ByDoc<'t> {
    /// The spans of the document whose id is `doc` (None for a null id).
    fn of(&mut self, doc: &'t Value) -> Option<&mut DocSpans<'t>> {
        let i = match self.last {
            Some((v, i)) if v.is_identical(doc) => i,
            _ => {
                let next = self.docs.len();
                let i = *self.index.entry(doc.as_str()?).or_insert(next);
                if i == next {
                    self.docs.push(DocSpans::default());
                }
                self.last = Some((doc, i));
                i
            }
        };
        Some(&mut self.docs[i])
    }
    fn get(&self, doc: &str) -> Option<&DocSpans<'t>> {
        self.index.get(doc).map(|&i| &self.docs[i])
    }
}

/// The coverage rows of laid-out documents, from their tables (a document's own, as it
/// streams through).
pub fn generate(c: &Contract, laid: &[Laid], tables: &Tables) -> Vec<Cells> {
    let h = &c.coverage;
    let rows_of = |t: &str| tables.get(t).map_or(&[][..], |x| x.0.as_slice());
    let span =
        |r: &[Value], s: usize, e: usize| Some((r[s].as_int()? as usize, r[e].as_int()? as usize));
    // One pass over each table, grouping what covers by document.
    let mut by_doc = ByDoc::default();
    for s in &h.facts {
        for r in rows_of(&s.table) {
            if s.date.is_some_and(|d| r[d].is_null()) {
                continue;
            }
            if let (Some((a, b)), Some(id)) = (span(r, s.char_start, s.char_end), r[s.id].as_str())
            {
                if let Some(d) = by_doc.of(&r[s.doc_id]) {
                    d.facts.push(a, b, (s.table.as_str(), id));
                }
            }
        }
    }
    let mut entity: Option<(&Value, &str)> = None;
    for r in rows_of("mentions") {
        // Mentions of one kind share their kind's cell: the entity is looked up anew
        // only when the kind changes.
        let kind = &r[h.mention_kind];
        if !entity.is_some_and(|(k, _)| k.is_identical(kind)) {
            entity = c
                .entities
                .iter()
                .find(|e| e.kind == *kind)
                .map(|e| (kind, e.table.as_str()));
        }
        if let (Some((a, b)), Some((_, table)), Some(id)) = (
            span(r, h.mention_start, h.mention_end),
            entity,
            r[h.mention_entity].as_str(),
        ) {
            if let Some(d) = by_doc.of(&r[h.mention_doc]) {
                d.mentions.push(a, b, (table, id));
            }
        }
    }
    for r in rows_of("audit_notes") {
        if let (Some((a, b)), Some(kind), Some(id)) = (
            span(r, h.note_start, h.note_end),
            r[h.note_kind].as_str(),
            r[h.note_id].as_str(),
        ) {
            if let Some(d) = by_doc.of(&r[h.note_doc]) {
                d.notes.push((a, b, kind, id));
            }
        }
    }
    by_doc.docs.par_iter_mut().for_each(|d| {
        d.facts.sort();
        d.mentions.sort();
    });
    let empty = DocSpans::default();
    let per_doc: Vec<Vec<Cells>> = laid
        .par_iter()
        .map(|l| document(c, l, by_doc.get(l.doc.doc_id.as_str()).unwrap_or(&empty)))
        .collect();
    // The spans are done with before the rows are joined, so they are not held together.
    drop(by_doc);
    per_doc.concat()
}

/// The running text of a document: not footnote text, markers, furniture or URLs.
fn running_text(l: &Laid, chars: &[char]) -> Vec<bool> {
    let mut body: Vec<bool> = l.layout.not_body.iter().map(|b| !b).collect();
    for &(m, n) in &l.layout.markers {
        let len = n.to_string().len();
        body[m..(m + len).min(chars.len())]
            .iter_mut()
            .for_each(|b| *b = false);
    }
    let url = |i: usize| {
        ["http://", "https://", "www."].iter().any(|p| {
            p.chars()
                .enumerate()
                .all(|(k, c)| chars.get(i + k) == Some(&c))
        })
    };
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
    body
}

fn document(c: &Contract, l: &Laid, spans: &DocSpans) -> Vec<Cells> {
    let h = &c.coverage;
    let chars = &l.doc.chars();
    let body = running_text(l, chars);
    let mut tokens = numbers(chars, &body);
    tokens.extend(names(chars).into_iter().filter(|t| body[t.start]));
    tokens.sort_by_key(|t| (t.start, t.kind));
    tokens.dedup_by_key(|t| (t.start, t.kind));
    let doc_id = Value::str(l.doc.id.clone());
    // A document repeats its numbers, names and what covers them: each text is held once
    // (1.1 M separate strings at 1,000 documents otherwise).
    let mut texts = Strings::default();
    let mut out = Vec::with_capacity(tokens.len());
    let (mut by, mut token, mut labels) = (Vec::new(), String::new(), String::new());
    for t in tokens {
        let (kind, note_kind) = match t.kind {
            Kind::Number => (&h.kinds[0], "number"),
            Kind::Capitals => (&h.kinds[1], "name"),
            Kind::Name => (&h.kinds[2], "name"),
        };
        if t.kind == Kind::Number {
            spans.facts.at(t.start, t.end, false, &mut by);
        } else {
            spans.mentions.at(t.start, t.end, true, &mut by);
        }
        let note = spans
            .notes
            .iter()
            .find(|n| n.2 == note_kind && n.0 <= t.start && t.end <= n.1)
            .map(|n| n.3);
        let status = &h.statuses[if !by.is_empty() {
            0
        } else if note.is_some() {
            1
        } else {
            2
        }];
        token.clear();
        token.extend(&chars[t.start..t.end]);
        let token = crate::text::collapsed(&token);
        let int = |x: usize| Value::int(x as i64);
        out.push(c.coverage_rows.row([
            doc_id.clone(),
            int(t.start),
            int(t.end),
            l.layout.page_of(t.start).map_or(Value::NULL, Value::int),
            kind.clone(),
            Value::str(texts.get(&token)),
            status.clone(),
            if by.is_empty() {
                Value::NULL
            } else {
                // In the order of the text `table/id`, each once.
                by.sort_by(|a, b| label_text(a).cmp(label_text(b)));
                by.dedup();
                labels.clear();
                for (i, (t, id)) in by.iter().enumerate() {
                    if i > 0 {
                        labels.push(' ');
                    }
                    labels.extend([*t, "/", *id]);
                }
                Value::str(texts.get(&labels))
            },
            note.map_or(Value::NULL, |n| Value::str(n.into())),
        ]));
    }
    out
}

/// A label's bytes as written, `table/id`, to order labels as their text orders.
fn label_text<'a>(l: &'a Label) -> impl Iterator<Item = u8> + 'a {
    l.0.bytes().chain(*b"/").chain(l.1.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(f: fn(&[char]) -> Vec<Token>, s: &str) -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        f(&chars)
            .iter()
            .map(|t| chars[t.start..t.end].iter().collect())
            .collect()
    }

    #[test]
    fn number_words_are_found_in_any_case_and_only_whole() {
        assert!(NUMBER_WORDS.iter().all(|w| w.len() <= 9));
        let all = |c: &[char]| numbers(c, &vec![true; c.len()]);
        assert_eq!(
            found(all, "Thousands, THREE, oneself, tenfold, Twenty-two, née"),
            ["Thousands", "THREE", "Twenty", "two"]
        );
    }

    #[test]
    fn tokens_follow_the_audit_patterns() {
        let all = |c: &[char]| numbers(c, &vec![true; c.len()]);
        assert_eq!(
            found(all, "about 1,000 men, 50-100, ten men, USD 380, 2015"),
            ["1,000", "50", "100", "ten", "380", "2015"]
        );
        assert_eq!(
            found(names, "ISIL-K and AQ’s pro-IS USD Taliban"),
            ["ISIL-K", "AQ", "IS", "USD", "IS USD Taliban"]
        );
        let got = found(
            names,
            "the Islamic State Khorasan. In November the\nAbu Bakr Al-Baghdadi",
        );
        assert_eq!(got, ["Islamic State Khorasan", "Abu Bakr Al-Baghdadi"]);
    }
}
