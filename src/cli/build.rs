//! `build` and `check`: the same validation; `build` then writes the version.

use crate::diag::Diags;
use crate::model::Sink;
use crate::{build, load as project, write};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct BuildArgs {
    /// Folder the dataset versions are written into.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Also write parquet-by-doc/<table>/doc_id=<id>/part-0.parquet (Hive layout), for
    /// engines that read a partitioned corpus as one table.
    #[arg(long)]
    pub partition_by_doc: bool,
    /// Print the time of each phase as one JSON line on stderr (for benchmarks).
    #[arg(long)]
    pub timings: bool,
    /// Leave out the static site (site/): at corpus scale a page per row is a great many
    /// files; benchmarks of the pipeline itself use this.
    #[arg(long)]
    pub no_site: bool,
    /// Write only the tables (CSV, Parquet) and their metadata (datapackage.json,
    /// croissant.json, codebook, SHA256SUMS): no card, SQLite, GraphML, site or archive.
    /// For corpus-scale runs and benchmarks of the pipeline itself.
    #[arg(long)]
    pub tables_only: bool,
}

/// Loads and validates; with `args`, writes (and with `release`, releases). Returns the
/// process exit code.
pub fn run(root: &Path, args: Option<&BuildArgs>, release: bool) -> u8 {
    let t0 = Instant::now();
    if args.is_some_and(|a| a.timings) {
        crate::timings::start();
    }
    let mut diags = Diags::default();
    let out = args.map_or_else(|| PathBuf::from("output"), |a| a.out.clone());
    let out = if out.is_absolute() {
        out
    } else {
        root.join(out)
    };
    // The project lives until the process exits, which frees its memory at once.
    let project: &'static Option<_> = Box::leak(Box::new(project::load(root, &out, &mut diags)));
    let loaded = t0.elapsed();
    crate::timings::mark("load");
    let Some(p) = project else {
        return data_errors(diags, "nothing was written");
    };
    let name = write::version_dir_name(&p.meta);
    let dir = out.join(&name);
    let io = |e: std::io::Error| {
        eprintln!(
            "{}:1:1: io: {e}; the previous output is unchanged",
            dir.display()
        );
        super::EXIT_USAGE_IO
    };
    let options = args.map(|a| write::Options {
        partition_by_doc: a.partition_by_doc,
        site: !a.no_site && !a.tables_only,
        tables_only: a.tables_only,
    });
    // The release surface reads whole tables: their rows are kept for it.
    let keep = options.is_some_and(|o| release || !o.tables_only);
    let sources = build::sources(p);
    let file_meta = |table: &str| write::file_metadata(&p.meta, &sources, table);
    let schemas: Vec<&crate::schema::Schema> = p.schemas.values().collect();
    // A version is written only from inputs that loaded without a problem; otherwise the
    // build still runs, to report every problem. An output folder that cannot be written
    // is reported after the data's problems, as it would be if it were written last.
    let mut unwritable = None;
    let mut draft = match options.filter(|_| diags.is_empty()) {
        Some(o) => match write::Draft::begin(&out, &name, &schemas, &file_meta, o, keep) {
            Ok(d) => Some(d),
            Err(e) => {
                unwritable = Some(e);
                None
            }
        },
        None => None,
    };
    let draft_open = draft.is_some();
    let mut nowhere = Nowhere;
    let sink: &mut (dyn Sink + Send) = match &mut draft {
        Some(d) => d,
        None => &mut nowhere,
    };
    let site = options.is_some_and(|o| o.site);
    let progress = progress_bar(p.docs.len());
    let wanted = build::Wanted {
        chunks: draft_open,
        rows: keep,
        texts: site,
    };
    let built = match build::build(p, sink, wanted, &progress, &mut diags) {
        Ok(b) => b,
        Err(e) => return io(e),
    };
    let Some(built) = built.filter(|_| diags.is_empty()) else {
        return data_errors(diags, "nothing was written");
    };
    if let Some(e) = unwritable {
        return io(e);
    }
    let tables = p.schemas.len();
    let rows = built.rows;
    let (Some(args), Some(draft)) = (args, draft) else {
        eprintln!(
            "ok: {tables} tables, {rows} rows valid ({:.0?})",
            t0.elapsed()
        );
        return 0;
    };
    let validated = t0.elapsed();
    let closed = match draft.close() {
        Ok(c) => c,
        Err(e) => return io(e),
    };
    if release {
        let version = crate::diff::version_of(&p.meta, &closed.tables);
        crate::check::release::check(p, &version, &mut diags);
        if !diags.is_empty() {
            return data_errors(diags, "nothing was released");
        }
    }
    let outcome = closed.finish(&built.dataset, release);
    crate::timings::mark("metadata, sync, swap");
    if args.timings {
        let parquet = write::PARQUET_NANOS.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e9;
        let line = serde_json::json!({
            "load_s": loaded.as_secs_f64(),
            "build_s": (validated - loaded).as_secs_f64(),
            "finish_s": (t0.elapsed() - validated).as_secs_f64(),
            "parquet_encode_cpu_s": parquet,
            "rows": rows,
            "phases": crate::timings::phases_json(),
            "stages": crate::timings::laps_json(),
        });
        eprintln!("{line}");
    }
    match outcome {
        Ok(write::Outcome::AlreadyReleased) => {
            eprintln!(
                "ok: {} is released and a fresh build is byte-identical to it ({:.0?})",
                dir.display(),
                t0.elapsed()
            );
            0
        }
        Ok(write::Outcome::ReleasedDiffers(files)) => {
            let meta = std::fs::read_to_string(root.join("raw/dataset.toml")).unwrap_or_default();
            let line = meta
                .lines()
                .position(|l| l.starts_with("version"))
                .map_or(1, |i| i + 1);
            eprintln!(
                "raw/dataset.toml:{line}:1: released: version {} is released and a fresh build differs in {}; bump the version to change the data",
                p.meta.version,
                files.join(", ")
            );
            eprintln!("error: nothing was written");
            super::EXIT_DATA
        }
        Ok(write::Outcome::Written) => {
            if release {
                if let Err(e) = prepend_changelog(root, &dir) {
                    eprintln!("CHANGELOG.md:1:1: io: {e}");
                    return super::EXIT_USAGE_IO;
                }
            }
            let what = if release { "released" } else { "written" };
            eprintln!(
                "ok: {tables} tables, {rows} rows {what} to {} ({:.0?})",
                dir.display(),
                t0.elapsed()
            );
            0
        }
        Err(e) => io(e),
    }
}

