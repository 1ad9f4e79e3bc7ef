//! CloudEvents 1.0: a contract set's envelope as CloudEvent attributes and back.
//!
//! The [`Mapping`] of a set is derived from its envelope schema by the generator (the
//! same derivation serves the CLI), never written by hand per event:
//!
//! | envelope | CloudEvent |
//! |---|---|
//! | the type field (`event_type`, `type`, `name`) | `type` |
//! | `event_id` / `id` | `id` (a hash of the document when the envelope has none) |
//! | `timestamp` / `time` (RFC 3339 or unix seconds) | `time` (RFC 3339) |
//! | `source` | `source` (`/<producer>` when the envelope has none) |
//! | the version field | `dataschema` = `urn:events:schema:<type>:<version>` (without `:<version>` when the document has none) |
//! | the payload (`data`, or the fields beside the headers) | `data` |
//! | every other header field, also inside header objects (`metadata.correlation_id`) | an extension named after it in lower-case alphanumerics (`correlationid`) |
//! | the contract's key (`x-event.key`) | `partitionkey` |
//!
//! Envelope → CloudEvent → envelope gives the same document. Binary modes carry the
//! attributes as headers ([`to_binary`] / [`from_binary`], prefix `ce_` on Kafka,
//! `cloudEvents_` on AMQP) and the data as the body; the structured mode is the
//! CloudEvent as one JSON document (`application/cloudevents+json`).

use serde_json::{Map, Value};

/// `specversion` written and accepted.
pub const SPEC_VERSION: &str = "1.0";
/// The content type of a structured-mode CloudEvent.
pub const STRUCTURED_CONTENT_TYPE: &str = "application/cloudevents+json";
/// `datacontenttype` of the data this crate writes.
pub const DATA_CONTENT_TYPE: &str = "application/json";
/// The header that carries `datacontenttype` in Kafka's binary mode.
pub const CONTENT_TYPE_HEADER: &str = "content-type";
/// Attribute header prefix of Kafka's binary mode.
pub const KAFKA_PREFIX: &str = "ce_";
/// Attribute header prefix of AMQP's binary mode.
pub const AMQP_PREFIX: &str = "cloudEvents_";
/// The other prefix AMQP's binary mode allows (`cloudEvents:type`), read as
/// [`AMQP_PREFIX`].
pub const AMQP_PREFIX_COLON: &str = "cloudEvents:";
/// Prefix of the `dataschema` this crate writes: `urn:events:schema:<type>:<version>`.
pub const DATASCHEMA_PREFIX: &str = "urn:events:schema:";

/// The wire form a publisher writes: the fleet's envelope, or a CloudEvent in one of the
/// two content modes of a protocol binding (Kafka, AMQP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The fleet's envelope as the JSON codec writes it.
    #[default]
    Envelope,
    /// Binary content mode: the attributes as protocol headers (`ce_*` on Kafka,
    /// `cloudEvents_*` on AMQP), `content-type`, the body = the event's data.
    Binary,
    /// Structured content mode: the CloudEvent as one JSON document
    /// (`application/cloudevents+json`).
    Structured,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "envelope" | "plain" => Ok(Self::Envelope),
            "binary" => Ok(Self::Binary),
            "structured" => Ok(Self::Structured),
            other => Err(format!(
                "{other:?} is not a wire form: envelope, binary or structured"
            )),
        }
    }
}

/// How the envelope spells its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    /// An RFC 3339 string, kept as it is.
    Rfc3339,
    /// Whole unix seconds (`"format": "unix-time"`), written as RFC 3339 in UTC.
    UnixSeconds,
}

/// The JSON type of a header field carried as an extension attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    String,
    /// An integer.
    Integer,
    /// A boolean.
    Boolean,
    /// Anything else, carried as its JSON text.
    Json,
}

/// A header field carried as an extension attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// Property names from the envelope root (`["metadata", "correlation_id"]`).
    pub path: &'a [&'a str],
    /// The attribute name (`correlationid`).
    pub attribute: &'a str,
    /// Its JSON type.
    pub kind: Kind,
}

