//! The example of an event page in every wire form it travels in: the Redis Streams field
//! map, the AMQP message (properties, headers, body), the Kafka record (key, headers,
//! value) and, on Kafka and AMQP, the CloudEvents forms (structured and binary). The forms
//! are made by the runtime crates' own functions (`events_rt::redis::xadd`,
//! `events_amqp::properties`, `events_amqp::cloudevents::apply_with`,
//! `events_kafka::Record::from_json`, `events_rt::cloudevents::to_cloudevent`), so the
//! site shows what the publishers send.

use std::fmt::Write as _;

use events_amqp::cloudevents::header_text;
use events_amqp::lapin::types::AMQPValue;
use events_amqp::lapin::BasicProperties;
use events_codegen::ir::Event;
use events_codegen::schema::ChannelKind;
use events_rt::cloudevents::{self as ce, CloudEventError, ContractFacts, Mode};
use serde_json::Value;

use super::{esc, Site};
use crate::docs::shell_quote;

/// Rows of a name-value table: the name as text, the value as HTML.
type Rows = Vec<(String, String)>;

/// A name-value table; values are HTML already.
fn table(rows: &[(String, String)]) -> String {
    let mut t = String::from("<table class=\"wire\">\n");
    for (k, v) in rows {
        let _ = writeln!(t, "<tr><th>{}</th><td>{v}</td></tr>", esc(k));
    }
    t.push_str("</table>\n");
    t
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

fn pre(s: &str) -> String {
    format!("<pre><code>{}</code></pre>\n", esc(s))
}

/// Bytes as text: UTF-8 as it is, anything else in hex.
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().fold(String::from("0x"), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        }),
    }
}

/// A body or value: pretty JSON when it is JSON, else its text.
fn body(bytes: &[u8]) -> String {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(_) => text(bytes),
    }
}

/// The sections after the JSON example: `doc` is the example document, `fields_order`
/// ranks top-level field names in schema order.
pub(crate) fn forms(
    site: &Site,
    e: &Event,
    doc: &Value,
    fields_order: &dyn Fn(&str) -> usize,
) -> String {
    let d = &e.def;
    let json = serde_json::to_vec(doc).unwrap_or_default();
    let mut b = String::new();
    match d.channel_kind {
        ChannelKind::Stream => b.push_str(&redis(e, doc, fields_order)),
        ChannelKind::Exchange => {
            b.push_str(&amqp(site, e, &json));
        }
        ChannelKind::Topic => {
            b.push_str(&kafka(site, e, json));
        }
    }
    b
}

/// The `XADD` the events-redis publisher sends: the field map of the typed codec
/// (`events_rt::fields::to_fields`) in schema order, as `events_rt::redis::xadd` builds
/// the command, trimmed to the stream's `x-event.max_len` or the publisher's default.
fn redis(e: &Event, doc: &Value, fields_order: &dyn Fn(&str) -> usize) -> String {
    let d = &e.def;
    let mut fields = events_rt::fields::to_fields(doc).unwrap_or_default();
    fields.sort_by_key(|(k, _)| fields_order(k));
    let max_len = d
        .max_len
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(events_redis::DEFAULT_MAX_LEN);
    let cmd = events_rt::redis::xadd(&d.channel, Some(max_len), &fields);
    let words: Vec<String> = cmd
        .args_iter()
        .map(|a| match a {
            events_redis::redis::Arg::Simple(bytes) => shell_quote(&text(bytes)),
            // `xadd` writes no cursor (nor any other kind of argument).
            _ => String::new(),
        })
        .collect();
    let trim = match d.max_len {
        Some(_) => "trimmed to the stream's <code>x-event.max_len</code>",
        None => "trimmed to the publisher's default length (code may set another per stream)",
    };
    format!(
        "<h3 id=\"example-redis\">Redis Streams</h3>\n<p>An entry of stream <code>{}</code>, one field per top-level field (objects and arrays as JSON text), {trim}:</p>\n{}",
        esc(&d.channel),
        pre(&words.join(" "))
    )
}

/// The structured CloudEvent of the example, if the catalog has an envelope mapping.
fn cloudevent(site: &Site, e: &Event, json: &[u8]) -> Result<Value, CloudEventError> {
    let mapping = site
        .cloudevents
        .as_ref()
        .ok_or(CloudEventError::NoMapping)?;
    let envelope: Value =
        serde_json::from_slice(json).map_err(|err| CloudEventError::Invalid(err.to_string()))?;
    mapping.with(|m| {
        ce::to_cloudevent(
            &envelope,
            m,
            &ContractFacts {
                producer: &e.def.producer,
                version: &e.def.version,
                key: e.key_pointer.as_deref(),
            },
        )
    })
}

