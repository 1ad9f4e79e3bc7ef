//! The envelope's version field inside an event struct: stamped from the contract, kept as read.

use std::fmt;
use std::marker::PhantomData;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::{parse_version, Contract};

/// What a [`Version`] field knows about the contract it belongs to.
///
/// Every [`Contract`] is `Versioned` (one major, a `major.minor` to stamp); [`AnyVersion`]
/// stands for "any contract" in types that read headers without knowing the event.
pub trait Versioned {
    /// The major version a payload must have, if any.
    const MAJOR: Option<u32>;
    /// The `major.minor` written when the field was never set.
    const VERSION: Option<&'static str>;
}

impl<T: Contract> Versioned for T {
    const MAJOR: Option<u32> = Some(T::MAJOR);
    const VERSION: Option<&'static str> = Some(T::VERSION);
}

/// The contract parameter of header-only types (`Envelope`): any version is accepted, and
/// nothing is stamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AnyVersion;

impl Versioned for AnyVersion {
    const MAJOR: Option<u32> = None;
    const VERSION: Option<&'static str> = None;
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// Never set: written as the contract's version.
    Contract,
    /// Read from a payload that had no version field: written as absent again.
    Absent,
    /// Read from a payload (or set by hand): written as it is.
    Read(Box<str>),
}

/// The envelope's `major.minor` version field of an event struct.
///
/// A new event needs nothing here: `Version::default()` (what constructors and `Default`
/// give) is written as the contract's own version, so a `…V2` struct always goes out as
/// `"2.x"` and is read back as v2. A decoded event keeps what it was read with: another
/// minor of the same major (`"2.3"` for a `2.0` contract) is kept and written back as is,
/// and a payload without a version field (the seed 000 publisher sends none) is written
/// without one again, so decode → encode is lossless.
///
/// Decoding refuses a version of another major, or one that is not `major.minor`.
pub struct Version<C> {
    repr: Repr,
    contract: PhantomData<fn() -> C>,
}

impl<C> Version<C> {
    const fn new(repr: Repr) -> Self {
        Self {
            repr,
            contract: PhantomData,
        }
    }

    /// The version of the contract, stamped when written (the default).
    pub const fn stamped() -> Self {
        Self::new(Repr::Contract)
    }
}

impl<C: Versioned> Version<C> {
    /// A given `major.minor`, checked against the contract's major.
    pub fn parse(version: &str) -> Result<Self, VersionError> {
        check::<C>(version)?;
        Ok(Self::new(Repr::Read(version.into())))
    }

    /// What decoding gives when the payload has no version field. A missing version means
    /// major version 1, so a v1 contract keeps it absent; a later major stamps its own
    /// version when written again, so the event is never re-published as v1.
    #[doc(hidden)]
    pub fn absent() -> Self {
        match C::MAJOR {
            Some(major) if major != 1 => Self::stamped(),
            _ => Self::new(Repr::Absent),
        }
    }

    /// Whether the field is absent on the wire (it was absent in the payload it was
    /// decoded from, or the contract has no version to stamp).
    pub fn is_absent(&self) -> bool {
        self.as_str().is_none()
    }

    /// The version as it is written: the one read, else the contract's.
    pub fn as_str(&self) -> Option<&str> {
        match &self.repr {
            Repr::Contract => C::VERSION,
            Repr::Absent => None,
            Repr::Read(v) => Some(v),
        }
    }

    /// `(major, minor)` as written (a missing version is `(1, 0)`).
    pub fn get(&self) -> (u32, u32) {
        self.as_str().and_then(parse_version).unwrap_or((1, 0))
    }

    /// Whether the value comes from the contract rather than from a payload.
    pub fn is_stamped(&self) -> bool {
        matches!(self.repr, Repr::Contract)
    }
}

/// A version string that a [`Version`] field cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Not `major.minor`.
    #[error("version {0:?} is not `major.minor`")]
    Malformed(String),
    /// Another major than the contract's.
    #[error("version {found:?} is not a version of this contract (major {expected})")]
    OtherMajor {
        /// The version found.
        found: String,
        /// The contract's major.
        expected: u32,
    },
}

fn check<C: Versioned>(version: &str) -> Result<(), VersionError> {
    let (major, _) =
        parse_version(version).ok_or_else(|| VersionError::Malformed(crate::echo(version)))?;
    match C::MAJOR {
        Some(expected) if expected != major => Err(VersionError::OtherMajor {
            found: crate::echo(version),
            expected,
        }),
        _ => Ok(()),
    }
}

impl<C> Default for Version<C> {
    fn default() -> Self {
        Self::stamped()
    }
}

impl<C> Clone for Version<C> {
    fn clone(&self) -> Self {
        Self::new(self.repr.clone())
    }
}

/// Equal when written the same way.
impl<C: Versioned> PartialEq for Version<C> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<C: Versioned> Eq for Version<C> {}

impl<C: Versioned> std::hash::Hash for Version<C> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl<C: Versioned> fmt::Debug for Version<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(v) => fmt::Debug::fmt(v, f),
            None => f.write_str("absent"),
        }
    }
}

impl<C: Versioned> Serialize for Version<C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_str() {
            Some(v) => serializer.serialize_str(v),
            None => serializer.serialize_none(),
        }
    }
}

impl<'de, C: Versioned> Deserialize<'de> for Version<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<C>(PhantomData<fn() -> C>);
        impl<C: Versioned> de::Visitor<'_> for Visitor<C> {
            type Value = Version<C>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match C::MAJOR {
                    Some(m) => write!(f, "a `{m}.minor` version"),
                    None => f.write_str("a `major.minor` version"),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Version<C>, E> {
                Version::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct V2;
    impl Contract for V2 {
        const EVENT_TYPE: &'static str = "order.confirmed";
        const MAJOR: u32 = 2;
        const VERSION: &'static str = "2.1";
        const CHANNEL: &'static str = "listings:events:orders";
    }

    #[test]
    fn unset_is_stamped_with_the_contract_version() {
        let v = Version::<V2>::default();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"2.1\"");
        assert_eq!(v.get(), (2, 1));
    }

    #[test]
    fn a_read_minor_is_kept() {
        let v: Version<V2> = serde_json::from_str("\"2.7\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"2.7\"");
        assert!(!v.is_stamped());
    }

    #[test]
    fn another_major_or_garbage_is_refused() {
        let e = serde_json::from_str::<Version<V2>>("\"1.0\"").unwrap_err();
        assert!(e.to_string().contains("major 2"), "{e}");
        assert!(serde_json::from_str::<Version<V2>>("\"2\"").is_err());
        assert!(serde_json::from_str::<Version<V2>>("2").is_err());
    }

    #[test]
    fn absent_is_kept_for_major_one_and_stamped_after() {
        struct V1;
        impl Contract for V1 {
            const EVENT_TYPE: &'static str = "a.b";
            const MAJOR: u32 = 1;
            const VERSION: &'static str = "1.0";
            const CHANNEL: &'static str = "s";
        }
        assert!(Version::<V1>::absent().is_absent());
        assert_eq!(Version::<V2>::absent().as_str(), Some("2.1"));
        assert!(Version::<AnyVersion>::default().is_absent());
        assert!(Version::<AnyVersion>::parse("7.3").is_ok());
    }
}
