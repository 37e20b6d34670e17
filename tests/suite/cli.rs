//! End-to-end tests of the real binary on a tiny fictional project (tests/fixtures/mini)
//! and on the real curation in raw/. Bad inputs are in tests/bad_input.rs.

use super::common::*;
use std::fs;

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
    assert_eq!(
        pages.lines().nth(2).unwrap(),
        "example-2020-front,2,138,238,"
    );
}

#[test]
fn footnotes_and_pages_are_derived() {
    let s = scratch("derived");
    assert!(kdata(&s.dir, &["build"]).status.success());
    let rel = fs::read_to_string(s.dir.join("output/mini-0.0.1/csv/relations.csv")).unwrap();
    let row = rel.lines().nth(1).unwrap();
    // Page 2, footnote 2 (its marker ends the quoted sentence), date as a real interval.
    assert!(row.contains(",affirmed,actual,2017,2017-01-01,2017-12-31,year,false,false,stated,,asserted,,,example-2020-front,2,"), "{row}");
    assert!(
        row.ends_with(",The Sample Army fought EF in Testland in 2017.,2"),
        "{row}"
    );
    let mentions = fs::read_to_string(s.dir.join("output/mini-0.0.1/csv/mentions.csv")).unwrap();
    assert_eq!(
        mentions.lines().filter(|l| l.contains(",ef,")).count(),
        3,
        "{mentions}"
    );
    assert!(
        mentions.contains(
            "example-2020-front,5,18,1,body,,actor,example-front,example-front,Example Front"
        ),
        "{mentions}"
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let s = scratch("twice");
    assert!(kdata(&s.dir, &["build", "--out", "a"]).status.success());
    assert!(kdata(&s.dir, &["build", "--out", "b"]).status.success());
    let (a, b) = (snapshot(&s.dir.join("a")), snapshot(&s.dir.join("b")));
    let in_site = |k: &std::path::Path| k.components().any(|c| c.as_os_str() == "site");
    let data: Vec<_> = a.keys().filter(|k| !in_site(k)).collect();
    assert_eq!(data.len(), 17 * 2 + 14, "{data:?}");
    assert!(
        a.keys().any(|k| in_site(k) && k.ends_with("index.html")),
        "{:?}",
        a.keys()
    );
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
    let out = kdata(
        &s.dir,
        &["locate", "fought EF in\n Testland", "--table", "relations"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("# example-2020-front page 2, chars 155..176, footnote 2"),
        "{text}"
    );
    assert!(
        text.contains("[[relations]]\nquote = \"fought EF in Testland\""),
        "{text}"
    );
    let twice = String::from_utf8(kdata(&s.dir, &["locate", "Example Front"]).stdout).unwrap();
    assert!(twice.contains("quote_prefix = "), "{twice}");
    assert_eq!(
        kdata(&s.dir, &["locate", "no such words"]).status.code(),
        Some(1)
    );
}

#[test]
fn a_release_is_immutable_and_the_next_one_lists_its_changes() {
    let s = scratch("release");
    let out = kdata(&s.dir, &["release"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v1 = s.dir.join("output/mini-0.0.1");
    assert_eq!(
        fs::read_to_string(v1.join("CHANGES.md")).unwrap(),
        "## 0.0.1\n\nFirst release.\n\n"
    );
    let released = snapshot(&v1);

    // A curation change without a version bump is refused, and nothing changes.
    edit(
        &s.dir,
        &format!("{DOC}/figures.toml"),
        "value = 120",
        "value = 121",
    );
    edit(
        &s.dir,
        "raw/registry/places.toml",
        "place_kind = \"country\"",
        "place_kind = \"region\"",
    );
    let out = kdata(&s.dir, &["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("raw/dataset.toml:2:1: released: version 0.0.1 is released and a fresh build differs in "), "{}", stderr(&out));
    assert_eq!(snapshot(&v1), released);

    // Bumped by a patch only, with changed rows and no reasons: refused, naming both rules.
    edit(
        &s.dir,
        "raw/dataset.toml",
        "version = \"0.0.1\"",
        "version = \"0.0.2\"",
    );
    edit(&s.dir, "CITATION.cff", "version: 0.0.1", "version: 0.0.2");
    fs::write(s.dir.join(format!("{DOC}/errata.toml")), "[[errata]]\nerratum_id = \"lost\"\nerratum_type = \"typo\"\nprinted = \"fought\"\ncorrection = \"fights\"\nexplanation = \"Invented.\"\ntable_name = \"relations\"\nrow_id = \"army-fights-ef\"\ncolumn_name = \"quote\"\nquote = \"The Sample Army fought EF\"\n").unwrap();
    let out = kdata(&s.dir, &["release"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "reason: figures 'ef-members' changed since 0.0.1 (value): say why in raw/changes.toml"
        ),
        "{err}"
    );
    assert!(err.contains("version: version 0.0.2 after 0.0.1 is too small a step: the changes need a Minor release"), "{err}");
    assert!(!s.dir.join("output/mini-0.0.2/CHANGES.md").exists());

    // A minor release with the curators' reasons: its changes list each changed value.
    edit(
        &s.dir,
        "raw/dataset.toml",
        "version = \"0.0.2\"",
        "version = \"0.1.0\"",
    );
    edit(&s.dir, "CITATION.cff", "version: 0.0.2", "version: 0.1.0");
    let reason = |table: &str, id: &str, why: &str| {
        format!("[[changes]]\nversion = \"0.1.0\"\ntable = \"{table}\"\nid = \"{id}\"\nreason = \"{why}\"\n\n")
    };
    let reasons = reason("figures", "ef-members", "Recounted.")
        + &reason("places", "testland", "Testland is a region.");
    fs::write(s.dir.join("raw/changes.toml"), reasons).unwrap();
    let out = kdata(&s.dir, &["release"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let changes = fs::read_to_string(s.dir.join("output/mini-0.1.0/CHANGES.md")).unwrap();
    assert!(
        changes.starts_with("## 0.1.0 (changes since 0.0.1)\n"),
        "{changes}"
    );
    assert!(
        changes.contains("### errata (+1 −0 ~0)\n\n- added: `lost`\n"),
        "{changes}"
    );
    assert!(changes.contains("### figures (+0 −0 ~1)\n\n- changed `ef-members`: Recounted.\n  - `value`: `120` → `121`\n"), "{changes}");
    assert!(changes.contains("### places (+0 −0 ~1)\n\n- changed `testland`: Testland is a region.\n  - `place_kind`: `country` → `region`\n"), "{changes}");
    assert!(!changes.contains("### actors"), "{changes}");
    let log = fs::read_to_string(s.dir.join("CHANGELOG.md")).unwrap();
    assert!(
        log.find("## 0.1.0").unwrap() < log.find("## 0.0.1").unwrap(),
        "{log}"
    );
    assert_eq!(snapshot(&v1), released, "earlier releases stay");

    let table = kdata(
        &s.dir,
        &[
            "diff",
            v1.to_str().unwrap(),
            s.dir.join("output/mini-0.1.0").to_str().unwrap(),
            "--format",
            "table",
        ],
    );
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.starts_with("table,change,key,columns\n"), "{table}");
    assert!(
        table.contains("errata,added,lost,\n")
            && table.contains("figures,changed,ef-members,value\n"),
        "{table}"
    );
}

/// Builds `dir` cleanly and returns its output (the reference an interrupted build is
/// compared with).
fn clean_build(
    name: &str,
    change: impl Fn(&std::path::Path),
) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let s = scratch(name);
    change(&s.dir);
    assert!(kdata(&s.dir, &["build"]).status.success());
    snapshot(&s.dir.join("output"))
}

fn change_a_figure(dir: &std::path::Path) {
    edit(
        dir,
        &format!("{DOC}/figures.toml"),
        "value = 120",
        "value = 121",
    );
}

#[test]
fn an_interrupted_build_leaves_a_whole_version_and_the_next_build_succeeds() {
    let after = clean_build("interrupt-ref", change_a_figure);
    for point in ["mid-file", "before-swap", "after-swap"] {
        let s = scratch(&format!("interrupt-{point}"));
        assert!(kdata(&s.dir, &["build"]).status.success());
        let before = snapshot(&s.dir.join("output"));
        change_a_figure(&s.dir);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdata"))
            .args(["--root", s.dir.to_str().unwrap(), "build"])
            .env("KDATA_FAILPOINT", point)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            None,
            "{point}: the build must have been killed"
        );
        let now = snapshot(&s.dir.join("output"));
        // Killed before the swap: the previous version, byte for byte. Killed after it:
        // the new version, whole. Never a mixture.
        let want = if point == "after-swap" {
            &after
        } else {
            &before
        };
        assert!(
            now == *want,
            "{point}: the output is neither the previous nor the new version"
        );
        let out = kdata(&s.dir, &["build"]);
        assert!(out.status.success(), "{point}: {}", stderr(&out));
        assert_eq!(snapshot(&s.dir.join("output")), after, "{point}");
        let leftovers: Vec<_> = fs::read_dir(s.dir.join("output"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != ".lock" && n != "mini-0.0.1")
            .collect();
        assert!(leftovers.is_empty(), "{point}: {leftovers:?}");
    }
}

#[test]
fn concurrent_builds_take_turns_and_agree() {
    let reference = clean_build("concurrent-ref", |_| {});
    let s = scratch("concurrent");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_kdata"))
            .args(["--root", s.dir.to_str().unwrap(), "build"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4).map(|_| spawn()).collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(snapshot(&s.dir.join("output")), reference);
}

#[test]
fn a_date_rule_derives_its_column_without_the_start_rule_beside_it() {
    // Each rule parses the EDTF column it reads; date_end used to be filled only when the
    // table also derived date_start from the same column.
    let s = scratch("edtf-without-start");
    let schema = s.dir.join("schemas/events.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&schema).unwrap()).unwrap();
    let fields = json["fields"].as_array_mut().unwrap();
    fields.retain(|f| f["name"] != "date_start");
    fs::write(&schema, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let out = kdata(&s.dir, &["build", "--tables-only"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut csv = csv::Reader::from_path(s.dir.join("output/mini-0.0.1/csv/events.csv")).unwrap();
    let head = csv.headers().unwrap().clone();
    assert!(!head.iter().any(|h| h == "date_start"), "{head:?}");
    let end = head.iter().position(|h| h == "date_end").unwrap();
    let ends: Vec<String> = csv.records().map(|r| r.unwrap()[end].to_string()).collect();
    assert!(ends.iter().any(|e| e == "2016-03-31"), "{ends:?}");
}

#[test]
fn a_source_without_printed_pages_has_null_pages_and_no_page_map() {
    let s = scratch_of("web", "web");
    let out = kdata(&s.dir, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = s.dir.join("output/web-0.0.1/csv");
    let rel = fs::read_to_string(v.join("relations.csv")).unwrap();
    // doc_id, then an empty page, then the span.
    assert!(
        rel.lines()
            .nth(1)
            .unwrap()
            .contains(",example-2021-web,,162,225,"),
        "{rel}"
    );
    assert_eq!(
        fs::read_to_string(v.join("pages.csv"))
            .unwrap()
            .lines()
            .count(),
        1,
        "no pages"
    );
    let mentions = fs::read_to_string(v.join("mentions.csv")).unwrap();
    assert!(
        mentions
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(3) == Some("")),
        "{mentions}"
    );

    // A [layout] describing pages the record does not give is a mistake.
    let doc = "raw/documents/example-2021-web/document.toml";
    fs::write(
        s.dir.join(doc),
        fs::read_to_string(s.dir.join(doc)).unwrap()
            + "\n[layout]\nrunning_headers = [\"Harbour Watch\"]\n",
    )
    .unwrap();
    let out = kdata(&s.dir, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("document.toml:11:2: layout: a [layout] describes printed pages, but the record gives no first_page"), "{}", stderr(&out));
}

/// The site of the fixture: the reader links each provenance row once (a row of a curated
/// table with a quote), entity pages exist, and `--no-site` leaves the site out.
#[test]
fn fixture_site_marks_every_provenance_row_once() {
    let s = scratch("site");
    let out = kdata(&s.dir, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = s.dir.join("output/mini-0.0.1");
    let mut rows = 0;
    for t in [
        "actor_aliases",
        "actors",
        "audit_notes",
        "citations",
        "claim_links",
        "errata",
        "events",
        "figures",
        "footnotes",
        "place_aliases",
        "places",
        "relations",
    ] {
        let csv = fs::read_to_string(v.join(format!("csv/{t}.csv"))).unwrap();
        assert!(csv.lines().next().unwrap().contains("quote"), "{t}");
        rows += csv.lines().count() - 1;
    }
    let reader = fs::read_to_string(v.join("site/reader/example-2020-front.html")).unwrap();
    assert_eq!(reader.matches("class=\"rowlink").count(), rows);
    assert!(reader.contains("id=\"actors.example-front\""), "{reader}");
    for page in [
        "index.html",
        "network.html",
        "timeline.html",
        "figures.html",
        "actors/example-front.html",
        "events/ef-founded.html",
    ] {
        let html = fs::read_to_string(v.join("site").join(page)).unwrap();
        assert!(
            html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"),
            "{page}"
        );
    }
    let sums = fs::read_to_string(v.join("SHA256SUMS")).unwrap();
    assert!(sums.contains("  site/index.html\n"), "{sums}");
    let out = kdata(&s.dir, &["build", "--no-site", "--out", "bare"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!s.dir.join("bare/mini-0.0.1/site").exists());
    // --tables-only: the tables and their metadata, no release surface.
    let out = kdata(&s.dir, &["build", "--tables-only", "--out", "tables"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let t = s.dir.join("tables/mini-0.0.1");
    assert!(t.join("parquet/relations.parquet").exists() && t.join("datapackage.json").exists());
    for absent in [
        "site",
        "mini.sqlite",
        "actors.graphml",
        "README.md",
        "mini-0.0.1.tar.gz",
    ] {
        assert!(!t.join(absent).exists(), "{absent}");
    }
    let sums = fs::read_to_string(t.join("SHA256SUMS")).unwrap();
    assert!(
        sums.contains("  parquet/relations.parquet\n") && !sums.contains("sqlite"),
        "{sums}"
    );
}

#[test]
fn timings_name_every_phase_in_order_with_memory() {
    let s = scratch("timings");
    let out = kdata(&s.dir, &["build", "--tables-only", "--timings"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with('{'))
        .expect("a JSON line");
    let t: serde_json::Value = serde_json::from_str(line).unwrap();
    let phases = t["phases"].as_array().unwrap();
    let names: Vec<&str> = phases
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "load",
            "documents",
            "registry, corpus checks",
            "CSV, Parquet",
            "metadata, sync, swap"
        ]
    );
    // The stages of the documents' pass and of writing, their CPU summed over threads.
    let stages: Vec<&str> = t["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "read sources and tables",
            "prove quotes, page maps",
            "derived columns",
            "pages, mentions, coverage",
            "keys, rules",
            "sort",
            "CSV lines, Arrow columns",
            "CSV, Parquet files"
        ]
    );
    assert!(t["stages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["cpu_s"].as_f64().unwrap() > 0.0));
    let total: f64 = phases.iter().map(|p| p["s"].as_f64().unwrap()).sum();
    let whole = ["load_s", "build_s", "finish_s"]
        .iter()
        .map(|k| t[k].as_f64().unwrap())
        .sum::<f64>();
    assert!((total - whole).abs() < 0.005, "{total} vs {whole}");
    if !cfg!(target_os = "linux") {
        return; // memory comes from /proc
    }
    // Resident memory only grows into the peak, which never falls.
    let peaks: Vec<u64> = phases
        .iter()
        .map(|p| p["peak_mib"].as_u64().unwrap())
        .collect();
    assert!(peaks.windows(2).all(|w| w[0] <= w[1]), "{peaks:?}");
    assert!(phases
        .iter()
        .all(|p| p["rss_mib"].as_u64().unwrap() <= p["peak_mib"].as_u64().unwrap()));
}

/// Regression (outside review): with an output folder that cannot be written, a build of
/// broken data reported only the I/O error (exit 2); the data's problems come first.
#[test]
fn data_problems_are_reported_before_an_unwritable_output_folder() {
    let s = scratch("unwritable");
    let blocker = s.dir.join("not-a-folder");
    fs::write(&blocker, "a file where the output folder would go").unwrap();
    let out = blocker.join("output");
    let clean = kdata(&s.dir, &["build", "--out", out.to_str().unwrap()]);
    assert_eq!(clean.status.code(), Some(2), "{}", stderr(&clean));
    assert!(stderr(&clean).contains(": io: "), "{}", stderr(&clean));
    edit(
        &s.dir,
        "raw/registry/actors.toml",
        "actor_id = \"sample-army\"",
        "actor_id = \"example-front\"",
    );
    let broken = kdata(&s.dir, &["build", "--out", out.to_str().unwrap()]);
    let err = stderr(&broken);
    assert_eq!(broken.status.code(), Some(1), "{err}");
    assert!(
        err.contains("duplicate-key") && !err.contains(": io: "),
        "{err}"
    );
}
