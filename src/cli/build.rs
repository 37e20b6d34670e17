//! `build` and `check`: the same validation; `build` then writes the version.

use crate::diag::Diags;
use crate::{build, project, write};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct BuildArgs {
    /// Folder the dataset versions are written into.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
}

/// Loads and validates; with `args`, writes. Returns the process exit code.
pub fn run(root: &Path, args: Option<&BuildArgs>) -> u8 {
    let t0 = Instant::now();
    let mut diags = Diags::default();
    let project = project::load(root, &root.join("raw"), &root.join("schemas"), &mut diags);
    let dataset = project.as_ref().and_then(|p| build::build(p, &mut diags));
    let Some(ds) = dataset.filter(|_| diags.is_empty()) else {
        let n = diags.len();
        for d in diags.sorted() {
            eprintln!("{d}");
        }
        eprintln!("error: {n} problem(s) found; nothing was written");
        return super::EXIT_DATA;
    };
    let rows: usize = ds.tables.iter().map(|t| t.rows.len()).sum();
    let Some(args) = args else {
        eprintln!("ok: {} tables, {rows} rows valid ({:.0?})", ds.tables.len(), t0.elapsed());
        return 0;
    };
    let out = if args.out.is_absolute() { args.out.clone() } else { root.join(&args.out) };
    match write::write_version(&ds, &out) {
        Ok(dir) => {
            eprintln!("ok: {} tables, {rows} rows written to {} ({:.0?})", ds.tables.len(), dir.display(), t0.elapsed());
            0
        }
        Err(e) => {
            eprintln!("{}:1:1: io: cannot write the dataset: {e}; the previous output is unchanged", out.display());
            super::EXIT_USAGE_IO
        }
    }
}
