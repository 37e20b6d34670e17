//! Writing a dataset version: CSV and Parquet per table, `datapackage.json`, the other
//! metadata and the release surface (`card`, `citation`, `dictionary`, `sqlite`,
//! `graphml`, generated from the tables as Arrow batches), the static site (`site`),
//! `SHA256SUMS` and the archive (`archive`), first into a temporary folder beside the
//! target, then renamed into
//! place, so a failed or interrupted build never leaves a half-written version.

pub mod archive;
pub mod card;
pub mod cells;
pub mod citation;
pub mod dictionary;
pub mod graphml;
mod metadata;
mod parquet_out;
pub mod site;
pub mod sqlite;

use crate::model::RELEASE_NOTES;
use crate::model::{Dataset, Table};
use crate::schema::{FieldType, Schema};
use crate::value::{Cell, Value};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema as ArrowSchema};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

pub fn version_dir_name(ds: &Dataset) -> String {
    format!("{}-{}", ds.meta.name, ds.meta.version)
}

/// What happened to the version folder.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Written,
    /// The version is released and the fresh build is byte-identical to it.
    AlreadyReleased,
    /// The version is released and a fresh build differs in these files.
    ReleasedDiffers(Vec<String>),
}

/// Writes the version into `out_root/<name>-<version>`. An unreleased version is replaced;
/// a released one is only compared (a difference is an error: bump the version).
/// With `release`, the version is marked released with its changes since the previous
/// release. Holds `out_root/.lock` throughout, so concurrent builds take turns.
pub fn write_version(ds: &Dataset, out_root: &Path, release: bool) -> io::Result<Outcome> {
    fs::create_dir_all(out_root)?;
    let lock = File::create(out_root.join(".lock"))?;
    lock.lock()?;
    let name = version_dir_name(ds);
    let target = out_root.join(&name);
    let tmp = out_root.join(format!(".tmp-{name}"));
    let old = out_root.join(format!(".old-{name}"));
    // A build killed between the two renames below left the previous version in `old`.
    if old.exists() && !target.exists() {
        fs::rename(&old, &target)?;
    }
    for stale in [&tmp, &old] {
        if stale.exists() {
            fs::remove_dir_all(stale)?;
        }
    }
    fs::create_dir_all(&tmp)?;
    // Opened before anything is written: `syncfs` reports the write errors seen since its
    // descriptor was opened (Linux 5.8 and later).
    let folder = File::open(&tmp)?;
    let mut written = write_files(ds, &tmp)?;
    // The release notes go into the archive: a release writes them; rebuilding a released
    // version puts its notes back, so the archive can be compared byte for byte.
    let notes = match (&ds.released.current_notes, release) {
        (Some(n), _) => Some(n.clone()),
        (None, true) => Some(release_notes(ds).into_bytes()),
        (None, false) => None,
    };
    if let Some(n) = notes {
        fs::write(tmp.join(RELEASE_NOTES), n)?;
    }
    if !ds.tables_only {
        written.extend(write_archive(ds, &tmp)?);
    }
    if let Some(released) = &ds.released.current {
        let differ = differing_files(released, &written);
        fs::remove_dir_all(&tmp)?;
        return Ok(if differ.is_empty() {
            Outcome::AlreadyReleased
        } else {
            Outcome::ReleasedDiffers(differ)
        });
    }
    // Every file of the version reaches the disk before the version is swapped in: one
    // `syncfs` instead of an `fsync` per file (which took a third of a one-article build).
    sync_folder(&folder, &tmp)?;
    failpoint("before-swap");
    if !target.exists() {
        fs::rename(&tmp, &target)?;
    } else if exchange(&tmp, &target).is_ok() {
        failpoint("after-swap");
        fs::remove_dir_all(&tmp)?; // now the previous version
    } else {
        fs::rename(&target, &old)?;
        failpoint("between-renames");
        fs::rename(&tmp, &target)?;
        fs::remove_dir_all(&old)?;
    }
    File::open(out_root)?.sync_all()?;
    Ok(Outcome::Written)
}

/// Swaps two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`), so the version folder
/// is never missing, even for an instant.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (a, b) = (
        CString::new(a.as_os_str().as_bytes())?,
        CString::new(b.as_os_str().as_bytes())?,
    );
    // SAFETY: both are valid NUL-terminated paths, resolved against the current directory.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::other("no atomic exchange on this platform"))
}