/// The rows of AMQP message properties and headers, in the order of the AMQP spec.
fn amqp_rows(p: &BasicProperties) -> (Rows, Rows) {
    let mut rows = Vec::new();
    let mut put = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            rows.push((name.to_owned(), code(&v)));
        }
    };
    put(
        "content_type",
        p.content_type().as_ref().map(|v| v.as_str().to_owned()),
    );
    put(
        "delivery_mode",
        (*p.delivery_mode()).map(|m| match m {
            2 => "2 (persistent)".to_owned(),
            m => m.to_string(),
        }),
    );
    put(
        "correlation_id",
        p.correlation_id().as_ref().map(|v| v.as_str().to_owned()),
    );
    put(
        "message_id",
        p.message_id().as_ref().map(|v| v.as_str().to_owned()),
    );
    put(
        "timestamp",
        (*p.timestamp()).map(|t| match header_text(&AMQPValue::Timestamp(t)) {
            Some(at) => format!("{t} ({at})"),
            None => t.to_string(),
        }),
    );
    put("type", p.kind().as_ref().map(|v| v.as_str().to_owned()));
    put("app_id", p.app_id().as_ref().map(|v| v.as_str().to_owned()));
    let headers = p
        .headers()
        .as_ref()
        .map(|h| {
            h.inner()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        code(&header_text(v).unwrap_or_default()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (rows, headers)
}

fn headers_table(headers: &[(String, String)]) -> String {
    if headers.is_empty() {
        return "<p class=\"muted\">No headers.</p>\n".to_owned();
    }
    table(headers)
}

fn amqp(site: &Site, e: &Event, json: &[u8]) -> String {
    let d = &e.def;
    let key = d.routing_key.as_deref().unwrap_or(&d.event_type);
    let props = events_amqp::properties(&d.event_type, json);
    let mut b = String::new();
    let _ = write!(
        b,
        "<h3 id=\"example-amqp\">AMQP</h3>\n<p>Published to exchange <code>{}</code> with routing key <code>{}</code>; the body is the JSON above.</p>\n<h4 id=\"example-amqp-properties\">Properties</h4>\n",
        esc(&d.channel),
        esc(key)
    );
    let (rows, headers) = amqp_rows(&props);
    b.push_str(&table(&rows));
    b.push_str("<h4 id=\"example-amqp-headers\">Headers</h4>\n");
    b.push_str(&headers_table(&headers));
    let ce_section = |mode: Mode| {
        events_amqp::cloudevents::apply_with(mode, props.clone(), json.to_vec(), |j| {
            cloudevent(site, e, j)
        })
    };
    match (ce_section(Mode::Structured), ce_section(Mode::Binary)) {
        (Ok((sp, sbody)), Ok((bp, bbody))) => {
            let (_, bheaders) = amqp_rows(&bp);
            let _ = write!(
                b,
                "<h3 id=\"example-cloudevents\">CloudEvents (AMQP binding)</h3>\n<h4 id=\"example-ce-structured\">Structured mode</h4>\n<p>The same properties with <code>content_type</code> <code>{}</code>; the body:</p>\n{}<h4 id=\"example-ce-binary\">Binary mode</h4>\n<p>The same properties with <code>content_type</code> <code>{}</code> and these headers; the body is the event's data:</p>\n{}{}",
                esc(&sp.content_type().as_ref().map(|v| v.as_str().to_owned()).unwrap_or_default()),
                pre(&body(&sbody)),
                esc(&bp.content_type().as_ref().map(|v| v.as_str().to_owned()).unwrap_or_default()),
                headers_table(&bheaders),
                pre(&body(&bbody)),
            );
        }
        (Err(err), _) | (_, Err(err)) => b.push_str(&no_cloudevent(&err)),
    }
    b
}

fn no_cloudevent(err: &CloudEventError) -> String {
    format!(
        "<h3 id=\"example-cloudevents\">CloudEvents</h3>\n<p class=\"muted\">No CloudEvent form: {}.</p>\n",
        esc(&err.to_string())
    )
}

fn kafka(site: &Site, e: &Event, json: Vec<u8>) -> String {
    let d = &e.def;
    let facts = events_kafka::RecordFacts {
        topic: &d.channel,
        event_type: &d.event_type,
        version: &d.version,
        key_pointer: e.key_pointer.as_deref(),
    };
    let record = |mode: Mode| {
        events_kafka::Record::from_json(facts, json.clone(), mode, |j| cloudevent(site, e, j))
    };
    let header_rows = |r: &events_kafka::Record| -> Rows {
        r.headers
            .iter()
            .map(|(k, v)| (k.clone(), code(&text(v))))
            .collect()
    };
    let mut b = String::new();
    match record(Mode::Envelope) {
        Ok(r) => {
            let _ = write!(
                b,
                "<h3 id=\"example-kafka\">Kafka</h3>\n<p>A record on topic <code>{}</code>; the value is the JSON above.</p>\n{}<h4 id=\"example-kafka-headers\">Headers</h4>\n{}",
                esc(&r.topic),
                table(&[(
                    "key".to_owned(),
                    match &r.key {
                        Some(k) => code(&text(k)),
                        None => "none (the contract has no <code>x-event.key</code>)".to_owned(),
                    }
                )]),
                headers_table(&header_rows(&r))
            );
        }
        Err(err) => {
            let _ = write!(
                b,
                "<h3 id=\"example-kafka\">Kafka</h3>\n<p class=\"muted\">The example makes no record: {}.</p>\n",
                esc(&err.to_string())
            );
            return b;
        }
    }
    match (record(Mode::Structured), record(Mode::Binary)) {
        (Ok(s), Ok(bin)) => {
            let _ = write!(
                b,
                "<h3 id=\"example-cloudevents\">CloudEvents (Kafka binding)</h3>\n<h4 id=\"example-ce-structured\">Structured mode</h4>\n<p>The same key; headers:</p>\n{}<p>The value:</p>\n{}<h4 id=\"example-ce-binary\">Binary mode</h4>\n<p>The same key; headers:</p>\n{}<p>The value is the event's data:</p>\n{}",
                headers_table(&header_rows(&s)),
                pre(&body(&s.value)),
                headers_table(&header_rows(&bin)),
                pre(&body(&bin.value)),
            );
        }
        (Err(events_kafka::RecordError::CloudEvent(err)), _)
        | (_, Err(events_kafka::RecordError::CloudEvent(err))) => {
            b.push_str(&no_cloudevent(&err));
        }
        (Err(err), _) | (_, Err(err)) => {
            let _ = write!(
                b,
                "<h3 id=\"example-cloudevents\">CloudEvents</h3>\n<p class=\"muted\">No CloudEvent form: {}.</p>\n",
                esc(&err.to_string())
            );
        }
    }
    b
}
