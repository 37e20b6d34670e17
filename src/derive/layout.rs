//! The printed structure of a PDF-to-text dump: which span of the text is which journal
//! page, where each footnote's text is, and which body marker refers to it.
//!
//! Rules (documented in raw/README.md): a page starts at the start of the text, at a line
//! that begins with a space (the dump's block start) unless it lies in footnote text or is
//! listed as not a page start, and at a running header. The map is then proved: the
//! number of pages must match the bibliographic record, every page number the dump kept
//! must lie on its page, and every footnote marker must be on its footnote's page.

use crate::model::layout::{page_index, page_of};
use crate::model::{Layout, Note, Page, Span};
use crate::text::is_ws;

pub struct Input<'a> {
    pub chars: &'a [char],
    /// The record's first and last printed page; None for a document without printed
    /// pages (no `[layout]`), which gets no page map.
    pub pages: Option<(i64, i64)>,
    pub running_headers: &'a [String],
    /// Code-point offsets of space-led blocks that are not page starts.
    pub not_page_starts: &'a [usize],
    /// Footnote texts with their numbers, as resolved from the curated footnotes.
    pub notes: &'a [(Option<i64>, Span)],
}

struct Line {
    start: usize,
    /// First non-whitespace code point, if any.
    first: Option<usize>,
    text: String,
}

fn lines(chars: &[char]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=chars.len() {
        if i == chars.len() || chars[i] == '\n' {
            let text: String = chars[start..i].iter().collect();
            let first = (start..i).find(|&j| !is_ws(chars[j]));
            out.push(Line { start, first, text });
            start = i + 1;
        }
    }
    out
}

