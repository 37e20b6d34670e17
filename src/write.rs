//! Writing a dataset version: CSV and Parquet per table, `datapackage.json`, the static site and
//! `SHA256SUMS`, first into a temporary folder beside the target, then renamed into
//! place, so a failed or interrupted build never leaves a half-written version.

use crate::build::{Dataset, Table};
use crate::schema::{FieldType, Schema};
use crate::value::Value;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema as ArrowSchema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
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

/// A released version holds its changelog entry; its other files never change.
pub const RELEASE_NOTES: &str = "CHANGES.md";

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
    write_files(ds, &tmp)?;
    if target.join(RELEASE_NOTES).exists() {
        let differ = differing_files(&target, &tmp)?;
        fs::remove_dir_all(&tmp)?;
        return Ok(if differ.is_empty() { Outcome::AlreadyReleased } else { Outcome::ReleasedDiffers(differ) });
    }
    if release {
        let notes = release_notes(ds, out_root, &tmp)?;
        fs::write(tmp.join(RELEASE_NOTES), &notes)?;
    }
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
    let (a, b) = (CString::new(a.as_os_str().as_bytes())?, CString::new(b.as_os_str().as_bytes())?);
    // SAFETY: both are valid NUL-terminated paths, resolved against the current directory.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
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

/// Files of `a` and `b` (release notes aside) whose bytes differ or that only one has.
fn differing_files(a: &Path, b: &Path) -> io::Result<Vec<String>> {
    let (fa, fb) = (list_files(a)?, list_files(b)?);
    let mut out: Vec<String> = fa.keys().chain(fb.keys()).filter(|k| k.as_str() != RELEASE_NOTES && fa.get(*k) != fb.get(*k)).cloned().collect();
    out.sort();
    out.dedup();
    Ok(out)
}

fn list_files(dir: &Path) -> io::Result<std::collections::BTreeMap<String, Vec<u8>>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, fs::read(&p)?);
            }
        }
    }
    Ok(out)
}