/// How one contract set's envelope maps to CloudEvent attributes (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping<'a> {
    /// The envelope's top-level properties, in schema order (the order rebuilt).
    pub order: &'a [&'a str],
    /// The type field.
    pub type_field: &'a str,
    /// The id field, if the envelope has one.
    pub id: Option<&'a str>,
    /// The time field and its spelling, if the envelope has one.
    pub time: Option<(&'a str, TimeKind)>,
    /// The source field, if the envelope has one.
    pub source: Option<&'a str>,
    /// The version field's path (`["version"]`, `["metadata", "version"]`), if any.
    pub version: &'a [&'a str],
    /// The payload field (`data`); `None` when the payload sits beside the headers.
    pub data: Option<&'a str>,
    /// Every other header field.
    pub extensions: &'a [Extension<'a>],
    /// Header objects rebuilt even when none of their fields is present (required ones).
    pub required_objects: &'a [&'a str],
}

/// What a contract adds to the mapping: its producer (the `source` when the envelope has
/// none), its version (the `dataschema` when the envelope has none) and its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractFacts<'a> {
    /// Producing service.
    pub producer: &'a str,
    /// `major.minor`.
    pub version: &'a str,
    /// The message key's JSON pointer in the envelope, if any.
    pub key: Option<&'a str>,
}

/// Why a document does not map.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudEventError {
    /// The contract set has no envelope (a types-only set).
    #[error("this set has no envelope, so its events have no CloudEvent form")]
    NoMapping,
    /// A required attribute or field is missing or of the wrong type.
    #[error("{0}")]
    Invalid(String),
    /// The envelope rebuilt from the CloudEvent does not decode as its contract.
    #[error("{0}")]
    Decode(#[from] crate::DecodeError),
}

fn invalid(msg: impl Into<String>) -> CloudEventError {
    CloudEventError::Invalid(msg.into())
}

/// Attribute names of CloudEvents 1.0 that an extension may not take.
pub const RESERVED: &[&str] = &[
    "id",
    "source",
    "type",
    "time",
    "subject",
    "specversion",
    "datacontenttype",
    "dataschema",
    "data",
    "data_base64",
    "partitionkey",
];

/// A property name as an attribute name: lower-case ASCII letters and digits only
/// (`correlation_id` → `correlationid`).
pub fn attribute_name(property: &str) -> String {
    property
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn get_path<'v>(doc: &'v Map<String, Value>, path: &[&str]) -> Option<&'v Value> {
    let (first, rest) = path.split_first()?;
    let mut v = doc.get(*first)?;
    for p in rest {
        v = v.as_object()?.get(*p)?;
    }
    Some(v)
}

