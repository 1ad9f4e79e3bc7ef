//! Seed 004's payload fields are camelCase on the wire and snake_case in Rust.

use events_rt::{Contract, DateTime};
use node_orders_events::{Event, EventType, OrderCreatedV1, OrderCreatedV1Data};
use serde_json::{json, Value};

#[test]
fn camel_case_on_the_wire_snake_case_in_rust() {
    let mut item = serde_json::Map::new();
    item.insert(
        "productId".into(),
        json!("b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"),
    );
    let timestamp: DateTime = "2025-03-14T09:26:53.589Z".parse().unwrap();
    let event = OrderCreatedV1::new(
        "0d6e8f1a-2b3c-4d5e-8f90-1a2b3c4d5e6f".parse().unwrap(),
        timestamp,
        OrderCreatedV1Data {
            order_id: "6f1c2b9e-3d4a-4e8f-9b7c-1a2d3e4f5a6b".parse().unwrap(),
            user_id: "a3b4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d".parse().unwrap(),
            items: vec![item],
            total: 12550.0,
            status: "created".into(),
        },
    );
    let wire = serde_json::to_value(&event).unwrap();
    assert_eq!(
        wire,
        json!({
            "name": "order.created",
            "id": "0d6e8f1a-2b3c-4d5e-8f90-1a2b3c4d5e6f",
            "timestamp": "2025-03-14T09:26:53.589Z",
            "data": {
                "orderId": "6f1c2b9e-3d4a-4e8f-9b7c-1a2d3e4f5a6b",
                "userId": "a3b4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d",
                "items": [{"productId": "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"}],
                // As `JSON.stringify` writes it: a whole number has no fraction.
                "total": 12550,
                "status": "created"
            }
        })
    );
    // The keys in the order the Node service writes them, none in snake_case.
    let text = serde_json::to_string(&event).unwrap();
    assert!(
        text.starts_with(r#"{"name":"order.created","id":"#),
        "{text}"
    );
    for key in ["order_id", "user_id"] {
        assert!(!text.contains(key), "{key} in {text}");
    }
    let back = Event::from_json(text.as_bytes()).unwrap();
    assert_eq!(back, Event::from(event));
}

#[test]
fn status_changes_decode_into_snake_case_fields() {
    let doc = json!({
        "name": "order.cancelled", "id": "2f8a0b3c-4d5e-4f60-8b12-3c4d5e6f7081",
        "timestamp": "2025-03-14T10:02:45.000Z",
        "data": {"orderId": "6f1c2b9e-3d4a-4e8f-9b7c-1a2d3e4f5a6b",
                 "userId": "a3b4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d",
                 "oldStatus": "created", "newStatus": "cancelled"}
    });
    let Event::OrderCancelledV1(e) = Event::from_json(doc.to_string().as_bytes()).unwrap() else {
        panic!("not order.cancelled");
    };
    assert_eq!(e.data.old_status, "created");
    assert_eq!(e.data.new_status, "cancelled");
    assert_eq!(serde_json::to_value(&e).unwrap(), doc);
    // snake_case on the wire is not the contract: the camelCase field is missing.
    let snake = doc.to_string().replace("oldStatus", "old_status");
    let err = Event::from_json(snake.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("missing field `oldStatus`"), "{err}");
}

#[test]
fn three_events_on_the_orders_exchange_routed_by_name() {
    assert_eq!(EventType::ALL.len(), 3);
    for t in EventType::ALL {
        let sample = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/json"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.to_string_lossy()
                    .ends_with(&format!("-{}.json", t.as_str()))
            })
            .unwrap_or_else(|| panic!("no sample for {t}"));
        let doc: Value = serde_json::from_slice(&std::fs::read(&sample).unwrap()).unwrap();
        let event = Event::from_json(doc.to_string().as_bytes()).unwrap();
        assert_eq!(event.exchange(), Some("orders"));
        assert_eq!(event.routing_key(), Some(t.as_str()));
        assert_eq!(event.channel(), "orders");
    }
    assert_eq!(OrderCreatedV1::EXCHANGE, Some("orders"));
    assert_eq!(OrderCreatedV1::ROUTING_KEY, Some("order.created"));
}
