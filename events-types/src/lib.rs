//! Typed event contracts of the Vondi platform, generated from `schemas/` at build time.
//!
//! - one struct per event type and major version ([`OrderConfirmedV1`], …), each
//!   implementing [`events_rt::Contract`];
//! - [`EventType`]: every event type, with category / subject / action;
//! - [`Event`]: decodes any JSON event by dispatching on its `type` and `version`.
//!
//! ```
//! use events_types::{Event, EventType};
//!
//! let json = br#"{"type":"order.cancelled","order_id":12345,"reason":"customer_request","timestamp":1701709200}"#;
//! let event = Event::from_json(json).unwrap();
//! assert_eq!(event.event_type(), EventType::OrderCancelled);
//! assert_eq!(event.event_type().category(), "order");
//! ```

#![doc(test(attr(deny(warnings))))]

pub use events_rt;

/// The README's Rust examples, compiled (and run) as doc-tests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The Rust examples of the guides in `docs/`, compiled (and run) as doc-tests of this
/// crate, as the README's (`cli/tests/docs.rs` checks that every guide with a Rust
/// example is here).
#[cfg(doctest)]
pub mod guides {
    #[doc = include_str!("../../docs/build-api.md")]
    pub struct BuildApi;
    #[doc = include_str!("../../docs/evolution.md")]
    pub struct Evolution;
    #[doc = include_str!("../../docs/outbox.md")]
    pub struct Outbox;
    #[doc = include_str!("../../docs/rabbitmq.md")]
    pub struct Rabbitmq;
    #[doc = include_str!("../../docs/redis-streams.md")]
    pub struct RedisStreams;
    #[doc = include_str!("../../docs/your-schemas.md")]
    pub struct YourSchemas;
}

mod set;
mod upcast;

include!(concat!(env!("OUT_DIR"), "/events.rs"));
