//! Validation reports: human (coloured on a terminal) or one JSON document.
//!
//! Both are written as the outcomes come: the JSON document's `invalid_payloads` array is
//! printed element by element and its counts come last, so memory stays flat however many
//! payloads are invalid. Input error messages are kept for the JSON report up to
//! [`MAX_KEPT_ERRORS`] (the count goes on: `errors_omitted`).

use std::io::Write;

use anstyle::{AnsiColor, Style};
use events_check::input::{At, Origin};
use events_check::validate::Report;
use serde_json::{json, Value};

use crate::error::{CliError, Outcome};
use crate::output::{self, write_out, Format};

/// One payload checked: where it came from and what the validator found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Where it came from.
    pub origin: Origin,
    /// What the validator found.
    pub report: Report,
}

/// Input error messages kept for the JSON report; beyond it only the count grows.
pub const MAX_KEPT_ERRORS: usize = 1000;

/// Prints outcomes as they come.
pub struct Reporter {
    format: Format,
    checked: usize,
    invalid: usize,
    /// Input errors (the first [`MAX_KEPT_ERRORS`] messages) and how many there were.
    errors: Vec<String>,
    error_count: usize,
    /// JSON format: whether the head of the document and the first element are out.
    json_started: bool,
    out: anstream::AutoStream<std::io::Stdout>,
    closed: bool,
}

const RED: Style = AnsiColor::Red.on_default().bold();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

impl Reporter {
    /// A reporter writing to stdout.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            checked: 0,
            invalid: 0,
            errors: Vec::new(),
            error_count: 0,
            json_started: false,
            out: anstream::stdout(),
            closed: false,
        }
    }

    /// An input error (unreadable file, bad glob): reported, and the exit status becomes 2.
    pub fn error(&mut self, e: CliError) {
        if self.format == Format::Human {
            output::error(&e);
        }
        self.error_count += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(e.to_string());
        }
    }

    /// How many payloads were checked so far.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// Whether an input error was reported.
    pub fn has_errors(&self) -> bool {
        self.error_count > 0
    }

    /// Writes to stdout until it fails: a closed pipe ends the report quietly, another
    /// failure is said once; neither changes the exit status.
    fn print(&mut self, text: &str) {
        if self.closed {
            return;
        }
        if let Err(e) = write_out(&mut self.out, text) {
            output::error(&e);
            self.closed = true;
        }
    }

    /// Counts payloads that were checked and found valid (without their details).
    pub fn add_valid(&mut self, n: usize) {
        self.checked += n;
    }

    /// Records one payload's result.
    pub fn add(&mut self, o: Checked) {
        self.checked += 1;
        if o.report.is_valid() {
            return;
        }
        self.invalid += 1;
        let event = match (&o.report.event_type, o.report.major) {
            (Some(t), Some(m)) => format!("{t} v{m}"),
            (Some(t), None) => t.clone(),
            _ => "unknown event".to_owned(),
        };
        match self.format {
            Format::Human => {
                let mut text = format!(
                    "{BOLD}{}{BOLD:#}: {event}: {RED}invalid{RED:#}\n",
                    location(&o.origin.source, &o.origin.at)
                );
                for v in &o.report.violations {
                    let path = if v.path.is_empty() {
                        "(document)"
                    } else {
                        &v.path
                    };
                    text.push_str(&format!(
                        "  {BOLD}{path}{BOLD:#} [{}] {}",
                        v.rule, v.message
                    ));
                    if let Some(value) = &v.value {
                        let shown = shown_value(value);
                        if !v.message.contains(&shown) {
                            text.push_str(&format!(" {DIM}(value: {shown}){DIM:#}"));
                        }
                    }
                    text.push('\n');
                }
                self.print(&text);
            }
            Format::Json => {
                let (line, index, entry_id) = match &o.origin.at {
                    At::Whole => (None, None, None),
                    At::Line(n) => (Some(*n), None, None),
                    At::Index(i) => (None, Some(*i), None),
                    At::Entry(id) => (None, None, Some(id.clone())),
                };
                let item = json!({
                    "source": &*o.origin.source,
                    "line": line,
                    "index": index,
                    "entry_id": entry_id,
                    "event_type": o.report.event_type,
                    "major": o.report.major,
                    "violations": o.report.violations.iter().map(|v| json!({
                        "path": v.path, "rule": v.rule, "message": v.message, "value": v.value,
                    })).collect::<Vec<_>>(),
                });
                let text = serde_json::to_string_pretty(&item).unwrap_or_default();
                let mut chunk = String::with_capacity(text.len() + 64);
                chunk.push_str(if self.json_started {
                    ",\n"
                } else {
                    "{\n  \"invalid_payloads\": [\n"
                });
                self.json_started = true;
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        chunk.push('\n');
                    }
                    chunk.push_str("    ");
                    chunk.push_str(line);
                }
                self.print(&chunk);
            }
        }
    }

    /// Prints the summary; returns the exit status.
    pub fn finish(mut self) -> Outcome {
        let valid = self.checked - self.invalid;
        match self.format {
            Format::Human => {
                let status = if self.invalid == 0 && self.errors.is_empty() {
                    "ok"
                } else {
                    "FAILED"
                };
                let text = format!(
                    "{status}: {} payloads checked, {valid} valid, {} invalid{}\n",
                    self.checked,
                    self.invalid,
                    if self.error_count == 0 {
                        String::new()
                    } else {
                        format!(", {} input errors", self.error_count)
                    }
                );
                self.print(&text);
            }
            Format::Json => {
                // The counts after the streamed array: the same members as one document.
                let mut text = if self.json_started {
                    "\n  ],\n".to_owned()
                } else {
                    "{\n  \"invalid_payloads\": [],\n".to_owned()
                };
                let tail = json!({
                    "checked": self.checked,
                    "valid": valid,
                    "invalid": self.invalid,
                    "errors": self.errors,
                    "errors_omitted": self.error_count - self.errors.len(),
                });
                let tail = serde_json::to_string_pretty(&tail).unwrap_or_default();
                // Its members without the braces.
                let inner = tail
                    .strip_prefix("{\n")
                    .and_then(|t| t.strip_suffix("\n}"))
                    .unwrap_or_default();
                text.push_str(inner);
                text.push_str("\n}\n");
                self.print(&text);
            }
        }
        let _ = self.out.flush();
        if self.error_count > 0 {
            Outcome::Errors
        } else if self.invalid > 0 {
            Outcome::Findings
        } else {
            Outcome::Success
        }
    }
}

/// A value as the human report shows it: compact JSON, at most 80 characters.
fn shown_value(value: &Value) -> String {
    let text = match value {
        Value::String(s) if s.len() > 100 => {
            Value::String(s.chars().take(100).collect()).to_string()
        }
        other => other.to_string(),
    };
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// `file:17`, `file[3]`, `redis:stream entry 1-0`, or `file`.
pub fn location(source: &str, at: &At) -> String {
    match at {
        At::Whole => source.to_owned(),
        At::Line(n) => format!("{source}:{n}"),
        At::Index(i) => format!("{source}[{i}]"),
        At::Entry(id) => format!("{source} entry {id}"),
    }
}
