//! One table's files, written as its rows arrive: the CSV file streamed and hashed, the
//! Parquet file through `parquet_out::Encoder` (only the open row group is held), the
//! Hive partitions of each document, and the counts the codebook reports. A run of rows
//! (one document's, or a whole registry table) goes in at a time, in output order.

use super::parquet_out::Encoder;
use super::{failpoint, Written};
use crate::chunk::{arrow_schema, csv_header, Chunk};
use crate::model::{Stats, Table};
use crate::schema::Schema;
use crate::value::Cells;
use arrow_array::cast::AsArray;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// zstd's own default level: level 9 (used up to 1.1.0) took about three times as long to
/// encode for files a few per cent smaller, the largest cost of a corpus-sized build.
const ZSTD_LEVEL: i32 = 3;

/// Rows of a Parquet row group. A table is written as its documents finish, and a row
/// group's encoded pages are held until it closes: this bounds the writer's memory
/// whatever the corpus's size (arrow-rs's default, a million rows, held most tables of
/// 1,000 synthetic documents whole). 128 Ki rows is what Spark's and DuckDB's defaults
/// come to for rows this size; readers skip row groups by their statistics.
const ROW_GROUP_ROWS: usize = 128 * 1024;

/// A column chunk's dictionary grows to this size before its values are written plain:
/// ids and passages, which hardly repeat, were interned up to arrow-rs's default 1 MiB per
/// row group, the largest cost of encoding a corpus. The article's columns are far
/// smaller (its largest column chunk is 18 kB before compression), so its files are
/// unchanged.
const DICTIONARY_BYTES: usize = 64 * 1024;

/// Time spent encoding Parquet, summed over threads (for `--timings`).
pub static PARQUET_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A writer that hashes and counts the bytes that pass through it.
pub struct Hashing<W> {
    inner: W,
    sha: Sha256,
    bytes: usize,
}

impl<W> Hashing<W> {
    pub fn new(inner: W) -> Self {
        Hashing {
            inner,
            sha: Sha256::new(),
            bytes: 0,
        }
    }
    /// The file's size and hash, as a file of the version at `path`.
    fn written(self, path: String) -> Written {
        Written {
            sha256: format!("{:x}", self.sha.finalize()),
            bytes: self.bytes,
            path,
        }
    }
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

/// A file of the version, hashed as it is written. Unbuffered here: the CSV writer and
/// Parquet's writer buffer what they write.
type FileOut = Hashing<WriteBehind>;

fn create(dir: &Path, path: &str) -> io::Result<FileOut> {
    Ok(Hashing::new(WriteBehind::new(File::create(
        dir.join(path),
    )?)))
}

/// A file whose written bytes are handed to the disk as they come, every few megabytes
/// (Linux `sync_file_range`, which starts the writeback and returns): the version is made
/// durable with one `syncfs` at the end, which otherwise waited for the whole version,
/// hundreds of megabytes at corpus scale, at once.
pub struct WriteBehind {
    file: File,
    written: u64,
    started: u64,
}

impl WriteBehind {
    const STEP: u64 = 8 << 20;

