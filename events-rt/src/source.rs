//! Where an `Event` is decoded from: a JSON document or a flat field map.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::contract::{decode, peek_head, Head};
use crate::fields::{field, from_fields, to_fields, FieldError, Fields};
use crate::{Contract, DecodeError};

/// A payload the generated `Event::decode_from` can dispatch on and decode.
pub trait Source {
    /// Reads the event type and version fields; `version_path` is the path of the version
    /// field (empty when the envelope has none, several names when it sits in a header
    /// object such as `metadata.version`).
    fn head(&self, type_field: &str, version_path: &[&str]) -> Result<Head, DecodeError>;
    /// Decodes the whole payload as `T`.
    fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError>;
}

/// A JSON document.
#[derive(Debug, Clone, Copy)]
pub struct Json<'a>(pub &'a [u8]);

impl Source for Json<'_> {
    fn head(&self, type_field: &str, version_path: &[&str]) -> Result<Head, DecodeError> {
        peek_head(self.0, type_field, version_path)
    }
    fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        decode(self.0)
    }
}

/// The field/value pairs of a stream entry.
#[derive(Debug, Clone, Copy)]
pub struct FieldMap<'a, K, V>(pub &'a [(K, V)]);

impl<K: AsRef<str>, V: AsRef<str>> Source for FieldMap<'_, K, V> {
    fn head(&self, type_field: &str, version_path: &[&str]) -> Result<Head, DecodeError> {
        let version = match version_path {
            [] => None,
            [name] => field(self.0, name).map(str::to_owned),
            // A header object travels as JSON text in its field.
            [name, rest @ ..] => match field(self.0, name) {
                Some(text) => {
                    static NULL: serde_json::Value = serde_json::Value::Null;
                    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                        DecodeError::Field(FieldError {
                            entry_id: None,
                            field: Some((*name).to_owned()),
                            value: Some(crate::echo(text)),
                            reason: crate::echo_owned(format!("not a JSON object: {e}")),
                        })
                    })?;
                    let mut at = &value;
                    for key in rest {
                        at = at.get(key).unwrap_or(&NULL);
                    }
                    at.as_str().map(str::to_owned)
                }
                None => None,
            },
        };
        Ok(Head {
            event_type: field(self.0, type_field).map(str::to_owned),
            version,
        })
    }
    fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        from_fields(self.0).map_err(DecodeError::Field)
    }
}

/// Field-map encoding and decoding for every generated event struct.
pub trait FieldCodec: Contract + Serialize + DeserializeOwned {
    /// The ordered field/value pairs of this event, as the Go publishers write them.
    fn to_redis_fields(&self) -> Result<Fields, FieldError> {
        to_fields(self)
    }

    /// Reads the pairs of a stream entry.
    fn from_redis_fields<K: AsRef<str>, V: AsRef<str>>(
        fields: &[(K, V)],
    ) -> Result<Self, FieldError> {
        from_fields(fields)
    }
}

impl<T: Contract + Serialize + DeserializeOwned> FieldCodec for T {}
