//! Flat field maps, the form events take in a Redis stream entry (`XADD key * f1 v1 f2 v2`).
//!
//! The mapping follows the Go publishers of the Vondi fleet and is derived from each
//! type's serde shape, not listed per event:
//!
//! | value | field map |
//! |---|---|
//! | string, enum, date-time, uuid | as is |
//! | integer, unix time | decimal (`12345`) |
//! | boolean | `true` / `false` (decoding accepts what Go's `strconv.ParseBool` accepts) |
//! | float | shortest text that reads back to the same value, without exponent (`100`, `0.95`), as Go's `strconv.FormatFloat(v, 'f', -1, 64)` |
//! | object, array, map | compact JSON text (`[{"listing_id":100,...}]`) |
//! | absent optional field | no entry |
//! | explicit `null` | `null` |
//!
//! Fields come out in schema order, so the event type field (first in the envelope) leads.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::ser::{self, Impossible, Serialize};

/// Field/value pairs of one event, in order.
pub type Fields = Vec<(Cow<'static, str>, String)>;

/// Why a field map could not be produced or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Stream entry id, when the map came from a stream.
    pub entry_id: Option<String>,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// Its raw value, when there is one.
    pub value: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl FieldError {
    pub(crate) fn new(reason: impl fmt::Display) -> Self {
        Self {
            entry_id: None,
            field: None,
            value: None,
            reason: crate::echo_owned(reason.to_string()),
        }
    }

    /// Attaches the stream entry id.
    #[must_use]
    pub fn in_entry(mut self, id: &str) -> Self {
        self.entry_id = Some(id.to_owned());
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = &self.entry_id {
            write!(f, "entry {id}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "field `{field}`")?;
            if let Some(v) = &self.value {
                write!(f, " = {v:?}")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.reason)
    }
}

impl std::error::Error for FieldError {}

impl ser::Error for FieldError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg)
    }
}

impl de::Error for FieldError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg)
    }
}

/// Encodes a struct (or map) as ordered field/value pairs.
pub fn to_fields<T: Serialize + ?Sized>(value: &T) -> Result<Fields, FieldError> {
    let mut out = Fields::new();
    to_sink(value, &mut out)?;
    Ok(out)
}

/// Decodes field/value pairs into `T`. Unknown fields follow `T`'s serde settings.
pub fn from_fields<T, K, V>(fields: &[(K, V)]) -> Result<T, FieldError>
where
    T: DeserializeOwned,
    K: AsRef<str>,
    V: AsRef<str>,
{
    T::deserialize(EntryDeserializer { fields })
}

/// The value of a field, when present.
#[doc(hidden)]
pub fn field<'a, K: AsRef<str>, V: AsRef<str>>(
    fields: &'a [(K, V)],
    name: &str,
) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.as_ref() == name)
        .map(|(_, v)| v.as_ref())
}

// ---------------------------------------------------------------------------------------
// Encoding

macro_rules! not_a_struct {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, FieldError> {
            Err(FieldError::new("only structs and maps become field maps"))
        })*
    };
}

/// Why a value did not write as a scalar: a compound (written as JSON instead), or an
/// error.
#[derive(Debug)]
enum ScalarError {
    Compound,
    Other(FieldError),
}

impl fmt::Display for ScalarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScalarError::Compound => f.write_str("compound value"),
            ScalarError::Other(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for ScalarError {}

impl ser::Error for ScalarError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ScalarError::Other(FieldError::new(msg))
    }
}

/// `v` unless it is NaN or infinite, which have no field-map text.
fn finite(v: f64) -> Result<f64, ScalarError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(ScalarError::Other(FieldError::new(format!(
            "{v} has no JSON or field-map form"
        ))))
    }
}

// ---------------------------------------------------------------------------------------
// Encoding straight into a sink

/// Where [`to_sink`] writes an event's field/value pairs as it encodes them, with no
/// `String` per value: a `redis::Cmd` (feature `redis`) takes them as the arguments of an
/// XADD. Every [`name`](Self::name) is followed by exactly one value, given either by
/// [`value`](Self::value) or written through [`value_writer`](Self::value_writer).
pub trait FieldSink {
    /// Appends the name of the next field.
    fn name(&mut self, name: &str);
    /// Appends the name of the next field, a struct's (static) field name: what
    /// [`name`](Self::name) does unless the sink can keep the name without copying it.
    fn static_name(&mut self, name: &'static str) {
        self.name(name);
    }
    /// Appends the value of the field named last.
    fn value(&mut self, value: &str);
    /// A writer that appends the value of the field named last (everything written to it
    /// is that one value).
    fn value_writer(&mut self) -> impl std::io::Write + '_;
}

