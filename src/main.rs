use clap::Parser;
use std::process::ExitCode;

/// Documents stream through the build, so every document's rows are allocated and freed
/// in turn, on both cores; glibc's allocator spent a fifth of a corpus build there
/// (bench/RESULTS.md), mimalloc a third as much.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    kdata::cli::main(kdata::cli::Cli::parse())
}
