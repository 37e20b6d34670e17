//! The printed structure of a source as the derive stage found it: which span is which
//! journal page, where each footnote's text and marker are, and what is page furniture.
//! Queries on it (page of an offset, footnote of a passage) are used by every later stage.

use super::Span;
use crate::text::is_ws;

#[derive(Clone, Debug)]
pub struct Page {
    pub number: i64,
    pub start: usize,
    pub end: usize,
    pub printed_at: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Note {
    /// None when the curated number is missing or malformed (reported elsewhere).
    pub number: Option<i64>,
    pub span: Span,
    /// The body marker; None when it could not be found.
    pub marker: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Layout {
    pub pages: Vec<Page>,
    pub notes: Vec<Note>,
    /// Running headers and lone printed numbers (page and footnote numbers).
    pub furniture: Vec<Span>,
    /// Per code point: true outside the running text (footnote text or furniture).
    pub not_body: Bits,
    /// Where sentences of the running text end (a . ! or ? before whitespace), in order.
    pub sentence_ends: Vec<usize>,
    /// (marker offset, footnote number), in text order.
    pub markers: Vec<(usize, i64)>,
}

/// One bit per code point (a `Vec<bool>` held a byte each: 35 MB at 1,000 documents).
#[derive(Debug, Default)]
pub struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = bool> + '_ {
        (0..self.len).map(|i| self[i])
    }
}

impl From<&[bool]> for Bits {
    fn from(bools: &[bool]) -> Bits {
        let mut words = vec![0u64; bools.len().div_ceil(64)];
        for (i, _) in bools.iter().enumerate().filter(|(_, b)| **b) {
            words[i / 64] |= 1 << (i % 64);
        }
        Bits {
            words,
            len: bools.len(),
        }
    }
}

impl std::ops::Index<usize> for Bits {
    type Output = bool;
    fn index(&self, i: usize) -> &bool {
        assert!(i < self.len, "bit {i} of {}", self.len);
        if self.words[i / 64] >> (i % 64) & 1 == 1 {
            &true
        } else {
            &false
        }
    }
}

pub fn page_index(pages: &[Page], at: usize) -> usize {
    pages.partition_point(|p| p.start <= at).saturating_sub(1)
}

/// The printed page of an offset; None for a document without printed pages.
pub fn page_of(pages: &[Page], at: usize) -> Option<i64> {
    pages.get(page_index(pages, at)).map(|p| p.number)
}

impl Layout {
    pub fn page_of(&self, at: usize) -> Option<i64> {
        page_of(&self.pages, at)
    }

    pub fn note_at(&self, at: usize) -> Option<i64> {
        self.notes
            .iter()
            .find(|n| n.span.start <= at && at < n.span.end)
            .and_then(|n| n.number)
    }

    pub fn in_furniture(&self, at: usize) -> bool {
        self.furniture.iter().any(|s| s.start <= at && at < s.end)
    }

    /// Why a span mixes regions: footnote text with anything else, or running text with
    /// footnote text or page furniture (a page break with its header is fine only where
    /// the dump has none between the two parts).
    pub fn region_problem(&self, chars: &[char], span: Span) -> Option<String> {
        if let Some(n) = self
            .notes
            .iter()
            .find(|n| n.span.start <= span.start && span.start < n.span.end)
        {
            let n_name = n.number.map_or("text".to_string(), |x| x.to_string());
            return (span.end > n.span.end)
                .then(|| format!("starts in footnote {n_name} and runs past its end"));
        }
        let at = (span.start..span.end).find(|&c| self.not_body[c] && !is_ws(chars[c]))?;
        let in_note = self
            .notes
            .iter()
            .find(|n| n.span.start <= at && at < n.span.end);
        Some(match in_note {
            Some(n) => format!("runs into the text of footnote {} (code point {at})", n.number.map_or("?".into(), |x| x.to_string())),
            None => match self.page_of(at) {
                Some(page) => format!("runs into page furniture, a running header or printed number (code point {at}, page {page})"),
                None => format!("runs into page furniture, a lone printed number (code point {at})"),
            },
        })
    }

    /// The footnote backing a passage: the footnote it sits in, else the first marker from
    /// its start on, provided no sentence ends between the passage and the marker
    /// (footnote text and page furniture in between are skipped).
    pub fn footnote_for(&self, span: Span) -> Option<i64> {
        if let Some(n) = self.note_at(span.start) {
            return Some(n);
        }
        let &(marker, number) = self
            .markers
            .get(self.markers.partition_point(|&(m, _)| m < span.start))?;
        let end = span.end.max(span.start);
        let next_end = self
            .sentence_ends
            .get(self.sentence_ends.partition_point(|&e| e < end));
        if next_end.is_some_and(|&e| e < marker) {
            return None;
        }
        Some(number)
    }
}

#[cfg(test)]
mod tests {
    use super::Bits;

    #[test]
    fn bits_read_back_as_the_bools_they_came_from() {
        for len in [0, 1, 63, 64, 65, 130] {
            let bools: Vec<bool> = (0..len).map(|i| i % 3 == 0 || i == 64).collect();
            let bits = Bits::from(bools.as_slice());
            assert_eq!(bits.len(), len);
            assert_eq!(bits.iter().collect::<Vec<_>>(), bools);
            assert!((0..len).all(|i| bits[i] == bools[i]));
        }
    }
}
