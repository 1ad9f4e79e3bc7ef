//! Message keys and topic settings: what `x-event.key`, `partitions`, `replication` and
//! `retention` declare, shared by every bus (the Kafka record key, the outbox's
//! `aggregateid`, the CloudEvents `partitionkey`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserializer;

/// A topic's settings from the schema (`x-event.partitions`, `replication`, `retention`),
/// the same for every event on the topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TopicSettings {
    /// Number of partitions, if declared.
    pub partitions: Option<u32>,
    /// Replication factor, if declared.
    pub replication: Option<u16>,
    /// Retention in milliseconds (`retention.ms`), if declared.
    pub retention_ms: Option<u64>,
}

impl TopicSettings {
    /// Whether nothing is declared.
    pub const fn is_empty(&self) -> bool {
        self.partitions.is_none() && self.replication.is_none() && self.retention_ms.is_none()
    }

    /// Takes from `other` each setting this one lacks: the settings of a topic are those
    /// any of its events declares (the generator refuses events that disagree).
    pub fn fill_from(&mut self, other: &TopicSettings) {
        self.partitions = self.partitions.or(other.partitions);
        self.replication = self.replication.or(other.replication);
        self.retention_ms = self.retention_ms.or(other.retention_ms);
    }
}

/// `3 partitions, replication 2, retention 7d`: the declared settings.
impl fmt::Display for TopicSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(n) = self.partitions {
            parts.push(format!("{n} partition{}", if n == 1 { "" } else { "s" }));
        }
        if let Some(n) = self.replication {
            parts.push(format!("replication {n}"));
        }
        if let Some(ms) = self.retention_ms {
            parts.push(format!("retention {}", format_retention(ms)));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Parses a retention or other duration as the schemas write it: a whole number and one
/// unit of `ms`, `s`, `m`, `h`, `d` or `w` (`"7d"`, `"12h"`, `"90d"`), into milliseconds.
///
/// ```
/// assert_eq!(events_rt::parse_retention("7d"), Some(604_800_000));
/// assert_eq!(events_rt::parse_retention("500ms"), Some(500));
/// assert_eq!(events_rt::parse_retention("7 days"), None);
/// assert_eq!(events_rt::parse_retention("0d"), None);
/// ```
pub fn parse_retention(s: &str) -> Option<u64> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    if n.is_empty() {
        return None;
    }
    let n: u64 = n.parse().ok().filter(|n| *n > 0)?;
    let ms: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        _ => return None,
    };
    n.checked_mul(ms)
}

/// The shortest spelling of a duration in milliseconds in the units of
/// [`parse_retention`] (weeks are written as days): `604800000` → `7d`.
pub fn format_retention(ms: u64) -> String {
    for (unit, size) in [
        ("d", 86_400_000u64),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms >= size && ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// Why a message key could not be read from an encoded event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The document has no value at the key's pointer.
    #[error("the key field {pointer} is missing")]
    Missing {
        /// The key's JSON pointer in the document.
        pointer: String,
    },
    /// The value at the pointer is not a string, number or boolean.
    #[error("the key field {pointer} is {found}, not a string or a number")]
    NotScalar {
        /// The key's JSON pointer in the document.
        pointer: String,
        /// What was found (`null`, `an object`, `an array`).
        found: &'static str,
    },
    /// The document is not JSON.
    #[error("cannot read the key {pointer}: {message}")]
    Json {
        /// The key's JSON pointer in the document.
        pointer: String,
        /// The parser's message.
        message: String,
    },
}

/// Reads the message key at `pointer` (a JSON pointer, e.g. `/data/order_id`) of an
/// encoded event, descending only along the pointer and skipping everything else.
/// A string is the key as it is; a number or a boolean is its JSON spelling.
///
/// ```
/// let doc = br#"{"event_id":"e1","data":{"items":[1,2],"order_id":"o-7"}}"#;
/// assert_eq!(events_rt::message_key(doc, "/data/order_id").unwrap(), "o-7");
/// assert_eq!(events_rt::message_key(br#"{"n":42}"#, "/n").unwrap(), "42");
/// assert!(events_rt::message_key(br#"{"n":null}"#, "/n").is_err());
/// ```
pub fn message_key<'a>(json: &'a [u8], pointer: &str) -> Result<Cow<'a, str>, KeyError> {
    let path: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut out: Option<Result<Cow<'a, str>, &'static str>> = None;
    let mut de = serde_json::Deserializer::from_slice(json);
    let walked = Walk {
        path: &path,
        out: &mut out,
    }
    .deserialize(&mut de);
    if let Err(e) = walked {
        return Err(KeyError::Json {
            pointer: pointer.to_owned(),
            message: crate::echo_owned(e.to_string()),
        });
    }
    match out {
        Some(Ok(key)) => Ok(key),
        Some(Err(found)) => Err(KeyError::NotScalar {
            pointer: pointer.to_owned(),
            found,
        }),
        None => Err(KeyError::Missing {
            pointer: pointer.to_owned(),
        }),
    }
}

