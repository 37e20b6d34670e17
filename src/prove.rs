//! The prove stage, quotes to spans: finds curated quotes in a source text with whitespace collapsed,
//! all quotes of a document in one pass over its text, and maps them back to code points.

use crate::diag::{Code, Diags, Loc};
use crate::model::Span;
use crate::text::{collapse, collapsed, Normalized};
use foldhash::{HashMap, HashMapExt};

#[derive(Debug, PartialEq)]
pub enum Miss {
    Empty,
    NotFound {
        closest: String,
        agree: usize,
        of: usize,
        at: usize,
    },
    /// Found `count` times; `starts` are the first few code-point offsets.
    Ambiguous {
        count: usize,
        starts: Vec<usize>,
    },
    PrefixNotBefore {
        count: usize,
    },
    PrefixAmbiguous {
        count: usize,
    },
}

pub struct Request<'a> {
    pub quote: &'a str,
    pub prefix: Option<&'a str>,
}

/// Bytes of a quote's start that each window of the text is first checked against.
const HEAD: usize = 8;

/// Bytes of a quote's start it is looked up by; only quotes that share them all are each
/// compared with the text where they start.
const KEY: usize = 24;

/// Resolves every request against one normalised text; each gets a span or the reason not.
pub fn resolve_all(norm: &Normalized, requests: &[Request]) -> Vec<Result<Span, Miss>> {
    let quotes: Vec<std::borrow::Cow<str>> = requests.iter().map(|r| collapsed(r.quote)).collect();
    let mut pattern_of: HashMap<&str, usize> = HashMap::new();
    let mut patterns: Vec<&str> = Vec::new();
    for q in quotes.iter().filter(|q| !q.is_empty()) {
        pattern_of.entry(q).or_insert_with(|| {
            patterns.push(q);
            patterns.len() - 1
        });
    }
    let hits = occurrences(norm.text.as_bytes(), &patterns);
    requests
        .iter()
        .zip(&quotes)
        .map(|(req, q)| {
            if q.is_empty() {
                return Err(Miss::Empty);
            }
            let all = &hits[pattern_of[&**q]];
            let after_prefix: Vec<usize>;
            let chosen = match req.prefix.map(collapse) {
                None => all.as_slice(),
                Some(p) => {
                    after_prefix = all
                        .iter()
                        .copied()
                        .filter(|&b| preceded_by(&norm.text[..b], &p))
                        .collect();
                    &after_prefix
                }
            };
            match (chosen.len(), req.prefix.is_some()) {
                (1, _) => {
                    let (start, end) = norm.to_original(chosen[0], chosen[0] + q.len());
                    Ok(Span { start, end })
                }
                (0, false) => Err(closest(norm, q)),
                (0, true) if all.is_empty() => Err(closest(norm, q)),
                (0, true) => Err(Miss::PrefixNotBefore { count: all.len() }),
                (n, false) => Err(Miss::Ambiguous {
                    count: n,
                    starts: all.iter().take(3).map(|&b| norm.orig_char_at(b)).collect(),
                }),
                (n, true) => Err(Miss::PrefixAmbiguous { count: n }),
            }
        })
        .collect()
}

