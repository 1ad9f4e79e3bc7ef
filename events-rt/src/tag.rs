//! The event type field of a typed event: checked on decode, written from the contract.

use std::fmt;
use std::marker::PhantomData;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::Contract;

/// The envelope's event type field inside an event struct.
///
/// It holds no data: it is written as `T::EVENT_TYPE` and decoding fails unless the
/// payload carries exactly that type, so a `order.cancelled` payload can never be read as
/// an `OrderConfirmedV1`. Build one with `Tag::default()`.
pub struct Tag<T>(PhantomData<fn() -> T>);

impl<T: Contract> Tag<T> {
    /// The event type string this tag stands for.
    pub const fn as_str(&self) -> &'static str {
        T::EVENT_TYPE
    }
}

impl<T> Default for Tag<T> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T> Clone for Tag<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Tag<T> {}

impl<T> PartialEq for Tag<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Tag<T> {}

impl<T> std::hash::Hash for Tag<T> {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl<T: Contract> fmt::Debug for Tag<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(T::EVENT_TYPE, f)
    }
}

impl<T: Contract> Serialize for Tag<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(T::EVENT_TYPE)
    }
}

impl<'de, T: Contract> Deserialize<'de> for Tag<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(PhantomData<fn() -> T>);
        impl<T: Contract> de::Visitor<'_> for Visitor<T> {
            type Value = Tag<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the event type {:?}", T::EVENT_TYPE)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tag<T>, E> {
                if v == T::EVENT_TYPE {
                    Ok(Tag::default())
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_str(Visitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Confirmed;
    impl Contract for Confirmed {
        const EVENT_TYPE: &'static str = "order.confirmed";
        const MAJOR: u32 = 1;
        const VERSION: &'static str = "1.0";
        const CHANNEL: &'static str = "listings:events:orders";
    }

    #[test]
    fn tag_checks_the_type() {
        let tag: Tag<Confirmed> = serde_json::from_str("\"order.confirmed\"").unwrap();
        assert_eq!(serde_json::to_string(&tag).unwrap(), "\"order.confirmed\"");
        let err = serde_json::from_str::<Tag<Confirmed>>("\"order.cancelled\"").unwrap_err();
        assert!(err.to_string().contains("order.cancelled"), "{err}");
    }
}
