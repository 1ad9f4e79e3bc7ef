//! Decoding with every key of an object once (issue 11): the validator refuses a payload
//! with a key twice in one object, so the typed decoder must too, never "the last one
//! wins". Derived structs refuse a field twice; what serde reads as a map does not
//! (`BTreeMap`, `serde_json::Map`, `serde_json::Value`, a flattened map of extra
//! properties). Generated fields whose type holds such a map read it through a [`Read`]
//! built from the field's type, e.g. `VecOf<MapOf<Plain<i64>>>` for
//! `Vec<BTreeMap<String, i64>>`, with the `deserialize_with` helpers of this module.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// How a value of type [`Read::Out`] is read with every key of every object in it once.
pub trait Read<'de> {
    /// The type read.
    type Out;
    /// Reads one value.
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Out, D::Error>;
}

/// A type read by its own `Deserialize` (it holds no map, or checks its keys itself).
pub struct Plain<T>(PhantomData<T>);
/// `BTreeMap<String, R::Out>`: a key twice is an error.
pub struct MapOf<R>(PhantomData<R>);
/// `Vec<R::Out>`.
pub struct VecOf<R>(PhantomData<R>);
/// `Option<R::Out>`: `null` is `None`.
pub struct OptionOf<R>(PhantomData<R>);
/// `Box<R::Out>`.
pub struct BoxOf<R>(PhantomData<R>);
/// [`Embedded<R::Out>`](crate::Embedded): a key twice is an error in the JSON text inside
/// the string as in the plain value.
pub struct EmbeddedOf<R>(PhantomData<R>);
/// `serde_json::Value`: a key twice in any object inside is an error.
pub struct AnyValue;
/// `serde_json::Map<String, Value>`: a key twice in it or in any object inside is an error.
pub struct AnyObject;

/// The key patterns of a map whose keys must match them (`patternProperties` with
/// `additionalProperties: false`); generated code implements it once per set of patterns.
pub trait KeyPatterns {
    /// The patterns, as the schema writes them (ECMA-262 regular expressions, not anchored).
    const PATTERNS: &'static [&'static str];
    /// Whether `key` matches one of them.
    fn matches(key: &str) -> bool;
}

/// The map `R` reads, refused when one of its keys matches none of `P`'s patterns.
pub struct KeysMatch<R, P>(PhantomData<(R, P)>);

impl<'de, T, R, P> Read<'de> for KeysMatch<R, P>
where
    R: Read<'de, Out = BTreeMap<String, T>>,
    P: KeyPatterns,
{
    type Out = BTreeMap<String, T>;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Out, D::Error> {
        let map = R::read(deserializer)?;
        match map.keys().find(|k| !P::matches(k)) {
            None => Ok(map),
            Some(key) => Err(D::Error::custom(format_args!(
                "key {:?} matches none of the patterns {}",
                crate::echo(key),
                P::PATTERNS
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}

/// [`Read`] as a `DeserializeSeed`.
pub struct Seed<R>(PhantomData<R>);

impl<R> Seed<R> {
    /// The seed.
    pub const fn new() -> Self {
        Seed(PhantomData)
    }
}

impl<R> Default for Seed<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, R: Read<'de>> DeserializeSeed<'de> for Seed<R> {
    type Value = R::Out;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<R::Out, D::Error> {
        R::read(deserializer)
    }
}

impl<'de, T: Deserialize<'de>> Read<'de> for Plain<T> {
    type Out = T;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }
}

impl<'de, R: Read<'de>> Read<'de> for BoxOf<R> {
    type Out = Box<R::Out>;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Out, D::Error> {
        R::read(deserializer).map(Box::new)
    }
}

impl<'de, R: Read<'de>> Read<'de> for OptionOf<R> {
    type Out = Option<R::Out>;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Out, D::Error> {
        struct V<R>(PhantomData<R>);
        impl<'de, R: Read<'de>> Visitor<'de> for V<R> {
            type Value = Option<R::Out>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("option")
            }
            fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                R::read(d).map(Some)
            }
        }
        deserializer.deserialize_option(V::<R>(PhantomData))
    }
}

