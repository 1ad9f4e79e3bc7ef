//! `events validate`: dispatch each payload to its schema and report every violation.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use events_check::input::{self, At, Form, FormHint, Origin, Payload};
use events_check::validate::{Report, Validator, Violation};
use events_codegen::ir::Catalog;
use events_codegen::SchemaSet;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::error::{CliError, Outcome};
use crate::output::{self, Format};
use crate::report::{Checked, Reporter};

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
    /// Largest document, NDJSON line or file read whole (bytes; suffixes K, M, G, KiB, MiB,
    /// GiB). A larger one is an input error naming the file and line.
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_size)]
    max_document_size: usize,
    /// Succeed when there is nothing to check (an empty directory, file or stream; by
    /// default that is an input error, exit 2).
    #[arg(long)]
    allow_empty: bool,
}

/// A size in bytes: digits with an optional unit (`K`/`KB` = 1000, `KiB` = 1024, …).
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: usize = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 16MiB, 1000000)"))?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use K, M, G, KiB, MiB, GiB)"
            ))
        }
    };
    let size = n
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))?;
    if size == 0 {
        return Err("the size must be at least 1 byte".into());
    }
    Ok(size)
}

/// How to read: the form hint, the size limit, whether nothing is fine.
#[derive(Debug, Clone, Copy)]
struct Reading {
    hint: FormHint,
    max: usize,
    allow_empty: bool,
}

/// The size limit in words, for errors.
fn limit_text(max: usize) -> String {
    if max.is_multiple_of(1 << 20) {
        format!("{} MiB", max >> 20)
    } else {
        format!("{max} bytes")
    }
}

/// Files up to this size are read whole in one go.
const SMALL: u64 = 1 << 20;

/// The files the command reads (`None` when it audits a live stream instead).
pub fn inputs(args: &Args) -> Option<input::Expanded> {
    args.redis
        .is_none()
        .then(|| input::expand(&args.paths, args.allow_empty))
}

