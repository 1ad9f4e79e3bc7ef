//! One status report for every bus (`events streams status`, `events amqp status`,
//! `events kafka status`, `events kafka topics`): a table for people, one JSON document
//! for scripts, and the exit code (1 when anything is flagged).
//!
//! A bus names its columns and the JSON key of each; the flags, the thresholds line, the
//! findings count and the exit code are the same everywhere.

use events_bus::Flag;
use serde_json::{json, Map, Value};

use crate::error::{CliError, Outcome};
use crate::output::{self, Format};

/// A column of the report.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header of the human table.
    pub header: &'static str,
    /// Key of the value in each JSON row.
    pub key: &'static str,
    /// Text columns are left-aligned, numbers right-aligned.
    pub text: bool,
}

impl Column {
    /// A left-aligned text column.
    pub const fn text(header: &'static str, key: &'static str) -> Self {
        Self {
            header,
            key,
            text: true,
        }
    }

    /// A right-aligned number column.
    pub const fn number(header: &'static str, key: &'static str) -> Self {
        Self {
            header,
            key,
            text: false,
        }
    }
}

/// One row: a cell per column (its text and its JSON value), JSON-only fields, and the
/// flags raised on it.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// `(text, json)` per column, in column order.
    pub cells: Vec<(String, Value)>,
    /// Further fields of the JSON row (after the columns).
    pub extra: Vec<(&'static str, Value)>,
    /// Figures over their thresholds.
    pub flags: Vec<Flag>,
}

impl Row {
    /// Adds a cell.
    pub fn cell(mut self, text: impl Into<String>, value: impl Into<Value>) -> Self {
        self.cells.push((text.into(), value.into()));
        self
    }

    /// Adds a number cell (`-` and `null` when unknown).
    pub fn number(self, n: Option<impl Into<Value> + ToString + Copy>) -> Self {
        match n {
            Some(n) => self.cell(n.to_string(), n),
            None => self.cell("-", Value::Null),
        }
    }

    /// Sets the flags raised on the row.
    pub fn flagged(mut self, flags: Vec<Flag>) -> Self {
        self.flags = flags;
        self
    }

    /// Adds a JSON-only field.
    pub fn extra(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.extra.push((key, value.into()));
        self
    }
}

/// What a bus calls the figures of the bus-neutral health model, for people and for
/// JSON: `(text, key)`.
#[derive(Debug, Clone, Copy)]
pub struct Names {
    /// The backlog.
    pub backlog: (&'static str, &'static str),
    /// Deliveries in flight.
    pub in_flight: (&'static str, &'static str),
    /// The age of the oldest delivery in flight.
    pub oldest: (&'static str, &'static str),
}

impl Names {
    /// A Redis stream: length, pending entries.
    pub const fn stream() -> Self {
        Self {
            backlog: ("stream length", "stream_length"),
            in_flight: ("pending", "pending"),
            oldest: ("oldest pending", "oldest_pending_age_ms"),
        }
    }

    /// An AMQP queue: depth, unacknowledged messages.
    pub const fn queue() -> Self {
        Self {
            backlog: ("depth", "depth"),
            in_flight: ("unacked", "unacked"),
            oldest: ("oldest unacked", "oldest_unacked_age_ms"),
        }
    }

    /// A PostgreSQL outbox table: rows pending, rows waiting for a retry.
    pub const fn outbox() -> Self {
        Self {
            backlog: ("pending", "pending"),
            in_flight: ("retrying", "retrying"),
            oldest: ("oldest pending", "oldest_pending_age_ms"),
        }
    }

    /// A Kafka topic: the group's lag.
    pub const fn topic() -> Self {
        Self {
            backlog: ("lag", "lag"),
            in_flight: ("in flight", "in_flight"),
            oldest: ("oldest in flight", "oldest_in_flight_age_ms"),
        }
    }
}

