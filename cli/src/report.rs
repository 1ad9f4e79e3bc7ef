//! Validation reports: human (coloured on a terminal) or one JSON document.

use std::io::Write;

use anstyle::{AnsiColor, Style};
use serde_json::{json, Value};

use crate::input::At;
use crate::validate::Outcome;
use crate::{exit, write_out, Format};

/// Collects outcomes and prints them.
pub struct Reporter {
    format: Format,
    checked: usize,
    invalid: usize,
    errors: Vec<String>,
    /// JSON format: invalid payloads, printed at the end.
    json: Vec<Value>,
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
            json: Vec::new(),
            out: anstream::stdout(),
            closed: false,
        }
    }

    /// An input error (unreadable file, bad glob): reported, and the exit status becomes 2.
    pub fn error(&mut self, message: String) {
        if self.format == Format::Human {
            eprintln!("error: {message}");
        }
        self.errors.push(message);
    }

    fn print(&mut self, text: &str) {
        if !self.closed && write_out(&mut self.out, text).is_err() {
            self.closed = true;
        }
    }

    /// Counts payloads that were checked and found valid (without their details).
    pub fn add_valid(&mut self, n: usize) {
        self.checked += n;
    }

    /// Records one payload's result.
    pub fn add(&mut self, o: Outcome) {
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
                        let mut shown = value.to_string();
                        if shown.len() > 80 {
                            shown = format!("{}…", shown.chars().take(80).collect::<String>());
                        }
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
                self.json.push(json!({
                    "source": &*o.origin.source,
                    "line": line,
                    "index": index,
                    "entry_id": entry_id,
                    "event_type": o.report.event_type,
                    "major": o.report.major,
                    "violations": o.report.violations.iter().map(|v| json!({
                        "path": v.path, "rule": v.rule, "message": v.message, "value": v.value,
                    })).collect::<Vec<_>>(),
                }));
            }
        }
    }

    /// Prints the summary; returns the exit status.
    pub fn finish(mut self) -> Result<u8, u8> {
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
                    if self.errors.is_empty() {
                        String::new()
                    } else {
                        format!(", {} input errors", self.errors.len())
                    }
                );
                self.print(&text);
            }
            Format::Json => {
                let doc = json!({
                    "checked": self.checked,
                    "valid": valid,
                    "invalid": self.invalid,
                    "errors": self.errors,
                    "invalid_payloads": self.json,
                });
                let text = format!(
                    "{}\n",
                    serde_json::to_string_pretty(&doc).unwrap_or_default()
                );
                self.print(&text);
            }
        }
        let _ = self.out.flush();
        Ok(if !self.errors.is_empty() {
            exit::ERROR
        } else if self.invalid > 0 {
            exit::INVALID
        } else {
            exit::OK
        })
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
