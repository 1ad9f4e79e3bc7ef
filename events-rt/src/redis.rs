//! `redis` crate integration (feature `redis`): XADD commands from events, and stream
//! replies (XRANGE, XREAD, XREADGROUP) read as ordered entries ready to decode.

use std::fmt;

/// The `redis` crate this integration is built on, so that a user's client, commands and
/// replies always come from the same version: `events_rt::redis::driver::Client::open(…)`.
pub use ::redis as driver;

use redis::{FromRedisValue, ParsingError, Value};

use crate::fields::{FieldError, Fields};
use crate::DecodeError;

/// The field/value pairs of a stream entry as bytes, exactly as Redis holds them.
pub type RawPairs = Vec<(Vec<u8>, Vec<u8>)>;

/// One stream entry: its id and its field/value pairs, in the order Redis returned them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// Entry id, e.g. `1701709200000-0`.
    pub id: String,
    /// Field/value pairs. Where a name or value is not UTF-8 it holds U+FFFD in place of the
    /// bad bytes (for display), and [`StreamEntry::raw`] has the exact bytes.
    pub fields: Vec<(String, String)>,
    /// The exact bytes of every pair, kept only when one of them is not UTF-8: such an
    /// entry fails to decode on its own (naming the field and byte) and is dead-lettered or
    /// re-published byte for byte, never altered.
    pub raw: Option<RawPairs>,
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
    /// An entry of text fields.
    pub fn new(id: impl Into<String>, fields: Vec<(String, String)>) -> Self {
        Self {
            id: id.into(),
            fields,
            raw: None,
        }
    }

    /// An entry from the bytes of a reply: text where every name and value is UTF-8
    /// (no copy), otherwise lossy text plus the exact bytes in [`StreamEntry::raw`].
    pub fn from_bytes(id: impl Into<String>, pairs: RawPairs) -> Self {
        let mut fields = Vec::with_capacity(pairs.len());
        let mut pairs = pairs.into_iter();
        while let Some((k, v)) = pairs.next() {
            match (String::from_utf8(k), String::from_utf8(v)) {
                (Ok(k), Ok(v)) => fields.push((k, v)),
                (k, v) => {
                    // The rest keeps its bytes; what came before is UTF-8 and is copied.
                    let bytes = |r: Result<String, std::string::FromUtf8Error>| {
                        r.map_or_else(std::string::FromUtf8Error::into_bytes, String::into_bytes)
                    };
                    let mut raw: RawPairs = fields
                        .iter()
                        .map(|(k, v): &(String, String)| {
                            (k.clone().into_bytes(), v.clone().into_bytes())
                        })
                        .collect();
                    raw.push((bytes(k), bytes(v)));
                    raw.extend(pairs);
                    let fields = raw
                        .iter()
                        .map(|(k, v)| {
                            (
                                String::from_utf8_lossy(k).into_owned(),
                                String::from_utf8_lossy(v).into_owned(),
                            )
                        })
                        .collect();
                    return Self {
                        id: id.into(),
                        fields,
                        raw: Some(raw),
                    };
                }
            }
        }
        Self::new(id, fields)
    }

    /// Every pair as bytes, exactly as Redis holds them.
    pub fn byte_pairs(&self) -> Box<dyn Iterator<Item = (&[u8], &[u8])> + '_> {
        match &self.raw {
            Some(raw) => Box::new(raw.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))),
            None => Box::new(
                self.fields
                    .iter()
                    .map(|(k, v)| (k.as_bytes(), v.as_bytes())),
            ),
        }
    }

    /// The first field name or value that is not UTF-8, as the error decoding reports.
    pub fn utf8_error(&self) -> Option<FieldError> {
        utf8_error(self.raw.as_ref()?)
    }

    /// Decodes the entry with `decode` (e.g. `Event::from_redis_fields`), attaching the id
    /// to any error. An entry that is not UTF-8 is an error without calling `decode`.
    pub fn decode<E>(
        &self,
        decode: impl FnOnce(&[(String, String)]) -> Result<E, DecodeError>,
    ) -> Result<E, EntryError> {
        if let Some(e) = self.utf8_error() {
            return Err(EntryError {
                id: self.id.clone(),
                error: DecodeError::Field(e),
            });
        }
        decode(&self.fields).map_err(|error| EntryError {
            id: self.id.clone(),
            error,
        })
    }
}

