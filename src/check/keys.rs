//! Primary keys, unique columns and foreign keys, as declared in the schemas.

use crate::diag::{Code, Diags, Loc};
use crate::model::{Project, Tables};
use crate::value::Value;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// One column of a key, borrowed from the row (no copy, no reference count).
#[derive(Clone, PartialEq, Eq, Hash)]
enum KeyPart<'a> {
    Absent,
    Str(&'a str),
    Int(i64),
    Text(String),
}

impl<'a> KeyPart<'a> {
    fn of(v: &'a Value) -> Option<KeyPart<'a>> {
        Some(match v {
            Value::Null => return None,
            Value::Str(s) => KeyPart::Str(s),
            Value::Int(i) => KeyPart::Int(*i),
            other => KeyPart::Text(other.to_text()),
        })
    }
    fn text(&self) -> String {
        match self {
            KeyPart::Absent => String::new(),
            KeyPart::Str(s) => s.to_string(),
            KeyPart::Int(i) => i.to_string(),
            KeyPart::Text(t) => t.clone(),
        }
    }
}

/// A key of up to three columns (every key of the schemas) is held inline; longer
/// ones in a vector.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key<'a> {
    Small([KeyPart<'a>; 3]),
    Long(Vec<KeyPart<'a>>),
}

impl<'a> Key<'a> {
    /// The row's values in `idx`; None when one of them is null.
    fn of(row: &'a [Value], idx: &[usize]) -> Option<Key<'a>> {
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
    fn parts(&self) -> &[KeyPart<'a>] {
        match self {
            Key::Small(k) => {
                let n = k.iter().take_while(|p| **p != KeyPart::Absent).count();
                &k[..n]
            }
            Key::Long(k) => k,
        }
    }
    fn text(&self) -> String {
        self.parts()
            .iter()
            .map(KeyPart::text)
            .collect::<Vec<_>>()
            .join("+")
    }
}

/// Primary keys, unique columns and foreign keys, as declared in the schemas. Each key
/// and each foreign key is checked on its own, on all cores.
pub fn check_keys(p: &Project, tables: &Tables, diags: &mut Diags) {
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
            let t = &p.schemas.get(&fk.table)?;
            Some((
                fk.table.as_str(),
                fk.ref_fields.iter().filter_map(|n| t.index(n)).collect(),
            ))
        })
        .collect();
    let mut unique_jobs = Vec::new();
    for (name, (rows, _)) in tables {
        let schema = &p.schemas[*name];
        let mut uniques: Vec<Vec<usize>> = vec![schema.primary_key.clone()];
        uniques.extend(
            schema
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.unique)
                .map(|(i, _)| vec![i]),
        );
        uniques.dedup();
        unique_jobs.extend(uniques.into_iter().map(|idx| (*name, schema, rows, idx)));
    }
    let checked: Vec<(Diags, Option<KeySet>)> = unique_jobs
        .into_par_iter()
        .map(|(name, schema, rows, idx)| {
            let mut found = Diags::default();
            let mut seen: KeyMap = KeyMap::with_capacity_and_hasher(rows.len(), Default::default());
            for (r, row) in rows.iter().enumerate() {
                let Some(key) = Key::of(row, &idx) else {
                    continue;
                };
                if let Some(&first) = seen.get(&key) {
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
                } else {
                    seen.insert(key, r);
                }
            }
            let kept = targets
                .contains(&(name, idx.clone()))
                .then_some(((name, idx), seen));
            (found, kept)
        })
        .collect();
    let mut keysets: HashMap<(&str, Vec<usize>), KeyMap> = HashMap::new();
    for (found, kept) in checked {
        diags.0.extend(found.0);
        keysets.extend(kept);
    }
    let fk_jobs: Vec<_> = tables
        .iter()
        .flat_map(|(name, (rows, _))| {
            let schema = &p.schemas[*name];
            schema
                .foreign_keys
                .iter()
                .map(move |fk| (*name, schema, rows, fk))
        })
        .collect();
    let found: Vec<Diags> = fk_jobs
        .into_par_iter()
        .map(|(name, schema, rows, fk)| {
            let mut found = Diags::default();
            let target = &p.schemas[&fk.table];
            let ref_idx: Vec<usize> = fk
                .ref_fields
                .iter()
                .filter_map(|n| target.index(n))
                .collect();
            let Some(set) = keysets.get(&(fk.table.as_str(), ref_idx)) else {
                found.push(
                    Loc::file_only(&format!("schemas/{name}.json")),
                    Code::Schema,
                    format!(
                        "foreign key to {}{:?} is not a primary or unique key",
                        fk.table, fk.ref_fields
                    ),
                );
                return found;
            };
            if p.broken_tables.contains(&fk.table) {
                return found; // its file could not be read, which is reported already
            }
            for (r, row) in rows.iter().enumerate() {
                let Some(key) = Key::of(row, &fk.fields) else {
                    continue;
                };
                if set.contains_key(&key) {
                    continue;
                }
                if fk.table == "documents" && p.broken_docs.contains(&key.parts()[0].text()) {
                    continue;
                }
                let field = &schema.fields[fk.fields[0]].name;
                found.push(
                    loc(name, r, field),
                    Code::ForeignKey,
                    format!(
                        "{name}.{field} = '{}' matches no {}.{}",
                        key.text(),
                        fk.table,
                        fk.ref_fields.join("+")
                    ),
                );
            }
            found
        })
        .collect();
    for f in found {
        diags.0.extend(f.0);
    }
}

/// FxHash (as in rustc): keys are trusted ids, so a fast non-cryptographic hash is fine.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type KeyMap<'a> = HashMap<Key<'a>, usize, std::hash::BuildHasherDefault<Fx>>;
/// A key kept for the foreign keys that point at it: (table, columns) and its rows.
type KeySet<'a> = ((&'a str, Vec<usize>), KeyMap<'a>);
