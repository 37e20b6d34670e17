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

/// A source text with whitespace collapsed, and the way back to the original.
pub struct Normalized {
    /// The collapsed text (a leading run of whitespace becomes one space too).
    pub text: String,
    /// For each byte of `text` that starts a character: the code-point offset in the original.
    orig_char: Vec<u32>,
}

impl Normalized {
    pub fn new(original: &str) -> Normalized {
        let mut text = String::with_capacity(original.len());
        let mut orig_char = Vec::with_capacity(original.len());
        let mut in_ws = false;
        for (ci, c) in original.chars().enumerate() {
            if is_ws(c) {
                if in_ws {
                    continue;
                }
                in_ws = true;
                orig_char.push(ci as u32);
                text.push(' ');
            } else {
                in_ws = false;
                let before = text.len();
                text.push(c);
                orig_char.resize(text.len(), u32::MAX);
                orig_char[before] = ci as u32;
            }
        }
        Normalized { text, orig_char }
    }

    /// Maps a byte range of the collapsed text whose ends are not whitespace to the
    /// half-open code-point span of the original it covers.
    pub fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        let last = self.text[..end]
            .chars()
            .next_back()
            .map_or(0, char::len_utf8);
        let first = self.orig_char[start] as usize;
        let last_start = self.orig_char[end - last] as usize;
        (first, last_start + 1)
    }

    /// Code-point offset in the original of the character starting at byte `b` of `text`.
    pub fn orig_char_at(&self, b: usize) -> usize {
        self.orig_char[b] as usize
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
}
