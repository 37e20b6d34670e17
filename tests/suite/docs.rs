//! The README documents what the code does: its table of diagnostic codes lists exactly
//! the codes the pipeline can report.

use super::common::manifest;
use kdata::diag::Code;
use std::collections::BTreeSet;

#[test]
fn readme_lists_every_diagnostic_code_and_no_other() {
    let readme = std::fs::read_to_string(manifest().join("README.md")).unwrap();
    let start = readme
        .find("| code | rule |")
        .expect("the README has a table of codes");
    let table: String = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect::<Vec<_>>()
        .join("\n");
    let documented: BTreeSet<String> = table
        .lines()
        .filter_map(|l| l.split('|').nth(1))
        .flat_map(|cell| {
            cell.split(',')
                .map(|c| c.trim().trim_matches('`').to_string())
        })
        .filter(|c| !c.is_empty())
        .collect();
    let known: BTreeSet<String> = Code::ALL.iter().map(|c| c.name().to_string()).collect();
    assert_eq!(
        documented, known,
        "README codes (left) vs Code::ALL (right)"
    );
}