/// One step of [`message_key`]: at the end of the path, reads the scalar; before it,
/// looks for the next name in an object (or index in an array).
struct Walk<'p, 'o, 'a> {
    path: &'p [String],
    out: &'o mut Option<Result<Cow<'a, str>, &'static str>>,
}

impl<'de, 'a> DeserializeSeed<'de> for Walk<'_, '_, 'a>
where
    'de: 'a,
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.path.is_empty() {
            *self.out = Some(d.deserialize_any(Scalar)?);
            Ok(())
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de, 'a> Visitor<'de> for Walk<'_, '_, 'a>
where
    'de: 'a,
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (head, rest) = self.path.split_first().expect("a non-empty path");
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if *key == **head {
                map.next_value_seed(Walk {
                    path: rest,
                    out: &mut *self.out,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (head, rest) = self.path.split_first().expect("a non-empty path");
        let want: Option<usize> = head.parse().ok();
        let mut i = 0usize;
        loop {
            if Some(i) == want {
                if seq
                    .next_element_seed(Walk {
                        path: rest,
                        out: &mut *self.out,
                    })?
                    .is_none()
                {
                    break;
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(())
    }
    // A scalar where the path goes on: nothing at the pointer.
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The key's value: a string or a number's spelling, or what was found instead.
struct Scalar;

impl<'de> Visitor<'de> for Scalar {
    type Value = Result<Cow<'de, str>, &'static str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(itoa::Buffer::new().format(v).to_owned())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(itoa::Buffer::new().format(v).to_owned())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Owned(v.to_string())))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Ok(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err("an object"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err("an array"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_at_every_depth_and_kind() {
        let doc = br#"{"a":{"b":[{"c":"x"},{"c":"y\"z"}]},"n":-3,"t":true,"o":{},"z":null}"#;
        assert_eq!(message_key(doc, "/a/b/1/c").unwrap(), "y\"z");
        assert!(matches!(
            message_key(doc, "/a/b/0/c").unwrap(),
            Cow::Borrowed("x")
        ));
        assert_eq!(message_key(doc, "/n").unwrap(), "-3");
        assert_eq!(message_key(doc, "/t").unwrap(), "true");
        assert_eq!(
            message_key(doc, "/o").unwrap_err(),
            KeyError::NotScalar {
                pointer: "/o".into(),
                found: "an object"
            }
        );
        assert!(matches!(
            message_key(doc, "/z"),
            Err(KeyError::NotScalar { found: "null", .. })
        ));
        for missing in ["/q", "/a/b/2/c", "/n/x", "/a/c"] {
            assert!(
                matches!(message_key(doc, missing), Err(KeyError::Missing { .. })),
                "{missing}"
            );
        }
        assert!(matches!(
            message_key(b"{\"a\":", "/a"),
            Err(KeyError::Json { .. })
        ));
        // Escaped pointer segments.
        assert_eq!(
            message_key(br#"{"a/b":{"~":"k"}}"#, "/a~1b/~0").unwrap(),
            "k"
        );
    }

    #[test]
    fn retention_spellings() {
        assert_eq!(parse_retention("1d"), Some(86_400_000));
        assert_eq!(parse_retention("90d"), Some(7_776_000_000));
        assert_eq!(parse_retention("2w"), Some(1_209_600_000));
        for bad in ["", "d", "7", "7D", "-1d", "7 d", "1.5d", "0h"] {
            assert_eq!(parse_retention(bad), None, "{bad}");
        }
        for s in [
            "7d", "30d", "90d", "1d", "12h", "90m", "45s", "1500ms", "14d",
        ] {
            assert_eq!(format_retention(parse_retention(s).unwrap()), s);
        }
    }
}
