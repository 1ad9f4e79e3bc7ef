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

mod set;
mod upcast;

include!(concat!(env!("OUT_DIR"), "/events.rs"));