/// A 128-bit FNV-1a digest of `bytes` as 32 hex digits: the id of an event whose envelope
/// has none (the same document always gets the same id).
fn digest(bytes: &[u8]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for &x in bytes {
        a = (a ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01b3);
        b = (b ^ u64::from(x.rotate_left(3))).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{a:016x}{b:016x}")
}

/// The CloudEvent of an envelope document (structured mode, attributes then `data`).
pub fn to_cloudevent(
    envelope: &Value,
    map: &Mapping<'_>,
    facts: &ContractFacts<'_>,
) -> Result<Value, CloudEventError> {
    let doc = envelope
        .as_object()
        .ok_or_else(|| invalid("the envelope is not a JSON object"))?;
    let text = |name: &str| -> Result<String, CloudEventError> {
        match doc.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(invalid(format!(
                "field `{name}` must be a string to be an attribute, not {other}"
            ))),
            None => Err(invalid(format!("missing field `{name}`"))),
        }
    };
    let event_type = text(map.type_field)?;
    let id = match map.id {
        Some(f) => text(f)?,
        None => digest(
            serde_json::to_string(envelope)
                .unwrap_or_default()
                .as_bytes(),
        ),
    };
    let source = match map.source {
        Some(f) => text(f)?,
        None => format!("/{}", facts.producer),
    };
    // The envelope's version, or the contract's when the envelope has no version field;
    // `None` when the envelope could carry one and this document does not (its major is
    // then 1, and the round trip leaves it out again).
    let version = match map.version {
        [] => Some(facts.version.to_owned()),
        path => match get_path(doc, path) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(invalid(format!(
                    "field `{}` must be a string, not {other}",
                    path.join(".")
                )))
            }
            None => None,
        },
    };
    let mut ce = Map::new();
    ce.insert("specversion".into(), SPEC_VERSION.into());
    ce.insert("id".into(), id.into());
    ce.insert("source".into(), source.into());
    ce.insert("type".into(), event_type.clone().into());
    ce.insert("datacontenttype".into(), DATA_CONTENT_TYPE.into());
    let dataschema = match &version {
        Some(v) => format!("{DATASCHEMA_PREFIX}{event_type}:{v}"),
        None => format!("{DATASCHEMA_PREFIX}{event_type}"),
    };
    ce.insert("dataschema".into(), dataschema.into());
    if let Some((f, kind)) = map.time {
        match (doc.get(f), kind) {
            (Some(Value::String(s)), TimeKind::Rfc3339) => {
                ce.insert("time".into(), s.clone().into());
            }
            (Some(v), TimeKind::UnixSeconds) if v.as_i64().is_some() => {
                let secs = v.as_i64().unwrap_or_default();
                let t = chrono::DateTime::from_timestamp(secs, 0)
                    .ok_or_else(|| invalid(format!("field `{f}`: {secs} is out of range")))?;
                ce.insert(
                    "time".into(),
                    t.format("%Y-%m-%dT%H:%M:%SZ").to_string().into(),
                );
            }
            (None, _) => {}
            (Some(other), _) => {
                return Err(invalid(format!(
                    "field `{f}` is not a time of the envelope's kind: {other}"
                )))
            }
        }
    }
    if let Some(pointer) = facts.key {
        match envelope.pointer(pointer) {
            Some(Value::String(s)) => {
                ce.insert("partitionkey".into(), s.clone().into());
            }
            Some(v @ (Value::Number(_) | Value::Bool(_))) => {
                ce.insert("partitionkey".into(), v.to_string().into());
            }
            _ => return Err(invalid(format!("the key field {pointer} is missing"))),
        }
    }
    for ext in map.extensions {
        let Some(v) = get_path(doc, ext.path) else {
            continue;
        };
        let attr = match (ext.kind, v) {
            (_, Value::Null) => continue,
            (Kind::String, Value::String(_)) | (Kind::Boolean, Value::Bool(_)) => v.clone(),
            (Kind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => v.clone(),
            (Kind::Json, _) => v.to_string().into(),
            (_, other) => {
                return Err(invalid(format!(
                    "field `{}` does not have its schema's type: {other}",
                    ext.path.join(".")
                )))
            }
        };
        ce.insert(ext.attribute.to_owned(), attr);
    }
    let data = match map.data {
        Some(f) => doc
            .get(f)
            .cloned()
            .ok_or_else(|| invalid(format!("missing field `{f}`")))?,
        None => {
            let headers: Vec<&str> = header_names(map);
            Value::Object(
                doc.iter()
                    .filter(|(k, _)| !headers.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        }
    };
    ce.insert("data".into(), data);
    Ok(Value::Object(ce))
}

/// The envelope's top-level header names (everything but a flat payload).
fn header_names<'a>(map: &Mapping<'a>) -> Vec<&'a str> {
    let mut names: Vec<&str> = map.order.to_vec();
    names.retain(|n| Some(*n) != map.data);
    names
}

