//! The dead-letter stream: `<stream>:dlq` by default. An entry keeps the original fields
//! (so it still decodes as its event) followed by `x-dlq-*` fields saying why it is there.

use std::time::{SystemTime, UNIX_EPOCH};

use events_rt::redis::StreamEntry;

/// Field: the error, as the handler or the decoder reported it.
pub const ERROR: &str = "x-dlq-error";
/// Field: why the entry was dead-lettered (`permanent`, `max_deliveries`, `undecodable`, `unknown_type`).
pub const REASON: &str = "x-dlq-reason";
/// Field: the stream it was read from.
pub const STREAM: &str = "x-dlq-stream";
/// Field: its entry id there.
pub const ID: &str = "x-dlq-id";
/// Field: the consumer group.
pub const GROUP: &str = "x-dlq-group";
/// Field: the consumer that gave up on it.
pub const CONSUMER: &str = "x-dlq-consumer";
/// Field: deliveries so far (from the group's pending entries list).
pub const DELIVERIES: &str = "x-dlq-deliveries";
/// Field: when, in unix milliseconds.
pub const TIME: &str = "x-dlq-time";

/// Prefix of every dead-letter field.
pub const PREFIX: &str = "x-dlq-";

/// Why an entry was dead-lettered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The handler returned a permanent error.
    Permanent,
    /// Retryable failures up to the retry policy's `max_deliveries`.
    MaxDeliveries,
    /// The entry is not a valid event (a corrupt field, a missing type).
    Undecodable,
    /// An event type outside the consumer's set, with the dead-letter policy for them.
    UnknownType,
}

impl Reason {
    /// The `x-dlq-reason` value and metric label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Permanent => "permanent",
            Self::MaxDeliveries => "max_deliveries",
            Self::Undecodable => "undecodable",
            Self::UnknownType => "unknown_type",
        }
    }
}

/// The default dead-letter stream of `stream`.
pub fn stream_of(stream: &str, suffix: &str) -> String {
    format!("{stream}{suffix}")
}

/// What the consumer knew when it gave up on an entry.
#[derive(Debug, Clone)]
pub(crate) struct Context<'a> {
    pub stream: &'a str,
    pub group: &'a str,
    pub consumer: &'a str,
    pub deliveries: u64,
}

/// `XADD <dlq> MAXLEN ~ max * <original fields> x-dlq-…`.
pub(crate) fn xadd(
    dlq: &str,
    max_len: Option<usize>,
    entry: &StreamEntry,
    reason: Reason,
    error: &str,
    cx: &Context<'_>,
) -> redis::Cmd {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(dlq);
    if let Some(n) = max_len {
        cmd.arg("MAXLEN").arg("~").arg(n);
    }
    cmd.arg("*");
    // Byte for byte: an entry that is not UTF-8 is kept as it was.
    for (k, v) in entry.byte_pairs() {
        cmd.arg(k).arg(v);
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    cmd.arg(REASON)
        .arg(reason.as_str())
        .arg(ERROR)
        .arg(error)
        .arg(STREAM)
        .arg(cx.stream)
        .arg(ID)
        .arg(&entry.id)
        .arg(GROUP)
        .arg(cx.group)
        .arg(CONSUMER)
        .arg(cx.consumer)
        .arg(DELIVERIES)
        .arg(cx.deliveries)
        .arg(TIME)
        .arg(now.to_string());
    cmd
}

/// A dead-lettered entry, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its id in the dead-letter stream.
    pub dlq_id: String,
    /// The original field/value pairs, in their order (U+FFFD where not UTF-8).
    pub fields: Vec<(String, String)>,
    /// The exact bytes of the original pairs, kept only when one is not UTF-8; replay
    /// writes them back unchanged.
    pub raw: Option<events_rt::redis::RawPairs>,
    /// `x-dlq-reason`.
    pub reason: String,
    /// `x-dlq-error`.
    pub error: String,
    /// `x-dlq-stream`: where to replay it.
    pub stream: String,
    /// `x-dlq-id`: its id there.
    pub id: String,
    /// `x-dlq-group`.
    pub group: String,
    /// `x-dlq-consumer`.
    pub consumer: String,
    /// `x-dlq-deliveries`.
    pub deliveries: u64,
    /// `x-dlq-time`, unix milliseconds.
    pub time_ms: u64,
}

impl DeadLetter {
    /// Splits a dead-letter stream entry into the original fields and the `x-dlq-*` ones.
    pub fn from_entry(entry: &StreamEntry) -> Self {
        let mut d = DeadLetter {
            dlq_id: entry.id.clone(),
            fields: Vec::new(),
            raw: None,
            reason: String::new(),
            error: String::new(),
            stream: String::new(),
            id: String::new(),
            group: String::new(),
            consumer: String::new(),
            deliveries: 0,
            time_ms: 0,
        };
        let mut raw = entry.raw.as_ref().map(|_| Vec::new());
        for ((k, v), (kb, vb)) in entry.fields.iter().zip(entry.byte_pairs()) {
            let original = !matches!(
                k.as_str(),
                REASON | ERROR | STREAM | ID | GROUP | CONSUMER | DELIVERIES | TIME
            );
            if let (Some(raw), true) = (raw.as_mut(), original) {
                raw.push((kb.to_vec(), vb.to_vec()));
            }
            match k.as_str() {
                REASON => d.reason = v.clone(),
                ERROR => d.error = v.clone(),
                STREAM => d.stream = v.clone(),
                ID => d.id = v.clone(),
                GROUP => d.group = v.clone(),
                CONSUMER => d.consumer = v.clone(),
                DELIVERIES => d.deliveries = v.parse().unwrap_or(0),
                TIME => d.time_ms = v.parse().unwrap_or(0),
                _ => d.fields.push((k.clone(), v.clone())),
            }
        }
        d.raw = raw;
        d
    }

    /// Decodes the original event (e.g. with `Event::from_redis_fields`), typed.
    pub fn decode<E: events_rt::FieldSet>(&self) -> Result<E, events_rt::DecodeError> {
        if let Some(e) = self.raw.as_deref().and_then(events_rt::redis::utf8_error) {
            return Err(events_rt::DecodeError::Field(e));
        }
        E::decode_fields(&self.fields)
    }

    /// `XADD <source stream> * <original fields>`: puts the entry back for its consumers.
    pub fn replay_cmd(&self, max_len: Option<usize>) -> redis::Cmd {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&self.stream);
        if let Some(n) = max_len {
            cmd.arg("MAXLEN").arg("~").arg(n);
        }
        cmd.arg("*");
        match &self.raw {
            Some(raw) => raw.iter().for_each(|(k, v)| {
                cmd.arg(k).arg(v);
            }),
            None => self.fields.iter().for_each(|(k, v)| {
                cmd.arg(k).arg(v);
            }),
        }
        cmd
    }
}
