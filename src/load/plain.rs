//! A fast reader for the plain TOML that curated rows are written in: `[[table]]` headers,
//! `key = value` lines with bare keys and one-line strings, decimal numbers or booleans,
//! blank lines and comments. General TOML parsing was over a quarter of a 1,000-document
//! build. Anything outside that subset, and anything wrong, makes `rows` answer None; the
//! caller then parses the file with the `toml` crate, which also words every syntax
//! error, so both readers give the same rows and the same diagnostics.

use super::rows::{Key, Raw};
use std::borrow::Cow;

/// One `[[table]]` row: where its header starts, and how many keys follow it.
pub struct Item {
    pub start: usize,
    pub keys: usize,
}

/// The rows of `text` when it is a non-empty plain array of tables named `table`, with
/// no key twice in a row; None otherwise. The keys of all rows are in one vector, in
/// file order (a vector per row was 3% of a corpus build, most of it growing them).
pub fn rows<'a>(text: &'a str, table: &str) -> Option<(Vec<Item>, Vec<Key<'a>>)> {
    // Control characters other than tab and line feed are errors anywhere in TOML. (A
    // fold over blocks, not `any`, so the test runs on whole vector registers.)
    let control = |b: u8| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7f;
    if text
        .as_bytes()
        .chunks(64)
        .any(|c| c.iter().fold(false, |seen, &b| seen | control(b)))
    {
        return None;
    }
    let mut items: Vec<Item> = Vec::new();
    // Room for a key every 24 bytes (curated lines average about 30), so the vector is
    // not grown and copied while it is filled; it lives only while the file is typed.
    let mut keys: Vec<Key> = Vec::with_capacity(text.len() / 24 + 1);
    // Each line without its line feed; the last may be empty.
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    let mut next = 0;
    for end in ends {
        let (start, body) = (next, &text[next..end]);
        next = end + 1;
        let lead = body.len() - body.trim_start_matches([' ', '\t']).len();
        let rest = &body[lead..];
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        if let Some(name) = rest.strip_prefix("[[") {
            let (name, after) = name.split_once("]]")?;
            if name != table || !end_of_line(after) {
                return None;
            }
            items.push(Item {
                start: start + lead,
                keys: 0,
            });
            continue;
        }
        let row = items.last_mut()?;
        let key_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        if key_len == 0 {
            return None;
        }
        let key = &rest[..key_len];
        let eq = rest[key_len..].trim_start_matches([' ', '\t']);
        let value = eq.strip_prefix('=')?.trim_start_matches([' ', '\t']);
        let value_at = start + body.len() - value.len();
        let (raw, after) = scalar(value)?;
        let row_keys = &keys[keys.len() - row.keys..];
        if !end_of_line(after) || row_keys.iter().any(|k| k.name == key) {
            return None;
        }
        row.keys += 1;
        keys.push(Key {
            name: Cow::Borrowed(key),
            at: start + lead,
            value: raw,
            value_at,
        });
    }
    // A file without rows, or a header without keys, is left to the `toml` crate, which
    // places such rows exactly as before.
    if items.is_empty() || items.iter().any(|i| i.keys == 0) {
        return None;
    }
    Some((items, keys))
}

