//! The subset of Extended Date/Time Format (ISO 8601-2) the curation uses: a date is
//! `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or `YYYY-NN` with NN a season (21-24), quarter (33-36)
//! or half year (40-41), optionally followed by `~` (approximate), `?` (uncertain) or
//! `%` (both); an interval is `a/b`, `a/..` (open end) or `../b` (open start). Each
//! value resolves to the first and last day it covers, so Parquet can carry real dates
//! alongside the precise string, and its qualifiers survive as flags.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq)]
pub struct Edtf {
    /// None for an interval with an open start (`../b`).
    pub start: Option<NaiveDate>,
    /// None for an interval with an open end (`a/..`).
    pub end: Option<NaiveDate>,
    pub precision: &'static str,
    /// Some part is marked approximate (`~` or `%`).
    pub approximate: bool,
    /// Some part is marked uncertain (`?` or `%`).
    pub uncertain: bool,
}

/// A date's qualifiers: (approximate, uncertain).
fn qualifiers(s: &str) -> (bool, bool) {
    (
        s.ends_with('~') || s.ends_with('%'),
        s.ends_with('?') || s.ends_with('%'),
    )
}

pub fn parse(s: &str) -> Result<Edtf, String> {
    if let Some((a, b)) = s.split_once('/') {
        let (qa, qb) = (qualifiers(a), qualifiers(b));
        let (approximate, uncertain) = (qa.0 || qb.0, qa.1 || qb.1);
        let interval = |start, end| {
            Ok(Edtf {
                start,
                end,
                precision: "range",
                approximate,
                uncertain,
            })
        };
        return match (a, b) {
            ("..", "..") => Err(format!("interval '{s}' is open at both ends")),
            ("..", b) => interval(None, Some(one(b)?.1)),
            (a, "..") => interval(Some(one(a)?.0), None),
            (a, b) => {
                let (start, end) = (one(a)?.0, one(b)?.1);
                if end < start {
                    return Err(format!("interval '{s}' ends before it starts"));
                }
                interval(Some(start), Some(end))
            }
        };
    }
    let (start, end, precision) = one(s)?;
    let (approximate, uncertain) = qualifiers(s);
    Ok(Edtf {
        start: Some(start),
        end: Some(end),
        precision,
        approximate,
        uncertain,
    })
}

fn one(s: &str) -> Result<(NaiveDate, NaiveDate, &'static str), String> {
    let core = s.trim_end_matches(['~', '?', '%']);
    if s.len() - core.len() > 1 {
        return Err(format!("'{s}': at most one of ~ ? % may follow a date"));
    }
    let parts: Vec<&str> = core.split('-').collect();
    let num = |p: &str, len: usize| -> Result<u32, String> {
        if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse().map_err(|_| format!("'{s}' is not an EDTF date"))
        } else {
            Err(format!(
                "'{s}' is not an EDTF date (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-21..24/33..36/40..41)"
            ))
        }
    };
    let year = num(parts.first().copied().unwrap_or(""), 4)? as i32;
    let ymd = |y: i32, m: u32, d: u32| {
        NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("'{s}' is not a real date"))
    };
    let month_end = |y: i32, m: u32| -> Result<NaiveDate, String> {
        let next = if m == 12 {
            ymd(y + 1, 1, 1)?
        } else {
            ymd(y, m + 1, 1)?
        };
        next.pred_opt()
            .ok_or_else(|| format!("'{s}' is not a real date"))
    };
    match parts.len() {
        1 => Ok((ymd(year, 1, 1)?, ymd(year, 12, 31)?, "year")),
        2 => {
            let m = num(parts[1], 2)?;
            let span = |m1: u32, m2: u32, p| -> Result<_, String> {
                let (y2, m2) = if m2 > 12 {
                    (year + 1, m2 - 12)
                } else {
                    (year, m2)
                };
                Ok((ymd(year, m1, 1)?, month_end(y2, m2)?, p))
            };
            match m {
                1..=12 => Ok((ymd(year, m, 1)?, month_end(year, m)?, "month")),
                // Northern-hemisphere meteorological seasons; winter runs into the next year.
                21..=24 => span(3 * (m - 21) + 3, 3 * (m - 21) + 5, "season"),
                33..=36 => span(3 * (m - 33) + 1, 3 * (m - 33) + 3, "quarter"),
                40 | 41 => span(6 * (m - 40) + 1, 6 * (m - 40) + 6, "half_year"),
                _ => Err(format!(
                    "'{s}': month {m} is not 01-12 or an EDTF sub-year code"
                )),
            }
        }
        3 => {
            let m = num(parts[1], 2)?;
            let d = num(parts[2], 2)?;
            let day = ymd(year, m, d)?;
            Ok((day, day, "day"))
        }
        _ => Err(format!("'{s}' is not an EDTF date")),
    }
}

/// Days since 1970-01-01, the physical value of an Arrow `date32`.
pub fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("a real date")).num_days() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(y: i32, m: u32, dd: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, dd)
    }
    fn plain(start: Option<NaiveDate>, end: Option<NaiveDate>, precision: &'static str) -> Edtf {
        Edtf {
            start,
            end,
            precision,
            approximate: false,
            uncertain: false,
        }
    }

    #[test]
    fn precisions_and_spans() {
        assert_eq!(
            parse("2015-01-26").unwrap(),
            plain(d(2015, 1, 26), d(2015, 1, 26), "day")
        );
        assert_eq!(parse("2016-02").unwrap().end, d(2016, 2, 29));
        assert_eq!(
            parse("2015-22").unwrap(),
            plain(d(2015, 6, 1), d(2015, 8, 31), "season")
        );
        assert_eq!(parse("2015-24").unwrap().end, d(2016, 2, 29));
        let late = parse("2015-41~").unwrap();
        assert_eq!(
            (
                late.start,
                late.end,
                late.precision,
                late.approximate,
                late.uncertain
            ),
            (d(2015, 7, 1), d(2015, 12, 31), "half_year", true, false)
        );
        assert_eq!(
            parse("2007/2013").unwrap(),
            plain(d(2007, 1, 1), d(2013, 12, 31), "range")
        );
        assert_eq!(days(d(1970, 1, 2).unwrap()), 1);
    }

    #[test]
    fn open_intervals_and_qualifiers() {
        assert_eq!(
            parse("../1992").unwrap(),
            plain(None, d(1992, 12, 31), "range")
        );
        assert_eq!(
            parse("2013/..").unwrap(),
            plain(d(2013, 1, 1), None, "range")
        );
        let q = parse("2014-11~/2015-01-25").unwrap();
        assert!(q.approximate && !q.uncertain);
        assert!(parse("2015?").unwrap().uncertain);
        let both = parse("2015%").unwrap();
        assert!(both.approximate && both.uncertain);
        assert!(parse("../..").is_err());
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for bad in [
            "2015-02-30",
            "2015-13",
            "15",
            "2015-1-2",
            "2016/2015",
            "2015~?",
            "1014-02-30",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
