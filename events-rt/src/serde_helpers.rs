//! `serde(with = ...)` helpers used by generated fields.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// For a required field that may be `null`: present-and-null is `None`, absent is an error.
///
/// Plain `Option<T>` fields would silently accept a missing key.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// For an optional field that may not be `null`: absent is `None` (with
/// `#[serde(default)]`), a value is `Some`, and `null` is an error, as the schema says (a
/// plain `Option<T>` would read `null` as absent, accepting what the validator refuses).
/// An untyped field (`serde_json::Value`) reads `null` as `Some(Value::Null)`, so it is
/// written back as `null`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A float as the Go and Node producers write it: a whole number without a fraction
/// (`95`, not `95.0`: `json.Marshal` and `JSON.stringify` never write `.0`), anything else
/// as serde_json writes floats (the shortest text that reads back the same). A consumer
/// that decodes `"usage_percent": 95` and re-publishes the event writes `95` again.
pub fn float<S: Serializer, F: Float>(value: &F, serializer: S) -> Result<S::Ok, S::Error> {
    value.write(serializer)
}

/// [`float`] for an `Option` (absent or `null` written as `None` is).
pub fn float_option<S: Serializer, F: Float>(
    value: &Option<F>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => v.write(serializer),
        None => serializer.serialize_none(),
    }
}

/// `f64` and `f32`, written by [`float`].
pub trait Float: Copy {
    /// Writes the value.
    fn write<S: Serializer>(self, serializer: S) -> Result<S::Ok, S::Error>;
}

/// The largest magnitude below which every whole `f64` is an exact integer (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

impl Float for f64 {
    fn write<S: Serializer>(self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.fract() == 0.0 && self.abs() < EXACT && !(self == 0.0 && self.is_sign_negative()) {
            #[allow(clippy::cast_possible_truncation)]
            serializer.serialize_i64(self as i64)
        } else {
            serializer.serialize_f64(self)
        }
    }
}

impl Float for f32 {
    fn write<S: Serializer>(self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.fract() == 0.0
            && f64::from(self).abs() < EXACT
            && !(self == 0.0 && self.is_sign_negative())
        {
            #[allow(clippy::cast_possible_truncation)]
            serializer.serialize_i64(self as i64)
        } else {
            serializer.serialize_f32(self)
        }
    }
}

/// For an optional field that may be `null`: absent is `None`, `null` is `Some(None)`.
///
/// Use with `#[serde(default, skip_serializing_if = "Option::is_none")]` so that an absent
/// field stays absent and an explicit `null` stays `null` when the event is re-encoded.
pub mod double_option {
    use super::*;

    /// Serializes `Some(None)` as `null` and `Some(Some(v))` as `v`.
    pub fn serialize<S, T>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        T: Serialize,
    {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Deserializes a present field: `null` becomes `Some(None)`.
    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

pub use crate::unique::duplicate_key;

/// Reads the value of a wide struct's field into its slot; a second value for the field
/// is an error (``duplicate field `name` ``), as in a derived `Deserialize`.
pub fn fill<'de, T, A>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error>
where
    T: Deserialize<'de>,
    A: serde::de::MapAccess<'de>,
{
    if slot.is_some() {
        return Err(<A::Error as serde::de::Error>::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// [`fill`] for a field holding a map, read through `R` (every key once).
pub fn fill_with<'de, R, A>(
    slot: &mut Option<R::Out>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error>
where
    R: crate::unique::Read<'de>,
    A: serde::de::MapAccess<'de>,
{
    if slot.is_some() {
        return Err(<A::Error as serde::de::Error>::duplicate_field(name));
    }
    *slot = Some(map.next_value_seed(crate::unique::Seed::<R>::new())?);
    Ok(())
}

/// The value of a required field of a wide struct, or ``missing field `name` ``.
pub fn required<T, E: serde::de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// A key of an object read by the decoder generated for a wide struct (more properties
/// than `events_codegen::WIDE_STRUCT`): the index of a declared field, or the name of
/// another key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKey {
    /// The declared field at this index (declaration order).
    Known(usize),
    /// A key that is not a declared field (an unknown field or an extra property).
    Unknown(String),
}

/// Reads a key of a wide struct: `keys` is the wire names of the declared fields with
/// their indices, sorted by name, so a key is found by binary search (no code per field).
/// With `closed` (the declared names, in order), a key that is none of them is an error
/// (``unknown field `k`, expected one of …``, as `deny_unknown_fields` gives), raised
/// while the key is read so that the error's path is the key.
#[derive(Debug, Clone, Copy)]
pub struct FieldKeys {
    /// Declared wire names and their indices, sorted by name.
    pub keys: &'static [(&'static str, usize)],
    /// The declared names in order, when unknown keys are refused.
    pub closed: Option<&'static [&'static str]>,
}

impl FieldKeys {
    fn find<E: serde::de::Error>(self, name: &str) -> Result<FieldKey, E> {
        match self.keys.binary_search_by(|(n, _)| (*n).cmp(name)) {
            Ok(at) => Ok(FieldKey::Known(self.keys[at].1)),
            Err(_) => match self.closed {
                Some(fields) => Err(E::unknown_field(name, fields)),
                None => Ok(FieldKey::Unknown(name.to_owned())),
            },
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for FieldKeys {
    type Value = FieldKey;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<FieldKey, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FieldKeys {
    type Value = FieldKey;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FieldKey, E> {
        self.find(v)
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<FieldKey, E> {
        self.find(&String::from_utf8_lossy(v))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Doc {
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "super::double_option"
        )]
        note: Option<Option<String>>,
        #[serde(deserialize_with = "super::nullable")]
        must: Option<u8>,
    }

    #[test]
    fn null_and_absent_stay_apart() {
        for json in [
            r#"{"must":1}"#,
            r#"{"note":null,"must":null}"#,
            r#"{"note":"x","must":2}"#,
        ] {
            let doc: Doc = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&doc).unwrap(), json);
        }
    }

    #[test]
    fn required_nullable_must_be_present() {
        let err = serde_json::from_str::<Doc>(r#"{"note":null}"#).unwrap_err();
        assert!(err.to_string().contains("missing field `must`"), "{err}");
    }
}

#[cfg(test)]
mod float_tests {
    #[derive(serde::Serialize)]
    struct S {
        #[serde(serialize_with = "super::float")]
        a: f64,
        #[serde(serialize_with = "super::float")]
        b: f32,
        #[serde(serialize_with = "super::float_option")]
        c: Option<f64>,
    }

    #[test]
    fn whole_floats_are_written_as_go_and_node_write_them() {
        let text = |a, b, c| serde_json::to_string(&S { a, b, c }).unwrap();
        assert_eq!(
            text(95.0, 2.0, Some(1e15)),
            r#"{"a":95,"b":2,"c":1000000000000000}"#
        );
        assert_eq!(text(95.5, 0.1, None), r#"{"a":95.5,"b":0.1,"c":null}"#);
        // Beyond 2^53, a whole float is no exact integer: written as a float.
        assert_eq!(
            text(1e300, -0.0, Some(-3.0)),
            r#"{"a":1e+300,"b":-0.0,"c":-3}"#
        );
    }
}
