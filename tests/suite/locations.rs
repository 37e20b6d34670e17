//! Rows keep only their own position; where their keys were written is found again by
//! reading the file when a diagnostic asks, and only if the file is still the text that
//! was loaded.

use kdata::diag::Diags;
use std::path::Path;

const PLACES: &str = "[[places]]\nplace_id = \"kabul\"\nname = \"Kabul\"\n\n[[places]]\nplace_id = \"herat\"\n  name = \"Herat\"\n";

fn load(path: &Path) -> Vec<kdata::model::Row> {
    let schemas = kdata::load::load_schemas(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"),
        "schemas",
        &mut Diags::default(),
    );
    std::fs::write(path, PLACES).unwrap();
    let mut diags = Diags::default();
    let rows = kdata::load::rows::parse_rows(
        PLACES,
        path,
        "places.toml",
        &schemas["places"],
        &[],
        &mut Default::default(),
        &mut diags,
    );
    // (Required columns are missing; only the positions matter here.)
    assert_eq!(rows.len(), 2);
    rows
}

#[test]
fn a_key_is_located_where_it_was_written() {
    let path = std::env::temp_dir().join(format!("kdata-loc-{}.toml", std::process::id()));
    let rows = load(&path);
    let at = |r: usize, key: &str| rows[r].origin.at(key).to_string();
    assert_eq!(at(1, "name"), "places.toml:7:10");
    assert_eq!(at(0, "name"), "places.toml:3:8");
    assert_eq!(at(1, "place_id"), "places.toml:6:12");
    // A key the row does not have: the row itself (its first key).
    assert_eq!(at(1, "parent_place_id"), "places.toml:6:12");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_file_changed_after_loading_is_not_used_to_locate_keys() {
    let path = std::env::temp_dir().join(format!("kdata-loc-changed-{}.toml", std::process::id()));
    let rows = load(&path);
    std::fs::write(&path, format!("\n\n{PLACES}")).unwrap();
    // Its rows are located at their first key as loaded, not at lines of the new text.
    assert_eq!(rows[1].origin.at("name").to_string(), "places.toml:6:12");
    std::fs::remove_file(&path).unwrap();
}