/// A whole report.
#[derive(Debug, Clone)]
pub struct Report {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows.
    pub rows: Vec<Row>,
    /// Key of the rows' array in the JSON document (`streams`, `queues`, `partitions`).
    pub rows_key: &'static str,
    /// What the bus calls the figures of the health model.
    pub names: Names,
    /// The thresholds line for people.
    pub thresholds_text: String,
    /// The thresholds for JSON.
    pub thresholds: Value,
    /// Further lines for people after the findings count, and the same facts for JSON.
    pub notes: Vec<String>,
    /// Further top-level JSON fields.
    pub extra: Vec<(&'static str, Value)>,
}

impl Report {
    /// Flags over every row.
    pub fn findings(&self) -> usize {
        self.rows.iter().map(|r| r.flags.len()).sum()
    }

    /// A flag as text, each figure named as this bus names it.
    pub fn flag_text(&self, f: &Flag) -> String {
        let n = &self.names;
        match f {
            Flag::Backlog(v) => format!("{} {v} > threshold", n.backlog.0),
            Flag::InFlight(v) => format!("{v} {} > threshold", n.in_flight.0),
            Flag::OldestAge(d) => format!("{} {}s > threshold", n.oldest.0, d.as_secs()),
            other => other.to_string(),
        }
    }

    fn flag_json(&self, f: &Flag) -> Value {
        let n = &self.names;
        let (kind, value) = match f {
            Flag::Backlog(v) => (n.backlog.1, json!(v)),
            Flag::InFlight(v) => (n.in_flight.1, json!(v)),
            Flag::OldestAge(d) => (n.oldest.1, json!(d.as_millis() as u64)),
            Flag::DeadLetters(n) => ("dead_letters", json!(n)),
            Flag::NoConsumers => ("consumers", json!(0)),
        };
        json!({"flag": kind, "value": value, "message": self.flag_text(f)})
    }

    /// The table for people.
    pub fn human(&self) -> String {
        let mut table: Vec<Vec<&str>> = vec![self.columns.iter().map(|c| c.header).collect()];
        for r in &self.rows {
            table.push(r.cells.iter().map(|(t, _)| t.as_str()).collect());
        }
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                table
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for (n, cells) in table.iter().enumerate() {
            let mut line = String::new();
            for (i, c) in cells.iter().enumerate() {
                let w = widths[i];
                if self.columns[i].text {
                    line.push_str(&format!("{c:<w$}  "));
                } else {
                    line.push_str(&format!("{c:>w$}  "));
                }
            }
            if n > 0 {
                let flags = &self.rows[n - 1].flags;
                if !flags.is_empty() {
                    let list: Vec<String> = flags.iter().map(|f| self.flag_text(f)).collect();
                    line.push_str(&format!("! {}", list.join("; ")));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push_str(&self.thresholds_text);
        out.push('\n');
        let findings = self.findings();
        if findings > 0 {
            out.push_str(&format!("{findings} finding(s)\n"));
        }
        for note in &self.notes {
            out.push_str(note);
            out.push('\n');
        }
        if findings == 0 && self.notes.is_empty() {
            out.push_str("ok: nothing over its threshold\n");
        }
        out
    }

    /// One JSON document.
    pub fn json(&self) -> String {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut m = Map::new();
                for (c, (_, v)) in self.columns.iter().zip(&r.cells) {
                    m.insert(c.key.to_owned(), v.clone());
                }
                for (k, v) in &r.extra {
                    m.insert((*k).to_owned(), v.clone());
                }
                m.insert(
                    "flags".to_owned(),
                    Value::Array(r.flags.iter().map(|f| self.flag_json(f)).collect()),
                );
                Value::Object(m)
            })
            .collect();
        let mut doc = Map::new();
        doc.insert("thresholds".to_owned(), self.thresholds.clone());
        doc.insert(self.rows_key.to_owned(), Value::Array(rows));
        doc.insert("findings".to_owned(), json!(self.findings()));
        for (k, v) in &self.extra {
            doc.insert((*k).to_owned(), v.clone());
        }
        format!(
            "{}\n",
            serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default()
        )
    }

    /// Prints the report in `format`; the exit code is 1 when anything is flagged.
    pub fn print(&self, format: Format) -> Result<Outcome, CliError> {
        let text = match format {
            Format::Human => self.human(),
            Format::Json => self.json(),
        };
        output::stdout(&text)?;
        Ok(if self.findings() > 0 {
            Outcome::Findings
        } else {
            Outcome::Success
        })
    }
}
