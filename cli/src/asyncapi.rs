//! `events asyncapi --out FILE`: the catalog as an AsyncAPI 3.0 document.
//!
//! - one channel per stream, topic or exchange, its `address` the name on the bus;
//! - one message per event type and major version (`components.messages`), its payload the
//!   self-contained schema of the whole document on the wire (envelope and event, what
//!   `events schema` prints), its `headers` the envelope's header fields;
//! - a `send` operation per producer and channel and a `receive` operation per consumer and
//!   channel, from `x-event`;
//! - the named schemas every payload refers to, once, in `components.schemas`.
//!
//! `.yaml`/`.yml` files are written as YAML, anything else as JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;
use events_codegen::schema::{ChannelKind, EventDef, Payload};
use events_codegen::SchemaSet;
use serde_json::{json, Map, Value};

/// `events asyncapi` options.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Output file: `.json`, or `.yaml`/`.yml` for YAML.
    #[arg(long)]
    pub out: PathBuf,
    /// `info.title` of the document (default: the schema directory's name).
    #[arg(long)]
    pub title: Option<String>,
    /// `info.version` of the document.
    #[arg(long, default_value = "1.0.0")]
    pub version: String,
}

/// A key of an AsyncAPI component or channel map (`^[a-zA-Z0-9\.\-_]+$`).
fn key(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn message_id(e: &EventDef) -> String {
    key(&format!("{}.v{}", e.event_type, e.major))
}

/// Rewrites the `#/$defs/…` references of a bundled schema to `#/components/schemas/…`.
fn rebase(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                if let Some(rest) = r.strip_prefix("#/$defs/") {
                    *r = format!("#/components/schemas/{rest}");
                }
            }
            m.values_mut().for_each(rebase);
        }
        Value::Array(items) => items.iter_mut().for_each(rebase),
        _ => {}
    }
}

/// The AsyncAPI 3.0 document of a catalog.
pub fn document(set: &SchemaSet, title: &str, version: &str) -> Value {
    let mut schemas = Map::new();
    let mut messages = Map::new();
    let mut channels: BTreeMap<String, (ChannelKind, String, Map<String, Value>)> = BTreeMap::new();
    // (service, action, channel id) → message ids.
    let mut operations: BTreeMap<(String, &str, String), Vec<String>> = BTreeMap::new();
    let env = &set.envelope;
    // The envelope's header fields (the payload field left out), by name.
    let header_names: Vec<String> = set
        .doc(&env.rel)
        .and_then(|d| d.json.get("properties"))
        .and_then(Value::as_object)
        .map(|p| {
            p.keys()
                .filter(|k| !matches!(&env.payload, Payload::Field(f) if f == *k))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut topic_settings: BTreeMap<String, events_rt::TopicSettings> = BTreeMap::new();
    for e in &set.events {
        let id = message_id(e);
        let message = message_of(set, e, &header_names, &mut schemas);
        if !e.topic.is_empty() {
            let t = topic_settings.entry(key(&e.channel)).or_default();
            t.fill_from(&e.topic);
        }
        messages.insert(id.clone(), message);
        let channel_id = key(&e.channel);
        let entry = channels
            .entry(channel_id.clone())
            .or_insert_with(|| (e.channel_kind, e.channel.clone(), Map::new()));
        entry.2.insert(
            id.clone(),
            json!({"$ref": format!("#/components/messages/{id}")}),
        );
        operations
            .entry((e.producer.clone(), "send", channel_id.clone()))
            .or_default()
            .push(id.clone());
        for c in &e.consumers {
            operations
                .entry((c.clone(), "receive", channel_id.clone()))
                .or_default()
                .push(id.clone());
        }
    }
    let channels: Map<String, Value> = channels
        .into_iter()
        .map(|(id, (kind, address, msgs))| {
            let settings = topic_settings.get(&id).copied().unwrap_or_default();
            let channel = channel_doc(kind, &address, msgs, settings);
            (id, channel)
        })
        .collect();
    let operations: Map<String, Value> = operations
        .into_iter()
        .map(|((service, action, channel), ids)| {
            let verb = if action == "send" {
                "sends"
            } else {
                "receives"
            };
            let op = json!({
                "action": action,
                "summary": format!("{service} {verb} on `{channel}`."),
                "channel": {"$ref": format!("#/channels/{channel}")},
                "messages": ids
                    .iter()
                    .map(|m| json!({"$ref": format!("#/channels/{channel}/messages/{m}")}))
                    .collect::<Vec<_>>(),
            });
            (key(&format!("{service}.{action}.{channel}")), op)
        })
        .collect();
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": title,
            "version": version,
            "description": format!("{} events on {} channels, generated by `events asyncapi` from the contract schemas.", set.events.len(), channels.len()),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": schemas,
        },
    })
}