impl<'de, R: Read<'de>> Read<'de> for VecOf<R> {
    type Out = Vec<R::Out>;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Out, D::Error> {
        struct V<R>(PhantomData<R>);
        impl<'de, R: Read<'de>> Visitor<'de> for V<R> {
            type Value = Vec<R::Out>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // As serde's own `Vec`: a size hint is trusted up to a bound.
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element_seed(Seed::<R>::new())? {
                    out.push(item);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(V::<R>(PhantomData))
    }
}

impl<'de, R: Read<'de>> Read<'de> for EmbeddedOf<R> {
    type Out = crate::Embedded<R::Out>;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Out, D::Error> {
        use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
        struct V<R>(PhantomData<R>);
        impl<'de, R: Read<'de>> Visitor<'de> for V<R> {
            type Value = crate::Embedded<R::Out>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value or a string holding one")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Self::Value, E> {
                // The text is read with every key once, then typed from that value.
                let bad = |e: serde_json::Error| {
                    E::custom(format_args!("bad JSON inside the string: {e}"))
                };
                let mut de = serde_json::Deserializer::from_str(v);
                let value = AnyValue::read(&mut de).map_err(bad)?;
                de.end().map_err(bad)?;
                R::read(value).map(crate::Embedded::new).map_err(bad)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                R::read(SeqAccessDeserializer::new(seq)).map(crate::Embedded::native)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                R::read(MapAccessDeserializer::new(map)).map(crate::Embedded::native)
            }
        }
        deserializer.deserialize_any(V::<R>(PhantomData))
    }
}

/// Reads the entries of a map, refusing a key twice.
fn entries<'de, A, R, M>(
    mut map: A,
    mut out: M,
    contains: impl Fn(&M, &str) -> bool,
    insert: impl Fn(&mut M, String, R::Out),
) -> Result<M, A::Error>
where
    A: MapAccess<'de>,
    R: Read<'de>,
{
    while let Some(key) = map.next_key::<String>()? {
        if contains(&out, &key) {
            return Err(duplicate_key(&key));
        }
        let value = map.next_value_seed(Seed::<R>::new())?;
        insert(&mut out, key, value);
    }
    Ok(out)
}

impl<'de, R: Read<'de>> Read<'de> for MapOf<R> {
    type Out = BTreeMap<String, R::Out>;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Out, D::Error> {
        struct V<R>(PhantomData<R>);
        impl<'de, R: Read<'de>> Visitor<'de> for V<R> {
            type Value = BTreeMap<String, R::Out>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                entries::<A, R, _>(
                    map,
                    BTreeMap::new(),
                    |m, k| m.contains_key(k),
                    |m, k, v| {
                        m.insert(k, v);
                    },
                )
            }
        }
        deserializer.deserialize_map(V::<R>(PhantomData))
    }
}

