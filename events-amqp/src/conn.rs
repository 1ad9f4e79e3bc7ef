//! Connecting to the broker, and the errors of talking to it.

use std::time::Duration;

use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
use lapin::types::ShortString;
use lapin::{Connection, ConnectionProperties};

/// The URL of the local broker: `amqp://guest:guest@127.0.0.1:5672/%2f`.
pub const DEFAULT_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// How long connecting may take before it is an error.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A failure talking to the broker. URLs in messages have their password redacted.
#[derive(Debug, thiserror::Error)]
pub enum AmqpError {
    /// The broker could not be reached, or refused the login.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The broker URL, password redacted.
        url: String,
        /// Why.
        reason: String,
    },
    /// Declaring an exchange or queue that exists with other arguments (the broker's
    /// `PRECONDITION_FAILED`).
    #[error("{what} exists on the broker with other arguments: {reason}; delete it or declare it as it is")]
    Conflict {
        /// `queue \`orders.notify\``, `exchange \`orders\``.
        what: String,
        /// The broker's reply text.
        reason: String,
    },
    /// A queue or exchange that must exist does not (the broker's `NOT_FOUND`).
    #[error("{what} does not exist on the broker: {reason}")]
    NotFound {
        /// What was looked for.
        what: String,
        /// The broker's reply text.
        reason: String,
    },
    /// A name longer than AMQP's 255 bytes.
    #[error("{what} is {len} bytes long; AMQP names hold at most 255")]
    NameTooLong {
        /// Which name.
        what: String,
        /// Its length in bytes.
        len: usize,
    },
    /// Any other broker or connection error, with what was being done.
    #[error("{what}: {source}")]
    Broker {
        /// What was being done (`declare queue \`x\``, `ack`).
        what: String,
        /// The client's error.
        #[source]
        source: Box<lapin::Error>,
    },
}

impl AmqpError {
    /// Classifies a client error met while doing `what`.
    pub(crate) fn from_lapin(what: impl Into<String>, e: lapin::Error) -> Self {
        let what = what.into();
        if let lapin::ErrorKind::ProtocolError(p) = e.kind() {
            let reason = p.get_message().to_string();
            match p.kind() {
                AMQPErrorKind::Soft(AMQPSoftError::PRECONDITIONFAILED) => {
                    return Self::Conflict { what, reason }
                }
                AMQPErrorKind::Soft(AMQPSoftError::NOTFOUND) => {
                    return Self::NotFound { what, reason }
                }
                _ => {}
            }
        }
        Self::Broker {
            what,
            source: Box::new(e),
        }
    }

    /// Whether the connection or channel is gone (reconnecting may help), as opposed to
    /// a refusal that will be repeated.
    pub fn is_connection_loss(&self) -> bool {
        match self {
            Self::Connect { .. } => true,
            Self::Broker { source, .. } => is_connection_loss(source),
            _ => false,
        }
    }
}

/// Whether a client error means the connection or channel went away.
pub(crate) fn is_connection_loss(e: &lapin::Error) -> bool {
    use lapin::ErrorKind as K;
    match e.kind() {
        K::IOError(_)
        | K::RuntimeShutdownError(_)
        | K::InvalidChannelState(..)
        | K::InvalidConnectionState(_)
        | K::MissingHeartbeatError
        | K::InvalidChannel(_) => true,
        K::ProtocolError(p) => matches!(p.kind(), AMQPErrorKind::Hard(_)),
        _ => false,
    }
}

/// An AMQP short string (exchange, queue, routing key, property), refused with a clear
/// error past 255 bytes instead of the client's panic.
pub(crate) fn short(what: &str, s: &str) -> Result<ShortString, AmqpError> {
    ShortString::try_new(s).map_err(|_| AmqpError::NameTooLong {
        what: format!("{what} `{}`", events_rt::cut(s, 60)),
        len: s.len(),
    })
}

/// Opens a connection to `url` within [`CONNECT_TIMEOUT`], named `name` in the broker's
/// connection list.
pub async fn connect(url: &str, name: &str) -> Result<Connection, AmqpError> {
    let props = ConnectionProperties::default().with_connection_name(name.into());
    let redacted = || events_rt::redact_url(url).into_owned();
    match tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(url, props)).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(AmqpError::Connect {
            url: redacted(),
            reason: e.to_string(),
        }),
        Err(_) => Err(AmqpError::Connect {
            url: redacted(),
            reason: format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()),
        }),
    }
}
