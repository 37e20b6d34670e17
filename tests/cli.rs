//! End-to-end tests of the real binary on a tiny fictional project (tests/fixtures/mini)
//! and on the real curation in raw/: every rule has a broken fixture with its exact
//! diagnostic, a non-zero exit and an untouched previous output.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DOC: &str = "raw/documents/example-2020-front";

/// A scratch copy of the fixture project (with the real schemas), removed on drop.
struct Scratch {
    dir: PathBuf,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
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

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("kdata-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    copy_dir(&manifest().join("tests/fixtures/mini/raw"), &dir.join("raw"));
    copy_dir(&manifest().join("schemas"), &dir.join("schemas"));
    fs::copy(manifest().join("tests/fixtures/mini/CITATION.cff"), dir.join("CITATION.cff")).unwrap();
    Scratch { dir }
}

fn kdata(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kdata")).arg("--root").arg(root).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
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
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} does not contain {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Builds the good fixture, breaks it, and checks the diagnostics, exit code and output.
fn broken(name: &str, breakage: impl Fn(&Path), expected: &[&str]) {
    let s = scratch(name);
    let ok = kdata(&s.dir, &["build"]);
    assert!(ok.status.success(), "fixture must build: {}", stderr(&ok));
    let before = snapshot(&s.dir.join("output"));
    assert!(!before.is_empty());
    breakage(&s.dir);
    let out = kdata(&s.dir, &["build"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{name}: exit code; stderr:\n{err}");
    for line in expected {
        assert!(err.lines().any(|l| l.starts_with(line)), "{name}: expected a line starting with\n  {line}\ngot:\n{err}");
    }
    assert!(err.ends_with("nothing was written\n"), "{err}");
    assert_eq!(snapshot(&s.dir.join("output")), before, "{name}: the previous output changed");
}

#[test]
fn fixture_builds_and_check_writes_nothing() {
    let s = scratch("ok");
    let out = kdata(&s.dir, &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!s.dir.join("output").exists());
    let out = kdata(&s.dir, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = fs::read_to_string(s.dir.join("output/mini-0.0.1/csv/figures.csv")).unwrap();
    assert!(csv.contains("ef-members"), "{csv}");
    // Page 2 starts at the space-led line after footnote 1 and the printed page number.
    let pages = fs::read_to_string(s.dir.join("output/mini-0.0.1/csv/pages.csv")).unwrap();
    assert_eq!(pages.lines().nth(2).unwrap(), "example-2020-front,2,138,238,");
}

#[test]
fn footnotes_and_pages_are_derived() {
    let s = scratch("derived");
    assert!(kdata(&s.dir, &["build"]).status.success());
    let rel = fs::read_to_string(s.dir.join("output/mini-0.0.1/csv/relations.csv")).unwrap();
    let row = rel.lines().nth(1).unwrap();
    // Page 2, footnote 2 (its marker ends the quoted sentence), date as a real interval.
    assert!(row.contains(",2017,2017-01-01,2017-12-31,year,asserted,,,example-2020-front,2,"), "{row}");
    assert!(row.ends_with(",The Sample Army fought EF in Testland in 2017.,2"), "{row}");
    let mentions = fs::read_to_string(s.dir.join("output/mini-0.0.1/csv/mentions.csv")).unwrap();
    assert_eq!(mentions.lines().filter(|l| l.contains(",ef,")).count(), 3, "{mentions}");
    assert!(mentions.contains("example-2020-front,5,18,1,body,,actor,example-front,example-front,Example Front"), "{mentions}");
}

#[test]
fn two_builds_are_byte_identical() {
    let s = scratch("twice");
    assert!(kdata(&s.dir, &["build", "--out", "a"]).status.success());
    assert!(kdata(&s.dir, &["build", "--out", "b"]).status.success());
    let (a, b) = (snapshot(&s.dir.join("a")), snapshot(&s.dir.join("b")));
    assert_eq!(a.len(), 14 * 2 + 6, "{:?}", a.keys());
    assert_eq!(a, b);
}

#[test]
fn real_dataset_builds_twice_identically() {
    let root = manifest();
    let tmp = std::env::temp_dir().join(format!("kdata-real-{}", std::process::id()));
    for out in ["a", "b"] {
        let o = kdata(&root, &["build", "--out", tmp.join(out).to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (a, b) = (snapshot(&tmp.join("a")), snapshot(&tmp.join("b")));
    let _ = fs::remove_dir_all(&tmp);
    assert!(a.len() >= 30);
    assert_eq!(a, b);
}

#[test]
fn locate_prints_span_page_footnote_and_a_row() {
    let s = scratch("locate");
    let out = kdata(&s.dir, &["locate", "fought EF in\n Testland", "--table", "relations"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("# example-2020-front page 2, chars 155..176, footnote 2"), "{text}");
    assert!(text.contains("[[relations]]\nquote = \"fought EF in Testland\""), "{text}");
    let twice = String::from_utf8(kdata(&s.dir, &["locate", "Example Front"]).stdout).unwrap();
    assert!(twice.contains("quote_prefix = "), "{twice}");
    assert_eq!(kdata(&s.dir, &["locate", "no such words"]).status.code(), Some(1));
}

#[test]
fn all_problems_are_reported_in_one_run() {
    broken(
        "many",
        |d| {
            edit(d, "raw/registry/actors.toml", "militant_group", "gang");
            edit(d, &format!("{DOC}/figures.toml"), "value = 120", "value = \"many\"");
            edit(d, &format!("{DOC}/events.toml"), "2016-03", "2016-02-30");
        },
        &[
            &format!("{DOC}/events.toml:5:8: date: 'date': '2016-02-30' is not a real date"),
            &format!("{DOC}/figures.toml:4:9: type: 'value' must be a number, found string"),
            "raw/registry/actors.toml:4:14: enum: 'actor_type' = 'gang' is not one of: militant_group, ",
        ],
    );
}

#[test]
fn bad_type() {
    broken("type", |d| edit(d, &format!("{DOC}/figures.toml"), "value = 120", "value = true"), &[&format!("{DOC}/figures.toml:4:9: type: 'value' must be a number, found boolean")]);
}

#[test]
fn unknown_enum_value() {
    broken("enum", |d| edit(d, &format!("{DOC}/relations.toml"), "armed_conflict", "feud"), &[&format!("{DOC}/relations.toml:4:17: enum: 'relation_type' = 'feud' is not one of: ")]);
}

#[test]
fn duplicate_id() {
    broken(
        "dup",
        |d| edit(d, "raw/registry/actors.toml", "actor_id = \"sample-army\"", "actor_id = \"example-front\""),
        &["raw/registry/actors.toml:9:12: duplicate-key: actors: actor_id = example-front is used twice (first at raw/registry/actors.toml:2:12)"],
    );
}

#[test]
fn dangling_foreign_key() {
    broken(
        "fk",
        |d| edit(d, &format!("{DOC}/relations.toml"), "object_actor_id = \"example-front\"", "object_actor_id = \"nobody\""),
        &[&format!("{DOC}/relations.toml:5:19: foreign-key: relations.object_actor_id = 'nobody' is not a actor_id in actors")],
    );
}

#[test]
fn quote_not_found_names_the_closest_passage() {
    broken(
        "notfound",
        |d| edit(d, &format!("{DOC}/figures.toml"), "it had 120 members", "it had 150 members"),
        &[&format!("{DOC}/figures.toml:10:9: quote-not-found: quote not found in {DOC}/source.txt; closest passage (code point 29, 9 of 18 characters agree): «it had 120 members.1 EF was»")],
    );
}

#[test]
fn ambiguous_quote_asks_for_a_prefix() {
    broken(
        "ambiguous",
        |d| edit(d, &format!("{DOC}/figures.toml"), "quote = \"it had 120 members\"", "quote = \"Example Front\""),
        &[&format!("{DOC}/figures.toml:10:9: quote-ambiguous: quote found 3 times in {DOC}/source.txt (at code points [5, 121, 191]); add quote_prefix")],
    );
}

#[test]
fn prefix_must_precede_the_quote() {
    broken(
        "prefix",
        |d| edit(d, &format!("{DOC}/citations.toml"), "quote_prefix = \"Testland in 2017.2 The Example Front lost.\"", "quote_prefix = \"nowhere\""),
        &[&format!("{DOC}/citations.toml:11:16: prefix-not-before: quote_prefix does not stand immediately before any of the quote's 1 occurrence(s)")],
    );
}

#[test]
fn wrong_encoding() {
    broken(
        "latin1",
        |d| {
            let p = d.join(format!("{DOC}/events.toml"));
            let mut bytes = fs::read(&p).unwrap();
            let at = bytes.windows(7).position(|w| w == b"summary").unwrap() + 11;
            bytes.insert(at, 0xE9);
            fs::write(p, bytes).unwrap();
        },
        &[&format!("{DOC}/events.toml:4:12: encoding: invalid UTF-8 (byte 0xE9); files must be UTF-8")],
    );
}

#[test]
fn byte_order_mark() {
    broken(
        "bom",
        |d| {
            let p = d.join("raw/registry/places.toml");
            let mut bytes = vec![0xEF, 0xBB, 0xBF];
            bytes.extend(fs::read(&p).unwrap());
            fs::write(p, bytes).unwrap();
        },
        &["raw/registry/places.toml:1:1: encoding: file starts with a UTF-8 byte order mark"],
    );
}

#[test]
fn source_hash_mismatch() {
    broken(
        "hash",
        |d| edit(d, &format!("{DOC}/source.txt"), "120 members", "121 members"),
        &[&format!("{DOC}/document.toml:10:10: hash-mismatch: {DOC}/source.txt has SHA-256 ")],
    );
}

#[test]
fn impossible_date() {
    broken("date", |d| edit(d, &format!("{DOC}/relations.toml"), "date = \"2017\"", "date = \"2017-13\""), &[&format!("{DOC}/relations.toml:6:8: date: 'date': '2017-13': month 13 is not 01-12")]);
}

#[test]
fn reversed_interval() {
    broken("interval", |d| edit(d, &format!("{DOC}/relations.toml"), "date = \"2017\"", "date = \"2017/2015\""), &[&format!("{DOC}/relations.toml:6:8: date: 'date': interval '2017/2015' ends before it starts")]);
}

#[test]
fn missing_file() {
    broken("missing", |d| fs::remove_file(d.join(format!("{DOC}/errata.toml"))).unwrap(), &[&format!("{DOC}/errata.toml:1:1: missing-file: cannot read file")]);
}

#[test]
fn missing_source() {
    broken("nosource", |d| fs::remove_file(d.join(format!("{DOC}/source.txt"))).unwrap(), &[&format!("{DOC}/document.toml:9:10: missing-file: source text {DOC}/source.txt")]);
}

#[test]
fn unknown_column() {
    broken("column", |d| edit(d, &format!("{DOC}/figures.toml"), "unit = ", "units = \"x\"\nunit = "), &[&format!("{DOC}/figures.toml:5:1: unknown-column: 'units' is not a column of figures")]);
}

#[test]
fn required_value_missing() {
    broken("required", |d| edit(d, &format!("{DOC}/figures.toml"), "unit = \"person\"\n", ""), &[&format!("{DOC}/figures.toml:2:13: required: figures: 'unit' is required")]);
}

#[test]
fn derived_column_written_by_hand() {
    broken("derived", |d| edit(d, &format!("{DOC}/figures.toml"), "unit = ", "page = 3\nunit = "), &[&format!("{DOC}/figures.toml:5:1: derived-column: 'page' is computed by the pipeline")]);
}

#[test]
fn toml_syntax_error() {
    broken("syntax", |d| edit(d, &format!("{DOC}/figures.toml"), "value = 120", "value = = 120"), &[&format!("{DOC}/figures.toml:4:9: toml-syntax: ")]);
}

#[test]
fn bounds_out_of_order() {
    broken(
        "bounds",
        |d| edit(d, &format!("{DOC}/figures.toml"), "qualifier = \"exact\"", "qualifier = \"range\"\nlower_bound = 200\nupper_bound = 100"),
        &[&format!("{DOC}/figures.toml:7:15: bounds: lower_bound 200 is above upper_bound 100"), &format!("{DOC}/figures.toml:4:9: bounds: value 120 lies outside its bounds")],
    );
}

#[test]
fn parent_cycle() {
    broken(
        "cycle",
        |d| edit(d, "raw/registry/actors.toml", "actor_type = \"militant_group\"", "actor_type = \"militant_group\"\nparent_actor_id = \"jo-smith\""),
        &["raw/registry/actors.toml:5:19: cycle: actors: parent links of 'example-front' loop: example-front -> jo-smith -> example-front"],
    );
}

#[test]
fn id_with_bad_characters() {
    broken("pattern", |d| edit(d, &format!("{DOC}/figures.toml"), "figure_id = \"ef-members\"", "figure_id = \"../EF\""), &[&format!("{DOC}/figures.toml:2:13: pattern: 'figure_id' = '../EF' does not match")]);
}

#[test]
fn page_map_that_disagrees_with_the_record() {
    broken("pages", |d| edit(d, &format!("{DOC}/document.toml"), "last_page = 2", "last_page = 3"), &[&format!("{DOC}/document.toml:1:1: page-map: the dump's layout gives 2 pages but the record says 1-3 (3 pages)")]);
}

#[test]
fn name_must_be_an_alias() {
    broken("name", |d| edit(d, "raw/registry/actors.toml", "name = \"Sample Army\"", "name = \"The Army\""), &["raw/registry/actors.toml:10:8: name-not-alias: actors: name 'The Army' of 'sample-army' must also be a row of actor_aliases"]);
}

#[test]
fn registry_row_names_an_unknown_document() {
    broken("doc", |d| edit(d, "raw/registry/places.toml", "doc_id = \"example-2020-front\"", "doc_id = \"no-such-doc\""), &["raw/registry/places.toml:5:10: foreign-key: places.doc_id = 'no-such-doc' is not a document in raw/documents/"]);
}

#[test]
fn a_release_is_immutable_and_the_next_one_lists_its_changes() {
    let s = scratch("release");
    let out = kdata(&s.dir, &["release"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v1 = s.dir.join("output/mini-0.0.1");
    assert_eq!(fs::read_to_string(v1.join("CHANGES.md")).unwrap(), "## 0.0.1\n\nFirst release.\n\n");
    let released = snapshot(&v1);

    // A curation change without a version bump is refused, and nothing changes.
    edit(&s.dir, &format!("{DOC}/figures.toml"), "value = 120", "value = 121");
    edit(&s.dir, "raw/registry/places.toml", "place_kind = \"country\"", "place_kind = \"region\"");
    let out = kdata(&s.dir, &["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("raw/dataset.toml:2:1: released: version 0.0.1 is released and a fresh build differs in "), "{}", stderr(&out));
    assert_eq!(snapshot(&v1), released);

    // Bumped, it releases, and its changes name exactly the rows that changed.
    edit(&s.dir, "raw/dataset.toml", "version = \"0.0.1\"", "version = \"0.0.2\"");
    edit(&s.dir, "CITATION.cff", "version: 0.0.1", "version: 0.0.2");
    fs::write(s.dir.join(format!("{DOC}/errata.toml")), "[[errata]]\nerratum_id = \"lost\"\nerratum_type = \"typo\"\nprinted = \"lost\"\ncorrection = \"won\"\nexplanation = \"Invented.\"\nquote = \"The Example Front lost.\"\n").unwrap();
    let out = kdata(&s.dir, &["release"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let changes = fs::read_to_string(s.dir.join("output/mini-0.0.2/CHANGES.md")).unwrap();
    assert!(changes.starts_with("## 0.0.2 (changes since 0.0.1)\n"), "{changes}");
    assert!(changes.contains("### errata (+1 −0 ~0)\n\n- added: `lost`\n"), "{changes}");
    assert!(changes.contains("### figures (+0 −0 ~1)\n\n- changed `ef-members`: value\n"), "{changes}");
    assert!(changes.contains("### places (+0 −0 ~1)\n\n- changed `testland`: place_kind\n"), "{changes}");
    assert!(!changes.contains("### actors"), "{changes}");
    let log = fs::read_to_string(s.dir.join("CHANGELOG.md")).unwrap();
    assert!(log.find("## 0.0.2").unwrap() < log.find("## 0.0.1").unwrap(), "{log}");
    assert_eq!(snapshot(&v1), released, "earlier releases stay");

    let table = kdata(&s.dir, &["diff", v1.to_str().unwrap(), s.dir.join("output/mini-0.0.2").to_str().unwrap(), "--format", "table"]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.starts_with("table,change,key,columns\n"), "{table}");
    assert!(table.contains("errata,added,lost,\n") && table.contains("figures,changed,ef-members,value\n"), "{table}");
}
