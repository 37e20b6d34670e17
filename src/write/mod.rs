//! Writing a dataset version. A `Draft` opens every table's files in a temporary folder
//! beside the target and takes the rows as documents finish (`tables`: CSV, Parquet,
//! the Hive layout); once closed, `datapackage.json`, the other metadata and the release
//! surface (`card`, `citation`, `dictionary`, `sqlite`, `graphml`, generated from the
//! tables as Arrow batches), the static site (`site`), `SHA256SUMS` and the archive
//! (`archive`) follow, and the folder is renamed into place, so a failed or interrupted
//! build never leaves a half-written version.

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
mod tables;

use crate::chunk::Chunk;
use crate::model::RELEASE_NOTES;
use crate::model::{Dataset, DatasetMeta, Sink, Table};
use crate::schema::Schema;
use arrow_array::RecordBatch;
use rayon::prelude::*;
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tables::TableFiles;

pub use tables::PARQUET_NANOS;

pub fn version_dir_name(meta: &DatasetMeta) -> String {
    format!("{}-{}", meta.name, meta.version)
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

/// What a build writes besides the tables.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Also write the Parquet tables in a Hive layout partitioned by document.
    pub partition_by_doc: bool,
    /// Write the static site (`site/`).
    pub site: bool,
    /// Write only the tables and their metadata: no card, SQLite, GraphML, site or
    /// archive (corpus-scale runs and benchmarks).
    pub tables_only: bool,
}

/// The temporary folder of a version being written, under `out_root/.lock`: removed
/// unless it was swapped into place.
struct Tmp {
    out_root: PathBuf,
    name: String,
    path: PathBuf,
    /// Opened before anything is written: `syncfs` reports the write errors seen since
    /// its descriptor was opened (Linux 5.8 and later).
    folder: File,
    _lock: File,
    armed: bool,
}

impl Drop for Tmp {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// A version being written: every table's files open in the temporary folder, filled
/// run by run as documents finish (the `Sink`).
pub struct Draft<'s> {
    tmp: Tmp,
    files: Vec<TableFiles<'s>>,
    options: Options,
}

/// A version whose tables are written: the metadata, the release surface, the sums and
/// the archive are next.
pub struct Closed<'s> {
    tmp: Tmp,
    pub tables: Vec<Table<'s>>,
    written: Vec<Written>,
    options: Options,
}

impl<'s> Draft<'s> {
    /// Takes `out_root/.lock` (concurrent builds take turns) and opens the files of every
    /// table of `schemas` in `out_root/.tmp-<name>`. `file_meta` goes into every Parquet
    /// file; `keep` keeps every table's rows for the release surface (the documents'
    /// are always kept: the citation reads them).
    pub fn begin(
        out_root: &Path,
        name: &str,
        schemas: &[&'s Schema],
        file_meta: &dyn Fn(&str) -> Vec<(String, String)>,
        options: Options,
        keep: bool,
    ) -> io::Result<Draft<'s>> {
        fs::create_dir_all(out_root)?;
        let lock = File::create(out_root.join(".lock"))?;
        lock.lock()?;
        let target = out_root.join(name);
        let path = out_root.join(format!(".tmp-{name}"));
        let old = out_root.join(format!(".old-{name}"));
        // A build killed between the two renames of the swap left the previous version
        // in `old`.
        if old.exists() && !target.exists() {
            fs::rename(&old, &target)?;
        }
        for stale in [&path, &old] {
            if stale.exists() {
                fs::remove_dir_all(stale)?;
            }
        }
        fs::create_dir_all(&path)?;
        let tmp = Tmp {
            out_root: out_root.to_path_buf(),
            name: name.to_string(),
            folder: File::open(&path)?,
            path,
            _lock: lock,
            armed: true,
        };
        fs::create_dir_all(tmp.path.join("csv"))?;
        fs::create_dir_all(tmp.path.join("parquet"))?;
        let files = schemas
            .iter()
            .map(|s| {
                let keep = crate::chunk::keeps_rows(s, keep);
                let meta = file_meta(&s.name);
                TableFiles::create(&tmp.path, s, meta, options.partition_by_doc, keep)
            })
            .collect::<io::Result<_>>()?;
        Ok(Draft {
            tmp,
            files,
            options,
        })
    }

    /// Closes every table's files.
    pub fn close(self) -> io::Result<Closed<'s>> {
        let closed: Vec<(Table, Vec<Written>)> = self
            .files
            .into_par_iter()
            .map(TableFiles::finish)
            .collect::<io::Result<_>>()?;
        crate::timings::mark("CSV, Parquet");
        let mut tables = Vec::with_capacity(closed.len());
        let mut written = Vec::new();
        for (t, w) in closed {
            tables.push(t);
            written.extend(w);
        }
        Ok(Closed {
            tmp: self.tmp,
            tables,
            written,
            options: self.options,
        })
    }
}

