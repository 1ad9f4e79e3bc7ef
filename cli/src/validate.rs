//! `events validate`: dispatch each payload to its schema and report every violation.

use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use events_check::validate::{Report, Validator, Violation};
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

/// Files up to this size are read whole in one go.
const SMALL: u64 = 1 << 20;

/// Runs the command; returns the exit status.
pub fn run(set: &SchemaSet, args: &Args) -> Result<u8, u8> {
    let validator = Validator::new(set).map_err(|e| {
        crate::diagnostics::print_errors(&e);
        exit::ERROR
    })?;
    let mut reporter = Reporter::new(args.format);
    let progress = progress_bar();
    if let (Some(url), Some(stream)) = (&args.redis, &args.stream) {
        let streams = crate::streams::catalog_streams(set);
        audit_stream(
            &validator,
            url,
            stream,
            &streams,
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
        // Small regular files are read whole, once, in the parallel batch; NDJSON files and
        // large or special inputs are sniffed and streamed here.
        let streamed = file.as_path() == Path::new("-")
            || matches!(
                file.extension().and_then(|e| e.to_str()),
                Some("ndjson" | "jsonl")
            );
        if !streamed {
            pending.push(file);
            if pending.len() >= 4096 {
                flush_small(validator, &mut pending, hint, reporter, progress);
            }
            continue;
        }
        match sniff(file) {
            Ok((true, reader, head)) => {
                flush_small(validator, &mut pending, hint, reporter, progress);
                stream_ndjson(validator, file, reader, head, hint, reporter, progress);
            }
            Ok((false, reader, head)) => {
                flush_small(validator, &mut pending, hint, reporter, progress);
                let outcomes = whole_file(validator, file, input::read_all(reader, head), hint);
                record(outcomes, reporter, progress);
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

/// How many payloads were checked, and the invalid ones.
struct Checked {
    count: usize,
    invalid: Vec<Outcome>,
}

fn check_all(validator: &Validator, payloads: Vec<Payload>) -> Checked {
    let count = payloads.len();
    let invalid = payloads
        .into_iter()
        .map(|p| check(validator, p))
        .filter(|o| !o.report.is_valid())
        .collect();
    Checked { count, invalid }
}

fn whole_file(
    validator: &Validator,
    path: &Path,
    bytes: std::io::Result<Vec<u8>>,
    hint: FormHint,
) -> Result<Checked, String> {
    let bytes = bytes.map_err(|e| format!("{}: {e}", path.display()))?;
    let source: Arc<str> = path.display().to_string().into();
    let mut payloads = Vec::new();
    if input::sniff_ndjson(path, &bytes[..bytes.len().min(4096)]) {
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if !line.iter().all(u8::is_ascii_whitespace) {
                parse_into(line, &source, At::Line(i + 1), hint, &mut payloads);
            }
        }
        return Ok(check_all(validator, payloads));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) => input::classify(v, &source, At::Whole, hint, &mut payloads),
        Err(e) => payloads.push(Payload {
            origin: Origin {
                source: source.clone(),
                at: At::Line(e.line()),
            },
            form: Form::Broken(format!("not valid JSON: {e}")),
        }),
    }
    Ok(check_all(validator, payloads))
}

fn parse_into(bytes: &[u8], source: &Arc<str>, at: At, hint: FormHint, out: &mut Vec<Payload>) {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => input::classify(v, source, at, hint, out),
        Err(e) => out.push(Payload {
            origin: Origin {
                source: source.clone(),
                at,
            },
            form: Form::Broken(format!("not valid JSON: {e}")),
        }),
    }
}

fn record(result: Result<Checked, String>, reporter: &mut Reporter, progress: &ProgressBar) {
    match result {
        Ok(checked) => {
            progress.inc(checked.count as u64);
            reporter.add_valid(checked.count - checked.invalid.len());
            checked.invalid.into_iter().for_each(|o| reporter.add(o));
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
    // Read and check in parallel; a file too large to read whole is left for the
    // streaming path (`None`), which runs here, in order.
    let results: Vec<Option<Result<Checked, String>>> = pending
        .par_iter()
        .map(|path| {
            let mut file = match std::fs::File::open(path) {
                Ok(f) => f,
                Err(e) => return Some(Err(format!("{}: {e}", path.display()))),
            };
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            if len > SMALL {
                return None;
            }
            let mut bytes = Vec::with_capacity(len as usize + 1);
            let read = file.read_to_end(&mut bytes).map(|_| bytes);
            Some(whole_file(validator, path, read, hint))
        })
        .collect();
    for (path, r) in pending.iter().zip(results) {
        match r {
            Some(r) => record(r, reporter, progress),
            None => match sniff(path) {
                Ok((true, reader, head)) => {
                    stream_ndjson(validator, path, reader, head, hint, reporter, progress)
                }
                Ok((false, reader, head)) => record(
                    whole_file(validator, path, input::read_all(reader, head), hint),
                    reporter,
                    progress,
                ),
                Err(e) => reporter.error(format!("{}: {e}", path.display())),
            },
        }
    }
    pending.clear();
}

fn stream_ndjson(
    validator: &Validator,
    path: &Path,
    mut reader: Box<dyn BufRead + Send>,
    head: Vec<u8>,
    hint: FormHint,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) {
    // Read big chunks, cut them at the last newline, and check the lines of a chunk in
    // parallel straight from the buffer: no allocation per line, memory bounded by CHUNK.
    const CHUNK: usize = 4 << 20;
    let source: Arc<str> = path.display().to_string().into();
    let mut buf = head;
    let mut first_line = 1usize;
    let mut eof = false;
    let mut target = CHUNK;
    while !eof || !buf.is_empty() {
        while !eof && buf.len() < target {
            let start = buf.len();
            buf.resize(start + (target - start).max(1 << 16), 0);
            match reader.read(&mut buf[start..]) {
                Ok(0) => {
                    buf.truncate(start);
                    eof = true;
                }
                Ok(n) => buf.truncate(start + n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(start),
                Err(e) => {
                    buf.truncate(start);
                    reporter.error(format!("{source}: {e}"));
                    eof = true;
                }
            }
        }
        let cut = match buf.iter().rposition(|b| *b == b'\n') {
            _ if eof => buf.len(),
            Some(i) => i + 1,
            None => {
                // One line longer than the buffer: read on until it ends.
                target *= 2;
                continue;
            }
        };
        target = CHUNK;
        let lines: Vec<(usize, &[u8])> = buf[..cut]
            .split(|b| *b == b'\n')
            .enumerate()
            .map(|(i, l)| (first_line + i, l))
            .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
            .collect();
        first_line += buf[..cut].iter().filter(|b| **b == b'\n').count();
        let checked = lines.len();
        let invalid: Vec<Outcome> = lines
            .into_par_iter()
            .flat_map_iter(|(n, line)| {
                let mut payloads = Vec::with_capacity(1);
                parse_into(line, &source, At::Line(n), hint, &mut payloads);
                payloads
                    .into_iter()
                    .map(|p| check(validator, p))
                    .filter(|o| !o.report.is_valid())
            })
            .collect();
        progress.inc(checked as u64);
        reporter.add_valid(checked - invalid.len());
        invalid.into_iter().for_each(|o| reporter.add(o));
        buf.drain(..cut);
    }
}

/// Audits a live stream; `known` are the streams of the catalog, to suggest one when
/// `stream` does not exist.
fn audit_stream(
    validator: &Validator,
    url: &str,
    stream: &str,
    known: &[&str],
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
    // XRANGE of a missing key is empty: "0 payloads checked" would hide a misspelt name.
    let kind: String = redis::cmd("TYPE")
        .arg(stream)
        .query(&mut conn)
        .map_err(fail)?;
    match kind.as_str() {
        "stream" => {}
        "none" => {
            let hint = events_rt::nearest_of(stream, known)
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            eprintln!("error: redis {url}: no stream {stream:?}{hint}");
            return Err(exit::ERROR);
        }
        other => {
            eprintln!("error: redis {url}: key {stream:?} is a {other}, not a stream");
            return Err(exit::ERROR);
        }
    }
    let source: Arc<str> = format!("redis:{stream}").into();
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