/// The first field name or value of `pairs` that is not UTF-8, as decoding reports it.
pub fn utf8_error(pairs: &[(Vec<u8>, Vec<u8>)]) -> Option<FieldError> {
    for (k, v) in pairs {
        let name = String::from_utf8_lossy(k);
        let (field, reason) = match (std::str::from_utf8(k), std::str::from_utf8(v)) {
            (Err(e), _) => (
                None,
                format!(
                    "the field name {:?} is not valid UTF-8 (byte {})",
                    crate::echo(&name),
                    e.valid_up_to()
                ),
            ),
            (Ok(_), Err(e)) => (
                Some(name.into_owned()),
                format!(
                    "the value is not valid UTF-8 (byte {} of {})",
                    e.valid_up_to(),
                    v.len()
                ),
            ),
            (Ok(_), Ok(_)) => continue,
        };
        let mut error = FieldError::new(reason);
        error.field = field.map(crate::echo_owned);
        return Some(error);
    }
    None
}

fn bytes(v: &Value, what: &str) -> Result<Vec<u8>, ParsingError> {
    match v {
        Value::BulkString(b) => Ok(b.clone()),
        Value::SimpleString(s) => Ok(s.clone().into_bytes()),
        Value::VerbatimString { text, .. } => Ok(text.clone().into_bytes()),
        Value::Int(i) => Ok(i.to_string().into_bytes()),
        other => Err(ParsingError::from(format!(
            "{what}: expected a string, got {other:?}"
        ))),
    }
}

fn text(v: &Value, what: &str) -> Result<String, ParsingError> {
    String::from_utf8(bytes(v, what)?)
        .map_err(|_| ParsingError::from(format!("{what} is not UTF-8")))
}

fn pairs(v: &Value, id: &str) -> Result<RawPairs, ParsingError> {
    match v {
        Value::Array(items) => {
            if items.len() % 2 != 0 {
                return Err(ParsingError::from(format!(
                    "entry {id}: odd number of field/value items"
                )));
            }
            items
                .chunks(2)
                .map(|kv| Ok((bytes(&kv[0], "field name")?, bytes(&kv[1], "field value")?)))
                .collect()
        }
        Value::Map(kvs) => kvs
            .iter()
            .map(|(k, v)| Ok((bytes(k, "field name")?, bytes(v, "field value")?)))
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
                Ok(Self::from_bytes(id.clone(), pairs(&parts[1], &id)?))
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
            Value::Int(3),
        ] {
            assert!(StreamEntry::from_redis_value(bad).is_err());
        }
        // A value or name that is not UTF-8 is read (keeping its bytes) and fails to decode
        // on its own, naming the field and byte.
        let reply = Value::Array(vec![
            bulk("1-0"),
            Value::Array(vec![
                bulk("type"),
                bulk("a.b"),
                bulk("k"),
                Value::BulkString(vec![b'o', 0xff]),
            ]),
        ]);
        let entry = StreamEntry::from_redis_value(reply).unwrap();
        assert_eq!(entry.fields[1], ("k".to_owned(), "o\u{fffd}".to_owned()));
        let bytes: Vec<_> = entry.byte_pairs().collect();
        assert_eq!(bytes[1], (&b"k"[..], &[b'o', 0xff][..]));
        let e = entry
            .decode(|_| -> Result<(), DecodeError> { panic!("not called") })
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "entry 1-0: field `k`: the value is not valid UTF-8 (byte 1 of 2)"
        );
        let entry = StreamEntry::from_bytes("2-0", vec![(vec![b'x', 0xc3], b"v".to_vec())]);
        let e = entry.utf8_error().unwrap();
        assert_eq!(e.field, None);
        assert!(
            e.reason
                .contains("field name \"x\u{fffd}\" is not valid UTF-8 (byte 1)"),
            "{e}"
        );
        assert!(StreamEntry::new("3-0", vec![]).utf8_error().is_none());
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
