//! The `order.confirmed` events the Redis tests publish (apart from `common`, which
//! events-outbox's tests share and which needs no generated types).

/// The stream of `order.confirmed` (seed 001).
pub const ORDERS: &str = "listings:events:orders";

/// An `order.confirmed` event with order id `n` and one item.
pub fn confirmed(n: i64) -> events_types::Event {
    let item = events_types::OrderItem {
        listing_id: 1,
        quantity: 1,
        warehouse_id: 1,
    };
    events_types::OrderConfirmedV1::new(1_734_825_600, n, 7, vec![item]).into()
}
