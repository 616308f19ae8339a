//! The `odb` executable; the commands are in `cli/`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use odb::config::init_tracing;

fn main() -> ExitCode {
    init_tracing();
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("odb: {error:#}");
            ExitCode::FAILURE
        }
    }
}