/// Runs the command on the `inputs` listed by [`inputs`]; returns the exit status.
pub fn run(
    set: &SchemaSet,
    ir: Catalog,
    inputs: Option<input::Expanded>,
    args: &Args,
) -> Result<Outcome, CliError> {
    // Only the schemas of the event types met are compiled.
    let validator = Validator::lazy(set, ir).map_err(CliError::Schema)?;
    let _ = CLOUDEVENTS.set(events_codegen::cloudevents::CloudEventMapping::of(set));
    let mut reporter = Reporter::new(args.format);
    let progress = progress_bar();
    if let (Some(url), Some(stream)) = (&args.redis, &args.stream) {
        let streams = crate::catalog::streams(set);
        audit_stream(
            &validator,
            url,
            stream,
            &streams,
            args.count,
            &mut reporter,
            &progress,
        )?;
    } else if let Some(expanded) = inputs {
        for w in expanded.warnings {
            progress.suspend(|| output::warning(w));
        }
        for e in expanded.errors {
            reporter.error(CliError::Input(e));
        }
        let reading = Reading {
            hint: args.form,
            max: args.max_document_size,
            allow_empty: args.allow_empty,
        };
        validate_files(
            &validator,
            &expanded.files,
            reading,
            &mut reporter,
            &progress,
        );
    }
    progress.finish_and_clear();
    if reporter.checked() == 0 && !reporter.has_errors() && !args.allow_empty {
        reporter.error(CliError::input(
            "nothing was checked: no payloads found (--allow-empty accepts that)",
        ));
    }
    Ok(reporter.finish())
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

/// The set's CloudEvents mapping, for payloads that are structured CloudEvents (set once
/// per run, before any payload is checked).
static CLOUDEVENTS: std::sync::OnceLock<Option<events_codegen::cloudevents::CloudEventMapping>> =
    std::sync::OnceLock::new();

/// A structured CloudEvent (it has `specversion`) is validated as the envelope it maps to;
/// one that does not map is one violation (`cloudevent`).
fn validate_json(validator: &Validator, v: serde_json::Value) -> Report {
    let mapping = CLOUDEVENTS.get().and_then(Option::as_ref);
    match mapping {
        Some(m) if events_rt::cloudevents::is_structured(&v) => {
            match crate::cloudevent::envelope_of(m, &v) {
                Ok(envelope) => validator.validate_owned(envelope),
                Err(message) => Report {
                    violations: vec![Violation {
                        path: String::new(),
                        rule: "cloudevent".into(),
                        message,
                        value: None,
                    }],
                    ..Report::default()
                },
            }
        }
        _ => validator.validate_owned(v),
    }
}

fn check(validator: &Validator, payload: Payload) -> Checked {
    let report = match payload.form {
        Form::Json(v) => validate_json(validator, v),
        Form::Fields(f) => validator.validate_fields(&f),
        Form::Broken {
            rule,
            path,
            message,
        } => Report {
            violations: vec![Violation {
                path,
                rule: rule.into(),
                message,
                value: None,
            }],
            ..Report::default()
        },
    };
    Checked {
        origin: payload.origin,
        report,
    }
}

fn validate_files(
    validator: &Validator,
    files: &[std::path::PathBuf],
    reading: Reading,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) {
    // Small files are read and checked in parallel batches; NDJSON streams are checked
    // batch by batch as they are read, so memory stays flat whatever the input size.
    let mut pending: Vec<&Path> = Vec::new();
    for file in files {
        // Small regular files are read whole, once, in the parallel batch; NDJSON files and
        // stdin are sniffed and streamed here.
        let streamed = file.as_path() == Path::new("-") || input::has_ndjson_extension(file);
        if !streamed {
            pending.push(file);
            if pending.len() >= 4096 {
                flush_small(validator, &mut pending, reading, reporter, progress);
            }
            continue;
        }
        flush_small(validator, &mut pending, reading, reporter, progress);
        read_streamed(validator, file, reading, reporter, progress);
    }
    flush_small(validator, &mut pending, reading, reporter, progress);
}

/// A source too large to read whole in the parallel batch, or stdin: sniffed, then
/// streamed line by line (NDJSON) or read whole up to the size limit.
fn read_streamed(
    validator: &Validator,
    path: &Path,
    reading: Reading,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) {
    let sniffed = input::open(path).and_then(|r| input::sniff(path, r, reading.max));
    match sniffed {
        Ok(s) if s.ndjson => stream_ndjson(
            validator, path, s.reader, s.head, reading, reporter, progress,
        ),
        Ok(s) => {
            let bytes = input::read_all(s.reader, s.head, reading.max);
            record(
                whole_file(validator, path, bytes, reading),
                reporter,
                progress,
            );
        }
        Err(e) => reporter.error(CliError::input(format!("{}: {e}", path.display()))),
    }
}

/// How many payloads were checked, and the invalid ones.
struct Batch {
    count: usize,
    invalid: Vec<Checked>,
}

fn check_all(validator: &Validator, payloads: Vec<Payload>) -> Batch {
    let count = payloads.len();
    let invalid = payloads
        .into_iter()
        .map(|p| check(validator, p))
        .filter(|o| !o.report.is_valid())
        .collect();
    Batch { count, invalid }
}

/// The error for a source with no payload in it.
fn empty_error(path: &Path, what: &str) -> CliError {
    CliError::input(format!(
        "{}: {what}: no payloads (--allow-empty accepts that)",
        path.display()
    ))
}

/// Checks a source read whole: `bytes` is `None` when it was larger than the limit.
fn whole_file(
    validator: &Validator,
    path: &Path,
    bytes: std::io::Result<Option<Vec<u8>>>,
    reading: Reading,
) -> Result<Batch, CliError> {
    let bytes = bytes
        .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?
        .ok_or_else(|| {
            CliError::input(format!(
                "{}: larger than the maximum document size of {} and not NDJSON \
                 (one document per line); not read (--max-document-size)",
                path.display(),
                limit_text(reading.max)
            ))
        })?;
    let source: Arc<str> = path.to_string_lossy().into();
    let mut payloads = Vec::new();
    if input::is_blank(&bytes) {
        return if reading.allow_empty {
            Ok(check_all(validator, payloads))
        } else {
            Err(empty_error(path, "empty"))
        };
    }
    // The valid documents read once on the quick path are counted, not kept.
    let mut valid = 0;
    if input::is_ndjson(path, &bytes) {
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.len() > reading.max {
                return Err(too_long(&source, i + 1, reading.max));
            }
            if input::quick_valid(validator, line, reading.hint) {
                valid += 1;
            } else if !input::is_blank(line) {
                input::parse_into(line, &source, At::Line(i + 1), reading.hint, &mut payloads);
            }
        }
    } else if input::quick_valid(validator, &bytes, reading.hint) {
        valid += 1;
    } else {
        match events_check::json::from_slice(&bytes) {
            Ok(v) => input::classify(v, &source, At::Whole, reading.hint, &mut payloads),
            Err(e) => payloads.push(input::broken(&source, At::Line(e.line), e)),
        }
        if payloads.is_empty() && !reading.allow_empty {
            return Err(empty_error(path, "an empty array"));
        }
    }
    let mut batch = check_all(validator, payloads);
    batch.count += valid;
    Ok(batch)
}