/// The envelope document of a CloudEvent (structured form), fields in the envelope's order.
pub fn from_cloudevent(ce: &Value, map: &Mapping<'_>) -> Result<Value, CloudEventError> {
    let ce = ce
        .as_object()
        .ok_or_else(|| invalid("a CloudEvent is a JSON object"))?;
    let attr = |name: &str| -> Result<&str, CloudEventError> {
        match ce.get(name) {
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(invalid(format!(
                "attribute `{name}` must be a string, not {other}"
            ))),
            None => Err(invalid(format!("missing attribute `{name}`"))),
        }
    };
    let spec = attr("specversion")?;
    if spec != SPEC_VERSION {
        return Err(invalid(format!(
            "specversion {spec:?} is not {SPEC_VERSION:?}"
        )));
    }
    if ce.contains_key("data_base64") {
        return Err(invalid(
            "`data_base64` is not JSON data; the contracts carry JSON",
        ));
    }
    let event_type = attr("type")?;
    let version = match ce.get("dataschema").and_then(Value::as_str) {
        Some(s) => {
            let named =
                s.strip_prefix(DATASCHEMA_PREFIX)
                    .and_then(|rest| match rest.split_once(':') {
                        Some((t, v)) => (t == event_type).then(|| Some(v.to_owned())),
                        None => (rest == event_type).then_some(None),
                    });
            named.ok_or_else(|| {
                invalid(format!(
                    "dataschema {s:?} does not name {event_type:?} as {DATASCHEMA_PREFIX}<type>[:<version>]"
                ))
            })?
        }
        None => None,
    };
    let mut out = Map::new();
    let mut headers: Map<String, Value> = Map::new();
    for name in map.required_objects {
        headers.insert((*name).to_owned(), Value::Object(Map::new()));
    }
    for ext in map.extensions {
        let Some(v) = ce.get(ext.attribute) else {
            continue;
        };
        let value = match (ext.kind, v) {
            (Kind::String, Value::String(_)) | (Kind::Boolean, Value::Bool(_)) => v.clone(),
            (Kind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => v.clone(),
            (Kind::Integer, Value::String(s)) => {
                s.parse::<i64>().map(Value::from).map_err(|_| {
                    invalid(format!(
                        "attribute `{}`: {s:?} is not an integer",
                        ext.attribute
                    ))
                })?
            }
            (Kind::Boolean, Value::String(s)) => match s.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => {
                    return Err(invalid(format!(
                        "attribute `{}`: {s:?} is not a boolean",
                        ext.attribute
                    )))
                }
            },
            (Kind::Json, Value::String(s)) => serde_json::from_str(s).map_err(|e| {
                invalid(format!("attribute `{}`: not JSON text: {e}", ext.attribute))
            })?,
            (_, other) => {
                return Err(invalid(format!(
                    "attribute `{}` has the wrong type: {other}",
                    ext.attribute
                )))
            }
        };
        put(ext.path, value, &mut headers);
    }
    if let (Some(v), false) = (&version, map.version.is_empty()) {
        put(map.version, Value::String(v.clone()), &mut headers);
    }
    for name in map.order {
        let name = *name;
        let value = if name == map.type_field {
            Value::String(event_type.to_owned())
        } else if Some(name) == map.id {
            Value::String(attr("id")?.to_owned())
        } else if Some(name) == map.source {
            Value::String(attr("source")?.to_owned())
        } else if Some(name) == map.data {
            ce.get("data")
                .cloned()
                .ok_or_else(|| invalid("missing attribute `data`"))?
        } else if let Some((_, kind)) = map.time.filter(|(f, _)| *f == name) {
            let Some(t) = ce.get("time") else { continue };
            let t = t
                .as_str()
                .ok_or_else(|| invalid("attribute `time` must be a string"))?;
            match kind {
                TimeKind::Rfc3339 => Value::String(t.to_owned()),
                TimeKind::UnixSeconds => {
                    let parsed = chrono::DateTime::parse_from_rfc3339(t)
                        .map_err(|e| invalid(format!("attribute `time` {t:?}: {e}")))?;
                    Value::from(parsed.timestamp())
                }
            }
        } else if let Some(v) = headers.remove(name) {
            v
        } else {
            continue;
        };
        out.insert(name.to_owned(), value);
    }
    if map.data.is_none() {
        match ce.get("data") {
            Some(Value::Object(fields)) => {
                for (k, v) in fields {
                    out.insert(k.clone(), v.clone());
                }
            }
            Some(_) => return Err(invalid("the data of a flat envelope must be an object")),
            None => {}
        }
    }
    Ok(Value::Object(out))
}

/// Binary-mode attribute headers, `(name, value)` in order.
pub type BinaryHeaders = Vec<(String, String)>;

