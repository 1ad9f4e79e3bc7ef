//! Hand-written conversions between major versions of an event.
//!
//! When a new major version (`….v2.json`) changes an event in a way that is not mechanical
//! (a field renamed, removed, or retyped), the build warns
//! `no conversion XV1 -> XV2: …`, the generated `TryFrom<XV1> for XV2` fails with
//! `events_rt::UpcastError`, and so does `Event::upcast` for such an event: every consumer
//! still builds. To convert, write the conversion here and declare it in `build.rs` with
//! `Config::manual_upcast("order.confirmed", 1)` (the generated `TryFrom` then goes away):
//!
//! ```ignore
//! impl From<crate::OrderConfirmedV1> for crate::OrderConfirmedV2 {
//!     fn from(v1: crate::OrderConfirmedV1) -> Self { /* … */ }
//! }
//! ```
//!
//! The Vondi catalog has one major version per event today, so there is nothing here yet.
