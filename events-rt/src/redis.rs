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
    let bytes = fields.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let mut cmd = xadd_head(stream, max_len, 2 * fields.len(), bytes);
    for (k, v) in fields {
        cmd.arg(k.as_ref()).arg(v.as_str());
    }
    cmd
}

/// Arguments reserved for the fields of [`FieldSet::encode_xadd`](crate::FieldSet::encode_xadd)'s
/// command, whose field count is not known before encoding.
pub(crate) const XADD_ARGS: usize = 32;
/// Bytes reserved for the field names and values of
/// [`FieldSet::encode_xadd`](crate::FieldSet::encode_xadd)'s command.
pub(crate) const XADD_BYTES: usize = 512;

/// `XADD stream [MAXLEN ~ n] *` with room for `field_args` more arguments of `field_bytes`
/// bytes in all: the head of every XADD this crate builds.
pub(crate) fn xadd_head(
    stream: &str,
    max_len: Option<usize>,
    field_args: usize,
    field_bytes: usize,
) -> redis::Cmd {
    let bytes = 4 + stream.len() + 1 + if max_len.is_some() { 6 + 1 + 20 } else { 0 } + field_bytes;
    let mut cmd =
        redis::Cmd::with_capacity(3 + 3 * usize::from(max_len.is_some()) + field_args, bytes);
    xadd_head_args(stream, max_len, |a| {
        cmd.arg(a);
    });
    cmd
}

/// The arguments before the fields, `XADD stream [MAXLEN ~ n] *`, one by one: shared by
/// [`xadd_head`] and [`write_xadd`], so the command and the packed bytes cannot differ.
fn xadd_head_args(stream: &str, max_len: Option<usize>, mut arg: impl FnMut(&[u8])) {
    arg(b"XADD");
    arg(stream.as_bytes());
    if let Some(n) = max_len {
        arg(b"MAXLEN");
        arg(b"~");
        arg(itoa::Buffer::new().format(n).as_bytes());
    }
    arg(b"*");
}

/// An XADD command takes an event's fields as its arguments
/// ([`FieldSet::write_fields`](crate::FieldSet::write_fields)), each written once, into the
/// command's own buffer.
impl crate::fields::FieldSink for redis::Cmd {
    fn name(&mut self, name: &str) {
        redis::RedisWrite::write_arg(self, name.as_bytes());
    }
    fn value(&mut self, value: &str) {
        redis::RedisWrite::write_arg(self, value.as_bytes());
    }
    fn value_writer(&mut self) -> impl std::io::Write + '_ {
        redis::RedisWrite::writer_for_next_arg(self)
    }
}

/// Appends the packed `XADD stream [MAXLEN ~ n] * field value ...` of `event` to `out`
/// (the RESP bytes a connection sends): the bytes of
/// [`FieldSet::encode_xadd`](crate::FieldSet::encode_xadd)`(..).get_packed_command()`,
/// and its errors, without building a `redis::Cmd` (no allocation when `out` has room).
/// On error, `out` is as it was.
pub fn write_xadd<E: crate::FieldSet>(
    event: &E,
    stream: &str,
    max_len: Option<usize>,
    out: &mut Vec<u8>,
) -> Result<(), FieldError> {
    // Room for the array header, `*<count>\r\n`, written once the count is known.
    let start = out.len();
    out.extend_from_slice(&HEAD_ROOM);
    let mut args = Resp { out, count: 0 };
    xadd_head_args(stream, max_len, |a| args.arg(a));
    if let Err(e) = event.write_fields(&mut args) {
        out.truncate(start);
        return Err(e);
    }
    let count = args.count;
    fill_head(out, start, b'*', count);
    Ok(())
}

/// A header's placeholder: `<prefix>`, two digits, CRLF. Most commands have 10 to 99
/// arguments and most compound values 10 to 99 bytes: their headers are filled in place.
const HEAD_ROOM: [u8; 5] = *b"?00\r\n";

