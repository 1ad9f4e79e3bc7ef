//! The one printer: reports and listings on stdout (a closed pipe ends the command
//! quietly), errors, findings and warnings on stderr, and the exit code.

use std::fmt::Display;
use std::io::Write;
use std::process::ExitCode;

use clap::ValueEnum;

use crate::diagnostics;
use crate::error::{CliError, Outcome};

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people (coloured when the output is a terminal).
    Human,
    /// One JSON document.
    Json,
}

/// Writes to stdout (or what stands for it); a closed pipe (`events list | head`) is
/// [`CliError::OutputClosed`].
pub fn write_out(out: &mut impl Write, text: &str) -> Result<(), CliError> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::OutputClosed),
        Err(e) => Err(CliError::input(format!("cannot write output: {e}"))),
    }
}

/// Writes `text` to stdout.
pub fn stdout(text: &str) -> Result<(), CliError> {
    write_out(&mut anstream::stdout().lock(), text)
}

/// A warning on stderr.
pub fn warning(message: impl Display) {
    eprintln!("warning: {message}");
}

/// The linter's warnings of a schema set, each with its snippet, on stderr.
pub fn schema_warnings(warnings: &[events_codegen::Error]) {
    eprint!("{}", diagnostics::warnings(warnings));
}

/// An error or a finding on stderr (nothing for a closed output).
pub fn error(e: &CliError) {
    match e {
        CliError::Finding(text) => eprintln!("{text}"),
        CliError::Input(message) => eprintln!("error: {message}"),
        CliError::Schema(errors) => eprint!("{}", diagnostics::Renderer::default().errors(errors)),
        CliError::Context { context, source } => {
            eprintln!("error: {context}");
            error(source);
        }
        // Help and version on stdout, usage errors on stderr.
        CliError::Usage(e) => {
            let _ = e.print();
        }
        CliError::OutputClosed => {}
    }
}

/// How a command ended: its error printed, and its exit code.
pub fn finish(result: Result<Outcome, CliError>) -> ExitCode {
    ExitCode::from(match result {
        Ok(outcome) => outcome.code(),
        Err(e) => {
            error(&e);
            e.code()
        }
    })
}
