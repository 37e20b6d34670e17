use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    kdata::cli::main(kdata::cli::Cli::parse())
}
