//! Primary keys, unique columns and foreign keys, as declared in the schemas.

use crate::diag::{Code, Diags, Loc};
use crate::model::{Project, Tables};
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One column of a key, hashed without copying text (ids are shared strings).
#[derive(Clone, PartialEq, Eq, Hash)]
enum KeyPart {
    Str(Arc<str>),
    Int(i64),
    Text(String),
}

impl KeyPart {
    fn of(v: &Value) -> Option<KeyPart> {
        Some(match v {
            Value::Null => return None,
            Value::Str(s) => KeyPart::Str(s.clone()),
            Value::Int(i) => KeyPart::Int(*i),
            other => KeyPart::Text(other.to_text()),
        })
    }
    fn text(&self) -> String {
        match self {
            KeyPart::Str(s) => s.to_string(),
            KeyPart::Int(i) => i.to_string(),
            KeyPart::Text(t) => t.clone(),
        }
    }
}

/// Primary keys, unique columns and foreign keys, as declared in the schemas.
pub fn check_keys(p: &Project, tables: &Tables, diags: &mut Diags) {
    let loc = |table: &str, r: usize, field: &str| -> Loc {
        tables[table].1.get(r).map_or_else(
            || Loc::file_only(&format!("schemas/{table}.json")),
            |c| c.row.origin.at(field),
        )
    };
    let text = |k: &[KeyPart]| k.iter().map(KeyPart::text).collect::<Vec<_>>().join("+");
    // Keys some foreign key points at; only these are kept once checked for uniqueness.
    let targets: HashSet<(&str, Vec<usize>)> = p
        .schemas
        .values()
        .flat_map(|s| s.foreign_keys.iter().map(move |fk| (s, fk)))
        .filter_map(|(_, fk)| {
            let t = &p.schemas.get(&fk.table)?;
            Some((
                fk.table.as_str(),
                fk.ref_fields.iter().filter_map(|n| t.index(n)).collect(),
            ))
        })
        .collect();
    let mut keysets: HashMap<(&str, Vec<usize>), KeySet> = HashMap::new();
    let mut key = Vec::new();
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
        for idx in uniques {
            let mut seen: KeyMap = KeyMap::with_capacity_and_hasher(rows.len(), Default::default());
            for (r, row) in rows.iter().enumerate() {
                if !key_of(row, &idx, &mut key) {
                    continue;
                }
                if let Some(&first) = seen.get(key.as_slice()) {
                    let names: Vec<&str> = idx
                        .iter()
                        .map(|&i| schema.fields[i].name.as_str())
                        .collect();
                    diags.push(
                        loc(name, r, names[0]),
                        Code::DuplicateKey,
                        format!(
                            "{name}: {} = {} is used twice (first at {})",
                            names.join("+"),
                            text(&key),
                            loc(name, first, names[0])
                        ),
                    );
                } else {
                    seen.insert(key.clone(), r);
                }
            }
            if targets.contains(&(*name, idx.clone())) {
                keysets.insert((name, idx), seen);
            }
        }
    }
    for (name, (rows, _)) in tables {
        let schema = &p.schemas[*name];
        for fk in &schema.foreign_keys {
            let target = &p.schemas[&fk.table];
            let ref_idx: Vec<usize> = fk
                .ref_fields
                .iter()
                .filter_map(|n| target.index(n))
                .collect();
            let Some(set) = keysets.get(&(fk.table.as_str(), ref_idx)) else {
                diags.push(
                    Loc::file_only(&format!("schemas/{name}.json")),
                    Code::Schema,
                    format!(
                        "foreign key to {}{:?} is not a primary or unique key",
                        fk.table, fk.ref_fields
                    ),
                );
                continue;
            };
            if p.broken_tables.contains(&fk.table) {
                continue; // its file could not be read, which is reported already
            }
            for (r, row) in rows.iter().enumerate() {
                if !key_of(row, &fk.fields, &mut key) || set.contains_key(key.as_slice()) {
                    continue;
                }
                if fk.table == "documents" && p.broken_docs.contains(&key[0].text()) {
                    continue;
                }
                let field = &schema.fields[fk.fields[0]].name;
                diags.push(
                    loc(name, r, field),
                    Code::ForeignKey,
                    format!(
                        "{name}.{field} = '{}' matches no {}.{}",
                        text(&key),
                        fk.table,
                        fk.ref_fields.join("+")
                    ),
                );
            }
        }
    }
}

/// Fills `key` with the row's values in `idx`; false when one of them is null.
fn key_of(row: &[Value], idx: &[usize], key: &mut Vec<KeyPart>) -> bool {
    key.clear();
    for &i in idx {
        match KeyPart::of(&row[i]) {
            Some(k) => key.push(k),
            None => return false,
        }
    }
    true
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

type KeyMap = HashMap<Vec<KeyPart>, usize, std::hash::BuildHasherDefault<Fx>>;
type KeySet = KeyMap;