/// Where each pattern starts in `text`, overlaps included, in ascending order. One pass
/// per length of head (a pattern's first `HEAD` bytes, or all of a shorter one) checks
/// every window of the text against the heads, a bit per hash first, as most windows
/// start no quote; where a head matches, the text is looked up by the keys that follow
/// it. An automaton of thousands of quotes per document cost more to build than its
/// search.
fn occurrences(text: &[u8], patterns: &[&str]) -> Vec<Vec<usize>> {
    let mut hits: Vec<Vec<usize>> = vec![Vec::new(); patterns.len()];
    let mut by_key: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (k, p) in patterns.iter().enumerate() {
        let p = p.as_bytes();
        by_key.entry(&p[..p.len().min(KEY)]).or_default().push(k);
    }
    // By head length, each head's key lengths: a head of many quotes is followed by one
    // lookup per length, not a comparison per quote.
    let mut heads_by_len: Vec<HashMap<&[u8], Vec<usize>>> =
        (0..=HEAD).map(|_| HashMap::new()).collect();
    for key in by_key.keys() {
        let n = key.len().min(HEAD);
        let lens = heads_by_len[n].entry(&key[..n]).or_default();
        if !lens.contains(&key.len()) {
            lens.push(key.len());
        }
    }
    for (n, heads) in heads_by_len
        .iter()
        .enumerate()
        .filter(|(n, heads)| *n > 0 && !heads.is_empty())
    {
        let mut seen = vec![0u64; 1 << 10];
        for head in heads.keys() {
            let h = window_hash(head);
            seen[h >> 6] |= 1 << (h & 63);
        }
        for (b, w) in text.windows(n).enumerate() {
            let h = window_hash(w);
            if seen[h >> 6] & (1 << (h & 63)) == 0 {
                continue;
            }
            for &len in heads.get(w).into_iter().flatten() {
                let Some(key) = text.get(b..b + len) else {
                    continue;
                };
                for &k in by_key.get(key).into_iter().flatten() {
                    if text[b..].starts_with(patterns[k].as_bytes()) {
                        hits[k].push(b);
                    }
                }
            }
        }
    }
    hits
}

/// 16 bits of hash of a window of at most `HEAD` bytes.
fn window_hash(w: &[u8]) -> usize {
    let x = match <[u8; HEAD]>::try_from(w) {
        Ok(full) => u64::from_le_bytes(full),
        Err(_) => {
            let mut padded = [0u8; HEAD];
            padded[..w.len()].copy_from_slice(w);
            u64::from_le_bytes(padded)
        }
    };
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize
}

/// True when `before` ends with `prefix`, allowing the one space between them.
fn preceded_by(before: &str, prefix: &str) -> bool {
    !prefix.is_empty()
        && (before.ends_with(prefix)
            || before
                .strip_suffix(' ')
                .is_some_and(|b| b.ends_with(prefix)))
}

/// Every occurrence (as original spans) of `phrase`: the curation aid behind `locate`.
pub fn find_all(norm: &Normalized, phrase: &str) -> Vec<Span> {
    let q = collapse(phrase);
    if q.is_empty() {
        return Vec::new();
    }
    norm.text
        .match_indices(q.as_str())
        .map(|(b, _)| {
            let (start, end) = norm.to_original(b, b + q.len());
            Span { start, end }
        })
        .collect()
}

/// The passage that agrees longest with the start or the end of a quote that was not found.
fn closest(norm: &Normalized, q: &str) -> Miss {
    let chars: Vec<(usize, char)> = q.char_indices().collect();
    let n = chars.len();
    let cut = |k: usize| chars.get(k).map_or(q.len(), |c| c.0);
    // Longest prefix (and longest suffix) of the quote that occurs in the text.
    let longest = |test: &dyn Fn(usize) -> Option<usize>| {
        let (mut lo, mut hi, mut best) = (1usize, n, None);
        while lo <= hi {
            let mid = (lo + hi) / 2;
            match test(mid) {
                Some(at) => {
                    best = Some((mid, at));
                    lo = mid + 1;
                }
                None => hi = mid - 1,
            }
        }
        best
    };
    let pre = longest(&|k| norm.text.find(&q[..cut(k)]));
    let suf = longest(&|k| {
        norm.text
            .find(&q[cut(n - k)..])
            .map(|b| b.saturating_sub(cut(n - k)))
    });
    let (agree, at) = match (pre, suf) {
        (Some(p), Some(s)) if s.0 > p.0 => s,
        (Some(p), _) => p,
        (None, Some(s)) => s,
        (None, None) => (0, 0),
    };
    let mut at = at.min(norm.text.len());
    while !norm.text.is_char_boundary(at) {
        at -= 1;
    }
    let passage: String = norm.text[at..].chars().take(n + 10).collect();
    Miss::NotFound {
        closest: passage.trim().to_string(),
        agree,
        of: n,
        at: norm.orig_char_at(at),
    }
}

