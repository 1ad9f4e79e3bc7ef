//! A set of events that a runtime publishes and consumes: one contract type, or a
//! generated `Event` enum (the whole catalog). Bus runtimes are generic over it.

use crate::fields::{field, to_sink, FieldError, FieldSink, Fields};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Contract, DecodeError, FieldCodec, UnknownEventType};

/// The static facts of one contract, as a value (see [`Contract`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContractInfo {
    /// Event type, e.g. `order.confirmed`.
    pub event_type: &'static str,
    /// Major version.
    pub major: u32,
    /// `major.minor` declared in the schema.
    pub version: &'static str,
    /// Stream, topic or AMQP exchange.
    pub channel: &'static str,
    /// `MAXLEN ~` of the stream declared by the schema (`x-event.max_len`), if any.
    pub max_len: Option<usize>,
    /// The AMQP exchange (`x-event.exchange`, equal to `channel`), if the event has one.
    pub exchange: Option<&'static str>,
    /// The AMQP routing key (`x-event.routing_key`), if the event has one.
    pub routing_key: Option<&'static str>,
    /// The message key's JSON pointer in the encoded event (`x-event.key`), if any.
    pub key: Option<&'static str>,
    /// The topic's settings (`x-event.partitions`, `replication`, `retention`).
    pub topic: crate::TopicSettings,
    /// The producing service.
    pub producer: &'static str,
}

impl ContractInfo {
    /// The facts of contract `C`.
    pub const fn of<C: Contract>() -> Self {
        Self {
            event_type: C::EVENT_TYPE,
            major: C::MAJOR,
            version: C::VERSION,
            channel: C::CHANNEL,
            max_len: C::MAX_LEN,
            exchange: C::EXCHANGE,
            routing_key: C::ROUTING_KEY,
            key: C::KEY,
            topic: C::TOPIC,
            producer: C::PRODUCER,
        }
    }
}

/// Events a bus runtime can encode, decode and route: implemented for every contract
/// struct, and for a generated `Event` enum (the whole catalog). JSON documents are the
/// wire form of the AMQP and Kafka runtimes; [`FieldSet`] adds the Redis Streams field
/// maps.
pub trait EventSet: Sized + Send + 'static {
    /// Decodes one JSON document (an AMQP message body, a Kafka record value). A document
    /// of a type (or major version) outside the set is [`DecodeError::UnknownType`] (or
    /// [`DecodeError::UnknownVersion`]), which runtimes may skip as a tolerant reader;
    /// anything else is a corrupt message.
    fn decode_json(json: &[u8]) -> Result<Self, DecodeError>;
    /// This event as one JSON document, fields in schema order.
    fn encode_json(&self) -> Result<Vec<u8>, serde_json::Error>;
    /// The event type string.
    fn type_name(&self) -> &'static str;
    /// The stream, topic or AMQP exchange the event is published to.
    fn channel(&self) -> &'static str;
    /// `MAXLEN ~` the schema declares for this event's stream (`x-event.max_len`);
    /// `None` leaves it to the publisher's default.
    fn max_len(&self) -> Option<usize> {
        None
    }
    /// The AMQP exchange of this event (`x-event.exchange`); `None` on a stream or topic.
    fn exchange(&self) -> Option<&'static str> {
        None
    }
    /// The AMQP routing key of this event (`x-event.routing_key`); `None` on a stream or
    /// topic.
    fn routing_key(&self) -> Option<&'static str> {
        None
    }
    /// The JSON pointer of this event's message key in [`encode_json`](Self::encode_json)'s
    /// document (`x-event.key`); `None` when its contract has no key.
    fn key_pointer(&self) -> Option<&'static str> {
        None
    }
    /// This event's message key, read from its encoded document `json` at
    /// [`key_pointer`](Self::key_pointer); `Ok(None)` when the contract has no key.
    fn message_key<'a>(
        &self,
        json: &'a [u8],
    ) -> Result<Option<std::borrow::Cow<'a, str>>, crate::KeyError> {
        self.key_pointer()
            .map(|p| crate::message_key(json, p))
            .transpose()
    }
    /// The facts of this event's contract.
    fn info(&self) -> ContractInfo;
    /// How the set's envelope maps to CloudEvent attributes; `None` for a set without an
    /// envelope.
    fn cloudevent_mapping() -> Option<&'static crate::cloudevents::Mapping<'static>> {
        None
    }
    /// This event as a structured CloudEvent, from its encoded document `json`
    /// ([`encode_json`](Self::encode_json)'s).
    fn cloudevent_of(
        &self,
        json: &[u8],
    ) -> Result<serde_json::Value, crate::cloudevents::CloudEventError> {
        use crate::cloudevents::{to_cloudevent, CloudEventError, ContractFacts};
        let map = Self::cloudevent_mapping().ok_or(CloudEventError::NoMapping)?;
        let envelope: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| CloudEventError::Invalid(e.to_string()))?;
        let info = self.info();
        to_cloudevent(
            &envelope,
            map,
            &ContractFacts {
                producer: info.producer,
                version: info.version,
                key: info.key,
            },
        )
    }
    /// Decodes a structured CloudEvent (a JSON object with `specversion`) into the event
    /// its envelope form is.
    fn from_cloudevent(
        ce: &serde_json::Value,
    ) -> Result<Self, crate::cloudevents::CloudEventError> {
        Ok(Self::decode_json(&Self::cloudevent_envelope(ce)?)?)
    }
    /// The envelope document (as [`decode_json`](Self::decode_json) reads it) of a
    /// structured CloudEvent of this set.
    fn cloudevent_envelope(
        ce: &serde_json::Value,
    ) -> Result<Vec<u8>, crate::cloudevents::CloudEventError> {
        use crate::cloudevents::{from_cloudevent, CloudEventError};
        let map = Self::cloudevent_mapping().ok_or(CloudEventError::NoMapping)?;
        let envelope = from_cloudevent(ce, map)?;
        serde_json::to_vec(&envelope).map_err(|e| CloudEventError::Invalid(e.to_string()))
    }
    /// Every contract of the set; a consumer subscribes to their channels.
    fn contracts() -> Vec<ContractInfo>;
}

