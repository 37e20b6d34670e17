//! Property tests: the quote resolver on arbitrary Unicode text and whitespace with quotes
//! cut at any code-point boundary, the loaders on arbitrary input (no panics), and cells.

use kdata::diag::Diags;
use kdata::prove::{resolve_all, Miss, Request};
use kdata::text::{collapse, Normalized};
use proptest::prelude::*;

/// Text from a small alphabet (so quotes repeat) mixed with every kind of whitespace
/// and non-ASCII letters, quotes and dashes.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "b", "ab", "ISK", " ", "  ", "\n", "\t", "\r\n", "\u{a0}", "\u{2003}", "\u{1f}",
        "\u{85}", "\u{3000}", "\u{b}", "“", "”", "’", "−", "é", "ق", "😀", ".1", "2",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

fn count_overlapping(hay: &str, needle: &str) -> usize {
    (0..hay.len())
        .filter(|&i| hay.is_char_boundary(i) && hay[i..].starts_with(needle))
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn a_quote_cut_anywhere_is_found_exactly_or_reported_ambiguous(t in text(), a in 0usize..200, b in 0usize..200) {
        let chars: Vec<char> = t.chars().collect();
        let (i, j) = (a.min(chars.len()), b.min(chars.len()));
        let (i, j) = (i.min(j), i.max(j));
        let cut: String = chars[i..j].iter().collect();
        // The curator may write the passage with other whitespace: normalise it anyway.
        let quote = cut.replace('\n', " ");
        let want = collapse(&quote);
        let norm = Normalized::new(&t);
        let got = resolve_all(&norm, &[Request { quote: &quote, prefix: None }]).pop().unwrap();
        match got {
            Ok(span) => {
                let passage: String = chars[span.start..span.end].iter().collect();
                prop_assert_eq!(collapse(&passage), want.clone());
                prop_assert_eq!(passage.trim_matches(kdata::text::is_ws), passage.as_str(), "span is tight");
                prop_assert_eq!(count_overlapping(&norm.text, &want), 1);
            }
            Err(Miss::Empty) => prop_assert!(want.is_empty()),
            Err(Miss::Ambiguous { count, .. }) => {
                prop_assert!(count >= 2);
                prop_assert_eq!(count, count_overlapping(&norm.text, &want));
            }
            Err(other) => prop_assert!(false, "the cut passage must be found: {:?}", other),
        }
    }

    #[test]
    fn a_prefix_picks_exactly_the_occurrence_it_precedes(t in text(), a in 0usize..200, len in 1usize..8) {
        let chars: Vec<char> = t.chars().collect();
        let i = a.min(chars.len());
        let j = (i + len).min(chars.len());
        let quote: String = chars[i..j].iter().collect();
        let prefix: String = chars[..i].iter().collect();
        let norm = Normalized::new(&t);
        let got = resolve_all(&norm, &[Request { quote: &quote, prefix: Some(&prefix) }]).pop().unwrap();
        if let Ok(span) = got {
            let passage: String = chars[span.start..span.end].iter().collect();
            prop_assert_eq!(collapse(&passage), collapse(&quote));
            let before: String = chars[..span.start].iter().collect();
            prop_assert!(collapse(&before).ends_with(&collapse(&prefix)));
        }
    }

    #[test]
    fn edtf_never_panics(s in "\\PC{0,24}") {
        let _ = kdata::edtf::parse(&s);
    }

    #[test]
    fn edtf_accepts_every_real_day(y in 1000i32..2100, m in 1u32..13, d in 1u32..32) {
        let s = format!("{y:04}-{m:02}-{d:02}");
        let real = chrono::NaiveDate::from_ymd_opt(y, m, d).is_some();
        prop_assert_eq!(kdata::edtf::parse(&s).is_ok(), real);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The borrowing form collapses exactly as `collapse` does, and borrows only text that
    /// is collapsed already.
    #[test]
    fn collapsed_is_collapse_without_the_copy(t in text()) {
        let (c, want) = (kdata::text::collapsed(&t), collapse(&t));
        prop_assert_eq!(c.as_ref(), want.as_str());
        prop_assert_eq!(matches!(c, std::borrow::Cow::Borrowed(_)), want == t);
    }

    /// The same on printable ASCII with many spaces, which `collapsed` decides without
    /// its byte-by-byte loop.
    #[test]
    fn collapsed_is_collapse_on_plain_ascii(t in "[ ab~]{0,12}") {
        let (c, want) = (kdata::text::collapsed(&t), collapse(&t));
        prop_assert_eq!(c.as_ref(), want.as_str());
        prop_assert_eq!(matches!(c, std::borrow::Cow::Borrowed(_)), want == t);
    }

    #[test]
    fn the_toml_loader_never_panics(s in "(\\[\\[figures\\]\\]\n)?([a-z_]{1,12} = (\"\\PC{0,12}\"|-?[0-9]{1,4}|true|\\[\\]|\\{\\})\n){0,8}\\PC{0,10}") {
        let schemas = kdata::load::load_schemas(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"), "schemas", &mut Diags::default());
        let mut diags = Diags::default();
        let rows = kdata::load::rows::parse_rows(&s, std::path::Path::new("f.toml"), "f.toml", &schemas["figures"], &["quote_prefix"], &mut Default::default(), &mut diags);
        prop_assert!(rows.len() <= 1);
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let path = std::env::temp_dir().join(format!("kdata-prop-{}", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let mut diags = Diags::default();
        let text = kdata::load::rows::read_text(&path, "f.toml", &mut diags);
        prop_assert_eq!(text.is_some(), diags.is_empty());
        if let Some(t) = text {
            let schemas = kdata::load::load_schemas(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"), "schemas", &mut Diags::default());
            let _ = kdata::load::rows::parse_rows(&t, std::path::Path::new("f.toml"), "f.toml", &schemas["events"], &[], &mut Default::default(), &mut diags);
        }
    }

    #[test]
    fn the_layout_never_panics(t in text(), first in 1i64..5, count in 0i64..6, printed in any::<bool>()) {
        let chars: Vec<char> = t.chars().collect();
        let input = kdata::derive::layout::Input {
            chars: &chars, pages: printed.then_some((first, first + count - 1)),
            running_headers: &[], not_page_starts: &[], notes: &[],
        };
        let (layout, _) = kdata::derive::layout::derive(&input);
        // A source with printed pages gets a page map; one without gets none, and no
        // offset has a page.
        prop_assert_eq!(layout.pages.is_empty(), !printed);
        prop_assert_eq!(layout.page_of(0).is_none(), !printed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// A cell is a tagged word: every integer, float, date and string comes back exactly,
    /// through clones and drops, and orders as its value does.
    #[test]
    fn every_cell_comes_back_exactly(i in any::<i64>(), j in any::<i64>(), bits in any::<u64>(), d in any::<i32>(), s in ".*") {
        use kdata::value::{Text, Value};
        let (a, b) = (Value::int(i), Value::int(j));
        prop_assert_eq!(a.clone().as_int(), Some(i));
        prop_assert_eq!(a.cmp_key(&b), i.cmp(&j));
        let n = f64::from_bits(bits);
        prop_assert_eq!(Value::num(n).clone().as_f64().map(f64::to_bits), Some(bits));
        prop_assert_eq!(Value::date(d).clone().as_date(), Some(d));
        let t = Value::str(Text::from(s.as_str()));
        let copies: Vec<Value> = (0..3).map(|_| t.clone()).collect();
        drop(t);
        prop_assert!(copies.iter().all(|c| c.as_str() == Some(s.as_str())));
    }
}
