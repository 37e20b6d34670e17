//! The build streams: each run of documents' rows reaches the writer while later
//! documents are still to be built, runs come in document order, and the registry's
//! tables follow last, once; what one document's rows say is checked against the whole
//! corpus all the same (a key used twice in two documents, a reference across them).

use super::common::*;
use indicatif::ProgressBar;
use kdata::chunk::Chunk;
use kdata::diag::Diags;
use kdata::model::Sink;
use std::path::Path;

/// Per append, how many documents had been built by then, and each table's rows.
type Appends = Vec<(u64, Vec<Vec<Chunk>>)>;

/// What the writer was handed.
struct Recording<'a> {
    built: &'a ProgressBar,
    appends: Appends,
}

impl Sink for Recording<'_> {
    fn append(&mut self, tables: Vec<Vec<Chunk>>) -> std::io::Result<()> {
        self.appends.push((self.built.position(), tables));
        Ok(())
    }
}

/// A synthetic corpus of `docs` documents in a scratch folder.
fn synthetic(name: &str, docs: usize) -> Scratch {
    let s = Scratch {
        dir: std::env::temp_dir().join(format!("kdata-test-{}-{name}", std::process::id())),
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdata-synth"))
        .args(["--docs", &docs.to_string(), "--seed", "3", "--out"])
        .arg(&s.dir)
        .arg("--schemas")
        .arg(manifest().join("schemas"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    s
}

/// Builds the project at `root` into a recording sink.
fn record(root: &Path) -> (Appends, Diags, Vec<String>) {
    let mut diags = Diags::default();
    let p = kdata::load::load(root, &root.join("output"), &mut diags).expect("loads");
    let built = ProgressBar::hidden();
    let mut sink = Recording {
        built: &built,
        appends: Vec::new(),
    };
    let wanted = kdata::build::Wanted {
        chunks: true,
        rows: false,
        texts: false,
    };
    kdata::build::build(&p, &mut sink, wanted, &built, &mut diags).unwrap();
    let names = p.schemas.keys().cloned().collect();
    (sink.appends, diags, names)
}

#[test]
fn rows_reach_the_writer_run_by_run_while_documents_are_built() {
    // Five runs of documents (a run is four per core).
    let docs = 5 * 4 * rayon::current_num_threads();
    let s = synthetic("stream", docs);
    let (appends, diags, names) = record(&s.dir);
    assert!(diags.is_empty(), "{:?}", diags.sorted());
    // Several runs of documents, then the registry's tables.
    assert_eq!(appends.len(), 6);
    let (first_built, _) = &appends[0];
    assert!(
        *first_built < docs as u64,
        "rows were handed on only after all {docs} documents were built"
    );
    let documents = names.iter().position(|n| n == "documents").unwrap();
    // A chunk per document, its rows encoded (the documents' records are kept as rows
    // too, for the citation).
    let ids: Vec<String> = appends
        .iter()
        .flat_map(|(_, tables)| &tables[documents])
        .flat_map(|c| c.rows.as_ref().unwrap().iter().map(|r| r[0].to_text()))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids.len(), docs);
    assert_eq!(ids, sorted, "documents reach the writer in order");
    // The registry's tables arrive whole, in the last append only.
    let actors = names.iter().position(|n| n == "actors").unwrap();
    let (last, before) = appends.split_last().unwrap();
    assert!(!last.1[actors].is_empty());
    assert!(before.iter().all(|(_, t)| t[actors].is_empty()));
    assert!(last.1[documents].is_empty());
}

#[test]
fn keys_and_references_are_checked_across_documents() {
    let s = synthetic("stream-keys", 20);
    let doc = |i: usize| format!("raw/documents/synth-{i:05}");
    // A relation of the last document takes the id of one of the first's.
    let last = std::fs::read_to_string(s.dir.join(doc(19)).join("relations.toml")).unwrap();
    let first = std::fs::read_to_string(s.dir.join(doc(0)).join("relations.toml")).unwrap();
    let id = |text: &str| {
        let at = text.find("relation_id = \"").unwrap() + "relation_id = \"".len();
        text[at..at + text[at..].find('"').unwrap()].to_string()
    };
    edit(
        &s.dir,
        &format!("{}/relations.toml", doc(19)),
        &id(&last),
        &id(&first),
    );
    let (appends, diags, _) = record(&s.dir);
    let found: Vec<String> = diags.sorted().iter().map(|d| d.to_string()).collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(&format!("{}/relations.toml:", doc(19)))
            && found[0].contains("duplicate-key")
            && found[0].contains(&format!("(first at {}/relations.toml:", doc(0))),
        "{found:#?}"
    );
    // Nothing goes to the writer once the problem is known, and never the registry.
    assert!(appends.len() < 4, "{} appends", appends.len());
}

/// Regression (outside review): registry rows quoted from two documents made
/// `--partition-by-doc` fail, as the registry reaches the writer in key order, where a
/// document's rows need not be next to each other. Each document gets one partition.
#[test]
fn registry_rows_of_several_documents_make_one_partition_each() {
    let s = synthetic("stream-hive", 3);
    let moved = std::fs::read_to_string(s.dir.join("raw/documents/synth-00001/source.txt"))
        .unwrap()
        .split('.')
        .find(|sentence| sentence.contains(" Front "))
        .map(|sentence| sentence.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap();
    // Actor a1 is quoted from the second document instead of the first.
    let actors = s.dir.join("raw/registry/actors.toml");
    let text = std::fs::read_to_string(&actors).unwrap();
    let (head, tail) = text.split_at(text.find("actor_id = \"a1\"").unwrap());
    let end = tail.find("\n\n").unwrap();
    let row: String = tail[..end]
        .lines()
        .map(|l| match l {
            l if l.starts_with("doc_id = ") => "doc_id = \"synth-00001\"".to_string(),
            l if l.starts_with("quote = ") => format!("quote = \"{moved}\""),
            l => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&actors, format!("{head}{row}{}", &tail[end..])).unwrap();
    let out = kdata(&s.dir, &["build", "--tables-only", "--partition-by-doc"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hive = s.dir.join("output/synthetic-0.0.1/parquet-by-doc/actors");
    let mut parts: Vec<String> = std::fs::read_dir(&hive)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    parts.sort();
    assert_eq!(parts, ["doc_id=synth-00000", "doc_id=synth-00001"]);
    let rows = |doc: &str| {
        let file = std::fs::File::open(hive.join(doc).join("part-0.parquet")).unwrap();
        use parquet::file::reader::FileReader;
        parquet::file::reader::SerializedFileReader::new(file)
            .unwrap()
            .metadata()
            .file_metadata()
            .num_rows()
    };
    assert_eq!(rows("doc_id=synth-00001"), 1);
    let all = std::fs::read_to_string(s.dir.join("output/synthetic-0.0.1/csv/actors.csv"))
        .unwrap()
        .lines()
        .count() as i64
        - 1;
    assert_eq!(rows("doc_id=synth-00000") + 1, all);
}
