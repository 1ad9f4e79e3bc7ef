//! `x-event.key`, `partitions`, `replication` and `retention`: the message key of an event
//! and the settings of its topic (seed 003's "Kafka Topics" table).

use events_rt::TopicSettings;
use serde_json::Value;

use crate::error::{Error, Loc};

/// The topic settings of `meta` (an `x-event` block at `loc`). They describe a Kafka
/// topic, so an event on a stream or an exchange may not give them.
pub(super) fn check_topic(meta: &Value, loc: &Loc, errors: &mut Vec<Error>) -> TopicSettings {
    let on_topic = meta.get("topic").is_some();
    let mut positive = |key: &str, max: u64, example: &str| -> Option<u64> {
        let v = meta.get(key)?;
        if !on_topic {
            errors.push(
                Error::new(
                    loc.join(key),
                    format!("`{key}` configures a Kafka topic, but this event names no `topic`"),
                )
                .hint(format!("remove `{key}`, or publish the event to a `topic`")),
            );
            return None;
        }
        match v.as_u64().filter(|n| (1..=max).contains(n)) {
            Some(n) => Some(n),
            None => {
                errors.push(
                    Error::new(
                        loc.join(key),
                        format!("`{key}` must be an integer from 1 to {max}, not {v}"),
                    )
                    .hint(example.to_owned()),
                );
                None
            }
        }
    };
    let partitions = positive(
        "partitions",
        u64::from(i32::MAX as u32),
        "the topic's partition count, e.g. 3",
    );
    let replication = positive(
        "replication",
        u64::from(i16::MAX as u16),
        "the topic's replication factor, e.g. 2",
    );
    let retention_ms = match meta.get("retention") {
        None => None,
        Some(_) if !on_topic => {
            errors.push(
                Error::new(
                    loc.join("retention"),
                    "`retention` configures a Kafka topic, but this event names no `topic`",
                )
                .hint("remove `retention`, or publish the event to a `topic`"),
            );
            None
        }
        Some(v) => match v.as_str().and_then(events_rt::parse_retention) {
            Some(ms) => Some(ms),
            None => {
                errors.push(
                    Error::new(
                        loc.join("retention"),
                        format!("`retention` must be a duration like \"7d\", not {v}"),
                    )
                    .hint("a whole number and one unit of ms, s, m, h, d or w: \"7d\", \"12h\", \"90d\""),
                );
                None
            }
        },
    };
    TopicSettings {
        partitions: partitions.map(|n| n as u32),
        replication: replication.map(|n| n as u16),
        retention_ms,
    }
}