    fn new(file: File) -> WriteBehind {
        WriteBehind {
            file,
            written: 0,
            started: 0,
        }
    }
}

impl Write for WriteBehind {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= Self::STEP {
            #[cfg(target_os = "linux")]
            {
                use std::os::fd::AsRawFd;
                let len = (self.written - self.started) as i64;
                // SAFETY: a valid open descriptor; the call only starts writeback.
                unsafe {
                    libc::sync_file_range(
                        self.file.as_raw_fd(),
                        self.started as i64,
                        len,
                        libc::SYNC_FILE_RANGE_WRITE,
                    )
                };
            }
            self.started = self.written;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Finishes a file written through `Hashing`: flushed, and named in the version.
fn close(mut out: FileOut, path: String) -> io::Result<Written> {
    out.flush()?;
    Ok(out.written(path))
}

/// Where a table's Hive partitions go: `parquet-by-doc/<table>/doc_id=<id>/part-0.parquet`,
/// without the `doc_id` column, which readers take from the path.
struct Hive {
    dir: PathBuf,
    doc_col: usize,
    schema: SchemaRef,
    done: BTreeSet<String>,
    written: Vec<Written>,
}

/// One table's files, open in the version's folder.
pub struct TableFiles<'s> {
    pub schema: &'s Schema,
    csv: Option<BufWriter<FileOut>>,
    parquet: Option<Encoder<FileOut>>,
    hive: Option<Hive>,
    file_meta: Vec<(String, String)>,
    pub stats: Stats,
    /// Every row, for the release surface (the card, SQLite, the site and the changelog
    /// read whole tables); None at corpus scale, where rows are dropped once written.
    kept: Option<Vec<Cells>>,
}

impl<'s> TableFiles<'s> {
    /// Opens the table's files in `dir`; `file_meta` goes into every Parquet file.
    pub fn create(
        dir: &Path,
        schema: &'s Schema,
        file_meta: Vec<(String, String)>,
        partition_by_doc: bool,
        keep: bool,
    ) -> io::Result<TableFiles<'s>> {
        let name = &schema.name;
        let mut csv = create(dir, &format!("csv/{name}.csv"))?;
        csv.write_all(&csv_header(schema))?;
        let arrow = Arc::new(arrow_schema(schema, file_meta.iter().cloned().collect()));
        let parquet = Encoder::new(
            create(dir, &format!("parquet/{name}.parquet"))?,
            arrow.clone(),
            parquet_props(&file_meta),
        )
        .map_err(io::Error::other)?;
        let hive = match (partition_by_doc, schema.index("doc_id")) {
            (true, Some(doc_col)) => {
                let keep: Vec<usize> = (0..schema.fields.len()).filter(|&i| i != doc_col).collect();
                Some(Hive {
                    dir: dir.join("parquet-by-doc").join(name),
                    doc_col,
                    schema: Arc::new(arrow.project(&keep).map_err(io::Error::other)?),
                    done: BTreeSet::new(),
                    written: Vec::new(),
                })
            }
            _ => None,
        };
        Ok(TableFiles {
            schema,
            csv: Some(BufWriter::with_capacity(1 << 16, csv)),
            parquet: Some(parquet),
            hive,
            file_meta,
            stats: Stats::new(schema),
            kept: keep.then(Vec::new),
        })
    }

    /// Writes a chunk of rows (following the chunks before it) to every file of the
    /// table.
    pub fn append(&mut self, chunk: Chunk) -> io::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        crate::timings::lap_start();
        let csv = self.csv.as_mut().expect("open until finished");
        csv.write_all(&chunk.csv)?;
        if self.schema.name == "mentions" {
            // Killed with the table's CSV file half written (the test of atomic builds).
            csv.flush()?;
            failpoint("mid-file");
        }
        self.stats.add(&chunk);
        let start = std::time::Instant::now();
        let parquet = self.parquet.as_mut().expect("open until finished");
        parquet.append(&chunk.batch).map_err(io::Error::other)?;
        if let Some(hive) = &mut self.hive {
            hive_partitions(hive, &self.file_meta, &chunk.batch)?;
        }
        PARQUET_NANOS.fetch_add(
            start.elapsed().as_nanos() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        if let (Some(kept), Some(rows)) = (&mut self.kept, chunk.rows) {
            kept.extend(rows);
        }
        crate::timings::lap(crate::timings::Lap::Write);
        Ok(())
    }

    /// Closes the files; returns the table and the files written, CSV then Parquet then
    /// the Hive partitions.
    pub fn finish(mut self) -> io::Result<(Table<'s>, Vec<Written>)> {
        let name = &self.schema.name;
        let csv = self.csv.take().expect("open until finished");
        let csv = close(
            csv.into_inner().map_err(|e| e.into_error())?,
            format!("csv/{name}.csv"),
        )?;
        let start = std::time::Instant::now();
        let parquet = self.parquet.take().expect("open until finished");
        let parquet = parquet.finish().map_err(io::Error::other)?;
        PARQUET_NANOS.fetch_add(
            start.elapsed().as_nanos() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        let mut written = vec![csv, close(parquet, format!("parquet/{name}.parquet"))?];
        written.extend(self.hive.take().into_iter().flat_map(|h| h.written));
        let table = Table {
            schema: self.schema,
            stats: self.stats,
            rows: self.kept,
        };
        Ok((table, written))
    }
}

/// The Parquet writer's settings: fixed, so two builds give the same bytes.
fn parquet_props(file_meta: &[(String, String)]) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).expect("a valid zstd level"),
        ))
        .set_created_by(format!("kdata {}", env!("CARGO_PKG_VERSION")))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_dictionary_page_size_limit(DICTIONARY_BYTES)
        .set_key_value_metadata(Some(
            file_meta
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                .collect(),
        ))
        .build()
}