/// Writes `<prefix><n>\r\n` over the [`HEAD_ROOM`] at `at`, moving the bytes after it
/// when `n` has other than two digits.
fn fill_head(out: &mut Vec<u8>, at: usize, prefix: u8, n: usize) {
    if (10..100).contains(&n) {
        // Both casts are of a digit.
        out[at..at + 5].copy_from_slice(&[
            prefix,
            b'0' + (n / 10) as u8,
            b'0' + (n % 10) as u8,
            b'\r',
            b'\n',
        ]);
        return;
    }
    let mut digits = itoa::Buffer::new();
    let d = digits.format(n).as_bytes();
    let len = 3 + d.len();
    let (tail, end) = (at + HEAD_ROOM.len(), out.len());
    if len < HEAD_ROOM.len() {
        out.copy_within(tail..end, at + len);
        out.truncate(end - (HEAD_ROOM.len() - len));
    } else {
        out.resize(end + len - HEAD_ROOM.len(), 0);
        out.copy_within(tail..end, at + len);
    }
    out[at] = prefix;
    out[at + 1..at + 1 + d.len()].copy_from_slice(d);
    out[at + 1 + d.len()..at + len].copy_from_slice(b"\r\n");
}

/// Appends `$<n>\r\n`: for `n` below 100,000 (every field name and nearly every value)
/// as one fixed-size copy cut to length, with no call to `memcpy` or `itoa`.
fn put_bulk_head(out: &mut Vec<u8>, n: usize) {
    if n >= 100_000 {
        out.push(b'$');
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        out.extend_from_slice(b"\r\n");
        return;
    }
    let digits = match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1_000..=9_999 => 4,
        _ => 5,
    };
    let mut head = [b'$', 0, 0, 0, 0, 0, b'\r', b'\n'];
    let mut v = n;
    for i in (1..=digits).rev() {
        // A digit.
        head[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    head[digits + 1] = b'\r';
    head[digits + 2] = b'\n';
    out.extend_from_slice(&head);
    out.truncate(out.len() - (5 - digits));
}

/// RESP bulk-string arguments appended to a buffer, counted.
struct Resp<'b> {
    out: &'b mut Vec<u8>,
    count: usize,
}

impl Resp<'_> {
    fn arg(&mut self, bytes: &[u8]) {
        self.out.reserve(bytes.len() + 10);
        put_bulk_head(self.out, bytes.len());
        self.out.extend_from_slice(bytes);
        self.out.extend_from_slice(b"\r\n");
        self.count += 1;
    }
}

impl crate::fields::FieldSink for Resp<'_> {
    fn name(&mut self, name: &str) {
        self.arg(name.as_bytes());
    }
    fn value(&mut self, value: &str) {
        self.arg(value.as_bytes());
    }
    fn value_writer(&mut self) -> impl std::io::Write + '_ {
        let start = self.out.len();
        self.out.extend_from_slice(&HEAD_ROOM);
        RespValue { args: self, start }
    }
}

/// The value being written into a [`Resp`]: its bytes go straight into the buffer after a
/// [`HEAD_ROOM`], filled with its `$<length>\r\n` when the writer is dropped.
struct RespValue<'a, 'b> {
    args: &'a mut Resp<'b>,
    start: usize,
}

