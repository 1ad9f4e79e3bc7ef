//! [`Integer`]: a JSON Schema `integer` that keeps the spelling it was read with.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Number;

/// Any number JSON Schema counts as an `integer` (one whose fractional part is zero: `1`,
/// `1.0`, `-0.0`, `1e2`, `12345678901234567890123`), kept as `serde_json` keeps a number:
/// one written without a fraction or exponent re-encodes exactly, one written as a float
/// re-encodes as that float (`1.0` stays `1.0`, `1e2` becomes `100.0`).
///
/// Catalogs taken as they are (`generate_types`) get this type for `"type": "integer"`,
/// since an `i64` would refuse `1.0`, which a validator accepts, and write `1.0` back as
/// `1`. A number with a fractional part is a decoding error. Contract sets of ours keep
/// plain integer primitives: their producers write integers without a fraction.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Integer(Number);

/// Why a number is not an [`Integer`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not an integer (its fractional part is not zero)")]
pub struct NotAnInteger(pub Number);

impl Integer {
    /// The number as an `i64`, if it is one in range (`1.0` gives `Some(1)`).
    pub fn as_i64(&self) -> Option<i64> {
        self.0.as_i64().or_else(|| {
            let f = self.0.as_f64()?;
            // Casting checks: `i64::MIN` is exact as a float, `i64::MAX + 1` is too.
            (f >= i64::MIN as f64 && f < i64::MAX as f64).then_some(f as i64)
        })
    }

    /// The number as a `u64`, if it is one in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.as_u64().or_else(|| {
            let f = self.0.as_f64()?;
            (f >= 0.0 && f < u64::MAX as f64).then_some(f as u64)
        })
    }

    /// The number as an `f64` (large integers lose precision).
    pub fn as_f64(&self) -> f64 {
        self.0.as_f64().unwrap_or(f64::NAN)
    }

    /// The number with its spelling.
    pub fn as_number(&self) -> &Number {
        &self.0
    }
}

/// Zero.
impl Default for Integer {
    fn default() -> Self {
        Self(Number::from(0))
    }
}

impl TryFrom<Number> for Integer {
    type Error = NotAnInteger;

    fn try_from(n: Number) -> Result<Self, NotAnInteger> {
        let whole = n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0);
        if whole {
            Ok(Self(n))
        } else {
            Err(NotAnInteger(n))
        }
    }
}

impl From<Integer> for Number {
    fn from(i: Integer) -> Number {
        i.0
    }
}

macro_rules! from_primitive {
    ($($t:ty),*) => {$(
        impl From<$t> for Integer {
            fn from(v: $t) -> Self {
                Self(Number::from(v))
            }
        }

        impl PartialEq<$t> for Integer {
            fn eq(&self, other: &$t) -> bool {
                i128::try_from(*other).ok() == self.as_i128()
            }
        }
    )*};
}
from_primitive!(i8, i16, i32, i64, u8, u16, u32, u64);

impl Integer {
    fn as_i128(&self) -> Option<i128> {
        self.as_i64()
            .map(i128::from)
            .or_else(|| self.as_u64().map(i128::from))
    }
}

impl fmt::Debug for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Integer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = Number::deserialize(deserializer)?;
        Integer::try_from(n).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str) -> Result<String, String> {
        let i: Integer = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(serde_json::to_string(&i).unwrap())
    }

    #[test]
    fn integers_and_whole_floats_come_back_as_written() {
        for text in ["1", "-1", "0", "1.0", "-2.0", "18446744073709551615"] {
            assert_eq!(round(text).as_deref(), Ok(text), "{text}");
        }
        assert_eq!(round("1e2").as_deref(), Ok("100.0"));
        assert!(round("1e300").is_ok());
    }

    #[test]
    fn a_fraction_is_refused_with_the_reason() {
        let e = round("1.5").unwrap_err();
        assert!(e.contains("1.5 is not an integer"), "{e}");
        assert!(round("\"1\"").is_err());
    }

    #[test]
    fn values_compare_by_value() {
        let i: Integer = serde_json::from_str("2.0").unwrap();
        assert_eq!(i, 2i64);
        assert_eq!(i.as_i64(), Some(2));
        assert_eq!(i.as_u64(), Some(2));
        assert_eq!(Integer::from(7u8).to_string(), "7");
        let big: Integer = serde_json::from_str("1e300").unwrap();
        assert_eq!(big.as_i64(), None);
    }
}