/// The error for an NDJSON line over the limit.
fn too_long(source: &str, line: usize, max: usize) -> CliError {
    CliError::input(format!(
        "{source}:{line}: a line longer than the maximum document size of {}; \
         the rest of the file is not read (--max-document-size)",
        limit_text(max)
    ))
}

fn record(result: Result<Batch, CliError>, reporter: &mut Reporter, progress: &ProgressBar) {
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
    reading: Reading,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) {
    // Read and check in parallel; a file too large to read whole is left for the
    // streaming path (`None`), which runs here, in order.
    let small = SMALL.min(reading.max as u64);
    let results: Vec<Option<Result<Batch, CliError>>> = pending
        .par_iter()
        .map(|path| {
            let file = match std::fs::File::open(path) {
                Ok(f) => f,
                Err(e) => return Some(Err(CliError::input(format!("{}: {e}", path.display())))),
            };
            // Read up to the small-file size, without asking the size first (a system call
            // per file); a larger file is left for the streaming path.
            let read = match input::read_regular(file, small as usize) {
                Ok(None) => return None,
                read => read,
            };
            Some(whole_file(validator, path, read, reading))
        })
        .collect();
    for (path, r) in pending.iter().zip(results) {
        match r {
            Some(r) => record(r, reporter, progress),
            None => read_streamed(validator, path, reading, reporter, progress),
        }
    }
    pending.clear();
}

fn stream_ndjson(
    validator: &Validator,
    path: &Path,
    mut reader: Box<dyn BufRead + Send>,
    head: Vec<u8>,
    reading: Reading,
    reporter: &mut Reporter,
    progress: &ProgressBar,
) {
    // Read big chunks, cut them at the last newline, and check the lines of a chunk in
    // parallel straight from the buffer: no allocation per line, memory bounded by CHUNK
    // (or by the size limit, for one long line).
    const CHUNK: usize = 4 << 20;
    let source: Arc<str> = path.to_string_lossy().into();
    let mut buf = head;
    let mut first_line = 1usize;
    let mut eof = false;
    let mut target = CHUNK;
    let mut total = 0usize;
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
                    reporter.error(CliError::input(format!("{source}: {e}")));
                    eof = true;
                }
            }
        }
        let cut = match memchr::memrchr(b'\n', &buf) {
            _ if eof => buf.len(),
            Some(i) => i + 1,
            None if buf.len() > reading.max => {
                reporter.error(too_long(&source, first_line, reading.max));
                return;
            }
            None => {
                // One line longer than the buffer: read on until it ends (or is too long).
                target = target.saturating_mul(2).min(reading.max.saturating_add(1));
                continue;
            }
        };
        target = CHUNK;
        let Lines {
            lines,
            too_long_at,
            count,
        } = split_lines(&buf[..cut], first_line, reading.max);
        first_line += count;
        let checked = lines.len();
        total += checked;
        let invalid: Vec<Checked> = lines
            .into_par_iter()
            .flat_map_iter(|(n, line)| {
                // A line the quick path finds valid is read once and not kept.
                let mut payloads = Vec::new();
                if !input::quick_valid(validator, line, reading.hint) {
                    input::parse_into(line, &source, At::Line(n), reading.hint, &mut payloads);
                }
                payloads
                    .into_iter()
                    .map(|p| check(validator, p))
                    .filter(|o| !o.report.is_valid())
            })
            .collect();
        progress.inc(checked as u64);
        reporter.add_valid(checked - invalid.len());
        invalid.into_iter().for_each(|o| reporter.add(o));
        if let Some(n) = too_long_at {
            reporter.error(too_long(&source, n, reading.max));
            return;
        }
        buf.drain(..cut);
    }
    if total == 0 && !reading.allow_empty {
        reporter.error(empty_error(path, "empty"));
    }
}

