//! The event timeline: each dated event as a bar from its first to its last possible day
//! (a month is a month long, a season a season), an open interval running to the panel's
//! edge with an open end, undated events listed apart. Events far apart in time go to
//! separate panels so that each panel's scale shows its events; every panel states its
//! scale (`data-x0`, `data-day-px`) so the drawing can be checked against the data.

use super::data::{days_of, iso_date, Tab};
use serde::Serialize;

/// Plot width of a panel in SVG units, and the gap (in days) that starts a new panel.
const PLOT_W: f64 = 560.0;
/// Labels go in a column right of the plot, so they never cover a bar.
const LABEL_W: f64 = 480.0;
const GAP_DAYS: i64 = 3 * 365;
pub const LEFT: f64 = 10.0;
const LANE: f64 = 22.0;

#[derive(Serialize)]
pub struct Panel {
    pub x0: String,
    /// The day after the panel's last day: open intervals are drawn up to it.
    pub x1: String,
    pub day_px: f64,
    pub width: f64,
    pub height: f64,
    pub label: String,
    pub ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
}

#[derive(Serialize)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

#[derive(Serialize)]
pub struct Bar {
    pub id: String,
    pub href: String,
    pub start: String,
    pub end: String,
    pub date: String,
    pub precision: String,
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub open_end: bool,
    pub text_x: f64,
}

#[derive(Serialize)]
pub struct Undated {
    pub id: String,
    pub href: String,
    pub label: String,
}

pub fn build(events: &Tab) -> (Vec<Panel>, Vec<Undated>) {
    // (start day, end day or None when open, row), by start then id.
    let mut dated: Vec<(i64, Option<i64>, usize)> = Vec::new();
    let mut undated = Vec::new();
    for r in 0..events.rows.len() {
        match events.get(r, "date_start").and_then(days_of) {
            Some(s) => dated.push((s, events.get(r, "date_end").and_then(days_of), r)),
            None => undated.push(Undated {
                id: events.key(r),
                href: events.home(r),
                label: events.label(r),
            }),
        }
    }
    dated.sort_by_key(|e| (e.0, e.1, events.key(e.2)));
    // Panels: a new one where the next start is more than GAP_DAYS after every end so far.
    let mut groups: Vec<Vec<(i64, Option<i64>, usize)>> = Vec::new();
    let mut reach = i64::MIN;
    for e in dated {
        if groups.is_empty() || e.0 > reach.saturating_add(GAP_DAYS) {
            groups.push(Vec::new());
        }
        reach = reach.max(e.1.unwrap_or(e.0));
        groups.last_mut().unwrap().push(e);
    }
    let panels = groups.into_iter().map(|g| panel(events, g)).collect();
    (panels, undated)
}

fn panel(events: &Tab, g: Vec<(i64, Option<i64>, usize)>) -> Panel {
    // The panel runs from 1 January of its first year to 31 December of its last.
    let first_year = iso_date(g[0].0 as i32)[..4].parse::<i32>().unwrap_or(1970);
    let last = g.iter().map(|e| e.1.unwrap_or(e.0)).max().unwrap_or(g[0].0);
    let last_year = iso_date(last as i32)[..4]
        .parse::<i32>()
        .unwrap_or(first_year);
    let x0 = days_of(&format!("{first_year:04}-01-01")).unwrap_or(0);
    let x1 = days_of(&format!("{:04}-01-01", last_year + 1)).unwrap_or(x0 + 365);
    let day_px = PLOT_W / (x1 - x0) as f64;
    let r = |v: f64| (v * 1000.0).round() / 1000.0;
    let ticks = (first_year..=last_year + 1)
        .filter(|y| (last_year - first_year) < 12 || y % 5 == 0)
        .map(|y| Tick {
            x: r(LEFT + (days_of(&format!("{y:04}-01-01")).unwrap_or(x0) - x0) as f64 * day_px),
            label: y.to_string(),
        })
        .collect();
    let bars: Vec<Bar> = g
        .iter()
        .enumerate()
        .map(|(i, &(s, e, row))| {
            // date_end is the last day the date can mean, so a bar covers it whole.
            let end = e.map_or(x1, |e| e + 1);
            let x = LEFT + (s - x0) as f64 * day_px;
            let w = (end - s) as f64 * day_px;
            let g = |c: &str| events.get(row, c).unwrap_or("").to_string();
            Bar {
                id: events.key(row),
                href: events.home(row),
                start: g("date_start"),
                end: g("date_end"),
                date: g("date"),
                precision: g("date_precision"),
                label: super::data::short(&events.label(row), 70),
                x: r(x),
                y: 30.0 + i as f64 * LANE,
                w: r(w),
                open_end: e.is_none(),
                text_x: LEFT + PLOT_W + 12.0,
            }
        })
        .collect();
    Panel {
        x0: iso_date(x0 as i32),
        x1: iso_date(x1 as i32),
        day_px: (day_px * 1e9).round() / 1e9,
        width: LEFT + PLOT_W + LABEL_W,
        height: 40.0 + bars.len() as f64 * LANE,
        label: if first_year == last_year {
            first_year.to_string()
        } else {
            format!("{first_year}–{last_year}")
        },
        ticks,
        bars,
    }
}
