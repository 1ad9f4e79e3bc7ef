//! `events validate`: dispatch each payload to its schema and report every violation.

use std::io::{BufRead, Read};
use std::path::Path;

use events_codegen::validate::{Report, Validator, Violation};
use events_codegen::SchemaSet;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::Value;

use crate::input::{self, At, Form, FormHint, Origin, Payload};
use crate::report::Reporter;
use crate::{exit, Format};

/// Arguments of `events validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files, directories (recursive: *.json, *.ndjson, *.jsonl), glob patterns, or `-` for stdin.
    #[arg(required_unless_present = "redis")]
    paths: Vec<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// How to read JSON objects whose values are all strings.
    #[arg(long, value_enum, default_value_t = FormHint::Auto)]
    form: FormHint,
    /// Audit a live Redis stream instead of files (read-only: XRANGE in pages).
    #[arg(long, requires = "stream", conflicts_with = "paths")]
    redis: Option<String>,
    /// Stream to audit with `--redis`.
    #[arg(long, requires = "redis")]
    stream: Option<String>,
    /// Audit at most this many entries.
    #[arg(long, requires = "redis")]
    count: Option<usize>,
}

/// The result for one payload.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Where it came from.
    pub origin: Origin,
    /// What the validator found.
    pub report: Report,
}

const BATCH: usize = 8192;

/// Runs the command; returns the exit status.
pub fn run(set: &SchemaSet, args: &Args) -> Result<u8, u8> {
    let validator = Validator::new(set).map_err(|e| {
        eprint!("error: {e}");
        exit::ERROR
    })?;
    let mut reporter = Reporter::new(args.format);
    let progress = progress_bar();
    if let (Some(url), Some(stream)) = (&args.redis, &args.stream) {
        audit_stream(
            &validator,
            url,
            stream,
            args.count,
            &mut reporter,
            &progress,
        )?;
    } else {
        let (files, errors) = input::expand(&args.paths);
        for e in errors {
            reporter.error(e);
        }
        validate_files(&validator, &files, args.form, &mut reporter, &progress);
    }
    progress.finish_and_clear();
    reporter.finish()
}

fn progress_bar() -> ProgressBar {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {human_pos} payloads checked ({per_sec})")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    }
}

fn check(validator: &Validator, payload: Payload) -> Outcome {
    let report = match payload.form {
        Form::Json(v) => validator.validate(&v),
        Form::Fields(f) => validator.validate_fields(&f),
        Form::Broken(message) => Report {
            violations: vec![Violation {
                path: String::new(),
                rule: "json".into(),
                message,
                value: None,
            }],
            ..Report::default()
        },
    };
    Outcome {
        origin: payload.origin,
        report,
    }
}

fn validate_files(
    validator: &Validator,
    files: &[std::path::PathBuf],
    hint: FormHint,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) {
    // Small files are read and checked in parallel batches; NDJSON streams are checked
    // batch by batch as they are read, so memory stays flat whatever the input size.
    let mut pending: Vec<&Path> = Vec::new();
    for file in files {
        match sniff(file) {
            Ok((true, reader, head)) => {
                flush_small(validator, &mut pending, hint, reporter, progress);
                stream_ndjson(validator, file, reader, head, hint, reporter, progress);
            }
            Ok((false, reader, head)) if file.as_path() == Path::new("-") => {
                // stdin can be read only once: check it here rather than in a batch.
                flush_small(validator, &mut pending, hint, reporter, progress);
                let outcomes = whole_file(validator, file, input::read_all(reader, head), hint);
                record(outcomes, reporter, progress);
            }
            Ok((false, _, _)) => {
                pending.push(file);
                if pending.len() >= 512 {
                    flush_small(validator, &mut pending, hint, reporter, progress);
                }
            }
            Err(e) => reporter.error(format!("{}: {e}", file.display())),
        }
    }
    flush_small(validator, &mut pending, hint, reporter, progress);
}

type Sniffed = (bool, Box<dyn BufRead + Send>, Vec<u8>);

fn sniff(path: &Path) -> std::io::Result<Sniffed> {
    let mut reader = input::open(path)?;
    let mut head = Vec::with_capacity(4096);
    (&mut reader).take(4096).read_to_end(&mut head)?;
    Ok((input::sniff_ndjson(path, &head), reader, head))
}

