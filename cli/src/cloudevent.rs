//! `events cloudevent --to FORM PATH…`: each document between the fleet's envelope and
//! its CloudEvents forms, one output document per line, for scripts and debugging.
//!
//! Input documents may be in any of the forms: the envelope, a structured CloudEvent
//! (`specversion`), or a binary form as this command prints it (`{"headers": …, "value":
//! …}` for Kafka, `{"content_type": …, "headers": …, "body": …}` for AMQP).

use std::io::Read;
use std::path::Path;

use clap::ValueEnum;
use events_check::input;
use events_codegen::cloudevents::CloudEventMapping;
use events_codegen::SchemaSet;
use events_rt::cloudevents::{self as ce, ContractFacts, AMQP_PREFIX, KAFKA_PREFIX};
use serde_json::{json, Map, Value};

use crate::catalog;
use crate::error::{CliError, Outcome};
use crate::output::{self, write_out};

/// The form to convert to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum To {
    /// A structured CloudEvent (`application/cloudevents+json`).
    Structured,
    /// The fleet's envelope, as the contracts define it.
    Envelope,
    /// Kafka binary mode: `{"headers": {"ce_id": …, "content-type": …}, "value": data}`.
    KafkaBinary,
    /// AMQP binary mode: `{"content_type": …, "headers": {"cloudEvents_id": …}, "body": data}`.
    AmqpBinary,
}

/// `events cloudevent`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The form to convert each document to.
    #[arg(long, value_enum)]
    to: To,
    /// Files, directories (`*.json`, `*.ndjson`) or `-` for stdin.
    #[arg(required = true)]
    paths: Vec<String>,
}

/// Runs `events cloudevent`.
pub fn run(set: &SchemaSet, args: &Args) -> Result<Outcome, CliError> {
    let Some(mapping) = CloudEventMapping::of(set) else {
        return Err(CliError::input(
            "this catalog has no envelope, so its events have no CloudEvent form",
        ));
    };
    let expanded = input::expand(&args.paths, false);
    for w in &expanded.warnings {
        output::warning(w);
    }
    let mut outcome = Outcome::Success;
    for e in expanded.errors {
        output::error(&CliError::Input(e));
        outcome = Outcome::Errors;
    }
    let mut out = anstream::stdout().lock();
    for file in &expanded.files {
        let docs = match read_documents(file) {
            Ok(d) => d,
            Err(e) => {
                output::error(&CliError::input(format!("{}: {e}", file.display())));
                outcome = Outcome::Errors;
                continue;
            }
        };
        for (at, doc) in docs {
            match convert(set, &mapping, &doc, args.to) {
                Ok(v) => write_out(
                    &mut out,
                    &format!("{}\n", serde_json::to_string(&v).unwrap_or_default()),
                )?,
                Err(e) => {
                    output::error(&CliError::Finding(format!("{}{at}: {e}", file.display())));
                    outcome = outcome.max(Outcome::Findings);
                }
            }
        }
    }
    Ok(outcome)
}

/// The documents of a file: one JSON document (an array is its elements), or NDJSON.
/// Each comes with where it is (`:3` for line 3, `[2]` for an array element).
fn read_documents(path: &Path) -> std::io::Result<Vec<(String, Value)>> {
    let mut text = String::new();
    input::open(path)?.read_to_string(&mut text)?;
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        return Ok(match v {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("[{i}]"), v))
                .collect(),
            v => vec![(String::new(), v)],
        });
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(line).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("line {}: not JSON: {e}", n + 1),
            )
        })?;
        out.push((format!(":{}", n + 1), v));
    }
    Ok(out)
}

/// Message headers, `(name, value)` in order.
type Headers = Vec<(String, Vec<u8>)>;

