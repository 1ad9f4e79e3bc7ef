//! Fields whose value travels as JSON text inside a string (`"x-encoding": "json-string"`).

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value the Go fleet writes as a JSON text inside a string (seed 001 writes `items` as
/// `"[{\"listing_id\":100,...}]"` even in JSON documents).
///
/// Decoding accepts both spellings: the string and the plain JSON value. The value
/// remembers which one it was read from and is written back the same way, so a consumer
/// that re-publishes an event does not change it. New values ([`Embedded::new`]) use the
/// string form, as the fleet does.
#[derive(Clone, Default)]
pub struct Embedded<T> {
    value: T,
    native: bool,
}

impl<T> Embedded<T> {
    /// Wraps a value that will be written as a JSON text inside a string.
    pub const fn new(value: T) -> Self {
        Self {
            value,
            native: false,
        }
    }

    /// Wraps a value that will be written as a plain JSON value.
    pub const fn native(value: T) -> Self {
        Self {
            value,
            native: true,
        }
    }

    /// Whether the value is written as a plain JSON value rather than inside a string.
    pub const fn is_native(&self) -> bool {
        self.native
    }

    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

/// Equality is of the values: the spelling is a wire detail.
impl<T: PartialEq> PartialEq for Embedded<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Embedded<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Embedded<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<T> From<T> for Embedded<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T> Deref for Embedded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Embedded<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Embedded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value, f)
    }
}

impl<T: Serialize> Serialize for Embedded<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.native {
            self.value.serialize(serializer)
        } else {
            let text = serde_json::to_string(&self.value).map_err(serde::ser::Error::custom)?;
            serializer.serialize_str(&text)
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Embedded<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: DeserializeOwned> de::Visitor<'de> for Visitor<T> {
            type Value = Embedded<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value or a string holding one")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                serde_json::from_str(v)
                    .map(Embedded::new)
                    .map_err(|e| E::custom(format_args!("bad JSON inside the string: {e}")))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::deserialize(SeqAccessDeserializer::new(seq)).map(Embedded::native)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Embedded::native)
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_round_trip_as_read() {
        for json in [r#""[1,2,3]""#, "[1,2,3]"] {
            let v: Embedded<Vec<u8>> = serde_json::from_str(json).unwrap();
            assert_eq!(*v, vec![1, 2, 3]);
            assert_eq!(serde_json::to_string(&v).unwrap(), json);
        }
    }

    #[test]
    fn new_values_use_the_string_form() {
        let v = Embedded::new(vec![1u8]);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#""[1]""#);
    }

    #[test]
    fn bad_json_inside_the_string_is_reported() {
        let err = serde_json::from_str::<Embedded<Vec<u8>>>(r#""[1,""#).unwrap_err();
        assert!(
            err.to_string().contains("bad JSON inside the string"),
            "{err}"
        );
    }
}
