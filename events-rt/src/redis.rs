//! `redis` crate integration (feature `redis`): XADD commands from events, and stream
//! replies (XRANGE, XREAD, XREADGROUP) read as ordered entries ready to decode.

use std::fmt;

/// The `redis` crate this integration is built on, so that a user's client, commands and
/// replies always come from the same version: `events_rt::redis::driver::Client::open(…)`.
pub use ::redis as driver;

use redis::{FromRedisValue, ParsingError, Value};

use crate::fields::Fields;
use crate::DecodeError;

/// One stream entry: its id and its field/value pairs, in the order Redis returned them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// Entry id, e.g. `1701709200000-0`.
    pub id: String,
    /// Field/value pairs.
    pub fields: Vec<(String, String)>,
}

/// A stream entry that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    /// The entry id.
    pub id: String,
    /// Why it failed.
    pub error: DecodeError,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {}: {}", self.id, self.error)
    }
}

impl std::error::Error for EntryError {}

impl StreamEntry {
    /// Decodes the entry with `decode` (e.g. `Event::from_redis_fields`), attaching the id
    /// to any error.
    pub fn decode<E>(
        &self,
        decode: impl FnOnce(&[(String, String)]) -> Result<E, DecodeError>,
    ) -> Result<E, EntryError> {
        decode(&self.fields).map_err(|error| EntryError {
            id: self.id.clone(),
            error,
        })
    }
}

fn text(v: &Value, what: &str) -> Result<String, ParsingError> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone())
            .map_err(|_| ParsingError::from(format!("{what} is not UTF-8"))),
        Value::SimpleString(s) => Ok(s.clone()),
        Value::VerbatimString { text, .. } => Ok(text.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(ParsingError::from(format!(
            "{what}: expected a string, got {other:?}"
        ))),
    }
}

fn pairs(v: &Value, id: &str) -> Result<Vec<(String, String)>, ParsingError> {
    match v {
        Value::Array(items) => {
            if items.len() % 2 != 0 {
                return Err(ParsingError::from(format!(
                    "entry {id}: odd number of field/value items"
                )));
            }
            items
                .chunks(2)
                .map(|kv| Ok((text(&kv[0], "field name")?, text(&kv[1], "field value")?)))
                .collect()
        }
        Value::Map(kvs) => kvs
            .iter()
            .map(|(k, v)| Ok((text(k, "field name")?, text(v, "field value")?)))
            .collect(),
        Value::Nil => Ok(Vec::new()),
        other => Err(ParsingError::from(format!(
            "entry {id}: expected field/value pairs, got {other:?}"
        ))),
    }
}

impl FromRedisValue for StreamEntry {
    fn from_redis_value_ref(v: &Value) -> Result<Self, ParsingError> {
        match v {
            Value::Array(parts) if parts.len() == 2 => {
                let id = text(&parts[0], "entry id")?;
                let fields = pairs(&parts[1], &id)?;
                Ok(Self { id, fields })
            }
            other => Err(ParsingError::from(format!(
                "expected a stream entry [id, fields], got {other:?}"
            ))),
        }
    }

    fn from_redis_value(v: Value) -> Result<Self, ParsingError> {
        Self::from_redis_value_ref(&v)
    }
}

/// The reply of XREAD / XREADGROUP: entries per stream (empty when the read timed out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamReadReply {
    /// `(stream name, entries)` in reply order.
    pub streams: Vec<(String, Vec<StreamEntry>)>,
}

