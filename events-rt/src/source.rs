//! Where an `Event` is decoded from: a JSON document or a flat field map.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::contract::{decode, peek_head, Head};
use crate::fields::{field, from_fields, to_fields, FieldError, Fields};
use crate::{Contract, DecodeError};

/// A payload the generated `Event::decode_from` can dispatch on and decode.
pub trait Source {
    /// Reads the event type and version fields.
    fn head(&self, type_field: &str, version_field: Option<&str>) -> Result<Head, DecodeError>;
    /// Decodes the whole payload as `T`.
    fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError>;
}

/// A JSON document.
#[derive(Debug, Clone, Copy)]
pub struct Json<'a>(pub &'a [u8]);

impl Source for Json<'_> {
    fn head(&self, type_field: &str, version_field: Option<&str>) -> Result<Head, DecodeError> {
        peek_head(self.0, type_field, version_field)
    }
    fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        decode(self.0)
    }
}

/// The field/value pairs of a stream entry.
#[derive(Debug, Clone, Copy)]
pub struct FieldMap<'a, K, V>(pub &'a [(K, V)]);

impl<K: AsRef<str>, V: AsRef<str>> Source for FieldMap<'_, K, V> {
    fn head(&self, type_field: &str, version_field: Option<&str>) -> Result<Head, DecodeError> {
        Ok(Head {
            event_type: field(self.0, type_field).map(str::to_owned),
            version: version_field
                .and_then(|f| field(self.0, f))
                .map(str::to_owned),
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