/// Only blanks, then perhaps a comment, may follow a value or header on its line.
fn end_of_line(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

/// A one-line basic or literal string, a decimal integer or float, or a boolean at the
/// start of `s`, and what follows it.
fn scalar(s: &str) -> Option<(Raw<'_>, &str)> {
    let b = s.as_bytes();
    match b.first()? {
        b'"' => basic(s),
        b'\'' => {
            if s.starts_with("'''") {
                return None;
            }
            let end = s[1..].find('\'')? + 1;
            Some((Raw::Str(Cow::Borrowed(&s[1..end])), &s[end + 1..]))
        }
        b't' if s.starts_with("true") => Some((Raw::Bool(true), &s[4..])),
        b'f' if s.starts_with("false") => Some((Raw::Bool(false), &s[5..])),
        _ => number(s),
    }
}

/// A basic string: borrowed when it has no escapes; the common escapes are decoded, and
/// any other escape is left to the `toml` crate.
fn basic(s: &str) -> Option<(Raw<'_>, &str)> {
    if s.starts_with("\"\"\"") {
        return None;
    }
    let body = &s[1..];
    // Quoted passages are most of a curated file's bytes: their ends (a quote or an
    // escape) are searched with vector instructions.
    let stop_at = |rest: &str| memchr::memchr2(b'"', b'\\', rest.as_bytes());
    let stop = stop_at(body)?;
    if body.as_bytes()[stop] == b'"' {
        return Some((Raw::Str(Cow::Borrowed(&body[..stop])), &body[stop + 1..]));
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    loop {
        let stop = stop_at(rest)?;
        out.push_str(&rest[..stop]);
        if rest.as_bytes()[stop] == b'"' {
            return Some((Raw::Str(Cow::Owned(out)), &rest[stop + 1..]));
        }
        let esc = rest.as_bytes().get(stop + 1)?;
        out.push(match esc {
            b'"' => '"',
            b'\\' => '\\',
            b'n' => '\n',
            b't' => '\t',
            _ => return None,
        });
        rest = &rest[stop + 2..];
    }
}

/// `-?(0|[1-9][0-9]*)`, optionally followed by `.[0-9]+`: the numerals curators write.
/// Signs, underscores, exponents, other bases and special floats go to the `toml` crate.
fn number(s: &str) -> Option<(Raw<'_>, &str)> {
    let b = s.as_bytes();
    let sign = usize::from(b.first() == Some(&b'-'));
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int = digits(sign);
    if int == 0 || (int > 1 && b[sign] == b'0') {
        return None;
    }
    let mut end = sign + int;
    let float = b.get(end) == Some(&b'.');
    if float {
        let frac = digits(end + 1);
        if frac == 0 {
            return None;
        }
        end += 1 + frac;
    }
    // A numeral runs into a following letter, digit, dot or sign only in forms left to
    // the `toml` crate (exponents, dates, times, underscores).
    if b.get(end)
        .is_some_and(|c| !matches!(c, b' ' | b'\t' | b'#'))
    {
        return None;
    }
    let text = &s[..end];
    let raw = if float {
        Raw::Float(text.parse::<f64>().ok().filter(|x| x.is_finite()))
    } else {
        Raw::Int(text.parse::<i64>().ok())
    };
    Some((raw, &s[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use toml::de::{DeTable, DeValue};

    /// The rows the `toml` crate reads, in the same form; None where it reports an error
    /// or the text is not an array of tables named `table` alone.
    fn by_toml<'a>(text: &'a str, table: &str) -> Option<Vec<(usize, Vec<Key<'a>>)>> {
        let doc = DeTable::parse(text).ok()?.into_inner();
        let mut items = Vec::new();
        for (key, value) in doc {
            if key.get_ref() != table {
                return None;
            }
            let DeValue::Array(rows) = value.into_inner() else {
                return None;
            };
            for row in rows {
                let start = row.span().start;
                let DeValue::Table(t) = row.into_inner() else {
                    return None;
                };
                items.push((start, crate::load::rows::keys(t).collect()));
            }
        }
        Some(items)
    }

    /// Every row the fast reader gives is the row the `toml` crate gives.
    fn agree(text: &str, table: &str) -> Result<bool, TestCaseError> {
        let Some((items, keys)) = rows(text, table) else {
            return Ok(false);
        };
        let mut keys = keys.into_iter();
        let fast: Vec<(usize, Vec<Key>)> = items
            .iter()
            .map(|i| (i.start, keys.by_ref().take(i.keys).collect()))
            .collect();
        let Some(full) = by_toml(text, table) else {
            return Err(TestCaseError::fail(format!("toml rejects:\n{text}")));
        };
        prop_assert_eq!(fast.len(), full.len());
        for (a, b) in fast.iter().zip(&full) {
            prop_assert_eq!(a.0, b.0, "row start in\n{}", text);
            prop_assert_eq!(a.1.len(), b.1.len());
            for (x, y) in a.1.iter().zip(&b.1) {
                prop_assert_eq!((&x.name, x.at, x.value_at), (&y.name, y.at, y.value_at));
                prop_assert_eq!(&x.value, &y.value, "in\n{}", text);
            }
        }
        Ok(true)
    }

    const SAMPLE: &str = "# events\n[[events]]\nevent_id = \"e1\"\nsummary = 'a \"b\"'\n\tcount = 12 # note\n\n[[events]]  # two\nevent_id=\"e\\\\2\\n\\t\\\"\"\nshare = -0.25\nok = true\nno = false\n";

    #[test]
    fn reads_the_sample_as_toml_does() {
        assert!(agree(SAMPLE, "events").unwrap());
        assert!(agree("[[events]]\na = 1", "events").unwrap()); // no line feed at the end
        let (items, keys) = rows(SAMPLE, "events").unwrap();
        assert_eq!((items[0].keys, items[1].keys), (3, 4));
        assert_eq!(keys[3].value, Raw::Str("e\\2\n\t\"".into()));
        assert_eq!(keys[4].value, Raw::Float(Some(-0.25)));
    }

    #[test]
    fn reads_edge_numerals_as_toml_does() {
        let text = "[[events]]\na = 99999999999999999999\nb = -0\nc = 0.0000000000000000000000000001\nd = 1999999999999999999999999999999999999.5\n";
        assert!(agree(text, "events").unwrap());
        let (_, keys) = rows(text, "events").unwrap();
        assert_eq!(keys[0].value, Raw::Int(None)); // outside i64: a `range` diagnostic
        assert_eq!(keys[1].value, Raw::Int(Some(0)));
    }

    #[test]
    fn leaves_every_other_form_to_toml() {
        for text in [
            "",
            "# only a comment\n",
            "[[events]]\n",
            "[[events]]\na = 1\n[[events]]\n",
            "a = 1\n[[events]]\nb = 2\n",
            "[[other]]\na = 1\n",
            "[[ events ]]\na = 1\n",
            "[[events]]\na = 1\na = 2\n",
            "[[events]]\n\"a\" = 1\n",
            "[[events]]\na.b = 1\n",
            "[[events]]\na = \"\"\"x\"\"\"\n",
            "[[events]]\na = '''x'''\n",
            "[[events]]\na = \"\\u0041\"\n",
            "[[events]]\na = 1e3\n",
            "[[events]]\na = +1\n",
            "[[events]]\na = 1_000\n",
            "[[events]]\na = 0x1f\n",
            "[[events]]\na = 012\n",
            "[[events]]\na = 1.\n",
            "[[events]]\na = 2024-01-02\n",
            "[[events]]\na = [1]\n",
            "[[events]]\na = {b = 1}\n",
            "[[events]]\na = inf\n",
            "[[events]]\na = truex\n",
            "[[events]]\na = \"x\" y\n",
            "[[events]]\na = \"x\u{1}\"\n",
            "[[events]]\na = \"\u{7f}\"\n",
            "[[events]]\na = \"x\" # \u{7f}\n",
            "[[events]]\n[events.b]\nc = 1\n",
            "events = []\n",
        ] {
            assert!(rows(text, "events").is_none(), "{text:?}");
        }
    }

    #[test]
    fn reads_every_curated_file_of_the_dataset_as_toml_does() {
        let raw = concat!(env!("CARGO_MANIFEST_DIR"), "/raw");
        let mut read = 0;
        let mut stack = vec![std::path::PathBuf::from(raw)];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "toml") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let table = p.file_stem().unwrap().to_str().unwrap();
                    read += usize::from(agree(&text, table).unwrap());
                }
            }
        }
        // Nearly every curated table file is plain.
        assert!(read >= 10, "only {read} files read by the fast reader");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Edits of a plain file, with the characters TOML gives meaning to: whatever the
        /// fast reader accepts, the `toml` crate reads the same way.
        #[test]
        fn edited_files_read_as_toml_does(
            edits in prop::collection::vec(
                (0..SAMPLE.len(), prop::sample::select(vec![
                    "\"", "'", "\\", "#", "=", "[", "]", " ", "\t", "\n", "-", ".", "0",
                    "1", "e", "_", "+", "x", "é", "true", "[[events]]", "\\u00e9", "a = 1",
                ]), any::<bool>()),
                1..4,
            )
        ) {
            let mut text = SAMPLE.to_string();
            for (at, s, cut) in edits {
                let mut at = at.min(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                if cut && at < text.len() {
                    let mut end = at + 1;
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(at..end, "");
                } else {
                    text.insert_str(at, s);
                }
            }
            agree(&text, "events")?;
        }
    }
}
