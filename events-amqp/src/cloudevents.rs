//! CloudEvents' AMQP protocol binding: binary mode (`cloudEvents_*` message headers,
//! `content_type`, the body = the data) and structured mode
//! (`application/cloudevents+json`).

use std::borrow::Cow;

pub use events_rt::cloudevents::*;
use events_rt::EventSet;
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::BasicProperties;

/// `properties` and `body` (an envelope, as [`crate::properties`] made them) turned into
/// `mode`'s form of the event `event`.
pub fn apply<E: EventSet>(
    event: &E,
    mode: Mode,
    properties: BasicProperties,
    body: Vec<u8>,
) -> Result<(BasicProperties, Vec<u8>), CloudEventError> {
    apply_with(mode, properties, body, |json| event.cloudevent_of(json))
}

/// [`apply`] for a document rather than a typed event: `cloudevent` makes the structured
/// CloudEvent of the envelope `body` (called for the CloudEvent modes only). Pure: the
/// catalog site shows with it the messages the publisher sends.
pub fn apply_with(
    mode: Mode,
    properties: BasicProperties,
    body: Vec<u8>,
    cloudevent: impl FnOnce(&[u8]) -> Result<serde_json::Value, CloudEventError>,
) -> Result<(BasicProperties, Vec<u8>), CloudEventError> {
    match mode {
        Mode::Envelope => Ok((properties, body)),
        Mode::Structured => {
            let ce = cloudevent(&body)?;
            let body =
                serde_json::to_vec(&ce).map_err(|e| CloudEventError::Invalid(e.to_string()))?;
            Ok((
                properties.with_content_type(STRUCTURED_CONTENT_TYPE.into()),
                body,
            ))
        }
        Mode::Binary => {
            let ce = cloudevent(&body)?;
            let (headers, data) = to_binary(&ce, AMQP_PREFIX)?;
            let mut table: FieldTable = properties.headers().clone().unwrap_or_default();
            let mut content_type = DATA_CONTENT_TYPE.to_owned();
            for (k, v) in headers {
                if k == CONTENT_TYPE_HEADER {
                    content_type = v;
                } else {
                    table.insert(
                        k.into(),
                        AMQPValue::LongString(LongString::from(v.into_bytes())),
                    );
                }
            }
            Ok((
                properties
                    .with_headers(table)
                    .with_content_type(content_type.as_str().into()),
                data,
            ))
        }
    }
}

/// A header value as text: strings as they are, numbers and booleans spelt, an AMQP
/// timestamp (seconds) as RFC 3339.
pub fn header_text(v: &AMQPValue) -> Option<String> {
    Some(match v {
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        AMQPValue::ShortString(s) => s.as_str().to_owned(),
        AMQPValue::Boolean(b) => b.to_string(),
        AMQPValue::LongLongInt(n) => n.to_string(),
        AMQPValue::LongInt(n) => n.to_string(),
        AMQPValue::LongUInt(n) => n.to_string(),
        AMQPValue::ShortInt(n) => n.to_string(),
        AMQPValue::ShortUInt(n) => n.to_string(),
        AMQPValue::Timestamp(secs) => {
            chrono::DateTime::from_timestamp(i64::try_from(*secs).ok()?, 0)?
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        }
        _ => return None,
    })
}

/// The envelope document of a received message, whatever its form: a CloudEvent in
/// binary mode (a `cloudEvents_specversion` header), in structured mode (content type
/// `application/cloudevents+json`), or the plain envelope (returned as it is).
pub fn envelope_of<'a, E: EventSet>(
    properties: &BasicProperties,
    body: &'a [u8],
) -> Result<Cow<'a, [u8]>, CloudEventError> {
    let content_type = properties
        .content_type()
        .as_ref()
        .map(|c| c.as_str().to_owned());
    let ce = match properties.headers() {
        Some(t)
            if t.inner().keys().any(|k| {
                let k = k.as_str();
                k.eq_ignore_ascii_case("cloudEvents_specversion")
                    || k.eq_ignore_ascii_case("cloudEvents:specversion")
            }) =>
        {
            let mut headers: Vec<(String, Vec<u8>)> = t
                .inner()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), header_text(v)?.into_bytes())))
                .collect();
            if let Some(c) = &content_type {
                headers.push((CONTENT_TYPE_HEADER.to_owned(), c.clone().into_bytes()));
            }
            from_binary(&headers, body, AMQP_PREFIX)?
        }
        _ if content_type
            .as_deref()
            .is_some_and(|c| c.starts_with(STRUCTURED_CONTENT_TYPE)) =>
        {
            Some(serde_json::from_slice(body).map_err(|e| {
                CloudEventError::Invalid(format!("a structured CloudEvent that is not JSON: {e}"))
            })?)
        }
        _ => None,
    };
    let Some(ce) = ce else {
        return Ok(Cow::Borrowed(body));
    };
    E::cloudevent_envelope(&ce).map(Cow::Owned)
}
