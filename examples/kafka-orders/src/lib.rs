//! Typed events of the Kafka order service (seed 003), as a second contract set.
//!
//! Its envelope differs from the Vondi one: the type travels as `event_type`, the payload
//! sits under `data`, and `metadata` carries correlation ids. The generator reads that from
//! `schemas/envelope.json`; nothing in it is special-cased.

include!(concat!(env!("OUT_DIR"), "/events.rs"));
