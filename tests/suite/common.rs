//! Helpers shared by the end-to-end tests: a scratch copy of the fictional fixture
//! project, the real binary, snapshots of output folders and text edits.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const DOC: &str = "raw/documents/example-2020-front";

/// A scratch copy of the fixture project (with the real schemas), removed on drop.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let meta = fs::metadata(&p).unwrap();
        if meta.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

pub fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scratch(name: &str) -> Scratch {
    scratch_of("mini", name)
}

/// A scratch copy of the fixture project `tests/fixtures/<fixture>`.
pub fn scratch_of(fixture: &str, name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("kdata-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let from = manifest().join("tests/fixtures").join(fixture);
    copy_dir(&from.join("raw"), &dir.join("raw"));
    copy_dir(&manifest().join("schemas"), &dir.join("schemas"));
    fs::copy(from.join("CITATION.cff"), dir.join("CITATION.cff")).unwrap();
    Scratch { dir }
}

pub fn kdata(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kdata"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue; // the lock file
            } else if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

pub fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} does not contain {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}
