//! The bad-input corpus: each `tests/bad/<case>.toml` breaks the fictional fixture one
//! way a curator could; `tests/bad/<case>.stderr` is the exact expected diagnostic
//! output. Every case must exit with its code, print exactly its snapshot, and leave the
//! previous output byte for byte unchanged. `KDATA_BLESS=1` rewrites the snapshots.

use super::common::*;
use serde::Deserialize;
use std::fs;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The mistake, in a sentence.
    why: String,
    #[serde(default = "one")]
    exit: i32,
    #[serde(default)]
    edit: Vec<Edit>,
    #[serde(default)]
    write: Vec<Write>,
    #[serde(default)]
    remove: Vec<String>,
}

fn one() -> i32 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    find: String,
    replace: Option<String>,
    /// Raw bytes instead of text (for encodings).
    replace_bytes: Option<Vec<u8>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Write {
    file: String,
    text: Option<String>,
    bytes: Option<Vec<u8>>,
    /// Repeat `text` this many times (huge inputs without huge case files).
    repeat: Option<usize>,
    /// Add to the end of the file instead of replacing it.
    #[serde(default)]
    append: bool,
}

fn apply(root: &Path, case: &Case) {
    for e in &case.edit {
        let path = root.join(&e.file);
        let old = fs::read(&path).unwrap();
        let at = old
            .windows(e.find.len())
            .position(|w| w == e.find.as_bytes())
            .unwrap_or_else(|| panic!("{} lacks {:?}", e.file, e.find));
        let with: Vec<u8> = match (&e.replace, &e.replace_bytes) {
            (Some(t), None) => t.as_bytes().to_vec(),
            (None, Some(b)) => b.clone(),
            _ => panic!("edit needs replace or replace_bytes"),
        };
        let mut new = old[..at].to_vec();
        new.extend(with);
        new.extend(&old[at + e.find.len()..]);
        fs::write(path, new).unwrap();
    }
    for w in &case.write {
        let bytes = match (&w.text, &w.bytes) {
            (Some(t), None) => t.repeat(w.repeat.unwrap_or(1)).into_bytes(),
            (None, Some(b)) => b.clone(),
            _ => panic!("write needs text or bytes"),
        };
        let path = root.join(&w.file);
        let mut all = if w.append {
            fs::read(&path).unwrap()
        } else {
            Vec::new()
        };
        all.extend(bytes);
        fs::write(path, all).unwrap();
    }
    for r in &case.remove {
        let p = root.join(r);
        if p.is_dir() {
            fs::remove_dir_all(p).unwrap()
        } else {
            fs::remove_file(p).unwrap()
        }
    }
}

#[test]
fn every_bad_input_gets_its_exact_diagnostics_and_changes_nothing() {
    let dir = manifest().join("tests/bad");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "toml")
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 40, "only {} cases", names.len());
    let bless = std::env::var("KDATA_BLESS").is_ok();
    let mut failures = Vec::new();
    for name in &names {
        let case: Case =
            toml::from_str(&fs::read_to_string(dir.join(format!("{name}.toml"))).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!case.why.trim().is_empty());
        let s = scratch(&format!("bad-{name}"));
        let ok = kdata(&s.dir, &["build"]);
        assert!(ok.status.success(), "fixture must build: {}", stderr(&ok));
        let before = snapshot(&s.dir.join("output"));
        apply(&s.dir, &case);
        let out = kdata(&s.dir, &["build"]);
        let err = stderr(&out);
        let snap = dir.join(format!("{name}.stderr"));
        if bless {
            fs::write(&snap, &err).unwrap();
        }
        let want = fs::read_to_string(&snap).unwrap_or_default();
        if err != want {
            failures.push(format!(
                "{name}: stderr differs\n--- expected\n{want}--- got\n{err}"
            ));
        }
        if out.status.code() != Some(case.exit) {
            failures.push(format!(
                "{name}: exit {:?}, expected {}",
                out.status.code(),
                case.exit
            ));
        }
        if snapshot(&s.dir.join("output")) != before {
            failures.push(format!("{name}: the previous output changed"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}
