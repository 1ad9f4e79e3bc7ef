//! Seed 002's tables as facts of the generated contracts: 29 event types, each on the
//! exchange of its category with its own name as routing key.

use events_rt::Contract;
use rabbitmq_orders_events::{Event, EventType, OrderCreatedV1, ProductStockUpdatedV1};
use serde_json::Value;

fn samples() -> Vec<Value> {
    let mut paths: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/json"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

#[test]
fn every_event_of_the_tables_has_its_exchange_and_routing_key() {
    assert_eq!(EventType::ALL.len(), 29);
    let samples = samples();
    assert_eq!(samples.len(), 29);
    for doc in samples {
        let event = Event::from_json(doc.to_string().as_bytes()).unwrap();
        let t = event.event_type();
        let exchange = match t.category() {
            "order" => "orders",
            "product" => "products",
            "customer" => "customers",
            "payment" => "payments",
            "notification" => "notifications",
            other => panic!("{t}: category {other} has no exchange in seed 002"),
        };
        assert_eq!(event.exchange(), Some(exchange), "{t}");
        assert_eq!(event.channel(), exchange, "{t}");
        // The Go publisher sets `Type: routingKey`.
        assert_eq!(event.routing_key(), Some(t.as_str()), "{t}");
        assert_eq!(serde_json::to_value(&event).unwrap(), doc, "{t}");
    }
}

#[test]
fn the_contract_constants() {
    assert_eq!(OrderCreatedV1::CHANNEL, "orders");
    assert_eq!(OrderCreatedV1::EXCHANGE, Some("orders"));
    assert_eq!(OrderCreatedV1::ROUTING_KEY, Some("order.created"));
    assert_eq!(ProductStockUpdatedV1::EXCHANGE, Some("products"));
    assert_eq!(
        ProductStockUpdatedV1::ROUTING_KEY,
        Some("product.stock.updated")
    );
    assert_eq!(OrderCreatedV1::MAX_LEN, None);
}

#[test]
fn the_seed_example_without_metadata_is_major_one_and_stays_without() {
    let seed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/json/002-01-order.created.json"
    ))
    .unwrap();
    let Event::OrderCreatedV1(e) = Event::from_json(&seed).unwrap() else {
        panic!("not order.created v1");
    };
    assert!(e.metadata.is_absent());
    assert_eq!(e.data.items[0].sku, "SKU001");
    assert_eq!(e.data.total, 1000.0);
    let back: Value = serde_json::to_value(&e).unwrap();
    assert!(back.get("metadata").is_none() && back.get("correlation_id").is_none());
    // A new event is stamped with its contract's version.
    let mut fresh = e.clone();
    fresh.metadata = Default::default();
    let v = serde_json::to_value(&fresh).unwrap();
    assert_eq!(v["metadata"]["version"], "1.0");
}
