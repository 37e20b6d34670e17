//! Whitespace normalisation shared by quote matching, mentions and the tests' invariant.
//!
//! Curated quotes are matched against the source with every run of whitespace collapsed
//! to one space, because the dump breaks lines where the printed page did. `Normalized`
//! keeps, for every byte of the collapsed text, the code-point offset it came from, so a
//! match found in the collapsed text maps back to a span of the original.

/// Whitespace as Python's `str.split()` sees it (Unicode White_Space plus U+001C..U+001F),
/// so the Python tests and this crate collapse the same characters.
pub fn is_ws(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Trims and collapses every run of whitespace to a single space.
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(is_ws).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `collapse(s)`, borrowing `s` when it is collapsed already (most curated quotes are):
/// no copy of the text.
pub fn collapsed(s: &str) -> std::borrow::Cow<'_, str> {
    let b = s.as_bytes();
    // Printable ASCII and single inner spaces only (most quotes): a test over blocks of
    // bytes and a search for two spaces in a row decide it.
    let plain = !b.chunks(32).any(|c| {
        c.iter()
            .fold(false, |seen, &x| seen | !(b' '..0x7f).contains(&x))
    });
    if plain {
        if b.first() == Some(&b' ')
            || b.last() == Some(&b' ')
            || memchr::memmem::find(b, b"  ").is_some()
        {
            return collapse(s).into();
        }
        return s.into();
    }
    // Byte by byte: ASCII is tested without decoding; only the lead byte of another
    // character is decoded, to see whether it is whitespace (then never a plain space).
    let mut after_space = true;
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii() {
            if b[i] == b' ' {
                if after_space {
                    return collapse(s).into();
                }
                after_space = true;
            } else if is_ws(b[i] as char) {
                return collapse(s).into();
            } else {
                after_space = false;
            }
            i += 1;
        } else {
            let c = s[i..].chars().next().expect("i is a character boundary");
            if is_ws(c) {
                return collapse(s).into();
            }
            after_space = false;
            i += c.len_utf8();
        }
    }
    if after_space && !s.is_empty() {
        return collapse(s).into();
    }
    s.into()
}

/// A source text with whitespace collapsed, and the way back to the original.
pub struct Normalized {
    /// The collapsed text (a leading run of whitespace becomes one space too).
    pub text: String,
    /// For each byte of `text` that starts a character, the code-point offset in the
    /// original is the byte plus the shift of the last entry at or before it. Entries
    /// (byte, shift) are made only where the shift changes: after a multi-byte character
    /// or a collapsed run of whitespace. (A table with an entry per byte took four bytes
    /// a byte, 0.14 GB at 1,000 documents.)
    shifts: Vec<(u32, i64)>,
}

impl Normalized {
    pub fn new(original: &str) -> Normalized {
        let mut text = String::with_capacity(original.len());
        let mut shifts = Vec::new();
        let mut shift = 0i64;
        let mut in_ws = false;
        let bytes = original.as_bytes();
        let (mut i, mut ci) = (0, 0);
        while i < bytes.len() {
            // A run of ASCII that is not whitespace is copied whole: its shift is the shift
            // of its first character.
            let run = bytes[i..]
                .iter()
                .take_while(|&&b| b.is_ascii() && !is_ws(b as char))
                .count();
            if run > 0 {
                let wanted = ci as i64 - text.len() as i64;
                if wanted != shift {
                    shifts.push((text.len() as u32, wanted));
                    shift = wanted;
                }
                text.push_str(&original[i..i + run]);
                in_ws = false;
                (i, ci) = (i + run, ci + run);
                continue;
            }
            let c = original[i..]
                .chars()
                .next()
                .expect("i is a character boundary");
            let this = ci;
            (i, ci) = (i + c.len_utf8(), ci + 1);
            if is_ws(c) {
                if in_ws {
                    continue;
                }
                in_ws = true;
            } else {
                in_ws = false;
            }
            let at = text.len();
            let wanted = this as i64 - at as i64;
            if wanted != shift {
                shifts.push((at as u32, wanted));
                shift = wanted;
            }
            text.push(if in_ws { ' ' } else { c });
        }
        Normalized { text, shifts }
    }

    /// Maps a byte range of the collapsed text whose ends are not whitespace to the
    /// half-open code-point span of the original it covers.
    pub fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        let last = self.text[..end]
            .chars()
            .next_back()
            .map_or(0, char::len_utf8);
        let first = self.orig_char_at(start);
        let last_start = self.orig_char_at(end - last);
        (first, last_start + 1)
    }

    /// Code-point offset in the original of the character starting at byte `b` of `text`.
    pub fn orig_char_at(&self, b: usize) -> usize {
        let i = self.shifts.partition_point(|s| s.0 as usize <= b);
        let shift = if i == 0 { 0 } else { self.shifts[i - 1].1 };
        (b as i64 + shift) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_joins_lines_and_trims() {
        assert_eq!(collapse("  a\n b\t\tc \n"), "a b c");
        assert_eq!(collapse("\u{1c}x\u{1f}y"), "x y");
    }

    #[test]
    fn maps_collapsed_spans_back_to_code_points() {
        let src = "Al-\nQaeda  “Khorasan.”2\nISK";
        let n = Normalized::new(src);
        assert_eq!(n.text, "Al- Qaeda “Khorasan.”2 ISK");
        let b = n.text.find("“Khorasan").unwrap();
        let e = b + "“Khorasan.”".len();
        let (s, t) = n.to_original(b, e);
        let chars: Vec<char> = src.chars().collect();
        assert_eq!(chars[s..t].iter().collect::<String>(), "“Khorasan.”");
    }

    #[test]
    fn every_character_maps_to_its_code_point() {
        for src in [
            "  lead and  double  spaces\n\n\tend ",
            "“Khorasan” — ISK’s é\u{1F600}x  y\u{1c}\u{1f}z",
            "",
            "\n",
            "ascii only",
        ] {
            let n = Normalized::new(src);
            // The naive table: the original code point of each character kept.
            let mut expected = Vec::new();
            let mut in_ws = false;
            for (ci, c) in src.chars().enumerate() {
                if is_ws(c) && in_ws {
                    continue;
                }
                in_ws = is_ws(c);
                expected.push(ci);
            }
            let got: Vec<usize> = n
                .text
                .char_indices()
                .map(|(b, _)| n.orig_char_at(b))
                .collect();
            assert_eq!(got, expected, "{src:?}");
        }
    }
}