/// The sink of `check`: rows are validated and go nowhere.
struct Nowhere;

impl Sink for Nowhere {
    fn append(&mut self, _: Vec<Vec<crate::chunk::Chunk>>) -> std::io::Result<()> {
        Ok(())
    }
}

/// Prints every problem, sorted, and what was not done; the exit code for data errors.
fn data_errors(diags: Diags, not_done: &str) -> u8 {
    let n = diags.len();
    for d in diags.sorted() {
        eprintln!("{d}");
    }
    eprintln!("error: {n} problem(s) found; {not_done}");
    super::EXIT_DATA
}

/// A progress bar on stderr for long builds; indicatif draws it only on a terminal, and
/// it stays hidden in CI so logs stay clean.
fn progress_bar(total: usize) -> indicatif::ProgressBar {
    if total < 20 || std::env::var_os("CI").is_some() {
        return indicatif::ProgressBar::hidden();
    }
    indicatif::ProgressBar::new(total as u64)
}

/// Puts the new release's notes at the top of CHANGELOG.md (below its title).
fn prepend_changelog(root: &Path, dir: &Path) -> std::io::Result<()> {
    let notes = std::fs::read_to_string(dir.join(crate::model::RELEASE_NOTES))?;
    let path = root.join("CHANGELOG.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Changelog\n\n".into());
    // Newest first: before the first existing entry, after the title and preamble.
    let at = old.find("\n## ").map_or(old.len(), |i| i + 1);
    let tmp = root.join(".CHANGELOG.md.tmp");
    std::fs::write(&tmp, format!("{}{notes}{}", &old[..at], &old[at..]))?;
    std::fs::rename(tmp, path)
}
