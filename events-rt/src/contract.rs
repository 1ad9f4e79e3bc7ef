//! The contract every generated event implements, and the pieces `Event` dispatch uses.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserializer;

/// Static facts about one major version of one event contract, from its schema metadata.
pub trait Contract {
    /// The event type string, e.g. `order.confirmed`.
    const EVENT_TYPE: &'static str;
    /// Major version of the contract (the `vN` of the schema file name).
    const MAJOR: u32;
    /// Full `major.minor` version declared in the schema.
    const VERSION: &'static str;
    /// The stream, topic or AMQP exchange the event is published to.
    const CHANNEL: &'static str;
    /// `MAXLEN ~` of the stream, from the schema's `x-event.max_len` (shared by every
    /// event on the stream); `None` leaves the choice to the publisher.
    const MAX_LEN: Option<usize> = None;
    /// The AMQP exchange (`x-event.exchange`), equal to [`Contract::CHANNEL`]; `None` for
    /// an event on a stream or a topic.
    const EXCHANGE: Option<&'static str> = None;
    /// The AMQP routing key the event is published with (`x-event.routing_key`); `None`
    /// for an event on a stream or a topic.
    const ROUTING_KEY: Option<&'static str> = None;
    /// The JSON pointer, in the encoded event, of the value that is the message key
    /// (`x-event.key`, e.g. `/data/order_id`): the Kafka record key, the outbox's
    /// `aggregateid`, the CloudEvents `partitionkey`, so that all events of one aggregate
    /// keep their order. `None` when the contract has no key.
    const KEY: Option<&'static str> = None;
    /// The producing service (`x-event.producer`).
    const PRODUCER: &'static str = "";
    /// How the set's envelope maps to CloudEvent attributes; `None` for a set without an
    /// envelope.
    const CLOUDEVENTS: Option<&'static crate::cloudevents::Mapping<'static>> = None;
    /// The topic's settings (`x-event.partitions`, `replication`, `retention`); empty when
    /// the schema declares none.
    const TOPIC: crate::TopicSettings = crate::TopicSettings {
        partitions: None,
        replication: None,
        retention_ms: None,
    };
}

/// Why a payload could not be decoded into a typed event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The payload is not valid JSON, or a field does not fit its type.
    #[error("{}: {message}", if path.is_empty() { "payload" } else { path })]
    Invalid {
        /// JSON path of the offending field (`items[0].quantity`), empty for the document.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// The payload has no event type field.
    #[error("missing field `{field}` (the event type)")]
    MissingType {
        /// Name of the event type field in the envelope.
        field: &'static str,
    },
    /// The event type is not in the catalog.
    #[error("{0}")]
    UnknownType(#[from] UnknownEventType),
    /// The version field is not `major.minor`.
    #[error("field `{field}`: version {found:?} is not `major.minor`")]
    BadVersion {
        /// Name of the version field in the envelope.
        field: &'static str,
        /// The value found.
        found: String,
    },
    /// A field of a field map could not be read.
    #[error("{0}")]
    Field(crate::fields::FieldError),
    /// The event type is known but this major version is not.
    #[error("{event_type} has no contract for major version {major} (known: {known:?})")]
    UnknownVersion {
        /// The event type.
        event_type: &'static str,
        /// The major version asked for.
        major: u32,
        /// The major versions the catalog has for this type.
        known: &'static [u32],
    },
}

/// An event type string that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type {found:?}{}", match nearest { Some(n) => format!(" (did you mean {n:?}?)"), None => String::new() })]
pub struct UnknownEventType {
    /// The string that was parsed.
    pub found: String,
    /// The closest known event type, when one is reasonably close.
    pub nearest: Option<&'static str>,
}

impl UnknownEventType {
    /// Builds the error, looking up the nearest of `known`.
    pub fn new(found: &str, known: &[&'static str]) -> Self {
        Self {
            found: crate::echo(found),
            nearest: nearest(found, known),
        }
    }
}

/// The known string closest to `input` by edit distance, if it is within a third of its length.
pub fn nearest(input: &str, known: &[&'static str]) -> Option<&'static str> {
    nearest_of(input, known)
}

/// [`nearest`] for strings of any lifetime.
pub fn nearest_of<'a>(input: &str, known: &[&'a str]) -> Option<&'a str> {
    // The distance is at least the difference in length: a string much longer than every
    // known one (a hostile 200 MB type) is never compared, which would take its length
    // times theirs in time and memory.
    let close = |k: &str| {
        let (a, b) = (input.chars().count(), k.chars().count());
        a.abs_diff(b) <= a.max(b).div_ceil(3)
    };
    if input.len() > 4 * known.iter().map(|k| k.len()).max().unwrap_or(0) + 16 {
        return None;
    }
    known
        .iter()
        .filter(|k| close(k))
        .map(|k| (strsim::damerau_levenshtein(input, k), *k))
        .min()
        .filter(|(d, k)| *d <= k.len().max(input.len()).div_ceil(3))
        .map(|(_, k)| k)
}

/// Text before the first dot: `pvz.parcel.arrived` → `pvz`.
pub fn category(event_type: &str) -> &str {
    event_type.split_once('.').map_or(event_type, |(c, _)| c)
}

/// Text after the last dot: `pvz.parcel.arrived` → `arrived`.
pub fn action(event_type: &str) -> &str {
    event_type.rsplit_once('.').map_or(event_type, |(_, a)| a)
}

/// Text between the first and the last dot, where there is any:
/// `pvz.parcel.arrived` → `Some("parcel")`, `order.confirmed` → `None`.
pub fn subject(event_type: &str) -> Option<&str> {
    let (_, rest) = event_type.split_once('.')?;
    rest.rsplit_once('.').map(|(s, _)| s)
}

/// The major number of a `major.minor` version string.
pub fn parse_major(version: &str) -> Option<u32> {
    parse_version(version).map(|(major, _)| major)
}

/// `(major, minor)` of a `major.minor` version string (digits only).
pub fn parse_version(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(major) && digits(minor) {
        Some((major.parse().ok()?, minor.parse().ok()?))
    } else {
        None
    }
}

/// The two envelope fields an `Event` dispatches on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// Value of the event type field, if present and a string.
    pub event_type: Option<String>,
    /// Value of the version field, if present and a string.
    pub version: Option<String>,
}