/// Test hook: `KDATA_FAILPOINT=<name>` aborts the process at that point, as a kill would,
/// so the tests can prove that an interrupted build leaves the previous output intact.
fn failpoint(name: &str) {
    if std::env::var("KDATA_FAILPOINT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}

/// Files whose bytes differ from the released version's, or that only one has.
fn differing_files(released: &BTreeMap<String, String>, written: &[Written]) -> Vec<String> {
    let new: BTreeMap<&str, &str> = written
        .iter()
        .map(|w| (w.path.as_str(), w.sha256.as_str()))
        .collect();
    let old: BTreeMap<&str, &str> = released
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut out: Vec<String> = old
        .keys()
        .chain(new.keys())
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| k.to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn release_notes(ds: &Dataset) -> String {
    match &ds.released.previous {
        None => format!("## {}\n\nFirst release.\n\n", ds.meta.version),
        Some(old) => {
            let diffs = crate::diff::diff(old, &crate::diff::version_of(ds));
            crate::diff::to_markdown(
                &format!("{} (changes since {})", ds.meta.version, old.version),
                &diffs,
                &ds.reasons,
            )
        }
    }
}

/// Writes every file of a version into `dir` (which must exist and be empty).
pub fn write_files(ds: &Dataset, dir: &Path) -> io::Result<Vec<Written>> {
    fs::create_dir_all(dir.join("csv"))?;
    fs::create_dir_all(dir.join("parquet"))?;
    // Tables are encoded on all cores; each file is written as soon as it is made and
    // only its size and hash are kept.
    // Each table becomes one Arrow batch, once: Parquet, the release surface and the
    // site all read it. A tables-only build needs a batch only for its Parquet file (and
    // the documents' for the citation), so the others are made in that job and dropped
    // after it (a sixth less memory at corpus scale).
    let put = |path: String, bytes: Vec<u8>| put_file(dir, path, bytes);
    let batch_of = |t: &Table| {
        record_batch(
            t.schema,
            &t.rows.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
        )
    };
    let batches: Vec<Option<RecordBatch>> = ds
        .tables
        .par_iter()
        .map(|t| {
            (!ds.tables_only || t.schema.name == "documents")
                .then(|| batch_of(t))
                .transpose()
        })
        .collect::<io::Result<_>>()?;
    // CSV and Parquet of each table are separate jobs, taken largest first by whichever
    // core is free (`par_bridge` hands them out in order), so the cores finish together
    // instead of one making the largest table's files alone at the end.
    #[derive(Clone, Copy)]
    enum Job {
        Csv,
        Parquet,
        Hive,
    }
    let jobs: Vec<(&Table, &Option<RecordBatch>, Job)> = ds
        .tables
        .iter()
        .zip(&batches)
        .flat_map(|(t, b)| {
            let hive = ds.partition_by_doc.then_some((t, b, Job::Hive));
            [(t, b, Job::Csv), (t, b, Job::Parquet)]
                .into_iter()
                .chain(hive)
        })
        .collect();
    let run = |(t, batch, job): (&Table, &Option<RecordBatch>, Job)| -> io::Result<Vec<Written>> {
        match job {
            // Streamed to the file, hashed on the way: the largest table's CSV is over
            // 100 MB at corpus scale.
            Job::Csv => Ok(vec![write_csv(
                dir,
                format!("csv/{}.csv", t.schema.name),
                t,
            )?]),
            Job::Parquet => {
                let bytes = match batch {
                    Some(b) => parquet_bytes(ds, t.schema, b)?,
                    None => parquet_bytes(ds, t.schema, &batch_of(t)?)?,
                };
                Ok(vec![put(
                    format!("parquet/{}.parquet", t.schema.name),
                    bytes,
                )?])
            }
            Job::Hive => hive_files(ds, t)?
                .into_iter()
                .map(|(path, bytes)| {
                    fs::create_dir_all(dir.join(&path).parent().unwrap())?;
                    put(path, bytes)
                })
                .collect(),
        }
    };
    let size = |i: &usize| jobs[*i].0.rows.len() * jobs[*i].0.schema.fields.len();
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(size(i)));
    let mut per_job: Vec<(usize, io::Result<Vec<Written>>)> = order
        .into_iter()
        .par_bridge()
        .map(|i| (i, run(jobs[i])))
        .collect();
    // Back in the order of the tables, whatever order they were made in.
    per_job.sort_by_key(|(i, _)| *i);
    let mut written: Vec<Written> = Vec::new();
    for (_, files) in per_job {
        written.extend(files?);
    }
    crate::timings::mark("CSV, Parquet");
    let package = datapackage(ds, &written);
    let sha_of = |name: &str| {
        let path = format!("parquet/{name}.parquet");
        written
            .iter()
            .find(|w| w.path == path)
            .map(|w| w.sha256.clone())
            .unwrap_or_default()
    };
    // The release surface (card, citation, deposit metadata, dictionary, SQLite, GraphML)
    // is generated from the same batches (a tables-only build has only the documents').
    let tables: Vec<cells::TableRef> = ds
        .tables
        .iter()
        .zip(&batches)
        .filter_map(|(t, b)| Some((t.schema, b.as_ref()?)))
        .collect();
    let m = ds.meta;
    // One citation everywhere: Croissant's citeAs is the card's BibTeX.
    let croissant = metadata::croissant(ds, &sha_of, &citation::bibtex(m, &tables));
    let mut meta: Vec<(String, Vec<u8>)> = vec![
        (
            "datapackage.json".into(),
            (serde_json::to_string_pretty(&package)? + "\n").into_bytes(),
        ),
        (
            "croissant.json".into(),
            (serde_json::to_string_pretty(&croissant)? + "\n").into_bytes(),
        ),
        ("codebook.md".into(), metadata::codebook(ds).into_bytes()),
    ];
    meta.extend(ds.includes.iter().cloned());
    if ds.tables_only {
        for (path, bytes) in meta {
            written.push(put_file(dir, path, bytes)?);
        }
        return finish_sums(dir, written);
    }
    let db = sqlite::file_name(m);
    meta.extend([
        ("README.md".to_string(), card::card(m, &tables).into_bytes()),
        (
            "CITATION.cff".to_string(),
            citation::citation_cff(m, &tables).into_bytes(),
        ),
        (
            ".zenodo.json".to_string(),
            citation::zenodo_json(m, &tables).into_bytes(),
        ),
        (
            "data_dictionary.csv".to_string(),
            dictionary::data_dictionary(&tables)?,
        ),
        (graphml::FILE.to_string(), graphml::graphml(&tables)),
        (
            sqlite::METADATA_FILE.to_string(),
            sqlite::datasette_metadata(m, &tables, &m.name).into_bytes(),
        ),
    ]);
    for (path, bytes) in meta {
        written.push(put_file(dir, path, bytes)?);
    }
    sqlite::write_database(m, &tables, &dir.join(&db))?;
    written.push(record_file(dir, db)?);
    if ds.site {
        let site = write_site(ds, dir, &tables, &written)?;
        written.extend(site);
    }
    finish_sums(dir, written)
}

/// Writes `SHA256SUMS` of the files written so far.
fn finish_sums(dir: &Path, mut written: Vec<Written>) -> io::Result<Vec<Written>> {
    let mut sorted: Vec<&Written> = written.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let sums: String = sorted
        .iter()
        .map(|w| format!("{}  {}\n", w.sha256, w.path))
        .collect();
    let mut f = File::create(dir.join("SHA256SUMS"))?;
    f.write_all(sums.as_bytes())?;
    written.push(Written {
        sha256: hex_sha256(sums.as_bytes()),
        bytes: sums.len(),
        path: "SHA256SUMS".into(),
    });
    Ok(written)
}

/// Last, the whole folder (release notes included) as one archive; it cannot hold
/// itself, so its SHA-256 is in a file of its own.
fn write_archive(ds: &Dataset, dir: &Path) -> io::Result<Vec<Written>> {
    let top = archive::top_folder(ds.meta);
    let (name, sum) = (format!("{top}.tar.gz"), format!("{top}.tar.gz.sha256"));
    let bytes = archive::tar_gz(
        dir,
        &top,
        &[&name, &sum],
        archive::mtime_of(&ds.meta.published),
    )?;
    let w = put_file(dir, name.clone(), bytes)?;
    let s = put_file(dir, sum, format!("{}  {name}\n", w.sha256).into_bytes())?;
    Ok(vec![w, s])
}

/// Renders the static site (`site/`) from the tables, the sources and the files written
/// so far (its download list), and writes it.
fn write_site(
    ds: &Dataset,
    dir: &Path,
    tables: &[cells::TableRef],
    written: &[Written],
) -> io::Result<Vec<Written>> {
    let files: Vec<site::FileSum> = written
        .iter()
        .map(|w| site::FileSum {
            path: w.path.clone(),
            bytes: w.bytes as u64,
            sha256: w.sha256.clone(),
        })
        .collect();
    let site = site::render(ds.meta, tables, &ds.texts, &files).map_err(io::Error::other)?;
    let mut out = Vec::with_capacity(site.len());
    for (path, bytes) in site {
        let full = dir.join(&path);
        fs::create_dir_all(full.parent().expect("site paths have a folder"))?;
        fs::write(&full, &bytes)?;
        out.push(Written {
            sha256: hex_sha256(&bytes),
            bytes: bytes.len(),
            path,
        });
    }
    Ok(out)
}

/// Flushes every file written under `dir`, whose handle `folder` was opened before they
/// were: Linux `syncfs`, one call for the whole file system; elsewhere `sync_all` of each
/// file and folder.
#[cfg(target_os = "linux")]
fn sync_folder(folder: &File, _dir: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid open file descriptor.
    if unsafe { libc::syncfs(folder.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_folder(folder: &File, dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            sync_folder(&File::open(&path)?, &path)?;
        } else {
            File::open(&path)?.sync_all()?;
        }
    }
    folder.sync_all()
}

/// A file a library wrote into the version (the SQLite database): recorded with its size
/// and hash, without writing it a second time.
fn record_file(dir: &Path, path: String) -> io::Result<Written> {
    let full = dir.join(&path);
    let bytes = fs::read(&full)?;
    Ok(Written {
        sha256: hex_sha256(&bytes),
        bytes: bytes.len(),
        path,
    })
}

/// Writes one file of the version and returns its size and hash (`write_version` makes
/// them all durable at once).
fn put_file(dir: &Path, path: String, bytes: Vec<u8>) -> io::Result<Written> {
    let mut f = File::create(dir.join(&path))?;
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    f.write_all(head)?;
    if path == "parquet/mentions.parquet" {
        failpoint("mid-file");
    }
    f.write_all(tail)?;
    Ok(Written {
        sha256: hex_sha256(&bytes),
        bytes: bytes.len(),
        path,
    })
}

/// A file of the version: its path, size and SHA-256.
pub struct Written {
    path: String,
    bytes: usize,
    sha256: String,
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// A writer that hashes and counts the bytes that pass through it.
struct Hashing<W> {
    inner: W,
    sha: Sha256,
    bytes: usize,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.bytes += n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a table's CSV file of the version and returns its size and hash.
fn write_csv(dir: &Path, path: String, t: &Table) -> io::Result<Written> {
    let file = io::BufWriter::with_capacity(1 << 16, File::create(dir.join(&path))?);
    let mut out = csv_to(
        t,
        Hashing {
            inner: file,
            sha: Sha256::new(),
            bytes: 0,
        },
    )?;
    out.flush()?;
    Ok(Written {
        sha256: format!("{:x}", out.sha.finalize()),
        bytes: out.bytes,
        path,
    })
}

/// RFC 4180 CSV: header row, CRLF line ends, quotes only where needed, nulls empty.
fn csv_to<W: Write>(t: &Table, out: W) -> io::Result<W> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(t.schema.fields.iter().map(|f| f.name.as_str()))?;
    let mut cell = String::new();
    for row in &t.rows {
        for v in row {
            match v.view() {
                Cell::Str(s) => w.write_field(s.as_bytes())?,
                Cell::Null => w.write_field(b"")?,
                _ => {
                    cell.clear();
                    v.write_text(&mut cell);
                    w.write_field(cell.as_bytes())?
                }
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

fn is_enum(f: &crate::schema::Field) -> bool {
    f.ftype == FieldType::String && f.vocabulary.is_some()
}

/// The Arrow schema of a table: types from the table schema, descriptions as metadata.
pub fn arrow_schema(schema: &Schema, meta: HashMap<String, String>) -> ArrowSchema {
    let fields: Vec<Field> = schema
        .fields
        .iter()
        .map(|f| {
            let dt = match f.ftype {
                FieldType::String if is_enum(f) => {
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
                }
                FieldType::String => DataType::Utf8,
                FieldType::Integer => DataType::Int64,
                FieldType::Number => DataType::Float64,
                FieldType::Boolean => DataType::Boolean,
                FieldType::Date => DataType::Date32,
            };
            // Ranked vocabularies (`x-ordered`) become ordered dictionaries, which readers
            // sort by rank.
            Field::new(&f.name, dt, !f.required)
                .with_dict_is_ordered(f.ordered)
                .with_metadata(HashMap::from([(
                    "description".to_string(),
                    f.description.clone(),
                )]))
        })
        .collect();
    ArrowSchema::new_with_metadata(fields, meta)
}

/// One column being filled, row by row: the rows are read once each, in order, rather
/// than once per column (a pass per column was a tenth of a corpus-sized build, most of
/// it waiting on memory).
enum Column<'s> {
    /// Keys into the field's vocabulary, which is the dictionary.
    Enum(&'s crate::schema::Field, Int32Builder),
    Str(StringBuilder),
    Int(Int64Builder),
    Num(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
}

impl<'s> Column<'s> {
    fn new(f: &'s crate::schema::Field, rows: usize) -> Self {
        match f.ftype {
            FieldType::String if is_enum(f) => Column::Enum(f, Int32Builder::with_capacity(rows)),
            FieldType::String => Column::Str(StringBuilder::with_capacity(rows, 0)),
            FieldType::Integer => Column::Int(Int64Builder::with_capacity(rows)),
            FieldType::Number => Column::Num(Float64Builder::with_capacity(rows)),
            FieldType::Boolean => Column::Bool(BooleanBuilder::with_capacity(rows)),
            FieldType::Date => Column::Date(Date32Builder::with_capacity(rows)),
        }
    }
    fn push(&mut self, v: &Value) {
        match self {
            Column::Enum(f, b) => b.append_option(v.as_str().and_then(|s| {
                let voc = f.vocabulary.as_ref()?;
                voc.iter().position(|(k, _)| k == s).map(|k| k as i32)
            })),
            Column::Str(b) => b.append_option(v.as_str()),
            Column::Int(b) => b.append_option(v.as_int()),
            Column::Num(b) => b.append_option(v.as_f64()),
            Column::Bool(b) => b.append_option(v.as_bool()),
            Column::Date(b) => b.append_option(v.as_date()),
        }
    }
    fn finish(self) -> ArrayRef {
        match self {
            Column::Enum(f, mut b) => {
                let voc = f.vocabulary.iter().flatten();
                let dict = StringArray::from_iter_values(voc.map(|(k, _)| k.as_str()));
                Arc::new(
                    DictionaryArray::<Int32Type>::try_new(b.finish(), Arc::new(dict))
                        .expect("keys index the vocabulary"),
                )
            }
            Column::Str(mut b) => Arc::new(b.finish()),
            Column::Int(mut b) => Arc::new(b.finish()),
            Column::Num(mut b) => Arc::new(b.finish()),
            Column::Bool(mut b) => Arc::new(b.finish()),
            Column::Date(mut b) => Arc::new(b.finish()),
        }
    }
}

/// Metadata every Parquet file carries: which dataset version and which sources.
fn file_metadata(ds: &Dataset, table: &str) -> Vec<(String, String)> {
    let sources: Vec<String> = ds.sources.iter().map(|(d, h)| format!("{d}={h}")).collect();
    vec![
        ("dataset".into(), ds.meta.name.clone()),
        ("dataset_version".into(), ds.meta.version.clone()),
        ("table".into(), table.to_string()),
        ("source_sha256".into(), sources.join(";")),
    ]
}

fn parquet_bytes(ds: &Dataset, schema: &Schema, batch: &RecordBatch) -> io::Result<Vec<u8>> {
    let start = std::time::Instant::now();
    let bytes = encode_parquet(ds, schema, batch, None);
    PARQUET_NANOS.fetch_add(
        start.elapsed().as_nanos() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    bytes
}

/// zstd's own default level: level 9 (used up to 1.1.0) took about three times as long to
/// encode for files a few per cent smaller, the largest cost of a corpus-sized build.
const ZSTD_LEVEL: i32 = 3;

/// Time spent encoding the flat Parquet tables, summed over threads (for `--timings`).
pub static PARQUET_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The rows of a table as one Arrow batch, typed by its schema (columns in schema order,
/// descriptions in the field metadata): what Parquet, SQLite, GraphML and the card read.
pub fn record_batch(schema: &Schema, rows: &[&[Value]]) -> io::Result<RecordBatch> {
    let arrow = Arc::new(arrow_schema(schema, HashMap::new()));
    let mut columns: Vec<Column> = schema
        .fields
        .iter()
        .map(|f| Column::new(f, rows.len()))
        .collect();
    for row in rows {
        for (c, v) in columns.iter_mut().zip(row.iter()) {
            c.push(v);
        }
    }
    let columns: Vec<ArrayRef> = columns.into_iter().map(Column::finish).collect();
    RecordBatch::try_new(arrow, columns).map_err(|e| io::Error::other(e.to_string()))
}

/// Encodes a table's batch as one Parquet file; `without` leaves out one column (the
/// partition column of a Hive layout, which readers take from the path).
fn encode_parquet(
    ds: &Dataset,
    schema: &Schema,
    batch: &RecordBatch,
    without: Option<usize>,
) -> io::Result<Vec<u8>> {
    let meta = file_metadata(ds, &schema.name);
    let mut arrow = arrow_schema(schema, meta.iter().cloned().collect());
    let keep: Vec<usize> = (0..schema.fields.len())
        .filter(|&i| Some(i) != without)
        .collect();
    arrow = arrow
        .project(&keep)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let arrow = Arc::new(arrow);
    let batch = batch
        .project(&keep)
        .and_then(|b| b.with_schema(arrow.clone()))
        .map_err(|e| io::Error::other(e.to_string()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).expect("a valid zstd level"),
        ))
        .set_created_by(format!("kdata {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(
            meta.into_iter().map(|(k, v)| KeyValue::new(k, v)).collect(),
        ))
        .build();
    // Not ArrowWriter: it would keep only the vocabulary values present, in order of appearance.
    parquet_out::encode(&batch, props).map_err(|e| io::Error::other(e.to_string()))
}

/// The Hive layout by document: `parquet-by-doc/<table>/doc_id=<id>/part-0.parquet`, read
/// as-is by DuckDB, Spark or Trino (`hive_partitioning`). Returns (path, bytes) pairs.
fn hive_files(ds: &Dataset, t: &Table) -> io::Result<Vec<(String, Vec<u8>)>> {
    let Some(d) = t.schema.index("doc_id") else {
        return Ok(Vec::new());
    };
    let mut groups: std::collections::BTreeMap<String, Vec<&[Value]>> =
        std::collections::BTreeMap::new();
    for r in &t.rows {
        groups.entry(r[d].to_text()).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|(doc, rows)| {
            Ok((
                format!(
                    "parquet-by-doc/{}/doc_id={doc}/part-0.parquet",
                    t.schema.name
                ),
                encode_parquet(ds, t.schema, &record_batch(t.schema, &rows)?, Some(d))?,
            ))
        })
        .collect()
}

/// The Frictionless Data Package descriptor: one CSV resource per table.
fn datapackage(ds: &Dataset, files: &[Written]) -> Json {
    let m = ds.meta;
    let file = |path: &str| {
        files
            .iter()
            .find(|w| w.path == path)
            .expect("written above")
    };
    let mut resources = Vec::new();
    for t in &ds.tables {
        let name = &t.schema.name;
        // CSV only: frictionless reads CSV fully and exactly, while its Parquet reader goes
        // through pandas and misreads nullable integers and `bytes`, so a package listing
        // Parquet would not validate as shipped. croissant.json describes the Parquet files.
        let path = format!("csv/{name}.csv");
        let w = file(&path);
        let mut r = Map::new();
        r.insert("name".into(), json!(name));
        r.insert("title".into(), json!(format!("{} (CSV)", t.schema.title)));
        r.insert("description".into(), json!(t.schema.description));
        r.insert("profile".into(), json!("tabular-data-resource"));
        r.insert("path".into(), json!(path));
        r.insert("format".into(), json!("csv"));
        r.insert("mediatype".into(), json!("text/csv"));
        r.insert("encoding".into(), json!("utf-8"));
        r.insert(
            "dialect".into(),
            json!({"delimiter": ",", "lineTerminator": "\r\n", "header": true}),
        );
        r.insert("bytes".into(), json!(w.bytes));
        r.insert("hash".into(), json!(format!("sha256:{}", w.sha256)));
        r.insert("schema".into(), t.schema.json.clone());
        resources.push(Json::Object(r));
    }
    let mut package = json!({
        "profile": "tabular-data-package",
        "name": m.name,
        "title": m.title,
        "version": m.version,
        "description": m.description,
        "keywords": m.keywords,
        "licenses": m.licenses.iter().map(|l| json!({"name": l.name, "title": l.title, "path": l.path})).collect::<Vec<_>>(),
        "contributors": m.contributors.iter().map(|c| json!({"title": c.title, "role": c.role})).collect::<Vec<_>>(),
        "sources": ds.sources.iter().map(|(d, h)| json!({"title": d, "path": format!("raw/documents/{d}"), "sha256": h})).collect::<Vec<_>>(),
        "resources": resources,
    });
    if let Some(h) = &m.homepage {
        package["homepage"] = json!(h);
    }
    package
}
