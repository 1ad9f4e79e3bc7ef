//! How a command ends: an [`Outcome`] when it ran to its end, a [`CliError`] when something
//! stopped it; each with its exit code (the README's table: 0 all good, 1 findings, 2 usage,
//! schema or input error, which wins over findings).

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Everything valid: exit 0.
    Success = 0,
    /// Findings: an invalid payload, a refused change, a stale file, a flagged stream,
    /// queue or topic: exit 1.
    Findings = 1,
    /// Input errors, each reported as it came while the run went on (an unreadable file
    /// among others, a missing queue): exit 2, whatever else was found.
    Errors = 2,
}

impl Outcome {
    /// The exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// What went wrong: a finding or an error that ends the command, or one reported on the
/// way (for one input among others) while the command goes on. Each says where (the file,
/// line, field, stream, queue or broker) and why.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A finding on stderr, as it is (a stale generated file, a document without a
    /// CloudEvent form): exit 1.
    #[error("{0}")]
    Finding(String),
    /// A usage or input error (a missing file, an unknown git revision, a broker that does
    /// not answer, a missing stream or queue): exit 2, printed after `error: `.
    #[error("{0}")]
    Input(String),
    /// A schema set that does not load or generate: exit 2, each error rendered with a
    /// snippet of its file.
    #[error("{0}")]
    Schema(events_codegen::Errors),
    /// An error, after what was being done when it happened (one `error:` line each).
    #[error("{context}")]
    Context {
        /// What was being done.
        context: String,
        /// What went wrong.
        source: Box<CliError>,
    },
    /// A command line that does not parse: exit 2; or `--help` / `--version`: exit 0.
    #[error("{0}")]
    Usage(#[from] clap::Error),
    /// Stdout was closed (`events list | head`): the command stops quietly, exit 0.
    #[error("the output was closed")]
    OutputClosed,
}

impl CliError {
    /// A usage or input error.
    pub fn input(message: impl Into<String>) -> Self {
        Self::Input(message.into())
    }

    /// This error after what was being done.
    pub fn context(self, context: impl Into<String>) -> Self {
        Self::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }

    /// The exit code.
    pub fn code(&self) -> u8 {
        match self {
            Self::Finding(_) => Outcome::Findings.code(),
            Self::Input(_) | Self::Schema(_) => Outcome::Errors.code(),
            Self::Context { source, .. } => source.code(),
            Self::Usage(e) if e.use_stderr() => Outcome::Errors.code(),
            Self::Usage(_) | Self::OutputClosed => Outcome::Success.code(),
        }
    }
}
