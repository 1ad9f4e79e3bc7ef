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
