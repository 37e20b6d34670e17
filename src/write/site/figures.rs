//! Figures side by side: estimates of the same quantity (same subject, unit and rate)
//! drawn on one scale, each as a point, a range, or an open bound.

use super::data::{number_phrase, Tab};
use serde::Serialize;
use std::collections::BTreeMap;

const PLOT_W: f64 = 420.0;
const ROW_H: f64 = 26.0;

#[derive(Serialize)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub max: String,
    pub height: f64,
    pub rows: Vec<Mark>,
}

#[derive(Serialize)]
pub struct Mark {
    pub id: String,
    pub href: String,
    pub label: String,
    pub short: String,
    pub phrase: String,
    pub y: f64,
    /// Solid bar from 0 to the value (exact or approximate values).
    pub value_w: Option<f64>,
    /// A range, or a lower bound running open to the right.
    pub range: Option<(f64, f64)>,
    pub open_right: bool,
    /// An upper bound only: a dashed bar from 0.
    pub upto_w: Option<f64>,
}

/// The grouping key of a figure: who or where it is about, its unit and its rate.
pub fn group_key(t: &Tab, r: usize) -> String {
    let g = |c: &str| t.get(r, c).unwrap_or("");
    let about = [g("subject_actor_id"), g("place_id")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("general");
    format!("{about}~{}~{}", g("unit"), g("per"))
}

/// Every group of figures (one row or more), keyed by `group_key`.
pub fn groups(t: &Tab, name_of: &dyn Fn(&str) -> String) -> BTreeMap<String, Group> {
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for r in 0..t.rows.len() {
        members.entry(group_key(t, r)).or_default().push(r);
    }
    members
        .into_iter()
        .map(|(key, rows)| {
            let num = |r: usize, c: &str| t.get(r, c).and_then(|v| v.parse::<f64>().ok());
            let max = rows
                .iter()
                .flat_map(|&r| {
                    [
                        num(r, "value"),
                        num(r, "lower_bound"),
                        num(r, "upper_bound"),
                    ]
                })
                .flatten()
                .fold(0.0f64, f64::max);
            let scale = if max > 0.0 {
                PLOT_W / (max * 1.15)
            } else {
                1.0
            };
            let px = |v: f64| (v * scale * 10.0).round() / 10.0;
            let marks = rows
                .iter()
                .enumerate()
                .map(|(i, &r)| {
                    let (v, lo, hi) = (
                        num(r, "value"),
                        num(r, "lower_bound"),
                        num(r, "upper_bound"),
                    );
                    let mut m = Mark {
                        id: t.key(r),
                        href: t.home(r),
                        label: t.get(r, "measure").unwrap_or("").to_string(),
                        short: super::data::short(t.get(r, "measure").unwrap_or(""), 58),
                        phrase: number_phrase(t, r),
                        y: 6.0 + i as f64 * ROW_H,
                        value_w: None,
                        range: None,
                        open_right: false,
                        upto_w: None,
                    };
                    match (v, lo, hi) {
                        (Some(v), _, _) => m.value_w = Some(px(v)),
                        (None, Some(l), Some(h)) => m.range = Some((px(l), px(h))),
                        (None, Some(l), None) => {
                            m.range = Some((px(l), PLOT_W));
                            m.open_right = true;
                        }
                        (None, None, Some(h)) => m.upto_w = Some(px(h)),
                        _ => {}
                    }
                    m
                })
                .collect::<Vec<_>>();
            let mut parts = key.splitn(3, '~');
            let (about, unit, per) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let title = format!(
                "{}: {unit}{}",
                name_of(about),
                if per.is_empty() {
                    String::new()
                } else {
                    format!(" per {per}")
                }
            );
            let g = Group {
                id: super::data::file_safe(&key.replace('~', "-")),
                title,
                max: format!("{max}"),
                height: 12.0 + marks.len() as f64 * ROW_H,
                rows: marks,
            };
            (key, g)
        })
        .collect()
}
