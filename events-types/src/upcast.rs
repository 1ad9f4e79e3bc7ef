//! Hand-written conversions between major versions of an event.
//!
//! When a new major version (`….v2.json`) changes an event in a way that is not mechanical
//! (a field renamed, removed, or retyped), the build warns
//! `no generated conversion XV1 -> XV2: …` and `Event::upcast` does not compile until the
//! conversion exists. Write it here, for example:
//!
//! ```ignore
//! impl From<crate::OrderConfirmedV1> for crate::OrderConfirmedV2 {
//!     fn from(v1: crate::OrderConfirmedV1) -> Self { /* … */ }
//! }
//! ```
//!
//! The Vondi catalog has one major version per event today, so there is nothing here yet.