/// Reports why a quote was not proved, at the curated key responsible.
pub fn report(diags: &mut Diags, loc: Loc, source: &str, miss: Miss) {
    let (code, msg) = match miss {
        Miss::Empty => (Code::QuoteEmpty, "the quote is empty".to_string()),
        Miss::NotFound { closest, agree, of, at } => (
            Code::QuoteNotFound,
            format!("quote not found in {source}; closest passage (code point {at}, {agree} of {of} characters agree): «{closest}»"),
        ),
        Miss::Ambiguous { count, starts } => (
            Code::QuoteAmbiguous,
            format!("quote found {count} times in {source} (at code points {starts:?}); add quote_prefix with the text just before the one meant"),
        ),
        Miss::PrefixNotBefore { count } => (
            Code::PrefixNotBefore,
            format!("quote_prefix does not stand immediately before any of the quote's {count} occurrence(s) in {source}"),
        ),
        Miss::PrefixAmbiguous { count } => (Code::QuoteAmbiguous, format!("quote with this quote_prefix still occurs {count} times in {source}; lengthen the prefix")),
    };
    diags.push(loc, code, msg);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spans(src: &str, reqs: &[(&str, Option<&str>)]) -> Vec<Result<Span, Miss>> {
        let norm = Normalized::new(src);
        let r: Vec<Request> = reqs
            .iter()
            .map(|(q, p)| Request {
                quote: q,
                prefix: *p,
            })
            .collect();
        resolve_all(&norm, &r)
    }

    #[test]
    fn finds_across_line_breaks() {
        let got = spans("one two\nthree four", &[("two three", None)]);
        assert_eq!(got, vec![Ok(Span { start: 4, end: 13 })]);
    }

    #[test]
    fn twice_needs_a_prefix_and_the_prefix_must_precede() {
        let src = "Ibid. x Ibid. y";
        let got = spans(
            src,
            &[("Ibid.", None), ("Ibid.", Some("x")), ("Ibid.", Some("z"))],
        );
        assert_eq!(
            got[0],
            Err(Miss::Ambiguous {
                count: 2,
                starts: vec![0, 8]
            })
        );
        assert_eq!(got[1], Ok(Span { start: 8, end: 13 }));
        assert_eq!(got[2], Err(Miss::PrefixNotBefore { count: 2 }));
    }

    #[test]
    fn a_miss_names_the_closest_passage() {
        match &spans(
            "the monthly wage of USD 380 for joining",
            &[("monthly wage of USD 350", None)],
        )[0]
        {
            Err(Miss::NotFound { closest, agree, .. }) => {
                assert!(closest.starts_with("monthly wage of USD 3"), "{closest}");
                assert_eq!(*agree, 21);
            }
            other => panic!("{other:?}"),
        }
    }

    /// A text of a small alphabet (so quotes repeat, overlap and share heads and keys),
    /// and distinct quotes cut from it or made up, of any length around HEAD and KEY.
    fn text_and_quotes() -> impl Strategy<Value = (String, Vec<String>)> {
        "[ab é]{0,80}".prop_flat_map(|text| {
            let chars: Vec<char> = text.chars().collect();
            let n = chars.len();
            let cut = (0..=n, 0..=n)
                .prop_map(move |(i, j)| chars[i.min(j)..i.max(j)].iter().collect::<String>());
            let quote = prop_oneof![cut, "[ab é]{1,30}"];
            (Just(text), proptest::collection::vec(quote, 1..12))
        })
    }

    proptest! {
        #[test]
        fn occurrences_are_every_overlapping_start((text, quotes) in text_and_quotes()) {
            // Distinct and not empty, as resolve_all passes them.
            let mut patterns: Vec<&str> =
                quotes.iter().map(|q| q.as_str()).filter(|q| !q.is_empty()).collect();
            patterns.sort();
            patterns.dedup();
            let got = occurrences(text.as_bytes(), &patterns);
            for (p, hits) in patterns.iter().zip(got) {
                let want: Vec<usize> = (0..text.len())
                    .filter(|&b| text.as_bytes()[b..].starts_with(p.as_bytes()))
                    .collect();
                prop_assert_eq!(hits, want, "pattern {:?}", p);
            }
        }
    }
}
