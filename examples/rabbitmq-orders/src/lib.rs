//! Typed events of the RabbitMQ event bus (seed 002): 29 event types on the `orders`,
//! `products`, `customers`, `payments` and `notifications` topic exchanges.
//!
//! Each schema names its exchange and routing key in `x-event`
//! (`"exchange": "orders", "routing_key": "order.created"`), so every event struct knows
//! where it is published: `Contract::CHANNEL` and `Contract::EXCHANGE` are the exchange,
//! `Contract::ROUTING_KEY` the routing key (equal to the event type, as the Go publisher
//! sets `Type: routingKey`).
//!
//! The envelope is `{id, type, source, timestamp, tenant_id, correlation_id, data,
//! metadata}`: the payload sits under `data`, and the contract version under
//! `metadata.version` (absent, as from the seed's Go publisher, means 1.x). The generator
//! reads all of that from `schemas/envelope.json`; nothing in it is special-cased.
//!
//! ```
//! use events_rt::Contract;
//! use rabbitmq_orders_events::{Event, OrderCreatedV1};
//!
//! assert_eq!(OrderCreatedV1::EXCHANGE, Some("orders"));
//! assert_eq!(OrderCreatedV1::ROUTING_KEY, Some("order.created"));
//! let event = Event::from_json(br#"{"id":"evt_1","type":"product.stock.low","source":"product-service",
//!     "timestamp":"2024-01-15T10:30:00Z","tenant_id":"tenant_abc","data":{"sku":"SKU001","quantity":3}}"#)?;
//! assert_eq!((event.exchange(), event.routing_key()), (Some("products"), Some("product.stock.low")));
//! # Ok::<(), events_rt::DecodeError>(())
//! ```

include!(concat!(env!("OUT_DIR"), "/events.rs"));