/// Builds a `serde_json::Value` as serde_json does, refusing a key twice in any object.
/// Where the reader of a `serde_json::Value` is in the document: nothing for the typed
/// decoder (`()`, which costs nothing), the JSON pointer for [`value_from_slice`]'s errors.
trait Trail {
    fn enter(&mut self, segment: Segment<'_>);
    fn leave(&mut self);
    fn duplicate(&mut self, key: &str);
}

/// One step into a value.
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

impl Trail for () {
    #[inline]
    fn enter(&mut self, _: Segment<'_>) {}
    #[inline]
    fn leave(&mut self) {}
    #[inline]
    fn duplicate(&mut self, _: &str) {}
}

/// Only whether a key was found twice: what the first reading of a document keeps (a
/// pointer costs a string per key; it is built by a second reading, when one is needed).
#[derive(Default)]
struct Seen(bool);

impl Trail for Seen {
    #[inline]
    fn enter(&mut self, _: Segment<'_>) {}
    #[inline]
    fn leave(&mut self) {}
    #[inline]
    fn duplicate(&mut self, _: &str) {
        self.0 = true;
    }
}

/// The JSON pointer of the place being read (RFC 6901 segments), and where a key was
/// found twice.
#[derive(Default)]
struct Pointer {
    segments: Vec<String>,
    duplicate: Option<DuplicateKey>,
}

impl Trail for Pointer {
    fn enter(&mut self, segment: Segment<'_>) {
        self.segments.push(match segment {
            Segment::Key(k) => k.replace('~', "~0").replace('/', "~1"),
            Segment::Index(i) => i.to_string(),
        });
    }
    fn leave(&mut self) {
        self.segments.pop();
    }
    fn duplicate(&mut self, key: &str) {
        let mut object = String::new();
        for s in &self.segments {
            object.push('/');
            object.push_str(s);
        }
        self.duplicate = Some(DuplicateKey {
            object,
            key: key.to_owned(),
        });
    }
}

/// A key found twice in one object by [`value_from_slice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// JSON pointer of the object (empty for the top).
    pub object: String,
    /// The key.
    pub key: String,
}

/// Parses one JSON document into a `serde_json::Value` as the typed decoder reads it: a
/// key twice in any object is an error, never "the last one wins". The error comes with
/// the duplicate key and the JSON pointer of its object when that is what is wrong (the
/// `serde_json::Error` gives the line and column). The one reader of this crate: the typed
/// decoder's [`AnyValue`] and [`AnyObject`] use it too.
pub fn value_from_slice(bytes: &[u8]) -> Result<Value, (serde_json::Error, Option<DuplicateKey>)> {
    let mut seen = Seen::default();
    match read_with(bytes, &mut seen) {
        Ok(v) => Ok(v),
        Err(e) if !seen.0 => Err((e, None)),
        // A key twice: read again, this time keeping the pointer to the object (the same
        // text fails at the same place, so the error is the same).
        Err(e) => {
            let mut trail = Pointer::default();
            let again = read_with(bytes, &mut trail).err().unwrap_or(e);
            Err((again, trail.duplicate.take()))
        }
    }
}

/// One document read with `trail` told where the reader is. Text that is UTF-8 as a whole
/// (checked in one pass) is read as a `str`, which spares the reader a check of every
/// string; other bytes are read as bytes, for the reader's error at the bad one.
fn read_with<T: Trail>(bytes: &[u8], trail: &mut T) -> Result<Value, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => read_from(serde_json::Deserializer::from_str(text), trail),
        Err(_) => read_from(serde_json::Deserializer::from_slice(bytes), trail),
    }
}

fn read_from<'de, R: serde_json::de::Read<'de>, T: Trail>(
    mut de: serde_json::Deserializer<R>,
    trail: &mut T,
) -> Result<Value, serde_json::Error> {
    ValueVisitor(trail)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
}

/// Reads any value, every key of every object once, telling `T` where it is.
struct ValueVisitor<'t, T>(&'t mut T);

impl<'de, T: Trail> DeserializeSeed<'de> for ValueVisitor<'_, T> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Trail> Visitor<'de> for ValueVisitor<'_, T> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            self.0.enter(Segment::Index(out.len()));
            let item = seq.next_element_seed(ValueVisitor(&mut *self.0));
            self.0.leave();
            match item? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        object(map, self.0).map(Value::Object)
    }
}

/// The entries of an object, every key once.
fn object<'de, A: MapAccess<'de>, T: Trail>(
    mut map: A,
    trail: &mut T,
) -> Result<Map<String, Value>, A::Error> {
    use serde_json::map::Entry;
    let mut out = Map::new();
    while let Some(key) = map.next_key::<String>()? {
        // One search of the map per key: the slot found empty is filled after its value.
        let slot = match out.entry(key) {
            Entry::Occupied(e) => {
                trail.duplicate(e.key());
                return Err(duplicate_key(e.key()));
            }
            Entry::Vacant(slot) => slot,
        };
        trail.enter(Segment::Key(slot.key()));
        let value = map.next_value_seed(ValueVisitor(&mut *trail));
        trail.leave();
        slot.insert(value?);
    }
    Ok(out)
}

impl<'de> Read<'de> for AnyValue {
    type Out = Value;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor(&mut ()))
    }
}

impl<'de> Read<'de> for AnyObject {
    type Out = Map<String, Value>;
    fn read<D: Deserializer<'de>>(deserializer: D) -> Result<Self::Out, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Map<String, Value>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                object(map, &mut ())
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// `deserialize_with` of a required field read through `R`.
pub fn required<'de, R: Read<'de>, D: Deserializer<'de>>(d: D) -> Result<R::Out, D::Error> {
    R::read(d)
}