/// A chunk of NDJSON cut into lines.
struct Lines<'b> {
    /// The non-blank lines with their numbers, up to the first one that is too long.
    lines: Vec<(usize, &'b [u8])>,
    /// The number of the first line longer than the limit.
    too_long_at: Option<usize>,
    /// How many lines the chunk has (a newline ends each, but the last one may lack it).
    count: usize,
}

/// Cuts a chunk whose first line is line `first` into lines (see [`Lines`]).
fn split_lines(chunk: &[u8], first: usize, max: usize) -> Lines<'_> {
    let mut lines = Vec::with_capacity(chunk.len() / 256 + 1);
    let mut start = 0;
    let mut n = first;
    let ends = memchr::memchr_iter(b'\n', chunk).chain(
        // A last line without its newline (the end of the input).
        (chunk.last() != Some(&b'\n')).then_some(chunk.len()),
    );
    for end in ends {
        let line = &chunk[start..end];
        if line.len() > max {
            return Lines {
                lines,
                too_long_at: Some(n),
                count: n - first,
            };
        }
        if !input::is_blank(line) {
            lines.push((n, line));
        }
        start = end + 1;
        n += 1;
    }
    Lines {
        lines,
        too_long_at: None,
        count: n - first,
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
) -> Result<(), CliError> {
    let fail = |e: redis::RedisError| crate::streams::redis_error(url, &e);
    let shown = events_rt::redact_url(url);
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
            return Err(CliError::input(format!(
                "redis {shown}: no stream {stream:?}{hint}"
            )));
        }
        other => {
            return Err(CliError::input(format!(
                "redis {shown}: key {stream:?} is a {other}, not a stream"
            )));
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
        // Raw replies: an entry that is not UTF-8 is that entry's finding, not the end of
        // the audit.
        let entries: Vec<redis::Value> = redis::cmd("XRANGE")
            .arg(stream)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(page)
            .query(&mut conn)
            .map_err(fail)?;
        let entries: Vec<RawEntry> = entries.iter().map(raw_entry).collect();
        let Some(last) = entries.last() else { break };
        start = format!("({}", last.id);
        seen += entries.len();
        let outcomes: Vec<Checked> = entries
            .into_par_iter()
            .map(|e| {
                let origin = Origin {
                    source: source.clone(),
                    at: At::Entry(e.id),
                };
                match e.fields {
                    Ok(fields) => check(
                        validator,
                        Payload {
                            origin,
                            form: Form::Fields(fields),
                        },
                    ),
                    Err(v) => Checked {
                        origin,
                        report: Report {
                            violations: vec![v],
                            ..Report::default()
                        },
                    },
                }
            })
            .collect();
        progress.inc(outcomes.len() as u64);
        outcomes.into_iter().for_each(|o| reporter.add(o));
    }
    Ok(())
}

/// A stream entry as read: its id, and its field/value pairs or why they cannot be read.
struct RawEntry {
    id: String,
    fields: Result<Vec<(String, String)>, Violation>,
}