impl Sink for Draft<'_> {
    /// Each table's chunks go to its files, the tables on all cores, largest first.
    fn append(&mut self, runs: Vec<Vec<Chunk>>) -> io::Result<()> {
        let size = |chunks: &[Chunk]| chunks.iter().map(|c| c.csv.len()).sum::<usize>();
        let mut jobs: Vec<(&mut TableFiles, Vec<Chunk>)> =
            self.files.iter_mut().zip(runs).collect();
        jobs.sort_by_key(|(_, chunks)| std::cmp::Reverse(size(chunks)));
        jobs.into_par_iter()
            .with_max_len(1)
            .try_for_each(|(f, chunks)| chunks.into_iter().try_for_each(|c| f.append(c)))
    }
}

impl Closed<'_> {
    /// Writes the rest of the version and swaps it into place. An unreleased version is
    /// replaced; a released one is only compared (a difference is an error: bump the
    /// version). With `release`, the version is marked released with its changes since
    /// the previous release.
    pub fn finish(mut self, ds: &Dataset, release: bool) -> io::Result<Outcome> {
        let dir = self.tmp.path.clone();
        let mut written = self.write_files(ds, &dir)?;
        // The release notes go into the archive: a release writes them; rebuilding a
        // released version puts its notes back, so the archive can be compared byte for
        // byte.
        let notes = match (&ds.released.current_notes, release) {
            (Some(n), _) => Some(n.clone()),
            (None, true) => Some(release_notes(ds, &self.tables).into_bytes()),
            (None, false) => None,
        };
        if let Some(n) = notes {
            fs::write(dir.join(RELEASE_NOTES), n)?;
        }
        if !self.options.tables_only {
            written.extend(write_archive(ds.meta, &dir)?);
            crate::timings::mark("archive");
        }
        if let Some(released) = &ds.released.current {
            let differ = differing_files(released, &written);
            return Ok(if differ.is_empty() {
                Outcome::AlreadyReleased
            } else {
                Outcome::ReleasedDiffers(differ)
            });
        }
        // Every file of the version reaches the disk before the version is swapped in:
        // one `syncfs` instead of an `fsync` per file (which took a third of a
        // one-article build).
        sync_folder(&self.tmp.folder, &dir)?;
        failpoint("before-swap");
        let target = self.tmp.out_root.join(&self.tmp.name);
        let old = self.tmp.out_root.join(format!(".old-{}", self.tmp.name));
        if !target.exists() {
            fs::rename(&dir, &target)?;
            self.tmp.armed = false;
        } else if exchange(&dir, &target).is_ok() {
            failpoint("after-swap");
            fs::remove_dir_all(&dir)?; // now the previous version
            self.tmp.armed = false;
        } else {
            fs::rename(&target, &old)?;
            failpoint("between-renames");
            fs::rename(&dir, &target)?;
            self.tmp.armed = false;
            fs::remove_dir_all(&old)?;
        }
        File::open(&self.tmp.out_root)?.sync_all()?;
        Ok(Outcome::Written)
    }

    /// The metadata and the release surface (the tables are written already).
    fn write_files(&mut self, ds: &Dataset, dir: &Path) -> io::Result<Vec<Written>> {
        let mut written = std::mem::take(&mut self.written);
        let tables = &self.tables;
        // The release surface (card, citation, deposit metadata, dictionary, SQLite,
        // GraphML) is generated from Arrow batches of the kept rows (a tables-only build
        // keeps only the documents', for the citation).
        let batches: Vec<Option<RecordBatch>> = tables
            .par_iter()
            .map(|t| {
                let rows = t.rows.as_ref()?;
                let arrow = Arc::new(crate::chunk::arrow_schema(t.schema, HashMap::new()));
                Some(crate::chunk::record_batch(&arrow, t.schema, rows))
            })
            .map(Option::transpose)
            .collect::<io::Result<_>>()?;
        let refs: Vec<cells::TableRef> = tables
            .iter()
            .zip(&batches)
            .filter_map(|(t, b)| Some((t.schema, b.as_ref()?)))
            .collect();
        let package = datapackage(ds, tables, &written);
        let sha_of = |name: &str| {
            let path = format!("parquet/{name}.parquet");
            written
                .iter()
                .find(|w| w.path == path)
                .map(|w| w.sha256.clone())
                .unwrap_or_default()
        };
        let m = ds.meta;
        // One citation everywhere: Croissant's citeAs is the card's BibTeX.
        let croissant = metadata::croissant(m, tables, &sha_of, &citation::bibtex(m, &refs));
        let mut meta: Vec<(String, Vec<u8>)> = vec![
            (
                "datapackage.json".into(),
                (serde_json::to_string_pretty(&package)? + "\n").into_bytes(),
            ),
            (
                "croissant.json".into(),
                (serde_json::to_string_pretty(&croissant)? + "\n").into_bytes(),
            ),
            (
                "codebook.md".into(),
                metadata::codebook(m, tables).into_bytes(),
            ),
        ];
        meta.extend(ds.includes.iter().cloned());
        if self.options.tables_only {
            for (path, bytes) in meta {
                written.push(put_file(dir, path, bytes)?);
            }
            return finish_sums(dir, written);
        }
        crate::timings::mark("metadata");
        let db = sqlite::file_name(m);
        meta.extend([
            ("README.md".to_string(), card::card(m, &refs).into_bytes()),
            (
                "CITATION.cff".to_string(),
                citation::citation_cff(m, &refs).into_bytes(),
            ),
            (
                ".zenodo.json".to_string(),
                citation::zenodo_json(m, &refs).into_bytes(),
            ),
            (
                "data_dictionary.csv".to_string(),
                dictionary::data_dictionary(&refs)?,
            ),
            (graphml::FILE.to_string(), graphml::graphml(&refs)),
            (
                sqlite::METADATA_FILE.to_string(),
                sqlite::datasette_metadata(m, &refs, &m.name).into_bytes(),
            ),
        ]);
        for (path, bytes) in meta {
            written.push(put_file(dir, path, bytes)?);
        }
        crate::timings::mark("card, citation, dictionary, GraphML");
        sqlite::write_database(m, &refs, &dir.join(&db))?;
        written.push(record_file(dir, db)?);
        crate::timings::mark("SQLite");
        if self.options.site {
            let site = write_site(ds, dir, &refs, &written)?;
            written.extend(site);
            crate::timings::mark("site");
        }
        finish_sums(dir, written)
    }
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