/// `deserialize_with` of an optional field that may not be `null` (as
/// [`present`](crate::serde_helpers::present)), read through `R`.
pub fn present<'de, R: Read<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<R::Out>, D::Error> {
    R::read(d).map(Some)
}

/// `deserialize_with` of a required field that may be `null` (as
/// [`nullable`](crate::serde_helpers::nullable)), read through `R`.
pub fn nullable<'de, R: Read<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<R::Out>, D::Error> {
    OptionOf::<R>::read(d)
}

/// `deserialize_with` of an optional field that may be `null` (as
/// [`double_option`](crate::serde_helpers::double_option)), read through `R`.
pub fn double_option<'de, R: Read<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<R::Out>>, D::Error> {
    OptionOf::<R>::read(d).map(Some)
}

/// The error for a key that appears twice in one object: ``duplicate key `k` ``, the key
/// cut to [`MAX_ECHO`](crate::MAX_ECHO) characters.
pub fn duplicate_key<E: serde::de::Error>(key: &str) -> E {
    E::custom(format_args!(
        "duplicate key `{}`",
        crate::cut(key, crate::MAX_ECHO)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<R: Read<'static>>(json: &'static str) -> Result<R::Out, String> {
        let mut de = serde_json::Deserializer::from_str(json);
        R::read(&mut de).map_err(|e| e.to_string())
    }

    #[test]
    fn a_key_twice_is_refused_at_any_depth() {
        for json in [
            r#"{"a":1,"a":2}"#,
            r#"{"x":{"b":1,"b":1}}"#,
            r#"[{"c":[{"d":1,"d":2}]}]"#,
        ] {
            let err = read::<AnyValue>(json).unwrap_err();
            assert!(err.contains("duplicate key"), "{json}: {err}");
        }
        for json in [r#""{\"k\":1,\"k\":2}""#, r#"{"k":1,"k":2}"#] {
            let err = read::<EmbeddedOf<MapOf<Plain<i64>>>>(json).unwrap_err();
            assert!(err.contains("duplicate key"), "{json}: {err}");
        }
        for (json, native) in [(r#""{\"k\":1}""#, false), (r#"{"k":1}"#, true)] {
            let v = read::<EmbeddedOf<MapOf<Plain<i64>>>>(json).unwrap();
            assert_eq!((v["k"], v.is_native()), (1, native));
            assert_eq!(serde_json::to_string(&v).unwrap(), json, "spelling kept");
        }
        let err = read::<EmbeddedOf<AnyValue>>(r#""[1] x""#).unwrap_err();
        assert!(err.contains("bad JSON inside the string"), "{err}");
        let err = read::<MapOf<Plain<i64>>>(r#"{"k":1,"k":2}"#).unwrap_err();
        assert!(err.contains("duplicate key `k`"), "{err}");
        let err = read::<VecOf<MapOf<AnyValue>>>(r#"[{},{"k":{"z":1,"z":2}}]"#).unwrap_err();
        assert!(err.contains("duplicate key `z`"), "{err}");
        let err = read::<AnyObject>(r#"{"k":1,"k":1}"#).unwrap_err();
        assert!(err.contains("duplicate key `k`"), "{err}");
    }

    #[test]
    fn distinct_keys_read_as_serde_json_reads_them() {
        for json in [
            r#"{"a":1,"b":[1,2.5,-3,null,true,"s"],"c":{"d":{}},"e":18446744073709551615}"#,
            r#"[]"#,
            r#"null"#,
            r#""x""#,
        ] {
            let ours = read::<AnyValue>(json).unwrap();
            let theirs: Value = serde_json::from_str(json).unwrap();
            assert_eq!(ours, theirs, "{json}");
        }
        let m = read::<OptionOf<MapOf<Plain<u8>>>>(r#"{"a":1,"b":2}"#)
            .unwrap()
            .unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(read::<OptionOf<MapOf<Plain<u8>>>>("null").unwrap(), None);
    }
}
