//! AMQP message properties from an event's envelope, and the headers the runtime reads
//! and writes.

use std::borrow::Cow;

use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::BasicProperties;
use serde::Deserialize;

/// `application/json`, on every message the publisher sends.
pub const CONTENT_TYPE: &str = "application/json";

/// Header: the tenant of the event (the envelope's `tenant_id`).
pub const TENANT_HEADER: &str = "tenant_id";
/// Header of a dead letter: why (`permanent`, `max_deliveries`, `undecodable`,
/// `unknown_type`).
pub const REASON_HEADER: &str = "x-events-reason";
/// Header of a dead letter: the handler's or decoder's message.
pub const ERROR_HEADER: &str = "x-events-error";
/// Header of a dead letter: the queue it was consumed from.
pub const QUEUE_HEADER: &str = "x-events-queue";
/// Header of a dead letter: deliveries it had (1 + rejections counted in `x-death`).
pub const ATTEMPTS_HEADER: &str = "x-events-attempts";
/// Header of a dead letter: the exchange it was first published to.
pub const EXCHANGE_HEADER: &str = "x-events-exchange";
/// Header of a dead letter: the routing key it was first published with.
pub const ROUTING_KEY_HEADER: &str = "x-events-routing-key";
/// Header of a dead letter: its event type, when it decoded (a message without the
/// `type` property, as seed 004's Node adapter sends, still says what it is).
pub const EVENT_TYPE_HEADER: &str = "x-events-event-type";
/// Header of a dead letter: when it was dead-lettered (RFC 3339, UTC).
pub const DEAD_LETTERED_AT_HEADER: &str = "x-events-dead-lettered-at";

/// The envelope fields that become message properties. Fields the envelope lacks (seed
/// 004 has no `tenant_id`) or holds as something other than a string are left out.
#[derive(Deserialize, Default)]
struct Head<'a> {
    #[serde(borrow, default)]
    id: Text<'a>,
    #[serde(borrow, default)]
    timestamp: Text<'a>,
    #[serde(borrow, default)]
    correlation_id: Text<'a>,
    #[serde(borrow, default)]
    tenant_id: Text<'a>,
    #[serde(borrow, default)]
    source: Text<'a>,
}

/// A string, or nothing for any other JSON value (skipped without being kept).
#[derive(Default)]
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Borrowed(s))))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(s.to_owned()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Text<'a>, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Text<'a>, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Text<'a>, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The properties of a message carrying `body`, an event of type `event_type`: persistent,
/// `application/json`, `type` = the event type, and from the envelope `message_id` (`id`),
/// `timestamp` (seconds), `correlation_id`, `app_id` (`source`) and the `tenant_id` header.
/// A value that is not a string, or longer than AMQP's 255 bytes, is left out (the body
/// still carries it).
pub fn properties(event_type: &str, body: &[u8]) -> BasicProperties {
    // Envelope fields of other types (a numeric id) are simply not properties.
    let head: Head<'_> = serde_json::from_slice(body).unwrap_or_default();
    let mut p = BasicProperties::default()
        .with_content_type(CONTENT_TYPE.into())
        .with_delivery_mode(2);
    if let Ok(t) = ShortString::try_new(event_type) {
        p = p.with_type(t);
    }
    let short = |t: Text<'_>| t.0.and_then(|s| ShortString::try_new(s).ok());
    if let Some(id) = short(head.id) {
        p = p.with_message_id(id);
    }
    if let Some(ts) = head.timestamp.0.as_deref().and_then(seconds) {
        p = p.with_timestamp(ts);
    }
    if let Some(c) = short(head.correlation_id) {
        p = p.with_correlation_id(c);
    }
    if let Some(s) = short(head.source) {
        p = p.with_app_id(s);
    }
    if let Some(t) = head.tenant_id.0 {
        let mut headers = FieldTable::default();
        headers.insert(
            TENANT_HEADER.into(),
            AMQPValue::LongString(LongString::from(t.as_bytes())),
        );
        p = p.with_headers(headers);
    }
    p
}

/// The envelope's `id`, if it is a string (a message without a `message_id` property
/// still has a stable id for `Delivery::id`).
pub fn envelope_id(body: &[u8]) -> Option<String> {
    let head: Head<'_> = serde_json::from_slice(body).ok()?;
    head.id.0.map(Cow::into_owned)
}

fn seconds(rfc3339: &str) -> Option<u64> {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339).ok()?;
    u64::try_from(t.timestamp()).ok()
}

/// A header as text (long or short string), if present.
pub fn header_str<'a>(props: &'a BasicProperties, name: &str) -> Option<Cow<'a, str>> {
    value_str(props.headers().as_ref()?.inner().get(name)?)
}

