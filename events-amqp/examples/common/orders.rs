//! The seed 002 `order.created` event the examples, the benchmark and the tests publish:
//! order id `n`, the seed's example values otherwise.

use rabbitmq_orders_events::{OrderCreatedV1, OrderCreatedV1Data, OrderItem};

/// `order.created` for order id `n` (as a string, as seed 002's ids are).
pub fn order_created(n: u64) -> OrderCreatedV1 {
    OrderCreatedV1::new(
        format!("evt_{n}"),
        "oms-service",
        chrono::Utc::now(),
        "tenant_abc",
        OrderCreatedV1Data {
            order_id: n.to_string(),
            order_number: format!("ORD-2024-{n:06}"),
            customer_id: "cust_123".into(),
            items: vec![OrderItem {
                product_id: "prod_456".into(),
                sku: "SKU001".into(),
                quantity: 2,
                price: 500.0,
            }],
            total: 1000.0,
            currency: "UAH".into(),
            status: "pending".into(),
        },
    )
}

/// The order id of an event made by [`order_created`].
#[allow(dead_code)]
pub fn order_number(e: &OrderCreatedV1) -> u64 {
    e.data
        .order_id
        .parse()
        .expect("an order id made by order_created")
}