impl std::io::Write for RespValue<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.args.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RespValue<'_, '_> {
    fn drop(&mut self) {
        let out = &mut *self.args.out;
        let len = out.len() - self.start - HEAD_ROOM.len();
        fill_head(out, self.start, b'$', len);
        out.extend_from_slice(b"\r\n");
        self.args.count += 1;
    }
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
    fn headers_are_written_for_every_width_in_place_or_moved() {
        let widths = [
            0,
            1,
            9,
            10,
            11,
            99,
            100,
            101,
            999,
            1_000,
            9_999,
            10_000,
            99_999,
            100_000,
            123_456_789,
        ];
        for n in widths {
            let mut out = b"ab".to_vec();
            put_bulk_head(&mut out, n);
            assert_eq!(out, format!("ab${n}\r\n").into_bytes(), "{n}");

            // A placeholder followed by bytes that must survive the move.
            let mut out = b"ab".to_vec();
            out.extend_from_slice(&HEAD_ROOM);
            out.extend_from_slice(b"tail");
            fill_head(&mut out, 2, b'*', n);
            assert_eq!(out, format!("ab*{n}\r\ntail").into_bytes(), "{n}");
        }
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

#[cfg(test)]
mod sink_tests {
    //! The direct encoder ([`crate::fields::to_sink`] into a command) against the field-map
    //! path ([`xadd`] of [`crate::fields::to_fields`]): the same bytes, the same errors.

    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::{xadd, xadd_head, XADD_ARGS, XADD_BYTES};
    use crate::fields::{to_fields, to_sink, FieldError};

    /// The packed XADD of `value` by both paths.
    fn both<T: Serialize>(value: &T, max_len: Option<usize>) -> [Result<Vec<u8>, FieldError>; 2] {
        let old = to_fields(value).map(|f| xadd("s:1", max_len, &f).get_packed_command());
        let mut cmd = xadd_head("s:1", max_len, XADD_ARGS, XADD_BYTES);
        let new = to_sink(value, &mut cmd).map(|()| cmd.get_packed_command());
        [old, new]
    }

    #[track_caller]
    fn same<T: Serialize>(value: &T) {
        for max_len in [None, Some(0), Some(100_000), Some(usize::MAX)] {
            let [old, new] = both(value, max_len);
            assert!(old.is_ok(), "{old:?}");
            assert_eq!(
                new.as_deref().map(String::from_utf8_lossy),
                old.as_deref().map(String::from_utf8_lossy)
            );
        }
    }

    #[track_caller]
    fn same_error<T: Serialize>(value: &T, field: Option<&str>) {
        let [old, new] = both(value, Some(10));
        let old = old.unwrap_err();
        assert_eq!(new.unwrap_err(), old);
        assert_eq!(old.field.as_deref(), field, "{old}");
    }

    #[derive(Serialize)]
    enum Kind {
        Plain,
        #[serde(rename = "in_progress")]
        InProgress,
        Tuple(i32, i32),
        Struct {
            a: u8,
        },
    }

    #[derive(Serialize)]
    struct Newtype(i64);

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Inner {
        name: String,
        next: Option<Box<Inner>>,
    }

    #[derive(Serialize)]
    struct Everything {
        text: String,
        unicode: String,
        empty: String,
        small: u8,
        signed: i8,
        big: u64,
        min: i64,
        short: i16,
        mid: u32,
        flag: bool,
        letter: char,
        wide: char,
        ratio: f64,
        whole: f64,
        huge: f64,
        tiny: f64,
        negative_zero: f64,
        single: f32,
        #[serde(skip_serializing_if = "Option::is_none")]
        absent: Option<String>,
        explicit_null: Option<String>,
        present: Option<u32>,
        some_null: Option<Option<i32>>,
        some_some_null: Option<Option<Option<i32>>>,
        some_value: Option<Option<f64>>,
        unit: (),
        unit_struct: Unit,
        newtype: Newtype,
        kind: Kind,
        renamed: Kind,
        tuple_variant: Kind,
        struct_variant: Kind,
        list: Vec<u32>,
        empty_list: Vec<u32>,
        optional_list: Option<Vec<String>>,
        map: BTreeMap<String, f64>,
        tree: Inner,
        nested_json: serde_json::Value,
        json_null: serde_json::Value,
        json_text: serde_json::Value,
        json_number: serde_json::Value,
        bytes: serde_bytes_like::Bytes,
        embedded: crate::Embedded<BTreeMap<String, i32>>,
        embedded_native: crate::Embedded<Vec<i32>>,
        tuple: (i32, String),
        #[serde(rename = "camelCase")]
        renamed_field: String,
    }

    /// `serialize_bytes` without a dependency on `serde_bytes`.
    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    fn everything() -> Everything {
        let mut map = BTreeMap::new();
        map.insert("ключ \"q\"".to_owned(), 0.1);
        map.insert("b".to_owned(), -2.0);
        Everything {
            text: "a b\r\n\t\"quoted\" \\".into(),
            unicode: "Beograd, Ниш, 東京 🚚 e\u{301}".into(),
            empty: String::new(),
            small: 200,
            signed: -128,
            big: u64::MAX,
            min: i64::MIN,
            short: -1,
            mid: 0,
            flag: false,
            letter: 'x',
            wide: '🚚',
            ratio: 0.95,
            whole: 100.0,
            huge: 1e21,
            tiny: 5e-324,
            negative_zero: -0.0,
            single: 0.1,
            absent: None,
            explicit_null: None,
            present: Some(7),
            some_null: Some(None),
            some_some_null: Some(Some(None)),
            some_value: Some(Some(1.5)),
            unit: (),
            unit_struct: Unit,
            newtype: Newtype(-42),
            kind: Kind::Plain,
            renamed: Kind::InProgress,
            tuple_variant: Kind::Tuple(1, 2),
            struct_variant: Kind::Struct { a: 3 },
            list: vec![1, 2, 3],
            empty_list: vec![],
            optional_list: Some(vec!["é".into()]),
            map,
            tree: Inner {
                name: "root".into(),
                next: Some(Box::new(Inner {
                    name: "leaf".into(),
                    next: None,
                })),
            },
            nested_json: serde_json::json!({"a": [1, "two", {"three": null}], "b": 2.5}),
            json_null: serde_json::Value::Null,
            json_text: serde_json::json!("plain"),
            json_number: serde_json::json!(12),
            bytes: serde_bytes_like::Bytes(vec![0, 255, 10]),
            embedded: crate::Embedded::new(BTreeMap::from([("p".to_owned(), 1)])),
            embedded_native: crate::Embedded::native(vec![1, 2]),
            tuple: (5, "five".into()),
            renamed_field: "c".into(),
        }
    }

    #[test]
    fn every_shape_packs_to_the_field_map_bytes() {
        same(&everything());
        // Top-level maps (and `#[serde(flatten)]` structs, which serialize as maps).
        let mut map = BTreeMap::new();
        map.insert("type", serde_json::json!("order.confirmed"));
        map.insert("nothing", serde_json::Value::Null);
        map.insert("items", serde_json::json!([{"listing_id": 100}]));
        same(&map);
        let keys: BTreeMap<i32, Option<bool>> = BTreeMap::from([(1, Some(true)), (2, None)]);
        same(&keys);
        // Options and newtypes around the whole struct.
        same(&Some(Newtype2 {
            inner: everything(),
        }));
        // A struct whose every field is absent: the bare XADD head.
        same(&OnlyOptional { a: None, b: None });
    }

    #[derive(Serialize)]
    struct Newtype2 {
        #[serde(flatten)]
        inner: Everything,
    }

    #[derive(Serialize)]
    struct OnlyOptional {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        b: Option<i32>,
    }

    #[test]
    fn floats_pack_to_the_field_map_bytes() {
        #[derive(Serialize)]
        struct F {
            a: f64,
            b: f32,
        }
        for v in [
            0.0,
            0.1,
            0.95,
            1.0,
            -0.5,
            100.0,
            123_456_789.123,
            1e15,
            1e16,
            1e21,
            1.5e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
        ] {
            // `as` rounds to f32 (f64::MAX becomes infinite, an error: kept finite here).
            let b = if (v as f32).is_finite() {
                v as f32
            } else {
                f32::MAX
            };
            same(&F { a: v, b });
        }
    }

    #[test]
    fn errors_are_the_field_map_errors_and_name_the_field() {
        #[derive(Serialize)]
        struct Bad<T> {
            fine: i32,
            bad: T,
        }
        same_error(
            &Bad {
                fine: 1,
                bad: f64::NAN,
            },
            Some("bad"),
        );
        same_error(
            &Bad {
                fine: 1,
                bad: f64::INFINITY,
            },
            Some("bad"),
        );
        same_error(
            &Bad {
                fine: 1,
                bad: Some(f32::NEG_INFINITY),
            },
            Some("bad"),
        );
        // A JSON value that serde_json refuses (a map key that is not a string).
        same_error(
            &Bad {
                fine: 1,
                bad: BTreeMap::from([((1, 2), 3)]),
            },
            Some("bad"),
        );
        // A float that JSON cannot hold, inside a compound: serde_json writes null, both ways.
        same(&Bad {
            fine: 1,
            bad: vec![f64::NAN],
        });
        // Not a struct or map.
        same_error(&5, None);
        same_error(&vec![1, 2], None);
        same_error(&Kind::Tuple(1, 2), None);
        // A null map key.
        same_error(&BTreeMap::from([(None::<i32>, 1)]), None);
    }
}