/// An [`EventSet`] with the Redis Streams field-map codec: implemented for every contract
/// struct, and for a generated `Event` built with field maps on (`events-types`).
pub trait FieldSet: EventSet {
    /// Decodes the field/value pairs of a stream entry. An entry of a type (or major
    /// version) outside the set is [`DecodeError::UnknownType`] (or
    /// [`DecodeError::UnknownVersion`]), which runtimes may skip as a tolerant reader;
    /// anything else is a corrupt entry.
    fn decode_fields(fields: &[(String, String)]) -> Result<Self, DecodeError>;
    /// The field/value pairs of this event.
    fn encode_fields(&self) -> Result<Fields, FieldError>;
    /// Writes the field/value pairs of this event into `sink`: the pairs, order and
    /// errors of [`encode_fields`](Self::encode_fields), which this default goes through.
    /// Contract structs and generated `Event` enums write them straight from the event,
    /// without a `String` per value. On error, discard the sink.
    fn write_fields<S: FieldSink + ?Sized>(&self, sink: &mut S) -> Result<(), FieldError> {
        for (name, value) in self.encode_fields()? {
            sink.name(&name);
            sink.value(&value);
        }
        Ok(())
    }
    /// `XADD stream [MAXLEN ~ n] * field value ...` of this event (feature `redis`), its
    /// fields written straight into the command's buffer by
    /// [`write_fields`](Self::write_fields): the same bytes as
    /// [`redis::xadd`](crate::redis::xadd) of [`encode_fields`](Self::encode_fields), and
    /// the same errors.
    #[cfg(feature = "redis")]
    fn encode_xadd(
        &self,
        stream: &str,
        max_len: Option<usize>,
    ) -> Result<::redis::Cmd, FieldError> {
        let mut cmd = crate::redis::xadd_head(
            stream,
            max_len,
            crate::redis::XADD_ARGS,
            crate::redis::XADD_BYTES,
        );
        self.write_fields(&mut cmd)?;
        Ok(cmd)
    }
}

impl<T: Contract + Serialize + DeserializeOwned + Send + 'static> EventSet for T {
    fn decode_json(json: &[u8]) -> Result<Self, DecodeError> {
        crate::decode::<T>(json).map_err(|e| {
            // The contract struct does not know its envelope's type field; a document in
            // which no top-level value is this type is another event sharing the channel.
            let Ok(serde_json::Value::Object(doc)) = serde_json::from_slice(json) else {
                return e;
            };
            if doc.values().any(|v| v.as_str() == Some(T::EVENT_TYPE)) {
                return e;
            }
            let found = match &e {
                DecodeError::Invalid { path, .. } => doc.get(path).and_then(|v| v.as_str()),
                _ => None,
            };
            DecodeError::UnknownType(UnknownEventType::new(
                found.unwrap_or("(another type)"),
                &[T::EVENT_TYPE],
            ))
        })
    }
    fn encode_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
    fn type_name(&self) -> &'static str {
        T::EVENT_TYPE
    }
    fn channel(&self) -> &'static str {
        T::CHANNEL
    }
    fn max_len(&self) -> Option<usize> {
        T::MAX_LEN
    }
    fn exchange(&self) -> Option<&'static str> {
        T::EXCHANGE
    }
    fn routing_key(&self) -> Option<&'static str> {
        T::ROUTING_KEY
    }
    fn key_pointer(&self) -> Option<&'static str> {
        T::KEY
    }
    fn info(&self) -> ContractInfo {
        ContractInfo::of::<T>()
    }
    fn cloudevent_mapping() -> Option<&'static crate::cloudevents::Mapping<'static>> {
        T::CLOUDEVENTS
    }
    fn contracts() -> Vec<ContractInfo> {
        vec![ContractInfo::of::<T>()]
    }
}

impl<T: FieldCodec + Send + 'static> FieldSet for T {
    fn decode_fields(fields: &[(String, String)]) -> Result<Self, DecodeError> {
        T::from_redis_fields(fields).map_err(|e| {
            // The contract struct does not know its envelope's type field; an entry in
            // which no value is this type is another event sharing the stream.
            if fields.iter().any(|(_, v)| v == T::EVENT_TYPE) {
                DecodeError::Field(e)
            } else {
                let found = e
                    .field
                    .as_deref()
                    .and_then(|f| field(fields, f))
                    .unwrap_or("(another type)");
                DecodeError::UnknownType(UnknownEventType::new(found, &[T::EVENT_TYPE]))
            }
        })
    }
    fn encode_fields(&self) -> Result<Fields, FieldError> {
        self.to_redis_fields()
    }
    fn write_fields<S: FieldSink + ?Sized>(&self, sink: &mut S) -> Result<(), FieldError> {
        // `FieldCodec::to_redis_fields` is `to_fields` for every type (a blanket impl).
        to_sink(self, sink)
    }
}
