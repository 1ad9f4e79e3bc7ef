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
    /// The stream or topic the event is published to.
    const CHANNEL: &'static str;
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
            found: found.to_owned(),
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
    known
        .iter()
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
                found: v.clone(),
            }),
        }
    }
}

/// Reads only the type and version fields of a JSON object, skipping everything else.
pub fn peek_head(
    json: &[u8],
    type_field: &str,
    version_field: Option<&str>,
) -> Result<Head, DecodeError> {
    struct Seed<'a> {
        type_field: &'a str,
        version_field: Option<&'a str>,
    }
    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = Head;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Head, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = Head;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
            let mut head = Head::default();
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == self.type_field {
                    head.event_type = Some(map.next_value()?);
                } else if Some(&*key) == self.version_field {
                    head.version = Some(map.next_value()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(head)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let seed = Seed {
        type_field,
        version_field,
    };
    seed.deserialize(&mut de).map_err(json_error)
}

/// Decodes a JSON document into `T`, reporting the path of the field that failed.
pub fn decode<T: DeserializeOwned>(json: &[u8]) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| DecodeError::Invalid {
        path: e.path().to_string().trim_start_matches('.').to_owned(),
        message: e.inner().to_string(),
    })?;
    de.end().map_err(json_error)?;
    Ok(value)
}

fn json_error(e: serde_json::Error) -> DecodeError {
    DecodeError::Invalid {
        path: String::new(),
        message: e.to_string(),
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
    fn nearest_finds_typos_only() {
        let known = ["order.confirmed", "order.cancelled", "pvz.parcel.arrived"];
        assert_eq!(nearest("order.confirmd", &known), Some("order.confirmed"));
        assert_eq!(nearest("order.canceled", &known), Some("order.cancelled"));
        assert_eq!(nearest("something.else.entirely", &known), None);
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
            Some("version"),
        )
        .unwrap();
        assert_eq!(head.event_type("type").unwrap(), "order.confirmed");
        assert_eq!(head.major("version").unwrap(), 2);
        let head = peek_head(br#"{"type":"a.b"}"#, "type", Some("version")).unwrap();
        assert_eq!(head.major("version").unwrap(), 1);
        assert!(peek_head(b"[1]", "type", None).is_err());
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