/// Reads one XRANGE entry without failing the page: bytes that are not UTF-8 (in a field
/// name or value) or a malformed reply become the entry's violation.
fn raw_entry(v: &redis::Value) -> RawEntry {
    use redis::Value as V;
    let bytes = |v: &V| -> Option<Vec<u8>> {
        match v {
            V::BulkString(b) => Some(b.clone()),
            V::SimpleString(s) => Some(s.clone().into_bytes()),
            V::VerbatimString { text, .. } => Some(text.clone().into_bytes()),
            V::Int(i) => Some(i.to_string().into_bytes()),
            _ => None,
        }
    };
    let violation = |path: String, rule: &str, message: String| Violation {
        path,
        rule: rule.into(),
        message,
        value: None,
    };
    let (id, items) = match v {
        V::Array(parts) if parts.len() == 2 => (
            bytes(&parts[0]).map_or_else(
                || "?".to_owned(),
                |b| events_rt::echo(&String::from_utf8_lossy(&b)),
            ),
            &parts[1],
        ),
        other => {
            return RawEntry {
                id: "?".into(),
                fields: Err(violation(
                    String::new(),
                    "reply",
                    events_rt::echo_owned(format!("not a stream entry: {other:?}")),
                )),
            }
        }
    };
    let list: Vec<&V> = match items {
        V::Array(items) => items.iter().collect(),
        V::Map(kvs) => kvs.iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => Vec::new(),
    };
    let mut fields = Vec::with_capacity(list.len() / 2);
    for kv in list.chunks(2) {
        let (Some(k), Some(val)) = (
            kv.first().and_then(|k| bytes(k)),
            kv.get(1).and_then(|v| bytes(v)),
        ) else {
            return RawEntry {
                id,
                fields: Err(violation(
                    String::new(),
                    "reply",
                    "the entry's field/value pairs are malformed".into(),
                )),
            };
        };
        let name = match String::from_utf8(k) {
            Ok(name) => name,
            Err(e) => {
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                return RawEntry {
                    id,
                    fields: Err(violation(
                        events_rt::echo_owned(events_codegen::error::pointer_push("", &lossy)),
                        "utf-8",
                        format!(
                            "the field name {:?} is not valid UTF-8 (byte {})",
                            events_rt::echo(&lossy),
                            e.utf8_error().valid_up_to()
                        ),
                    )),
                };
            }
        };
        match String::from_utf8(val) {
            Ok(text) => fields.push((name, text)),
            Err(e) => {
                return RawEntry {
                    fields: Err(violation(
                        events_rt::echo_owned(events_codegen::error::pointer_push("", &name)),
                        "utf-8",
                        format!(
                            "the value of field {:?} is not valid UTF-8 (byte {} of {})",
                            events_rt::echo(&name),
                            e.utf8_error().valid_up_to(),
                            e.as_bytes().len()
                        ),
                    )),
                    id,
                }
            }
        }
    }
    RawEntry {
        id,
        fields: Ok(fields),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(chunk: &[u8], max: usize) -> (Vec<(usize, &str)>, Option<usize>, usize) {
        let l = split_lines(chunk, 10, max);
        let lines = l
            .lines
            .iter()
            .map(|(n, t)| (*n, std::str::from_utf8(t).unwrap()))
            .collect();
        (lines, l.too_long_at, l.count)
    }

    #[test]
    fn chunks_are_cut_into_numbered_non_blank_lines() {
        assert_eq!(
            cut(b"{}\n\n  \n{\"a\":1}\n", 100),
            (vec![(10, "{}"), (13, "{\"a\":1}")], None, 4)
        );
        // The last line of the input may lack its newline.
        assert_eq!(cut(b"{}\n[]", 100), (vec![(10, "{}"), (11, "[]")], None, 2));
        assert_eq!(cut(b"", 100), (vec![], None, 1));
        // Lines after one that is too long are not given.
        assert_eq!(
            cut(b"{}\n[1,2,3]\n{}\n", 3),
            (vec![(10, "{}")], Some(11), 1)
        );
    }
}
