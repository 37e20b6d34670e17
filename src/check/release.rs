//! Rules a release must keep beyond a valid build: the versioning rules (the bump from
//! the previous release is at least what the changes require) and a curator's reason
//! for every changed or removed row of a released table.
//!
//! Versioning (semantic, applied to the data):
//! - MAJOR: a table or column removed or renamed, a column's type changed, an allowed
//!   value removed from an enum, or a primary key changed: users' code may break.
//! - MINOR: a table, column or allowed value added, or rows added or removed (removed
//!   ids are retired, never reused).
//! - PATCH: only values of existing rows changed.

use crate::diag::{Code, Diags, Loc};
use crate::diff::TableDiff;
use crate::model::{Project, Version};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

/// The smallest bump the changes from `old` to `new` allow, with why.
pub fn required(old: &Version, new: &Version, diffs: &[TableDiff]) -> (Bump, Vec<String>) {
    let mut why = Vec::new();
    let mut at = |b: Bump, w: String, level: &mut Bump| {
        if b > *level {
            *level = b;
        }
        why.push(w);
    };
    let mut level = Bump::None;
    for (name, o) in &old.tables {
        let Some(n) = new.tables.get(name) else {
            at(Bump::Major, format!("table {name} removed"), &mut level);
            continue;
        };
        if o.key != n.key {
            at(
                Bump::Major,
                format!("{name}: primary key changed"),
                &mut level,
            );
        }
        for (i, c) in o.columns.iter().enumerate() {
            let Some(j) = n.columns.iter().position(|x| x == c) else {
                at(Bump::Major, format!("{name}.{c} removed"), &mut level);
                continue;
            };
            let (Some((ot, ov)), Some((nt, nv))) = (o.types.get(i), n.types.get(j)) else {
                continue;
            };
            if ot != nt {
                at(
                    Bump::Major,
                    format!("{name}.{c}: type {ot} → {nt}"),
                    &mut level,
                );
            }
            if let (Some(ov), Some(nv)) = (ov, nv) {
                let gone: Vec<&String> = ov.iter().filter(|v| !nv.contains(v)).collect();
                if !gone.is_empty() {
                    at(
                        Bump::Major,
                        format!("{name}.{c}: values removed: {gone:?}"),
                        &mut level,
                    );
                }
                if nv.iter().any(|v| !ov.contains(v)) {
                    at(Bump::Minor, format!("{name}.{c}: values added"), &mut level);
                }
            }
        }
        if n.columns.iter().any(|c| !o.columns.contains(c)) {
            at(Bump::Minor, format!("{name}: columns added"), &mut level);
        }
    }
    for name in new.tables.keys().filter(|n| !old.tables.contains_key(*n)) {
        at(Bump::Minor, format!("table {name} added"), &mut level);
    }
    for d in diffs {
        if !d.added.is_empty() || !d.removed.is_empty() {
            at(
                Bump::Minor,
                format!("{}: rows added or removed", d.table),
                &mut level,
            );
        }
        if !d.changed.is_empty() {
            at(
                Bump::Patch,
                format!("{}: values changed", d.table),
                &mut level,
            );
        }
    }
    (level, why)
}

/// The bump from one version number to the next.
pub fn bump_between(old: &str, new: &str) -> Option<Bump> {
    let parse = |v: &str| -> Option<[u64; 3]> {
        let p: Vec<u64> = v
            .split('.')
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        p.try_into().ok()
    };
    let (o, n) = (parse(old)?, parse(new)?);
    Some(if n[0] > o[0] {
        Bump::Major
    } else if n[0] == o[0] && n[1] > o[1] {
        Bump::Minor
    } else if n[..2] == o[..2] && n[2] > o[2] {
        Bump::Patch
    } else {
        Bump::None
    })
}

/// Checks a release of `new` against the previous release, if there is one.
pub fn check(p: &Project, new: &Version, diags: &mut Diags) {
    let Some(old) = &p.released.previous else {
        return;
    };
    let diffs = crate::diff::diff(old, new);
    let meta = Loc::file_only("raw/dataset.toml");
    let (need, why) = required(old, new, &diffs);
    match bump_between(&old.version, &new.version) {
        Some(b) if b >= need => {}
        Some(_) | None => diags.push(
            meta,
            Code::Version,
            format!(
                "version {} after {} is too small a step: the changes need a {:?} release ({})",
                new.version,
                old.version,
                need,
                why.join("; ")
            ),
        ),
    }
    let this = |v: &str| v == new.version;
    let reasoned: BTreeSet<(&str, &str)> = p
        .changes
        .iter()
        .filter(|(c, _)| this(&c.version))
        .map(|(c, _)| (c.table.as_str(), c.id.as_str()))
        .collect();
    let retired: BTreeSet<(&str, &str)> = p
        .retired
        .iter()
        .filter(|(r, _)| this(&r.version))
        .map(|(r, _)| (r.table.as_str(), r.id.as_str()))
        .collect();
    let changes_file = Loc::file_only("raw/changes.toml");
    for d in &diffs {
        for (k, cols) in &d.changed {
            if !reasoned.contains(&(d.table.as_str(), k.as_str())) {
                let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
                diags.push(
                    changes_file.clone(),
                    Code::Reason,
                    format!(
                        "{} '{k}' changed since {} ({}): say why in raw/changes.toml",
                        d.table,
                        old.version,
                        names.join(", ")
                    ),
                );
            }
        }
        for k in &d.removed {
            let key = (d.table.as_str(), k.as_str());
            if !reasoned.contains(&key) && !retired.contains(&key) {
                diags.push(changes_file.clone(), Code::Reason, format!("{} '{k}' was removed since {}: say why in raw/retired_ids.toml or raw/changes.toml", d.table, old.version));
            }
        }
    }
    // A reason must be about a row this version adds, changes or removes.
    let touched: BTreeSet<(&str, &str)> = diffs
        .iter()
        .flat_map(|d| {
            d.added
                .iter()
                .chain(&d.removed)
                .chain(d.changed.iter().map(|c| &c.0))
                .map(move |k| (d.table.as_str(), k.as_str()))
        })
        .collect();
    for (c, at) in p.changes.iter().filter(|(c, _)| this(&c.version)) {
        if !touched.contains(&(c.table.as_str(), c.id.as_str())) {
            diags.push(at.clone(), Code::Reason, format!("{} '{}' is not added, changed or removed in {}; drop the reason or fix its table and id", c.table, c.id, new.version));
        }
    }
}