impl FromRedisValue for StreamReadReply {
    fn from_redis_value_ref(v: &Value) -> Result<Self, ParsingError> {
        let per_stream =
            |key: &Value, entries: &Value| -> Result<(String, Vec<StreamEntry>), ParsingError> {
                let name = text(key, "stream name")?;
                let entries = match entries {
                    Value::Array(items) => items
                        .iter()
                        .map(StreamEntry::from_redis_value_ref)
                        .collect::<Result<_, _>>()?,
                    Value::Nil => Vec::new(),
                    other => {
                        return Err(ParsingError::from(format!(
                            "stream {name}: expected entries, got {other:?}"
                        )))
                    }
                };
                Ok((name, entries))
            };
        let streams = match v {
            Value::Nil => Vec::new(),
            Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    Value::Array(kv) if kv.len() == 2 => per_stream(&kv[0], &kv[1]),
                    other => Err(ParsingError::from(format!(
                        "expected [stream, entries], got {other:?}"
                    ))),
                })
                .collect::<Result<_, _>>()?,
            Value::Map(kvs) => kvs
                .iter()
                .map(|(k, e)| per_stream(k, e))
                .collect::<Result<_, _>>()?,
            other => {
                return Err(ParsingError::from(format!(
                    "expected a stream read reply, got {other:?}"
                )))
            }
        };
        Ok(Self { streams })
    }

    fn from_redis_value(v: Value) -> Result<Self, ParsingError> {
        Self::from_redis_value_ref(&v)
    }
}

/// `XADD stream [MAXLEN ~ n] * field value ...` for an encoded event, its buffers sized
/// once (no regrowth per argument: this is on the publisher's hot path).
pub fn xadd(stream: &str, max_len: Option<usize>, fields: &Fields) -> redis::Cmd {
    let bytes = 4
        + stream.len()
        + 1
        + if max_len.is_some() { 6 + 1 + 20 } else { 0 }
        + fields.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let mut cmd = redis::Cmd::with_capacity(
        3 + 3 * usize::from(max_len.is_some()) + 2 * fields.len(),
        bytes,
    );
    cmd.arg("XADD").arg(stream);
    if let Some(n) = max_len {
        cmd.arg("MAXLEN").arg("~").arg(n);
    }
    cmd.arg("*");
    for (k, v) in fields {
        cmd.arg(k.as_ref()).arg(v.as_str());
    }
    cmd
}

/// Decodes every entry on its own: a corrupt entry yields its error and the rest go on.
pub fn decode_all<E>(
    entries: &[StreamEntry],
    decode: impl Fn(&[(String, String)]) -> Result<E, DecodeError>,
) -> Vec<Result<E, EntryError>> {
    entries.iter().map(|e| e.decode(&decode)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn reads_xrange_entries_in_order() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("1-0"),
            Value::Array(vec![
                bulk("type"),
                bulk("order.cancelled"),
                bulk("order_id"),
                bulk("1"),
            ]),
        ])]);
        let entries: Vec<StreamEntry> = FromRedisValue::from_redis_value(reply).unwrap();
        assert_eq!(entries[0].id, "1-0");
        assert_eq!(
            entries[0].fields[0],
            ("type".to_owned(), "order.cancelled".to_owned())
        );
    }

    #[test]
    fn malformed_replies_are_errors_not_panics() {
        for bad in [
            Value::Array(vec![bulk("1-0")]),
            Value::Array(vec![bulk("1-0"), Value::Array(vec![bulk("odd")])]),
            Value::Array(vec![
                bulk("1-0"),
                Value::Array(vec![bulk("k"), Value::BulkString(vec![0xff])]),
            ]),
            Value::Int(3),
        ] {
            assert!(StreamEntry::from_redis_value(bad).is_err());
        }
        assert_eq!(
            StreamReadReply::from_redis_value(Value::Nil).unwrap(),
            StreamReadReply::default()
        );
    }

    #[test]
    fn xadd_with_trimming() {
        let fields: Fields = vec![("type".into(), "a.b".into())];
        let packed = xadd("s", Some(10_000), &fields).get_packed_command();
        let text = String::from_utf8(packed).unwrap();
        assert!(
            text.contains("XADD")
                && text.contains("MAXLEN")
                && text.contains("~")
                && text.contains("10000")
        );
    }
}