/// Writes the field/value pairs of a struct (or map) into `sink`: the same pairs, in the
/// same order, with the same errors, as [`to_fields`], without building [`Fields`].
///
/// On error the sink holds the pairs before the failing field and possibly part of it:
/// discard it.
pub fn to_sink<T: Serialize + ?Sized, S: FieldSink + ?Sized>(
    value: &T,
    sink: &mut S,
) -> Result<(), FieldError> {
    value.serialize(SinkTop { sink })
}

/// Writes a field's name, borrowed when it is a struct's static one.
// The `Cow` is matched on: a `&str` would lose whether the name is static.
#[allow(clippy::ptr_arg)]
fn name<S: FieldSink + ?Sized>(sink: &mut S, key: &Cow<'static, str>) {
    match key {
        Cow::Borrowed(n) => sink.static_name(n),
        Cow::Owned(n) => sink.name(n),
    }
}

/// A field map is a sink: [`to_fields`] writes into one.
impl FieldSink for Fields {
    fn name(&mut self, name: &str) {
        self.push((Cow::Owned(name.to_owned()), String::new()));
    }
    fn static_name(&mut self, name: &'static str) {
        self.push((Cow::Borrowed(name), String::new()));
    }
    fn value(&mut self, value: &str) {
        if let Some((_, v)) = self.last_mut() {
            v.push_str(value);
        }
    }
    fn value_writer(&mut self) -> impl std::io::Write + '_ {
        TextWriter(self.last_mut().map(|(_, v)| v))
    }
}

/// Appends UTF-8 text to a field's value (what serde_json and `Display` write is UTF-8,
/// in whole characters).
struct TextWriter<'a>(Option<&'a mut String>);

impl std::io::Write for TextWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = std::str::from_utf8(buf)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        if let Some(v) = &mut self.0 {
            v.push_str(text);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct SinkTop<'a, S: ?Sized> {
    sink: &'a mut S,
}

struct SinkStruct<'a, S: ?Sized> {
    sink: &'a mut S,
    key: Option<String>,
}

impl<S: FieldSink + ?Sized> SinkStruct<'_, S> {
    /// Encodes one field; an absent optional value writes neither name nor value. The
    /// error names the field.
    // The `Cow` is matched on (in `name`): a `&str` would lose whether the name is static.
    #[allow(clippy::ptr_arg)]
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &Cow<'static, str>,
        value: &T,
    ) -> Result<(), FieldError> {
        let scalar = SinkScalar {
            sink: &mut *self.sink,
            key,
            some: false,
        };
        let result = match value.serialize(scalar) {
            Ok(()) => Ok(()),
            Err(ScalarError::Compound) => {
                name(&mut *self.sink, key);
                serde_json::to_writer(self.sink.value_writer(), value).map_err(FieldError::new)
            }
            Err(ScalarError::Other(e)) => Err(e),
        };
        result.map_err(|mut e| {
            e.field = Some(key.clone().into_owned());
            e
        })
    }
}

impl<S: FieldSink + ?Sized> ser::SerializeStruct for SinkStruct<'_, S> {
    type Ok = ();
    type Error = FieldError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), FieldError> {
        self.field(&Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), FieldError> {
        Ok(())
    }
}

