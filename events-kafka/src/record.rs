//! One Kafka record as this crate writes it: topic, key, value and headers.

use events_rt::EventSet;
use rdkafka::message::{Header, Headers, OwnedHeaders};

use crate::cloudevents::{self, Mode};

/// Header with the event type, written on every record (seed 003's consumers route on it
/// without parsing the value).
pub const EVENT_TYPE_HEADER: &str = "event_type";
/// Header with the contract's `major.minor` version.
pub const VERSION_HEADER: &str = "version";
/// Dead letters: why (`permanent`, `max_deliveries`, `undecodable`, `unknown_type`).
pub const REASON_HEADER: &str = "x-events-reason";
/// Dead letters: the handler's or decoder's message (at most [`MAX_ERROR_HEADER`] bytes).
pub const ERROR_HEADER: &str = "x-events-error";
/// Dead letters: the topic the record was read from.
pub const TOPIC_HEADER: &str = "x-events-topic";
/// Dead letters: its partition there.
pub const PARTITION_HEADER: &str = "x-events-partition";
/// Dead letters: its offset there.
pub const OFFSET_HEADER: &str = "x-events-offset";
/// Dead letters: deliveries made before it was dead-lettered.
pub const ATTEMPTS_HEADER: &str = "x-events-attempts";
/// Dead letters: when (RFC 3339, UTC).
pub const DEAD_LETTERED_AT_HEADER: &str = "x-events-dead-lettered-at";
/// Longest error message kept in [`ERROR_HEADER`].
pub const MAX_ERROR_HEADER: usize = 1000;

/// What [`Record::from_json`] needs to know of an event's contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordFacts<'a> {
    /// Topic.
    pub topic: &'a str,
    /// Event type.
    pub event_type: &'a str,
    /// `major.minor`.
    pub version: &'a str,
    /// The message key's JSON pointer in the document (`x-event.key`), if any.
    pub key_pointer: Option<&'a str>,
}

/// A record ready to send, or read back from a dead-letter topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Topic.
    pub topic: String,
    /// Message key (`x-event.key`), if the contract has one.
    pub key: Option<Vec<u8>>,
    /// Value: the envelope as the JSON codec writes it, or a CloudEvent.
    pub value: Vec<u8>,
    /// Headers, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The event type, for errors and metrics.
    pub event_type: String,
}

impl Record {
    /// The record of `event` in its plain form: to its topic, keyed by `x-event.key`,
    /// value = the envelope JSON, headers `event_type` and `version`.
    pub fn of<E: EventSet>(event: &E) -> Result<Self, RecordError> {
        Self::with_mode(event, Mode::Envelope)
    }

    /// The record of `event` in wire form `mode` (the plain envelope, or a CloudEvent in
    /// binary or structured mode).
    pub fn with_mode<E: EventSet>(event: &E, mode: Mode) -> Result<Self, RecordError> {
        let json = event.encode_json().map_err(RecordError::Encode)?;
        let info = event.info();
        Self::from_json(
            RecordFacts {
                topic: event.channel(),
                event_type: event.type_name(),
                version: info.version,
                key_pointer: event.key_pointer(),
            },
            json,
            mode,
            |json| event.cloudevent_of(json),
        )
    }

    /// The record of an encoded event document `json` of contract `contract` in wire form
    /// `mode`; `cloudevent` makes its structured CloudEvent (called for the CloudEvent
    /// modes only). Pure: what [`with_mode`](Self::with_mode) sends, for tools that hold
    /// the document rather than a typed event (the catalog site shows it).
    pub fn from_json(
        contract: RecordFacts<'_>,
        json: Vec<u8>,
        mode: Mode,
        cloudevent: impl FnOnce(&[u8]) -> Result<serde_json::Value, cloudevents::CloudEventError>,
    ) -> Result<Self, RecordError> {
        let key = contract
            .key_pointer
            .map(|p| events_rt::message_key(&json, p))
            .transpose()
            .map_err(RecordError::Key)?
            .map(|k| k.as_bytes().to_vec());
        let mut headers = vec![
            (
                EVENT_TYPE_HEADER.to_owned(),
                contract.event_type.as_bytes().to_vec(),
            ),
            (
                VERSION_HEADER.to_owned(),
                contract.version.as_bytes().to_vec(),
            ),
        ];
        let value = match mode {
            Mode::Envelope => json,
            Mode::Binary | Mode::Structured => {
                let ce = cloudevent(&json).map_err(RecordError::CloudEvent)?;
                match mode {
                    Mode::Binary => {
                        let (h, body) = cloudevents::to_binary(&ce, cloudevents::KAFKA_PREFIX)
                            .map_err(RecordError::CloudEvent)?;
                        headers.extend(h.into_iter().map(|(k, v)| (k, v.into_bytes())));
                        body
                    }
                    _ => {
                        headers.push((
                            cloudevents::CONTENT_TYPE_HEADER.to_owned(),
                            cloudevents::STRUCTURED_CONTENT_TYPE.as_bytes().to_vec(),
                        ));
                        serde_json::to_vec(&ce).map_err(RecordError::Encode)?
                    }
                }
            }
        };
        Ok(Self {
            topic: contract.topic.to_owned(),
            key,
            value,
            headers,
            event_type: contract.event_type.to_owned(),
        })
    }

    /// The value of header `name` (the last one of that name), if any.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The value of header `name` as text, if it is UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    pub(crate) fn owned_headers(&self) -> OwnedHeaders {
        let mut h = OwnedHeaders::new_with_capacity(self.headers.len());
        for (k, v) in &self.headers {
            h = h.insert(Header {
                key: k,
                value: Some(v.as_slice()),
            });
        }
        h
    }
}

/// The headers of a received message, in order (a header without a value has an empty one).
pub fn headers_of<H: Headers>(h: Option<&H>) -> Vec<(String, Vec<u8>)> {
    let Some(h) = h else {
        return Vec::new();
    };
    h.iter()
        .map(|x| {
            (
                x.key.to_owned(),
                x.value.map(<[u8]>::to_vec).unwrap_or_default(),
            )
        })
        .collect()
}

/// Why an event could not be made into a record.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The event could not be serialised.
    #[error("cannot encode the event: {0}")]
    Encode(#[source] serde_json::Error),
    /// The contract names a key that the encoded event does not have.
    #[error("{0}")]
    Key(#[source] events_rt::KeyError),
    /// The event does not map to a CloudEvent.
    #[error("{0}")]
    CloudEvent(#[source] events_rt::cloudevents::CloudEventError),
}