/// Sets the value at `path` in `out`, making the header objects on the way.
fn put(path: &[&str], v: Value, out: &mut Map<String, Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = out;
    for p in parents {
        let next = at
            .entry((*p).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        let Value::Object(obj) = next else {
            return;
        };
        at = obj;
    }
    at.insert((*last).to_owned(), v);
}

/// A structured CloudEvent as binary-mode headers (`prefix` + attribute, and
/// `content-type` for `datacontenttype`) and the body (the data's JSON).
pub fn to_binary(ce: &Value, prefix: &str) -> Result<(BinaryHeaders, Vec<u8>), CloudEventError> {
    let ce = ce
        .as_object()
        .ok_or_else(|| invalid("a CloudEvent is a JSON object"))?;
    let mut headers = Vec::with_capacity(ce.len());
    for (k, v) in ce {
        let text = match v {
            _ if k == "data" || k == "data_base64" => continue,
            Value::String(s) => s.clone(),
            Value::Number(_) | Value::Bool(_) => v.to_string(),
            other => {
                return Err(invalid(format!(
                    "attribute `{k}` is not a string, number or boolean: {other}"
                )))
            }
        };
        if k == "datacontenttype" {
            headers.push((CONTENT_TYPE_HEADER.to_owned(), text));
        } else {
            headers.push((format!("{prefix}{k}"), text));
        }
    }
    let body = match ce.get("data") {
        Some(d) => serde_json::to_vec(d).map_err(|e| invalid(e.to_string()))?,
        None => Vec::new(),
    };
    Ok((headers, body))
}

/// The structured CloudEvent of a binary-mode message: headers (any order, other headers
/// ignored; names compared without regard to case, as HTTP and AMQP clients may change
/// it) and the body. `None` when the headers carry no `specversion`.
pub fn from_binary(
    headers: &[(String, Vec<u8>)],
    body: &[u8],
    prefix: &str,
) -> Result<Option<Value>, CloudEventError> {
    let mut ce = Map::new();
    for (k, v) in headers {
        let text = || {
            std::str::from_utf8(v)
                .map(str::to_owned)
                .map_err(|_| invalid(format!("header `{k}` is not UTF-8")))
        };
        let alt = (prefix == AMQP_PREFIX).then_some(AMQP_PREFIX_COLON);
        let matched = [Some(prefix), alt].into_iter().flatten().find(|p| {
            k.len() > p.len() && k.is_char_boundary(p.len()) && k[..p.len()].eq_ignore_ascii_case(p)
        });
        if let Some(p) = matched {
            ce.insert(k[p.len()..].to_ascii_lowercase(), Value::String(text()?));
        } else if k.eq_ignore_ascii_case(CONTENT_TYPE_HEADER) {
            ce.insert("datacontenttype".into(), Value::String(text()?));
        }
    }
    if !ce.contains_key("specversion") {
        return Ok(None);
    }
    if !body.is_empty() {
        let content = ce
            .get("datacontenttype")
            .and_then(Value::as_str)
            .unwrap_or(DATA_CONTENT_TYPE);
        if !(content.starts_with("application/json")
            || content.contains("+json")
            || content.starts_with("text/json"))
        {
            return Err(invalid(format!("datacontenttype {content:?} is not JSON")));
        }
        let data: Value = serde_json::from_slice(body)
            .map_err(|e| invalid(format!("the body is not JSON: {e}")))?;
        ce.insert("data".into(), data);
    }
    Ok(Some(Value::Object(ce)))
}

/// Whether a JSON document is a structured CloudEvent (it has `specversion`).
pub fn is_structured(doc: &Value) -> bool {
    doc.get("specversion").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KAFKA: Mapping<'static> = Mapping {
        order: &[
            "event_id",
            "event_type",
            "timestamp",
            "version",
            "source",
            "data",
            "metadata",
        ],
        type_field: "event_type",
        id: Some("event_id"),
        time: Some(("timestamp", TimeKind::Rfc3339)),
        source: Some("source"),
        version: &["version"],
        data: Some("data"),
        extensions: &[
            Extension {
                path: &["metadata", "correlation_id"],
                attribute: "correlationid",
                kind: Kind::String,
            },
            Extension {
                path: &["metadata", "causation_id"],
                attribute: "causationid",
                kind: Kind::String,
            },
            Extension {
                path: &["metadata", "user_id"],
                attribute: "userid",
                kind: Kind::String,
            },
        ],
        required_objects: &["metadata"],
    };

    const FLAT: Mapping<'static> = Mapping {
        order: &["type", "version", "timestamp"],
        type_field: "type",
        id: None,
        time: Some(("timestamp", TimeKind::UnixSeconds)),
        source: None,
        version: &["version"],
        data: None,
        extensions: &[],
        required_objects: &[],
    };

    fn facts() -> ContractFacts<'static> {
        ContractFacts {
            producer: "order-service",
            version: "1.0",
            key: Some("/data/order_id"),
        }
    }

    #[test]
    fn nested_envelope_round_trips_in_both_modes() {
        let env = json!({
            "event_id": "e-1", "event_type": "order.created", "timestamp": "2025-06-29T10:00:00+07:00",
            "version": "1.0", "source": "order-service", "data": {"order_id": "o-1", "n": 2.5},
            "metadata": {"correlation_id": "c", "user_id": "u"}
        });
        let ce = to_cloudevent(&env, &KAFKA, &facts()).unwrap();
        assert_eq!(ce["id"], "e-1");
        assert_eq!(ce["partitionkey"], "o-1");
        assert_eq!(ce["dataschema"], "urn:events:schema:order.created:1.0");
        assert_eq!(ce["time"], "2025-06-29T10:00:00+07:00");
        assert_eq!(ce["correlationid"], "c");
        assert!(ce.get("causationid").is_none());
        let back = from_cloudevent(&ce, &KAFKA).unwrap();
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&env).unwrap()
        );
        let (headers, body) = to_binary(&ce, KAFKA_PREFIX).unwrap();
        assert!(headers.contains(&("content-type".into(), "application/json".into())));
        assert!(headers.contains(&("ce_type".into(), "order.created".into())));
        let raw: Vec<(String, Vec<u8>)> = headers
            .into_iter()
            .map(|(k, v)| (k, v.into_bytes()))
            .collect();
        let ce2 = from_binary(&raw, &body, KAFKA_PREFIX).unwrap().unwrap();
        assert_eq!(from_cloudevent(&ce2, &KAFKA).unwrap(), env);
    }

    #[test]
    fn flat_envelope_with_unix_time_and_no_id() {
        let env = json!({"type": "order.confirmed", "version": "2.1", "timestamp": 1734825600, "order_id": 7, "note": null});
        let f = ContractFacts {
            producer: "listing",
            version: "2.1",
            key: None,
        };
        let ce = to_cloudevent(&env, &FLAT, &f).unwrap();
        assert_eq!(ce["time"], "2024-12-22T00:00:00Z");
        assert_eq!(ce["source"], "/listing");
        assert_eq!(ce["data"], json!({"order_id": 7, "note": null}));
        assert_eq!(ce["id"].as_str().unwrap().len(), 32);
        assert_eq!(to_cloudevent(&env, &FLAT, &f).unwrap()["id"], ce["id"]);
        assert_eq!(from_cloudevent(&ce, &FLAT).unwrap(), env);
    }

    #[test]
    fn refusals_name_the_attribute() {
        let err = |v: Value| from_cloudevent(&v, &KAFKA).unwrap_err().to_string();
        assert!(err(json!({"type": "a"})).contains("specversion"));
        assert!(err(json!({"specversion": "0.3", "type": "a"})).contains("0.3"));
        assert!(err(json!({"specversion": "1.0", "type": "a.b", "dataschema": "urn:events:schema:c.d:1.0", "id": "1", "source": "s"})).contains("does not name"));
        let e = to_cloudevent(&json!({"event_type": 5}), &KAFKA, &facts())
            .unwrap_err()
            .to_string();
        assert!(e.contains("event_type"), "{e}");
        assert_eq!(attribute_name("Tenant_ID"), "tenantid");
        assert_eq!(
            from_binary(&[("x".into(), b"y".to_vec())], b"{}", KAFKA_PREFIX).unwrap(),
            None
        );
        let bad = [
            ("ce_specversion".to_owned(), b"1.0".to_vec()),
            ("content-type".into(), b"text/plain".to_vec()),
        ];
        assert!(from_binary(&bad, b"hi", KAFKA_PREFIX)
            .unwrap_err()
            .to_string()
            .contains("not JSON"));
    }
}