/// Derives and proves the layout. Problems come back as messages beside a best-effort
/// layout, so that one broken page map does not hide every other problem.
pub fn derive(input: &Input) -> (Layout, Vec<String>) {
    let mut errors = Vec::new();
    let in_note = |c: usize| input.notes.iter().any(|(_, s)| s.start <= c && c < s.end);
    let mut starts = vec![0usize];
    let mut furniture = Vec::new();
    let mut lone_numbers = Vec::new();
    for line in lines(input.chars) {
        let Some(first) = line.first else { continue };
        let trimmed = line.text.trim_matches(is_ws);
        let end = line.start + line.text.chars().count();
        if input.running_headers.iter().any(|h| h == trimmed) {
            starts.push(line.start);
            furniture.push(Span { start: first, end });
        } else if !in_note(first) && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            furniture.push(Span { start: first, end });
            lone_numbers.push((first, trimmed.parse::<i64>().unwrap_or(-1)));
        } else if line.text.starts_with(' ')
            && !in_note(first)
            && !input.not_page_starts.contains(&first)
        {
            starts.push(line.start);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let (first_page, last_page) = input.pages.unwrap_or((1, 0));
    let expected = last_page - first_page + 1;
    if input.pages.is_none() {
        starts.clear();
    } else if starts.len() as i64 != expected && !(starts.len() == 1 && expected < 1) {
        errors.push(format!(
            "the dump's layout gives {} pages but the record says {}-{} ({expected} pages); page starts found at code points {:?}",
            starts.len(),
            first_page,
            last_page,
            starts
        ));
        // Go on with one page so the rest of the document is still checked.
        starts.truncate(1);
    }
    let mut pages: Vec<Page> = starts
        .iter()
        .enumerate()
        .map(|(i, &s)| Page {
            number: first_page + i as i64,
            start: s,
            end: starts.get(i + 1).copied().unwrap_or(input.chars.len()),
            printed_at: None,
        })
        .collect();
    for &(at, n) in &lone_numbers {
        if !(first_page..=last_page).contains(&n) {
            continue; // a footnote number line, or no printed pages
        }
        let p = page_index(&pages, at);
        if pages[p].number != n {
            errors.push(format!(
                "the page number {n} printed at code point {at} falls on derived page {}",
                pages[p].number
            ));
        } else {
            pages[p].printed_at = Some(at);
        }
    }
    let mut not_body = vec![false; input.chars.len()];
    for s in input.notes.iter().map(|n| &n.1).chain(&furniture) {
        not_body[s.start..s.end.min(input.chars.len())]
            .iter_mut()
            .for_each(|b| *b = true);
    }
    let notes = find_markers(input, &not_body, &mut errors);
    for note in &notes {
        let (Some(number), Some(marker)) = (note.number, note.marker) else {
            continue;
        };
        let (Some(tp), Some(mp)) = (page_of(&pages, note.span.start), page_of(&pages, marker))
        else {
            continue;
        };
        if tp != mp {
            errors.push(format!("footnote {number}: its text is on page {tp} but its marker (code point {marker}) is on page {mp}"));
        }
    }
    let chars = input.chars;
    let sentence_ends = (0..chars.len())
        .filter(|&c| {
            !not_body[c]
                && matches!(chars[c], '.' | '!' | '?')
                && chars.get(c + 1).is_none_or(|&n| is_ws(n))
        })
        .collect();
    let mut markers: Vec<(usize, i64)> = notes
        .iter()
        .filter_map(|n| Some((n.marker?, n.number?)))
        .collect();
    markers.sort_unstable();
    (
        Layout {
            pages,
            notes,
            furniture,
            not_body: not_body.as_slice().into(),
            sentence_ends,
            markers,
        },
        errors,
    )
}

/// Finds marker n+1 as the first bare number n+1 in body text after marker n. Every
/// footnote text becomes a note; markers are only sought when the numbering is sound.
fn find_markers(input: &Input, not_body: &[bool], errors: &mut Vec<String>) -> Vec<Note> {
    let chars = input.chars;
    let mut notes: Vec<Note> = input
        .notes
        .iter()
        .map(|&(number, span)| Note {
            number,
            span,
            marker: None,
        })
        .collect();
    notes.sort_by_key(|n| (n.number, n.span.start));
    if notes.iter().any(|n| n.number.is_none()) {
        return notes;
    }
    let mut pos = 0;
    for (i, note) in notes.iter_mut().enumerate() {
        let number = note.number.unwrap();
        if number != i as i64 + 1 {
            errors.push(format!(
                "footnotes must be numbered 1, 2, 3, ... without gaps; found {number} in place {}",
                i + 1
            ));
            break;
        }
        let digits: Vec<char> = number.to_string().chars().collect();
        // A marker glued to the text before it ("movement.1", "2014,5") is preferred to a
        // free-standing number ("Afghanistan 3 (Fig. 1)"), which is taken only when no
        // glued one follows: body numerals ("3 people") are free-standing too.
        let candidate = |glued: bool| {
            (pos..chars.len().saturating_sub(digits.len() - 1)).find(|&c| {
                // The first digit alone first: most places fail there, without a call.
                chars[c] == digits[0]
                    && chars[c..].starts_with(&digits)
                    && !not_body[c]
                    && is_bare_number(chars, c, digits.len())
                    && c.checked_sub(1).is_some_and(|b| !is_ws(chars[b])) == glued
            })
        };
        let found = candidate(true).or_else(|| candidate(false));
        match found {
            Some(c) => {
                note.marker = Some(c);
                pos = c + digits.len();
            }
            None => {
                errors.push(format!("no marker for footnote {number} found in the body after the marker of footnote {}", number - 1));
                break;
            }
        }
    }
    notes
}

/// A number standing alone: not part of a longer number, a range, a date or a thousands group.
fn is_bare_number(chars: &[char], at: usize, len: usize) -> bool {
    let before = at.checked_sub(1).map(|i| chars[i]);
    let after = chars.get(at + len).copied();
    let after2 = chars.get(at + len + 1).copied();
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    !digit(before)
        && !digit(after)
        // "1,000", "50-100", "9/11", "10:30" (but "2014,5" is a year and marker 5)
        && !((matches!(before, Some('-' | '/' | ':')) || (before == Some(',') && len == 3)) && digit(at.checked_sub(2).map(|i| chars[i])))
        && !matches!(before, Some('/' | '=' | '-' | '%'))
        && !(matches!(after, Some(',' | '.' | ':' | '-')) && digit(after2))
        && !after.is_some_and(|c| c.is_alphabetic())
}
