//! Typed events of the Node orders service (seed 004): `order.created`,
//! `order.status.updated` and `order.cancelled`, as its `MessageBrokerAdapter` publishes
//! them to RabbitMQ.
//!
//! The envelope is `{name, id, timestamp, data}`: the event type travels as `name`, the
//! payload under `data`, and there is no version field (every event is major version 1).
//! Payload fields are camelCase on the wire (`orderId`, `oldStatus`) and snake_case in
//! Rust (`order_id`, `old_status`): the generator renames every field whose wire name is
//! not its Rust name.
//!
//! ```
//! use events_rt::Contract;
//! use node_orders_events::{Event, OrderStatusUpdatedV1};
//!
//! let json = br#"{"name":"order.status.updated","id":"1e7f9a2b-3c4d-4e5f-9a01-2b3c4d5e6f70",
//!     "timestamp":"2025-03-14T09:41:07.112Z","data":{"orderId":"6f1c2b9e-3d4a-4e8f-9b7c-1a2d3e4f5a6b",
//!     "userId":"a3b4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d","oldStatus":"created","newStatus":"in_progress"}}"#;
//! let Event::OrderStatusUpdatedV1(e) = Event::from_json(json)? else { unreachable!() };
//! assert_eq!((e.data.old_status.as_str(), e.data.new_status.as_str()), ("created", "in_progress"));
//! assert_eq!(OrderStatusUpdatedV1::ROUTING_KEY, Some("order.status.updated"));
//! # Ok::<(), events_rt::DecodeError>(())
//! ```

include!(concat!(env!("OUT_DIR"), "/events.rs"));
