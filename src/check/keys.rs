//! Primary keys, unique columns and foreign keys, as declared in the schemas.

use super::ledger::{is_held, joined_into, ref_columns, shown, unique_keys, Ledger};
use crate::diag::{Code, Diags, Loc};
use crate::model::{Project, Tables};
use crate::value::{Cell, Cells, Value};
use foldhash::fast::FixedState;
use rayon::prelude::*;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// One column of a key, borrowed from the row (no copy, no reference count).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum KeyPart<'a> {
    Absent,
    Str(&'a str),
    Int(i64),
    Text(String),
}

impl<'a> KeyPart<'a> {
    fn of(v: &'a Value) -> Option<KeyPart<'a>> {
        Some(match v.view() {
            Cell::Null => return None,
            Cell::Str(s) => KeyPart::Str(s),
            Cell::Int(i) => KeyPart::Int(i),
            _ => KeyPart::Text(v.to_text()),
        })
    }
    /// Appends the part's text: keys are joined for millions of rows, so no part
    /// makes a string of its own.
    pub(super) fn write_to(&self, out: &mut String) {
        match self {
            KeyPart::Absent => {}
            KeyPart::Str(s) => out.push_str(s),
            KeyPart::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            KeyPart::Text(t) => out.push_str(t),
        }
    }
}

/// A key of up to three columns (every key of the schemas) is held inline; longer
/// ones in a vector.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum Key<'a> {
    Small([KeyPart<'a>; 3]),
    Long(Vec<KeyPart<'a>>),
}

impl<'a> Key<'a> {
    /// The row's values in `idx`; None when one of them is null.
    pub(super) fn of(row: &'a [Value], idx: &[usize]) -> Option<Key<'a>> {
        if idx.len() <= 3 {
            let mut k = [KeyPart::Absent, KeyPart::Absent, KeyPart::Absent];
            for (slot, &i) in k.iter_mut().zip(idx) {
                *slot = KeyPart::of(&row[i])?;
            }
            Some(Key::Small(k))
        } else {
            idx.iter()
                .map(|&i| KeyPart::of(&row[i]))
                .collect::<Option<_>>()
                .map(Key::Long)
        }
    }
    pub(super) fn parts(&self) -> &[KeyPart<'a>] {
        match self {
            Key::Small(k) => {
                let n = k.iter().take_while(|p| **p != KeyPart::Absent).count();
                &k[..n]
            }
            Key::Long(k) => k,
        }
    }
    /// The key's cells joined by `sep`, appended to `out`.
    pub(super) fn write_joined(&self, sep: char, out: &mut String) {
        for (i, part) in self.parts().iter().enumerate() {
            if i > 0 {
                out.push(sep);
            }
            part.write_to(out);
        }
    }
    fn text(&self) -> String {
        let mut out = String::new();
        self.write_joined('+', &mut out);
        out
    }
}

/// The rows of a table by one of its keys, held compactly: by the key's hash, to the
/// first row with it; a row whose key shares a hash with a different key (rare) goes to
/// a map by the key itself. At corpus scale a map by whole keys held ten times the bytes.
struct KeyIndex<'a> {
    rows: &'a [Cells],
    idx: Vec<usize>,
    by_hash: HashMap<u64, u32, FixedState>,
    collided: HashMap<Key<'a>, usize, FixedState>,
    /// The key's hash; a field only so the unit test can give every key the same hash.
    hash: fn(&Key) -> u64,
}

impl<'a> KeyIndex<'a> {
    /// An index for up to `capacity` keys before it grows (clearing it costs as much).
    fn new(rows: &'a [Cells], idx: Vec<usize>, capacity: usize) -> Self {
        KeyIndex {
            by_hash: HashMap::with_capacity_and_hasher(capacity, Default::default()),
            collided: HashMap::default(),
            rows,
            idx,
            hash: |key| FixedState::default().hash_one(key),
        }
    }
    /// Forgets every key (keeping the memory).
    fn clear(&mut self) {
        self.by_hash.clear();
        self.collided.clear();
    }
    /// The first row with `key`.
    fn get(&self, key: &Key<'a>) -> Option<usize> {
        let first = *self.by_hash.get(&(self.hash)(key))? as usize;
        if Key::of(&self.rows[first], &self.idx).as_ref() == Some(key) {
            Some(first)
        } else {
            self.collided.get(key).copied()
        }
    }
    /// Adds row `r` with `key`, or returns the first row that already has it.
    fn insert(&mut self, key: &Key<'a>, r: usize) -> Option<usize> {
        match self.by_hash.entry((self.hash)(key)) {
            Entry::Vacant(e) => {
                e.insert(u32::try_from(r).expect("fewer than 4 billion rows in a table"));
                None
            }
            Entry::Occupied(e) => {
                let first = *e.get() as usize;
                if Key::of(&self.rows[first], &self.idx).as_ref() == Some(key) {
                    return Some(first);
                }
                match self.collided.entry(key.clone()) {
                    Entry::Vacant(e) => {
                        e.insert(r);
                        None
                    }
                    Entry::Occupied(e) => Some(*e.get()),
                }
            }
        }
    }
}

/// A reference one run of tables could not resolve itself: looked up again once every
/// document is through.
pub struct Pending {
    /// The table and column that refer, the target and its key columns.
    table: String,
    field: String,
    target: String,
    ref_fields: Vec<String>,
    ref_cols: Vec<usize>,
    /// The key's cells, joined as the ledger holds them.
    key: String,
    loc: Loc,
}

/// Primary keys, unique columns and foreign keys of one run of tables (a document's,
/// or the registry's), as declared in the schemas. Keys held corpus-wide (`is_held`) are
/// checked for uniqueness in the ledger, across the corpus; the others here. A reference
/// the run does not resolve is looked up in `ledgers`, and one not there yet is
/// returned, to be looked up again when all documents are in. `broken` lists tables that could not be
/// read: references into them are not reported (their own error says what is wrong).
pub fn check_keys(
    p: &Project,
    tables: &Tables,
    ledgers: &[&Ledger],
    broken: &[String],
    diags: &mut Diags,
) -> Vec<Pending> {
    let loc = |table: &str, r: usize, field: &str| -> Loc {
        tables[table].1.get(r).map_or_else(
            || Loc::file_only(&format!("schemas/{table}.json")),
            |c| c.row.origin.at(field),
        )
    };
    // Keys some foreign key points at; only these are kept once checked for uniqueness.
    let targets: HashSet<(&str, Vec<usize>)> = p
        .schemas
        .values()
        .flat_map(|s| s.foreign_keys.iter())
        .filter_map(|fk| {
            Some((
                fk.table.as_str(),
                ref_columns(fk, p.schemas.get(&fk.table)?),
            ))
        })
        .collect();
    let mut unique_jobs = Vec::new();
    for (name, (rows, _)) in tables {
        let schema = &p.schemas[*name];
        unique_jobs.extend(
            unique_keys(schema)
                .into_iter()
                .map(|idx| (*name, schema, rows, idx)),
        );
    }
    let checked: Vec<(Diags, Option<KeySet>)> = unique_jobs
        .into_par_iter()
        .map(|(name, schema, rows, idx)| {
            let mut found = Diags::default();
            let target = targets.contains(&(name, idx.clone()));
            let report = !is_held(schema, &idx);
            if !target && !report {
                return (found, None);
            }
            // A key no foreign key points at is checked run by run when its first column
            // splits the rows into runs that differ there (a document's rows, by their
            // document's id): a small index per run stays in cache, where one index of a
            // million keys missed it at every insert.
            let whole = std::iter::once(0..rows.len()).collect();
            let runs = match target {
                true => whole,
                false => runs(rows, idx[0]).unwrap_or(whole),
            };
            let longest = runs.iter().map(|r| r.len()).max().unwrap_or(0);
            let mut seen = KeyIndex::new(rows, idx.clone(), longest);
            for run in runs {
                seen.clear();
                let found = report.then_some(&mut found);
                check_unique(name, schema, &idx, run, &mut seen, &loc, found);
            }
            let kept = target.then_some(((name, idx), seen));
            (found, kept)
        })
        .collect();
    let mut keysets: HashMap<(&str, Vec<usize>), KeyIndex> = HashMap::new();
    for (found, kept) in checked {
        diags.0.extend(found.0);
        keysets.extend(kept);
    }
    // One job per table, checking all its foreign keys in one pass over its rows (each
    // row is read once, not once per foreign key).
    let pending: Vec<Vec<Pending>> = tables
        .par_iter()
        .map(|(name, (rows, _))| {
            let mut pending = Vec::new();
            let schema = &p.schemas[*name];
            let mut checks = Vec::new();
            for fk in &schema.foreign_keys {
                let target = &p.schemas[&fk.table];
                let ref_idx = ref_columns(fk, target);
                match keysets.get(&(fk.table.as_str(), ref_idx.clone())) {
                    // Reported once, by `foreign_key_targets`.
                    _ if !unique_keys(target).contains(&ref_idx) => {}
                    // A table that could not be read is reported already.
                    _ if broken.contains(&fk.table) => {}
                    set => checks.push((fk, set, ref_idx)),
                }
            }
            // The last key each foreign key found, by identity: a document's rows share
            // one copy of the ids they repeat (its own id above all), so most lookups are
            // answered without hashing or reading the string.
            let mut last_found: Vec<Option<&Cells>> = vec![None; checks.len()];
            let mut joined = String::new();
            for (r, row) in rows.iter().enumerate() {
                for ((fk, set, ref_idx), last) in checks.iter().zip(&mut last_found) {
                    let same = |a: &Cells| fk.fields.iter().all(|&i| a[i].is_identical(&row[i]));
                    if last.is_some_and(same) {
                        continue;
                    }
                    let Some(key) = Key::of(row, &fk.fields) else {
                        continue;
                    };
                    if set.is_some_and(|s| s.get(&key).is_some()) {
                        *last = Some(row);
                        continue;
                    }
                    joined.clear();
                    joined_into(&key, &mut joined);
                    let known =
                        |l: &&Ledger| l.contains_joined(&fk.table, ref_idx, &joined) == Some(true);
                    if ledgers.iter().any(known) {
                        *last = Some(row);
                        continue;
                    }
                    let field = &schema.fields[fk.fields[0]].name;
                    pending.push(Pending {
                        table: name.to_string(),
                        field: field.clone(),
                        target: fk.table.clone(),
                        ref_fields: fk.ref_fields.clone(),
                        ref_cols: ref_idx.clone(),
                        key: joined.clone(),
                        loc: loc(name, r, field),
                    });
                }
            }
            pending
        })
        .collect();
    pending.into_iter().flatten().collect()
}

/// A foreign key must point at a primary or unique key of its target: reported once, for
/// the schemas.
pub fn foreign_key_targets(p: &Project, diags: &mut Diags) {
    for s in p.schemas.values() {
        for fk in &s.foreign_keys {
            let target = &p.schemas[&fk.table];
            if !unique_keys(target).contains(&ref_columns(fk, target)) {
                diags.push(
                    Loc::file_only(&format!("schemas/{}.json", s.name)),
                    Code::Schema,
                    format!(
                        "foreign key to {}{:?} is not a primary or unique key",
                        fk.table, fk.ref_fields
                    ),
                );
            }
        }
    }
}

/// Reports the references no run resolved and the ledger, with every document in,
/// still does not hold (unless their target could not be read, or is a document that
/// could not be read).
pub fn resolve(
    pending: Vec<Pending>,
    ledger: &Ledger,
    broken_tables: &[String],
    broken_docs: &[String],
    diags: &mut Diags,
) {
    for r in pending {
        if ledger.contains_joined(&r.target, &r.ref_cols, &r.key) == Some(true)
            || broken_tables.contains(&r.target)
            || (r.target == "documents" && broken_docs.contains(&r.key))
        {
            continue;
        }
        diags.push(
            r.loc,
            Code::ForeignKey,
            format!(
                "{}.{} = '{}' matches no {}.{}",
                r.table,
                r.field,
                shown(&r.key),
                r.target,
                r.ref_fields.join("+")
            ),
        );
    }
}

/// Reports the rows of `run` whose key `idx` an earlier row of the run has.
fn check_unique<'a>(
    name: &str,
    schema: &crate::schema::Schema,
    idx: &[usize],
    run: std::ops::Range<usize>,
    seen: &mut KeyIndex<'a>,
    loc: &dyn Fn(&str, usize, &str) -> Loc,
    mut found: Option<&mut Diags>,
) {
    let rows = seen.rows;
    for r in run {
        let Some(key) = Key::of(&rows[r], idx) else {
            continue;
        };
        if let (Some(first), Some(found)) = (seen.insert(&key, r), found.as_deref_mut()) {
            let names: Vec<&str> = idx
                .iter()
                .map(|&i| schema.fields[i].name.as_str())
                .collect();
            found.push(
                loc(name, r, names[0]),
                Code::DuplicateKey,
                format!(
                    "{name}: {} = {} is used twice (first at {})",
                    names.join("+"),
                    key.text(),
                    loc(name, first, names[0])
                ),
            );
        }
    }
}

/// The rows split into runs of one string value in column `col` (by identity, as a
/// document's rows share its id), when no two runs have equal values there, so no key
/// starting with that column can repeat across runs; None otherwise.
fn runs(rows: &[Cells], col: usize) -> Option<Vec<std::ops::Range<usize>>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut values: HashSet<&str, FixedState> = HashSet::default();
    for (r, row) in rows.iter().enumerate() {
        match out.last_mut() {
            Some(run) if rows[run.start][col].is_identical(&row[col]) => run.end = r + 1,
            _ => {
                if !values.insert(row[col].as_str()?) {
                    return None;
                }
                out.push(r..r + 1);
            }
        }
    }
    Some(out)
}

/// A key kept for the foreign keys that point at it: (table, columns) and its rows.
type KeySet<'a> = ((&'a str, Vec<usize>), KeyIndex<'a>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_split_into_runs_only_when_no_value_comes_back() {
        let (a, b) = (Value::str("doc-a".into()), Value::str("doc-b".into()));
        let row = |v: &Value| -> Cells { Box::new([v.clone()]) };
        let rows = vec![row(&a), row(&a), row(&b), row(&b), row(&b)];
        assert_eq!(runs(&rows, 0), Some(vec![0..2, 2..5]));
        // `doc-a` again after `doc-b`, as the same or as an equal copy: a key could repeat
        // across the two runs, so the table is checked whole.
        let back = vec![row(&a), row(&b), row(&a)];
        assert_eq!(runs(&back, 0), None);
        let copy = vec![row(&a), row(&b), row(&Value::str("doc-a".into()))];
        assert_eq!(runs(&copy, 0), None);
        // A null or a number there: checked whole.
        assert_eq!(runs(&[row(&a), row(&Value::NULL)], 0), None);
        assert_eq!(runs(&[row(&Value::int(1))], 0), None);
        assert_eq!(runs(&[], 0), Some(vec![]));
    }

    #[test]
    fn a_key_is_joined_as_its_cells_are_written() {
        let row: Cells = Box::new([
            Value::str("ev-0001".into()),
            Value::int(i64::MIN),
            Value::int(-7),
            Value::bool(true),
            Value::str("é/x".into()),
        ]);
        let joined = |idx: &[usize]| {
            let mut out = String::from("kept:");
            Key::of(&row, idx).unwrap().write_joined('+', &mut out);
            out
        };
        assert_eq!(joined(&[0]), "kept:ev-0001");
        assert_eq!(joined(&[0, 1, 2]), "kept:ev-0001+-9223372036854775808+-7");
        // Four cells or more are held in a vector, and other types by their text.
        assert_eq!(joined(&[2, 3, 4, 0]), "kept:-7+true+é/x+ev-0001");
        assert_eq!(
            Key::of(&row, &[1, 3]).unwrap().text(),
            "-9223372036854775808+true"
        );
    }

    #[test]
    fn keys_that_share_a_hash_are_still_told_apart() {
        let row = |id: &str| -> Cells { Box::new([Value::str(id.into())]) };
        let rows = vec![row("a"), row("b"), row("a"), row("b"), row("c")];
        let mut index = KeyIndex::new(&rows, vec![0], rows.len());
        index.hash = |_| 7;
        let key = |r: usize| Key::of(&rows[r], &[0]).unwrap();
        let firsts: Vec<Option<usize>> =
            (0..rows.len()).map(|r| index.insert(&key(r), r)).collect();
        assert_eq!(firsts, vec![None, None, Some(0), Some(1), None]);
        assert_eq!(index.get(&key(3)), Some(1));
        assert_eq!(index.get(&key(4)), Some(4));
        let other = [row("d")];
        assert_eq!(index.get(&Key::of(&other[0], &[0]).unwrap()), None);
    }
}