impl Head {
    /// The event type, or [`DecodeError::MissingType`].
    pub fn event_type(&self, field: &'static str) -> Result<&str, DecodeError> {
        self.event_type
            .as_deref()
            .ok_or(DecodeError::MissingType { field })
    }

    /// The major version; a missing version field means major version 1.
    pub fn major(&self, field: &'static str) -> Result<u32, DecodeError> {
        match &self.version {
            None => Ok(1),
            Some(v) => parse_major(v).ok_or_else(|| DecodeError::BadVersion {
                field,
                found: crate::echo(v),
            }),
        }
    }
}

/// Reads only the type and version fields of a JSON object, skipping everything else.
///
/// `version_path` is the path of the version field: one name for a top-level field
/// (`["version"]`), several for one inside a header object (`["metadata", "version"]`);
/// empty when the envelope has no version.
pub fn peek_head(
    json: &[u8],
    type_field: &str,
    version_path: &[&str],
) -> Result<Head, DecodeError> {
    /// Visits one object level: at depth 0 it looks for the type field too.
    struct Seed<'a, 'h> {
        type_field: Option<&'a str>,
        version_path: &'a [&'a str],
        head: &'h mut Head,
    }
    impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Seed<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if Some(&*key) == self.type_field {
                    self.head.event_type = Some(map.next_value()?);
                    continue;
                }
                match self.version_path {
                    [last] if *last == key => {
                        self.head.version = Some(map.next_value()?);
                    }
                    [first, rest @ ..] if *first == key && !rest.is_empty() => {
                        // A header object on the way to the version; a `null` or non-object
                        // there simply has no version.
                        let value: serde_json::Value = map.next_value()?;
                        if value.is_object() {
                            Seed {
                                type_field: None,
                                version_path: rest,
                                head: &mut *self.head,
                            }
                            .deserialize(value)
                            .map_err(de::Error::custom)?;
                        }
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }
    let mut head = Head::default();
    let mut de = serde_json::Deserializer::from_slice(json);
    Seed {
        type_field: Some(type_field),
        version_path,
        head: &mut head,
    }
    .deserialize(&mut de)
    .map_err(json_error)?;
    Ok(head)
}

/// Decodes a JSON document into `T`, reporting the path of the field that failed.
pub fn decode<T: DeserializeOwned>(json: &[u8]) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| DecodeError::Invalid {
        path: crate::echo_owned(e.path().to_string().trim_start_matches('.').to_owned()),
        message: crate::echo_owned(e.inner().to_string()),
    })?;
    de.end().map_err(json_error)?;
    Ok(value)
}