/// Released versions of this dataset in `out_root`, oldest first.
pub fn releases(out_root: &Path, name: &str) -> io::Result<Vec<(Vec<u64>, PathBuf)>> {
    let mut out = Vec::new();
    if !out_root.exists() {
        return Ok(out);
    }
    for e in fs::read_dir(out_root)? {
        let p = e?.path();
        let file = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(v) = file.strip_prefix(&format!("{name}-")) else { continue };
        let parts: Option<Vec<u64>> = v.split('.').map(|x| x.parse().ok()).collect();
        if let Some(parts) = parts.filter(|p| p.len() == 3) {
            if p.join(RELEASE_NOTES).exists() {
                out.push((parts, p));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn release_notes(ds: &Dataset, out_root: &Path, new: &Path) -> io::Result<String> {
    let ver: Vec<u64> = ds.meta.version.split('.').filter_map(|x| x.parse().ok()).collect();
    let previous = releases(out_root, &ds.meta.name)?.into_iter().filter(|(v, _)| *v < ver).last();
    Ok(match previous {
        None => format!("## {}

First release.

", ds.meta.version),
        Some((v, dir)) => {
            let old = v.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
            let diffs = crate::diff::diff_versions(&dir, new)?;
            crate::diff::to_markdown(&format!("{} (changes since {old})", ds.meta.version), &diffs)
        }
    })
}

/// Writes every file of a version into `dir` (which must exist and be empty).
pub fn write_files(ds: &Dataset, dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir.join("csv"))?;
    fs::create_dir_all(dir.join("parquet"))?;
    // Tables are encoded on all cores; each file is written as soon as it is made and
    // only its size and hash are kept.
    let put = |path: String, bytes: Vec<u8>| put_file(dir, path, bytes);
    let per_table = crate::par::map(
        &ds.tables,
        |t| -> io::Result<Vec<Written>> {
            let mut files = vec![put(format!("csv/{}.csv", t.schema.name), csv_bytes(t)?)?, put(format!("parquet/{}.parquet", t.schema.name), parquet_bytes(ds, t)?)?];
            if ds.partition_by_doc {
                for (path, bytes) in hive_files(ds, t)? {
                    fs::create_dir_all(dir.join(&path).parent().unwrap())?;
                    files.push(put(path, bytes)?);
                }
            }
            Ok(files)
        },
        &|_| {},
    );
    let mut written: Vec<Written> = Vec::new();
    for files in per_table {
        written.extend(files?);
    }
    let package = datapackage(ds, &written);
    let sha_of = |name: &str| {
        let path = format!("parquet/{name}.parquet");
        written.iter().find(|w| w.path == path).map(|w| w.sha256.clone()).unwrap_or_default()
    };
    let croissant = crate::metadata::croissant(ds, &sha_of, &ds.cite_as);
    let mut meta: Vec<(String, Vec<u8>)> = vec![
        ("datapackage.json".into(), (serde_json::to_string_pretty(&package)? + "\n").into_bytes()),
        ("croissant.json".into(), (serde_json::to_string_pretty(&croissant)? + "\n").into_bytes()),
        ("codebook.md".into(), crate::metadata::codebook(ds).into_bytes()),
    ];
    meta.extend(ds.includes.iter().cloned());
    for (path, bytes) in meta {
        written.push(put_file(dir, path, bytes)?);
    }
    if ds.site {
        written.extend(write_site(ds, dir, &written)?);
    }
    let mut sorted: Vec<&Written> = written.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let sums: String = sorted.iter().map(|w| format!("{}  {}\n", w.sha256, w.path)).collect();
    let mut f = File::create(dir.join("SHA256SUMS"))?;
    f.write_all(sums.as_bytes())?;
    f.sync_all()
}

/// Renders the static site (`site/`) from the tables, the sources and the files written
/// so far (its download list), and writes it. Site files are many and small: they are
/// flushed together by one `syncfs` rather than one `fsync` each.
fn write_site(ds: &Dataset, dir: &Path, written: &[Written]) -> io::Result<Vec<Written>> {
    let batches: Vec<RecordBatch> = ds.tables.iter().map(|t| record_batch(t.schema, &t.rows)).collect::<io::Result<_>>()?;
    let tables: Vec<(&Schema, &RecordBatch)> = ds.tables.iter().map(|t| t.schema).zip(&batches).collect();
    let files: Vec<crate::site::FileSum> =
        written.iter().map(|w| crate::site::FileSum { path: w.path.clone(), bytes: w.bytes as u64, sha256: w.sha256.clone() }).collect();
    let site = crate::site::render(ds.meta, &tables, &ds.texts, &files).map_err(io::Error::other)?;
    let mut out = Vec::with_capacity(site.len());
    for (path, bytes) in site {
        let full = dir.join(&path);
        fs::create_dir_all(full.parent().expect("site paths have a folder"))?;
        fs::write(&full, &bytes)?;
        out.push(Written { sha256: hex_sha256(&bytes), bytes: bytes.len(), path });
    }
    sync_folder(dir)?;
    Ok(out)
}

/// Flushes every file written under `dir` (Linux `syncfs`; elsewhere `sync_all` of each file
/// is left to the caller's platform, and the folder itself is synced).
#[cfg(target_os = "linux")]
fn sync_folder(dir: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let f = File::open(dir)?;
    // SAFETY: a valid open file descriptor.
    if unsafe { libc::syncfs(f.as_raw_fd()) } == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn sync_folder(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes one file of the version (durably) and returns its size and hash.
fn put_file(dir: &Path, path: String, bytes: Vec<u8>) -> io::Result<Written> {
    let mut f = File::create(dir.join(&path))?;
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    f.write_all(head)?;
    if path == "parquet/mentions.parquet" {
        failpoint("mid-file");
    }
    f.write_all(tail)?;
    f.sync_all()?;
    Ok(Written { sha256: hex_sha256(&bytes), bytes: bytes.len(), path })
}

/// A file of the version: its path, size and SHA-256.
struct Written {
    path: String,
    bytes: usize,
    sha256: String,
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// RFC 4180 CSV: header row, CRLF line ends, quotes only where needed, nulls empty.
fn csv_bytes(t: &Table) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(t.schema.fields.iter().map(|f| f.name.as_str()))?;
    let mut cell = String::new();
    for row in &t.rows {
        for v in row {
            match v {
                Value::Str(s) => w.write_field(s.as_bytes())?,
                Value::Null => w.write_field(b"")?,
                other => {
                    cell.clear();
                    cell.push_str(&other.to_text());
                    w.write_field(cell.as_bytes())?
                }
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
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
                FieldType::String if is_enum(f) => DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                FieldType::String => DataType::Utf8,
                FieldType::Integer => DataType::Int64,
                FieldType::Number => DataType::Float64,
                FieldType::Boolean => DataType::Boolean,
                FieldType::Date => DataType::Date32,
            };
            Field::new(&f.name, dt, !f.required).with_metadata(HashMap::from([("description".to_string(), f.description.clone())]))
        })
        .collect();
    ArrowSchema::new_with_metadata(fields, meta)
}

fn column(f: &crate::schema::Field, rows: &[&[Value]], i: usize) -> ArrayRef {
    let vals = rows.iter().map(|r| &r[i]);
    match f.ftype {
        FieldType::String if is_enum(f) => {
            let voc = f.vocabulary.as_ref().unwrap();
            let keys: Int32Array = vals.map(|v| v.as_str().and_then(|s| voc.iter().position(|(k, _)| k == s)).map(|k| k as i32)).collect();
            let dict = StringArray::from_iter_values(voc.iter().map(|(k, _)| k.as_str()));
            Arc::new(DictionaryArray::<Int32Type>::try_new(keys, Arc::new(dict)).expect("keys index the vocabulary"))
        }
        FieldType::String => Arc::new(vals.map(Value::as_str).collect::<StringArray>()),
        FieldType::Integer => Arc::new(vals.map(Value::as_int).collect::<Int64Array>()),
        FieldType::Number => Arc::new(vals.map(Value::as_f64).collect::<Float64Array>()),
        FieldType::Boolean => Arc::new(vals.map(|v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        }).collect::<BooleanArray>()),
        FieldType::Date => Arc::new(vals.map(|v| match v {
            Value::Date(d) => Some(*d),
            _ => None,
        }).collect::<Date32Array>()),
    }
}

/// A table's rows as one Arrow RecordBatch (typed as in the Parquet files, no metadata).
pub fn record_batch(schema: &Schema, rows: &[Vec<Value>]) -> io::Result<RecordBatch> {
    let rows: Vec<&[Value]> = rows.iter().map(Vec::as_slice).collect();
    let columns: Vec<ArrayRef> = (0..schema.fields.len()).map(|i| column(&schema.fields[i], &rows, i)).collect();
    RecordBatch::try_new(Arc::new(arrow_schema(schema, HashMap::new())), columns).map_err(|e| io::Error::other(e.to_string()))
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

fn parquet_bytes(ds: &Dataset, t: &Table) -> io::Result<Vec<u8>> {
    let start = std::time::Instant::now();
    let rows: Vec<&[Value]> = t.rows.iter().map(Vec::as_slice).collect();
    let bytes = encode_parquet(ds, t.schema, &rows, None);
    PARQUET_NANOS.fetch_add(start.elapsed().as_nanos() as u64, std::sync::atomic::Ordering::Relaxed);
    bytes
}

/// Time spent encoding the flat Parquet tables, summed over threads (for `--timings`).
pub static PARQUET_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Encodes rows as one Parquet file; `without` leaves out one column (the partition
/// column of a Hive layout, which readers take from the path).
fn encode_parquet(ds: &Dataset, schema: &Schema, rows: &[&[Value]], without: Option<usize>) -> io::Result<Vec<u8>> {
    let meta = file_metadata(ds, &schema.name);
    let mut arrow = arrow_schema(schema, meta.iter().cloned().collect());
    let keep: Vec<usize> = (0..schema.fields.len()).filter(|&i| Some(i) != without).collect();
    arrow = arrow.project(&keep).map_err(|e| io::Error::other(e.to_string()))?;
    let columns: Vec<ArrayRef> = keep.iter().map(|&i| column(&schema.fields[i], rows, i)).collect();
    let arrow = Arc::new(arrow);
    let batch = RecordBatch::try_new(arrow.clone(), columns).map_err(|e| io::Error::other(e.to_string()))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(9).unwrap()))
        .set_created_by(format!("kdata {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(meta.into_iter().map(|(k, v)| KeyValue::new(k, v)).collect()))
        .build();
    let mut buf = Vec::new();
    let mut w = ArrowWriter::try_new(&mut buf, arrow, Some(props)).map_err(|e| io::Error::other(e.to_string()))?;
    w.write(&batch).map_err(|e| io::Error::other(e.to_string()))?;
    w.close().map_err(|e| io::Error::other(e.to_string()))?;
    Ok(buf)
}

/// The Hive layout by document: `parquet-by-doc/<table>/doc_id=<id>/part-0.parquet`, read
/// as-is by DuckDB, Spark or Trino (`hive_partitioning`). Returns (path, bytes) pairs.
fn hive_files(ds: &Dataset, t: &Table) -> io::Result<Vec<(String, Vec<u8>)>> {
    let Some(d) = t.schema.index("doc_id") else { return Ok(Vec::new()) };
    let mut groups: std::collections::BTreeMap<String, Vec<&[Value]>> = std::collections::BTreeMap::new();
    for r in &t.rows {
        groups.entry(r[d].to_text()).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|(doc, rows)| Ok((format!("parquet-by-doc/{}/doc_id={doc}/part-0.parquet", t.schema.name), encode_parquet(ds, t.schema, &rows, Some(d))?)))
        .collect()
}

/// The Frictionless Data Package descriptor: one resource per table and format.
fn datapackage(ds: &Dataset, files: &[Written]) -> Json {
    let m = ds.meta;
    let file = |path: &str| files.iter().find(|w| w.path == path).expect("written above");
    let mut resources = Vec::new();
    for t in &ds.tables {
        let name = &t.schema.name;
        for (fmt, path, media, res_name) in [
            ("csv", format!("csv/{name}.csv"), "text/csv", name.clone()),
            ("parquet", format!("parquet/{name}.parquet"), "application/vnd.apache.parquet", format!("{name}-parquet")),
        ] {
            let w = file(&path);
            let mut r = Map::new();
            r.insert("name".into(), json!(res_name));
            r.insert("title".into(), json!(format!("{} ({})", t.schema.title, fmt.to_uppercase())));
            r.insert("description".into(), json!(t.schema.description));
            r.insert("profile".into(), json!("tabular-data-resource"));
            r.insert("path".into(), json!(path));
            r.insert("format".into(), json!(fmt));
            r.insert("mediatype".into(), json!(media));
            if fmt == "csv" {
                r.insert("encoding".into(), json!("utf-8"));
                r.insert("dialect".into(), json!({"delimiter": ",", "lineTerminator": "\r\n", "header": true}));
            }
            r.insert("bytes".into(), json!(w.bytes));
            r.insert("hash".into(), json!(format!("sha256:{}", w.sha256)));
            r.insert("schema".into(), t.schema.json.clone());
            resources.push(Json::Object(r));
        }
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
