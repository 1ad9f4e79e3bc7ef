//! CloudEvents' Kafka protocol binding: binary mode (`ce_*` headers, `content-type`,
//! value = the data) and structured mode (`application/cloudevents+json`).

use std::borrow::Cow;

pub use events_rt::cloudevents::*;
use events_rt::EventSet;

/// The envelope document of a received record, whatever its form: a CloudEvent in binary
/// mode (a `ce_specversion` header), in structured mode (`content-type:
/// application/cloudevents+json`, or a value with `specversion`), or the plain envelope
/// (returned as it is, without a copy).
pub fn envelope_of<'a, E: EventSet>(
    headers: &[(String, Vec<u8>)],
    value: &'a [u8],
) -> Result<Cow<'a, [u8]>, CloudEventError> {
    let header = |name: &str| {
        headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    };
    let binary = header("ce_specversion").is_some();
    let structured = !binary
        && header(CONTENT_TYPE_HEADER)
            .is_some_and(|v| v.starts_with(STRUCTURED_CONTENT_TYPE.as_bytes()));
    let ce = if binary {
        from_binary(headers, value, KAFKA_PREFIX)?
    } else if structured {
        Some(serde_json::from_slice(value).map_err(|e| {
            CloudEventError::Invalid(format!("a structured CloudEvent that is not JSON: {e}"))
        })?)
    } else {
        None
    };
    let Some(ce) = ce else {
        return Ok(Cow::Borrowed(value));
    };
    E::cloudevent_envelope(&ce).map(Cow::Owned)
}
