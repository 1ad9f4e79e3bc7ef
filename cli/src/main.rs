//! The `events` binary: parses the command line and runs it with the library (`lib.rs`).

use std::process::ExitCode;

use clap::Parser;
use events_cli::{Cli, CliError};

// Validation allocates a JSON tree per payload; mimalloc halves the time spent in malloc/free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let result = Cli::try_parse()
        .map_err(CliError::from)
        .and_then(events_cli::run);
    events_cli::finish(result)
}