/// A header as an integer, if present and integral.
pub fn header_int(props: &BasicProperties, name: &str) -> Option<i64> {
    Some(match props.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongLongInt(n) => *n,
        AMQPValue::LongInt(n) => i64::from(*n),
        AMQPValue::LongUInt(n) => i64::from(*n),
        AMQPValue::ShortInt(n) => i64::from(*n),
        AMQPValue::ShortUInt(n) => i64::from(*n),
        AMQPValue::ShortShortInt(n) => i64::from(*n),
        AMQPValue::ShortShortUInt(n) => i64::from(*n),
        AMQPValue::Timestamp(n) => i64::try_from(*n).ok()?,
        _ => return None,
    })
}

/// The `x-death` entry of `(queue, rejected)`, if the broker wrote one.
fn rejected_from<'a>(props: &'a BasicProperties, queue: &str) -> Option<&'a FieldTable> {
    let Some(AMQPValue::FieldArray(deaths)) = props
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("x-death"))
    else {
        return None;
    };
    deaths
        .as_slice()
        .iter()
        .filter_map(|d| match d {
            AMQPValue::FieldTable(t) => Some(t),
            _ => None,
        })
        .find(|t| {
            table_str(t, "queue").as_deref() == Some(queue)
                && table_str(t, "reason").as_deref() == Some("rejected")
        })
}

fn table_str<'a>(t: &'a FieldTable, key: &str) -> Option<Cow<'a, str>> {
    value_str(t.inner().get(key)?)
}

fn value_str(v: &AMQPValue) -> Option<Cow<'_, str>> {
    match v {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes())),
        AMQPValue::ShortString(s) => Some(Cow::Borrowed(s.as_str())),
        _ => None,
    }
}

/// How many times the broker dead-lettered this message out of `queue` because it was
/// rejected: the `count` of the `x-death` entry for `(queue, rejected)`. 0 when there is
/// none.
pub fn rejections(props: &BasicProperties, queue: &str) -> u64 {
    match rejected_from(props, queue).and_then(|t| t.inner().get("count")) {
        Some(AMQPValue::LongLongInt(n)) => u64::try_from(*n).unwrap_or(0),
        Some(AMQPValue::LongInt(n)) => u64::try_from(*n).unwrap_or(0),
        _ => 0,
    }
}

/// Where a message consumed from `queue` was first published: after a retry it comes
/// back through the default exchange, and its first `x-death` entry for `queue` keeps
/// the original exchange and routing key. `None` when it has not been retried.
pub fn origin(props: &BasicProperties, queue: &str) -> Option<(String, String)> {
    let t = rejected_from(props, queue)?;
    let exchange = table_str(t, "exchange")?.into_owned();
    let key = match t.inner().get("routing-keys")? {
        AMQPValue::FieldArray(keys) => value_str(keys.as_slice().first()?)?.into_owned(),
        _ => return None,
    };
    Some((exchange, key))
}

