//! Timestamp wire types: unix seconds and RFC 3339 date-times that keep their spelling.

use std::fmt;
use std::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A point in time on the wire as whole unix seconds (`"format": "unix-time"`).
///
/// The Vondi streams carry `timestamp` this way (`1734825600`); it is an integer in JSON
/// and a decimal string in a Redis field map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// Seconds since the unix epoch.
    pub const fn seconds(self) -> i64 {
        self.0
    }

    /// The same instant as a `chrono` UTC date-time, if it is in chrono's range.
    pub fn to_chrono(self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp(self.0, 0)
    }

    /// The current time, truncated to whole seconds.
    pub fn now() -> Self {
        Self(chrono::Utc::now().timestamp())
    }
}

impl From<i64> for UnixTime {
    fn from(seconds: i64) -> Self {
        Self(seconds)
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for UnixTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for UnixTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer).map(Self)
    }
}

/// An RFC 3339 date-time (`"format": "date-time"`) that re-encodes exactly as it was read.
///
/// Consumers re-publish events, so `2025-12-25T10:00:00Z` must not come back as
/// `2025-12-25T10:00:00+00:00`: the original text is kept beside the parsed value.
/// Values built from a `chrono` date-time are written with `Z` for UTC and as many
/// fractional digits as needed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    value: chrono::DateTime<chrono::FixedOffset>,
    text: Box<str>,
}

impl DateTime {
    /// The parsed instant with the offset it was written with.
    pub fn value(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.value
    }

    /// The text as it appears on the wire.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text, f)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for DateTime {
    type Err = chrono::ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = chrono::DateTime::parse_from_rfc3339(s)?;
        Ok(Self {
            value,
            text: s.into(),
        })
    }
}

impl<Tz: chrono::TimeZone> From<chrono::DateTime<Tz>> for DateTime {
    fn from(value: chrono::DateTime<Tz>) -> Self {
        let value = value.fixed_offset();
        let text = value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        Self {
            value,
            text: text.into(),
        }
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
                v.parse()
                    .map_err(|e| E::custom(format_args!("invalid date-time {v:?}: {e}")))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time_keeps_its_spelling() {
        for text in [
            "2025-12-25T10:00:00Z",
            "2025-12-25T10:00:00+00:00",
            "2025-06-29T23:59:59.500+07:00",
        ] {
            let json = format!("\"{text}\"");
            let parsed: DateTime = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&parsed).unwrap(), json);
        }
    }

    #[test]
    fn date_time_from_chrono_uses_z() {
        let utc = chrono::DateTime::from_timestamp(1_734_825_600, 0).unwrap();
        assert_eq!(DateTime::from(utc).as_str(), "2024-12-22T00:00:00Z");
    }

    #[test]
    fn bad_date_time_names_the_value() {
        let err = serde_json::from_str::<DateTime>("\"tomorrow\"").unwrap_err();
        assert!(err.to_string().contains("\"tomorrow\""), "{err}");
    }

    #[test]
    fn unix_time_is_an_integer() {
        let t: UnixTime = serde_json::from_str("1734825600").unwrap();
        assert_eq!(t.seconds(), 1_734_825_600);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1734825600");
        assert!(serde_json::from_str::<UnixTime>("\"1734825600\"").is_err());
    }
}