/// Each document's rows of the chunk as its own Parquet file (the Hive layout). A
/// document's rows come in one chunk (its own, or a registry table's whole, where they
/// need not be next to each other); a document met in a second chunk is an error.
fn hive_partitions(
    hive: &mut Hive,
    file_meta: &[(String, String)],
    batch: &RecordBatch,
) -> io::Result<()> {
    let keep: Vec<usize> = (0..batch.num_columns())
        .filter(|&i| i != hive.doc_col)
        .collect();
    let docs = doc_ids(batch.column(hive.doc_col).as_ref())?;
    let mut groups: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
    for (row, doc) in docs.iter().enumerate() {
        groups.entry(doc).or_default().push(row as u32);
    }
    for (doc, rows) in groups {
        if !hive.done.insert(doc.to_string()) {
            return Err(io::Error::other(format!(
                "the rows of document {doc} reached the Hive layout of {} in two chunks",
                hive.dir.display()
            )));
        }
        let (first, n) = (rows[0] as usize, rows.len());
        let part = if rows[n - 1] as usize == first + n - 1 {
            batch.slice(first, n)
        } else {
            let rows = arrow_array::UInt32Array::from(rows);
            arrow_select::take::take_record_batch(batch, &rows).map_err(io::Error::other)?
        };
        let part = part
            .project(&keep)
            .and_then(|b| b.with_schema(hive.schema.clone()))
            .map_err(io::Error::other)?;
        let folder = hive.dir.join(format!("doc_id={doc}"));
        fs::create_dir_all(&folder)?;
        let table = hive.dir.file_name().unwrap_or_default().to_string_lossy();
        let path = format!("parquet-by-doc/{table}/doc_id={doc}/part-0.parquet");
        let out = Hashing::new(WriteBehind::new(File::create(
            folder.join("part-0.parquet"),
        )?));
        let mut file = Encoder::new(out, hive.schema.clone(), parquet_props(file_meta))
            .map_err(io::Error::other)?;
        file.append(&part).map_err(io::Error::other)?;
        hive.written
            .push(close(file.finish().map_err(io::Error::other)?, path)?);
    }
    Ok(())
}

/// The document of each row, from a `doc_id` column of text or of an enum.
fn doc_ids(column: &dyn arrow_array::Array) -> io::Result<Vec<&str>> {
    if let Some(text) = column.as_string_opt::<i32>() {
        return Ok((0..arrow_array::Array::len(text))
            .map(|r| text.value(r))
            .collect());
    }
    let dict = column
        .as_dictionary_opt::<arrow_array::types::Int32Type>()
        .and_then(|d| Some((d.keys(), d.values().as_string_opt::<i32>()?)));
    match dict {
        Some((keys, values)) => Ok(keys
            .iter()
            .map(|k| k.map_or("", |k| values.value(k as usize)))
            .collect()),
        None => Err(io::Error::other(
            "the doc_id column is neither text nor an enum of text",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{DictionaryArray, Int32Array, StringArray};

    /// Regression (outside review): a `doc_id` declared as an enum reaches the Hive
    /// layout as a dictionary column, which was read as text and panicked.
    #[test]
    fn documents_are_read_from_text_and_enum_columns() {
        let text = StringArray::from(vec!["a", "b", "b"]);
        assert_eq!(doc_ids(&text).unwrap(), ["a", "b", "b"]);
        let dict = DictionaryArray::new(
            Int32Array::from(vec![1, 0, 1]),
            std::sync::Arc::new(StringArray::from(vec!["a", "b"])),
        );
        assert_eq!(doc_ids(&dict).unwrap(), ["b", "a", "b"]);
        assert!(doc_ids(&Int32Array::from(vec![1])).is_err());
    }
}
