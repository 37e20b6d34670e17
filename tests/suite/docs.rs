//! The README documents what the code does: its table of diagnostic codes lists exactly
//! the codes the pipeline can report.

use super::common::manifest;
use kdata::diag::Code;
use std::collections::{BTreeMap, BTreeSet};

/// The body rows of the README table whose header starts with `header`, as cells.
fn readme_table(header: &str) -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(manifest().join("README.md")).unwrap();
    let start = readme
        .find(header)
        .unwrap_or_else(|| panic!("the README has a table headed {header}"));
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
        .collect()
}

/// The names a cell lists, separated by commas, without their backticks.
fn names(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split(',')
        .map(|c| c.trim().trim_matches('`').to_string())
        .filter(|c| !c.is_empty() && c != "—")
}

#[test]
fn readme_lists_every_diagnostic_code_and_no_other() {
    let documented: BTreeSet<String> = readme_table("| code | rule |")
        .iter()
        .flat_map(|cells| names(&cells[1]).collect::<Vec<_>>())
        .collect();
    let known: BTreeSet<String> = Code::ALL.iter().map(|c| c.name().to_string()).collect();
    assert_eq!(
        documented, known,
        "README codes (left) vs Code::ALL (right)"
    );
}

/// The stages a module of `src/` imports (`crate::<stage>` anywhere in its files).
fn imports_in_source(stages: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let src = manifest().join("src");
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("bin") {
                    stack.push(path);
                }
                continue;
            }
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            if !stages.contains(&module) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // `crate::a::…` and `crate::{a, b::…}`.
            let mut named: Vec<&str> = Vec::new();
            for part in text.split("crate::").skip(1) {
                match part.strip_prefix('{') {
                    Some(group) => named.extend(
                        group[..group.find('}').unwrap_or(group.len())]
                            .split(',')
                            .map(|g| {
                                g.trim()
                                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                                    .next()
                                    .unwrap_or("")
                            }),
                    ),
                    None => named.push(
                        part.split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                            .unwrap_or(""),
                    ),
                }
            }
            let entry = deps.entry(module.clone()).or_default();
            entry.extend(
                named
                    .into_iter()
                    .filter(|n| *n != module && stages.iter().any(|s| s == n))
                    .map(str::to_string),
            );
        }
    }
    deps
}

#[test]
fn readme_lists_each_stage_s_imports_and_they_form_no_cycle() {
    let documented: BTreeMap<String, BTreeSet<String>> = readme_table("| module | its one job |")
        .iter()
        .map(|cells| {
            let module = cells[1].trim_matches('`').to_string();
            (module, names(&cells[cells.len() - 2]).collect())
        })
        .collect();
    let stages: Vec<String> = documented.keys().cloned().collect();
    let mut found = imports_in_source(&stages);
    for s in &stages {
        found.entry(s.clone()).or_default();
    }
    assert_eq!(documented, found, "README (left) vs the source (right)");
    // No module reaches itself through the modules it imports.
    for start in &stages {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = found[start].iter().collect();
        while let Some(m) = todo.pop() {
            assert_ne!(m, start, "{start} imports itself through {m}");
            if seen.insert(m) {
                todo.extend(found[m].iter());
            }
        }
    }
}