fn release_notes(ds: &Dataset, tables: &[Table]) -> String {
    match &ds.released.previous {
        None => format!("## {}\n\nFirst release.\n\n", ds.meta.version),
        Some(old) => {
            let diffs = crate::diff::diff(old, &crate::diff::version_of(ds.meta, tables));
            crate::diff::to_markdown(
                &format!("{} (changes since {})", ds.meta.version, old.version),
                &diffs,
                &ds.reasons,
            )
        }
    }
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
fn write_archive(meta: &DatasetMeta, dir: &Path) -> io::Result<Vec<Written>> {
    let top = archive::top_folder(meta);
    let (name, sum) = (format!("{top}.tar.gz"), format!("{top}.tar.gz.sha256"));
    let bytes = archive::tar_gz(
        dir,
        &top,
        &[&name, &sum],
        archive::mtime_of(&meta.published),
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
    // Hundreds of small files: creating them is mostly the file system's time, spread
    // over both cores (the order of the list is kept).
    site.into_par_iter()
        .map(|(path, bytes)| {
            let full = dir.join(&path);
            fs::create_dir_all(full.parent().expect("site paths have a folder"))?;
            fs::write(&full, &bytes)?;
            Ok(Written {
                sha256: hex_sha256(&bytes),
                bytes: bytes.len(),
                path,
            })
        })
        .collect()
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
    File::create(dir.join(&path))?.write_all(&bytes)?;
    Ok(Written {
        sha256: hex_sha256(&bytes),
        bytes: bytes.len(),
        path,
    })
}

/// A file of the version: its path, size and SHA-256.
pub struct Written {
    pub path: String,
    pub bytes: usize,
    pub sha256: String,
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Metadata every Parquet file carries: which dataset version and which sources.
pub fn file_metadata(
    meta: &DatasetMeta,
    sources: &[(String, String)],
    table: &str,
) -> Vec<(String, String)> {
    let sources: Vec<String> = sources.iter().map(|(d, h)| format!("{d}={h}")).collect();
    vec![
        ("dataset".into(), meta.name.clone()),
        ("dataset_version".into(), meta.version.clone()),
        ("table".into(), table.to_string()),
        ("source_sha256".into(), sources.join(";")),
    ]
}

/// The Frictionless Data Package descriptor: one CSV resource per table.
fn datapackage(ds: &Dataset, tables: &[Table], files: &[Written]) -> Json {
    let m = ds.meta;
    let file = |path: &str| {
        files
            .iter()
            .find(|w| w.path == path)
            .expect("written above")
    };
    let mut resources = Vec::new();
    for t in tables {
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