/// Reads a binary form's headers (an object of strings) and its data.
fn binary_parts(doc: &Map<String, Value>, body: &str) -> Result<(Headers, Vec<u8>), String> {
    let headers = doc
        .get("headers")
        .and_then(Value::as_object)
        .ok_or("`headers` must be an object of strings")?;
    let mut h = Vec::with_capacity(headers.len() + 1);
    for (k, v) in headers {
        let text = v
            .as_str()
            .ok_or_else(|| format!("header `{k}` is not a string"))?;
        h.push((k.clone(), text.as_bytes().to_vec()));
    }
    if let Some(ct) = doc.get("content_type").and_then(Value::as_str) {
        h.push((ce::CONTENT_TYPE_HEADER.to_owned(), ct.as_bytes().to_vec()));
    }
    let data = doc
        .get(body)
        .map(|v| serde_json::to_vec(v).unwrap_or_default())
        .unwrap_or_default();
    Ok((h, data))
}

/// The structured CloudEvent of a document in any form.
fn to_structured(
    set: &SchemaSet,
    mapping: &CloudEventMapping,
    doc: &Value,
) -> Result<Value, String> {
    let Some(obj) = doc.as_object() else {
        return Err("a document must be a JSON object".to_owned());
    };
    if ce::is_structured(doc) {
        return Ok(doc.clone());
    }
    if obj.contains_key("headers") && (obj.contains_key("value") || obj.contains_key("body")) {
        let (body, prefix) = if obj.contains_key("value") {
            ("value", KAFKA_PREFIX)
        } else {
            ("body", AMQP_PREFIX)
        };
        let (headers, data) = binary_parts(obj, body)?;
        return ce::from_binary(&headers, &data, prefix)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no `{prefix}specversion` header: not a binary CloudEvent"));
    }
    // The envelope: its contract gives the producer, the version and the key.
    let type_field = &set.envelope.type_field;
    let event_type = obj
        .get(type_field.as_str())
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing field `{type_field}` (the event type)"))?;
    let version = set
        .envelope
        .version_path
        .iter()
        .try_fold(doc, |v, k| v.get(k))
        .and_then(Value::as_str);
    let major = version.and_then(events_rt::parse_major).unwrap_or(1);
    let def = catalog::find_event(set, event_type, Some(major))?;
    let key = set.key_pointer(def);
    mapping.with(|m| {
        let facts = ContractFacts {
            producer: &def.producer,
            version: &def.version,
            key: key.as_deref(),
        };
        ce::to_cloudevent(doc, m, &facts).map_err(|e| e.to_string())
    })
}

fn convert(
    set: &SchemaSet,
    mapping: &CloudEventMapping,
    doc: &Value,
    to: To,
) -> Result<Value, String> {
    let structured = to_structured(set, mapping, doc)?;
    match to {
        To::Structured => Ok(structured),
        To::Envelope => {
            mapping.with(|m| ce::from_cloudevent(&structured, m).map_err(|e| e.to_string()))
        }
        To::KafkaBinary | To::AmqpBinary => {
            let prefix = if to == To::KafkaBinary {
                KAFKA_PREFIX
            } else {
                AMQP_PREFIX
            };
            let (headers, _) = ce::to_binary(&structured, prefix).map_err(|e| e.to_string())?;
            let data = structured.get("data").cloned().unwrap_or(Value::Null);
            let mut h = Map::new();
            let mut content_type = None;
            for (k, v) in headers {
                if to == To::AmqpBinary && k == ce::CONTENT_TYPE_HEADER {
                    content_type = Some(v);
                } else {
                    h.insert(k, Value::String(v));
                }
            }
            Ok(match to {
                To::KafkaBinary => json!({"headers": h, "value": data}),
                _ => json!({"content_type": content_type, "headers": h, "body": data}),
            })
        }
    }
}

/// For `events validate`: the envelope of a structured CloudEvent, to validate as its
/// contract (named by `type` and `dataschema`).
pub fn envelope_of(mapping: &CloudEventMapping, doc: &Value) -> Result<Value, String> {
    mapping.with(|m| ce::from_cloudevent(doc, m).map_err(|e| e.to_string()))
}
