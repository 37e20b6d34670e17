//! The command line: one module per subcommand; this one only parses and dispatches.
//! Exit codes: 0 success, 1 the data has errors, 2 usage or I/O error.

mod build;
mod diff;
mod locate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Builds the dataset from the curated extraction in raw/, proving every quote against
/// the source text.
#[derive(Parser)]
#[command(name = "kdata", version)]
pub struct Cli {
    /// Project root (the folder holding raw/ and schemas/).
    #[arg(long, global = true, default_value = ".")]
    pub root: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Validate raw/ and write the dataset version to output/<name>-<version>/.
    Build(build::BuildArgs),
    /// Validate raw/ and report every problem; write nothing.
    Check,
    /// Build and release the version: it may never change afterwards; its changes since
    /// the previous release are written to CHANGES.md and CHANGELOG.md.
    Release(build::BuildArgs),
    /// Rows added, removed and changed between two version folders, by primary key.
    Diff(diff::DiffArgs),
    /// Find a phrase in the sources: span, page, footnote and a row to paste.
    Locate(locate::LocateArgs),
}

pub const EXIT_DATA: u8 = 1;
pub const EXIT_USAGE_IO: u8 = 2;

pub fn main(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Build(args) => build::run(&cli.root, Some(&args), false),
        Command::Check => build::run(&cli.root, None, false),
        Command::Release(args) => build::run(&cli.root, Some(&args), true),
        Command::Diff(args) => diff::run(&args),
        Command::Locate(args) => locate::run(&cli.root, &args),
    };
    ExitCode::from(code)
}