/// The properties of the dead letter of a message with `from`: all of them but
/// `expiration` (a dead letter must not expire), persistent, and `headers` added.
pub fn for_dead_letter(
    from: &BasicProperties,
    headers: impl IntoIterator<Item = (&'static str, AMQPValue)>,
) -> BasicProperties {
    rebuild(from, |_| true, headers)
}

/// The properties of a dead letter sent back to its queue: the runtime's `x-events-*`
/// headers and the broker's `x-death` history removed, so the retries count afresh.
pub fn for_replay(from: &BasicProperties) -> BasicProperties {
    rebuild(
        from,
        |k| !k.starts_with("x-events-") && k != "x-death",
        std::iter::empty(),
    )
}

/// A copy of `from` without `expiration`, persistent, keeping the headers `keep` says
/// and adding `add`.
fn rebuild(
    from: &BasicProperties,
    keep: impl Fn(&str) -> bool,
    add: impl IntoIterator<Item = (&'static str, AMQPValue)>,
) -> BasicProperties {
    let mut p = BasicProperties::default().with_delivery_mode(2);
    if let Some(v) = from.content_type() {
        p = p.with_content_type(v.clone());
    }
    if let Some(v) = from.content_encoding() {
        p = p.with_content_encoding(v.clone());
    }
    if let Some(v) = from.correlation_id() {
        p = p.with_correlation_id(v.clone());
    }
    if let Some(v) = from.message_id() {
        p = p.with_message_id(v.clone());
    }
    if let Some(v) = from.timestamp() {
        p = p.with_timestamp(*v);
    }
    if let Some(v) = from.kind() {
        p = p.with_type(v.clone());
    }
    if let Some(v) = from.app_id() {
        p = p.with_app_id(v.clone());
    }
    if let Some(v) = from.user_id() {
        p = p.with_user_id(v.clone());
    }
    if let Some(v) = from.priority() {
        p = p.with_priority(*v);
    }
    if let Some(v) = from.reply_to() {
        p = p.with_reply_to(v.clone());
    }
    let mut table = FieldTable::default();
    if let Some(h) = from.headers() {
        for (k, v) in h.inner() {
            if keep(k.as_str()) {
                table.insert(k.clone(), v.clone());
            }
        }
    }
    for (k, v) in add {
        table.insert(ShortString::from(k), v);
    }
    if table.inner().is_empty() {
        p
    } else {
        p.with_headers(table)
    }
}

/// A long-string header value.
pub fn text(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `props` with `headers` added (replacing same-named ones).
    fn with_headers(
        props: &BasicProperties,
        headers: impl IntoIterator<Item = (&'static str, AMQPValue)>,
    ) -> BasicProperties {
        let mut table = props.headers().clone().unwrap_or_default();
        for (k, v) in headers {
            table.insert(ShortString::from(k), v);
        }
        props.clone().with_headers(table)
    }

    #[test]
    fn envelope_fields_become_properties() {
        let body = br#"{"id":"evt_1","type":"order.created","source":"oms-service","timestamp":"2024-01-15T10:30:00+02:00","tenant_id":"tenant_abc","correlation_id":"req-9","data":{}}"#;
        let p = properties("order.created", body);
        assert_eq!(p.message_id().as_ref().unwrap().as_str(), "evt_1");
        assert_eq!(p.kind().as_ref().unwrap().as_str(), "order.created");
        assert_eq!(p.correlation_id().as_ref().unwrap().as_str(), "req-9");
        assert_eq!(p.app_id().as_ref().unwrap().as_str(), "oms-service");
        assert_eq!(*p.timestamp(), Some(1_705_307_400));
        assert_eq!(*p.delivery_mode(), Some(2));
        assert_eq!(p.content_type().as_ref().unwrap().as_str(), CONTENT_TYPE);
        assert_eq!(header_str(&p, TENANT_HEADER).as_deref(), Some("tenant_abc"));
    }

    #[test]
    fn odd_envelopes_leave_properties_out_without_panicking() {
        let long = "x".repeat(300);
        let body = format!(r#"{{"name":"order.created","id":"{long}","timestamp":"yesterday"}}"#);
        let p = properties(&long, body.as_bytes());
        assert!(p.message_id().is_none() && p.kind().is_none() && p.timestamp().is_none());
        assert!(p.headers().is_none());
        let p = properties(
            "order.created",
            br#"{"id": 5, "tenant_id": null, "source": "oms", "correlation_id": {"a": [1]}}"#,
        );
        assert!(p.message_id().is_none() && p.headers().is_none());
        assert!(p.correlation_id().is_none());
        assert_eq!(p.app_id().as_ref().unwrap().as_str(), "oms");
        let p = properties("order.created", b"not json");
        assert_eq!(*p.delivery_mode(), Some(2));
    }

    #[test]
    fn the_envelope_id_is_the_fallback_delivery_id() {
        let seed_004 = br#"{"name":"order.created","id":"1e7f9a2b","timestamp":"2025-03-14T09:41:07.112Z","data":{}}"#;
        assert_eq!(envelope_id(seed_004).as_deref(), Some("1e7f9a2b"));
        assert_eq!(envelope_id(br#"{"id":7}"#), None);
        assert_eq!(envelope_id(b"{not json"), None);
    }

    #[test]
    fn counts_rejections_from_this_queue_only() {
        let death = |queue: &str, reason: &str, count: i64| {
            let mut t = FieldTable::default();
            t.insert("queue".into(), text(queue));
            t.insert("reason".into(), text(reason));
            t.insert("count".into(), AMQPValue::LongLongInt(count));
            t.insert("exchange".into(), text("orders"));
            t.insert(
                "routing-keys".into(),
                AMQPValue::FieldArray(vec![text("order.created")].into()),
            );
            AMQPValue::FieldTable(t)
        };
        let p = with_headers(
            &BasicProperties::default(),
            [(
                "x-death",
                AMQPValue::FieldArray(
                    vec![
                        death("q", "rejected", 2),
                        death("q.retry", "expired", 2),
                        death("other", "rejected", 7),
                    ]
                    .into(),
                ),
            )],
        );
        assert_eq!(rejections(&p, "q"), 2);
        assert_eq!(rejections(&p, "nope"), 0);
        assert_eq!(rejections(&BasicProperties::default(), "q"), 0);
        assert_eq!(
            origin(&p, "q"),
            Some(("orders".to_owned(), "order.created".to_owned()))
        );
        assert_eq!(origin(&BasicProperties::default(), "q"), None);
    }
}
