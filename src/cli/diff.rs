//! `diff`: the row-level difference between two version folders.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// One CSV line per changed row: table, change, key, columns.
    Table,
    /// The changelog entry.
    Markdown,
}

#[derive(Args)]
pub struct DiffArgs {
    /// The older version folder (e.g. output/afpak-militancy-1.0.0).
    pub old: PathBuf,
    /// The newer version folder.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
}

pub fn run(args: &DiffArgs) -> u8 {
    let read = |d: &std::path::Path| {
        crate::load::release::read_version(d).map_err(|e| (d.display().to_string(), e))
    };
    match read(&args.old).and_then(|old| Ok((old, read(&args.new)?))) {
        Ok((old, new)) => {
            let diffs = crate::diff::diff(&old, &new);
            let title = format!("{} → {}", args.old.display(), args.new.display());
            match args.format {
                Format::Table => print!("{}", crate::diff::to_table(&diffs)),
                Format::Markdown => print!(
                    "{}",
                    crate::diff::to_markdown(&title, &diffs, &Default::default())
                ),
            }
            0
        }
        Err((dir, e)) => {
            eprintln!("{dir}:1:1: io: cannot read the version: {e}");
            super::EXIT_USAGE_IO
        }
    }
}