fn json_error(e: serde_json::Error) -> DecodeError {
    DecodeError::Invalid {
        path: String::new(),
        message: crate::echo_owned(e.to_string()),
    }
}

impl de::Expected for UnknownEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a known event type")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_an_event_type() {
        assert_eq!(category("pvz.parcel.arrived"), "pvz");
        assert_eq!(subject("pvz.parcel.arrived"), Some("parcel"));
        assert_eq!(action("pvz.parcel.arrived"), "arrived");
        assert_eq!(subject("order.confirmed"), None);
        assert_eq!(subject("a.b.c.d"), Some("b.c"));
    }

    #[test]
    fn decode_errors_quote_a_bounded_part_of_the_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct S {
            n: i64,
        }
        let huge = "x".repeat(5 << 20);
        let bounded = |e: &DecodeError| {
            let text = e.to_string();
            assert!(text.len() < 600, "{} bytes", text.len());
            text
        };
        // A huge string where a number belongs.
        let doc = format!("{{\"n\":\"{huge}\"}}");
        let e = decode::<S>(doc.as_bytes()).unwrap_err();
        let text = bounded(&e);
        assert!(text.contains("bytes)") && text.starts_with("n: "), "{text}");
        // Broken JSON after a huge value.
        let doc = format!("{{\"n\":1, \"{huge}\"");
        bounded(&decode::<S>(doc.as_bytes()).unwrap_err());
        // A huge value in a field map.
        let e = crate::fields::from_fields::<S, _, _>(&[("n", huge.as_str())]).unwrap_err();
        let text = bounded(&DecodeError::Field(e));
        assert!(text.contains("field `n`"), "{text}");
        // A huge unknown event type and version.
        bounded(&DecodeError::UnknownType(UnknownEventType::new(
            &huge,
            &["a.b"],
        )));
        let head = Head {
            event_type: Some("a.b".into()),
            version: Some(huge.clone()),
        };
        bounded(&head.major("version").unwrap_err());
    }

    #[test]
    fn nearest_finds_typos_only() {
        let known = ["order.confirmed", "order.cancelled", "pvz.parcel.arrived"];
        assert_eq!(nearest("order.confirmd", &known), Some("order.confirmed"));
        assert_eq!(nearest("order.canceled", &known), Some("order.cancelled"));
        assert_eq!(nearest("something.else.entirely", &known), None);
        // Far longer than any known one: no guess, and no quadratic comparison.
        let huge = "order.confirmed".repeat(1 << 18);
        assert_eq!(nearest(&huge, &known), None);
    }

    #[test]
    fn versions() {
        assert_eq!(parse_major("1.0"), Some(1));
        assert_eq!(parse_major("12.3"), Some(12));
        for bad in ["1", "1.", ".1", "v1.0", "1.0.0", "1.x"] {
            assert_eq!(parse_major(bad), None, "{bad}");
        }
    }

    #[test]
    fn head_skips_other_fields() {
        let head = peek_head(
            br#"{"items":[{"type":"x"}],"type":"order.confirmed","version":"2.1"}"#,
            "type",
            &["version"],
        )
        .unwrap();
        assert_eq!(head.event_type("type").unwrap(), "order.confirmed");
        assert_eq!(head.major("version").unwrap(), 2);
        let head = peek_head(br#"{"type":"a.b"}"#, "type", &["version"]).unwrap();
        assert_eq!(head.major("version").unwrap(), 1);
        assert!(peek_head(b"[1]", "type", &[]).is_err());
    }

    #[test]
    fn head_finds_a_nested_version() {
        let doc = br#"{"id":"e1","metadata":{"user_id":"u","version":"2.0"},"type":"order.created","data":{"version":"9.9"}}"#;
        let head = peek_head(doc, "type", &["metadata", "version"]).unwrap();
        assert_eq!(head.event_type.as_deref(), Some("order.created"));
        assert_eq!(head.version.as_deref(), Some("2.0"));
        let head = peek_head(
            br#"{"type":"a.b","metadata":null}"#,
            "type",
            &["metadata", "version"],
        )
        .unwrap();
        assert_eq!(head.version, None);
    }

    #[test]
    fn decode_reports_the_field_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            quantity: u32,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            items: Vec<Item>,
        }
        let err = decode::<Doc>(br#"{"items":[{"quantity":"2"}]}"#).unwrap_err();
        match err {
            DecodeError::Invalid { path, .. } => assert_eq!(path, "items[0].quantity"),
            other => panic!("{other:?}"),
        }
    }
}