fn whole_file(
    validator: &Validator,
    path: &Path,
    bytes: std::io::Result<Vec<u8>>,
    hint: FormHint,
) -> Result<Vec<Outcome>, String> {
    let bytes = bytes.map_err(|e| format!("{}: {e}", path.display()))?;
    let source = path.display().to_string();
    let mut payloads = Vec::new();
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) => input::classify(v, &source, At::Whole, hint, &mut payloads),
        Err(e) => payloads.push(Payload {
            origin: Origin {
                source,
                at: At::Line(e.line()),
            },
            form: Form::Broken(format!("not valid JSON: {e}")),
        }),
    }
    Ok(payloads.into_iter().map(|p| check(validator, p)).collect())
}

fn record(result: Result<Vec<Outcome>, String>, reporter: &mut Reporter, progress: &ProgressBar) {
    match result {
        Ok(outcomes) => {
            progress.inc(outcomes.len() as u64);
            outcomes.into_iter().for_each(|o| reporter.add(o));
        }
        Err(e) => reporter.error(e),
    }
}

fn flush_small(
    validator: &Validator,
    pending: &mut Vec<&Path>,
    hint: FormHint,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) {
    let results: Vec<Result<Vec<Outcome>, String>> = pending
        .par_iter()
        .map(|path| whole_file(validator, path, std::fs::read(path), hint))
        .collect();
    for r in results {
        record(r, reporter, progress);
    }
    pending.clear();
}

fn stream_ndjson(
    validator: &Validator,
    path: &Path,
    reader: Box<dyn BufRead + Send>,
    head: Vec<u8>,
    hint: FormHint,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) {
    let source = path.display().to_string();
    let mut lines = std::io::Cursor::new(head).chain(reader).lines();
    let mut line_no = 0usize;
    loop {
        let mut batch: Vec<(usize, String)> = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            match lines.next() {
                Some(Ok(line)) => {
                    line_no += 1;
                    if !line.trim().is_empty() {
                        batch.push((line_no, line));
                    }
                }
                Some(Err(e)) => {
                    line_no += 1;
                    reporter.error(format!("{source}:{line_no}: {e}"));
                    if e.kind() != std::io::ErrorKind::InvalidData {
                        break;
                    }
                }
                None => break,
            }
        }
        if batch.is_empty() {
            return;
        }
        let outcomes: Vec<Outcome> = batch
            .into_par_iter()
            .flat_map_iter(|(n, line)| {
                let mut payloads = Vec::with_capacity(1);
                match serde_json::from_str::<Value>(&line) {
                    Ok(v) => input::classify(v, &source, At::Line(n), hint, &mut payloads),
                    Err(e) => payloads.push(Payload {
                        origin: Origin {
                            source: source.clone(),
                            at: At::Line(n),
                        },
                        form: Form::Broken(format!("not valid JSON: {e}")),
                    }),
                }
                payloads.into_iter().map(|p| check(validator, p))
            })
            .collect();
        progress.inc(outcomes.len() as u64);
        outcomes.into_iter().for_each(|o| reporter.add(o));
    }
}

fn audit_stream(
    validator: &Validator,
    url: &str,
    stream: &str,
    count: Option<usize>,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) -> Result<(), u8> {
    use events_rt::redis::StreamEntry;
    let fail = |e: redis::RedisError| {
        eprintln!("error: redis {url}: {e}");
        exit::ERROR
    };
    let client = redis::Client::open(url).map_err(fail)?;
    let mut conn = client
        .get_connection_with_timeout(std::time::Duration::from_secs(5))
        .map_err(fail)?;
    let source = format!("redis:{stream}");
    let mut start = "-".to_owned();
    let mut seen = 0usize;
    loop {
        let page = count.map_or(500, |c| (c - seen).min(500));
        if page == 0 {
            break;
        }
        let entries: Vec<StreamEntry> = redis::cmd("XRANGE")
            .arg(stream)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(page)
            .query(&mut conn)
            .map_err(fail)?;
        let Some(last) = entries.last() else { break };
        start = format!("({}", last.id);
        seen += entries.len();
        let outcomes: Vec<Outcome> = entries
            .into_par_iter()
            .map(|e| {
                check(
                    validator,
                    Payload {
                        origin: Origin {
                            source: source.clone(),
                            at: At::Entry(e.id),
                        },
                        form: Form::Fields(e.fields),
                    },
                )
            })
            .collect();
        progress.inc(outcomes.len() as u64);
        outcomes.into_iter().for_each(|o| reporter.add(o));
    }
    Ok(())
}