/// `x-event.key` of the event schema `schema` (at `schema_loc`): the JSON pointer, in the
/// payload, of the value that keys the event's messages, or `None` (absent, or `null`:
/// the event has no key). A bare name is a property of the payload; a pointer
/// (`/customer/id`) descends through the payload's inline `properties`.
pub(super) fn check_key(
    meta: &Value,
    loc: &Loc,
    schema: &Value,
    schema_loc: &Loc,
    errors: &mut Vec<Error>,
) -> Option<String> {
    let v = meta.get("key")?;
    let text = match v {
        Value::Null => return None,
        Value::String(s) if !s.is_empty() && s != "/" => s,
        other => {
            errors.push(
                Error::new(
                    loc.join("key"),
                    format!(
                        "`key` must be a payload field name, a JSON pointer or null, not {other}"
                    ),
                )
                .hint("e.g. \"order_id\", \"/customer/id\", or null for an event without a key"),
            );
            return None;
        }
    };
    let pointer = if text.starts_with('/') {
        text.clone()
    } else {
        format!("/{}", text.replace('~', "~0").replace('/', "~1"))
    };
    let mut at = schema;
    let mut at_loc = schema_loc.clone();
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    for (depth, name) in segments.iter().enumerate() {
        if at.get("$ref").is_some() && at.get("properties").is_none() {
            // A referenced object: its fields are checked where it is defined, and a
            // missing value is an error naming the event when it is published.
            return Some(pointer);
        }
        let Some(props) = at.get("properties").and_then(Value::as_object) else {
            errors.push(Error::new(
                loc.join("key"),
                format!(
                    "key {text:?}: {} has no properties",
                    if at_loc.pointer.is_empty() {
                        "the payload"
                    } else {
                        &at_loc.pointer
                    }
                ),
            ));
            return None;
        };
        let Some(next) = props.get(name) else {
            let known: Vec<&str> = props.keys().map(String::as_str).collect();
            let mut e = Error::new(
                loc.join("key"),
                format!("key {text:?}: the payload has no property {name:?}"),
            );
            if let Some(n) = events_rt::nearest_of(name, &known) {
                e = e.hint(format!("did you mean {n:?}?"));
            }
            errors.push(e);
            return None;
        };
        let required = at
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(name)));
        if !required {
            errors.push(
                Error::new(
                    loc.join("key"),
                    format!("key {text:?}: property {name:?} is not required, so a message may have no key"),
                )
                .hint("list it in `required`, or key the event by a field every message has"),
            );
            return None;
        }
        at_loc = at_loc.join("properties").join(name);
        at = next;
        if depth + 1 == segments.len() {
            let kind = at.get("type").and_then(Value::as_str);
            if matches!(kind, Some("object" | "array" | "null")) {
                errors.push(
                    Error::new(
                        loc.join("key"),
                        format!(
                            "key {text:?}: the value is {}, not a string or a number",
                            kind.unwrap_or_default()
                        ),
                    )
                    .hint("key the event by a scalar field such as an id"),
                );
                return None;
            }
        }
    }
    Some(pointer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn loc() -> Loc {
        Loc {
            file: "order.created.v1.json".into(),
            pointer: "/x-event".into(),
        }
    }

    fn schema_loc() -> Loc {
        Loc {
            file: "order.created.v1.json".into(),
            pointer: String::new(),
        }
    }

    fn key(meta: Value, schema: Value) -> (Option<String>, Vec<String>) {
        let mut errors = Vec::new();
        let k = check_key(&meta, &loc(), &schema, &schema_loc(), &mut errors);
        (k, errors.iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn keys_name_required_scalar_fields() {
        let schema = json!({
            "type": "object",
            "properties": {
                "order_id": {"type": "string"},
                "note": {"type": "string"},
                "customer": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
                "lines": {"type": "array"}
            },
            "required": ["order_id", "customer", "lines"]
        });
        assert_eq!(
            key(json!({"key": "order_id"}), schema.clone()),
            (Some("/order_id".into()), vec![])
        );
        assert_eq!(
            key(json!({"key": "/customer/id"}), schema.clone()),
            (Some("/customer/id".into()), vec![])
        );
        assert_eq!(key(json!({"key": null}), schema.clone()), (None, vec![]));
        assert_eq!(key(json!({}), schema.clone()), (None, vec![]));
        let (k, e) = key(json!({"key": "order_ld"}), schema.clone());
        assert_eq!(k, None);
        assert!(
            e[0].contains("/x-event/key") && e[0].contains("no property \"order_ld\""),
            "{e:?}"
        );
        assert!(e[0].contains("did you mean \"order_id\""), "{e:?}");
        let (_, e) = key(json!({"key": "note"}), schema.clone());
        assert!(e[0].contains("not required"), "{e:?}");
        let (_, e) = key(json!({"key": "lines"}), schema.clone());
        assert!(e[0].contains("array, not a string"), "{e:?}");
        let (_, e) = key(json!({"key": 5}), schema);
        assert!(e[0].contains("must be a payload field name"), "{e:?}");
    }

    #[test]
    fn topic_settings_are_checked() {
        let mut errors = Vec::new();
        let t = check_topic(
            &json!({"topic": "order.created", "partitions": 3, "replication": 2, "retention": "7d"}),
            &loc(),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(
            t,
            TopicSettings {
                partitions: Some(3),
                replication: Some(2),
                retention_ms: Some(604_800_000)
            }
        );
        let t = check_topic(
            &json!({"topic": "t", "partitions": 0, "replication": "2", "retention": "7 days"}),
            &loc(),
            &mut errors,
        );
        assert!(t.is_empty());
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text[0].contains("/x-event/partitions") && text[0].contains("not 0"));
        assert!(text[1].contains("/x-event/replication"));
        assert!(text[2].contains("/x-event/retention") && text[2].contains("\"7 days\""));
        errors.clear();
        check_topic(
            &json!({"stream": "s", "partitions": 3}),
            &loc(),
            &mut errors,
        );
        assert!(errors[0].to_string().contains("names no `topic`"));
    }
}