impl<S: FieldSink + ?Sized> ser::SerializeMap for SinkStruct<'_, S> {
    type Ok = ();
    type Error = FieldError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), FieldError> {
        // The key's text is what its value's would be: written as a field of its own.
        let mut text = Fields::new();
        let mut one = SinkStruct {
            sink: &mut text,
            key: None,
        };
        one.field(&Cow::Borrowed(""), key).map_err(|mut e| {
            e.field = None;
            e
        })?;
        match text.pop() {
            Some((_, k)) => {
                self.key = Some(k);
                Ok(())
            }
            None => Err(FieldError::new("a field name cannot be null")),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FieldError> {
        let key = self.key.take().unwrap_or_default();
        self.field(&Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), FieldError> {
        Ok(())
    }
}

impl<'a, S: FieldSink + ?Sized> ser::Serializer for SinkTop<'a, S> {
    type Ok = ();
    type Error = FieldError;
    type SerializeSeq = Impossible<(), FieldError>;
    type SerializeTuple = Impossible<(), FieldError>;
    type SerializeTupleStruct = Impossible<(), FieldError>;
    type SerializeTupleVariant = Impossible<(), FieldError>;
    type SerializeMap = SinkStruct<'a, S>;
    type SerializeStruct = SinkStruct<'a, S>;
    type SerializeStructVariant = Impossible<(), FieldError>;

    not_a_struct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), FieldError> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), FieldError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), FieldError> {
        Err(FieldError::new("only structs and maps become field maps"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, FieldError> {
        Err(FieldError::new("only structs and maps become field maps"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, FieldError> {
        Err(FieldError::new("only structs and maps become field maps"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, FieldError> {
        Err(FieldError::new("only structs and maps become field maps"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, FieldError> {
        Err(FieldError::new("only structs and maps become field maps"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<SinkStruct<'a, S>, FieldError> {
        Ok(SinkStruct {
            sink: self.sink,
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<SinkStruct<'a, S>, FieldError> {
        Ok(SinkStruct {
            sink: self.sink,
            key: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, FieldError> {
        Err(FieldError::new("only structs and maps become field maps"))
    }
}

/// One value into a sink: a scalar writes its field's name and its field-map text (see
/// the table above); an absent value writes nothing; a compound writes
/// nothing and bails out to JSON ([`SinkStruct::field`]).
struct SinkScalar<'a, S: ?Sized> {
    sink: &'a mut S,
    key: &'a Cow<'static, str>,
    /// Inside `Some`: a null is written as `null` rather than left out.
    some: bool,
}

impl<S: FieldSink + ?Sized> SinkScalar<'_, S> {
    fn text(self, text: &str) -> Result<(), ScalarError> {
        name(self.sink, self.key);
        self.sink.value(text);
        Ok(())
    }

    fn display(self, value: &dyn fmt::Display) -> Result<(), ScalarError> {
        use std::io::Write;
        name(self.sink, self.key);
        write!(self.sink.value_writer(), "{value}")
            .map_err(|e| ScalarError::Other(FieldError::new(e)))
    }
}

macro_rules! sink_integers {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method(self, v: $ty) -> Result<(), ScalarError> {
            self.text(itoa::Buffer::new().format(v))
        })*
    };
}

impl<S: FieldSink + ?Sized> ser::Serializer for SinkScalar<'_, S> {
    type Ok = ();
    type Error = ScalarError;
    type SerializeSeq = Impossible<(), ScalarError>;
    type SerializeTuple = Impossible<(), ScalarError>;
    type SerializeTupleStruct = Impossible<(), ScalarError>;
    type SerializeTupleVariant = Impossible<(), ScalarError>;
    type SerializeMap = Impossible<(), ScalarError>;
    type SerializeStruct = Impossible<(), ScalarError>;
    type SerializeStructVariant = Impossible<(), ScalarError>;

    sink_integers!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64)
    );

    fn serialize_bool(self, v: bool) -> Result<(), ScalarError> {
        self.text(if v { "true" } else { "false" })
    }
    fn serialize_f32(self, v: f32) -> Result<(), ScalarError> {
        // f32's own shortest text (not that of the f64 it widens to).
        finite(f64::from(v))?;
        self.display(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), ScalarError> {
        finite(v)?;
        self.display(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), ScalarError> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), ScalarError> {
        self.text(v)
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), ScalarError> {
        self.display(&value)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), ScalarError> {
        Err(ScalarError::Compound)
    }
    fn serialize_none(self) -> Result<(), ScalarError> {
        if self.some {
            self.text("null")
        } else {
            Ok(())
        }
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ScalarError> {
        // A present field whose value is null (`Some(None)`) is written as `null`.
        value.serialize(SinkScalar { some: true, ..self })
    }
    fn serialize_unit(self) -> Result<(), ScalarError> {
        self.text("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ScalarError> {
        self.text("null")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), ScalarError> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), ScalarError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), ScalarError> {
        Err(ScalarError::Compound)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, ScalarError> {
        Err(ScalarError::Compound)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, ScalarError> {
        Err(ScalarError::Compound)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, ScalarError> {
        Err(ScalarError::Compound)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ScalarError> {
        Err(ScalarError::Compound)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, ScalarError> {
        Err(ScalarError::Compound)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, ScalarError> {
        Err(ScalarError::Compound)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ScalarError> {
        Err(ScalarError::Compound)
    }
}

// ---------------------------------------------------------------------------------------
// Decoding

struct EntryDeserializer<'a, Key, Val> {
    fields: &'a [(Key, Val)],
}

impl<'de, Key: AsRef<str>, Val: AsRef<str>> de::Deserializer<'de>
    for EntryDeserializer<'de, Key, Val>
{
    type Error = FieldError;

    fn deserialize_any<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_map(Entries {
            iter: self.fields.iter(),
            current: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct Entries<'a, K, V> {
    iter: std::slice::Iter<'a, (K, V)>,
    current: Option<&'a (K, V)>,
}

impl<'de, K: AsRef<str>, V: AsRef<str>> MapAccess<'de> for Entries<'de, K, V> {
    type Error = FieldError;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, FieldError> {
        match self.iter.next() {
            None => Ok(None),
            Some(pair) => {
                self.current = Some(pair);
                seed.deserialize(pair.0.as_ref().into_deserializer())
                    .map(Some)
            }
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, FieldError> {
        let (k, v) = self
            .current
            .take()
            .ok_or_else(|| FieldError::new("value without a field"))?;
        let (k, v) = (k.as_ref(), v.as_ref());
        seed.deserialize(Text(v)).map_err(|mut e| {
            if e.field.is_none() {
                e.field = Some(crate::echo(k));
                e.value = Some(crate::echo(v));
            }
            e
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// One field value.
struct Text<'a>(&'a str);

impl<'a> Text<'a> {
    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, FieldError> {
        self.0
            .parse()
            .map_err(|_| FieldError::new(format!("not {what}")))
    }

    fn json<W, F>(&self, f: F) -> Result<W, FieldError>
    where
        F: FnOnce(
            &mut serde_json::Deserializer<serde_json::de::StrRead<'a>>,
        ) -> Result<W, serde_json::Error>,
    {
        let mut de = serde_json::Deserializer::from_str(self.0);
        let value = f(&mut de).map_err(|e| FieldError::new(format!("bad JSON: {e}")))?;
        de.end()
            .map_err(|e| FieldError::new(format!("bad JSON: {e}")))?;
        Ok(value)
    }
}

macro_rules! parse_int {
    ($($method:ident $visit:ident $ty:ty),*) => {
        $(fn $method<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
            visitor.$visit(self.parse::<$ty>("an integer")?)
        })*
    };
}

/// Go's `strconv.ParseBool`.
#[doc(hidden)]
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

impl<'de> de::Deserializer<'de> for Text<'de> {
    type Error = FieldError;

    fn deserialize_any<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        // Untagged and internally tagged types ask for "anything": give them the JSON
        // object a compound field holds; everything else is text.
        if self.0.starts_with('{') {
            self.json(|de| de::Deserializer::deserialize_any(de, visitor))
        } else {
            visitor.visit_str(self.0)
        }
    }

    parse_int!(deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16, deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64, deserialize_i128 visit_i128 i128, deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16, deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
        deserialize_u128 visit_u128 u128);

    fn deserialize_bool<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        match parse_bool(self.0) {
            Some(b) => visitor.visit_bool(b),
            None => Err(FieldError::new("not a boolean")),
        }
    }
    fn deserialize_f32<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_f32(self.parse("a number")?)
    }
    fn deserialize_f64<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        let v: f64 = self.parse("a number")?;
        if v.is_finite() {
            visitor.visit_f64(v)
        } else {
            Err(FieldError::new("not a finite number"))
        }
    }
    fn deserialize_char<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_str(self.0)
    }
    fn deserialize_str<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_str(self.0)
    }
    fn deserialize_string<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_str(self.0)
    }
    fn deserialize_bytes<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_bytes(self.0.as_bytes())
    }
    fn deserialize_byte_buf<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_bytes(self.0.as_bytes())
    }
    fn deserialize_option<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        if self.0 == "null" {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }
    fn deserialize_unit<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_unit()
    }
    fn deserialize_unit_struct<W: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: W,
    ) -> Result<W::Value, FieldError> {
        visitor.visit_unit()
    }
    fn deserialize_newtype_struct<W: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: W,
    ) -> Result<W::Value, FieldError> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        self.json(|de| de::Deserializer::deserialize_seq(de, visitor))
    }
    fn deserialize_tuple<W: Visitor<'de>>(
        self,
        len: usize,
        visitor: W,
    ) -> Result<W::Value, FieldError> {
        self.json(|de| de::Deserializer::deserialize_tuple(de, len, visitor))
    }
    fn deserialize_tuple_struct<W: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: W,
    ) -> Result<W::Value, FieldError> {
        self.json(|de| de::Deserializer::deserialize_tuple_struct(de, name, len, visitor))
    }
    fn deserialize_map<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        self.json(|de| de::Deserializer::deserialize_map(de, visitor))
    }
    fn deserialize_struct<W: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: W,
    ) -> Result<W::Value, FieldError> {
        self.json(|de| de::Deserializer::deserialize_struct(de, name, fields, visitor))
    }
    fn deserialize_enum<W: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: W,
    ) -> Result<W::Value, FieldError> {
        if self.0.starts_with('{') {
            self.json(|de| de::Deserializer::deserialize_enum(de, name, variants, visitor))
        } else {
            visitor.visit_enum(de::value::StrDeserializer::<FieldError>::new(self.0))
        }
    }
    fn deserialize_identifier<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_str(self.0)
    }
    fn deserialize_ignored_any<W: Visitor<'de>>(self, visitor: W) -> Result<W::Value, FieldError> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Item {
        listing_id: i64,
        quantity: i32,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Doc {
        name: String,
        id: i64,
        ratio: f64,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        items: Vec<Item>,
    }

    fn doc() -> Doc {
        Doc {
            name: "a b".into(),
            id: -12345,
            ratio: 100.0,
            ok: true,
            note: None,
            items: vec![Item {
                listing_id: 100,
                quantity: 2,
            }],
        }
    }

    #[test]
    fn encodes_in_field_order_with_go_spelling() {
        let fields = to_fields(&doc()).unwrap();
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("name", "a b"),
                ("id", "-12345"),
                ("ratio", "100"),
                ("ok", "true"),
                ("items", r#"[{"listing_id":100,"quantity":2}]"#)
            ]
        );
        let back: Doc = from_fields(&fields).unwrap();
        assert_eq!(back, doc());
    }

    #[test]
    fn go_booleans() {
        for (text, v) in [
            ("1", true),
            ("t", true),
            ("TRUE", true),
            ("True", true),
            ("0", false),
            ("F", false),
        ] {
            assert_eq!(parse_bool(text), Some(v));
        }
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn errors_name_field_value_and_reason() {
        let fields = [
            ("name", "x"),
            ("id", "12a"),
            ("ratio", "1"),
            ("ok", "1"),
            ("items", "[]"),
        ];
        let err = from_fields::<Doc, _, _>(&fields)
            .unwrap_err()
            .in_entry("1-0");
        assert_eq!(
            err.to_string(),
            r#"entry 1-0: field `id` = "12a": not an integer"#
        );
        let fields = [
            ("name", "x"),
            ("id", "1"),
            ("ratio", "1"),
            ("ok", "1"),
            ("items", "[{"),
        ];
        let err = from_fields::<Doc, _, _>(&fields).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("items"));
        assert!(err.reason.starts_with("bad JSON"), "{err}");
        let err = from_fields::<Doc, _, _>(&[("name", "x")]).unwrap_err();
        assert!(err.reason.contains("missing field `id`"), "{err}");
    }

    #[test]
    fn floats_round_trip_shortest() {
        for v in [0.95, 100.0, 1e21, 5e-324, -0.5, 123456789.123] {
            let text = to_fields(
                &[("v", v)]
                    .into_iter()
                    .collect::<std::collections::BTreeMap<_, _>>(),
            )
            .unwrap()
            .remove(0)
            .1;
            assert!(!text.contains('e'), "{text}");
            assert_eq!(text.parse::<f64>().unwrap(), v);
        }
    }
}