/// The AsyncAPI message of one event: its bundled schema (its definitions moved to
/// `schemas`), the envelope's header fields, and the Kafka key binding of a topic's event.
fn message_of(
    set: &SchemaSet,
    e: &EventDef,
    header_names: &[String],
    schemas: &mut Map<String, Value>,
) -> Value {
    let mut payload = events_check::validate::bundle(set, &e.schema_ref(), &e.event_type);
    if let Value::Object(m) = &mut payload {
        m.remove("$schema");
        if let Some(Value::Object(defs)) = m.remove("$defs") {
            for (k, mut v) in defs {
                rebase(&mut v);
                schemas.entry(k).or_insert(v);
            }
        }
    }
    rebase(&mut payload);
    // The header fields as the composed (self-contained) schema has them.
    let props = payload.get("properties").and_then(Value::as_object);
    let header_props: Map<String, Value> = header_names
        .iter()
        .filter_map(|n| Some((n.clone(), props?.get(n)?.clone())))
        .collect();
    let required: Vec<Value> = payload
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.as_str().is_some_and(|r| header_props.contains_key(r)))
        .cloned()
        .collect();
    let headers = json!({
        "schemaFormat": "application/schema+json;version=draft-07",
        "schema": {
            "type": "object",
            "description": "The envelope's header fields. They travel in the document itself (the payload above), not as protocol headers.",
            "properties": header_props,
            "required": required,
        },
    });
    let mut message = json!({
        "name": e.event_type,
        "title": format!("{} {}", e.event_type, e.version),
        "contentType": "application/json",
        "payload": {
            "schemaFormat": "application/schema+json;version=draft-07",
            "schema": payload,
        },
        "headers": headers,
        "x-event": {
            "type": e.event_type,
            "version": e.version,
            "schema": e.schema_ref(),
        },
    });
    if let Some(d) = &e.description {
        message["summary"] = json!(d);
    }
    if e.channel_kind == ChannelKind::Topic {
        // The record key: the value at `x-event.key` (AsyncAPI Kafka message binding).
        let key_schema = match set.key_pointer(e) {
            Some(pointer) => json!({
                "type": "string",
                "description": format!("The value at `{pointer}` of the document (`x-event.key`): the events of one key keep their order on one partition."),
            }),
            None => {
                json!({"type": "null", "description": "The event has no key (`x-event.key` is null or absent)."})
            }
        };
        message["bindings"] = json!({"kafka": {"key": key_schema, "bindingVersion": "0.5.0"}});
        message["x-event"]["key"] = json!(e.key);
    }
    message
}

/// The AsyncAPI channel of a stream, topic or exchange, with its bindings.
fn channel_doc(
    kind: ChannelKind,
    address: &str,
    msgs: Map<String, Value>,
    settings: events_rt::TopicSettings,
) -> Value {
    let what = match kind {
        ChannelKind::Stream => "Redis stream",
        ChannelKind::Topic => "topic",
        ChannelKind::Exchange => "AMQP exchange",
    };
    let mut channel = json!({
        "address": address,
        "description": format!("The {what} `{address}`."),
        "messages": msgs,
    });
    if kind == ChannelKind::Topic {
        let t = settings;
        let mut kafka = json!({"topic": address, "bindingVersion": "0.5.0"});
        if let Some(n) = t.partitions {
            kafka["partitions"] = json!(n);
        }
        if let Some(n) = t.replication {
            kafka["replicas"] = json!(n);
        }
        if let Some(ms) = t.retention_ms {
            kafka["topicConfiguration"] = json!({"retention.ms": ms});
        }
        channel["bindings"] = json!({"kafka": kafka});
    }
    if kind == ChannelKind::Exchange {
        channel["bindings"] = json!({"amqp": {"is": "routingKey", "exchange": {"name": address, "type": "topic", "durable": true}}});
    }
    channel
}

/// The document as YAML. Every string is quoted: property names such as `+1`, `on` or
/// `1e3` would otherwise read back as numbers or booleans.
pub fn yaml_text(doc: &Value) -> Result<String, String> {
    let options = serde_saphyr::ser_options! { quote_all: true };
    serde_saphyr::to_string_with_options(doc, options)
        .map_err(|e| format!("cannot write YAML: {e}"))
}

/// Writes the document; JSON or YAML by the file's extension.
pub fn write(set: &SchemaSet, schemas: &Path, args: &Args) -> Result<(), String> {
    let title = args.title.clone().unwrap_or_else(|| {
        schemas
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "events".to_owned())
    });
    let doc = document(set, &title, &args.version);
    let yaml = args
        .out
        .extension()
        .is_some_and(|x| x == "yaml" || x == "yml");
    let text = if yaml {
        yaml_text(&doc)?
    } else {
        format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
        )
    };
    std::fs::write(&args.out, text).map_err(|e| format!("{}: {e}", args.out.display()))
}
